"""The optimizer of the control-flow graph as CPython 3.11 runs it.

3.11 keeps its optimizer at the end of ``Python/compile.c`` (``assemble``
and the functions it calls). It does less than 3.12+
(:mod:`~pyinternals.compiler.flowgraph`) and in another order:

1. check the blocks and point jumps past empty blocks
   (``normalize_basic_block``); replace a ``JUMP`` to a small exit block by
   a copy of it (``extend_block``);
2. add the prefix instructions (``COPY_FREE_VARS``, ``MAKE_CELL``,
   ``RETURN_GENERATOR``) *before* optimizing, and renumber cells;
3. per block, the peepholes of ``optimize_basic_block``: constant
   conditions, ``is None`` tests, constant tuples, ``SWAP`` runs,
   ``PUSH_NULL; LOAD_GLOBAL``, and jump threading, which 3.11 allows only
   between jumps on the same line; then dead blocks go, empty blocks leave
   the layout, and jumps to the next block become ``NOP``;
4. line numbers: exits without one are duplicated per jump, locations
   propagate forward, and an exit that still has no line gets the line of
   the last exit before it (``guarantee_lineno_for_exits``);
5. only the *trailing* unused constants are dropped;
6. after the stack depth is known, the exception table is labelled, the
   handler pseudo-instructions become ``NOP``, and every jump takes its
   ``FORWARD`` or ``BACKWARD`` name from the layout.

Several 3.11 passes walk the blocks in reverse order of creation (CPython's
``b_list``); :meth:`~pyinternals.compiler.cfg.ControlFlowGraph.newest_first`
gives that order.

>>> import sys
>>> from pyinternals.compiler.cfg import build
>>> from pyinternals.compiler.instructions import CodeUnit, Instr, Location
>>> here = Location(1, 1, 0, 4)
>>> unit = CodeUnit("f", "f", "<demo>")
>>> graph = build([Instr("LOAD_CONST", 0, here), Instr("RETURN_VALUE", None, here)])
>>> if sys.version_info < (3, 12):
...     print(optimize_code_unit(graph, [None], unit))
... else:
...     print(1)
1
"""

from __future__ import annotations

from pyinternals.compiler import opcodes
from pyinternals.compiler.cfg import Block, ControlFlowGraph, Instruction
from pyinternals.compiler.flowgraph import (
    copy_exit_for_jump,
    is_exit_without_lineno,
    label_exception_targets,
    locate_fallthrough_exits,
    normalize_jumps,
    prepare_unit_localsplus,
    propagate_line_numbers,
    remove_redundant_nops_in_block,
)
from pyinternals.compiler.instructions import CodeUnit, Location
from pyinternals.compiler.peephole import (
    apply_static_swaps,
    fold_is_none,
    fold_tuple_on_constants,
    jump_thread,
    swaptimize,
    unpack_built_tuple,
)
from pyinternals.compiler.stackdepth import calculate_stackdepth

__all__ = ["optimize_code_unit"]

_GENERATOR_FLAGS = 0x20 | 0x80 | 0x200
_MAX_COPY_SIZE = 4
_NOP = Instruction("NOP")


def _skip_empty(block: Block) -> Block:
    while not block.instructions and block.next is not None:
        block = block.next
    return block


def _normalize_basic_block(block: Block) -> None:
    """Refuse a jump or exit before the end; point jumps past empty blocks."""
    for instr in block.instructions[:-1]:
        if instr.opname in opcodes.TERMINATORS:
            raise ValueError("malformed control flow graph")
    last = block.last()
    if last is not None and last.is_jump:
        last.target = _skip_empty(last.jump_target())


def _extend_block(block: Block) -> None:
    """Replace a ``JUMP`` to a small exit block without line numbers by a copy.

    An exit with a line of its own (``return x``) stays shared: copying it
    would change nothing a line event could see, 3.11 leaves it.
    """
    last = block.last()
    if last is None or last.opname != "JUMP":
        return
    target = last.jump_target()
    if is_exit_without_lineno(target) and len(target.instructions) <= _MAX_COPY_SIZE:
        last.set("NOP")
        block.instructions += [instr.copy() for instr in target.instructions]


def _optimize_basic_block(block: Block, consts: list[object]) -> None:
    """Run 3.11's peepholes over one block."""
    instructions = block.instructions
    i = 0
    while i < len(instructions):
        instr = instructions[i]
        opname, arg = instr.opname, instr.arg
        following = instructions[i + 1] if i + 1 < len(instructions) else None
        nextop = following.opname if following is not None else ""
        target = _NOP
        if instr.target is not None and opname in opcodes.HAS_TARGET:
            instr.target = _skip_empty(instr.target)
            if instr.target.instructions:
                target = instr.target.instructions[0]
        if opname == "LOAD_CONST" and following is not None:
            _fold_constant_test(instructions, i, consts)
        elif opname == "BUILD_TUPLE":
            if unpack_built_tuple(instructions, i):
                i += 1
                continue
            if i >= arg:
                fold_tuple_on_constants(instructions, i - arg, arg, consts)
        elif opname in ("JUMP_IF_FALSE_OR_POP", "JUMP_IF_TRUE_OR_POP"):
            i -= _thread_short_circuit(block, instr, target)
        elif opname in (
            "POP_JUMP_IF_NOT_NONE",
            "POP_JUMP_IF_NONE",
            "POP_JUMP_IF_FALSE",
            "POP_JUMP_IF_TRUE",
            "JUMP",
        ):
            if target.opname == "JUMP":
                i -= jump_thread(block, instr, target, opname)
        elif opname == "SWAP":
            if arg == 1:
                instr.set("NOP")
            else:
                i = swaptimize(instructions, i)
                apply_static_swaps(instructions, i)
        elif (
            opname == "PUSH_NULL"
            and following is not None
            and nextop == "LOAD_GLOBAL"
            and following.arg & 1 == 0
        ):
            instr.set("NOP")
            following.arg |= 1
        i += 1


def _fold_constant_test(
    instructions: list[Instruction], index: int, consts: list[object]
) -> None:
    """Decide at compile time a test of the constant that *index* loads."""
    load, following = instructions[index], instructions[index + 1]
    nextop = following.opname
    value = consts[load.arg]
    if nextop in ("POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE"):
        load.set("NOP")
        if bool(value) == (nextop == "POP_JUMP_IF_TRUE"):
            following.opname = "JUMP"
        else:
            following.set("NOP")
    elif nextop in ("JUMP_IF_FALSE_OR_POP", "JUMP_IF_TRUE_OR_POP"):
        if bool(value) == (nextop == "JUMP_IF_TRUE_OR_POP"):
            following.opname = "JUMP"
        else:
            load.set("NOP")
            following.set("NOP")
    elif nextop == "IS_OP":
        fold_is_none(instructions, index, value)


def _thread_short_circuit(block: Block, instr: Instruction, target: Instruction) -> int:
    """Thread ``JUMP_IF_*_OR_POP`` through the test it jumps to.

    Returns 1 if *instr* changed, so that it is looked at again. Into a test
    of the same sense, or a ``JUMP``, the jump goes on to that test's target;
    into the opposite test on the same line, the value is known to fail it,
    so *instr* pops the value and jumps just past that test.
    """
    same = "FALSE" if "FALSE" in instr.opname else "TRUE"
    other = "TRUE" if same == "FALSE" else "FALSE"
    if target.opname == f"POP_JUMP_IF_{same}":
        return int(jump_thread(block, instr, target, f"POP_JUMP_IF_{same}"))
    if target.opname in ("JUMP", instr.opname):
        return int(jump_thread(block, instr, target, instr.opname))
    opposite = (f"JUMP_IF_{other}_OR_POP", f"POP_JUMP_IF_{other}")
    if target.opname in opposite and instr.lineno == target.lineno:
        instr.opname = f"POP_JUMP_IF_{same}"
        instr.target = instr.jump_target().next
        return 1
    return 0


def _mark_reachable(graph: ControlFlowGraph) -> None:
    """Count the predecessors of each block reachable from the entry."""
    for block in graph.allocated:
        block.predecessors = 0
    entry = graph.entry
    entry.predecessors = 1
    stack = [entry]
    while stack:
        block = stack.pop()
        following = block.next
        if following is not None and block.has_fallthrough():
            if following.predecessors == 0:
                stack.append(following)
            following.predecessors += 1
        for instr in block.instructions:
            if instr.target is not None and instr.opname in opcodes.HAS_TARGET:
                if instr.target.predecessors == 0:
                    stack.append(instr.target)
                instr.target.predecessors += 1


def _eliminate_empty_basic_blocks(graph: ControlFlowGraph) -> None:
    """Take empty blocks out of the layout and point jumps past them."""
    for block in graph:
        following = block.next
        if following is not None:
            while not following.instructions and following.next is not None:
                following = following.next
            block.next = following
    for block in graph:
        last = block.last()
        if last is not None and last.is_jump:
            last.target = _skip_empty(last.jump_target())
        for instr in block.instructions:
            if instr.opname in opcodes.BLOCK_PUSHES and instr.target is not None:
                instr.target = _skip_empty(instr.target)


def _optimize_cfg(graph: ControlFlowGraph, consts: list[object]) -> None:
    """3.11's ``optimize_cfg``: peepholes, copies of exits, dead code, jumps."""
    for block in graph:
        _optimize_basic_block(block, consts)
        remove_redundant_nops_in_block(block)
    for block in graph.newest_first():
        _extend_block(block)
    _mark_reachable(graph)
    for block in graph:
        if block.predecessors == 0:
            block.instructions.clear()
    _eliminate_empty_basic_blocks(graph)
    for block in graph:
        remove_redundant_nops_in_block(block)
    removed = False
    for block in graph:
        last = block.last()
        if (
            last is not None
            and last.opname in ("JUMP", "JUMP_NO_INTERRUPT")
            and last.target is block.next
        ):
            last.set("NOP")
            removed = True
    if removed:
        _eliminate_empty_basic_blocks(graph)


def _duplicate_exits_without_lineno(graph: ControlFlowGraph) -> None:
    """Copy line-less exits reached by several jumps, one copy per jump."""
    for block in graph.newest_first():
        last = block.last()
        if last is None or not last.is_jump:
            continue
        target = last.jump_target()
        if is_exit_without_lineno(target) and target.predecessors > 1:
            copy_exit_for_jump(graph, last, target)
    for block in graph.newest_first():
        while block.next is not None and not block.next.instructions:
            block.next = block.next.next
    locate_fallthrough_exits(graph.newest_first(), is_exit_without_lineno)


def _trim_unused_consts(graph: ControlFlowGraph, consts: list[object]) -> None:
    """Drop the constants after the last one used (the first always stays)."""
    used = max(
        (
            instr.arg
            for instr in graph.instructions()
            if instr.opname in opcodes.CONST_USERS
        ),
        default=0,
    )
    del consts[used + 1 :]


def _guarantee_lineno_for_exits(graph: ControlFlowGraph, firstlineno: int) -> None:
    """Give a line to returns that still have none: the last exit's line."""
    lineno = firstlineno
    for block in graph:
        last = block.last()
        if last is None:
            continue
        if last.lineno < 0:
            if last.opname == "RETURN_VALUE":
                for instr in block.instructions:
                    old = instr.location
                    instr.location = Location(
                        lineno, old.end_lineno, old.col_offset, old.end_col_offset
                    )
        else:
            lineno = last.lineno


def optimize_code_unit(
    graph: ControlFlowGraph, consts: list[object], unit: CodeUnit
) -> int:
    """Optimize *graph* in place as 3.11's ``assemble`` does; return the stack size.

    *consts* is the constants list, extended by folding and trimmed at the
    end. On return the graph is final: prefix added, cells renumbered,
    exception handlers recorded, jumps named by direction. See the module's
    example.
    """
    for block in graph.newest_first():
        _normalize_basic_block(block)
    for block in graph.newest_first():
        _extend_block(block)
    prepare_unit_localsplus(graph, unit)
    _optimize_cfg(graph, consts)
    _duplicate_exits_without_lineno(graph)
    _trim_unused_consts(graph, consts)
    propagate_line_numbers(graph)
    _guarantee_lineno_for_exits(graph, unit.firstlineno)
    stacksize = calculate_stackdepth(
        graph, start=1 if unit.flags & _GENERATOR_FLAGS else 0
    )
    label_exception_targets(graph)
    for instr in graph.instructions():
        if instr.opname in opcodes.BLOCK_PUSHES or instr.opname == "POP_BLOCK":
            instr.set("NOP")
    for block in graph:
        remove_redundant_nops_in_block(block)
    normalize_jumps(graph)
    return stacksize
