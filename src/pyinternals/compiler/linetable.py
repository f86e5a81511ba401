"""The location table: which source span each instruction came from.

Every code object carries, in ``co_linetable``, the source position of each of
its instructions: first line, last line, first column, last column (columns
count UTF-8 bytes from the start of the line). Tracebacks read it to print the
line and the ``^^^^`` under the failing expression; ``sys.settrace`` reads it
to report line events; :meth:`code.co_positions` and :meth:`code.co_lines`
present it to Python code.

Storing four numbers for each 2-byte code unit would make the table bigger than
the bytecode, so CPython 3.11+ (``Objects/locations.md``) stores *entries*, each
covering one to eight consecutive code units that share a position, and codes
each position as cheaply as it can. An entry starts with a byte whose top bit
is set; bits 3-6 hold the entry's *kind* and bits 0-2 the number of code units
minus one. The bytes that follow, top bit clear, depend on the kind:

======== =========== ================================================
kind     name        what follows
======== =========== ================================================
0-9      short       one byte: same line as before, start column
                     ``kind * 8 + (byte >> 4)``, width ``byte & 15``
10-12    one-line    line is ``kind - 10`` below the previous one;
                     start and end column as one byte each
13       no-columns  a signed varint: the line's distance from the
                     previous one; no columns
14       long        signed varint line delta, varint number of extra
                     lines, varint start column + 1, varint end
                     column + 1 (0 means "unknown")
15       none        nothing: the instructions have no source position
======== =========== ================================================

Lines are stored as deltas from the line of the previous entry that had one
(the first from ``co_firstlineno``), because consecutive instructions tend to
sit on the same or the next line. A *varint* here is an unsigned number in
6-bit groups, least significant first, bit 6 set on every group but the last;
a *signed varint* doubles the magnitude and puts the sign in bit 0.

The writer chooses the first kind, in the order short, one-line, long, that
can hold the position (``Python/assemble.c``, ``write_location_info_entry``):
:func:`encode` makes the same choices, so its bytes equal CPython's. Since 3.12
the assembler also merges consecutive instructions with the same position
into one run before cutting it into entries of at most eight units; 3.11
writes each instruction's own entries (see *merge* in :func:`encode`).

>>> def add(a, b):
...     return a + b
>>> spans = decode(add.__code__.co_linetable, add.__code__.co_firstlineno)
>>> encode(spans, add.__code__.co_firstlineno) == add.__code__.co_linetable
True
>>> positions(add.__code__) == list(add.__code__.co_positions())
True
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pyinternals.compiler.instructions import NO_LOCATION, Location

__all__ = [
    "MERGES_EQUAL_LOCATIONS",
    "LocationEntry",
    "Position",
    "Span",
    "decode",
    "encode",
    "entries",
    "kind_name",
    "lines",
    "positions",
]

Position = tuple[int | None, int | None, int | None, int | None]
"""One item of :meth:`code.co_positions`: lines and columns, ``None`` if unknown."""

Span = tuple[int, Location | None]
"""A number of code units and their location (``None``: no location)."""

MERGES_EQUAL_LOCATIONS = sys.version_info >= (3, 12)
"""Whether the running CPython writes equal neighbouring locations as one run."""

# The entry kinds, named as in ``_PyCodeLocationInfoKind``
# (``Include/cpython/code.h``).
_SHORT_FIRST = 0
_ONE_LINE_FIRST = 10
_NO_COLUMNS = 13
_LONG = 14
_NONE = 15

_MAX_UNITS_PER_ENTRY = 8
_ENTRY_START = 0x80
_MORE = 0x40  # a varint group with more groups after it
_GROUP = 0x3F


def kind_name(kind: int) -> str:
    """Return the name of an entry kind (the 4-bit code of the first byte).

    >>> [kind_name(k) for k in (0, 9, 10, 13, 14, 15)]
    ['short', 'short', 'one-line', 'no-columns', 'long', 'none']
    """
    if not 0 <= kind <= _NONE:
        raise ValueError(f"no location entry kind {kind}")
    if kind < _ONE_LINE_FIRST:
        return "short"
    if kind < _NO_COLUMNS:
        return "one-line"
    return {_NO_COLUMNS: "no-columns", _LONG: "long", _NONE: "none"}[kind]


@dataclass(frozen=True, slots=True)
class LocationEntry:
    """One entry of a location table, decoded.

    *kind* is the 4-bit code of the entry's first byte (see :func:`kind_name`),
    *code_units* the number of 2-byte code units it covers (1 to 8),
    *location* their position (``-1`` for an unknown column) or ``None`` for
    the "none" kind, and *size* the number of bytes the entry takes.
    """

    kind: int
    code_units: int
    location: Location | None
    size: int


# -- writing -----------------------------------------------------------------


def _write_varint(out: bytearray, value: int) -> None:
    """Append *value* (not negative) in 6-bit groups, least significant first."""
    while value > _GROUP:
        out.append(_MORE | (value & _GROUP))
        value >>= 6
    out.append(value)


def _write_signed_varint(out: bytearray, value: int) -> None:
    """Append *value* with its sign moved to bit 0."""
    _write_varint(out, (-value << 1) | 1 if value < 0 else value << 1)


def _write_entry(out: bytearray, location: Location, units: int, line: int) -> int:
    """Append one entry for *units* code units; return the line it leaves.

    *line* is the line the previous entries left (the base of the deltas).
    The kind is the cheapest that holds *location*, chosen in CPython's order.
    """

    def start(kind: int) -> None:
        out.append(_ENTRY_START | kind << 3 | (units - 1))

    if location.lineno == NO_LOCATION.lineno:
        start(_NONE)
        return line
    delta = location.lineno - line
    column, end_column = location.col_offset, location.end_col_offset
    if column < 0 or end_column < 0:
        if location.end_lineno in (location.lineno, -1):
            start(_NO_COLUMNS)
            _write_signed_varint(out, delta)
            return location.lineno
    elif location.end_lineno == location.lineno:
        width = end_column - column
        if delta == 0 and column < 80 and 0 <= width < 16:
            start(_SHORT_FIRST + (column >> 3))
            out.append((column & 7) << 4 | width)
            return line
        if 0 <= delta < 3 and column < 128 and end_column < 128:
            start(_ONE_LINE_FIRST + delta)
            out += bytes((column, end_column))
            return location.lineno
    start(_LONG)
    _write_signed_varint(out, delta)
    _write_varint(out, location.end_lineno - location.lineno)
    _write_varint(out, column + 1)
    _write_varint(out, end_column + 1)
    return location.lineno


def _runs(spans: Iterable[Span], merge: bool) -> Iterator[tuple[int, Location]]:
    """Yield the runs to encode: spans, or neighbours with equal locations joined."""
    units, location = 0, NO_LOCATION
    for span_units, span_location in spans:
        here = NO_LOCATION if span_location is None else span_location
        if not merge or here != location:
            if units:
                yield units, location
            units, location = 0, here
        units += span_units
    if units:
        yield units, location


def encode(
    spans: Iterable[Span], firstlineno: int, *, merge: bool = MERGES_EQUAL_LOCATIONS
) -> bytes:
    """Return the location table of code whose units have the positions *spans*.

    *spans* lists, in order, a number of code units (inline caches included)
    and their :class:`~pyinternals.compiler.instructions.Location`, ``None``
    or :data:`~pyinternals.compiler.instructions.NO_LOCATION` for none; it is
    usually one span per instruction. *firstlineno* is the code object's
    ``co_firstlineno``. With *merge* (the running version's habit by
    default), neighbouring spans with equal locations are written as one run;
    runs longer than eight units take several entries.

    >>> here = Location(3, 3, 4, 9)
    >>> encode([(1, here), (2, here), (1, None)], 1, merge=True).hex(" ")
    'e2 04 09 f8'
    >>> encode([(1, here), (2, here), (1, None)], 1, merge=False).hex(" ")
    'e0 04 09 81 45 f8'
    """
    out = bytearray()
    line = firstlineno
    for units, location in _runs(spans, merge):
        while units > 0:
            chunk = min(units, _MAX_UNITS_PER_ENTRY)
            line = _write_entry(out, location, chunk, line)
            units -= chunk
    return bytes(out)


# -- reading -----------------------------------------------------------------


class _Reader:
    """A cursor over a table's bytes, reading varints."""

    def __init__(self, table: bytes) -> None:
        self.table = table
        self.offset = 0

    def byte(self) -> int:
        if self.offset >= len(self.table):
            raise ValueError("location table ends inside an entry")
        value = self.table[self.offset]
        self.offset += 1
        return value

    def varint(self) -> int:
        read = self.byte()
        value, shift = read & _GROUP, 0
        while read & _MORE:
            read = self.byte()
            shift += 6
            value |= (read & _GROUP) << shift
        return value

    def signed_varint(self) -> int:
        value = self.varint()
        return -(value >> 1) if value & 1 else value >> 1


def entries(table: bytes, firstlineno: int) -> list[LocationEntry]:
    """Decode a location table into its entries.

    >>> for entry in entries(bytes.fromhex("e0040981 45f8"), 1):
    ...     print(kind_name(entry.kind), entry.code_units, entry.location)
    one-line 1 Location(lineno=3, end_lineno=3, col_offset=4, end_col_offset=9)
    short 2 Location(lineno=3, end_lineno=3, col_offset=4, end_col_offset=9)
    none 1 None
    """
    reader = _Reader(table)
    line = firstlineno
    found = []
    while reader.offset < len(table):
        begin = reader.offset
        first = reader.byte()
        if not first & _ENTRY_START:
            raise ValueError(f"no location entry starts at byte {begin}")
        kind, units = (first >> 3) & 15, (first & 7) + 1
        location: Location | None
        if kind == _NONE:
            location = None
        elif kind == _LONG:
            line += reader.signed_varint()
            end_line = line + reader.varint()
            column, end_column = reader.varint() - 1, reader.varint() - 1
            location = Location(line, end_line, column, end_column)
        elif kind == _NO_COLUMNS:
            line += reader.signed_varint()
            location = Location(line, line, -1, -1)
        elif kind >= _ONE_LINE_FIRST:
            line += kind - _ONE_LINE_FIRST
            column, end_column = reader.byte(), reader.byte()
            location = Location(line, line, column, end_column)
        else:
            second = reader.byte()
            column = kind << 3 | second >> 4
            location = Location(line, line, column, column + (second & 15))
        found.append(LocationEntry(kind, units, location, reader.offset - begin))
    return found


def decode(table: bytes, firstlineno: int) -> list[Span]:
    """Decode a location table into spans, one per entry, that :func:`encode` takes.

    >>> decode(bytes.fromhex("f9e810"), 5)
    [(2, None),
     (1, Location(lineno=13, end_lineno=13, col_offset=-1, end_col_offset=-1))]
    """
    return [(entry.code_units, entry.location) for entry in entries(table, firstlineno)]


def _table_of(
    code: types.CodeType | bytes, firstlineno: int | None
) -> tuple[bytes, int]:
    """Return the table and first line of a code object, or the ones given."""
    if isinstance(code, types.CodeType):
        return code.co_linetable, code.co_firstlineno
    if firstlineno is None:
        raise TypeError("a bare location table needs its firstlineno")
    return code, firstlineno


def _known(value: int) -> int | None:
    """Return *value*, or ``None`` for CPython's "unknown" (-1)."""
    return None if value == -1 else value


def positions(
    code: types.CodeType | bytes, firstlineno: int | None = None
) -> list[Position]:
    """Return the position of every code unit, as ``list(code.co_positions())``.

    *code* is a code object, or a location table and then *firstlineno* is
    needed. Every code unit of an entry gets the entry's position; unknown
    parts are ``None``.

    >>> positions(bytes.fromhex("f9e810"), 5)
    [(None, None, None, None), (None, None, None, None), (13, 13, None, None)]
    """
    table, first = _table_of(code, firstlineno)
    result: list[Position] = []
    for entry in entries(table, first):
        where = entry.location or NO_LOCATION
        position = (
            _known(where.lineno),
            _known(where.end_lineno),
            _known(where.col_offset),
            _known(where.end_col_offset),
        )
        result += [position] * entry.code_units
    return result


def lines(
    code: types.CodeType | bytes, firstlineno: int | None = None
) -> list[tuple[int, int, int | None]]:
    """Return the line ranges of the code, as ``list(code.co_lines())``.

    Each item is ``(start, end, line)`` with byte offsets, *end* exclusive
    and *line* ``None`` where the code has no line. 3.11 gives one range per
    entry; 3.12+ joins neighbouring entries on the same line.

    >>> table = encode([(1, Location(2, 2, 0, 1)), (1, Location(2, 2, 4, 5))], 1)
    >>> lines(table, 1) == ([(0, 4, 2)] if MERGES_EQUAL_LOCATIONS else
    ...                     [(0, 2, 2), (2, 4, 2)])
    True
    """
    table, first = _table_of(code, firstlineno)
    result: list[tuple[int, int, int | None]] = []
    offset = 0
    for entry in entries(table, first):
        line = None if entry.location is None else _known(entry.location.lineno)
        end = offset + 2 * entry.code_units
        if MERGES_EQUAL_LOCATIONS and result and result[-1][2] == line:
            result[-1] = (result[-1][0], end, line)
        else:
            result.append((offset, end, line))
        offset = end
    return result
