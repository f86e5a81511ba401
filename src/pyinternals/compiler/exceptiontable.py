"""The exception table: where the interpreter jumps when an instruction raises.

Up to 3.10 a ``try`` statement pushed a *block* on a stack at run time
(``SETUP_FINALLY``) and popped it on the way out, so every ``try`` cost
instructions even when nothing was raised. Since 3.11 exceptions are
"zero-cost": the compiler records, in ``co_exceptiontable``, which ranges of
instructions are covered by which handler, and the interpreter consults that
table only when an exception is actually raised (``Python/ceval.c``,
``get_exception_handler``; the design is in CPython's
``Objects/exception_handling_notes.txt``).

Each entry says: for the code units from *start* up to (not including) *end*,
an exception goes to the handler at *target*, after the value stack is cut
back to *depth* items; with *lasti* set, the offset of the raising
instruction is pushed too (``with`` statements and ``finally`` blocks that
re-raise need it). Offsets count 2-byte code units.

An entry is four numbers: *start*, the length ``end - start``, *target*,
and ``depth << 1 | lasti``. Each is written in groups of six bits, most
significant group first, bit 6 set on every group but the last; bit 7 is
set on the first byte of an entry only, so that the interpreter can find
entry boundaries when it searches the table (``Python/assemble.c``,
``assemble_emit_exception_table_entry``).

>>> def guarded():
...     try:
...         risky()
...     except ValueError:
...         pass
>>> table = guarded.__code__.co_exceptiontable
>>> encode(decode(table)) == table
True
>>> decode(bytes.fromhex("82030604"))
[ExceptionEntry(start=2, end=5, target=6, depth=2, lasti=False)]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ExceptionEntry", "decode", "encode"]

_ENTRY_START = 0x80
_MORE = 0x40
_GROUP = 0x3F


@dataclass(frozen=True, slots=True)
class ExceptionEntry:
    """One range of code units and the handler that covers it.

    *start* and *end* (exclusive) and *target* count code units; *depth* is
    the stack depth to keep; *lasti* says whether the raising instruction's
    offset is pushed before the exception. ``dis`` prints offsets in bytes:
    ``2 * start`` to ``2 * end - 2``.
    """

    start: int
    end: int
    target: int
    depth: int
    lasti: bool


def _write_number(out: bytearray, value: int, first_of_entry: bool) -> None:
    """Append *value* in 6-bit groups, most significant first."""
    if value < 0:
        raise ValueError(f"exception table numbers are not negative, not {value}")
    groups = [value & _GROUP]
    value >>= 6
    while value:
        groups.append(value & _GROUP)
        value >>= 6
    marker = _ENTRY_START if first_of_entry else 0
    for group in reversed(groups[1:]):
        out.append(group | _MORE | marker)
        marker = 0
    out.append(groups[0] | marker)


def encode(entries: Iterable[ExceptionEntry]) -> bytes:
    """Return the ``co_exceptiontable`` bytes that hold *entries*, in order.

    >>> encode([ExceptionEntry(2, 5, 6, 2, False)]).hex(" ")
    '82 03 06 04'
    >>> encode([ExceptionEntry(100, 101, 200, 1, True)]).hex(" ")
    'c1 24 01 43 08 03'
    """
    out = bytearray()
    for entry in entries:
        if entry.end <= entry.start:
            raise ValueError(f"empty exception table range in {entry}")
        _write_number(out, entry.start, first_of_entry=True)
        _write_number(out, entry.end - entry.start, first_of_entry=False)
        _write_number(out, entry.target, first_of_entry=False)
        _write_number(out, entry.depth << 1 | entry.lasti, first_of_entry=False)
    return bytes(out)


def decode(table: bytes) -> list[ExceptionEntry]:
    """Return the entries of an exception table, in table order.

    Raises :class:`ValueError` when the bytes are not a well-formed table.

    >>> decode(bytes.fromhex("c12401430803"))
    [ExceptionEntry(start=100, end=101, target=200, depth=1, lasti=True)]
    """
    offset = 0

    def number(first_of_entry: bool) -> int:
        nonlocal offset
        value = 0
        while True:
            if offset >= len(table):
                raise ValueError("exception table ends inside an entry")
            byte = table[offset]
            if bool(byte & _ENTRY_START) != first_of_entry:
                where = "starts" if first_of_entry else "continues"
                raise ValueError(f"byte {offset} of the exception table {where} wrong")
            offset += 1
            first_of_entry = False
            value = value << 6 | (byte & _GROUP)
            if not byte & _MORE:
                return value

    found = []
    while offset < len(table):
        start = number(first_of_entry=True)
        length = number(first_of_entry=False)
        target = number(first_of_entry=False)
        depth_lasti = number(first_of_entry=False)
        found.append(
            ExceptionEntry(
                start, start + length, target, depth_lasti >> 1, bool(depth_lasti & 1)
            )
        )
    return found
