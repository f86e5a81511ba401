r"""The optimizer of the control-flow graph, as CPython 3.13 runs it.

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
   ``SWAP`` are shortened, ``TO_BOOL`` after a comparison is folded…
   (:mod:`~pyinternals.compiler.peephole`);
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
from collections.abc import Callable, Iterable

from pyinternals.compiler import opcodes, peephole
from pyinternals.compiler.cfg import Block, ControlFlowGraph, Instruction
from pyinternals.compiler.instructions import NO_LOCATION, CodeUnit, Location

__all__ = [
    "convert_pseudo_ops",
    "copy_exit_for_jump",
    "is_exit_without_lineno",
    "label_exception_targets",
    "locate_fallthrough_exits",
    "mark_except_handlers",
    "normalize_jumps",
    "optimize_code_unit",
    "prepare_localsplus",
    "prepare_unit_localsplus",
    "propagate_line_numbers",
    "remove_redundant_nops",
    "remove_redundant_nops_in_block",
    "remove_unreachable",
    "remove_unused_consts",
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

# -- small helpers ------------------------------------------------------------


def _next_nonempty(block: Block | None) -> Block | None:
    """Return *block* or the first block after it that has instructions."""
    while block is not None and not block.instructions:
        block = block.next
    return block


def _reset_visited(graph: ControlFlowGraph) -> None:
    for block in graph:
        block.visited = False


# -- exception handlers ---------------------------------------------------------


def mark_except_handlers(graph: ControlFlowGraph) -> None:
    """Mark the blocks that a ``SETUP_*`` names as exception handlers.

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr, Label
    >>> handler = Label()
    >>> graph = build([Instr("SETUP_FINALLY", handler), Instr("RETURN_VALUE", None),
    ...                handler, Instr("RERAISE", 0)])
    >>> mark_except_handlers(graph)
    >>> [block.except_handler for block in graph]
    [False, True]
    """
    for instr in graph.instructions():
        if instr.opname in opcodes.BLOCK_PUSHES:
            instr.jump_target().except_handler = True


def label_exception_targets(graph: ControlFlowGraph) -> None:
    """Record in each instruction the handler that catches an exception there.

    A depth-first walk carries the stack of active handlers into each block:
    a ``SETUP_*`` pushes its target (and marks whether the handler wants the
    offset of the raising instruction, ``SETUP_WITH`` and ``SETUP_CLEANUP``),
    ``POP_BLOCK`` pops it and becomes ``NOP``. On 3.12+ a ``RESUME`` after a
    ``yield`` inside exactly one handler gets a flag in its argument
    (``Python/flowgraph.c``, ``label_exception_targets``).

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr, Label
    >>> handler = Label()
    >>> graph = build([Instr("SETUP_CLEANUP", handler), Instr("LOAD_FAST", 0),
    ...                Instr("POP_BLOCK", None), Instr("RETURN_VALUE", None),
    ...                handler, Instr("RERAISE", 0)])
    >>> label_exception_targets(graph)
    >>> body, cleanup = graph
    >>> body.instructions[1].handler is cleanup, cleanup.preserve_lasti
    (True, True)
    >>> body.instructions[3].handler is None
    True
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
                target = instr.jump_target()
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
            elif instr.is_jump:
                instr.handler = handler
                target = instr.jump_target()
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

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr
    >>> graph = build([Instr("RETURN_VALUE", None), Instr("NOP", None),
    ...                Instr("RETURN_VALUE", None)])
    >>> remove_unreachable(graph)
    >>> [len(block.instructions) for block in graph]
    [1, 0]
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
            if instr.is_jump or instr.opname in opcodes.BLOCK_PUSHES:
                target = instr.jump_target()
                if not target.visited:
                    target.visited = True
                    stack.append(target)
                target.predecessors += 1
    for block in graph:
        if block.predecessors == 0:
            block.instructions.clear()
            block.except_handler = False


def remove_redundant_nops_in_block(block: Block) -> int:
    r"""Drop the ``NOP``\\ s of *block* that no line event needs; return how many.

    A ``NOP`` stays only when it is the sole instruction of its line here
    (``Python/flowgraph.c``, ``basicblock_remove_redundant_nops``).

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr, Location
    >>> one, two = Location(1, 1, 0, 4), Location(2, 2, 0, 4)
    >>> graph = build([Instr("NOP", None, one), Instr("NOP", None, two),
    ...                Instr("RETURN_VALUE", None, two)])
    >>> remove_redundant_nops_in_block(graph.entry)
    1
    >>> [(i.opname, i.lineno) for i in graph.entry.instructions]
    [('NOP', 1), ('RETURN_VALUE', 2)]
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
    r"""Drop redundant ``NOP``\\ s in every block; return how many went.

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr
    >>> remove_redundant_nops(build([Instr("NOP", None), Instr("RETURN_VALUE", None)]))
    1
    """
    return sum(remove_redundant_nops_in_block(block) for block in graph)


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
            remove_redundant_nops_in_block(block)
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
            if (instr is not None and instr.is_jump) or not block.has_fallthrough():
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
            target = last.jump_target()
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


def is_exit_without_lineno(block: Block) -> bool:
    """Return whether *block* leaves the code object and no line is known in it.

    Such an exit would report a wrong line in a traceback if it were shared
    by paths from different lines: it is the one kind of block worth copying.

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr
    >>> is_exit_without_lineno(build([Instr("RETURN_VALUE", None)]).entry)
    True
    """
    return block.exits_scope() and block.has_no_lineno()


def _is_exit_or_eval_check_without_lineno(block: Block) -> bool:
    if block.exits_scope() or any(
        instr.opname in opcodes.EVAL_BREAKS for instr in block.instructions
    ):
        return block.has_no_lineno()
    return False


def copy_exit_for_jump(
    graph: ControlFlowGraph, jump: Instruction, exit: Block
) -> Block:
    """Give *jump* a copy of the block *exit* of its own; return the copy.

    The copy is placed right after *exit* and its first instruction takes the
    jump's location; *exit* loses the jump as a predecessor. This is how
    ``duplicate_exits_without_lineno`` (``Python/flowgraph.c``, and 3.11's
    ``Python/compile.c``) gives a line-less exit reached by several jumps a
    line per jump.

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr, Label
    >>> end, here = Label(), Location(7, 7, 0, 4)
    >>> graph = build([Instr("JUMP", end, here), end, Instr("RETURN_VALUE", None)])
    >>> jump = graph.entry.last()
    >>> exit = jump.target
    >>> copy = copy_exit_for_jump(graph, jump, exit)
    >>> jump.target is copy, exit.next is copy, copy.instructions[0].location.lineno
    (True, True, 7)
    """
    copy = graph.new_block()
    copy.instructions = [instr.copy() for instr in exit.instructions]
    copy.instructions[0].location = jump.location
    jump.target = copy
    exit.predecessors -= 1
    copy.predecessors = 1
    copy.next = exit.next
    exit.next = copy
    return copy


def locate_fallthrough_exits(
    blocks: Iterable[Block], is_exit: Callable[[Block], bool]
) -> None:
    """Give each exit that a block of *blocks* falls into that block's last line.

    *is_exit* picks the blocks that need it (an exit without a line number,
    say); the location of the falling block's last instruction goes on the
    exit's first. The second half of ``duplicate_exits_without_lineno``
    (``Python/flowgraph.c``).

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr, Label
    >>> here, other = Location(3, 3, 0, 1), Label()
    >>> graph = build([
    ...     Instr("LOAD_CONST", 0, here), Instr("POP_JUMP_IF_TRUE", other, here),
    ...     Instr("RETURN_VALUE", None),
    ...     other, Instr("RETURN_VALUE", None, here),
    ... ])
    >>> locate_fallthrough_exits(graph, lambda block: block is not graph.entry)
    >>> [i.location.lineno for i in graph.instructions()]
    [3, 3, 3, 3]
    """
    for block in blocks:
        following = block.next
        if (
            block.has_fallthrough()
            and following is not None
            and block.instructions
            and is_exit(following)
        ):
            following.instructions[0].location = block.instructions[-1].location


def _duplicate_exits_without_lineno(graph: ControlFlowGraph) -> None:
    """Give every exit without a line number a single predecessor.

    An exit block that several jumps reach and that has no line number is
    copied for each extra jump, and the copy takes the jump's location; an
    exit reached by falling through takes the location of the instruction
    before it (``Python/flowgraph.c``, ``duplicate_exits_without_lineno``).
    """
    for block in graph:
        last = block.last()
        if last is None or not last.is_jump:
            continue
        target = _next_nonempty(last.target)
        if target is None or not _is_exit_or_eval_check_without_lineno(target):
            continue
        if target.predecessors > 1:
            copy_exit_for_jump(graph, last, target).labelled = True
    locate_fallthrough_exits(graph, _is_exit_or_eval_check_without_lineno)


def propagate_line_numbers(graph: ControlFlowGraph) -> None:
    """Give instructions without a location the location before them.

    Within a block each one takes its predecessor's; the first instruction
    of a block with a single predecessor takes the location its predecessor
    ended with (``Python/flowgraph.c``, ``propagate_line_numbers``).

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr, Location
    >>> graph = build([Instr("LOAD_CONST", 0, Location(3, 3, 4, 5)),
    ...                Instr("RETURN_VALUE", None)])
    >>> propagate_line_numbers(graph)
    >>> graph.entry.instructions[1].location
    Location(lineno=3, end_lineno=3, col_offset=4, end_col_offset=5)
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
        if last.is_jump:
            target = last.jump_target()
            if (
                target.predecessors == 1
                and target.instructions
                and target.instructions[0].lineno < 0
            ):
                target.instructions[0].location = previous


def resolve_line_numbers(graph: ControlFlowGraph) -> None:
    """Duplicate line-less exits, then propagate locations (3.12+).

    Each jump to a shared exit without a line gets its own copy, located
    where the jump is, so that the line a frame ends on is always known.

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr, Label, Location
    >>> done = Label()
    >>> graph = build([Instr("LOAD_FAST", 0, Location(2, 2, 7, 8)),
    ...                Instr("POP_JUMP_IF_TRUE", done, Location(2, 2, 7, 8)),
    ...                Instr("JUMP", done, Location(3, 3, 8, 12)),
    ...                done, Instr("RETURN_VALUE", None)])
    >>> remove_unreachable(graph)
    >>> resolve_line_numbers(graph)
    >>> [block.instructions[0].lineno for block in graph]
    [2, 3, 3, 2]
    """
    _duplicate_exits_without_lineno(graph)
    propagate_line_numbers(graph)


def remove_unused_consts(graph: ControlFlowGraph, consts: list[object]) -> None:
    """Drop the constants no instruction uses, renumbering the rest (3.12+).

    The first constant stays whatever happens: it may be the docstring.

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr
    >>> graph = build([Instr("LOAD_CONST", 2), Instr("RETURN_VALUE", None)])
    >>> consts = ["doc", "unused", "used"]
    >>> remove_unused_consts(graph, consts)
    >>> consts, graph.entry.instructions[0].arg
    (['doc', 'used'], 1)
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
    if last is not None and last.is_jump:
        _maybe_push(last.jump_target(), unsafe, todo)


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
            if instr.is_jump and not instr.jump_target().visited:
                instr.jump_target().visited = True
                stack.append(instr.jump_target())


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
            if instr.is_jump:
                target = instr.jump_target()
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

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr
    >>> graph = build([Instr("LOAD_FAST", 0), Instr("RETURN_VALUE", None)])
    >>> optimize_code_unit(graph, [None], nlocals=1, nparams=0, firstlineno=1)
    >>> graph.entry.instructions[0].opname in ("LOAD_FAST_CHECK", "LOAD_FAST")
    True
    """
    mark_except_handlers(graph)
    label_exception_targets(graph)
    _check_cfg(graph)
    _inline_small_or_no_lineno_blocks(graph)
    remove_unreachable(graph)
    resolve_line_numbers(graph)
    for block in graph:
        peephole.optimize_load_const(block, consts)
    for block in graph:
        peephole.optimize_basic_block(block, consts)
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

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr
    >>> graph = build([Instr("LOAD_DEREF", 1), Instr("RETURN_VALUE", None)])
    >>> prepare_localsplus(graph, varnames=["a"], cellvars=["a", "b"], freevars=[],
    ...                    flags=0, firstlineno=1)
    2
    >>> [(i.opname, i.arg) for i in graph.entry.instructions]
    [('MAKE_CELL', 0), ('MAKE_CELL', 1), ('LOAD_DEREF', 1), ('RETURN_VALUE', 0)]
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


def prepare_unit_localsplus(graph: ControlFlowGraph, unit: CodeUnit) -> int:
    """Run :func:`prepare_localsplus` with *unit*'s variables, flags and first line.

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import CodeUnit, Instr
    >>> unit = CodeUnit("f", "f", "<demo>", freevars=["x"])
    >>> graph = build([Instr("LOAD_DEREF", 0), Instr("RETURN_VALUE", None)])
    >>> prepare_unit_localsplus(graph, unit)
    1
    >>> graph.entry.instructions[0].opname
    'COPY_FREE_VARS'
    """
    return prepare_localsplus(
        graph,
        varnames=unit.varnames,
        cellvars=unit.cellvars,
        freevars=unit.freevars,
        flags=unit.flags,
        firstlineno=unit.firstlineno,
    )


def convert_pseudo_ops(graph: ControlFlowGraph) -> None:
    """Turn the remaining pseudo-instructions into real ones (3.12+).

    Handler setups become ``NOP`` (then vanish unless they carry a line),
    ``LOAD_CLOSURE`` becomes ``LOAD_FAST`` and ``STORE_FAST_MAYBE_NULL``
    becomes ``STORE_FAST``; jumps keep their pseudo names until the layout
    tells their direction.

    >>> import sys
    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr
    >>> graph = build([Instr("LOAD_CLOSURE", 0), Instr("RETURN_VALUE", None)])
    >>> if sys.version_info >= (3, 12):
    ...     convert_pseudo_ops(graph)
    ...     print(graph.entry.instructions[0].opname)
    ... else:
    ...     print("LOAD_FAST")
    LOAD_FAST
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

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr, Label
    >>> top = Label()
    >>> graph = build([top, Instr("LOAD_FAST", 0), Instr("POP_JUMP_IF_TRUE", top),
    ...                Instr("RETURN_VALUE", None)])
    >>> normalize_jumps(graph)
    >>> any("BACKWARD" in i.opname or i.opname == "JUMP" for i in graph.instructions())
    True
    """
    _reset_visited(graph)
    block: Block | None = graph.entry
    while block is not None:
        block.visited = True
        last = block.last()
        if last is not None and last.is_jump:
            forward = not last.jump_target().visited
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
