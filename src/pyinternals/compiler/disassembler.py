"""The disassembler: a code object's bytes read back as instructions.

A code object's ``co_code`` is a sequence of 2-byte *code units*: an opcode
byte and an argument byte. Arguments wider than a byte are built by
``EXTENDED_ARG`` units in front of the instruction, each giving eight more
high bits. Many instructions are followed by *inline cache* units: room,
inside the bytecode, where the specializing interpreter (PEP 659) keeps what
it learnt about an instruction while the program runs (a counter before the
next attempt to specialize, a dictionary's version, the index an attribute
was found at). The compiler writes them as zeros; ``co_code`` shows them as
``CACHE`` units, and the disassembler steps over them, or shows them with
*show_caches*. With *adaptive*, it reads the bytecode as the interpreter has
rewritten it (``LOAD_GLOBAL`` become ``LOAD_GLOBAL_BUILTIN``...).

For each instruction, :func:`get_instructions` works out what ``dis`` shows:
the argument's meaning (a constant, a name, a local variable, a jump target,
an operator) from the code object's tables, the source line from our own
:mod:`~pyinternals.compiler.linetable` decoder, the handlers from our
:mod:`~pyinternals.compiler.exceptiontable` decoder. The opcode numbering
itself is read from the :mod:`opcode` module, as :mod:`dis` does.

Presentation is kept apart: :func:`listing` gathers one code object's
instructions and layout into a :class:`Listing`, :func:`format_listing`
turns it into text, and :func:`dis` prints the listings of an object and the
code objects nested in it. The text is the same, character for character, as
the running interpreter's :func:`dis.dis` prints; 3.11 and 3.13 lay it out
differently (3.13 names jump targets ``L1``, ``L2``... instead of offsets),
and so do the :class:`Instruction` records.

>>> def double(x):
...     return x * 2
>>> [(i.opname, i.argrepr) for i in get_instructions(double)][-2:]
[('BINARY_OP', '*'), ('RETURN_VALUE', '')]
>>> import dis as cpython_dis, io
>>> ours, theirs = io.StringIO(), io.StringIO()
>>> dis(double, file=ours); cpython_dis.dis(double, file=theirs)
>>> ours.getvalue() == theirs.getvalue()
True
"""

from __future__ import annotations

import dis as _cpython_dis
import opcode
import sys
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TextIO

from pyinternals.compiler import exceptiontable, linetable
from pyinternals.compiler.exceptiontable import ExceptionEntry

__all__ = [
    "LABELS",
    "UNKNOWN",
    "CacheInfo",
    "Instruction",
    "Listing",
    "Positions",
    "dis",
    "format_instruction",
    "format_listing",
    "get_instructions",
    "jump_targets",
    "line_starts",
    "listing",
    "listings",
]

LABELS = sys.version_info >= (3, 13)
"""Whether ``dis`` names jump targets with labels (3.13) or offsets (3.11)."""

UNKNOWN: Any = _cpython_dis.UNKNOWN  # type: ignore[attr-defined]
"""The value of an argument the tables cannot resolve (``dis``'s own sentinel,
so that records compare equal to :mod:`dis`'s)."""

_OPNAME_WIDTH = 20
_OPARG_WIDTH = 5
_NO_LINENO = "  --"


class Positions(NamedTuple):
    """The source span of an instruction, ``None`` where unknown."""

    lineno: int | None = None
    end_lineno: int | None = None
    col_offset: int | None = None
    end_col_offset: int | None = None


CacheInfo = list[tuple[str, int, bytes]]
"""3.13's description of an instruction's caches: ``(name, units, data)`` each."""

if sys.version_info >= (3, 13):

    class _Fields(NamedTuple):
        """The fields of 3.13's :class:`dis.Instruction`.

        *starts_line* says whether a new source line starts here,
        *line_number* is the instruction's line, *label* numbers jump targets
        from 1, *start_offset* counts the instruction's ``EXTENDED_ARG``
        prefixes in, *cache_info* lists ``(name, units, data)`` per cache.
        """

        opname: str
        opcode: int
        arg: int | None
        argval: Any
        argrepr: str
        offset: int
        start_offset: int
        starts_line: bool
        line_number: int | None
        label: int | None = None
        positions: Positions | None = None
        cache_info: CacheInfo | None = None

        @property
        def oparg(self) -> int | None:
            """Alias for :attr:`arg`."""
            return self.arg

        @property
        def baseopcode(self) -> int:
            """The opcode of the unspecialized form of the instruction."""
            return _TABLES.deopt(self.opcode)

        @property
        def baseopname(self) -> str:
            """The name of the unspecialized form of the instruction."""
            return opcode.opname[self.baseopcode]

        @property
        def cache_offset(self) -> int:
            """Offset of the cache units that follow the instruction."""
            return self.offset + 2

        @property
        def end_offset(self) -> int:
            """Offset just past the instruction's cache units."""
            # As in dis, the size is looked up by the (possibly specialized)
            # name, under which no cache size is recorded.
            sizes = _private("_inline_cache_entries")
            units: int = sizes.get(_TABLES.opname[self.opcode], 0)
            return self.cache_offset + 2 * units

        @property
        def jump_target(self) -> int | None:
            """Offset the instruction jumps to, if it is a jump."""
            if self.arg is None:
                return None
            return _TABLES.jump_target(self.opcode, self.arg, self.offset)

        @property
        def is_jump_target(self) -> bool:
            """Whether a jump lands here."""
            return self.label is not None

        def __str__(self) -> str:
            """Show the instruction as one line of ``dis`` output."""
            return format_instruction(self) + "\n"

else:

    class _Fields(NamedTuple):
        """The fields of 3.11's :class:`dis.Instruction`.

        *starts_line* is the line that starts here, or ``None``;
        *is_jump_target* says whether a jump or an exception handler lands
        here.
        """

        opname: str
        opcode: int
        arg: int | None
        argval: Any
        argrepr: str
        offset: int
        starts_line: int | None
        is_jump_target: bool
        positions: Positions | None = None


class Instruction(_Fields):
    """One instruction, as the running version's :func:`dis.get_instructions` yields it.

    The fields, their order and their values are those of
    :class:`dis.Instruction` (a record compares equal to ``dis``'s): on 3.13
    ``opname, opcode, arg, argval, argrepr, offset, start_offset,
    starts_line, line_number, label, positions, cache_info``, with the
    properties ``dis`` adds (``oparg``, ``baseopname``, ``jump_target``…);
    on 3.11 ``opname, opcode, arg, argval, argrepr, offset, starts_line,
    is_jump_target, positions``. The two layouts are defined apart, by
    version, and this class takes the running version's.
    """

    __slots__ = ()


# -- the opcode tables ---------------------------------------------------------


def _private(name: str) -> Any:
    """Read one of the :mod:`opcode` module's private tables."""
    return getattr(opcode, name)


@dataclass
class _OpcodeTables:
    """What the :mod:`opcode` module says about each opcode, in one place.

    Specialized instructions (``LOAD_ATTR_SLOT``...) have opcodes of their own
    that :data:`opcode.opname` lists only as ``<n>``; their names and the base
    instruction each one stands for come from :mod:`opcode`'s private
    specialization tables, as :mod:`dis` reads them.
    """

    opname: list[str] = field(default_factory=lambda: list(opcode.opname))
    opmap: dict[str, int] = field(default_factory=lambda: dict(opcode.opmap))
    base_name: dict[str, str] = field(default_factory=dict)
    cache_sizes: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if sys.version_info >= (3, 13):
            specialized = opcode._specialized_opmap.items()
            self.cache_sizes = dict(opcode._inline_cache_entries)
        else:
            names: list[str] = _private("_specialized_instructions")
            free = [op for op, name in enumerate(self.opname) if name.startswith("<")]
            specialized = [(name, op) for op, name in zip(free, names, strict=False)]
            sizes: list[int] = _private("_inline_cache_entries")
            self.cache_sizes = {
                opcode.opname[op]: size for op, size in enumerate(sizes) if size
            }
        for name, op in specialized:
            self.opname[op] = name
            self.opmap[name] = op
        families: dict[str, list[str]] = _private("_specializations")
        self.base_name = {
            special: base for base, family in families.items() for special in family
        }

    def deopt(self, op: int) -> int:
        """Return the opcode of the base instruction of *op*."""
        base = self.base_name.get(self.opname[op])
        return op if base is None else self.opmap[base]

    def caches(self, op: int) -> int:
        """Return the number of cache units after the base instruction *op*."""
        return self.cache_sizes.get(opcode.opname[op], 0)

    def has_arg(self, base: int) -> bool:
        """Whether the base instruction *base* uses its argument byte."""
        if sys.version_info >= (3, 13):
            return base in opcode.hasarg
        return base >= opcode.HAVE_ARGUMENT

    def is_backward(self, base: int) -> bool:
        """Whether the relative jump *base* goes backward."""
        if sys.version_info >= (3, 13):
            return opcode.opname[base] in (
                "JUMP_BACKWARD",
                "JUMP_BACKWARD_NO_INTERRUPT",
            )
        # 3.11 also has POP_JUMP_BACKWARD_IF_TRUE and its kin.
        return "JUMP_BACKWARD" in opcode.opname[base]

    def jump_target(self, op: int, arg: int, offset: int) -> int | None:
        """Return the offset a jump at *offset* goes to, ``None`` if not a jump.

        Relative jumps count code units from the end of the instruction; in
        3.12+ that end includes the instruction's cache units.
        """
        # 3.11's dis takes the opcode as found: a specialized jump is no jump.
        base = self.deopt(op) if LABELS else op
        if base in opcode.hasjabs:
            return arg * 2
        if base not in opcode.hasjrel:
            return None
        after = offset + 2 + (2 * self.caches(base) if LABELS else 0)
        return after + 2 * (-arg if self.is_backward(base) else arg)


_TABLES = _OpcodeTables()
_CACHE = opcode.opmap["CACHE"]
_EXTENDED_ARG = opcode.EXTENDED_ARG
_INT_OVERFLOW = 2**31  # an oparg is a C int: wider values wrap around


# -- reading the bytes -----------------------------------------------------------


def _unpack(code: bytes) -> Iterator[tuple[int, int, int, int | None]]:
    """Yield ``(offset, start_offset, opcode, arg)`` for each instruction.

    Cache units are skipped; *arg* includes the bits of the ``EXTENDED_ARG``
    units in front, and *start_offset* is where the first of them is.
    """
    extended = 0
    prefixes = 0
    skip = 0
    for offset in range(0, len(code), 2):
        if skip:
            skip -= 1
            continue
        op = code[offset]
        base = _TABLES.deopt(op)
        skip = _TABLES.caches(base)
        arg: int | None = None
        if _TABLES.has_arg(base):
            arg = code[offset + 1] | extended
            extended = arg << 8 if base == _EXTENDED_ARG else 0
            if extended >= _INT_OVERFLOW:
                extended -= 2 * _INT_OVERFLOW
        else:
            extended = 0
        if base == _EXTENDED_ARG:
            prefixes += 1
            yield offset, offset, op, arg
        else:
            yield offset, offset - 2 * prefixes, op, arg
            prefixes = 0


def jump_targets(code: bytes) -> list[int]:
    """Return the offsets that the jumps in *code* go to, in order of first use.

    >>> def count(n):
    ...     while n:
    ...         n -= 1
    >>> import dis as cpython_dis
    >>> code = count.__code__.co_code
    >>> jump_targets(code) == cpython_dis.findlabels(code) != []
    True
    """
    targets: list[int] = []
    for offset, _, op, arg in _unpack(code):
        if arg is None:
            continue
        target = _TABLES.jump_target(op, arg, offset)
        if target is not None and target not in targets:
            targets.append(target)
    return targets


def line_starts(code: types.CodeType) -> dict[int, int | None]:
    """Map the offsets where a new source line starts to that line.

    Computed from our decoding of ``co_linetable``. 3.13 also marks where
    code without a line starts (``None``); 3.11 leaves those out, so that
    code back on the line it left after a stretch without one starts no
    new line.

    >>> def two_lines(a):
    ...     a += 1
    ...     return a
    >>> first = two_lines.__code__.co_firstlineno
    >>> [line - first for line in line_starts(two_lines.__code__).values()]
    [0, 1, 2]
    """
    starts: dict[int, int | None] = {}
    previous: object = object()
    for start, _, line in linetable.lines(code):
        if line == previous or (line is None and not LABELS):
            continue
        starts[start] = line
        previous = line
    return starts


def _local_names(code: types.CodeType) -> tuple[str, ...]:
    """Return the names of the fast locals, cells and free variables by index.

    Arguments and locals come first, then cells that are not also locals,
    then the free variables: the order of the interpreter's "localsplus"
    array (``Python/assemble.c``, ``compute_localsplus_info``).
    """
    cells = tuple(name for name in code.co_cellvars if name not in code.co_varnames)
    return code.co_varnames + cells + code.co_freevars


def _code_array(code: types.CodeType, adaptive: bool) -> bytes:
    """Return the bytecode as written (or as the interpreter has rewritten it)."""
    if not adaptive:
        return code.co_code
    current: bytes = code._co_code_adaptive  # type: ignore[attr-defined]
    if sys.version_info >= (3, 13):
        import _opcode

        # A hot loop may have been handed to an optimized "executor"; its
        # ENTER_EXECUTOR unit hides the instruction it replaced.
        enter = opcode.opmap["ENTER_EXECUTOR"]
        units = bytearray(current)
        replaced = False
        for offset in range(0, len(units), 2):
            if units[offset] != enter:
                continue
            try:
                executor = _opcode.get_executor(code, offset)
            except (ValueError, RuntimeError):
                continue
            units[offset : offset + 2] = bytes(
                (executor.get_opcode(), executor.get_oparg())
            )
            replaced = True
        return bytes(units) if replaced else current
    return current


# -- what an argument means --------------------------------------------------------


@dataclass(frozen=True)
class _ArgumentTables:
    """The tables an instruction's argument indexes, and the labels of targets.

    Any table may be missing (raw bytes have none); its arguments then
    resolve to :data:`UNKNOWN`.
    """

    consts: Sequence[object] | None = None
    names: Sequence[str] | None = None
    local_names: Sequence[str] | None = None
    labels: Mapping[int, int] = field(default_factory=dict)

    def const(self, base: int, arg: int) -> tuple[object, str]:
        # 3.11's dis resolves only LOAD_CONST, not KW_NAMES.
        known = LABELS or base == opcode.opmap["LOAD_CONST"]
        if self.consts is None or not known:
            return UNKNOWN, ""
        value = self.consts[arg]
        return value, repr(value)

    @staticmethod
    def _named(table: Sequence[str] | None, index: int) -> tuple[object, str]:
        if table is None:
            return UNKNOWN, ""
        return table[index], table[index]

    def name(self, base: int, arg: int) -> tuple[object, str]:
        """Look up a name in ``co_names``; some opcodes keep flags in low bits."""
        name = opcode.opname[base]
        if name == "LOAD_GLOBAL":
            value, text = self._named(self.names, arg >> 1)
            if arg & 1 and text:
                text = f"{text} + NULL" if LABELS else f"NULL + {text}"
        elif name == "LOAD_ATTR" and LABELS:
            value, text = self._named(self.names, arg >> 1)
            if arg & 1 and text:
                text = f"{text} + NULL|self"
        elif name == "LOAD_SUPER_ATTR":
            value, text = self._named(self.names, arg >> 2)
            if arg & 1 and text:
                text = f"{text} + NULL|self"
        else:
            value, text = self._named(self.names, arg)
        return value, text

    def local(self, arg: int) -> tuple[object, str]:
        return self._named(self.local_names, arg)

    def local_pair(self, arg: int) -> tuple[object, str]:
        """Two local variables in one argument, four bits each (3.13)."""
        first, first_text = self.local(arg >> 4)
        second, second_text = self.local(arg & 15)
        return (first, second), f"{first_text}, {second_text}"

    def jump(self, op: int, arg: int, offset: int) -> tuple[object, str]:
        target = _TABLES.jump_target(op, arg, offset)
        if LABELS:
            return target, f"to L{self.labels[target]}" if target is not None else ""
        return target, f"to {target!r}"


def _compare(arg: int) -> tuple[object, str]:
    if LABELS:
        # 3.13 keeps the operator in the high bits; bit 4 asks for a bool.
        operator = opcode.cmp_op[arg >> 5]
        return operator, f"bool({operator})" if arg & 16 else operator
    return opcode.cmp_op[arg], opcode.cmp_op[arg]


def _conversion(arg: int) -> tuple[object, str]:
    """Name 3.13's ``CONVERT_VALUE`` conversion: none, ``!s``, ``!r``, ``!a``."""
    return (None, str, repr, ascii)[arg], ("", "str", "repr", "ascii")[arg]


def _format_value(arg: int) -> tuple[object, str]:
    """Decode 3.11's ``FORMAT_VALUE``: conversion in bits 0-1, format spec in 2."""
    converter, text = ((None, ""), (str, "str"), (repr, "repr"), (ascii, "ascii"))[
        arg & 3
    ]
    with_spec = bool(arg & 4)
    if with_spec:
        text = f"{text}, with format" if text else "with format"
    return (converter, with_spec), text


def _function_flags(arg: int) -> str:
    """Name what ``MAKE_FUNCTION`` (3.11), ``SET_FUNCTION_ATTRIBUTE`` (3.13) set."""
    flags = ("defaults", "kwdefaults", "annotations", "closure")
    return ", ".join(flag for bit, flag in enumerate(flags) if arg & 1 << bit)


# 3.13's jumps and (pseudo-instruction) handler setups: their argument is a target.
_JUMPS = frozenset(getattr(opcode, "hasjump", ())) | frozenset(
    getattr(opcode, "hasexc", ())
)


def _resolve(
    tables: _ArgumentTables, op: int, arg: int | None, offset: int
) -> tuple[object, str]:
    """Return ``(argval, argrepr)``: the meaning of *arg* for opcode *op*."""
    if arg is None:
        return None, ""
    base = _TABLES.deopt(op)
    name = opcode.opname[base]
    if base in opcode.hasconst:
        return tables.const(base, arg)
    if base in opcode.hasname:
        return tables.name(base, arg)
    if LABELS and base in _JUMPS:
        return tables.jump(op, arg, offset)
    if not LABELS and (base in opcode.hasjabs or base in opcode.hasjrel):
        return tables.jump(base, arg, offset)
    if name in ("LOAD_FAST_LOAD_FAST", "STORE_FAST_LOAD_FAST", "STORE_FAST_STORE_FAST"):
        return tables.local_pair(arg)
    if base in opcode.haslocal or base in opcode.hasfree:
        return tables.local(arg)
    if base in opcode.hascompare:
        return _compare(arg)
    if name == "CONVERT_VALUE":
        return _conversion(arg)
    if name == "FORMAT_VALUE":
        return _format_value(arg)
    if name in ("MAKE_FUNCTION", "SET_FUNCTION_ATTRIBUTE"):
        return arg, _function_flags(arg)
    if name == "BINARY_OP":
        return arg, _private("_nb_ops")[arg][1]
    if name == "CALL_INTRINSIC_1":
        return arg, _private("_intrinsic_1_descs")[arg]
    if name == "CALL_INTRINSIC_2":
        return arg, _private("_intrinsic_2_descs")[arg]
    return arg, ""


# -- the records -------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """Everything read from one code object (or raw bytes) to make records."""

    code: bytes  # the units shown (adaptive or not)
    original: bytes  # the units as compiled: their structure decides
    tables: _ArgumentTables
    starts: Mapping[int, int | None] | None = None
    positions: Sequence[linetable.Position] = ()
    exception_entries: Sequence[ExceptionEntry] = ()
    line_offset: int = 0


def _labels_map(code: bytes, entries: Sequence[ExceptionEntry]) -> dict[int, int]:
    """Give jump targets and exception-table offsets numbers from 1, in order."""
    offsets = set(jump_targets(code))
    for entry in entries:
        offsets.update((2 * entry.start, 2 * entry.end, 2 * entry.target))
    return {offset: number for number, offset in enumerate(sorted(offsets), 1)}


def _source(
    code: types.CodeType,
    *,
    adaptive: bool,
    with_handlers: bool,
    first_line: int | None = None,
) -> _Source:
    """Read a code object's tables, with our line- and exception-table decoders.

    *with_handlers* keeps the exception table, whose offsets are then jump
    targets too (as the printed listing has them, and, as in :mod:`dis`, the
    records of :func:`get_instructions` have not).
    """
    entries = exceptiontable.decode(code.co_exceptiontable) if with_handlers else []
    labels = _labels_map(code.co_code, entries)
    return _Source(
        code=_code_array(code, adaptive),
        original=code.co_code,
        tables=_ArgumentTables(
            code.co_consts, code.co_names, _local_names(code), labels if LABELS else {}
        ),
        starts=line_starts(code),
        positions=linetable.positions(code),
        exception_entries=entries,
        line_offset=0 if first_line is None else first_line - code.co_firstlineno,
    )


def _position(source: _Source, offset: int) -> Positions:
    index = offset // 2
    if index < len(source.positions):
        return Positions(*source.positions[index])
    return Positions()


if sys.version_info >= (3, 13):

    def _records(source: _Source, show_caches: bool) -> Iterator[Instruction]:
        """Make 3.13's records; caches go in ``cache_info``, not in records.

        The instructions and their arguments are read from the code as
        compiled; with *adaptive* only the opcodes (and cache contents) come
        from the specialized copy.
        """
        line_number: int | None = None
        starts = source.starts
        for offset, start_offset, original_op, arg in _unpack(source.original):
            starts_line = False
            if starts is not None:
                starts_line = offset in starts
                if starts_line:
                    local = starts[offset]
                    line_number = None if local is None else local + source.line_offset
            op = source.code[offset]
            base = _TABLES.deopt(original_op)
            argval, argrepr = _resolve(source.tables, op, arg, offset)
            cache_info: CacheInfo | None = None
            if _TABLES.caches(base):
                # As dis does, each entry's data is read from the first cache unit.
                cache_format = _private("_cache_format")[opcode.opname[base]]
                cache_info = [
                    (name, size, source.code[offset + 2 : offset + 2 + 2 * size])
                    for name, size in cache_format.items()
                ]
            yield Instruction(
                _TABLES.opname[op], op, arg, argval, argrepr, offset, start_offset,
                starts_line, line_number, source.tables.labels.get(offset),
                _position(source, offset), cache_info,
            )  # fmt: skip

else:

    def _records(source: _Source, show_caches: bool) -> Iterator[Instruction]:
        """Make 3.11's records, with ``CACHE`` records when *show_caches* is set.

        A jump target is any offset a jump goes to or, when the source keeps
        the exception table, a handler starts at.
        """
        targets = set(jump_targets(source.code))
        targets.update(2 * entry.target for entry in source.exception_entries)
        for offset, _, op, arg in _unpack(source.code):
            starts_line = None
            if source.starts is not None:
                line = source.starts.get(offset)
                starts_line = None if line is None else line + source.line_offset
            argval, argrepr = _resolve(source.tables, op, arg, offset)
            yield Instruction(
                _TABLES.opname[op], op, arg, argval, argrepr, offset, starts_line,
                offset in targets, _position(source, offset),
            )  # fmt: skip
            base = _TABLES.deopt(op)
            if show_caches and _TABLES.caches(base):
                yield from _cache_records(source, offset, op)

    def _cache_records(source: _Source, offset: int, op: int) -> Iterator[Instruction]:
        """Yield 3.11's ``CACHE`` records after the instruction at *offset*.

        The first unit of each cache entry shows its value, but only once the
        instruction has been specialized (before, the caches hold nothing
        but a counter).
        """
        base = _TABLES.deopt(op)
        for name, size in _private("_cache_format")[opcode.opname[base]].items():
            for unit in range(size):
                offset += 2
                text = ""
                if unit == 0 and op != base:
                    data = source.code[offset : offset + 2 * size]
                    text = f"{name}: {int.from_bytes(data, sys.byteorder)}"
                yield Instruction(
                    "CACHE", _CACHE, 0, None, text, offset, None, False,
                    _position(source, offset),
                )  # fmt: skip


def _code_object(x: object) -> types.CodeType:
    """Find the code object of a function, method, generator or source string."""
    x = getattr(x, "__func__", x)
    for attribute in ("__code__", "gi_code", "ag_code", "cr_code"):
        if hasattr(x, attribute):
            x = getattr(x, attribute)
            break
    if isinstance(x, str):
        x = _compile_either(x, "<disassembly>")
    if isinstance(x, types.CodeType):
        return x
    raise TypeError(f"don't know how to disassemble {type(x).__name__} objects")


def _compile_either(source: str, filename: str) -> types.CodeType:
    """Compile *source* as an expression if it is one, else as statements.

    Without ``dont_inherit``, :func:`compile` would apply this module's own
    ``from __future__ import annotations`` to the source.
    """
    try:
        return compile(source, filename, "eval", dont_inherit=True)
    except SyntaxError:
        pass
    return compile(source, filename, "exec", dont_inherit=True)


def get_instructions(
    x: object,
    *,
    first_line: int | None = None,
    show_caches: bool | None = False,
    adaptive: bool = False,
) -> Iterator[Instruction]:
    """Yield the instructions of a code object, function, method or source string.

    The records have the fields and values of the running version's
    :func:`dis.get_instructions`. With *first_line*, line numbers are
    shifted so that the code's first line gets that number. *show_caches*
    adds ``CACHE`` records on 3.11 (3.13 lists caches in ``cache_info``
    instead); *adaptive* reads the specialized bytecode.

    >>> [(i.opname, i.argval) for i in get_instructions("a.b")][-2:]
    [('LOAD_ATTR', 'b'), ('RETURN_VALUE', None)]
    """
    code = _code_object(x)
    source = _source(
        code, adaptive=adaptive, with_handlers=False, first_line=first_line
    )
    return _records(source, bool(show_caches))


# -- listings: what gets printed -----------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """One code object's disassembly, computed and ready to be printed.

    *instructions* are the records to show (3.11's include ``CACHE`` records
    when *show_caches* is set; 3.13's list their caches in ``cache_info``);
    *exception_entries* the decoded exception table; *labels* the label of
    each labelled offset (3.13); the widths are those of the listing's
    columns; *current* the offset of the instruction to mark with ``-->``.
    """

    code: types.CodeType | None
    instructions: tuple[Instruction, ...]
    exception_entries: tuple[ExceptionEntry, ...]
    labels: Mapping[int, int]
    lineno_width: int
    offset_width: int
    label_width: int = 0
    show_caches: bool = False
    current: int = -1


def _lineno_width(starts: Mapping[int, int | None] | None, line_offset: int) -> int:
    """Width of the line-number column, 0 when the code has no lines."""
    if not starts:
        return 0
    if LABELS:
        largest = max((line for line in starts.values() if line), default=-1)
        if largest == -1:
            return 0
        width = max(3, len(str(largest)))
        if width < len(_NO_LINENO) and None in starts.values():
            width = len(_NO_LINENO)
        return width
    largest = max(line for line in starts.values() if line is not None) + line_offset
    return len(str(largest)) if largest >= 1000 else 3


def _offset_width(code: bytes, show_offsets: bool) -> int:
    if LABELS:
        return len(str(max(len(code) - 2, 9999))) if show_offsets else 0
    largest = len(code) - 2
    return len(str(largest)) if largest >= 10000 else 4


def _make_listing(
    source: _Source,
    code: types.CodeType | None,
    *,
    lasti: int,
    show_caches: bool,
    show_offsets: bool,
) -> Listing:
    labels = source.tables.labels
    return Listing(
        code=code,
        instructions=tuple(_records(source, show_caches)),
        exception_entries=tuple(source.exception_entries),
        labels=labels,
        lineno_width=_lineno_width(source.starts, source.line_offset),
        offset_width=_offset_width(source.code, show_offsets),
        label_width=4 + len(str(len(labels))) if LABELS else 0,
        show_caches=show_caches,
        current=lasti,
    )


def listing(
    x: object,
    *,
    lasti: int = -1,
    show_caches: bool = False,
    adaptive: bool = False,
    show_offsets: bool = False,
) -> Listing:
    """Compute the listing of one code object (or function, method, source...).

    *x* may also be raw bytecode (``bytes``), shown without names or lines.
    *show_offsets* adds 3.13's optional offset column (3.11 always has one).

    >>> item = listing("x = 1")
    >>> [(i.opname, i.argrepr) for i in item.instructions][1:3]
    [('LOAD_CONST', '1'), ('STORE_NAME', 'x')]
    >>> item.lineno_width
    3
    """
    if isinstance(x, bytes | bytearray):
        code = bytes(x)
        labels = _labels_map(code, ()) if LABELS else {}
        source = _Source(code, code, _ArgumentTables(labels=labels))
        return _make_listing(
            source,
            None,
            lasti=lasti,
            show_caches=show_caches,
            show_offsets=show_offsets,
        )
    code_object = _code_object(x)
    source = _source(code_object, adaptive=adaptive, with_handlers=True)
    return _make_listing(
        source,
        code_object,
        lasti=lasti,
        show_caches=show_caches,
        show_offsets=show_offsets,
    )


def listings(
    code: types.CodeType,
    *,
    depth: int | None = None,
    show_caches: bool = False,
    adaptive: bool = False,
    show_offsets: bool = False,
) -> Iterator[Listing]:
    """Yield the listing of *code*, then those of its nested code objects.

    Nested code objects (functions, classes, comprehensions defined inside)
    are found in ``co_consts`` and visited depth first, down to *depth*
    levels (all of them when *depth* is ``None``), as ``dis`` does.

    >>> code = compile("def f(): pass", "<demo>", "exec")
    >>> [item.code.co_name for item in listings(code) if item.code]
    ['<module>', 'f']
    """
    yield listing(
        code, show_caches=show_caches, adaptive=adaptive, show_offsets=show_offsets
    )
    if depth is not None and depth <= 0:
        return
    inner = None if depth is None else depth - 1
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from listings(
                const,
                depth=inner,
                show_caches=show_caches,
                adaptive=adaptive,
                show_offsets=show_offsets,
            )


# -- rendering -------------------------------------------------------------------------

if sys.version_info >= (3, 13):

    def _format_instruction(
        instruction: Instruction,
        *,
        lineno_width: int,
        offset_width: int,
        label_width: int,
        current: bool,
    ) -> str:
        """Render a record in 3.13's columns (see :func:`format_instruction`)."""
        fields = []
        if lineno_width:
            line = instruction.line_number
            text = ""
            if instruction.starts_line:
                text = _NO_LINENO if line is None else str(line)
            fields.append(text.rjust(lineno_width))
        label = instruction.label
        empty = " " * label_width
        fields.append(empty if label is None else f"L{label}:".rjust(label_width))
        if offset_width > 0:
            fields.append(f"{instruction.offset!r:>{offset_width}}  ")
        fields.append("-->" if current else "   ")
        fields.append(instruction.opname.ljust(_OPNAME_WIDTH))
        if instruction.arg is not None:
            # A name longer than its column eats into the argument's column.
            excess = max(0, len(instruction.opname) - _OPNAME_WIDTH)
            fields.append(repr(instruction.arg).rjust(_OPARG_WIDTH - excess))
            if instruction.argrepr:
                fields.append(f"({instruction.argrepr})")
        return " ".join(fields).rstrip()

    def _cache_records(instruction: Instruction) -> Iterator[Instruction]:
        """Yield a ``CACHE`` record per cache unit, with a value on each first unit."""
        offset = instruction.offset
        for name, size, data in instruction.cache_info or ():
            for unit in range(size):
                offset += 2
                value = int.from_bytes(data, sys.byteorder)
                text = f"{name}: {value}" if unit == 0 else ""
                yield Instruction(
                    "CACHE", _CACHE, 0, None, text, offset, offset, False, None,
                    None, instruction.positions,
                )  # fmt: skip

    def _instruction_lines(item: Listing) -> Iterator[str]:
        def line(instruction: Instruction, current: bool = False) -> str:
            return format_instruction(
                instruction,
                lineno_width=item.lineno_width,
                offset_width=item.offset_width,
                label_width=item.label_width,
                current=current,
            )

        for instruction in item.instructions:
            caches = _TABLES.caches(_TABLES.deopt(instruction.opcode))
            end = instruction.offset + 2 * caches
            current = instruction.offset <= item.current <= end
            starts = instruction.starts_line
            if item.lineno_width and starts and instruction.offset > 0:
                yield ""
            yield line(instruction, current)
            if item.show_caches:
                yield from map(line, _cache_records(instruction))

    def _exception_span(item: Listing, entry: ExceptionEntry) -> tuple[str, str, str]:
        start, end, target = (
            f"L{item.labels[2 * offset]}"
            for offset in (entry.start, entry.end, entry.target)
        )
        return start, end, target

else:

    def _format_instruction(
        instruction: Instruction,
        *,
        lineno_width: int,
        offset_width: int,
        label_width: int,
        current: bool,
    ) -> str:
        """Render a record in 3.11's columns (see :func:`format_instruction`)."""
        fields = []
        if lineno_width:
            line = instruction.starts_line
            fields.append(("" if line is None else str(line)).rjust(lineno_width))
        fields.append("-->" if current else "   ")
        fields.append(">>" if instruction.is_jump_target else "  ")
        fields.append(repr(instruction.offset).rjust(offset_width))
        fields.append(instruction.opname.ljust(_OPNAME_WIDTH))
        if instruction.arg is not None:
            fields.append(repr(instruction.arg).rjust(_OPARG_WIDTH))
            if instruction.argrepr:
                fields.append(f"({instruction.argrepr})")
        return " ".join(fields).rstrip()

    def _instruction_lines(item: Listing) -> Iterator[str]:
        for instruction in item.instructions:
            starts = instruction.starts_line is not None
            if item.lineno_width and starts and instruction.offset > 0:
                yield ""
            yield format_instruction(
                instruction,
                lineno_width=item.lineno_width,
                offset_width=item.offset_width,
                current=instruction.offset == item.current,
            )

    def _exception_span(item: Listing, entry: ExceptionEntry) -> tuple[str, str, str]:
        # 3.11 shows the last covered offset rather than the end.
        last = 2 * entry.end - 2
        return str(2 * entry.start), str(last), str(2 * entry.target)


def format_instruction(
    instruction: Instruction,
    *,
    lineno_width: int = 0,
    offset_width: int | None = None,
    label_width: int = 0,
    current: bool = False,
) -> str:
    """Render one record as a line of ``dis`` output, in the running version's columns.

    3.13's columns: line number (where a line starts), label, offset (only
    with *offset_width*, 0 by default), ``-->`` for the current instruction,
    name, argument, and the argument's meaning in parentheses. 3.11's: line
    number, ``-->``, ``>>`` for a jump target, offset (4 wide by default),
    name, argument and meaning; *label_width* is not used there (3.11 has no
    labels).

    >>> record = next(get_instructions("pass"))
    >>> format_instruction(record).split()[-2:]
    ['RESUME', '0']
    """
    if offset_width is None:
        offset_width = 0 if LABELS else 4
    return _format_instruction(
        instruction,
        lineno_width=lineno_width,
        offset_width=offset_width,
        label_width=label_width,
        current=current,
    )


def format_listing(item: Listing) -> str:
    r"""Render a listing as the text ``dis`` prints for one code object.

    The instructions, a blank line before each new source line, then the
    exception table, if there is one.

    >>> text = format_listing(listing("try: a\nexcept: pass"))
    >>> print(text[text.index("Exc"):])
    ExceptionTable:
      ... -> ... [0]
      ... -> ... [1] lasti
    <BLANKLINE>
    """
    lines = list(_instruction_lines(item))
    if item.exception_entries:
        lines.append("ExceptionTable:")
        for entry in item.exception_entries:
            start, end, target = _exception_span(item, entry)
            lasti = " lasti" if entry.lasti else ""
            lines.append(f"  {start} to {end} -> {target} [{entry.depth}]{lasti}")
    return "".join(line + "\n" for line in lines)


def _write(text: str, file: TextIO | None) -> None:
    (sys.stdout if file is None else file).write(text)


def _dis_code(
    code: types.CodeType, file: TextIO | None, depth: int | None, **options: bool
) -> None:
    for number, item in enumerate(listings(code, depth=depth, **options)):
        if number:
            _write(f"\nDisassembly of {item.code!r}:\n", file)
        _write(format_listing(item), file)


_HAS_CODE = (
    types.MethodType,
    types.FunctionType,
    types.CodeType,
    classmethod,
    staticmethod,
    type,
)


def dis(
    x: object = None,
    *,
    file: TextIO | None = None,
    depth: int | None = None,
    show_caches: bool = False,
    adaptive: bool = False,
    show_offsets: bool = False,
) -> None:
    """Print the disassembly of *x*, as the running version's :func:`dis.dis`.

    *x* may be a code object, function, method, generator, coroutine,
    class or module (each function and class in it, by name), source text,
    or raw bytecode; ``None`` means the last traceback's frame. Nested code
    objects are shown too, *depth* levels deep (all when ``None``).
    *show_offsets* (3.13's option) adds offsets to 3.13's layout.

    The offsets column (3.11) and the labels (3.13) differ by version:

    >>> dis("a + 1")
      0...RESUME 0
    <BLANKLINE>
      1...LOAD_NAME 0 (a)
       ...LOAD_CONST 0 (1)
       ...BINARY_OP 0 (+)
       ...RETURN_VALUE
    """
    options = {
        "show_caches": show_caches,
        "adaptive": adaptive,
        "show_offsets": show_offsets,
    }
    if x is None:
        _dis_traceback(file=file, **options)
        return
    x = getattr(x, "__func__", x)
    for attribute in ("__code__", "gi_code", "ag_code", "cr_code"):
        if hasattr(x, attribute):
            x = getattr(x, attribute)
            break
    if hasattr(x, "__dict__"):
        for name, member in sorted(x.__dict__.items()):
            if isinstance(member, _HAS_CODE):
                _write(f"Disassembly of {name}:\n", file)
                try:
                    dis(member, file=file, depth=depth, **options)
                except TypeError as error:
                    _write(f"Sorry: {error}\n", file)
                _write("\n", file)
    elif isinstance(x, types.CodeType):
        _dis_code(x, file, depth, **options)
    elif isinstance(x, bytes | bytearray):
        _write(format_listing(listing(x, **options)), file)
    elif isinstance(x, str):
        _dis_code(_compile_either(x, "<dis>"), file, depth, **options)
    else:
        raise TypeError(f"don't know how to disassemble {type(x).__name__} objects")


def _dis_traceback(file: TextIO | None, **options: bool) -> None:
    """Show the code of the innermost frame of the last traceback, marked."""
    if sys.version_info >= (3, 12) and hasattr(sys, "last_exc"):
        trace = sys.last_exc.__traceback__
    else:
        trace = getattr(sys, "last_traceback", None)
    if trace is None:
        raise RuntimeError("no last traceback to disassemble")
    while trace.tb_next:
        trace = trace.tb_next
    _write(
        format_listing(listing(trace.tb_frame.f_code, lasti=trace.tb_lasti, **options)),
        file,
    )
