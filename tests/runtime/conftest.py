"""Fixtures shared by the runtime tests: real objects from ``runtime.samples``.

The collector is paused while a test reads the samples, so that reference
counts change only when the test itself takes or drops a reference.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pyinternals.runtime.samples import Plain, Slotted, collector_paused, sample_objects


@pytest.fixture
def samples() -> Iterator[list[object]]:
    with collector_paused():
        yield sample_objects()


@pytest.fixture
def plain() -> Plain:
    return Plain()


@pytest.fixture
def slotted() -> Slotted:
    return Slotted()
