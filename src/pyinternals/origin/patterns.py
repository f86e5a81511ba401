"""Singleton, Factory and Observer, in the form Python already gives them.

* **Singleton**: a module is imported once and cached in ``sys.modules``, so
  an instance created at module level, such as :data:`formatters`, is shared
  by every importer. :class:`SingletonMeta` shows the class-based version for
  comparison, and why it is rarely needed.
* **Factory**: :class:`Registry` maps names to classes; a decorator registers
  a class under a name and :meth:`Registry.create` builds one by name.
* **Observer**: :class:`Signal` holds its subscribers through weak
  references, so subscribing does not keep an object alive, and a collected
  subscriber simply stops being notified.

Chapter 1 uses these to discuss which classic patterns the language absorbs.
"""

from __future__ import annotations

import csv
import io
import types
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, Protocol, TypeVar

__all__ = [
    "CsvFormatter",
    "Formatter",
    "Payload",
    "Product",
    "Registry",
    "Signal",
    "SingletonMeta",
    "TextFormatter",
    "formatters",
]

Product = TypeVar("Product")
"""The type of the objects a :class:`Registry` creates."""

Payload = TypeVar("Payload")
"""The type of the value a :class:`Signal` passes to its subscribers."""


class SingletonMeta(type):
    """A metaclass whose classes have at most one instance each.

    Shown for comparison with a module-level instance: it hides global state
    behind a constructor call, and each subclass gets an instance of its own.

    >>> class Config(metaclass=SingletonMeta):
    ...     pass
    >>> Config() is Config()
    True
    """

    _instances: dict[type, Any] = {}  # noqa: RUF012 - shared by design

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        """Return the class's one instance, creating it on the first call."""
        if cls not in SingletonMeta._instances:
            SingletonMeta._instances[cls] = super().__call__(*args, **kwargs)
        return SingletonMeta._instances[cls]


class Registry(Generic[Product]):
    """A factory that builds objects from classes registered by name.

    >>> shapes: Registry[object] = Registry()
    >>> @shapes.register("point")
    ... class Point:
    ...     def __init__(self, x: int = 0) -> None:
    ...         self.x = x
    >>> shapes.create("point", x=3).x
    3
    >>> shapes.create("line")
    Traceback (most recent call last):
    ...
    LookupError: no class registered as 'line'; known: point
    """

    def __init__(self) -> None:
        self._classes: dict[str, type[Product]] = {}

    def register(self, name: str) -> Callable[[type[Product]], type[Product]]:
        """Return a class decorator that registers its class under ``name``."""

        def decorator(cls: type[Product]) -> type[Product]:
            if name in self._classes:
                raise ValueError(f"{name!r} is already registered")
            self._classes[name] = cls
            return cls

        return decorator

    def create(self, name: str, /, *args: Any, **kwargs: Any) -> Product:
        """Build an instance of the class registered as ``name``."""
        try:
            cls = self._classes[name]
        except KeyError:
            known = ", ".join(sorted(self._classes))
            raise LookupError(
                f"no class registered as {name!r}; known: {known}"
            ) from None
        return cls(*args, **kwargs)

    def names(self) -> list[str]:
        """Return the registered names, sorted."""
        return sorted(self._classes)


class Formatter(Protocol):
    """Turns rows of cells into text."""

    def format(self, rows: Iterable[Sequence[object]]) -> str:
        """Return the rows as one string."""
        ...


formatters: Registry[Formatter] = Registry()
"""The module-level registry of formatters: a Singleton by way of the import system."""


@formatters.register("csv")
class CsvFormatter:
    """Comma-separated values, written by the standard library's ``csv`` module.

    Text cells are always quoted, numbers never: with lines ending in a bare
    newline, that is what keeps a cell holding a carriage return readable.

    >>> csv_formatter = formatters.create("csv")
    >>> print(csv_formatter.format([("name", "value"), ("pi, rounded", 3.14)]))
    "name","value"
    "pi, rounded",3.14
    """

    def format(self, rows: Iterable[Sequence[object]]) -> str:
        """Return one line per row."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        writer.writerows(rows)
        return buffer.getvalue().removesuffix("\n")


@formatters.register("text")
class TextFormatter:
    """Left-aligned columns padded to the widest cell.

    >>> print(formatters.create("text", gap=1).format([("a", "bb"), ("ccc", "d")]))
    a   bb
    ccc d
    """

    def __init__(self, gap: int = 2) -> None:
        self.gap = gap

    def format(self, rows: Iterable[Sequence[object]]) -> str:
        """Return one line per row, each column as wide as its widest cell."""
        table = [[str(v) for v in row] for row in rows]
        widths = [max(map(len, column)) for column in zip(*table, strict=False)]
        spacer = " " * self.gap
        lines = (
            spacer.join(c.ljust(w) for c, w in zip(r, widths, strict=False))
            for r in table
        )
        return "\n".join(line.rstrip() for line in lines)


class Signal(Generic[Payload]):
    """A publisher whose subscribers are callables held by weak references.

    Bound methods are held with ``weakref.WeakMethod`` (a plain weak reference
    to a bound method would die at once, since the method object is created
    anew on each attribute access); other callables with ``weakref.ref``.
    The caller must keep its subscribers alive: a lambda subscribed and
    dropped is gone.

    >>> class Display:
    ...     def __init__(self) -> None:
    ...         self.seen: list[str] = []
    ...     def show(self, message: str) -> None:
    ...         self.seen.append(message)
    >>> changed: Signal[str] = Signal()
    >>> display = Display()
    >>> changed.subscribe(display.show)
    >>> changed.publish("hello")
    1
    >>> display.seen
    ['hello']
    >>> del display
    >>> changed.publish("anyone?")
    0
    """

    def __init__(self) -> None:
        self._subscribers: list[weakref.ref[Callable[[Payload], object]]] = []

    def subscribe(self, callback: Callable[[Payload], object]) -> None:
        """Call ``callback`` on every publish, for as long as it is alive."""
        reference: weakref.ref[Callable[[Payload], object]]
        if isinstance(callback, types.MethodType):
            reference = weakref.WeakMethod(callback, self._forget)
        else:
            reference = weakref.ref(callback, self._forget)
        self._subscribers.append(reference)

    def unsubscribe(self, callback: Callable[[Payload], object]) -> None:
        """Stop calling ``callback``; do nothing if it was not subscribed."""
        self._subscribers = [r for r in self._subscribers if r() != callback]

    def publish(self, payload: Payload) -> int:
        """Call every live subscriber with ``payload``; return how many were called."""
        called = 0
        for reference in list(self._subscribers):
            callback = reference()
            if callback is not None:
                callback(payload)
                called += 1
        return called

    def __len__(self) -> int:
        """Return the number of subscribers still alive."""
        return sum(1 for reference in self._subscribers if reference() is not None)

    def _forget(self, dead: weakref.ref[Any]) -> None:
        """Drop a reference whose target has been collected (weakref callback)."""
        self._subscribers = [r for r in self._subscribers if r is not dead]
