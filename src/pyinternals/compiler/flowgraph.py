r"""The optimizer of the control-flow graph, as CPython 3.13 and 3.11 run it.

Between code generation and assembly CPython rewrites the graph of basic
blocks (``Python/flowgraph.c`` on 3.12+, the second half of
``Python/compile.c`` on 3.11). The passes, in the order 3.13 runs them
(:func:`optimize_code_unit`):

1. *exception handlers*: the blocks that ``SETUP_FINALLY``,
   ``SETUP_CLEANUP`` and ``SETUP_WITH`` name are marked as handlers, and a
   walk over the graph that keeps a stack of active handlers records, for
   each instruction, the handler an exception there goes to
   (:func:`label_exception_targets`); ``POP_BLOCK`` then becomes ``NOP``;
2. *cheap jumps*: a jump to a small block that leaves the function, or to a
   block without line numbers that cannot fall through, is replaced by a copy
   of that block; blocks that nothing reaches are emptied;
3. *line numbers*: exits reached from several places and lacking a line
   number are duplicated, and instructions without a line number take the
   line of the instruction before them (PEP 626: every exit reports a line);
4. *peepholes* inside each block: constant conditions decide their jumps,
   ``LOAD_CONST`` + ``RETURN_VALUE`` becomes ``RETURN_CONST``, constant
   tuples are built at compile time, jumps to jumps are threaded, runs of
   ``SWAP`` are shortened, ``TO_BOOL`` after a comparison is folded…;
5. *clean-up*: ``NOP``\\ s that carry no line of their own and jumps to the
   next block are removed, unused constants are dropped;
6. ``LOAD_FAST_CHECK`` where a local may be unbound, and the
   *superinstructions* ``LOAD_FAST_LOAD_FAST``, ``STORE_FAST_LOAD_FAST`` and
   ``STORE_FAST_STORE_FAST``;
7. *cold blocks* (reached only through exception handlers) move to the end.

After the stack depth is known, :func:`prepare_localsplus` adds the prefix
(``COPY_FREE_VARS``, ``MAKE_CELL``, ``RETURN_GENERATOR``) and renumbers cell
variables, :func:`convert_pseudo_ops` turns the remaining
pseudo-instructions into real ones, and :func:`normalize_jumps` makes every
conditional jump point forward. 3.11 runs a smaller, differently ordered set
(:mod:`~pyinternals.compiler.flowgraph311`), built from the same passes
where the two versions agree.

>>> from pyinternals.compiler.cfg import build
>>> from pyinternals.compiler.instructions import Instr
>>> graph = build([Instr("NOP", None), Instr("LOAD_CONST", 0),
...                Instr("RETURN_VALUE", None)])
>>> consts = [None]
>>> optimize_code_unit(graph, consts, nlocals=0, nparams=0, firstlineno=1)
>>> [(i.opname, i.arg) for i in graph.instructions()]
[('RETURN_CONST', 0)]
"""

from __future__ import annotations

import itertools
import sys

from pyinternals.compiler import opcodes
from pyinternals.compiler.cfg import Block, ControlFlowGraph, Instruction
from pyinternals.compiler.instructions import NO_LOCATION, Location, constant_key

__all__ = [
    "add_const",
    "convert_pseudo_ops",
    "label_exception_targets",
    "mark_except_handlers",
    "normalize_jumps",
    "optimize_code_unit",
    "prepare_localsplus",
    "resolve_line_numbers",
]

CO_GENERATOR = 0x20
CO_COROUTINE = 0x80
CO_ASYNC_GENERATOR = 0x200
_GENERATOR_FLAGS = CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR

_MAX_COPY_SIZE = 4
"""The largest exit block that a jump to it is replaced by a copy of."""

_RESUME_AT_FUNC_START = 0
_RESUME_OPARG_DEPTH1_MASK = 0x4

_NOP = Instruction("NOP")


# -- small helpers ------------------------------------------------------------


def _next_nonempty(block: Block | None) -> Block | None:
    """Return *block* or the first block after it that has instructions."""
    while block is not None and not block.instructions:
        block = block.next
    return block


def _reset_visited(graph: ControlFlowGraph) -> None:
    for block in graph:
        block.visited = False


def _is_jump(instr: Instruction) -> bool:
    return instr.opname in opcodes.JUMPS


def _target(instr: Instruction) -> Block:
    assert instr.target is not None, instr
    return instr.target


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


# -- exception handlers ---------------------------------------------------------


def mark_except_handlers(graph: ControlFlowGraph) -> None:
    """Mark the blocks that a ``SETUP_*`` names as exception handlers."""
    for instr in graph.instructions():
        if instr.opname in opcodes.BLOCK_PUSHES:
            _target(instr).except_handler = True


def label_exception_targets(graph: ControlFlowGraph) -> None:
    """Record in each instruction the handler that catches an exception there.

    A depth-first walk carries the stack of active handlers into each block:
    a ``SETUP_*`` pushes its target (and marks whether the handler wants the
    offset of the raising instruction, ``SETUP_WITH`` and ``SETUP_CLEANUP``),
    ``POP_BLOCK`` pops it and becomes ``NOP``. On 3.12+ a ``RESUME`` after a
    ``yield`` inside exactly one handler gets a flag in its argument
    (``Python/flowgraph.c``, ``label_exception_targets``).
    """
    _reset_visited(graph)
    entry = graph.entry
    entry.visited = True
    entry.except_stack = [None]
    todo: list[Block] = [entry]
    while todo:
        block = todo.pop()
        stack = block.except_stack
        assert stack is not None
        block.except_stack = None
        handler = stack[-1]
        last_yield_depth = -1
        for instr in block.instructions:
            name = instr.opname
            if name in opcodes.BLOCK_PUSHES:
                target = _target(instr)
                if not target.visited:
                    target.except_stack = list(stack)
                    target.visited = True
                    todo.append(target)
                if name in ("SETUP_WITH", "SETUP_CLEANUP"):
                    target.preserve_lasti = True
                stack.append(target)
                handler = target
            elif name == "POP_BLOCK":
                stack.pop()
                handler = stack[-1]
                if sys.version_info >= (3, 12):
                    instr.set("NOP")
            elif _is_jump(instr):
                instr.handler = handler
                target = _target(instr)
                if not target.visited:
                    target.except_stack = (
                        list(stack) if block.has_fallthrough() else stack
                    )
                    target.visited = True
                    todo.append(target)
            elif name == "YIELD_VALUE":
                instr.handler = handler
                last_yield_depth = len(stack) - 1
            elif name == "RESUME" and sys.version_info >= (3, 12):
                instr.handler = handler
                if instr.arg != _RESUME_AT_FUNC_START:
                    if last_yield_depth == 1:
                        instr.arg |= _RESUME_OPARG_DEPTH1_MASK
                    last_yield_depth = -1
            else:
                instr.handler = handler
        following = block.next
        if block.has_fallthrough() and following is not None and not following.visited:
            following.except_stack = stack
            following.visited = True
            todo.append(following)


# -- reachability and dead code -----------------------------------------------


def remove_unreachable(graph: ControlFlowGraph) -> None:
    """Count each block's predecessors and empty the blocks nothing reaches.

    Edges are fall-through, jumps and exception-handler setups
    (``Python/flowgraph.c``, ``remove_unreachable``).
    """
    for block in graph:
        block.predecessors = 0
    _reset_visited(graph)
    entry = graph.entry
    entry.predecessors = 1
    entry.visited = True
    stack = [entry]
    while stack:
        block = stack.pop()
        following = block.next
        if following is not None and block.has_fallthrough():
            if not following.visited:
                following.visited = True
                stack.append(following)
            following.predecessors += 1
        for instr in block.instructions:
            if _is_jump(instr) or instr.opname in opcodes.BLOCK_PUSHES:
                target = _target(instr)
                if not target.visited:
                    target.visited = True
                    stack.append(target)
                target.predecessors += 1
    for block in graph:
        if block.predecessors == 0:
            block.instructions.clear()
            block.except_handler = False


def _remove_redundant_nops_in(block: Block) -> int:
    r"""Drop the ``NOP``\\ s of *block* that no line event needs; return how many.

    A ``NOP`` stays only when it is the sole instruction of its line here
    (``Python/flowgraph.c``, ``basicblock_remove_redundant_nops``).
    """
    kept: list[Instruction] = []
    prev_lineno = -1
    instructions = block.instructions
    for index, instr in enumerate(instructions):
        lineno = instr.lineno
        if instr.opname == "NOP":
            if lineno < 0 or prev_lineno == lineno:
                continue
            if index < len(instructions) - 1:
                following = instructions[index + 1]
                if following.lineno == lineno:
                    continue
                if following.lineno < 0:
                    following.location = instr.location
                    continue
            else:
                next_block = _next_nonempty(block.next)
                if next_block is not None:
                    next_lineno = -1
                    for candidate in next_block.instructions:
                        if sys.version_info >= (3, 12) and (
                            candidate.opname == "NOP" and candidate.lineno < 0
                        ):
                            continue
                        next_lineno = candidate.lineno
                        break
                    if lineno == next_lineno:
                        continue
        kept.append(instr)
        prev_lineno = lineno
    removed = len(instructions) - len(kept)
    block.instructions = kept
    return removed


def remove_redundant_nops(graph: ControlFlowGraph) -> int:
    r"""Drop redundant ``NOP``\\ s in every block; return how many went."""
    return sum(_remove_redundant_nops_in(block) for block in graph)


def _remove_redundant_nops_and_pairs(graph: ControlFlowGraph) -> None:
    """Also cancel a ``LOAD_CONST`` or ``COPY 1`` that a ``POP_TOP`` undoes.

    The pair may straddle a fall-through edge into a block that is not a
    jump target (``Python/flowgraph.c``, ``remove_redundant_nops_and_pairs``).
    """
    done = False
    while not done:
        done = True
        instr: Instruction | None = None
        for block in graph:
            _remove_redundant_nops_in(block)
            if block.labelled:
                instr = None
            for current in block.instructions:
                previous, instr = instr, current
                if (
                    current.opname == "POP_TOP"
                    and previous is not None
                    and (
                        previous.opname == "LOAD_CONST"
                        or (previous.opname == "COPY" and previous.arg == 1)
                    )
                ):
                    previous.set("NOP")
                    current.set("NOP")
                    done = False
            if (instr is not None and _is_jump(instr)) or not block.has_fallthrough():
                instr = None


def _remove_redundant_jumps(graph: ControlFlowGraph) -> int:
    """Turn into ``NOP`` each unconditional jump to the next non-empty block."""
    changes = 0
    for block in graph:
        last = block.last()
        if last is None or last.opname not in opcodes.UNCONDITIONAL_JUMPS:
            continue
        target = _next_nonempty(last.target)
        if target is None:
            raise ValueError("jump with no instruction after its target")
        if target is _next_nonempty(block.next):
            last.set("NOP")
            changes += 1
    return changes


def _remove_redundant_nops_and_jumps(graph: ControlFlowGraph) -> None:
    while remove_redundant_nops(graph) + _remove_redundant_jumps(graph):
        pass


def _inline_small_or_no_lineno_blocks(graph: ControlFlowGraph) -> None:
    """Replace jumps to small exits or line-less dead ends by copies of them.

    ``Python/flowgraph.c``, ``inline_small_or_no_lineno_blocks``: the jump
    becomes ``NOP`` and the target's instructions are appended; a copied
    trailing jump stays a ``JUMP`` (with its eval-breaker check) if the
    removed one was.
    """
    changed = True
    while changed:
        changed = False
        for block in graph:
            last = block.last()
            if last is None or last.opname not in opcodes.UNCONDITIONAL_JUMPS:
                continue
            target = _target(last)
            small_exit = (
                target.exits_scope() and len(target.instructions) <= _MAX_COPY_SIZE
            )
            no_lineno_dead_end = target.has_no_lineno() and not target.has_fallthrough()
            if not (small_exit or no_lineno_dead_end):
                continue
            removed = last.opname
            last.set("NOP")
            block.instructions += [instr.copy() for instr in target.instructions]
            if no_lineno_dead_end:
                new_last = block.instructions[-1]
                if new_last.opname in opcodes.UNCONDITIONAL_JUMPS and removed == "JUMP":
                    new_last.opname = "JUMP"
            target.predecessors -= 1
            changed = True


# -- line numbers ---------------------------------------------------------------


def _is_exit_without_lineno(block: Block) -> bool:
    return block.exits_scope() and block.has_no_lineno()


def _is_exit_or_eval_check_without_lineno(block: Block) -> bool:
    if block.exits_scope() or any(
        instr.opname in opcodes.EVAL_BREAKS for instr in block.instructions
    ):
        return block.has_no_lineno()
    return False


def _duplicate_exits_without_lineno(graph: ControlFlowGraph) -> None:
    """Give every exit without a line number a single predecessor.

    An exit block that several jumps reach and that has no line number is
    copied for each extra jump, and the copy takes the jump's location; an
    exit reached by falling through takes the location of the instruction
    before it (``Python/flowgraph.c``, ``duplicate_exits_without_lineno``).
    """
    for block in graph:
        last = block.last()
        if last is None or not _is_jump(last):
            continue
        target = _next_nonempty(last.target)
        if target is None or not _is_exit_or_eval_check_without_lineno(target):
            continue
        if target.predecessors > 1:
            copy = graph.new_block()
            copy.instructions = [instr.copy() for instr in target.instructions]
            copy.instructions[0].location = last.location
            last.target = copy
            target.predecessors -= 1
            copy.predecessors = 1
            copy.next = target.next
            copy.labelled = True
            target.next = copy
    for block in graph:
        following = block.next
        if (
            block.has_fallthrough()
            and following is not None
            and block.instructions
            and _is_exit_or_eval_check_without_lineno(following)
        ):
            following.instructions[0].location = block.instructions[-1].location


def _propagate_line_numbers(graph: ControlFlowGraph) -> None:
    """Give instructions without a location the location before them.

    Within a block each one takes its predecessor's; the first instruction
    of a block with a single predecessor takes the location its predecessor
    ended with (``Python/flowgraph.c``, ``propagate_line_numbers``).
    """
    for block in graph:
        last = block.last()
        if last is None:
            continue
        previous = NO_LOCATION
        for instr in block.instructions:
            if instr.lineno < 0:
                instr.location = previous
            else:
                previous = instr.location
        following = block.next
        if (
            block.has_fallthrough()
            and following is not None
            and following.predecessors == 1
            and following.instructions
            and following.instructions[0].lineno < 0
        ):
            following.instructions[0].location = previous
        if _is_jump(last):
            target = _target(last)
            if (
                target.predecessors == 1
                and target.instructions
                and target.instructions[0].lineno < 0
            ):
                target.instructions[0].location = previous


def resolve_line_numbers(graph: ControlFlowGraph) -> None:
    """Duplicate line-less exits, then propagate locations (3.12+)."""
    _duplicate_exits_without_lineno(graph)
    _propagate_line_numbers(graph)


# -- constants and peepholes ----------------------------------------------------


def _truth(value: object) -> bool:
    return bool(value)


def _optimize_load_const(block: Block, consts: list[object]) -> None:
    """Fold what follows a constant: a jump, ``is None``, return, ``TO_BOOL``.

    ``Python/flowgraph.c``, ``basicblock_optimize_load_const``; a ``COPY 1``
    right after a ``LOAD_CONST`` counts as loading the same constant.
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
            if _truth(consts[arg]) == (nextop == "POP_JUMP_IF_TRUE"):
                following.opname = "JUMP"
            else:
                following.set("NOP")
        elif following is not None and nextop == "IS_OP":
            _fold_is_none(instructions, index, consts[arg])
        elif following is not None and nextop == "RETURN_VALUE":
            instr.set("NOP")
            following.set("RETURN_CONST", arg)
            index += 1
        elif following is not None and nextop == "TO_BOOL":
            value = _truth(consts[arg])
            new_index = add_const(consts, value)
            instr.set("NOP")
            following.set("LOAD_CONST", new_index)
        index += 1


def _fold_is_none(instructions: list[Instruction], index: int, value: object) -> None:
    """Fold ``LOAD_CONST None; IS_OP; [TO_BOOL;] POP_JUMP_IF_*`` into one jump.

    The jump becomes ``POP_JUMP_IF_NONE`` or ``POP_JUMP_IF_NOT_NONE``; on
    3.12+ the ``TO_BOOL`` goes even when no jump follows.
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


def _fold_tuple_on_constants(
    instructions: list[Instruction], start: int, count: int, consts: list[object]
) -> None:
    """Replace ``count`` constant loads and a ``BUILD_TUPLE`` with one load."""
    loads = instructions[start : start + count]
    if not all(instr.opname in opcodes.CONST_USERS for instr in loads):
        return
    value = tuple(consts[instr.arg] for instr in loads)
    index = add_const(consts, value)
    for instr in loads:
        instr.set("NOP")
    instructions[start + count].set("LOAD_CONST", index)


def _jump_thread(
    block: Block, instr: Instruction, target: Instruction, opname: str
) -> bool:
    """Make *instr*, a jump to a jump, go to the second jump's target.

    3.12+ turns *instr* into ``NOP`` and appends a new jump with the second
    jump's location (and no exception handler); 3.11 retargets *instr* in
    place, and only when both jumps are on the same line.
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


def _swaptimize(instructions: list[Instruction], start: int) -> int:
    """Replace the run of ``SWAP``/``NOP`` at *start* by a shortest equivalent.

    Returns the index of the run's last instruction
    (``Python/flowgraph.c``, ``swaptimize``).
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


def _apply_static_swaps(instructions: list[Instruction], index: int) -> None:
    """Swap instructions instead of stack items where that is safe.

    ``SWAP 2; POP_TOP; STORE_FAST x`` becomes ``NOP; STORE_FAST x; POP_TOP``
    (``Python/flowgraph.c``, ``apply_static_swaps``).
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


def _optimize_basic_block(block: Block, consts: list[object]) -> None:
    """Run 3.12+'s peepholes over one block (``optimize_basic_block``)."""
    instructions = block.instructions
    i = 0
    while i < len(instructions):
        instr = instructions[i]
        opname, arg = instr.opname, instr.arg
        if opname in opcodes.HAS_TARGET:
            target_block = _target(instr)
            target = target_block.instructions[0] if target_block.instructions else _NOP
        else:
            target = _NOP
        following = instructions[i + 1] if i + 1 < len(instructions) else None
        nextop = following.opname if following is not None else ""
        if opname == "BUILD_TUPLE":
            if (
                following is not None
                and nextop == "UNPACK_SEQUENCE"
                and arg == following.arg
            ):
                if arg == 1:
                    instr.set("NOP")
                    following.set("NOP")
                    i += 1
                    continue
                if arg in (2, 3):
                    instr.set("NOP")
                    following.opname = "SWAP"
                    i += 1
                    continue
            if i >= arg:
                _fold_tuple_on_constants(instructions, i - arg, arg, consts)
        elif opname in (
            "POP_JUMP_IF_NOT_NONE",
            "POP_JUMP_IF_NONE",
            "POP_JUMP_IF_FALSE",
            "POP_JUMP_IF_TRUE",
        ):
            if target.opname == "JUMP":
                i -= _jump_thread(block, instr, target, opname)
        elif opname in ("JUMP", "JUMP_NO_INTERRUPT"):
            if target.opname == "JUMP":
                i -= _jump_thread(block, instr, target, "JUMP")
                i += 1
                continue
            if target.opname == "JUMP_NO_INTERRUPT":
                i -= _jump_thread(block, instr, target, opname)
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
            i = _swaptimize(instructions, i)
            _apply_static_swaps(instructions, i)
        i += 1


def remove_unused_consts(graph: ControlFlowGraph, consts: list[object]) -> None:
    """Drop the constants no instruction uses, renumbering the rest (3.12+).

    The first constant stays whatever happens: it may be the docstring.
    """
    if not consts:
        return
    used = {0}
    for instr in graph.instructions():
        if instr.opname in opcodes.CONST_USERS:
            used.add(instr.arg)
    if len(used) == len(consts):
        return
    kept = sorted(used)
    renumber = {old: new for new, old in enumerate(kept)}
    consts[:] = [consts[old] for old in kept]
    for instr in graph.instructions():
        if instr.opname in opcodes.CONST_USERS:
            instr.arg = renumber[instr.arg]


# -- locals that may be unbound -------------------------------------------------


_MAKES_UNSAFE = frozenset(
    {"DELETE_FAST", "LOAD_FAST_AND_CLEAR", "STORE_FAST_MAYBE_NULL"}
)


def _scan_block_for_locals(block: Block, todo: list[Block]) -> None:
    unsafe = block.unsafe_locals
    for instr in block.instructions:
        if instr.handler is not None:
            _maybe_push(instr.handler, unsafe, todo)
        if instr.arg >= 64:
            continue
        bit = 1 << instr.arg
        name = instr.opname
        if name in _MAKES_UNSAFE:
            unsafe |= bit
        elif name in ("STORE_FAST", "LOAD_FAST_CHECK"):
            unsafe &= ~bit
        elif name == "LOAD_FAST":
            if unsafe & bit:
                instr.opname = "LOAD_FAST_CHECK"
            unsafe &= ~bit
    following = block.next
    if following is not None and block.has_fallthrough():
        _maybe_push(following, unsafe, todo)
    last = block.last()
    if last is not None and _is_jump(last):
        _maybe_push(_target(last), unsafe, todo)


def _maybe_push(block: Block, unsafe: int, todo: list[Block]) -> None:
    both = block.unsafe_locals | unsafe
    if block.unsafe_locals != both:
        block.unsafe_locals = both
        if not block.visited:
            todo.append(block)
            block.visited = True


def _fast_scan_many_locals(graph: ControlFlowGraph, nlocals: int) -> None:
    """Check locals past the 64th one block at a time (no flow between blocks)."""
    states = [0] * (nlocals - 64)
    number = 0
    for block in graph:
        number += 1
        for instr in block.instructions:
            if instr.arg < 64:
                continue
            slot = instr.arg - 64
            name = instr.opname
            if name in _MAKES_UNSAFE:
                states[slot] = number - 1
            elif name == "STORE_FAST":
                states[slot] = number
            elif name == "LOAD_FAST":
                if states[slot] != number:
                    instr.opname = "LOAD_FAST_CHECK"
                states[slot] = number


def _add_checks_for_loads_of_uninitialized_variables(
    graph: ControlFlowGraph, nlocals: int, nparams: int
) -> None:
    """Turn ``LOAD_FAST`` into ``LOAD_FAST_CHECK`` where the local may be unbound.

    A data-flow pass over the first 64 locals, with one bit per local: set
    where the local may be unbound (at entry, for all but the parameters;
    after ``DELETE_FAST``…), cleared by a store or a checked load
    (``Python/flowgraph.c``, ``add_checks_for_loads_of_uninitialized_variables``).
    """
    if nlocals == 0:
        return
    if nlocals > 64:
        _fast_scan_many_locals(graph, nlocals)
        nlocals = 64
    for block in graph:
        block.visited = False
        block.unsafe_locals = 0
    todo: list[Block] = []
    start = 0
    for i in range(nparams, nlocals):
        start |= 1 << i
    _maybe_push(graph.entry, start, todo)
    for block in graph:
        _scan_block_for_locals(block, todo)
    while todo:
        block = todo.pop()
        block.visited = False
        _scan_block_for_locals(block, todo)


# -- superinstructions ----------------------------------------------------------


_SUPERINSTRUCTIONS = {
    ("LOAD_FAST", "LOAD_FAST"): "LOAD_FAST_LOAD_FAST",
    ("STORE_FAST", "LOAD_FAST"): "STORE_FAST_LOAD_FAST",
    ("STORE_FAST", "STORE_FAST"): "STORE_FAST_STORE_FAST",
}


def _insert_superinstructions(graph: ControlFlowGraph) -> None:
    """Fuse pairs of fast-local accesses on the same line into one instruction.

    Both arguments must fit in four bits; they are packed high and low
    (``Python/flowgraph.c``, ``insert_superinstructions``).
    """
    for block in graph:
        instructions = block.instructions
        for first, second in itertools.pairwise(instructions):
            fused = _SUPERINSTRUCTIONS.get((first.opname, second.opname))
            if fused is None:
                continue
            line1, line2 = first.lineno, second.lineno
            if line1 >= 0 and line2 >= 0 and line1 != line2:
                continue
            if first.arg >= 16 or second.arg >= 16:
                continue
            first.set(fused, first.arg << 4 | second.arg)
            second.set("NOP")
    remove_redundant_nops(graph)


# -- cold blocks ----------------------------------------------------------------


def _mark_warm(graph: ControlFlowGraph) -> None:
    _reset_visited(graph)
    entry = graph.entry
    entry.visited = True
    stack = [entry]
    while stack:
        block = stack.pop()
        block.warm = True
        following = block.next
        if following is not None and block.has_fallthrough() and not following.visited:
            following.visited = True
            stack.append(following)
        for instr in block.instructions:
            if _is_jump(instr) and not _target(instr).visited:
                _target(instr).visited = True
                stack.append(_target(instr))


def _mark_cold(graph: ControlFlowGraph) -> None:
    """Mark the blocks reached only from exception handlers as cold."""
    _mark_warm(graph)
    _reset_visited(graph)
    stack = []
    for block in graph:
        if block.except_handler:
            block.visited = True
            stack.append(block)
    while stack:
        block = stack.pop()
        block.cold = True
        following = block.next
        if (
            following is not None
            and block.has_fallthrough()
            and not following.warm
            and not following.visited
        ):
            following.visited = True
            stack.append(following)
        for instr in block.instructions:
            if _is_jump(instr):
                target = _target(instr)
                if not target.warm and not target.visited:
                    target.visited = True
                    stack.append(target)


def _push_cold_blocks_to_end(graph: ControlFlowGraph) -> None:
    """Move the cold blocks after the warm ones, keeping each group's order.

    A cold block that fell through into a warm one gets an explicit
    ``JUMP_NO_INTERRUPT`` first (``Python/flowgraph.c``,
    ``push_cold_blocks_to_end``).
    """
    if graph.entry.next is None:
        return
    _mark_cold(graph)
    for block in graph:
        following = block.next
        if (
            block.cold
            and block.has_fallthrough()
            and following is not None
            and following.warm
        ):
            jump = graph.new_block()
            following.labelled = True
            jump.instructions.append(
                Instruction("JUMP_NO_INTERRUPT", 0, NO_LOCATION, target=following)
            )
            jump.cold = True
            jump.next = following
            jump.predecessors = 1
            block.next = jump
    cold_head: Block | None = None
    cold_tail: Block | None = None
    block = graph.entry
    while block.next is not None:
        while block.next is not None and not block.next.cold:
            block = block.next
        if block.next is None:
            break
        end = block.next
        while end.next is not None and end.next.cold:
            end = end.next
        if cold_head is None:
            cold_head = block.next
        else:
            assert cold_tail is not None
            cold_tail.next = block.next
        cold_tail = end
        block.next = end.next
        end.next = None
    block.next = cold_head
    if cold_head is not None:
        _remove_redundant_nops_and_jumps(graph)


# -- the 3.12+ pipeline ---------------------------------------------------------


def _check_cfg(graph: ControlFlowGraph) -> None:
    for block in graph:
        for instr in block.instructions[:-1]:
            if instr.opname in opcodes.TERMINATORS:
                raise ValueError("malformed control flow graph")


def optimize_code_unit(
    graph: ControlFlowGraph,
    consts: list[object],
    *,
    nlocals: int,
    nparams: int,
    firstlineno: int,
) -> None:
    """Optimize *graph* in place as 3.12+'s ``_PyCfg_OptimizeCodeUnit`` does.

    *consts* is the constants list, extended by folding and then trimmed of
    unused entries; *nlocals* counts the local variables, of which the first
    *nparams* are parameters (bound on entry).
    """
    mark_except_handlers(graph)
    label_exception_targets(graph)
    _check_cfg(graph)
    _inline_small_or_no_lineno_blocks(graph)
    remove_unreachable(graph)
    resolve_line_numbers(graph)
    for block in graph:
        _optimize_load_const(block, consts)
    for block in graph:
        _optimize_basic_block(block, consts)
    _remove_redundant_nops_and_pairs(graph)
    remove_unreachable(graph)
    _remove_redundant_nops_and_jumps(graph)
    remove_unused_consts(graph, consts)
    _add_checks_for_loads_of_uninitialized_variables(graph, nlocals, nparams)
    _insert_superinstructions(graph)
    _push_cold_blocks_to_end(graph)
    resolve_line_numbers(graph)


# -- after the stack depth: locals, pseudo-instructions, jump directions --------


_DEREF_USERS = frozenset(
    {
        "MAKE_CELL",
        "LOAD_CLOSURE",
        "LOAD_DEREF",
        "STORE_DEREF",
        "DELETE_DEREF",
        "LOAD_FROM_DICT_OR_DEREF",
        "LOAD_CLASSDEREF",
    }
)


def _cell_offsets(
    varnames: list[str], cellvars: list[str], freevars: list[str]
) -> list[int]:
    """Return, for each cell then free variable, its slot among the fast locals.

    A cell that is also a parameter shares the parameter's slot; the others
    follow the locals, in order (``build_cellfixedoffsets``).
    """
    nlocals = len(varnames)
    offsets = [nlocals + i for i in range(len(cellvars) + len(freevars))]
    for index, name in enumerate(cellvars):
        if name in varnames:
            offsets[index] = varnames.index(name)
    return offsets


def prepare_localsplus(
    graph: ControlFlowGraph,
    *,
    varnames: list[str],
    cellvars: list[str],
    freevars: list[str],
    flags: int,
    firstlineno: int,
) -> int:
    """Add the prefix instructions and renumber cells; return the frame's slots.

    The prefix, in order: ``COPY_FREE_VARS`` (closures), one ``MAKE_CELL``
    per cell variable in slot order, and ``RETURN_GENERATOR``; ``POP_TOP`` for
    generators and coroutines. Arguments of the ``*_DEREF`` family count
    cells then free variables on entry and fast-local slots on return
    (``insert_prefix_instructions``, ``fix_cell_offsets``).
    """
    offsets = _cell_offsets(varnames, cellvars, freevars)
    nlocals = len(varnames)
    entry = graph.entry.instructions
    if flags & _GENERATOR_FLAGS:
        if sys.version_info >= (3, 12):
            where = Location(firstlineno, firstlineno, -1, -1)
            entry[0:0] = [
                Instruction("RETURN_GENERATOR", 0, where),
                Instruction("POP_TOP", 0, where),
            ]
        else:
            entry[0:0] = [
                Instruction(
                    "RETURN_GENERATOR", 0, Location(firstlineno, firstlineno, -1, -1)
                ),
                Instruction("POP_TOP", 0, NO_LOCATION),
            ]
    by_slot = sorted(range(len(cellvars)), key=lambda index: offsets[index])
    entry[0:0] = [Instruction("MAKE_CELL", index) for index in by_slot]
    if freevars:
        entry.insert(0, Instruction("COPY_FREE_VARS", len(freevars)))
    dropped = 0
    for index, offset in enumerate(offsets):
        if offset == index + nlocals:
            offsets[index] -= dropped
        else:
            dropped += 1
    for instr in graph.instructions():
        if instr.opname in _DEREF_USERS:
            instr.arg = offsets[instr.arg]
    return nlocals + len(cellvars) + len(freevars) - dropped


def convert_pseudo_ops(graph: ControlFlowGraph) -> None:
    """Turn the remaining pseudo-instructions into real ones (3.12+).

    Handler setups become ``NOP`` (then vanish unless they carry a line),
    ``LOAD_CLOSURE`` becomes ``LOAD_FAST`` and ``STORE_FAST_MAYBE_NULL``
    becomes ``STORE_FAST``; jumps keep their pseudo names until the layout
    tells their direction.
    """
    for instr in graph.instructions():
        if instr.opname in opcodes.BLOCK_PUSHES:
            instr.set("NOP")
        elif instr.opname == "LOAD_CLOSURE":
            instr.opname = "LOAD_FAST"
        elif instr.opname == "STORE_FAST_MAYBE_NULL":
            instr.opname = "STORE_FAST"
    _remove_redundant_nops_and_jumps(graph)


_REVERSED = {
    "POP_JUMP_IF_NOT_NONE": "POP_JUMP_IF_NONE",
    "POP_JUMP_IF_NONE": "POP_JUMP_IF_NOT_NONE",
    "POP_JUMP_IF_FALSE": "POP_JUMP_IF_TRUE",
    "POP_JUMP_IF_TRUE": "POP_JUMP_IF_FALSE",
}


def normalize_jumps(graph: ControlFlowGraph) -> None:
    """Make every jump's direction explicit in its name (or its shape).

    3.12+: a conditional jump backwards becomes the opposite condition
    jumping forward over a new block holding a backward ``JUMP``. 3.11: each
    direction-less jump takes its ``FORWARD`` or ``BACKWARD`` name, backward
    meaning its target comes at or before it in the layout.
    """
    _reset_visited(graph)
    block: Block | None = graph.entry
    while block is not None:
        block.visited = True
        last = block.last()
        if last is not None and _is_jump(last):
            forward = not _target(last).visited
            if sys.version_info >= (3, 12):
                if last.opname not in opcodes.UNCONDITIONAL_JUMPS and not forward:
                    _reverse_backward_jump(graph, block, last)
            else:
                last.opname = _directed_311(last.opname, forward)
        block = block.next


def _reverse_backward_jump(
    graph: ControlFlowGraph, block: Block, last: Instruction
) -> None:
    jump = graph.new_block()
    jump.instructions.append(Instruction("JUMP", 0, last.location, target=last.target))
    last.opname = _REVERSED.get(last.opname, "")
    last.target = block.next
    jump.cold = block.cold
    jump.next = block.next
    block.next = jump


def _directed_311(opname: str, forward: bool) -> str:
    if opname == "JUMP":
        return "JUMP_FORWARD" if forward else "JUMP_BACKWARD"
    if opname == "JUMP_NO_INTERRUPT":
        return "JUMP_FORWARD" if forward else "JUMP_BACKWARD_NO_INTERRUPT"
    if opname.startswith("POP_JUMP_IF_"):
        return opname.replace(
            "POP_JUMP_", "POP_JUMP_FORWARD_" if forward else "POP_JUMP_BACKWARD_"
        )
    return opname
