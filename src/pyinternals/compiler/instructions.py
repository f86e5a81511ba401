"""The compiler's intermediate form: what code generation hands to the back end.

CPython's compiler works in three steps. ``Python/codegen.c`` (in 3.13 still
part of ``Python/compile.c``) walks the tree of one scope and appends
instructions to an *instruction sequence* (``Python/instruction_sequence.c``):
opcodes by name, arguments that are either numbers or *labels* (jump targets
not yet placed), and a source location for each. ``Python/flowgraph.c`` cuts
that sequence into basic blocks, optimizes and checks it, and
``Python/assemble.c`` lays it out as bytes with its tables.

This module holds the data passed between those steps, so that each step can
be built and tested alone:

* :class:`Location`: the four source coordinates of one instruction;
* :class:`Label`: a jump target, placed in the sequence by position;
* :class:`Instr`: one instruction, real or *pseudo* (``SETUP_FINALLY``,
  ``POP_BLOCK``, ``JUMP``… which the back end turns into real instructions
  or into exception-table entries);
* :class:`Constants`: the constants table, which tells ``1``, ``1.0`` and
  ``True`` apart the way ``_PyCode_ConstantKey`` does;
* :class:`CodeUnit`: everything one code object needs before assembly.

>>> start, done = Label(), Label()
>>> here = Location(1, 1, 0, 5)
>>> unit = CodeUnit(name="<module>", qualname="<module>", filename="<demo>")
>>> unit.body += [start, Instr("LOAD_CONST", unit.consts.add(None), here)]
>>> unit.body += [Instr("RETURN_VALUE", None, here), done]
>>> [item.opname for item in unit.body if isinstance(item, Instr)]
['LOAD_CONST', 'RETURN_VALUE']
>>> unit.consts.add(1), unit.consts.add(1.0), unit.consts.add(True), unit.consts.add(1)
(1, 2, 3, 1)
"""

from __future__ import annotations

import itertools
import math
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "NO_LOCATION",
    "CodeUnit",
    "Constants",
    "Instr",
    "Label",
    "Location",
    "constant_key",
]


@dataclass(frozen=True, slots=True)
class Location:
    """Where an instruction came from: lines are 1-based, columns UTF-8 bytes.

    ``-1`` in a field means "unknown", as in ``Include/internal/
    pycore_compile.h``'s ``_Py_SourceLocation``; :data:`NO_LOCATION` has all
    four unknown and marks instructions that no source line caused (the
    implicit ``return None``, exception-handler cleanup).
    """

    lineno: int
    end_lineno: int
    col_offset: int
    end_col_offset: int

    @classmethod
    def of(cls, node: Any) -> Location:
        """Return the location of an :mod:`ast` node.

        >>> import ast
        >>> Location.of(ast.parse("x = 1").body[0])
        Location(lineno=1, end_lineno=1, col_offset=0, end_col_offset=5)
        """
        return cls(
            node.lineno,
            node.end_lineno if node.end_lineno is not None else node.lineno,
            node.col_offset,
            node.end_col_offset if node.end_col_offset is not None else -1,
        )


NO_LOCATION = Location(-1, -1, -1, -1)
"""The location of instructions that no source caused."""


class Label:
    """A jump target whose offset is not known yet.

    A label is placed by appending it to :attr:`CodeUnit.body`: it then names
    the position of the next instruction. Labels compare by identity; the
    number is only for printing.

    >>> Label() == Label()
    False
    """

    __slots__ = ("number",)
    _numbers = itertools.count()

    def __init__(self) -> None:
        """Make a fresh label with the next printing number."""
        self.number = next(self._numbers)

    def __repr__(self) -> str:
        """Show the label as ``L<number>``."""
        return f"L{self.number}"


@dataclass(slots=True)
class Instr:
    """One instruction of the intermediate form.

    *opname* is a name from :data:`opcode.opmap` or a pseudo-instruction's
    name; *arg* is the oparg, a :class:`Label` for jumps and exception-handler
    setups, or ``None`` for instructions without an argument.

    >>> Instr("JUMP", target := Label(), NO_LOCATION).arg is target
    True
    """

    opname: str
    arg: int | Label | None
    location: Location = NO_LOCATION

    def __repr__(self) -> str:
        """Show the name, and the argument when there is one."""
        if self.arg is None:
            return f"Instr({self.opname})"
        return f"Instr({self.opname} {self.arg!r})"


def constant_key(value: object) -> object:
    """Return a dict key under which equal constants of different kinds differ.

    ``1 == 1.0 == True`` in Python, but a code object must keep all three; and
    ``0.0 == -0.0`` but the sign must survive. The key pairs a value with its
    type, looks inside tuples and frozensets, tells ``-0.0`` from ``0.0`` and
    makes every NaN a key of its own, as ``_PyCode_ConstantKey`` in
    ``Objects/codeobject.c`` does. Code objects are keyed by value, as there:
    code objects compare equal when their names, flags, line numbers,
    bytecode and constants (keyed in the same way) are, so a ``lambda``
    compiled twice from the same source is one constant. Any other object is
    a key of its own.

    >>> constant_key(1) == constant_key(1.0), constant_key(0.0) == constant_key(-0.0)
    (False, False)
    >>> constant_key((1, 2)) == constant_key((1, 2))
    True
    >>> twice = [compile("lambda: 0", "<demo>", "eval").co_consts[0] for _ in "ab"]
    >>> constant_key(twice[0]) == constant_key(twice[1])
    True
    """
    kind = type(value)
    if value is None or value is Ellipsis or kind in (bool, int, bytes, str):
        return (kind, value)
    if kind is float:
        assert isinstance(value, float)
        if value == 0.0 and math.copysign(1.0, value) < 0:
            return (kind, value, "-0")
        if math.isnan(value):
            return (kind, id(value))
        return (kind, value)
    if kind is complex:
        assert isinstance(value, complex)
        parts = (value.real, value.imag)
        if any(math.isnan(part) for part in parts):
            return (kind, id(value))
        signs = tuple(math.copysign(1.0, part) < 0 for part in parts)
        return (kind, value, signs)
    if kind is tuple:
        assert isinstance(value, tuple)
        return (kind, tuple(constant_key(item) for item in value))
    if kind is frozenset:
        assert isinstance(value, frozenset)
        return (kind, frozenset(constant_key(item) for item in value))
    if kind is types.CodeType:
        # ``code.__eq__`` and ``code.__hash__`` already compare by value.
        return (kind, value)
    return (kind, id(value))


@dataclass
class Constants:
    """A code object's constants table, added to by value.

    :meth:`add` returns the index of a value, appending it the first time;
    equal values of different types get different slots (see
    :func:`constant_key`).

    >>> table = Constants()
    >>> table.add("doc"), table.add(None), table.add("doc")
    (0, 1, 0)
    >>> table.values
    ['doc', None]
    """

    values: list[object] = field(default_factory=list)
    _index: dict[object, int] = field(default_factory=dict, repr=False)

    def add(self, value: object) -> int:
        """Return the slot of *value*, appending it if it is new."""
        key = constant_key(value)
        slot = self._index.get(key)
        if slot is None:
            slot = self._index[key] = len(self.values)
            self.values.append(value)
        return slot

    def __len__(self) -> int:
        """Return the number of constants."""
        return len(self.values)

    def __iter__(self) -> Iterator[object]:
        """Iterate over the constants in slot order."""
        return iter(self.values)


@dataclass
class CodeUnit:
    """Everything the back end needs to assemble one code object.

    The fields follow ``struct _PyCompile_CodeUnitMetadata`` and the code
    object's ``co_*`` attributes. *names*, *varnames*, *cellvars* and
    *freevars* are in slot order; *flags* are the ``CO_*`` flags known when
    code generation ends (the assembler adds the ones it computes);
    *fasthidden* (3.12+) are the names an inlined comprehension hides.
    *body* is the instruction sequence with its labels in place.

    *argcount* is ``co_argcount``: every positional parameter, the
    positional-only ones included (*posonlyargcount* says how many of them
    are positional-only); ``*args``, ``**kwargs`` and the *kwonlyargcount*
    keyword-only parameters are not counted in it.

    Cell and free variables: *cellvars* are in CPython's cell order (the
    sorted names of the cells, then ``__class__`` and ``__classdict__`` when
    a class body needs them), and *freevars* in the order the code generator
    gives them (the sorted free names, then any it adds on the way, such as
    ``__classdict__``). The argument of ``MAKE_CELL``,
    ``LOAD_CLOSURE`` and the ``*_DEREF`` family counts *cellvars* first, then
    *freevars*, from 0; the assembler turns it into a frame slot, moving a
    cell that is also a parameter onto that parameter's slot
    (``fix_cell_offsets`` in ``Python/flowgraph.c``).

    Labels in *body* (3.11): the 3.11 code generator cuts the basic blocks
    itself, so every :class:`Label` starts a new block there, and a label
    must stand wherever 3.11 starts one; some 3.11 passes walk the blocks
    newest first, so labels must also be made (numbered) in the order 3.11
    makes its blocks. On 3.12+ only labels that a jump names cut a block.

    >>> def f(a, /, b, *args, c): pass
    >>> code = f.__code__
    >>> code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount
    (2, 1, 1)
    """

    name: str
    qualname: str
    filename: str
    firstlineno: int = 1
    flags: int = 0
    argcount: int = 0
    posonlyargcount: int = 0
    kwonlyargcount: int = 0
    consts: Constants = field(default_factory=Constants)
    names: list[str] = field(default_factory=list)
    varnames: list[str] = field(default_factory=list)
    cellvars: list[str] = field(default_factory=list)
    freevars: list[str] = field(default_factory=list)
    fasthidden: set[str] = field(default_factory=set)
    body: list[Instr | Label] = field(default_factory=list)

    def instructions(self) -> Iterator[Instr]:
        """Iterate over the instructions of :attr:`body`, skipping labels.

        >>> unit = CodeUnit("f", "f", "<demo>", body=[Label(), Instr("NOP", None)])
        >>> list(unit.instructions())
        [Instr(NOP)]
        """
        return (item for item in self.body if isinstance(item, Instr))
