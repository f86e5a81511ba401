"""The assembler: one code unit in, one :class:`types.CodeType` out.

:func:`assemble` runs the whole back end on a
:class:`~pyinternals.compiler.instructions.CodeUnit` whose nested code
objects are already among its constants, in the order CPython does:

1. cut the body into a control-flow graph (:mod:`~pyinternals.compiler.cfg`)
   and optimize it (:mod:`~pyinternals.compiler.flowgraph`);
2. compute the largest stack depth (:mod:`~pyinternals.compiler.stackdepth`),
   add the prefix instructions, give every jump its direction;
3. *lay out* the instructions: each takes one 2-byte code unit, plus one
   ``EXTENDED_ARG`` unit for each extra byte its argument needs, plus the
   inline-cache units the specializing interpreter writes into. A jump's
   argument is a distance in code units, which depends on the sizes of the
   instructions it jumps over, some of which may be jumps whose size depends
   on their own distance: the layout is recomputed until no size changes
   (``Python/assemble.c``, ``resolve_jump_offsets``);
4. write ``co_code``, the location table (``co_linetable``, encoded by
   :mod:`~pyinternals.compiler.linetable`) and the exception table
   (``co_exceptiontable``, by :mod:`~pyinternals.compiler.exceptiontable`),
   and build the code object.

>>> from pyinternals.compiler.instructions import CodeUnit, Instr, Location
>>> unit = CodeUnit("<demo>", "<demo>", "<demo>")
>>> here = Location(1, 1, 0, 1)
>>> unit.body = [Instr("RESUME", 0, Location(1, 1, 0, 0)),
...              Instr("LOAD_CONST", unit.consts.add(42), here),
...              Instr("RETURN_VALUE", None, here)]
>>> eval(assemble(unit))
42
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable
from dataclasses import dataclass

from pyinternals.compiler import (
    cfg,
    exceptiontable,
    flowgraph,
    flowgraph311,
    linetable,
    opcodes,
)
from pyinternals.compiler.cfg import Block, ControlFlowGraph, Instruction
from pyinternals.compiler.instructions import CodeUnit, Instr, Label
from pyinternals.compiler.stackdepth import calculate_stackdepth

__all__ = [
    "Layout",
    "assemble",
    "build_graph",
    "exception_entries",
    "lay_out",
    "prepare_graph",
]

CO_VARARGS = 0x04
CO_VARKEYWORDS = 0x08
_GENERATOR_FLAGS = 0x20 | 0x80 | 0x200


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each instruction ended up: the final form of the code.

    *instructions* are real instructions in ``co_code`` order, each with its
    final argument; *offsets* give, for each, its first code unit (its
    ``EXTENDED_ARG`` prefixes included); *sizes* its number of code units,
    caches included; *block_offsets* the offset at which each block starts.
    """

    instructions: list[Instruction]
    offsets: list[int]
    sizes: list[int]
    block_offsets: dict[Block, int]

    @property
    def code_units(self) -> int:
        """The length of ``co_code`` in 2-byte code units."""
        return self.offsets[-1] + self.sizes[-1] if self.offsets else 0


def _size(opname: str, arg: int) -> int:
    extended = (arg > 0xFF) + (arg > 0xFFFF) + (arg > 0xFFFFFF)
    return 1 + extended + opcodes.cache_entries(opname)


def _direct_unconditional_jumps(
    instructions: list[Instruction], index_of: dict[Block, int]
) -> None:
    """Name 3.12+'s ``JUMP`` pseudo-instructions by direction.

    A jump is forward when its target comes after it (``Python/assemble.c``,
    ``resolve_unconditional_jumps``).
    """
    for here, instr in enumerate(instructions):
        if instr.target is None:
            continue
        forward = index_of[instr.target] > here
        if instr.opname == "JUMP":
            instr.opname = "JUMP_FORWARD" if forward else "JUMP_BACKWARD"
        elif instr.opname == "JUMP_NO_INTERRUPT":
            instr.opname = "JUMP_FORWARD" if forward else "JUMP_BACKWARD_NO_INTERRUPT"


def lay_out(graph: ControlFlowGraph) -> Layout:
    """Flatten *graph* and give every jump its final argument.

    Jump arguments count code units from the end of the jump (caches
    included) to its target, backwards for the ``*_BACKWARD*`` jumps. Sizes
    start from the argument each jump has when layout begins (3.12+: the
    index of its target instruction; 3.11: zero) and are recomputed until no
    jump changes size, exactly as CPython iterates, so that the
    ``EXTENDED_ARG`` prefixes come out the same.

    >>> from pyinternals.compiler.cfg import build
    >>> from pyinternals.compiler.instructions import Instr, Label
    >>> top = Label()
    >>> layout = lay_out(build([top, Instr("NOP", None), Instr("JUMP_BACKWARD", top)]))
    >>> [(i.opname, i.arg) for i in layout.instructions], layout.offsets
    ([('NOP', 0), ('JUMP_BACKWARD', ...)], [0, 1])
    """
    instructions: list[Instruction] = []
    index_of: dict[Block, int] = {}
    for block in graph:
        index_of[block] = len(instructions)
        instructions.extend(block.instructions)
    if sys.version_info >= (3, 12):
        _direct_unconditional_jumps(instructions, index_of)
    jumps = [
        (here, instr)
        for here, instr in enumerate(instructions)
        if instr.target is not None and instr.opname in opcodes.JUMPS
    ]
    for _, instr in jumps:
        assert instr.target is not None
        instr.arg = index_of[instr.target] if sys.version_info >= (3, 12) else 0
    while True:
        sizes = [_size(instr.opname, instr.arg) for instr in instructions]
        offsets = []
        total = 0
        for size in sizes:
            offsets.append(total)
            total += size
        offsets.append(total)
        resized = False
        for here, instr in jumps:
            assert instr.target is not None
            after = offsets[here] + sizes[here]
            target = offsets[index_of[instr.target]]
            if instr.opname in opcodes.BACKWARD_JUMPS:
                instr.arg = after - target
            else:
                instr.arg = target - after
            if instr.arg < 0:
                raise ValueError(f"{instr.opname} cannot reach its target")
            if _size(instr.opname, instr.arg) != sizes[here]:
                resized = True
        if not resized:
            block_offsets = {block: offsets[index] for block, index in index_of.items()}
            return Layout(instructions, offsets[:-1], sizes, block_offsets)


def _code_bytes(layout: Layout) -> bytes:
    """Write the instructions, their ``EXTENDED_ARG`` prefixes and caches."""
    out = bytearray()
    extended = opcodes.REAL["EXTENDED_ARG"]
    cache = opcodes.REAL["CACHE"]
    for instr, size in zip(layout.instructions, layout.sizes, strict=True):
        caches = opcodes.cache_entries(instr.opname)
        arg = instr.arg
        for shift in range((size - caches - 1) * 8, 0, -8):
            out += bytes((extended, (arg >> shift) & 0xFF))
        out += bytes((opcodes.REAL[instr.opname], arg & 0xFF))
        out += bytes((cache, 0)) * caches
    return bytes(out)


def exception_entries(layout: Layout) -> list[exceptiontable.ExceptionEntry]:
    """Cut the code into ranges that share a handler, one entry per range.

    The depth kept is the handler's entry depth less the exception (and less
    the offset of the raising instruction, for handlers that want it). These
    are the entries ``co_exceptiontable`` encodes.
    """
    ranges: list[tuple[int, int, Block]] = []
    start = 0
    handler: Block | None = None
    for instr, offset in zip(layout.instructions, layout.offsets, strict=True):
        if instr.handler is not handler:
            if handler is not None:
                ranges.append((start, offset, handler))
            start, handler = offset, instr.handler
    if handler is not None:
        ranges.append((start, layout.code_units, handler))
    return [
        exceptiontable.ExceptionEntry(
            start=first,
            end=last,
            target=layout.block_offsets[block],
            depth=block.start_depth - 1 - block.preserve_lasti,
            lasti=block.preserve_lasti,
        )
        for first, last, block in ranges
    ]


def _lower_codegen_pseudo_ops(body: Iterable[Instr | Label]) -> list[Instr | Label]:
    """Give 3.12+'s attribute-loading pseudo-instructions their real form.

    CPython's code generator does this as it emits them
    (``Python/compile.c``, ``compiler_addop_name``): ``LOAD_METHOD n`` is
    ``LOAD_ATTR`` with ``n << 1 | 1``; the ``super()`` forms are
    ``LOAD_SUPER_ATTR`` with ``n << 2`` and bit 0 for a method, bit 1 for the
    two-argument form. Arguments of real instructions are final already.
    """
    lowered: list[Instr | Label] = []
    encodings = {
        "LOAD_METHOD": ("LOAD_ATTR", 1, 1),
        "LOAD_SUPER_METHOD": ("LOAD_SUPER_ATTR", 2, 3),
        "LOAD_ZERO_SUPER_ATTR": ("LOAD_SUPER_ATTR", 2, 0),
        "LOAD_ZERO_SUPER_METHOD": ("LOAD_SUPER_ATTR", 2, 1),
    }
    for item in body:
        if isinstance(item, Instr) and sys.version_info >= (3, 12):
            encoding = encodings.get(item.opname)
            if encoding is not None and isinstance(item.arg, int):
                real, shift, low = encoding
                item = Instr(real, item.arg << shift | low, item.location)
        lowered.append(item)
    return lowered


def _parameter_count(unit: CodeUnit) -> int:
    """Count the parameters: the locals bound when the frame starts."""
    return (
        unit.argcount
        + unit.kwonlyargcount
        + bool(unit.flags & CO_VARARGS)
        + bool(unit.flags & CO_VARKEYWORDS)
    )


def build_graph(unit: CodeUnit) -> ControlFlowGraph:
    """Cut *unit*'s body into the control-flow graph the back end works on.

    3.12+'s attribute-loading pseudo-instructions get their real form first.
    """
    return cfg.build(_lower_codegen_pseudo_ops(unit.body))


def prepare_graph(unit: CodeUnit, graph: ControlFlowGraph, consts: list[object]) -> int:
    """Optimize *graph* and run the finishing passes; return the stack size.

    This is everything between the graph and its layout, for the running
    version: the optimizer (which may drop or add entries of *consts*, in
    place), the stack depth, the prefix instructions and the cells'
    slots, and each jump's final direction. After it, :func:`lay_out` can
    place the instructions.
    """
    if sys.version_info >= (3, 12):
        flowgraph.optimize_code_unit(
            graph,
            consts,
            nlocals=len(unit.varnames),
            nparams=_parameter_count(unit),
            firstlineno=unit.firstlineno,
        )
        stacksize = calculate_stackdepth(graph)
        flowgraph.prepare_unit_localsplus(graph, unit)
        flowgraph.convert_pseudo_ops(graph)
        flowgraph.normalize_jumps(graph)
        return stacksize
    return flowgraph311.optimize_code_unit(graph, consts, unit)


def assemble(unit: CodeUnit) -> types.CodeType:
    """Run the back end on *unit* and return the code object CPython would make.

    *unit*'s arguments follow CPython's code generator: real instructions
    carry their final argument (``LOAD_GLOBAL``'s ``namei << 1 | push_null``
    and so on), except that jumps and handler setups carry a
    :class:`~pyinternals.compiler.instructions.Label`, and that the
    ``*_DEREF`` family, ``MAKE_CELL`` and ``LOAD_CLOSURE`` count
    :attr:`~pyinternals.compiler.instructions.CodeUnit.cellvars` then
    :attr:`~pyinternals.compiler.instructions.CodeUnit.freevars` (the
    assembler moves cells that are also parameters onto the parameter's
    slot). *cellvars* are in CPython's cell order (sorted names, then
    ``__class__`` and ``__classdict__``), *argcount* is ``co_argcount``, and
    *flags* are final. On 3.11, where code generation cuts blocks itself, a
    label must stand wherever 3.11 starts a block, and labels must be made in
    the order 3.11 makes its blocks (some passes visit the newest first).
    :exc:`ValueError` for a graph CPython would refuse.

    >>> from pyinternals.compiler.instructions import CodeUnit, Instr
    >>> unit = CodeUnit("<demo>", "<demo>", "<demo>")
    >>> unit.body = [Instr("RESUME", 0), Instr("LOAD_CONST", unit.consts.add("hi")),
    ...              Instr("RETURN_VALUE", None)]
    >>> eval(assemble(unit))
    'hi'
    """
    consts = list(unit.consts.values)
    graph = build_graph(unit)
    stacksize = prepare_graph(unit, graph, consts)
    layout = lay_out(graph)
    spans = [
        (size, instr.location)
        for instr, size in zip(layout.instructions, layout.sizes, strict=True)
    ]
    return types.CodeType(
        unit.argcount,
        unit.posonlyargcount,
        unit.kwonlyargcount,
        len(unit.varnames),
        stacksize,
        unit.flags,
        _code_bytes(layout),
        tuple(consts),
        tuple(unit.names),
        tuple(unit.varnames),
        unit.filename,
        unit.name,
        unit.qualname,
        unit.firstlineno,
        linetable.encode(spans, unit.firstlineno),
        exceptiontable.encode(exception_entries(layout)),
        tuple(unit.freevars),
        tuple(unit.cellvars),
    )
