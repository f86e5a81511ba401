"""Basic blocks and the control-flow graph of one code unit.

A *basic block* is a run of instructions that control enters only at the top
and leaves only at the bottom: by falling through to the next block, by a
jump, or by leaving the function (``return``, ``raise``). Cutting a code
unit's body into blocks and linking them is the first thing the back end
does, because every later step (the optimizer, the stack-depth computation,
the exception table) reasons about blocks and the edges between them.

Blocks are chained in *layout order* through :attr:`Block.next`: the order
their bytes will have in ``co_code``. A jump names its *target* block. A
block that does not end with an unconditional jump or a scope exit *falls
through* to its ``next``.

Where the body is cut differs by version, following what each CPython does:

* 3.12+ (``Python/flowgraph.c``, ``_PyCfgBuilder_UseLabel`` and
  ``_PyCfgBuilder_Addop``; ``Python/compile.c``, ``instr_sequence_to_cfg``):
  a block starts at a label that some instruction targets, and after every
  jump or scope exit;
* 3.11 (``Python/compile.c``, where code generation writes straight into
  blocks): every label is a block of its own, even an empty one, and a block
  also ends after a jump or a scope exit.

>>> from pyinternals.compiler.instructions import Instr, Label
>>> top, done = Label(), Label()
>>> graph = build([top, Instr("LOAD_FAST", 0), Instr("POP_JUMP_IF_FALSE", done),
...                Instr("JUMP", top), done, Instr("RETURN_VALUE", None)])
>>> [[i.opname for i in block.instructions] for block in graph]
[['LOAD_FAST', 'POP_JUMP_IF_FALSE'], ['JUMP'], ['RETURN_VALUE']]
>>> graph.entry.instructions[-1].target is graph.entry.next.next
True
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pyinternals.compiler import opcodes
from pyinternals.compiler.instructions import NO_LOCATION, Instr, Label, Location

__all__ = ["Block", "ControlFlowGraph", "Instruction", "build"]


@dataclass(eq=False, slots=True)
class Instruction:
    """One instruction inside a block.

    Unlike :class:`~pyinternals.compiler.instructions.Instr`, a jump names
    its *target* block directly (its *arg* is unused until the assembler
    turns the target into an offset), and each instruction records the
    exception *handler* block that covers it once
    :func:`~pyinternals.compiler.flowgraph.label_exception_targets` has run.
    Instructions without an argument have ``arg == 0``, as in CPython.
    """

    opname: str
    arg: int = 0
    location: Location = NO_LOCATION
    target: Block | None = None
    handler: Block | None = None

    def copy(self) -> Instruction:
        """Return a shallow copy (same target and handler blocks)."""
        return Instruction(
            self.opname, self.arg, self.location, self.target, self.handler
        )

    def set(self, opname: str, arg: int = 0) -> None:
        """Turn this instruction into *opname* with *arg*, keeping its location."""
        self.opname = opname
        self.arg = arg
        if opname not in opcodes.HAS_TARGET:
            self.target = None

    @property
    def is_jump(self) -> bool:
        """Whether this is a jump (handler setups are not)."""
        return self.opname in opcodes.JUMPS

    def jump_target(self) -> Block:
        """Return the block a jump or handler setup names."""
        assert self.target is not None, self
        return self.target

    @property
    def lineno(self) -> int:
        """The first line of the instruction's location (``-1`` if none)."""
        return self.location.lineno

    def __repr__(self) -> str:
        """Show the name, and the argument or target."""
        if self.target is not None:
            return f"<{self.opname} -> block {id(self.target):#x}>"
        return f"<{self.opname} {self.arg}>"


@dataclass(eq=False)
class Block:
    """A basic block: instructions, the next block in layout order, and marks.

    The marks are scratch space for the passes, as in ``basicblock`` of
    ``Python/flowgraph.c``: *labelled* says the block is (or was made) a jump
    target; *order* is when it was made, which fixes the order of the passes
    that 3.11 runs over its list of allocated blocks.
    """

    instructions: list[Instruction] = field(default_factory=list)
    next: Block | None = None
    labelled: bool = False
    order: float = 0.0
    predecessors: int = 0
    start_depth: int = -1
    except_handler: bool = False
    preserve_lasti: bool = False
    cold: bool = False
    warm: bool = False
    visited: bool = False
    unsafe_locals: int = 0
    except_stack: list[Block | None] | None = None

    def last(self) -> Instruction | None:
        """Return the last instruction, or ``None`` for an empty block."""
        return self.instructions[-1] if self.instructions else None

    def exits_scope(self) -> bool:
        """Return whether the block ends by leaving the code object."""
        last = self.last()
        return last is not None and last.opname in opcodes.SCOPE_EXITS

    def has_fallthrough(self) -> bool:
        """Return whether control can run off the end into :attr:`next`."""
        last = self.last()
        return last is None or (
            last.opname not in opcodes.SCOPE_EXITS
            and last.opname not in opcodes.UNCONDITIONAL_JUMPS
        )

    def has_no_lineno(self) -> bool:
        """Return whether no instruction of the block has a line number."""
        return all(instr.lineno < 0 for instr in self.instructions)

    def __repr__(self) -> str:
        """Show the block's identity and instructions."""
        return f"<Block {id(self):#x} {self.instructions}>"


class ControlFlowGraph:
    """The blocks of one code unit, from ``entry`` along ``next`` links.

    ``allocated`` keeps every block ever made, in the order they were
    made (CPython's ``b_list``, which runs the other way); blocks that fall
    out of the layout stay there, empty or unreachable.
    """

    def __init__(self) -> None:
        """Make a graph with one empty entry block."""
        self.allocated: list[Block] = []
        self.entry = self.new_block(-1.0)

    def new_block(self, order: float | None = None) -> Block:
        """Make a block (not yet linked into the layout) and record it.

        Without *order*, the block counts as made after every other one.
        """
        if order is None:
            order = max((block.order for block in self.allocated), default=-1.0) + 1
        block = Block(order=order)
        self.allocated.append(block)
        return block

    def newest_first(self) -> list[Block]:
        """Return every block made, the most recently made first (``b_list``)."""
        return sorted(self.allocated, key=lambda block: block.order, reverse=True)

    def __iter__(self) -> Iterator[Block]:
        """Iterate over the blocks in layout order."""
        block: Block | None = self.entry
        while block is not None:
            yield block
            block = block.next

    def instructions(self) -> Iterator[Instruction]:
        """Iterate over every instruction in layout order."""
        for block in self:
            yield from block.instructions


def _targeted(body: list[Instr | Label]) -> set[Label]:
    """Return the labels that some instruction of *body* names."""
    return {
        item.arg
        for item in body
        if isinstance(item, Instr) and isinstance(item.arg, Label)
    }


def build(body: Iterable[Instr | Label]) -> ControlFlowGraph:
    """Cut *body* into basic blocks and link jumps to their target blocks.

    Labels that name the same position lead to the same block on 3.12+; a
    label must be followed by an instruction. :exc:`ValueError` for a jump
    to a label that is not in *body*.

    >>> from pyinternals.compiler.instructions import Instr
    >>> graph = build([Instr("NOP", None), Instr("RETURN_VALUE", None)])
    >>> len(list(graph)), graph.entry.instructions[0].arg
    (1, 0)
    """
    items = list(body)
    graph = ControlFlowGraph()
    targeted = _targeted(items)
    every_label_cuts = sys.version_info < (3, 12)
    block_of: dict[Label, Block] = {}
    jumps: list[tuple[Instruction, Label]] = []
    pending: list[Label] = []
    current = graph.entry
    # When each block was made, for 3.11's passes over its block list: a
    # labelled block was made with its label, an unlabelled one just after
    # the newest label seen so far.
    newest = -1.0

    def start_block(order: float) -> Block:
        nonlocal current
        block = graph.new_block(order)
        current.next = block
        current = block
        return block

    def place(label: Label) -> None:
        if current.instructions or current.labelled:
            start_block(label.number)
        current.labelled = True
        current.order = label.number
        block_of[label] = current

    for item in items:
        if isinstance(item, Label):
            newest = max(newest, item.number)
            pending.append(item)
            continue
        last = current.last()
        if last is not None and last.opname in opcodes.TERMINATORS:
            start_block(newest + 0.5)
        if every_label_cuts:
            for label in pending:
                place(label)
        elif any(label in targeted for label in pending):
            place(pending[0])
            block_of.update(dict.fromkeys(pending, current))
        else:
            block_of.update(dict.fromkeys(pending, current))
        pending.clear()
        instruction = Instruction(
            item.opname, item.arg if isinstance(item.arg, int) else 0, item.location
        )
        if isinstance(item.arg, Label):
            newest = max(newest, item.arg.number)
            jumps.append((instruction, item.arg))
        current.instructions.append(instruction)
    if pending:
        raise ValueError(f"{pending[0]!r} ends the body: no instruction follows it")
    for instruction, label in jumps:
        if label not in block_of:
            raise ValueError(f"jump to {label!r}, which is not in the body")
        instruction.target = block_of[label]
    return graph
