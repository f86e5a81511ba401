"""Examine one object: identity, type, sizes, reference count, referents.

Chapter 2 of the book, and the data half of the memory visualizer:
:func:`examine` returns an :class:`Examination` record;
:func:`pyinternals.runtime.render.render_examination` and the command line
(``python -m pyinternals.runtime examine``) only present it, in the way
``dis.get_instructions`` computes what ``dis.dis`` prints.

The deep size counts every object reachable from the root once. It does not
count, or look inside, objects that are shared infrastructure rather than
data the root owns: classes, modules, functions, methods and code objects
(the root itself is always counted).
"""

from __future__ import annotations

import gc
import sys
import types as _types
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from pyinternals.runtime.graph import referents, walk
from pyinternals.runtime.header import is_immortal

__all__ = ["Examination", "Referent", "deep_size", "examine", "owned_objects"]

_SHARED: tuple[type, ...] = (
    type,
    _types.ModuleType,
    _types.FunctionType,
    _types.BuiltinFunctionType,
    _types.MethodType,
    _types.CodeType,
)


@dataclass(frozen=True)
class Referent:
    """One object that the examined object refers to directly.

    ``from_gc`` is false for the string keys of a dict, which
    ``gc.get_referents`` does not report (see
    :func:`pyinternals.runtime.graph.referents`).
    """

    address: int
    type_name: str
    size: int
    gc_tracked: bool
    from_gc: bool


@dataclass(frozen=True)
class Examination:
    """Everything :func:`examine` found out about one object.

    ``refcount`` is what ``sys.getrefcount(obj)`` returns where
    ``examine(obj)`` was called: the references held there, plus one for
    the argument. ``deep_size`` is the sum of ``sys.getsizeof`` over the
    ``deep_count`` objects the root owns (see :func:`owned_objects`).
    """

    address: int
    type_name: str
    size: int
    deep_size: int
    deep_count: int
    refcount: int
    immortal: bool
    gc_tracked: bool
    referents: tuple[Referent, ...]
    max_depth: int | None
    types: tuple[str, ...] | None


def examine(
    obj: object,
    *,
    max_depth: int | None = None,
    types: Collection[str] | None = None,
) -> Examination:
    """Return an :class:`Examination` of *obj*.

    *max_depth* and *types* bound the deep size as in :func:`owned_objects`.

    >>> row = [1000, "a"]
    >>> report = examine(row)
    >>> report.type_name, report.size == sys.getsizeof(row)
    ('list', True)
    >>> report.refcount == sys.getrefcount(row)
    True
    >>> sorted(r.type_name for r in report.referents)
    ['int', 'str']
    >>> report.deep_size == sum(map(sys.getsizeof, [row, 1000, "a"]))
    True
    """
    # Taken first, before this function makes references of its own. Its
    # parameters are references too: `obj` always, and `max_depth` and
    # `types` when the object examined is their value (None, say).
    refcount = sys.getrefcount(obj)
    immortal = is_immortal(obj)
    if not immortal:
        refcount -= 1 + (max_depth is obj) + (types is obj)
    owned = list(owned_objects(obj, max_depth=max_depth, types=types))
    reported_by_gc = len(gc.get_referents(obj))
    direct = tuple(
        Referent(
            address=id(r),
            type_name=type(r).__qualname__,
            size=sys.getsizeof(r),
            gc_tracked=gc.is_tracked(r),
            from_gc=index < reported_by_gc,
        )
        for index, r in enumerate(referents(obj))
    )
    return Examination(
        address=id(obj),
        type_name=type(obj).__qualname__,
        size=sys.getsizeof(obj),
        deep_size=sum(sys.getsizeof(o) for o in owned),
        deep_count=len(owned),
        refcount=refcount,
        immortal=immortal,
        gc_tracked=gc.is_tracked(obj),
        referents=direct,
        max_depth=max_depth,
        types=None if types is None else tuple(sorted(types)),
    )


def owned_objects(
    root: object,
    *,
    max_depth: int | None = None,
    types: Collection[str] | None = None,
) -> Iterator[object]:
    """Yield *root* and every object it owns, each once.

    An object is owned when it can be reached from *root* through
    :func:`~pyinternals.runtime.graph.referents` within *max_depth*
    references, its type name is in *types* (when given), and it is not a
    class, module, function, method or code object.

    >>> inner = [1]
    >>> [type(o).__name__ for o in owned_objects([inner, inner])]
    ['list', 'list', 'int']
    >>> len(list(owned_objects([[[]]], max_depth=1)))
    2
    """
    names = None if types is None else frozenset(types)

    def keep(obj: object) -> bool:
        if isinstance(obj, _SHARED):
            return False
        return names is None or type(obj).__name__ in names

    for obj, _depth, _children in walk(root, max_depth=max_depth, keep=keep):
        yield obj


def deep_size(
    obj: object,
    *,
    max_depth: int | None = None,
    types: Collection[str] | None = None,
) -> int:
    """Return the sum of ``sys.getsizeof`` over the objects *obj* owns.

    >>> words = ["spam", "eggs"]
    >>> deep_size(words) == sys.getsizeof(words) + 2 * sys.getsizeof("spam")
    True
    """
    return sum(
        sys.getsizeof(o) for o in owned_objects(obj, max_depth=max_depth, types=types)
    )
