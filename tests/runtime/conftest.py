"""Real objects of many kinds, shared by the runtime tests."""

from __future__ import annotations

import collections
import decimal
import fractions
import os
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

# Keep Hypothesis's example database out of the repository: pytest's
# norecursedirs setting replaces the default ignores, so a .hypothesis folder
# at the root would be visited during collection (and warn, which is an error).
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "pyinternals-hypothesis")


class Plain:
    def __init__(self) -> None:
        self.name = "plain"
        self.items = [1, 2, 3]


class Slotted:
    __slots__ = ("__hidden", "x", "y")

    def __init__(self) -> None:
        self.x = [1.5]
        self.y = {"k": "v"}
        self.__hidden = (7, 8)


def sample_objects() -> list[object]:
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


@pytest.fixture
def samples() -> list[object]:
    return sample_objects()


@pytest.fixture
def plain() -> Plain:
    return Plain()


@pytest.fixture
def slotted() -> Slotted:
    return Slotted()
