"""Frames: the state of one running code object, and its decoded instructions.

CPython keeps one ``_PyInterpreterFrame`` per running function
(``Include/internal/pycore_frame.h``): the code object, the globals and
builtins it reads names from, ``localsplus`` (the fast locals, then the cells,
then the free variables, one slot each), the value stack, the index of the
instruction it is executing, and a link to the frame that called it. A
generator owns its frame, which stays alive between ``next()`` calls.

:class:`Frame` holds the same fields as Python objects. A code object's
bytes are decoded once into :class:`DecodedCode` (an instruction per code
unit offset, the exception table, a line per code unit) and cached, so the
evaluation loop reads ready-made records.

>>> def add(a, b):
...     return a + b
>>> frame = Frame(add.__code__, globals(), {})
>>> frame.localsplus_names, frame.localsplus
(('a', 'b'), [<NULL>, <NULL>])
>>> decode_code(add.__code__).instructions[0].opname
'RESUME'
"""

from __future__ import annotations

import dis
from dataclasses import dataclass, field
from types import CellType, CodeType
from typing import Any

from pyinternals.compiler.exceptiontable import ExceptionEntry, decode

__all__ = [
    "NULL",
    "DecodedCode",
    "Frame",
    "Instruction",
    "decode_code",
    "localsplus_names",
]


class _Null:
    """The type of :data:`NULL`; one instance only."""

    def __repr__(self) -> str:
        return "<NULL>"


NULL: Any = _Null()
"""What CPython's C ``NULL`` is in a stack slot or a local: "no object".

An unbound local holds it; calls find it under the callable where CPython
pushes ``NULL`` (``PUSH_NULL``, the low bit of ``LOAD_GLOBAL``).
"""


@dataclass(frozen=True, slots=True)
class Instruction:
    """One decoded instruction, ready for the evaluation loop.

    *index* counts code units; *next_index* is where execution continues,
    past this instruction's inline ``CACHE`` entries; *target* is a jump's
    destination in code units (``-1`` for instructions that do not jump);
    *arg* is the full argument, ``EXTENDED_ARG`` prefixes folded in.
    """

    opname: str
    arg: int
    argval: Any
    index: int
    next_index: int
    target: int
    line: int | None


@dataclass(frozen=True)
class DecodedCode:
    """A code object decoded for execution.

    *instructions* has one slot per code unit: the instruction that starts
    there, or ``None`` on a ``CACHE`` unit. *exception_table* is
    ``co_exceptiontable`` decoded; *names* is the localsplus layout.
    """

    code: CodeType
    instructions: list[Instruction | None]
    exception_table: list[ExceptionEntry]
    names: tuple[str, ...]

    def handler_for(self, index: int) -> ExceptionEntry | None:
        """Return the exception-table entry covering code unit *index*."""
        for entry in self.exception_table:
            if entry.start <= index < entry.end:
                return entry
        return None

    def line_at(self, index: int) -> int | None:
        """Return the source line of the instruction at code unit *index*."""
        instruction = self.instructions[index]
        return instruction.line if instruction is not None else None


def localsplus_names(code: CodeType) -> tuple[str, ...]:
    """Return the names of *code*'s localsplus slots, in slot order.

    Since 3.11 one array holds the fast locals (``co_varnames``), then the
    cell variables that are not also arguments, then the free variables
    (``Python/assemble.c``, ``compute_localsplus_info``); a cell variable that
    is an argument keeps its argument's slot.

    >>> def outer(x):
    ...     y = 1
    ...     return lambda: x + y
    >>> localsplus_names(outer.__code__)
    ('x', 'y')
    >>> localsplus_names(outer(0).__code__)
    ('x', 'y')
    """
    names = list(code.co_varnames)
    names += [name for name in code.co_cellvars if name not in code.co_varnames]
    names += code.co_freevars
    return tuple(names)


_JUMPS = frozenset(dis.hasjrel) | frozenset(dis.hasjabs)
_DECODED: dict[int, DecodedCode] = {}


def decode_code(code: CodeType) -> DecodedCode:
    """Return *code* decoded into instructions, decoding once per code object.

    ``dis.get_instructions`` does the decoding: it folds ``EXTENDED_ARG``
    into the argument and resolves jump targets on both versions.

    >>> decoded = decode_code(compile("x = 1", "<demo>", "exec"))
    >>> [(i.opname, i.index, i.next_index) for i in decoded.instructions if i][:2]
    [('RESUME', 0, 1), ('LOAD_CONST', 1, 2)]
    """
    cached = _DECODED.get(id(code))
    if cached is not None and cached.code is code:
        return cached
    listing = list(dis.get_instructions(code))
    size = len(code.co_code) // 2
    lines = [position[0] for position in code.co_positions()]
    instructions: list[Instruction | None] = [None] * size
    for number, raw in enumerate(listing):
        index = raw.offset // 2
        next_index = (
            listing[number + 1].offset // 2 if number + 1 < len(listing) else size
        )
        target = raw.argval // 2 if raw.opcode in _JUMPS else -1
        instructions[index] = Instruction(
            raw.opname,
            raw.arg if raw.arg is not None else 0,
            raw.argval,
            index,
            next_index,
            target,
            lines[index],
        )
    decoded = DecodedCode(
        code, instructions, decode(code.co_exceptiontable), localsplus_names(code)
    )
    _DECODED[id(code)] = decoded
    return decoded


@dataclass(eq=False)
class Frame:
    """The execution state of one code object, as CPython's interpreter frame.

    *locals* is the namespace of module and class bodies (``None`` in a
    function, whose variables live in *localsplus*). *index* is the code
    unit of the next instruction and *lasti* that of the one executing;
    *previous* links to the calling frame while this one runs; *function*
    is the function being run. A generator owns its frame, which does not
    point back (no cycle: dropping the generator frees both at once, and a
    suspended generator is closed then, as in CPython). *kwnames* holds
    3.11's ``KW_NAMES`` for the next ``CALL``; *reraising* marks an
    exception re-raised by ``RERAISE`` or a bare ``raise``, which adds no
    traceback entry; *reraised_at* is the instruction a ``RERAISE`` puts
    the frame back at (the one that first raised), or ``-1``.
    """

    code: CodeType
    globals: dict[str, Any]
    builtins: dict[str, Any]
    locals: dict[str, Any] | None = None
    closure: tuple[CellType, ...] = ()
    localsplus: list[Any] = field(default_factory=list)
    stack: list[Any] = field(default_factory=list)
    index: int = 0
    lasti: int = -1
    previous: Frame | None = None
    function: Any = None
    kwnames: tuple[str, ...] = ()
    reraising: bool = False
    reraised_at: int = -1
    decoded: DecodedCode = field(init=False)

    def __post_init__(self) -> None:
        self.decoded = decode_code(self.code)
        if not self.localsplus:
            self.localsplus = [NULL] * len(self.decoded.names)

    @property
    def localsplus_names(self) -> tuple[str, ...]:
        """The names of the localsplus slots, in slot order."""
        return self.decoded.names

    @property
    def line(self) -> int | None:
        """The source line of the instruction executing (or last executed)."""
        return self.decoded.line_at(max(self.lasti, 0))
