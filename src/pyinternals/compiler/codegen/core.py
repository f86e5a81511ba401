"""The code generator's state: compilation units, emitting, names and errors.

CPython's ``Python/compile.c`` walks the tree of one scope at a time. The
state of that walk is a *compilation unit* (``struct compiler_unit``): the
symbol-table entry of the scope, its instruction sequence, its constants and
names tables, the stack of *frame blocks* (loops, ``try``, ``with``…) that
``break`` and ``return`` must unwind, and the class name used to mangle
``__private`` names. Units nest as scopes do: entering a ``def`` pushes a new
unit (``compiler_enter_scope``), finishing it pops back to the enclosing one
(``compiler_exit_scope``) after the inner code object has been assembled, so
that it can become a constant of the outer unit.

This module holds that state (:class:`Compiler`, :class:`Unit`) and the
small operations every other module of the package uses:

* emitting instructions, labels and constants (``ADDOP``, ``ADDOP_I``,
  ``ADDOP_JUMP``, ``ADDOP_LOAD_CONST`` and ``ADDOP_NAME`` in C);
* resolving a name to ``LOAD_FAST``, ``LOAD_DEREF``, ``LOAD_GLOBAL`` or
  ``LOAD_NAME`` from its scope (``compiler_nameop``);
* raising CPython's compile-time :class:`SyntaxError` and issuing its
  :class:`SyntaxWarning` (``compiler_error``, ``compiler_warn``);
* dispatching a statement or an expression to the function that compiles
  it: the other modules register one function per :mod:`ast` node type with
  :func:`statement` and :func:`expression`.

>>> import ast
>>> compiler = Compiler(ast.parse("x"), "<demo>", mode="exec")
>>> compiler.enter_scope("<module>", ScopeType.MODULE, compiler.tree, 1)
>>> compiler.name_op(Location(1, 1, 0, 1), "x", ast.Load())
>>> [str(i) for i in compiler.unit.code.instructions()][-1]
'Instr(LOAD_NAME 0)'
"""

from __future__ import annotations

import ast
import enum
import sys
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

from pyinternals.compiler import scopes
from pyinternals.compiler.instructions import (
    NO_LOCATION,
    CodeUnit,
    Instr,
    Label,
    Location,
)
from pyinternals.compiler.scopes import Block, BlockType, Def, Scope

__all__ = [
    "PY313",
    "PYCF_ALLOW_TOP_LEVEL_AWAIT",
    "STACK_USE_GUIDELINE",
    "CodeFlag",
    "Compiler",
    "FrameBlock",
    "FrameType",
    "GeneratedUnit",
    "Intrinsic",
    "Intrinsic2",
    "NameTable",
    "ScopeType",
    "Unit",
    "docstring_of",
    "expression",
    "loc",
    "placeholder_code",
    "statement",
]

PY313 = sys.version_info >= (3, 13)
"""Whether the running interpreter compiles the 3.13 way (else 3.11's).

The package supports 3.11 and 3.13; 3.12 is neither."""

STACK_USE_GUIDELINE = 30
"""Above this many stack items, displays and calls are built piece by piece."""


class CodeFlag(enum.IntFlag):
    """The ``co_flags`` bits code generation decides (``Include/cpython/code.h``)."""

    OPTIMIZED = 0x1
    NEWLOCALS = 0x2
    VARARGS = 0x4
    VARKEYWORDS = 0x8
    NESTED = 0x10
    GENERATOR = 0x20
    COROUTINE = 0x80
    ITERABLE_COROUTINE = 0x100
    ASYNC_GENERATOR = 0x200
    FUTURE_BARRY_AS_BDFL = 0x400000
    FUTURE_ANNOTATIONS = 0x1000000


# The compile() flags a code object inherits (PyCF_MASK).
_PYCF_MASK = 0x20000 | 0x40000 | 0x80000 | 0x100000 | 0x200000 | 0x400000
_PYCF_MASK |= 0x800000 | 0x1000000
PYCF_ALLOW_TOP_LEVEL_AWAIT = 0x2000
"""The ``compile()`` flag that lets ``await`` appear at module level."""

# The future features that change code generation (Python/future.c).
_FUTURE_FLAGS = {
    "barry_as_FLUFL": CodeFlag.FUTURE_BARRY_AS_BDFL,
    "annotations": CodeFlag.FUTURE_ANNOTATIONS,
}


class Intrinsic(enum.IntEnum):
    """Operations of ``CALL_INTRINSIC_1`` (3.12+, ``pycore_intrinsics.h``).

    3.11 had an opcode of its own for most of them (:func:`Compiler.intrinsic`).
    """

    PRINT = 1
    IMPORT_STAR = 2
    STOPITERATION_ERROR = 3
    ASYNC_GEN_WRAP = 4
    UNARY_POSITIVE = 5
    LIST_TO_TUPLE = 6
    TYPEVAR = 7
    PARAMSPEC = 8
    TYPEVARTUPLE = 9
    SUBSCRIPT_GENERIC = 10
    TYPEALIAS = 11


class Intrinsic2(enum.IntEnum):
    """Operations of ``CALL_INTRINSIC_2`` (3.12+)."""

    PREP_RERAISE_STAR = 1
    TYPEVAR_WITH_BOUND = 2
    TYPEVAR_WITH_CONSTRAINTS = 3
    SET_FUNCTION_TYPE_PARAMS = 4
    SET_TYPEPARAM_DEFAULT = 5


# 3.11's opcodes for what became intrinsics.
_OLD_INTRINSICS = {
    Intrinsic.PRINT: "PRINT_EXPR",
    Intrinsic.IMPORT_STAR: "IMPORT_STAR",
    Intrinsic.ASYNC_GEN_WRAP: "ASYNC_GEN_WRAP",
    Intrinsic.UNARY_POSITIVE: "UNARY_POSITIVE",
    Intrinsic.LIST_TO_TUPLE: "LIST_TO_TUPLE",
}


class ScopeType(enum.Enum):
    """What kind of unit is being compiled (``COMPILER_SCOPE_*``)."""

    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    ASYNC_FUNCTION = "async function"
    LAMBDA = "lambda"
    COMPREHENSION = "comprehension"
    TYPE_PARAMS = "type parameters"


class FrameType(enum.Enum):
    """The kinds of frame block (``enum fblocktype``)."""

    WHILE_LOOP = "while loop"
    FOR_LOOP = "for loop"
    TRY_EXCEPT = "try/except"
    FINALLY_TRY = "try/finally body"
    FINALLY_END = "finally handler"
    WITH = "with"
    ASYNC_WITH = "async with"
    HANDLER_CLEANUP = "except handler body"
    POP_VALUE = "value to pop"
    EXCEPTION_HANDLER = "except handler"
    EXCEPTION_GROUP_HANDLER = "except* handler"
    ASYNC_COMPREHENSION_GENERATOR = "async comprehension"
    STOP_ITERATION = "generator body"


@dataclass
class FrameBlock:
    """A statement that ``break``, ``continue`` and ``return`` must unwind.

    *block* is the label of the statement's start (loops continue there),
    *exit* the label after it (loops break there); *datum* is what unwinding
    needs: the ``finally`` body, the ``with`` statement, the name bound by
    ``except ... as name``.
    """

    kind: FrameType
    block: Label | None
    loc: Location
    exit: Label | None = None
    datum: Any = None


class NameTable:
    """Names in slot order with their slots: a unit's ``co_names`` and the like.

    *offset* is added to every slot: free variables are numbered after the
    cells, as in ``dictbytype``.

    >>> table = NameTable(["a"])
    >>> table.add("b"), table.add("a"), table.get("c")
    (1, 0, None)
    """

    __slots__ = ("_slots", "items", "offset")

    def __init__(self, items: list[str] | None = None, offset: int = 0) -> None:
        """Start with *items* in slot order."""
        self.items: list[str] = []
        self._slots: dict[str, int] = {}
        self.offset = offset
        for item in items or ():
            self.add(item)

    def add(self, name: str) -> int:
        """Return the slot of *name*, appending it if it is new (``dict_add_o``)."""
        slot = self._slots.get(name)
        if slot is None:
            slot = self._slots[name] = len(self.items)
            self.items.append(name)
        return slot + self.offset

    def get(self, name: str) -> int | None:
        """Return the slot of *name*, or None."""
        slot = self._slots.get(name)
        return None if slot is None else slot + self.offset

    def __len__(self) -> int:
        """Return the number of names."""
        return len(self.items)


@dataclass
class GeneratedUnit:
    """A finished unit and, in the order they were finished, its inner units."""

    code: CodeUnit
    nested: list[GeneratedUnit] = field(default_factory=list)


@dataclass
class Unit:
    """The state of one scope while it is compiled (``struct compiler_unit``)."""

    code: CodeUnit
    block: Block
    scope_type: ScopeType
    names: NameTable
    varnames: NameTable
    cellvars: NameTable
    freevars: NameTable
    private: str | None = None
    static_attributes: set[str] | None = None
    fblocks: list[FrameBlock] = field(default_factory=list)
    in_inlined_comp: int = 0
    fasthidden: dict[str, bool] = field(default_factory=dict)
    nested: list[GeneratedUnit] = field(default_factory=list)
    varargs: bool = False
    varkeywords: bool = False
    # 3.11 gives each instruction the "current" location; this tracks it.
    where: Location = NO_LOCATION

    @property
    def function_like(self) -> bool:
        """Whether names bound here are fast locals (``_PyST_IsFunctionLike``)."""
        return self.block.function_like


def loc(node: Any) -> Location:
    """Return the location of a node (``LOC(x)``).

    >>> loc(ast.parse("pass").body[0])
    Location(lineno=1, end_lineno=1, col_offset=0, end_col_offset=4)
    """
    return Location(
        node.lineno,
        node.end_lineno if node.end_lineno is not None else node.lineno,
        node.col_offset,
        node.end_col_offset if node.end_col_offset is not None else -1,
    )


_Handler = Callable[["Compiler", Any], None]
_STATEMENTS: dict[type[ast.AST], _Handler] = {}
_EXPRESSIONS: dict[type[ast.AST], _Handler] = {}
_F = TypeVar("_F", bound=Callable[..., None])


def statement(*kinds: type[ast.stmt]) -> Callable[[_F], _F]:
    """Register the function that compiles statements of the given node types.

    >>> class Nothing(ast.stmt):
    ...     _fields = ()
    >>> @statement(Nothing)
    ... def nothing(c, s):
    ...     c.emit(NO_LOCATION, "NOP")
    >>> c = Compiler(ast.Module([], []), "<demo>", mode="exec")
    >>> c.enter_scope("<module>", ScopeType.MODULE, c.tree, 1)
    >>> c.visit_stmt(Nothing(lineno=1, col_offset=0, end_lineno=1, end_col_offset=0))
    >>> c.unit.code.body[-1]
    Instr(NOP)
    """

    def register(function: _F) -> _F:
        for kind in kinds:
            _STATEMENTS[kind] = function
        return function

    return register


def expression(*kinds: type[ast.expr]) -> Callable[[_F], _F]:
    """Register the function that compiles expressions of the given node types.

    >>> class Answer(ast.expr):
    ...     _fields = ()
    >>> @expression(Answer)
    ... def answer(c, e):
    ...     c.load_const(loc(e), 42)
    """

    def register(function: _F) -> _F:
        for kind in kinds:
            _EXPRESSIONS[kind] = function
        return function

    return register


def _symbol_tables(tree: ast.mod, filename: str) -> tuple[Block, dict[int, Block]]:
    """Build the symbol tables of *tree* and index every block by its key.

    The index keeps the blocks of inlined comprehensions (3.12+), which the
    analysis removes from their parent's children but whose names the code
    generator still needs (``_PySymtable_Lookup`` finds them by key); see
    :class:`~pyinternals.compiler.scopes.SymbolTables`.
    """
    tables = scopes.build_tables(tree, filename)
    return tables.top, dict(tables.blocks)


def _future_location(tree: ast.mod) -> Location:
    """Return where the last leading ``from __future__`` import is (3.12+).

    ``ff_location`` of ``Python/future.c``; ``(-1, -1, -1, -1)`` if none.
    """
    where = Location(-1, -1, -1, -1)
    if not isinstance(tree, ast.Module | ast.Interactive):
        return where
    body = tree.body
    start = 1 if docstring_of(body) is not None else 0
    for stmt in body[start:]:
        if not (isinstance(stmt, ast.ImportFrom) and stmt.level == 0):
            break
        if stmt.module != "__future__":
            break
        where = loc(stmt)
    return where


def docstring_of(body: list[ast.stmt]) -> str | None:
    """Return the docstring a body starts with (``_PyAST_GetDocString``).

    >>> docstring_of(ast.parse("'doc'; x = 1").body)
    'doc'
    """
    if not body:
        return None
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        value = first.value.value
        if type(value) is str:
            return value
    return None


def _program_text(filename: str, lineno: int) -> str | None:
    """Read line *lineno* of the file named *filename* (``PyErr_ProgramText``)."""
    try:
        with open(filename, "rb") as source:
            for number, line in enumerate(source, 1):
                if number == lineno:
                    return line.decode("utf-8", "replace")
    except (OSError, ValueError):
        return None
    return None


def placeholder_code(unit: CodeUnit) -> types.CodeType:
    """Return a stand-in code object carrying *unit*'s names and line.

    It lets the code generator run without the back end: the stand-in takes
    the place of the inner code object among the outer unit's constants.

    >>> unit = CodeUnit("f", "C.f", "<demo>", firstlineno=3)
    >>> code = placeholder_code(unit)
    >>> code.co_name, code.co_qualname, code.co_firstlineno
    ('f', 'C.f', 3)
    """
    code = compile("pass", unit.filename, "exec", dont_inherit=True)
    # Equal units make equal stand-ins, as equal code objects are equal.
    fingerprint = repr(
        (
            [
                (item.opname, item.arg if isinstance(item.arg, int) else None)
                for item in unit.instructions()
            ],
            [item.location for item in unit.instructions()],
            unit.consts.values,
            (unit.names, unit.varnames, unit.cellvars, unit.freevars),
        )
    )
    return code.replace(
        co_name=unit.name,
        co_qualname=unit.qualname,
        co_firstlineno=unit.firstlineno,
        co_consts=(fingerprint,),
    )


class Compiler:
    """The state of one compilation (``struct compiler``).

    *tree* must already be optimized (``optimizer.optimize``); the symbol
    tables are built here from it. *assemble* turns each finished
    :class:`~pyinternals.compiler.instructions.CodeUnit` into a code object,
    which becomes a constant of the enclosing unit.

    >>> c = Compiler.for_source("def f(): pass")
    >>> c.unit.scope_type, c.unit.code.qualname, c.nest_level
    (<ScopeType.MODULE: 'module'>, '<module>', 1)
    """

    @classmethod
    def for_source(cls, source: str, mode: str = "exec") -> Compiler:
        """Parse *source* and open its module unit: a compiler ready to try things.

        >>> c = Compiler.for_source("x")
        >>> c.visit_stmt(c.tree.body[0])
        >>> [i.opname for i in c.unit.code.instructions()]
        ['RESUME', 'LOAD_NAME', 'POP_TOP']
        """
        tree = ast.parse(source, "<demo>", mode)
        compiler = cls(tree, "<demo>", mode=mode)
        compiler.enter_scope("<module>", ScopeType.MODULE, tree, 1)
        return compiler

    def __init__(
        self,
        tree: ast.mod,
        filename: str,
        *,
        mode: str,
        optimize: int = 0,
        flags: int = 0,
        assemble: Callable[[CodeUnit], types.CodeType] = placeholder_code,
    ) -> None:
        """Prepare to compile *tree*: build its symbol tables."""
        self.tree = tree
        self.filename = filename
        self.mode = mode
        self.optimize = optimize
        self.top_block, self.blocks = _symbol_tables(tree, filename)
        features = scopes.future_features(tree, filename)
        for feature in features:
            flags |= _FUTURE_FLAGS.get(feature, 0)
        self.flags = flags
        self.future_annotations = bool(flags & CodeFlag.FUTURE_ANNOTATIONS)
        self.future_location = _future_location(tree)
        self.interactive = False
        self.assemble = assemble
        self.stack: list[Unit] = []
        self._unit: Unit | None = None
        self.finished: GeneratedUnit | None = None

    # -- units ---------------------------------------------------------------

    @property
    def unit(self) -> Unit:
        """The unit being compiled."""
        assert self._unit is not None
        return self._unit

    @property
    def nest_level(self) -> int:
        """How many units are open (``c_nestlevel``)."""
        return len(self.stack) + (self._unit is not None)

    @property
    def top_level_await(self) -> bool:
        """Whether ``await`` is allowed at module level (``IS_TOP_LEVEL_AWAIT``)."""
        return bool(self.flags & PYCF_ALLOW_TOP_LEVEL_AWAIT) and (
            self.unit.block.type is BlockType.MODULE
        )

    def enter_scope(
        self, name: str, scope_type: ScopeType, key: object, lineno: int
    ) -> None:
        """Open a unit for the scope keyed by *key* (``compiler_enter_scope``).

        The symbol-table block is found by the key the symbol table used: the
        node (or type-parameter list) itself, or an ``int`` for the default
        of a type variable.
        """
        block = self.blocks[key if isinstance(key, int) else id(key)]
        cells = sorted(
            name
            for name, flags in block.symbols.items()
            if block.scopes.get(name) is Scope.CELL or flags & Def.COMP_CELL
        )
        cellvars = NameTable(cells)
        if block.needs_class_closure:
            cellvars.add("__class__")
        if block.needs_classdict:
            cellvars.add("__classdict__")
        frees = sorted(
            name
            for name, flags in block.symbols.items()
            if block.scopes.get(name) is Scope.FREE or flags & Def.FREE_CLASS
        )
        code = CodeUnit(name=name, qualname=name, filename=self.filename)
        code.firstlineno = lineno
        unit = Unit(
            code=code,
            block=block,
            scope_type=scope_type,
            names=NameTable(),
            varnames=NameTable(block.varnames),
            cellvars=cellvars,
            freevars=NameTable(frees, offset=len(cellvars)),
            static_attributes=set() if scope_type is ScopeType.CLASS else None,
        )
        unit.where = Location(lineno, lineno, 0, 0)
        if self._unit is not None:
            self.stack.append(self._unit)
            unit.private = self._unit.private
        self._unit = unit
        if scope_type is ScopeType.MODULE:
            unit.where = Location(0, lineno, 0, 0)
        else:
            code.qualname = self._qualname()
        self.emit(unit.where, "RESUME", 0)
        if scope_type is ScopeType.MODULE:
            unit.where = Location(-1, lineno, 0, 0)

    def _qualname(self) -> str:
        """Compute the qualified name of the new unit (``compiler_set_qualname``)."""
        unit = self.unit
        name = unit.code.name
        if not self.stack:
            return name
        parent = self.stack[-1]
        if parent.scope_type is ScopeType.TYPE_PARAMS:
            if len(self.stack) == 1:
                return name
            parent = self.stack[-2]
        if unit.scope_type in (
            ScopeType.FUNCTION,
            ScopeType.ASYNC_FUNCTION,
            ScopeType.CLASS,
        ):
            mangled = scopes.mangle(parent.private, name)
            if parent.block.scopes.get(mangled) is Scope.GLOBAL_EXPLICIT:
                return name
        if parent.scope_type in (
            ScopeType.FUNCTION,
            ScopeType.ASYNC_FUNCTION,
            ScopeType.LAMBDA,
        ):
            return f"{parent.code.qualname}.<locals>.{name}"
        if parent.scope_type is ScopeType.MODULE:
            return name
        return f"{parent.code.qualname}.{name}"

    def code_flags(self) -> int:
        """Compute the unit's ``co_flags`` (``compute_code_flags``)."""
        unit = self.unit
        block = unit.block
        flags = 0
        if unit.function_like:
            flags |= CodeFlag.NEWLOCALS | CodeFlag.OPTIMIZED
            if block.nested:
                flags |= CodeFlag.NESTED
            if block.generator and not block.coroutine:
                flags |= CodeFlag.GENERATOR
            if not block.generator and block.coroutine:
                flags |= CodeFlag.COROUTINE
            if block.generator and block.coroutine:
                flags |= CodeFlag.ASYNC_GENERATOR
            if unit.varargs:
                flags |= CodeFlag.VARARGS
            if unit.varkeywords:
                flags |= CodeFlag.VARKEYWORDS
        flags |= self.flags & _PYCF_MASK
        if self.top_level_await and block.coroutine and not block.generator:
            flags |= CodeFlag.COROUTINE
        return flags

    def finish_unit(self, add_none: bool) -> types.CodeType:
        """End the unit, assemble it and return to the enclosing one.

        ``optimize_and_assemble`` then ``compiler_exit_scope``: a ``return
        None`` (or a bare ``return`` of what is on the stack) closes every
        path that falls off the end, the flags are computed, and *assemble*
        makes the code object. The finished unit is recorded among the
        enclosing unit's nested units.
        """
        code = self.close_unit(add_none)
        finished = GeneratedUnit(code, self.unit.nested)
        self.exit_scope(finished)
        return self.assemble(code)

    def close_unit(self, add_none: bool) -> CodeUnit:
        """Add the final return and fill in the unit's tables and flags."""
        unit = self.unit
        code = unit.code
        # 3.11 adds the return only if the last block does not end in one.
        last = code.body[-1] if code.body else None
        returns = isinstance(last, Instr) and last.opname == "RETURN_VALUE"
        if PY313 or not returns:
            if add_none:
                self.load_const(NO_LOCATION, None)
            self.emit(NO_LOCATION, "RETURN_VALUE")
        code.flags = self.code_flags()
        code.names = list(unit.names.items)
        code.varnames = list(unit.varnames.items)
        code.cellvars = list(unit.cellvars.items)
        code.freevars = list(unit.freevars.items)
        code.fasthidden = set(unit.fasthidden)
        return code

    def exit_scope(self, finished: GeneratedUnit | None) -> None:
        """Return to the enclosing unit (``compiler_exit_scope``)."""
        self._unit = self.stack.pop() if self.stack else None
        if self._unit is not None and finished is not None:
            self._unit.nested.append(finished)

    # -- emitting ------------------------------------------------------------

    def emit(
        self, where: Location, opname: str, arg: int | Label | None = None
    ) -> None:
        """Append one instruction (``ADDOP``, ``ADDOP_I``, ``ADDOP_JUMP``)."""
        self.unit.code.body.append(Instr(opname, arg, where))

    def intrinsic(self, where: Location, function: Intrinsic | Intrinsic2) -> None:
        """Call an intrinsic function, or emit 3.11's opcode for it.

        3.12 moved rarely executed operations (printing in the REPL, ``import
        *``, unary ``+``…) out of the opcode table into two instructions that
        take the operation as argument.
        """
        if PY313:
            name = (
                "CALL_INTRINSIC_2"
                if isinstance(function, Intrinsic2)
                else ("CALL_INTRINSIC_1")
            )
            self.emit(where, name, int(function))
        elif isinstance(function, Intrinsic2):
            self.emit(where, "PREP_RERAISE_STAR")
        else:
            self.emit(where, _OLD_INTRINSICS[function])

    def use_label(self, label: Label) -> None:
        """Place *label* before the next instruction (``USE_LABEL``)."""
        self.unit.code.body.append(label)

    def add_const(self, value: object) -> int:
        """Return the slot of a constant, adding it (``compiler_add_const``).

        Code objects are constants like any other, compared by value: a
        ``lambda`` compiled twice from the same source (in a ``while`` test,
        which is compiled twice) becomes one constant.
        """
        return self.unit.code.consts.add(value)

    def load_const(self, where: Location, value: object) -> None:
        """Emit ``LOAD_CONST`` of *value* (``ADDOP_LOAD_CONST``)."""
        self.emit(where, "LOAD_CONST", self.add_const(value))

    def mangle(self, name: str) -> str:
        """Mangle *name* for the current class, if any (``_Py_MaybeMangle``)."""
        unit = self.unit
        mangled = unit.block.mangled_names
        if mangled is not None and name not in mangled:
            return name
        return scopes.mangle(unit.private, name)

    def emit_name(self, where: Location, opname: str, name: str) -> None:
        """Emit an instruction on a name of ``co_names`` (``ADDOP_NAME``).

        The name is mangled first. The method and ``super`` forms of
        attribute loads are pseudo-instructions that become ``LOAD_ATTR`` and
        ``LOAD_SUPER_ATTR`` with flag bits in the argument (3.12+).
        """
        arg = self.unit.names.add(self.mangle(name))
        if PY313:
            if opname == "LOAD_ATTR":
                arg <<= 1
            elif opname == "LOAD_METHOD":
                opname, arg = "LOAD_ATTR", arg << 1 | 1
            elif opname == "LOAD_SUPER_ATTR":
                arg = arg << 2 | 2
            elif opname == "LOAD_SUPER_METHOD":
                opname, arg = "LOAD_SUPER_ATTR", arg << 2 | 3
            elif opname == "LOAD_ZERO_SUPER_ATTR":
                opname, arg = "LOAD_SUPER_ATTR", arg << 2
            elif opname == "LOAD_ZERO_SUPER_METHOD":
                opname, arg = "LOAD_SUPER_ATTR", arg << 2 | 1
        self.emit(where, opname, arg)

    def emit_local(self, where: Location, opname: str, name: str) -> None:
        """Emit an instruction on a fast local, mangling the name first."""
        self.emit(where, opname, self.unit.varnames.add(self.mangle(name)))

    # -- names ---------------------------------------------------------------

    def scope_of(self, name: str) -> Scope | None:
        """Return the scope of a (mangled) name here (``_PyST_GetScope``)."""
        return self.unit.block.scopes.get(name)

    def ref_type(self, name: str) -> Scope | None:
        """Return how an inner function reaches *name* (``get_ref_type``)."""
        unit = self.unit
        if unit.scope_type is ScopeType.CLASS and name in (
            "__class__",
            "__classdict__",
        ):
            return Scope.CELL
        return self.scope_of(name)

    def check_forbidden(
        self, where: Location, name: str, ctx: ast.expr_context
    ) -> None:
        """Refuse to assign or delete ``__debug__`` (``forbidden_name``)."""
        if name != "__debug__":
            return
        if isinstance(ctx, ast.Store):
            raise self.error(where, "cannot assign to __debug__")
        if isinstance(ctx, ast.Del):
            raise self.error(where, "cannot delete __debug__")

    def name_op(self, where: Location, name: str, ctx: ast.expr_context) -> None:
        """Load, store or delete a variable (``compiler_nameop``).

        The scope the symbol table gave the name picks the family of
        instruction: fast locals in functions, cells and free variables
        through ``*_DEREF``, globals and names looked up in a namespace dict.
        """
        self.check_forbidden(where, name, ctx)
        unit = self.unit
        mangled = self.mangle(name)
        scope = self.scope_of(mangled)
        kind = "name"
        if scope is Scope.FREE or scope is Scope.CELL:
            kind = "deref"
        elif scope is Scope.LOCAL:
            if unit.function_like or unit.fasthidden.get(mangled):
                kind = "fast"
        elif scope is Scope.GLOBAL_IMPLICIT:
            if unit.function_like:
                kind = "global"
        elif scope is Scope.GLOBAL_EXPLICIT:
            kind = "global"
        load = isinstance(ctx, ast.Load)
        store = isinstance(ctx, ast.Store)
        if kind == "fast":
            opname = "LOAD_FAST" if load else "STORE_FAST" if store else "DELETE_FAST"
            self.emit(where, opname, unit.varnames.add(mangled))
            return
        if kind == "deref":
            table = unit.freevars if scope is Scope.FREE else unit.cellvars
            if load:
                in_class = unit.block.type is BlockType.CLASS
                if in_class and not unit.in_inlined_comp:
                    if PY313:
                        opname = "LOAD_FROM_DICT_OR_DEREF"
                        self.emit(where, "LOAD_LOCALS")
                    else:
                        opname = "LOAD_CLASSDEREF"
                elif unit.block.can_see_class_scope:
                    opname = "LOAD_FROM_DICT_OR_DEREF"
                    self.load_classdict(where)
                else:
                    opname = "LOAD_DEREF"
            else:
                opname = "STORE_DEREF" if store else "DELETE_DEREF"
            self.emit(where, opname, table.add(mangled))
            return
        if kind == "global":
            if load:
                if unit.block.can_see_class_scope and scope is Scope.GLOBAL_IMPLICIT:
                    self.load_classdict(where)
                    self.emit(
                        where, "LOAD_FROM_DICT_OR_GLOBALS", unit.names.add(mangled)
                    )
                    return
                self.emit(where, "LOAD_GLOBAL", unit.names.add(mangled) << 1)
                return
            opname = "STORE_GLOBAL" if store else "DELETE_GLOBAL"
            self.emit(where, opname, unit.names.add(mangled))
            return
        if load:
            in_class = unit.block.type is BlockType.CLASS
            opname = "LOAD_GLOBAL" if in_class and unit.in_inlined_comp else "LOAD_NAME"
            arg = unit.names.add(mangled)
            self.emit(where, opname, arg << 1 if opname == "LOAD_GLOBAL" else arg)
            return
        self.emit(
            where, "STORE_NAME" if store else "DELETE_NAME", unit.names.add(mangled)
        )

    def load_classdict(self, where: Location) -> None:
        """Load the enclosing class's namespace from its ``__classdict__`` cell."""
        self.emit(where, "LOAD_DEREF", self.unit.freevars.add("__classdict__"))

    # -- dispatch ------------------------------------------------------------

    def visit_stmt(self, node: ast.stmt) -> None:
        """Compile one statement (``compiler_visit_stmt``)."""
        self.unit.where = loc(node)
        _STATEMENTS[type(node)](self, node)

    def visit_stmts(self, nodes: list[ast.stmt]) -> None:
        """Compile statements in order (``VISIT_SEQ``)."""
        for node in nodes:
            self.visit_stmt(node)

    def visit_expr(self, node: ast.expr) -> None:
        """Compile one expression (``compiler_visit_expr``)."""
        unit = self.unit
        saved = unit.where
        unit.where = loc(node)
        _EXPRESSIONS[type(node)](self, node)
        unit.where = saved

    def visit_exprs(self, nodes: list[ast.expr]) -> None:
        """Compile expressions in order."""
        for node in nodes:
            self.visit_expr(node)

    # -- frame blocks --------------------------------------------------------

    def push_fblock(
        self,
        where: Location,
        kind: FrameType,
        block: Label | None,
        exit: Label | None = None,
        datum: Any = None,
    ) -> None:
        """Enter a frame block (``compiler_push_fblock``)."""
        if len(self.unit.fblocks) >= (21 if PY313 else 20):
            raise self.error(where, "too many statically nested blocks")
        self.unit.fblocks.append(FrameBlock(kind, block, where, exit, datum))

    def pop_fblock(self, kind: FrameType) -> None:
        """Leave the innermost frame block (``compiler_pop_fblock``)."""
        popped = self.unit.fblocks.pop()
        assert popped.kind is kind

    # -- errors --------------------------------------------------------------

    def error(
        self, where: Location, message: str, *, exact: bool = False
    ) -> SyntaxError:
        """Build CPython's compile-time :class:`SyntaxError` at *where*.

        Columns are 1-based in the exception, as ``compiler_error`` makes
        them; the text is the line read back from the file, if there is one.
        """
        if not PY313 and self._unit is not None and not exact:
            # 3.11 reports where it is, unless it moved there for the error.
            where = self._unit.where
        text = _program_text(self.filename, where.lineno)
        return SyntaxError(
            message,
            (
                self.filename,
                where.lineno,
                where.col_offset + 1,
                text,
                where.end_lineno,
                where.end_col_offset + 1,
            ),
        )

    def warn(self, where: Location, message: str) -> None:
        """Issue a :class:`SyntaxWarning` (``compiler_warn``).

        If the warning filters turn it into an error, raise a
        :class:`SyntaxError` with the same message instead, as CPython does.
        """
        if not PY313 and self._unit is not None:
            where = self._unit.where
        try:
            warnings.warn_explicit(message, SyntaxWarning, self.filename, where.lineno)
        except SyntaxWarning:
            raise self.error(where, message) from None

    def fail(self, where: Location, message: str, *, exact: bool = False) -> NoReturn:
        """Raise the SyntaxError :meth:`error` builds."""
        raise self.error(where, message, exact=exact)
