"""Compute the graph of objects reachable from one object, as data.

Chapter 2 of the book. Starting at a root object, :func:`object_graph`
follows ``gc.get_referents`` breadth-first, the way ``objgraph.show_refs``
does: the root is at depth 0, an object at depth *max_depth* is shown but
not followed, and an optional filter on type names decides which
referents are kept. The result is an :class:`ObjectGraph` of
:class:`Node` and :class:`Edge` records; turning it into DOT, SVG or PNG is
the job of :mod:`pyinternals.runtime.render`.
"""

from __future__ import annotations

import gc
import reprlib
import sys
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from types import ModuleType

__all__ = ["Edge", "Node", "ObjectGraph", "object_graph", "referents", "walk"]

_SUMMARY_LENGTH = 40
_repr = reprlib.Repr()
_repr.maxstring = 24
_repr.maxother = 24


@dataclass(frozen=True)
class Node:
    """One object in the graph, identified by its ``id()``."""

    id: int
    type_name: str
    summary: str
    size: int
    depth: int


@dataclass(frozen=True)
class Edge:
    """A reference from the object ``source`` to the object ``target``.

    ``label`` says how the source holds the target when that is known: an
    index ``[0]``, a dict key ``['a']`` (or ``key`` for the key itself), a
    slot ``.name``, or ``__class__``; it is empty otherwise.
    """

    source: int
    target: int
    label: str


@dataclass(frozen=True)
class ObjectGraph:
    """The objects reachable from ``root`` within ``max_depth`` references."""

    root: int
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    max_depth: int

    def node(self, node_id: int) -> Node:
        """Return the node whose object has the ``id()`` *node_id*.

        >>> word = "leaf"
        >>> object_graph([word]).node(id(word)).type_name
        'str'
        """
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)


def referents(obj: object, *, dict_keys: bool = True) -> list[object]:
    """Return the objects *obj* refers to directly.

    These are ``gc.get_referents(obj)``, which asks the type's
    ``tp_traverse`` slot. That slot exists to find cycles, so it leaves out
    what cannot be part of one: a dict whose keys are all strings does not
    report its keys. With *dict_keys*, such keys are added at the end.

    >>> import gc
    >>> gc.get_referents({"key": 1})
    [1]
    >>> referents({"key": 1})
    [1, 'key']
    """
    found = gc.get_referents(obj)
    if dict_keys and isinstance(obj, dict):
        reported = {id(o) for o in found}
        found.extend(key for key in obj if id(key) not in reported)
    return found


def walk(
    root: object,
    *,
    max_depth: int | None = None,
    keep: Callable[[object], bool] | None = None,
    dict_keys: bool = True,
) -> Iterator[tuple[object, int, list[object]]]:
    """Yield ``(obj, depth, children)`` breadth-first from *root*, once each.

    *children* are the :func:`referents` of *obj* (in order, with repeats)
    that pass *keep*; it is empty for objects at *max_depth*, which are
    reached but not followed. The root is always yielded.

    >>> pair = ([1], [2])
    >>> [(type(o).__name__, d) for o, d, _ in walk(pair)]
    [('tuple', 0), ('list', 1), ('list', 1), ('int', 2), ('int', 2)]
    >>> [d for _, d, _ in walk(pair, max_depth=1)]
    [0, 1, 1]
    """
    # Holding every object reached keeps ids unique while the walk runs.
    reached: dict[int, object] = {id(root): root}
    queue: list[tuple[object, int]] = [(root, 0)]
    position = 0
    while position < len(queue):
        obj, depth = queue[position]
        position += 1
        children: list[object] = []
        if max_depth is None or depth < max_depth:
            found = referents(obj, dict_keys=dict_keys)
            children = [o for o in found if keep is None or keep(o)]
            for child in children:
                if id(child) not in reached:
                    reached[id(child)] = child
                    queue.append((child, depth + 1))
        yield obj, depth, children


def object_graph(
    root: object,
    *,
    max_depth: int = 3,
    types: Collection[str] | None = None,
    dict_keys: bool = True,
) -> ObjectGraph:
    """Return the graph of objects reachable from *root*.

    *types*, when given, keeps only referents whose type name is in it
    (the root is always kept); *max_depth* bounds the number of references
    followed from the root; *dict_keys* is passed on to :func:`referents`.

    >>> row = (10, "ten")
    >>> graph = object_graph(row)
    >>> sorted((n.depth, n.type_name) for n in graph.nodes)
    [(0, 'tuple'), (1, 'int'), (1, 'str')]
    >>> sorted(e.label for e in graph.edges)
    ['[0]', '[1]']
    >>> [n.type_name for n in object_graph(row, types={"str"}).nodes]
    ['tuple', 'str']
    """
    keep = None if types is None else _type_filter(types)
    nodes: list[Node] = []
    edges: dict[tuple[int, int], Edge] = {}
    reached = walk(root, max_depth=max_depth, keep=keep, dict_keys=dict_keys)
    for obj, depth, children in reached:
        nodes.append(_node(obj, depth))
        labels = _edge_labels(obj) if children else {}
        for child in children:
            key = (id(obj), id(child))
            if key not in edges:
                edges[key] = Edge(id(obj), id(child), labels.get(id(child), ""))
    return ObjectGraph(id(root), tuple(nodes), tuple(edges.values()), max_depth)


def _type_filter(types: Collection[str]) -> Callable[[object], bool]:
    """Return a predicate that keeps objects whose type name is in *types*."""
    names = frozenset(types)
    return lambda obj: type(obj).__name__ in names


def _node(obj: object, depth: int) -> Node:
    """Describe *obj* as a node."""
    return Node(
        id(obj), type(obj).__qualname__, _summarize(obj), sys.getsizeof(obj), depth
    )


def _summarize(obj: object) -> str:
    """Return a short, ASCII-only description of *obj* for labels."""
    if isinstance(obj, type):
        text = f"class {obj.__module__}.{obj.__qualname__}"
    elif isinstance(obj, ModuleType):
        text = f"module {obj.__name__}"
    elif type(obj).__repr__ is object.__repr__:
        # The default repr's address is already the node's identity.
        text = f"<{type(obj).__qualname__} object>"
    else:
        try:
            text = _repr.repr(obj)
        except Exception as error:
            text = f"<repr failed: {type(error).__name__}>"
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    if len(text) > _SUMMARY_LENGTH:
        text = text[: _SUMMARY_LENGTH - 3] + "..."
    return text


def _edge_labels(source: object) -> dict[int, str]:
    """Name how *source* holds each of its referents, where that is known."""
    labels: dict[int, str] = {}

    def name(target: object, label: str) -> None:
        labels.setdefault(id(target), label)

    if isinstance(source, list | tuple):
        for index, item in enumerate(source):
            name(item, f"[{index}]")
    elif isinstance(source, dict):
        for key, value in source.items():
            name(value, f"[{_summarize(key)}]")
            name(key, "key")
    elif not isinstance(source, type | ModuleType):
        _attribute_labels(source, name)
    return labels


def _attribute_labels(source: object, name: Callable[[object, str], None]) -> None:
    """Label the ``__slots__`` and the class of *source*.

    Instance attributes kept in ``__dict__`` stay unlabelled on purpose:
    their names can only be had by reading ``source.__dict__``, and on
    CPython 3.11 and 3.12 that read creates the dict, which changes what
    ``gc.get_referents(source)`` reports. A visualizer must not change
    what it shows.
    """
    cls = type(source)
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if slot in {"__dict__", "__weakref__"}:
                continue
            stored = slot
            if slot.startswith("__") and not slot.endswith("__"):
                stored = f"_{klass.__name__.lstrip('_')}{slot}"
            try:
                name(getattr(source, stored), f".{slot}")
            except AttributeError:
                continue
    name(cls, "__class__")
