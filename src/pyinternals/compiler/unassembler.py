"""A code object read back into a code unit: the assembler run backwards.

:func:`unassemble` undoes what the assembler did to a code object CPython
compiled: it drops the prefix (``COPY_FREE_VARS``, ``MAKE_CELL``,
``RETURN_GENERATOR``), turns jump offsets back into labels and the
direction-named jumps back into their pseudo-instructions, turns the
exception table back into ``SETUP_*``/``POP_BLOCK`` pairs, and renumbers the
cell and free variables as code generation numbers them.

Since CPython's optimizer has already run on the code, running our back end
on the result should give the same code object back: the round trip checks
layout, jump offsets, stack depth, prefix, cell numbering and both tables on
any compiled code, on any version, without a code generator.

>>> def add(a, b):
...     return a + b
>>> from pyinternals.compiler.assembler import assemble
>>> assemble(unassemble(add.__code__)).co_code == add.__code__.co_code
True
"""

from __future__ import annotations

import dis
import sys
import types
from collections.abc import Iterable
from dataclasses import dataclass

from pyinternals.compiler import exceptiontable, opcodes
from pyinternals.compiler.instructions import (
    NO_LOCATION,
    CodeUnit,
    Constants,
    Instr,
    Label,
    Location,
    constant_key,
)

__all__ = [
    "Unassemblable",
    "cell_order",
    "code_unit",
    "constants_table",
    "unassemble",
]

_PREFIX = frozenset({"COPY_FREE_VARS", "MAKE_CELL", "RETURN_GENERATOR", "POP_TOP"})
_DEREF_USERS = frozenset(
    {
        "LOAD_CLOSURE",
        "LOAD_DEREF",
        "STORE_DEREF",
        "DELETE_DEREF",
        "LOAD_CLASSDEREF",
        "LOAD_FROM_DICT_OR_DEREF",
    }
)
_CELL_LAST = ("__class__", "__classdict__")


class Unassemblable(ValueError):
    """The code cannot be expressed as a code unit (an odd exception table)."""


@dataclass
class _Step:
    """One instruction of the code, with what the reading found about it."""

    offset: int
    opname: str
    arg: int | None
    location: Location
    target: int | None = None


def _undirected(opname: str) -> str:
    """Return the pseudo-instruction a direction-named jump came from."""
    if opname in ("JUMP_FORWARD", "JUMP_BACKWARD"):
        return "JUMP"
    if opname == "JUMP_BACKWARD_NO_INTERRUPT":
        return "JUMP_NO_INTERRUPT"
    if sys.version_info < (3, 12) and opname.startswith("POP_JUMP_"):
        return opname.replace("FORWARD_", "").replace("BACKWARD_", "")
    return opname


def _location(position: dis.Positions | None) -> Location:
    if position is None or position.lineno is None:
        return NO_LOCATION
    return Location(
        position.lineno,
        -1 if position.end_lineno is None else position.end_lineno,
        -1 if position.col_offset is None else position.col_offset,
        -1 if position.end_col_offset is None else position.end_col_offset,
    )


def cell_order(cellvars: Iterable[str]) -> list[str]:
    """Return cell names in the code generator's order: sorted, implicit ones last.

    The implicit cells of a class body, ``__class__`` and ``__classdict__``,
    come after the others (see
    :class:`~pyinternals.compiler.instructions.CodeUnit`).

    >>> cell_order(("__class__", "b", "a"))
    ['a', 'b', '__class__']
    """
    names = tuple(cellvars)
    ordinary = sorted(name for name in names if name not in _CELL_LAST)
    return ordinary + [name for name in _CELL_LAST if name in names]


def constants_table(values: Iterable[object]) -> Constants:
    """Return a constants table holding *values* in their slots, as they are.

    Unlike adding them one by one, equal values keep their own slots (a
    code object's ``co_consts`` is taken as it is); later ``add`` calls
    find them (an equal value, the last slot that holds one).

    >>> table = constants_table([None, "doc", None])
    >>> table.add("doc"), table.add(None), table.add(1)
    (1, 2, 3)
    >>> table.values
    [None, 'doc', None, 1]
    """
    table = Constants(values=list(values))
    table._index.update(
        (constant_key(value), index) for index, value in enumerate(table.values)
    )
    return table


def code_unit(
    code: types.CodeType,
    body: list[Instr | Label],
    consts: Iterable[object] | None = None,
) -> CodeUnit:
    """Return a code unit with *code*'s metadata around *body*.

    Names, counts, flags and first line are *code*'s; its cells are put in
    the code generator's order (:func:`cell_order`). The constants are
    *consts* if given (a table from before optimization, say), else
    ``code.co_consts``.

    >>> code = compile("def f(a, /, b): return a", "<demo>", "exec").co_consts[0]
    >>> unit = code_unit(code, [])
    >>> unit.qualname, unit.argcount, unit.posonlyargcount, unit.consts.values
    ('f', 2, 1, [None])
    """
    return CodeUnit(
        name=code.co_name,
        qualname=code.co_qualname,
        filename=code.co_filename,
        firstlineno=code.co_firstlineno,
        flags=code.co_flags,
        argcount=code.co_argcount,
        posonlyargcount=code.co_posonlyargcount,
        kwonlyargcount=code.co_kwonlyargcount,
        consts=constants_table(code.co_consts if consts is None else consts),
        names=list(code.co_names),
        varnames=list(code.co_varnames),
        cellvars=cell_order(code.co_cellvars),
        freevars=list(code.co_freevars),
        body=body,
    )


def _steps(code: types.CodeType) -> list[_Step]:
    """Read the instructions, prefix and ``EXTENDED_ARG`` left out."""
    steps = []
    in_prefix = True
    extended_from: int | None = None
    for instruction in dis.get_instructions(code):
        name = instruction.opname
        if in_prefix and name in _PREFIX:
            continue
        in_prefix = False
        if name == "EXTENDED_ARG":
            if extended_from is None:
                extended_from = instruction.offset
            continue
        start = instruction.offset if extended_from is None else extended_from
        extended_from = None
        step = _Step(
            start // 2,
            name,
            instruction.arg if opcodes.has_arg(name) else None,
            _location(instruction.positions),
        )
        if name in opcodes.JUMPS:
            step.target = int(instruction.argval) // 2
        steps.append(step)
    return steps


def _slot_names(code: types.CodeType) -> list[str]:
    varnames = list(code.co_varnames)
    cells = [name for name in code.co_cellvars if name not in varnames]
    return varnames + cells + list(code.co_freevars)


def _depths(steps: list[_Step], code: types.CodeType) -> dict[int, int]:
    """Return the stack depth before each instruction, by offset."""
    entries = exceptiontable.decode(code.co_exceptiontable)
    index_of = {step.offset: index for index, step in enumerate(steps)}
    depth: dict[int, int] = {}
    todo = [(0, 0)]
    for entry in entries:
        todo.append((index_of[entry.target], entry.depth + 1 + entry.lasti))
    while todo:
        index, here = todo.pop()
        while index < len(steps):
            step = steps[index]
            if step.offset in depth:
                break
            depth[step.offset] = here
            arg = step.arg if opcodes.has_arg(step.opname) else None
            if step.target is not None:
                jumped = here + opcodes.stack_effect(step.opname, arg, jump=True)
                todo.append((index_of[step.target], jumped))
            here += opcodes.stack_effect(step.opname, arg, jump=False)
            if (
                step.opname in opcodes.UNCONDITIONAL_JUMPS
                or step.opname in opcodes.SCOPE_EXITS
            ):
                break
            index += 1
    return depth


def _handler_edits(
    steps: list[_Step], code: types.CodeType
) -> tuple[dict[int, list[tuple[str, int | None]]], set[int], set[int]]:
    r"""Find the ``SETUP_*``/``POP_BLOCK`` to place before each instruction.

    The walk follows control flow in the order
    :func:`~pyinternals.compiler.flowgraph.label_exception_targets` will,
    carrying the stack of active handlers; before each instruction it pops
    or pushes until the top is the handler the exception table gives it.
    Returns the edits by offset (name, and handler offset for a setup), the
    offsets of the ``NOP``\ s that the edits replace, and the offsets of the
    handlers.
    """
    entries = exceptiontable.decode(code.co_exceptiontable)
    handler_at: dict[int, exceptiontable.ExceptionEntry] = {}
    for entry in entries:
        for step in steps:
            if entry.start <= step.offset < entry.end:
                handler_at[step.offset] = entry
    depth = _depths(steps, code)
    if len(depth) != len(steps):
        # A handler whose range covers no instruction left CPython's code
        # with a block nothing reaches; no handler setup can say so.
        raise Unassemblable("code that no jump or handler reaches")
    index_of = {step.offset: index for index, step in enumerate(steps)}
    starts = {0} | {step.target for step in steps if step.target is not None}
    starts |= {entry.target for entry in entries}
    edits: dict[int, list[tuple[str, int | None]]] = {}
    replaced: set[int] = set()
    visited: set[int] = set()
    todo: list[tuple[int, list[int | None]]] = [(0, [None])]
    visited.add(0)
    while todo:
        index, stack = todo.pop()
        while index < len(steps):
            step = steps[index]
            wanted = handler_at.get(step.offset)
            if _is_handler_switch(step, wanted, stack, steps, index):
                # A NOP left by a SETUP or POP_BLOCK that carried a line: it
                # is the switch to the next instruction's handler.
                wanted = handler_at.get(steps[index + 1].offset)
                replaced.add(step.offset)
            target = None if wanted is None else wanted.target
            changes: list[tuple[str, int | None]] = []
            if stack[-1] != target:
                if target in stack:
                    while stack[-1] != target:
                        changes.append(("POP_BLOCK", None))
                        stack.pop()
                else:
                    assert wanted is not None
                    handler = wanted.target
                    changes.append((_setup_kind(wanted, depth[step.offset]), handler))
                    if handler not in visited:
                        visited.add(handler)
                        todo.append((index_of[handler], list(stack)))
                    stack.append(handler)
            edits[step.offset] = changes
            if step.target is not None and step.target not in visited:
                visited.add(step.target)
                falls = step.opname not in opcodes.UNCONDITIONAL_JUMPS
                todo.append((index_of[step.target], list(stack) if falls else stack))
            if (
                step.opname in opcodes.UNCONDITIONAL_JUMPS
                or step.opname in opcodes.SCOPE_EXITS
            ):
                break
            index += 1
            if index < len(steps) and steps[index].offset in starts:
                if steps[index].offset not in visited:
                    visited.add(steps[index].offset)
                    todo.append((index, stack))
                break
    for offset in replaced:
        if not edits[offset]:
            replaced.discard(offset)
    return edits, replaced, {entry.target for entry in entries}


def _is_handler_switch(
    step: _Step,
    wanted: exceptiontable.ExceptionEntry | None,
    stack: list[int | None],
    steps: list[_Step],
    index: int,
) -> bool:
    """Whether *step* is a lined ``NOP`` outside any handler inside a range."""
    return (
        step.opname == "NOP"
        and step.location.lineno >= 0
        and wanted is None
        and stack[-1] is not None
        and index + 1 < len(steps)
    )


def _setup_kind(entry: exceptiontable.ExceptionEntry, here: int) -> str:
    """Name the setup that gives *entry*'s depth and lasti from depth *here*."""
    if not entry.lasti and entry.depth == here:
        return "SETUP_FINALLY"
    if entry.lasti and entry.depth == here:
        return "SETUP_CLEANUP"
    if entry.lasti and entry.depth == here - 1:
        return "SETUP_WITH"
    raise Unassemblable(f"no setup keeps depth {entry.depth} from depth {here}")


def unassemble(code: types.CodeType) -> CodeUnit:
    """Return a code unit from which the assembler should rebuild *code*.

    Nested code objects stay in the constants as they are.
    :exc:`Unassemblable` if the exception table cannot come from handler
    setups (their depths do not fit).

    >>> unit = unassemble(compile("x = 1", "<demo>", "exec"))
    >>> [i.opname for i in unit.instructions()][:2]
    ['RESUME', 'LOAD_CONST']
    """
    steps = _steps(code)
    edits, replaced, handlers = _handler_edits(steps, code)
    labels: dict[int, Label] = {}
    for step in steps:
        if step.target is not None:
            labels.setdefault(step.target, Label())
    for handler_offset in handlers:
        labels.setdefault(handler_offset, Label())
    slots = _slot_names(code)
    cells = cell_order(code.co_cellvars)
    frees = list(code.co_freevars)
    body: list[Instr | Label] = []
    for step in steps:
        if step.offset in labels:
            body.append(labels[step.offset])
        changes = edits.get(step.offset, [])
        for number, (edit, handler) in enumerate(changes, 1):
            # Setups without a line, pops on the line of what follows: the
            # NOPs they become then go away without moving any line. A NOP
            # they replace gives its line to the last one.
            if step.offset in replaced and number == len(changes):
                location = step.location
            else:
                location = NO_LOCATION if handler is not None else step.location
            body.append(
                Instr(edit, None if handler is None else labels[handler], location)
            )
        if step.offset in replaced:
            continue
        arg: int | Label | None = step.arg
        name = step.opname
        if step.target is not None:
            arg = labels[step.target]
            name = _undirected(name)
        elif name in _DEREF_USERS or (
            name == "LOAD_FAST" and _is_cell_slot(code, step.arg)
        ):
            assert step.arg is not None
            slot_name = slots[step.arg]
            if sys.version_info >= (3, 12) and name == "LOAD_FAST":
                name = "LOAD_CLOSURE"
            arg = (
                cells.index(slot_name)
                if slot_name in cells
                else len(cells) + frees.index(slot_name)
            )
        body.append(Instr(name, arg, step.location))
    return code_unit(code, body)


def _is_cell_slot(code: types.CodeType, slot: int | None) -> bool:
    """Whether a ``LOAD_FAST`` of *slot* is a 3.12+ ``LOAD_CLOSURE``."""
    if sys.version_info < (3, 12) or slot is None:
        return False
    names = _slot_names(code)
    return slot < len(names) and names[slot] in code.co_cellvars
