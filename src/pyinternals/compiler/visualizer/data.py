"""What the visualizer shows, computed once and apart from any rendering.

For one code object and the source text it was compiled from,
:func:`annotate` makes one :class:`Row` per instruction: its offset and
label, name and argument (read by our
:mod:`~pyinternals.compiler.disassembler`), the exact slice of source it came
from (from our :mod:`~pyinternals.compiler.linetable` decoder), and the depth
of the value stack before and after it. Jumps become :class:`Arrow` s between
rows, and the entries of the exception table (from our
:mod:`~pyinternals.compiler.exceptiontable` decoder) become
:class:`HandlerRange` s: which rows are covered, and which row handles an
exception raised in them. Nested code objects (functions, classes,
comprehensions defined inside) are annotated too, as *children*.

The stack depths are not stored in the code object: only their maximum is,
as ``co_stacksize``, the room the interpreter reserves in each frame. We
recompute them from the finished bytecode, as CPython's compiler does on
its control-flow graph before the bytes are written (``Python/flowgraph.c``,
``calculate_stackdepth``): a worklist starts at offset 0 with an empty
stack, and each instruction passes a depth on to the next one and, if it
jumps, to its target, changed by the instruction's stack effect (from our
:mod:`~pyinternals.compiler.opcodes` table, which knows that some jumps
leave a different stack when they jump). A handler is entered with the
stack cut back to its table entry's depth, plus the exception, plus (with
*lasti*) the offset of the instruction that raised. The maximum then equals
``co_stacksize``, which is how the tests check the depths.

>>> code = compile("x = [a, b]", "<demo>", "exec")
>>> annotated = annotate(code, "x = [a, b]")
>>> [(row.opname, row.depth_before, row.depth_after) for row in annotated.rows][1:4]
[('LOAD_NAME', 0, 1), ('LOAD_NAME', 1, 2), ('BUILD_LIST', 2, 1)]
>>> annotated.rows[3].span.text
'[a, b]'
>>> annotated.max_depth == code.co_stacksize
True
"""

from __future__ import annotations

import bisect
import re
import sys
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from pyinternals.compiler import disassembler, opcodes
from pyinternals.compiler.disassembler import Instruction, Positions
from pyinternals.compiler.exceptiontable import ExceptionEntry

__all__ = [
    "AnnotatedCode",
    "Arrow",
    "HandlerRange",
    "Row",
    "SourceSpan",
    "SourceText",
    "StackDepths",
    "annotate",
    "arrow_lanes",
    "stack_depths",
]

LABELS = sys.version_info >= (3, 13)
"""Whether rows are named by labels (3.13's ``dis``) or by offsets (3.11's)."""

_LINE_END = re.compile(r"\r\n?")
# A nested code object's repr names its address, which changes from run to
# run; the visualizer leaves it out so that its output is stable.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


# -- the source text -------------------------------------------------------------


class SourceSpan(NamedTuple):
    """Where an instruction came from: character indices into the source.

    *start* and *end* (exclusive) index :attr:`SourceText.text`; *text* is
    that slice.
    """

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class SourceText:
    r"""Source text, and the way from a code object's positions into it.

    A code object gives positions as lines (from 1) and columns that count
    UTF-8 *bytes* from the start of the line, as CPython's tokenizer sees
    the line. :meth:`span` turns them into character indices, which is what
    a Python string (or a web page) needs. The text is kept as the compiler
    reads it: every line ends with ``\n``, whether the file used ``\r\n``,
    ``\r`` or ``\n`` (:func:`compile` reads with universal newlines).

    >>> source = SourceText.of("é = 'ü'\r\nprint(é)\n")
    >>> source.span(Positions(1, 1, 5, 9))
    SourceSpan(start=4, end=7, text="'ü'")
    >>> source.line(2)
    'print(é)'
    """

    text: str
    line_starts: tuple[int, ...]
    """The index in :attr:`text` where each line starts (line 1 first)."""
    line_ends: tuple[int, ...]
    r"""The index where each line's text ends, before its ``\n``."""

    @classmethod
    def of(cls, text: str) -> SourceText:
        r"""Index the lines of *text*, once its line ends are made ``\n``.

        Python source ends its lines with ``\n``, ``\r\n`` or ``\r`` only
        (:meth:`str.splitlines` would also split at form feeds and the
        Unicode line separators, which the tokenizer does not).

        >>> SourceText.of("a\r\nb").line_starts
        (0, 2)
        """
        text = _LINE_END.sub("\n", text)
        starts = [0]
        ends = []
        for match in re.finditer("\n", text):
            ends.append(match.start())
            starts.append(match.end())
        ends.append(len(text))
        return cls(text, tuple(starts), tuple(ends))

    @property
    def line_count(self) -> int:
        r"""How many lines the text has (a final line break starts no line).

        >>> SourceText.of("a\nb\n").line_count
        2
        """
        if len(self.line_starts) > 1 and self.line_starts[-1] == len(self.text):
            return len(self.line_starts) - 1
        return len(self.line_starts)

    def line(self, lineno: int) -> str:
        """Return line *lineno* (from 1) without its line break; ``''`` if none."""
        if not 1 <= lineno <= len(self.line_starts):
            return ""
        return self.text[self.line_starts[lineno - 1] : self.line_ends[lineno - 1]]

    def index(self, lineno: int, column: int | None, *, end: bool = False) -> int:
        r"""Return the index in :attr:`text` of byte *column* of line *lineno*.

        With ``column=None`` the whole line is meant: its first character
        that is not a space, or (with *end*) the end of its text. A column
        past the end of the line stops at its end.

        >>> source = SourceText.of("x\n  π + 1")
        >>> source.text[source.index(2, 5) :]
        '+ 1'
        """
        lineno = min(max(lineno, 1), len(self.line_starts))
        line = self.line(lineno)
        first = self.line_starts[lineno - 1]
        if column is None:
            if end:
                return first + len(line)
            return first + len(line) - len(line.lstrip())
        prefix = line.encode("utf-8")[:column]
        return first + len(prefix.decode("utf-8", errors="ignore"))

    def span(self, positions: Positions) -> SourceSpan | None:
        """Return the slice of text that *positions* cover, ``None`` if unknown."""
        lineno, end_lineno, col_offset, end_col_offset = positions
        if lineno is None or not 1 <= lineno <= len(self.line_starts):
            return None
        if end_lineno is None or end_lineno > len(self.line_starts):
            end_lineno = lineno
        start = self.index(lineno, col_offset)
        stop = self.index(end_lineno, end_col_offset, end=True)
        if stop < start:
            stop = start
        return SourceSpan(start, stop, self.text[start:stop])


# -- the rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One instruction of a code object, annotated.

    *index* is the row's place in :attr:`AnnotatedCode.rows`; *label* the
    number of its 3.13 label (jump targets and exception-table boundaries
    have one; ``None`` elsewhere and on 3.11). *opname*, *arg* and
    *argrepr* are what ``dis`` shows, but a nested code object's ``repr``
    loses its memory address, so that the output is the same from run to
    run. *line* is the source line
    of the instruction, *starts_line* whether ``dis`` shows a new line
    starting here. *span* is the source slice the instruction came from,
    ``None`` where it has no position (or no source was given).

    *depth_before* is the stack depth when the instruction starts and
    *depth_after* when it falls through to the next one (for an
    unconditional jump: at its target); *jump_depth* is the depth at the
    target of a jump, which differs from *depth_after* for 3.11's
    ``FOR_ITER``, ``SEND`` and ``JUMP_IF_*_OR_POP``. Depths are ``None`` for
    instructions no path reaches. *target* is the row a jump goes to;
    *handler_range* the index in :attr:`AnnotatedCode.ranges` of the
    exception-table entry that covers the instruction.
    """

    index: int
    offset: int
    label: int | None
    opname: str
    arg: int | None
    argrepr: str
    line: int | None
    starts_line: bool
    positions: Positions
    span: SourceSpan | None
    depth_before: int | None
    depth_after: int | None
    jump_depth: int | None
    target: int | None
    handler_range: int | None

    @property
    def name(self) -> str:
        """How ``dis`` names this instruction as a target: ``L3`` or ``40``."""
        if LABELS:
            return "" if self.label is None else f"L{self.label}"
        return str(self.offset)


class Arrow(NamedTuple):
    """A jump from row *source* to row *target* (row indices)."""

    source: int
    target: int

    @property
    def backward(self) -> bool:
        """Whether the jump goes back (a loop)."""
        return self.target <= self.source

    @property
    def top(self) -> int:
        """The upper end's row."""
        return min(self.source, self.target)

    @property
    def bottom(self) -> int:
        """The lower end's row."""
        return max(self.source, self.target)


class HandlerRange(NamedTuple):
    """One exception-table entry, in rows.

    Rows *first* to *last* (inclusive) are covered; an exception raised in
    them goes to row *handler*. *group* numbers the distinct handlers of the
    code object from 0, in the order they appear, so that ranges sharing a
    handler can share a colour or a letter.
    """

    entry: ExceptionEntry
    first: int
    last: int
    handler: int
    group: int


class StackDepths(NamedTuple):
    """The stack depths of a code object's instructions, by instruction index.

    *problems* lists what cannot happen in code CPython's compiler made:
    an instruction reached with two different depths, a stack that would
    underflow, a jump to no instruction.
    """

    before: tuple[int | None, ...]
    after: tuple[int | None, ...]
    jump: tuple[int | None, ...]
    maximum: int
    problems: tuple[str, ...]


@dataclass(frozen=True)
class AnnotatedCode:
    """A code object with everything the visualizer shows about it.

    *source* is the text it was compiled from (``None`` if unknown).
    *max_depth* is the largest stack depth any reached instruction needs.
    *children* are the nested code objects found in ``co_consts``, in order.
    """

    code: types.CodeType
    source: SourceText | None
    rows: tuple[Row, ...]
    arrows: tuple[Arrow, ...]
    ranges: tuple[HandlerRange, ...]
    handlers: tuple[int, ...]
    """The row of each distinct handler, by :attr:`HandlerRange.group`."""
    max_depth: int
    problems: tuple[str, ...]
    children: tuple[AnnotatedCode, ...]

    @property
    def stacksize(self) -> int:
        """The ``co_stacksize`` these depths call for.

        On 3.13 the code object constructor gives a frame room for one item
        even when the code never pushes one (``Objects/codeobject.c``,
        ``init_code``), as in ``def f(): pass``, which ``RETURN_CONST`` ends
        without a push; 3.11 keeps a 0 (``def f(): raise``).

        >>> annotate(compile("pass", "<demo>", "exec")).stacksize
        1
        """
        return max(1, self.max_depth) if LABELS else self.max_depth

    @property
    def unreached(self) -> tuple[Row, ...]:
        """Rows that no path from the entry or from a handler reaches.

        CPython's compiler computes depths before the exception table is
        made, while a ``try`` still jumps to its handler. When the protected
        code ends up with no instructions of its own (``try: pass``, or a
        ``try`` whose ``return`` leaves it before the ``finally`` copy
        runs), no table entry leads to the handler any more, but its code
        stays. Its depths are unknown here, and ``co_stacksize`` may count
        them.
        """
        return tuple(row for row in self.rows if row.depth_before is None)

    def walk(self) -> Iterator[AnnotatedCode]:
        r"""Yield this code object's annotation, then its children's, depth first.

        >>> code = compile("def f():\n    def g(): pass", "<demo>", "exec")
        >>> [item.code.co_name for item in annotate(code).walk()]
        ['<module>', 'f', 'g']
        """
        yield self
        for child in self.children:
            yield from child.walk()


# -- the stack depths ------------------------------------------------------------------


def _effect(instruction: Instruction, *, jump: bool) -> int:
    """Return the stack effect of a finished instruction.

    3.11's table gives ``RETURN_GENERATOR`` no effect: its compiler instead
    starts generator code with one item on the stack, the value a resumed
    generator receives, which the ``POP_TOP`` after ``RETURN_GENERATOR``
    discards. We count that item as pushed by ``RETURN_GENERATOR``, as
    3.12+'s table does: the same maximum, and depths that start at 0.
    """
    if instruction.opname == "RETURN_GENERATOR" and not LABELS:
        return 1
    return opcodes.stack_effect(instruction.opname, instruction.arg, jump=jump)


def _covered(offsets: Sequence[int], entry: ExceptionEntry) -> range:
    """Return the indices of the instructions inside *entry*'s range.

    *offsets* are the instructions' offsets, which grow with the index, so
    the range's ends are found by bisection.
    """
    return range(
        bisect.bisect_left(offsets, 2 * entry.start),
        bisect.bisect_left(offsets, 2 * entry.end),
    )


def _row_handlers(
    instructions: Sequence[Instruction], entries: Sequence[ExceptionEntry]
) -> list[ExceptionEntry | None]:
    """Return, per instruction, the exception-table entry that covers it.

    The interpreter takes the first entry whose range holds the offset
    (``Python/ceval.c``, ``get_exception_handler``); CPython's tables never
    overlap, so there is only one.
    """
    offsets = [instruction.offset for instruction in instructions]
    covering: list[ExceptionEntry | None] = [None] * len(instructions)
    for entry in reversed(entries):
        for number in _covered(offsets, entry):
            covering[number] = entry
    return covering


def _stack_depths(
    instructions: Sequence[Instruction], entries: Sequence[ExceptionEntry]
) -> StackDepths:
    """Walk every path through the instructions, carrying the stack depth.

    *pending* holds the instructions reached but not yet followed. Each is
    followed once: its depth goes to the next instruction (unless it exits
    or always jumps), to its target (if it jumps) and to the handler of the
    exception-table entry that covers it. An instruction reached a second
    time must be reached with the same depth.
    """
    index = {
        instruction.offset: number for number, instruction in enumerate(instructions)
    }
    covering = _row_handlers(instructions, entries)
    count = len(instructions)
    before: list[int | None] = [None] * count
    after: list[int | None] = [None] * count
    jump: list[int | None] = [None] * count
    problems: list[str] = []
    maximum = 0
    pending: list[int] = []

    def reach(number: int, depth: int, source: Instruction) -> None:
        nonlocal maximum
        if depth < 0:
            problems.append(f"offset {source.offset}: the stack underflows ({depth})")
            return
        maximum = max(maximum, depth)
        if number >= count:
            problems.append(f"offset {source.offset}: runs off the end of the code")
            return
        known = before[number]
        if known is None:
            before[number] = depth
            pending.append(number)
        elif known != depth:
            offset = instructions[number].offset
            problems.append(
                f"offset {offset}: reached with depth {known} and with {depth}"
            )

    if instructions:
        before[0] = 0
        pending.append(0)
    while pending:
        number = pending.pop()
        instruction = instructions[number]
        depth = before[number]
        assert depth is not None
        entry = covering[number]
        if entry is not None:
            handler = index.get(2 * entry.target)
            if handler is None:
                problems.append(f"offset {instruction.offset}: no handler row")
            else:
                reach(handler, entry.depth + 1 + entry.lasti, instruction)
        name = instruction.opname
        if name in opcodes.JUMPS:
            jumped = depth + _effect(instruction, jump=True)
            jump[number] = jumped
            target = index.get(instruction.argval)
            if target is None:
                problems.append(f"offset {instruction.offset}: jump to no instruction")
            else:
                reach(target, jumped, instruction)
            if name in opcodes.UNCONDITIONAL_JUMPS:
                after[number] = jumped
                continue
        fallthrough = depth + _effect(instruction, jump=False)
        after[number] = fallthrough
        if name in opcodes.SCOPE_EXITS:
            continue
        reach(number + 1, fallthrough, instruction)
    return StackDepths(
        tuple(before), tuple(after), tuple(jump), maximum, tuple(problems)
    )


def stack_depths(code: types.CodeType) -> StackDepths:
    """Compute the stack depth before and after each instruction of *code*.

    Instructions are counted as
    :func:`~pyinternals.compiler.disassembler.get_instructions` yields them
    (caches left out, ``EXTENDED_ARG`` included).

    >>> def pair(a, b):
    ...     return (a, b)
    >>> depths = stack_depths(pair.__code__)
    >>> depths.maximum == pair.__code__.co_stacksize, depths.problems
    (True, ())
    """
    item = disassembler.listing(code)
    return _stack_depths(item.instructions, item.exception_entries)


# -- putting it together ----------------------------------------


def _ranges(
    instructions: Sequence[Instruction],
    entries: Sequence[ExceptionEntry],
) -> tuple[list[HandlerRange], list[int]]:
    """Turn exception-table entries into row ranges; number distinct handlers."""
    index = {
        instruction.offset: number for number, instruction in enumerate(instructions)
    }
    offsets = [instruction.offset for instruction in instructions]
    rows_in = [_covered(offsets, entry) for entry in entries]
    handler_rows = sorted(
        {index[2 * e.target] for e in entries if 2 * e.target in index}
    )
    group_of = {row: group for group, row in enumerate(handler_rows)}
    ranges = []
    for entry, rows in zip(entries, rows_in, strict=True):
        handler = index.get(2 * entry.target)
        if not rows or handler is None:
            continue
        ranges.append(
            HandlerRange(entry, rows[0], rows[-1], handler, group_of[handler])
        )
    return ranges, handler_rows


def annotate(
    code: types.CodeType, source: SourceText | str | None = None
) -> AnnotatedCode:
    """Annotate *code*, and the code objects nested in it, with *source*.

    *source* is the text *code* was compiled from, whole (positions count
    lines from the start of the file); without it, rows have no *span*.

    >>> def total(numbers):
    ...     result = 0
    ...     for number in numbers:
    ...         result += number
    ...     return result
    >>> annotated = annotate(total.__code__)
    >>> [(annotated.rows[a.source].opname, a.backward) for a in annotated.arrows]
    [('FOR_ITER', False), ('JUMP_BACKWARD', True)]
    """
    text = SourceText.of(source) if isinstance(source, str) else source
    item = disassembler.listing(code)
    instructions = item.instructions
    entries = item.exception_entries
    depths = _stack_depths(instructions, entries)
    ranges, handlers = _ranges(instructions, entries)
    range_of: dict[int, int] = {}
    for number, handler_range in enumerate(ranges):
        for row in range(handler_range.first, handler_range.last + 1):
            range_of.setdefault(row, number)
    index = {
        instruction.offset: number for number, instruction in enumerate(instructions)
    }
    starts = disassembler.line_starts(code)
    rows = []
    arrows = []
    for number, instruction in enumerate(instructions):
        target = None
        if instruction.opname in opcodes.JUMPS:
            target = index.get(instruction.argval)
            if target is not None:
                arrows.append(Arrow(number, target))
        positions = instruction.positions or Positions()
        rows.append(
            Row(
                index=number,
                offset=instruction.offset,
                label=item.labels.get(instruction.offset) if LABELS else None,
                opname=instruction.opname,
                arg=instruction.arg,
                argrepr=_ADDRESS.sub("", instruction.argrepr),
                line=positions.lineno,
                starts_line=instruction.offset in starts,
                positions=positions,
                span=None if text is None else text.span(positions),
                depth_before=depths.before[number],
                depth_after=depths.after[number],
                jump_depth=depths.jump[number],
                target=target,
                handler_range=range_of.get(number),
            )
        )
    children = tuple(
        annotate(const, text)
        for const in code.co_consts
        if isinstance(const, types.CodeType)
    )
    return AnnotatedCode(
        code=code,
        source=text,
        rows=tuple(rows),
        arrows=tuple(arrows),
        ranges=tuple(ranges),
        handlers=tuple(handlers),
        max_depth=depths.maximum,
        problems=depths.problems,
        children=children,
    )


def arrow_lanes(arrows: Sequence[Arrow], limit: int | None = None) -> list[int | None]:
    """Give each arrow a lane (a column of the gutter), so that none overlap.

    Lane 0 is nearest to the instructions. Short arrows are placed first,
    so that they get the inner lanes and long ones go round them; an arrow
    takes the lowest lane free over all its rows (ends included). With a
    *limit*, arrows that find no lane below it get ``None``: they are left
    out of the drawing (their instruction still names the target).

    >>> arrow_lanes([Arrow(0, 5), Arrow(1, 3), Arrow(6, 2), Arrow(7, 9)])
    [2, 0, 1, 0]
    >>> arrow_lanes([Arrow(0, 5), Arrow(1, 3)], limit=1)
    [None, 0]
    """
    order = sorted(
        range(len(arrows)),
        key=lambda number: (
            arrows[number].bottom - arrows[number].top,
            arrows[number].top,
        ),
    )
    lanes: list[int | None] = [None] * len(arrows)
    taken: list[list[Arrow]] = []
    for number in order:
        arrow = arrows[number]
        lane = 0
        while lane < len(taken) and any(
            other.top <= arrow.bottom and arrow.top <= other.bottom
            for other in taken[lane]
        ):
            lane += 1
        if limit is not None and lane >= limit:
            continue
        if lane == len(taken):
            taken.append([])
        taken[lane].append(arrow)
        lanes[number] = lane
    return lanes
