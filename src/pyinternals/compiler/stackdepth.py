"""How deep the value stack of a frame can grow: ``co_stacksize``.

A frame's value stack is allocated once, when the frame is made, so the
compiler must know the largest depth any path through the code can reach.
It finds it with a worklist over the control-flow graph
(``Python/flowgraph.c``, ``calculate_stackdepth``; ``stackdepth`` in 3.11's
``Python/compile.c``): each block is walked once, from the depth it is
entered with, applying every instruction's stack effect
(:func:`~pyinternals.compiler.opcodes.stack_effect`); a jump passes its
*jumping* effect to its target, a block that falls through passes its final
depth to the next block. The depth a block is entered with is recorded in
:attr:`~pyinternals.compiler.cfg.Block.start_depth`: the exception table
needs it for handlers, since a handler's entry depth tells how much of the
stack survives an exception.

Bytecode is well formed only if every way into a block finds the same
depth; two different depths mean a bug in code generation, reported as
:exc:`ValueError`, as is a stack that would go below empty.

>>> from pyinternals.compiler.cfg import build
>>> from pyinternals.compiler.instructions import Instr
>>> graph = build([Instr("LOAD_CONST", 0), Instr("LOAD_CONST", 0),
...                Instr("BUILD_TUPLE", 2), Instr("RETURN_VALUE", None)])
>>> calculate_stackdepth(graph)
2
"""

from __future__ import annotations

from pyinternals.compiler import opcodes
from pyinternals.compiler.cfg import Block, ControlFlowGraph

__all__ = ["calculate_stackdepth"]

_UNSET = -(2**31)


def _effect(opname: str, arg: int, *, jump: bool) -> int:
    return opcodes.stack_effect(
        opname, arg if opcodes.has_arg(opname) else None, jump=jump
    )


def calculate_stackdepth(graph: ControlFlowGraph, *, start: int = 0) -> int:
    """Return the largest stack depth reachable in *graph*.

    Sets each reachable block's ``start_depth``. *start* is the depth at
    entry: 0, except on 3.11 for generators and coroutines, whose
    ``RETURN_GENERATOR`` prefix is already in the graph and counts as having
    left one value that the ``POP_TOP`` after it removes.

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr
    >>> graph = build([Instr("LOAD_CONST", 0), Instr("RETURN_VALUE", None)])
    >>> calculate_stackdepth(graph), calculate_stackdepth(graph, start=1)
    (1, 2)
    """
    for block in graph:
        block.start_depth = _UNSET
    maxdepth = 0
    todo: list[Block] = []

    def push(block: Block, depth: int) -> None:
        if block.start_depth not in (_UNSET, depth):
            raise ValueError("inconsistent stack depth: invalid control flow graph")
        if block.start_depth < depth and block.start_depth < 100:
            block.start_depth = depth
            todo.append(block)

    push(graph.entry, start)
    while todo:
        block = todo.pop()
        depth = block.start_depth
        following = block.next
        for instr in block.instructions:
            new_depth = depth + _effect(instr.opname, instr.arg, jump=False)
            if new_depth < 0:
                raise ValueError("stack underflow: invalid control flow graph")
            maxdepth = max(maxdepth, new_depth)
            if instr.target is not None and instr.opname in opcodes.HAS_TARGET:
                target_depth = depth + _effect(instr.opname, instr.arg, jump=True)
                maxdepth = max(maxdepth, target_depth)
                push(instr.target, target_depth)
            depth = new_depth
            if (
                instr.opname in opcodes.UNCONDITIONAL_JUMPS
                or instr.opname in opcodes.SCOPE_EXITS
            ):
                following = None
                break
        if following is not None:
            push(following, depth)
    return maxdepth
