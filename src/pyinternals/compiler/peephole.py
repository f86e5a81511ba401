r"""Peepholes: rewrites of a few instructions inside one basic block.

The optimizer (:mod:`~pyinternals.compiler.flowgraph`) looks at each block
through a small window and replaces what it recognizes by something cheaper,
leaving ``NOP`` where instructions went so that positions stay put until a
later pass sweeps them (``Python/flowgraph.c``, ``optimize_basic_block``
and ``basicblock_optimize_load_const``; the 3.11 forms are in
:mod:`~pyinternals.compiler.flowgraph311`):

* a constant that a test consumes decides the test: ``LOAD_CONST 0;
  POP_JUMP_IF_FALSE`` is an unconditional ``JUMP``;
* ``LOAD_CONST None; IS_OP; POP_JUMP_IF_TRUE`` is ``POP_JUMP_IF_NONE``;
* ``LOAD_CONST c; RETURN_VALUE`` is ``RETURN_CONST c`` (3.12+);
* loads of constants followed by ``BUILD_TUPLE`` are one constant tuple;
* a jump to a jump goes straight to the second one's target;
* a run of ``SWAP`` becomes the shortest run with the same effect, and
  swaps just before stores are done by reordering the stores instead;
* ``TO_BOOL`` after a comparison, or a second ``TO_BOOL``, goes (3.13).

>>> from pyinternals.compiler.cfg import build
>>> from pyinternals.compiler.instructions import Instr
>>> graph = build([Instr("LOAD_CONST", 1), Instr("LOAD_CONST", 2),
...                Instr("BUILD_TUPLE", 2), Instr("RETURN_VALUE", None)])
>>> consts = [None, "a", "b"]
>>> optimize_basic_block(graph.entry, consts)
>>> [(i.opname, i.arg) for i in graph.entry.instructions], consts[-1]
([('NOP', 0), ('NOP', 0), ('LOAD_CONST', 3), ('RETURN_VALUE', 0)], ('a', 'b'))
"""

from __future__ import annotations

import sys

from pyinternals.compiler import opcodes
from pyinternals.compiler.cfg import Block, Instruction
from pyinternals.compiler.instructions import constant_key

__all__ = [
    "add_const",
    "apply_static_swaps",
    "fold_is_none",
    "fold_tuple_on_constants",
    "jump_thread",
    "optimize_basic_block",
    "optimize_load_const",
    "swaptimize",
    "unpack_built_tuple",
]

_NOP = Instruction("NOP")


def add_const(consts: list[object], value: object) -> int:
    """Return the index of *value* in *consts*, appending it if it is new.

    Values are told apart as the code object's constants are (see
    :func:`~pyinternals.compiler.instructions.constant_key`).

    >>> table = [None, 1]
    >>> add_const(table, 1), add_const(table, True), table
    (1, 2, [None, 1, True])
    """
    key = constant_key(value)
    for index, existing in enumerate(consts):
        if constant_key(existing) == key:
            return index
    consts.append(value)
    return len(consts) - 1


def optimize_load_const(block: Block, consts: list[object]) -> None:
    """Fold what follows a constant: a jump, ``is None``, return, ``TO_BOOL``.

    ``Python/flowgraph.c``, ``basicblock_optimize_load_const``; a ``COPY 1``
    right after a ``LOAD_CONST`` counts as loading the same constant.

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr, Label
    >>> done = Label()
    >>> graph = build([Instr("LOAD_CONST", 0), Instr("POP_JUMP_IF_FALSE", done),
    ...                Instr("NOP", None), done, Instr("RETURN_VALUE", None)])
    >>> optimize_load_const(graph.entry, [0])
    >>> [i.opname for i in graph.entry.instructions]
    ['NOP', 'JUMP']
    """
    instructions = block.instructions
    opname, arg = "", 0
    index = 0
    while index < len(instructions):
        instr = instructions[index]
        copy_of_const = (
            opname == "LOAD_CONST" and instr.opname == "COPY" and instr.arg == 1
        )
        if not copy_of_const:
            opname, arg = instr.opname, instr.arg
        if opname != "LOAD_CONST":
            index += 1
            continue
        following = instructions[index + 1] if index + 1 < len(instructions) else None
        nextop = following.opname if following is not None else ""
        if following is not None and nextop in (
            "POP_JUMP_IF_FALSE",
            "POP_JUMP_IF_TRUE",
        ):
            instr.set("NOP")
            if bool(consts[arg]) == (nextop == "POP_JUMP_IF_TRUE"):
                following.opname = "JUMP"
            else:
                following.set("NOP")
        elif following is not None and nextop == "IS_OP":
            fold_is_none(instructions, index, consts[arg])
        elif following is not None and nextop == "RETURN_VALUE":
            instr.set("NOP")
            following.set("RETURN_CONST", arg)
            index += 1
        elif following is not None and nextop == "TO_BOOL":
            value = bool(consts[arg])
            new_index = add_const(consts, value)
            instr.set("NOP")
            following.set("LOAD_CONST", new_index)
        index += 1


def fold_is_none(instructions: list[Instruction], index: int, value: object) -> None:
    """Fold ``LOAD_CONST None; IS_OP; [TO_BOOL;] POP_JUMP_IF_*`` into one jump.

    The jump becomes ``POP_JUMP_IF_NONE`` or ``POP_JUMP_IF_NOT_NONE``; on
    3.12+ the ``TO_BOOL`` goes even when no jump follows.

    >>> from pyinternals.compiler.cfg import Instruction
    >>> code = [Instruction("LOAD_CONST"), Instruction("IS_OP", 1),
    ...         Instruction("POP_JUMP_IF_TRUE")]
    >>> fold_is_none(code, 0, None)
    >>> [i.opname for i in code]
    ['NOP', 'NOP', 'POP_JUMP_IF_NOT_NONE']
    """
    if value is not None or len(instructions) <= index + 2:
        return
    load, is_op, jump = instructions[index : index + 3]
    if jump.opname == "TO_BOOL":
        jump.set("NOP")
        if len(instructions) <= index + 3:
            return
        jump = instructions[index + 3]
    invert = bool(is_op.arg)
    if jump.opname == "POP_JUMP_IF_FALSE":
        invert = not invert
    elif jump.opname != "POP_JUMP_IF_TRUE":
        return
    load.set("NOP")
    is_op.set("NOP")
    jump.opname = "POP_JUMP_IF_NOT_NONE" if invert else "POP_JUMP_IF_NONE"


def fold_tuple_on_constants(
    instructions: list[Instruction], start: int, count: int, consts: list[object]
) -> None:
    """Replace *count* constant loads and a ``BUILD_TUPLE`` with one load.

    Nothing changes unless the *count* instructions from *start* all load
    constants; the tuple joins *consts* (or is found there).

    >>> from pyinternals.compiler.cfg import Instruction
    >>> code = [Instruction("LOAD_CONST", 0), Instruction("BUILD_TUPLE", 1)]
    >>> consts = [7]
    >>> fold_tuple_on_constants(code, 0, 1, consts)
    >>> [(i.opname, i.arg) for i in code], consts
    ([('NOP', 0), ('LOAD_CONST', 1)], [7, (7,)])
    """
    loads = instructions[start : start + count]
    if not all(instr.opname in opcodes.CONST_USERS for instr in loads):
        return
    value = tuple(consts[instr.arg] for instr in loads)
    index = add_const(consts, value)
    for instr in loads:
        instr.set("NOP")
    instructions[start + count].set("LOAD_CONST", index)


def unpack_built_tuple(instructions: list[Instruction], index: int) -> bool:
    """Drop a tuple that is built only to be unpacked again; say whether it was.

    ``BUILD_TUPLE n`` followed by ``UNPACK_SEQUENCE n`` (``a, b = b, a``)
    leaves the values where they were, in reverse order: for one value both
    go, for two or three a ``SWAP`` is enough. Both optimizers, 3.11's and
    3.13's, make this rewrite (``optimize_basic_block``).

    >>> from pyinternals.compiler.cfg import Instruction
    >>> code = [Instruction("BUILD_TUPLE", 2), Instruction("UNPACK_SEQUENCE", 2)]
    >>> unpack_built_tuple(code, 0), [(i.opname, i.arg) for i in code]
    (True, [('NOP', 0), ('SWAP', 2)])
    """
    build = instructions[index]
    following = instructions[index + 1] if index + 1 < len(instructions) else None
    count = build.arg
    if following is None or following.opname != "UNPACK_SEQUENCE":
        return False
    if following.arg != count or count not in (1, 2, 3):
        return False
    build.set("NOP")
    if count == 1:
        following.set("NOP")
    else:
        following.opname = "SWAP"
    return True


def jump_thread(
    block: Block, instr: Instruction, target: Instruction, opname: str
) -> bool:
    """Make *instr*, a jump to a jump, go to the second jump's target.

    3.12+ turns *instr* into ``NOP`` and appends a new jump with the second
    jump's location (and no exception handler); 3.11 retargets *instr* in
    place, and only when both jumps are on the same line. Returns whether
    anything changed.

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr, Label, Location
    >>> here, middle, end = Location(1, 1, 0, 1), Label(), Label()
    >>> graph = build([Instr("JUMP", middle, here), middle, Instr("JUMP", end, here),
    ...                end, Instr("RETURN_VALUE", None)])
    >>> first, second, last = graph
    >>> jump_thread(first, first.instructions[-1], second.instructions[0], "JUMP")
    True
    >>> first.instructions[-1].target is last
    True
    """
    if sys.version_info >= (3, 12):
        if instr.target is target.target:
            return False
        instr.set("NOP")
        block.instructions.append(
            Instruction(opname, 0, target.location, target=target.target)
        )
        return True
    if instr.lineno == target.lineno and instr.target is not target.target:
        instr.target = target.target
        instr.opname = opname
        return True
    return False


_SWAPPABLE = frozenset({"STORE_FAST", "STORE_FAST_MAYBE_NULL", "POP_TOP"})


def _stores_to(instr: Instruction) -> int:
    if instr.opname in ("STORE_FAST", "STORE_FAST_MAYBE_NULL"):
        return instr.arg
    return -1


def swaptimize(instructions: list[Instruction], start: int) -> int:
    """Replace the run of ``SWAP``/``NOP`` at *start* by a shortest equivalent.

    Returns the index of the run's last instruction
    (``Python/flowgraph.c``, ``swaptimize``).

    >>> from pyinternals.compiler.cfg import Instruction
    >>> code = [Instruction("SWAP", 2), Instruction("SWAP", 2)]
    >>> swaptimize(code, 0)
    1
    >>> [i.opname for i in code]
    ['NOP', 'NOP']
    """
    depth = instructions[start].arg
    length = 1
    more = False
    while start + length < len(instructions):
        instr = instructions[start + length]
        if instr.opname == "SWAP":
            depth = max(depth, instr.arg)
            more = True
        elif instr.opname != "NOP":
            break
        length += 1
    if not more:
        return start
    stack = list(range(depth))
    for instr in instructions[start : start + length]:
        if instr.opname == "SWAP":
            top = stack[0]
            stack[0] = stack[instr.arg - 1]
            stack[instr.arg - 1] = top
    visited = -1
    current = length - 1
    for i in range(depth):
        if stack[i] == visited or stack[i] == i:
            continue
        j = i
        while True:
            if j:
                instructions[start + current].set("SWAP", j + 1)
                current -= 1
            if stack[j] == visited:
                break
            next_j = stack[j]
            stack[j] = visited
            j = next_j
    while current >= 0:
        instructions[start + current].set("NOP")
        current -= 1
    return start + length - 1


def _next_swappable(instructions: list[Instruction], index: int, lineno: int) -> int:
    while True:
        index += 1
        if index >= len(instructions):
            return -1
        instr = instructions[index]
        if lineno >= 0 and instr.lineno != lineno:
            return -1
        if instr.opname == "NOP":
            continue
        if instr.opname in _SWAPPABLE:
            return index
        return -1


def apply_static_swaps(instructions: list[Instruction], index: int) -> None:
    """Swap instructions instead of stack items where that is safe.

    ``SWAP 2; POP_TOP; STORE_FAST x`` becomes ``NOP; STORE_FAST x; POP_TOP``
    (``Python/flowgraph.c``, ``apply_static_swaps``). *index* is the last
    instruction of a run of swaps.

    >>> from pyinternals.compiler.cfg import Instruction
    >>> code = [Instruction("SWAP", 2), Instruction("POP_TOP"),
    ...         Instruction("STORE_FAST", 0)]
    >>> apply_static_swaps(code, 0)
    >>> [i.opname for i in code]
    ['NOP', 'STORE_FAST', 'POP_TOP']
    """
    while index >= 0:
        swap = instructions[index]
        if swap.opname != "SWAP":
            if swap.opname == "NOP" or swap.opname in _SWAPPABLE:
                index -= 1
                continue
            return
        j = _next_swappable(instructions, index, -1)
        if j < 0:
            return
        k = j
        lineno = instructions[j].lineno
        for _ in range(swap.arg - 1):
            k = _next_swappable(instructions, k, lineno)
            if k < 0:
                return
        store_j = _stores_to(instructions[j])
        store_k = _stores_to(instructions[k])
        if store_j >= 0 or store_k >= 0:
            if store_j == store_k:
                return
            for between in instructions[j + 1 : k]:
                store = _stores_to(between)
                if store >= 0 and store in (store_j, store_k):
                    return
        swap.set("NOP")
        instructions[j], instructions[k] = instructions[k], instructions[j]
        index -= 1


def optimize_basic_block(block: Block, consts: list[object]) -> None:
    """Run 3.12+'s peepholes over one block (``optimize_basic_block``).

    *consts* receives the tuples folded here. See the module's example.
    """
    instructions = block.instructions
    i = 0
    while i < len(instructions):
        instr = instructions[i]
        opname, arg = instr.opname, instr.arg
        if opname in opcodes.HAS_TARGET:
            target_block = instr.jump_target()
            target = target_block.instructions[0] if target_block.instructions else _NOP
        else:
            target = _NOP
        following = instructions[i + 1] if i + 1 < len(instructions) else None
        nextop = following.opname if following is not None else ""
        if opname == "BUILD_TUPLE":
            if unpack_built_tuple(instructions, i):
                i += 1
                continue
            if i >= arg:
                fold_tuple_on_constants(instructions, i - arg, arg, consts)
        elif opname in (
            "POP_JUMP_IF_NOT_NONE",
            "POP_JUMP_IF_NONE",
            "POP_JUMP_IF_FALSE",
            "POP_JUMP_IF_TRUE",
        ):
            if target.opname == "JUMP":
                i -= jump_thread(block, instr, target, opname)
        elif opname in ("JUMP", "JUMP_NO_INTERRUPT"):
            if target.opname == "JUMP":
                i -= jump_thread(block, instr, target, "JUMP")
                i += 1
                continue
            if target.opname == "JUMP_NO_INTERRUPT":
                i -= jump_thread(block, instr, target, opname)
                i += 1
                continue
        elif opname == "STORE_FAST":
            if (
                following is not None
                and nextop == opname
                and arg == following.arg
                and instr.lineno == following.lineno
            ):
                instr.set("POP_TOP")
        elif opname == "SWAP":
            if arg == 1:
                instr.set("NOP")
        elif opname == "LOAD_GLOBAL":
            if following is not None and nextop == "PUSH_NULL" and arg & 1 == 0:
                instr.set("LOAD_GLOBAL", arg | 1)
                following.set("NOP")
        elif opname == "COMPARE_OP":
            if following is not None and nextop == "TO_BOOL":
                instr.set("NOP")
                following.set("COMPARE_OP", arg | 16)
                i += 1
                continue
        elif opname in ("CONTAINS_OP", "IS_OP"):
            if following is not None and nextop == "TO_BOOL":
                instr.set("NOP")
                following.set(opname, arg)
                i += 1
                continue
        elif opname == "TO_BOOL":
            if nextop == "TO_BOOL":
                instr.set("NOP")
                i += 1
                continue
        elif opname == "UNARY_NOT" and following is not None:
            if nextop == "TO_BOOL":
                instr.set("NOP")
                following.set("UNARY_NOT")
                i += 1
                continue
            if nextop == "UNARY_NOT":
                instr.set("NOP")
                following.set("NOP")
                i += 1
                continue
        i += 1
    i = 0
    while i < len(instructions):
        if instructions[i].opname == "SWAP":
            i = swaptimize(instructions, i)
            apply_static_swaps(instructions, i)
        i += 1
