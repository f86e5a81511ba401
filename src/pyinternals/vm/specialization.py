r"""CPython's adaptive specialization, observed: quickened code and inline caches.

Since 3.11 CPython rewrites a function's bytecode as it runs it (PEP 659).
The compiler's instructions stay in ``co_code``; the running copy,
``_co_code_adaptive``, has each specializable instruction followed by
``CACHE`` code units (its *inline cache*: a counter, then what the
specialization remembers, laid out as ``opcode._cache_format`` says). When
an instruction has run often enough its opcode is replaced by a
*specialized* one (``LOAD_ATTR`` by ``LOAD_ATTR_INSTANCE_VALUE``,
``BINARY_OP`` by ``BINARY_OP_ADD_INT``) whose guard checks the assumption
each time; when the guard fails it *deoptimizes*.

The two versions differ, and the records here show it:

* 3.11 quickens a code object after it has been called 8 times; an
  instruction then goes through an ``*_ADAPTIVE`` form; a specialized
  instruction's counter counts its misses down from 53, and at zero the
  site goes back to the ``*_ADAPTIVE`` form with an exponential backoff.
* 3.13 quickens at once; every counter is a *backoff counter* (12 bits of
  value, 4 of backoff exponent, ``Include/internal/pycore_backoff.h``);
  the generic instruction itself is adaptive (no ``_ADAPTIVE`` names), the
  second execution specializes, and after 52 misses the site specializes
  again, for what it sees now.

:func:`adaptive_instructions` computes :class:`AdaptiveInstruction` records
from ``dis.get_instructions(..., adaptive=True)`` and the raw cache units;
:func:`site_history` follows one site through a scenario
(:func:`attribute_scenario`, :func:`binary_op_scenario`);
:func:`render_instructions` and :func:`render_history` print them.

>>> def add(a, b):
...     return a + b
>>> for _ in range(20):
...     _ = add(1, 2)
>>> [i.opname for i in adaptive_instructions(add) if i.is_specialized]
['BINARY_OP_ADD_INT']
"""

from __future__ import annotations

import dis
import opcode
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import pairwise
from types import CodeType, FunctionType
from typing import Any

__all__ = [
    "AdaptiveInstruction",
    "CacheEntry",
    "Snapshot",
    "adaptive_instructions",
    "attribute_scenario",
    "base_opname",
    "binary_op_scenario",
    "decode_backoff_counter",
    "render_history",
    "render_instructions",
    "site_history",
    "transitions",
]

_AFTER_311 = sys.version_info >= (3, 12)

_BASE_OPNAMES: dict[str, str] = {
    specialized: base
    for base, family in opcode._specializations.items()  # type: ignore[attr-defined]
    for specialized in family
}


def base_opname(opname: str) -> str:
    """Return the compiler's instruction that *opname* is a specialized form of.

    >>> base_opname("LOAD_ATTR_INSTANCE_VALUE"), base_opname("LOAD_FAST")
    ('LOAD_ATTR', 'LOAD_FAST')
    """
    return _BASE_OPNAMES.get(opname, opname)


def decode_backoff_counter(raw: int) -> tuple[int, int]:
    """Split a 16-bit backoff counter into its value and backoff exponent.

    3.13 keeps the value in the high 12 bits and the exponent in the low 4
    (3.11's ``*_ADAPTIVE`` forms too): 832 is 52 with no backoff, the
    counter a freshly specialized instruction starts its misses from.

    >>> decode_backoff_counter(832), decode_backoff_counter(501)
    ((52, 0), (31, 5))
    """
    return raw >> 4, raw & 0xF


@dataclass(frozen=True)
class CacheEntry:
    """One field of an inline cache: its name, size in code units, raw value."""

    name: str
    units: int
    value: int


@dataclass(frozen=True)
class AdaptiveInstruction:
    """An instruction of the running (adaptive) bytecode and its inline cache.

    *opname* is what the interpreter executes now, *base_opname* what the
    compiler emitted; *caches* is empty for instructions without a cache.
    """

    offset: int
    opname: str
    base_opname: str
    argrepr: str
    caches: tuple[CacheEntry, ...]

    @property
    def is_specialized(self) -> bool:
        """Whether the instruction runs a specialized form (not generic or adaptive).

        The ``RESUME`` forms (``RESUME_QUICK``, ``RESUME_CHECK``) only mark
        the code as quickened, and 3.11's superinstructions have no guard:
        neither is counted.
        """
        return (
            self.opname != self.base_opname
            and not self.opname.endswith("_ADAPTIVE")
            and self.base_opname != "RESUME"
            and not self.is_superinstruction
        )

    @property
    def is_superinstruction(self) -> bool:
        """Whether this is a 3.11 superinstruction, like ``LOAD_FAST__LOAD_FAST``."""
        return "__" in self.opname

    def cache_value(self, name: str) -> int:
        """Return the raw value of the cache field *name*."""
        for entry in self.caches:
            if entry.name == name:
                return entry.value
        raise KeyError(name)


def _cache_layout(base: str) -> list[tuple[str, int]]:
    """Return the named fields of *base*'s inline cache, with any unnamed rest."""
    layout = list(opcode._cache_format.get(base, {}).items())  # type: ignore[attr-defined]
    entries = opcode._inline_cache_entries  # type: ignore[attr-defined]
    total = (
        entries.get(base, 0)
        if isinstance(entries, dict)
        else entries[opcode.opmap[base]]
    )
    named = sum(units for _, units in layout)
    if total > named:
        layout.append(("", total - named))
    return layout


def _code_of(function_or_code: FunctionType | CodeType) -> CodeType:
    if isinstance(function_or_code, CodeType):
        return function_or_code
    return function_or_code.__code__


def adaptive_instructions(
    function_or_code: FunctionType | CodeType,
) -> list[AdaptiveInstruction]:
    """Return the instructions CPython is running now for a function, with caches.

    Reading does not change the code. The cache values are the raw code
    units after each instruction in ``_co_code_adaptive`` (little-endian,
    a field of several units read as one integer), each field read at its
    own position: 3.13.5's ``Instruction.cache_info`` gives every field the
    bytes at the start of the cache, so only its counter is right.
    """
    code = _code_of(function_or_code)
    adaptive: bytes = code._co_code_adaptive  # type: ignore[attr-defined]
    records = []
    for instruction in dis.get_instructions(code, adaptive=True):
        base = base_opname(instruction.opname)
        position = instruction.offset + 2
        caches = []
        for name, units in _cache_layout(base):
            raw = adaptive[position : position + 2 * units]
            caches.append(CacheEntry(name, units, int.from_bytes(raw, "little")))
            position += 2 * units
        records.append(
            AdaptiveInstruction(
                instruction.offset,
                instruction.opname,
                base,
                instruction.argrepr,
                tuple(caches),
            )
        )
    return records


@dataclass(frozen=True)
class Snapshot:
    """One site of a function after a step of a scenario."""

    step: str
    instruction: AdaptiveInstruction


def site_history(
    function: FunctionType,
    base: str,
    steps: Iterable[tuple[str, Callable[[], Any]]],
) -> list[Snapshot]:
    """Run each step and record *function*'s first *base* site after it.

    *steps* are (label, action) pairs; the site is the first instruction
    whose compiler opcode is *base*.
    """
    history = []
    for label, action in steps:
        action()
        site = next(i for i in adaptive_instructions(function) if i.base_opname == base)
        history.append(Snapshot(label, site))
    return history


def transitions(history: list[Snapshot]) -> list[Snapshot]:
    """Keep the first snapshot and those where the site changed, counter aside.

    A change is a new opcode or a new value of a cache field other than
    the counter (a new type version, say).
    """

    def shape(snapshot: Snapshot) -> tuple[Any, ...]:
        instruction = snapshot.instruction
        kept = tuple(e for e in instruction.caches if e.name != "counter")
        return instruction.opname, kept

    kept = history[:1]
    for previous, current in pairwise(history):
        if shape(previous) != shape(current):
            kept.append(current)
    return kept


_ATTRIBUTE_SOURCE = """
class Point:
    def __init__(self, x):
        self.x = x

def get_x(point):
    return point.x
"""

_ADD_SOURCE = """
def add(a, b):
    return a + b
"""


def _fresh(source: str) -> dict[str, Any]:
    """Run *source* in a new namespace: new code objects, with no history."""
    namespace: dict[str, Any] = {}
    exec(compile(source, "<scenario>", "exec"), namespace)
    return namespace


def attribute_scenario(warm: int = 16, after: int = 100) -> list[Snapshot]:
    """Follow ``point.x``: warmed on instances, then the class changes under it.

    Adding a class attribute gives the class a new type version, so the
    guard of ``LOAD_ATTR_INSTANCE_VALUE`` fails from then on: watch the
    counter fall, then the site go back to adaptive (3.11) or specialize
    again for the new version (3.13).
    """
    namespace = _fresh(_ATTRIBUTE_SOURCE)
    get_x, point_class = namespace["get_x"], namespace["Point"]
    point = point_class(1)

    def change_the_class() -> None:
        point_class.label = "changed"  # a new type version
        get_x(point)

    steps: list[tuple[str, Callable[[], Any]]] = [("compiled", lambda: None)]
    steps += [(f"warm-up call {n + 1}", lambda: get_x(point)) for n in range(warm)]
    steps.append(("class changed, call 1", change_the_class))
    steps += [
        (f"after change, call {n + 2}", lambda: get_x(point)) for n in range(after)
    ]
    return site_history(get_x, "LOAD_ATTR", steps)


def binary_op_scenario(warm: int = 16, after: int = 100) -> list[Snapshot]:
    """Follow ``a + b``: warmed on ints (``BINARY_OP_ADD_INT``), then fed floats."""
    add = _fresh(_ADD_SOURCE)["add"]
    steps: list[tuple[str, Callable[[], Any]]] = [("compiled", lambda: None)]
    steps += [(f"int call {n + 1}", lambda: add(1, 2)) for n in range(warm)]
    steps += [(f"float call {n + 1}", lambda: add(1.5, 2.0)) for n in range(after)]
    return site_history(add, "BINARY_OP", steps)


def _format_caches(instruction: AdaptiveInstruction) -> str:
    return " ".join(f"{e.name or '-'}={e.value}" for e in instruction.caches)


def render_instructions(instructions: Iterable[AdaptiveInstruction]) -> str:
    """Format records as a listing: offset, opcode now, compiler's opcode, caches.

    >>> def f(a):
    ...     return a
    >>> print(render_instructions(adaptive_instructions(f)[-1:]))
       4  RETURN_VALUE
    """
    lines = []
    for instruction in instructions:
        line = f"{instruction.offset:>4}  {instruction.opname}"
        if instruction.opname != instruction.base_opname:
            line += f"  (from {instruction.base_opname})"
        if instruction.caches:
            line += f"  [{_format_caches(instruction)}]"
        lines.append(line)
    return "\n".join(lines)


def render_history(history: Iterable[Snapshot]) -> str:
    """Format snapshots, one line each: the step, the site's opcode, its cache."""
    return "\n".join(
        f"{snapshot.step:<26} {snapshot.instruction.opname:<28} "
        f"{_format_caches(snapshot.instruction)}"
        for snapshot in history
    )
