r"""Annotated bytecode as text for a terminal.

Each source line is printed (after a ``|``) above the instructions that
start it, as ``dis`` prints line numbers. An instruction's row has these
columns:

* its label (3.13) and offset;
* the stack depth before and after it (``2->3``; ``/1`` adds the depth at
  the target when a jump leaves a different one; ``?`` for code that no
  path reaches);
* the exception table: ``a[``, ``a|``, ``a]`` mark the first, middle and
  last rows of a range that handler ``a`` covers (``a=`` a range of one
  row), and ``a>`` marks the row where handler ``a`` starts;
* a gutter of jump arrows, drawn as ``objdump --visualize-jumps`` draws
  them: ``/`` and ``\`` at the ends, ``|`` between, ``>`` at the target;
* the instruction, its argument and what the argument means;
* the source text the instruction came from.

A legend of the exception table and a summary of the stack depths end each
code object. Everything is ASCII and fits in *width* columns (longer
arguments and source spans are cut short with ``...``).

>>> from pyinternals.compiler.visualizer.data import annotate
>>> source = "for item in items:\n    print(item)\n"
>>> text = format_text(annotate(compile(source, "demo.py", "exec"), source))
>>> print(text)  # doctest: +ELLIPSIS
== <module> (demo.py, line 1) ==
...
    1 | for item in items:
...> FOR_ITER ...
...
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from pyinternals.compiler.visualizer.data import (
    LABELS,
    AnnotatedCode,
    Row,
    arrow_lanes,
)

__all__ = ["format_code", "format_text", "group_name"]

_MAX_LANES = 10
_MIN_ARGUMENT = 16
_MIN_SOURCE = 24
_ARG_WIDTH = 5  # as dis right-aligns the argument number
_SPACES = re.compile(r"\s+")


def group_name(group: int) -> str:
    """Name the handler numbered *group*: ``a`` to ``z``, then ``aa``...

    >>> [group_name(n) for n in (0, 25, 26, 27)]
    ['a', 'z', 'aa', 'ab']
    """
    name = ""
    group += 1
    while group:
        group, digit = divmod(group - 1, 26)
        name = chr(ord("a") + digit) + name
    return name


def _depth(row: Row) -> str:
    if row.depth_before is None:
        return "?"
    text = f"{row.depth_before}->{row.depth_after}"
    if row.jump_depth is not None and row.jump_depth != row.depth_after:
        text += f"/{row.jump_depth}"
    return text


def _argument(row: Row) -> str:
    if row.arg is None:
        return ""
    text = str(row.arg).rjust(_ARG_WIDTH)
    return f"{text} ({row.argrepr})" if row.argrepr else text


def _cut(text: str, width: int) -> str:
    """Shorten *text* to *width* characters, marking the cut with ``...``."""
    if len(text) <= width:
        return text
    return text[: max(0, width - 3)] + "..."[: max(0, width)]


def _exception_marks(code: AnnotatedCode) -> list[str]:
    """Return each row's exception-table column (see the module docstring)."""
    count = len(code.rows)
    covered = [""] * count
    entered = [""] * count
    for handler_range in code.ranges:
        name = group_name(handler_range.group)
        first, last = handler_range.first, handler_range.last
        for row in range(first, last + 1):
            if first == last:
                piece = "="
            elif row == first:
                piece = "["
            elif row == last:
                piece = "]"
            else:
                piece = "|"
            covered[row] = name + piece
    for group, row in enumerate(code.handlers):
        entered[row] = group_name(group) + ">"
    width = max((len(mark) for mark in covered), default=0)
    return [
        f"{cover:<{width}}{entry}"
        for cover, entry in zip(covered, entered, strict=True)
    ]


def _gutter(code: AnnotatedCode, lanes: Sequence[int | None]) -> list[str]:
    """Draw the jump arrows: one string of the gutter per row."""
    used = [lane for lane in lanes if lane is not None]
    if not used:
        return [""] * len(code.rows)
    count = max(used) + 1
    width = 2 * count
    grid = [[" "] * width for _ in code.rows]

    def column(lane: int) -> int:
        return width - 2 - 2 * lane

    drawn = [
        (arrow, column(lane))
        for arrow, lane in zip(code.arrows, lanes, strict=True)
        if lane is not None
    ]
    for arrow, at in drawn:
        for row in range(arrow.top + 1, arrow.bottom):
            grid[row][at] = "|"
    for arrow, at in drawn:
        grid[arrow.top][at] = "/"
        grid[arrow.bottom][at] = "\\"
    for arrow, at in drawn:
        for row in (arrow.source, arrow.target):
            for place in range(at + 1, width):
                cell = grid[row][place]
                if cell == " ":
                    grid[row][place] = "-"
                elif cell == "|":
                    grid[row][place] = "+"
    for arrow, _ in drawn:
        grid[arrow.target][width - 1] = ">"
    return ["".join(cells) for cells in grid]


def _place(row: Row) -> str:
    """Return the row's label (3.13) and offset as one field: ``L3:  40``."""
    label = f"{row.name}:" if LABELS and row.label else ""
    return f"{label:<5}{row.offset:>5}" if LABELS else f"{row.offset:>5}"


def _rows(code: AnnotatedCode, width: int) -> Iterator[str]:
    rows = code.rows
    gutter = _gutter(code, arrow_lanes(code.arrows, _MAX_LANES))
    places = [_place(row) for row in rows]
    depths = [_depth(row) for row in rows]
    marks = _exception_marks(code)
    names = [row.opname for row in rows]
    columns = [places, depths, marks, gutter, names]
    headings = ["offset", "depth", "exc", "", "instruction"]
    widths = [
        max(len(heading), *map(len, column))
        for heading, column in zip(headings, columns, strict=True)
    ]
    # The argument gives way to the source text when the line is too long.
    fixed = sum(widths) + len(widths)
    room = max(_MIN_ARGUMENT, width - fixed - _MIN_SOURCE - 1)
    arguments = [_cut(_argument(row), room) for row in rows]
    columns.append(arguments)
    headings.append("argument")
    widths.append(max(len("argument"), *map(len, arguments)))
    spans = [
        "" if row.span is None else _SPACES.sub(" ", row.span.text).strip()
        for row in rows
    ]
    columns.append(spans)
    headings.append("source")
    widths.append(0)

    def line(fields: Sequence[str]) -> str:
        cells = [
            field.rjust(size) if number == 0 else field.ljust(size)
            for number, (field, size) in enumerate(zip(fields, widths, strict=True))
        ]
        return _cut(" ".join(cells).rstrip(), width)

    yield line(headings)
    source = code.source
    for number, row in enumerate(rows):
        if row.starts_line and row.line and row.line > 0 and source is not None:
            text = source.line(row.line).expandtabs(8)
            yield _cut(f"{row.line:>{widths[0]}} | {text}".rstrip(), width)
        yield line([column[number] for column in columns])


def _legend(code: AnnotatedCode, width: int) -> Iterator[str]:
    rows = code.rows
    if code.ranges:
        yield "exception table (handler: rows covered -> handler row [depth kept]):"
        for handler_range in code.ranges:
            entry = handler_range.entry
            first = rows[handler_range.first].offset
            last = rows[handler_range.last].offset
            handler = rows[handler_range.handler]
            target = f"L{handler.label}" if LABELS and handler.label else handler.offset
            lasti = " lasti" if entry.lasti else ""
            entered = entry.depth + 1 + entry.lasti
            yield _cut(
                f"  {group_name(handler_range.group)}: {first} to {last} -> "
                f"{target} [{entry.depth}]{lasti}, entered at depth {entered}",
                width,
            )
    summary = (
        f"stack: deepest {code.max_depth}, needs {code.stacksize}, "
        f"co_stacksize {code.code.co_stacksize}"
    )
    if code.unreached:
        summary += f"; {len(code.unreached)} instructions no path reaches"
    yield _cut(summary, width)
    for problem in code.problems:
        yield _cut(f"problem: {problem}", width)


def format_code(code: AnnotatedCode, *, width: int = 100) -> str:
    """Render one annotated code object (not its children) as text.

    >>> from pyinternals.compiler.visualizer.data import annotate
    >>> text = format_code(annotate(compile("a = b", "demo.py", "exec"), "a = b"))
    >>> print(text.splitlines()[-1])
    stack: deepest 1, needs 1, co_stacksize 1
    """
    where = f"{code.code.co_filename}, line {code.code.co_firstlineno}"
    lines = [_cut(f"== {code.code.co_qualname} ({where}) ==", width)]
    lines += _rows(code, width)
    lines += _legend(code, width)
    return "\n".join(lines) + "\n"


def format_text(code: AnnotatedCode, *, width: int = 100, nested: bool = True) -> str:
    r"""Render an annotated code object, and with *nested* its children, as text.

    Code objects are separated by a blank line; lines are at most *width*
    characters long.

    >>> from pyinternals.compiler.visualizer.data import annotate
    >>> source = "def f():\n    return 1\n"
    >>> text = format_text(annotate(compile(source, "demo.py", "exec"), source))
    >>> [line for line in text.splitlines() if line.startswith("==")]
    ['== <module> (demo.py, line 1) ==', '== f (demo.py, line 1) ==']
    """
    items = code.walk() if nested else iter((code,))
    return "\n".join(format_code(item, width=width) for item in items)
