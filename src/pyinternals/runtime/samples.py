"""Real objects of many kinds, for checking the runtime readers (Chapter 2).

The chapter's agreement figures and the tests compare our readings with the
interpreter's on the same objects: the ones :func:`sample_objects` returns,
from ``None`` and small integers through containers, a reference cycle,
instances with a ``__dict__`` and with ``__slots__``, classes, functions,
modules and code objects.

Reference counts of shared objects such as ``None`` change whenever any
code anywhere takes or drops a reference. Between two readings the one
thing that does so without being asked is the cyclic garbage collector,
which may run during any allocation and free objects that referred to
``None``; :func:`collector_paused` keeps it still while readings are
compared.

>>> objects = sample_objects()
>>> len(objects) > 40, None in objects
(True, True)
>>> import gc
>>> with collector_paused():
...     gc.isenabled()
False
"""

from __future__ import annotations

import collections
import decimal
import fractions
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Plain", "Slotted", "collector_paused", "sample_objects"]


class Plain:
    """An ordinary instance: its attributes live in a ``__dict__``."""

    def __init__(self) -> None:
        self.name = "plain"
        self.items = [1, 2, 3]


class Slotted:
    """An instance with ``__slots__``: its attributes live in the object.

    ``__hidden`` is name-mangled to ``_Slotted__hidden``, and so is its slot.
    """

    __slots__ = ("__hidden", "x", "y")

    def __init__(self) -> None:
        self.x = [1.5]
        self.y = {"k": "v"}
        self.__hidden = (7, 8)


def sample_objects() -> list[object]:
    """Return a fresh list of objects of many kinds, a reference cycle included."""
    cycle: list[object] = []
    cycle.append(cycle)
    return [
        None, True, False, 0, 1, 256, 257, -5, -6, 2**30, 10**30, -(10**30),
        3.14, 1 + 2j, "", "a", "identifier", "not an identifier!", "\u00e9t\u00e9",
        b"", b"bytes", bytearray(b"abc"), (), (1,), (1, "two", 3.0),
        [], [1, 2], cycle, {}, {"a": 1}, set(), {1, 2}, frozenset({3}),
        range(10), slice(1, 2), memoryview(b"xyz"), Plain(), Slotted(),
        Plain, int, type, object(), len, os, sys, os.path.join,
        sample_objects.__code__, collections.OrderedDict(a=1),
        collections.deque([1, 2]), decimal.Decimal("1.5"),
        fractions.Fraction(1, 3), ValueError("x"), Ellipsis, NotImplemented,
    ]  # fmt: skip


@contextmanager
def collector_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector from running inside the block.

    The collector is enabled again on leaving only if it was enabled on
    entering.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
