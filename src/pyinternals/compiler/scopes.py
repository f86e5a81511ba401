r"""Symbol tables: which scope every name of a program belongs to.

Before CPython's compiler emits a single instruction it must know, for every
name in every block, whether the name is a fast local, a cell shared with an
inner function, a free variable borrowed from an outer one, or a global.
``Python/symtable.c`` answers that in two passes, and this module rebuilds
both, for the running interpreter's version (3.11 or 3.13):

1. **Collection** (:class:`_Collector`, after ``symtable_visit_stmt`` and
   ``symtable_visit_expr``): a walk over the :mod:`ast` tree that opens one
   :class:`Block` per module, class, function, lambda, comprehension and
   (3.12+) type-parameter scope, and records raw facts about each name as
   :class:`Def` flags: assigned here, a parameter, used, declared ``global``…
   Compile-time errors that only need these facts ("name 'x' is used prior to
   global declaration") are raised here.
2. **Analysis** (:class:`_Analyzer`, after ``analyze_block``, ``analyze_name``,
   ``analyze_cells`` and ``update_symbols``): a walk over the blocks that turns
   the facts into a :class:`Scope` per name, passing down the names bound by
   enclosing functions and passing up the names children need, so that a
   local read by an inner function becomes a cell. In 3.12+ list, set and dict
   comprehensions are *inlined* here (``inline_comprehension``): their block
   disappears and their names join the enclosing block.

:func:`build` returns the data (a tree of :class:`Block` records;
:func:`build_tables` adds an index of every block by its key); the thin
interface above it, :func:`symtable` with :class:`SymbolTable`,
:class:`Function`, :class:`Class` and :class:`Symbol`, answers the same
questions as the standard library's :mod:`symtable` module, with the same
values.

The future-statement scan that runs before the symbol table in CPython
(``Python/future.c``, ``_PyFuture_FromAST``) lives here too, because
``from __future__ import annotations`` changes what the table records and
the stdlib module reports its errors.

>>> top = symtable("def f(x):\n    return lambda: x + y\n", "<demo>", "exec")
>>> f = top.lookup("f").get_namespace()
>>> f.get_parameters(), f.lookup("x").is_local()
(('x',), True)
>>> inner = f.get_children()[0]
>>> inner.get_frees(), inner.lookup("y").is_global()
(('x',), True)
"""

from __future__ import annotations

import ast
import enum
import sys
from collections.abc import Callable, Iterable, KeysView, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyinternals.compiler.parser import parse

__all__ = [
    "Block",
    "BlockType",
    "Class",
    "Comprehension",
    "Def",
    "Function",
    "Scope",
    "Symbol",
    "SymbolTable",
    "SymbolTableType",
    "SymbolTables",
    "build",
    "build_tables",
    "future_features",
    "symtable",
]

_PY312 = sys.version_info >= (3, 12)


class Def(enum.IntFlag):
    """What the collection pass learned about a name in one block.

    The values are those of ``Include/internal/pycore_symtable.h``; the last
    three exist only from 3.12 on.
    """

    GLOBAL = 1  # named in a ``global`` statement
    LOCAL = 2  # bound by assignment, ``def``, ``for``, ``with``, ``except``…
    PARAM = 4  # a formal parameter
    NONLOCAL = 8  # named in a ``nonlocal`` statement
    USE = 16  # read
    FREE = 32  # (unused by the analysis; kept for the numbering)
    FREE_CLASS = 64  # free in a method, and bound or global in the class
    IMPORT = 128  # bound by an import
    ANNOT = 256  # annotated (``x: int``)
    COMP_ITER = 512  # an iteration variable of a comprehension
    TYPE_PARAM = 1024  # a type parameter (3.12+)
    COMP_CELL = 2048  # a cell inside an inlined comprehension (3.12+)


_BOUND = Def.LOCAL | Def.PARAM | Def.IMPORT


class Scope(enum.IntEnum):
    """Where a name lives at run time, as the analysis decides it."""

    LOCAL = 1
    GLOBAL_EXPLICIT = 2  # declared ``global``
    GLOBAL_IMPLICIT = 3  # not bound in any enclosing function
    FREE = 4  # bound in an enclosing function
    CELL = 5  # local here, and free in an inner block


class BlockType(enum.Enum):
    """The kinds of block (``_Py_block_ty``)."""

    FUNCTION = "function"
    CLASS = "class"
    MODULE = "module"
    ANNOTATION = "annotation"  # ``from __future__ import annotations`` only
    TYPE_ALIAS = "type alias"  # 3.12+: the value of ``type X = ...``
    TYPE_PARAMETERS = "type parameters"  # 3.12+: ``def f[T]``, ``class C[T]``
    TYPE_VARIABLE = "type variable"  # 3.13: a bound, constraint or default


class Comprehension(enum.Enum):
    """Which comprehension a function block implements (``ste_comprehension``)."""

    NONE = 0
    LIST = 1
    DICT = 2
    SET = 3
    GENERATOR = 4


_FUNCTION_LIKE = frozenset(
    {
        BlockType.FUNCTION,
        BlockType.TYPE_ALIAS,
        BlockType.TYPE_PARAMETERS,
        BlockType.TYPE_VARIABLE,
    }
)

# The names __future__ knows (Python/future.c, future_check_features).
_FUTURE_FEATURES = frozenset(
    {
        "nested_scopes",
        "generators",
        "division",
        "absolute_import",
        "with_statement",
        "print_function",
        "unicode_literals",
        "barry_as_FLUFL",
        "generator_stop",
        "annotations",
    }
)


@dataclass(eq=False)
class Block:
    """One scope: the record ``PySTEntryObject`` holds, as plain data.

    *symbols* maps each (mangled) name to its :class:`Def` flags in the order
    the names were first seen; after the analysis *scopes* gives each of them
    its :class:`Scope`. *children* are the nested blocks, in source order (in
    3.12+ an inlined comprehension's children take its place).
    """

    name: str
    type: BlockType
    key: int
    lineno: int
    col_offset: int
    end_lineno: int
    end_col_offset: int
    nested: bool = False
    symbols: dict[str, Def] = field(default_factory=dict)
    scopes: dict[str, Scope] = field(default_factory=dict)
    varnames: list[str] = field(default_factory=list)
    children: list[Block] = field(default_factory=list)
    directives: list[tuple[str, int, int, int, int]] = field(default_factory=list)
    mangled_names: set[str] | None = None
    comprehension: Comprehension = Comprehension.NONE
    generator: bool = False
    coroutine: bool = False
    returns_value: bool = False
    comp_iter_target: bool = False
    comp_iter_expr: int = 0
    comp_inlined: bool = False
    can_see_class_scope: bool = False
    scope_info: str | None = None
    has_free: bool = False
    child_free: bool = False
    needs_class_closure: bool = False
    needs_classdict: bool = False

    @property
    def function_like(self) -> bool:
        """Whether names bound here are fast locals (``_PyST_IsFunctionLike``)."""
        if _PY312:
            return self.type in _FUNCTION_LIKE
        return self.type is BlockType.FUNCTION


def _syntax_error(
    message: str,
    filename: str,
    lineno: int,
    offset: int,
    end_lineno: int | None = None,
    end_offset: int | None = None,
) -> SyntaxError:
    """Build a SyntaxError located as ``PyErr_RangedSyntaxLocationObject`` does.

    CPython reads the offending line back from the file named *filename*; we
    leave ``text`` empty rather than guess at a file that may not exist.
    """
    return SyntaxError(
        message, (filename, lineno, offset, None, end_lineno, end_offset)
    )


def _error_at(message: str, filename: str, node: Any) -> SyntaxError:
    """Build a SyntaxError spanning *node* (1-based columns, as CPython's)."""
    return _syntax_error(
        message,
        filename,
        node.lineno,
        node.col_offset + 1,
        node.end_lineno,
        node.end_col_offset + 1,
    )


def _docstring_first(body: Sequence[ast.stmt]) -> bool:
    """Whether *body* opens with a docstring (``_PyAST_GetDocString``)."""
    first = body[0] if body else None
    return (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    )


def future_features(tree: ast.mod, filename: str = "<unknown>") -> frozenset[str]:
    """Return the ``__future__`` features *tree* turns on.

    Only the future statements at the top of a module count (after an optional
    docstring), as in ``Python/future.c``; an unknown feature, or ``braces``,
    raises :class:`SyntaxError` as CPython does. 3.11 also rejects a future
    import that shares a line with an earlier ordinary statement.

    >>> sorted(future_features(parse("from __future__ import annotations")))
    ['annotations']
    """
    if not isinstance(tree, ast.Module | ast.Interactive) or not tree.body:
        return frozenset()
    features: set[str] = set()
    start = 1 if _docstring_first(tree.body) else 0
    done = False
    previous_line = 0
    for stmt in tree.body[start:]:
        if not _PY312:
            # 3.11 stops at the first line after an ordinary statement, but
            # keeps looking along that line (statements joined by ';').
            if done and stmt.lineno > previous_line:
                break
            previous_line = stmt.lineno
        is_future = (
            isinstance(stmt, ast.ImportFrom)
            and stmt.module == "__future__"
            and (stmt.level == 0 or not _PY312)
        )
        if not is_future:
            if _PY312:
                break
            done = True
            continue
        assert isinstance(stmt, ast.ImportFrom)
        if done:
            raise _syntax_error(
                "from __future__ imports must occur at the beginning of the file",
                filename,
                stmt.lineno,
                stmt.col_offset,
                stmt.lineno,
                None,
            )
        for alias in stmt.names:
            if alias.name in _FUTURE_FEATURES:
                features.add(alias.name)
                continue
            message = (
                "not a chance"
                if alias.name == "braces"
                else f"future feature {alias.name} is not defined"
            )
            if _PY312:
                raise _error_at(message, filename, alias)
            raise _syntax_error(
                message, filename, stmt.lineno, stmt.col_offset + 1, stmt.lineno
            )
    return frozenset(features)


def mangle(private: str | None, name: str) -> str:
    """Mangle a private *name* inside class *private* (``_Py_Mangle``).

    >>> mangle("Spam", "__egg"), mangle("Spam", "__init__"), mangle("_", "__x")
    ('_Spam__egg', '__init__', '__x')
    """
    if private is None or not name.startswith("__"):
        return name
    if name.endswith("__") or "." in name:
        return name
    stripped = private.lstrip("_")
    if not stripped:
        return name
    return f"_{stripped}{name}"


class _Collector:
    """The first pass: blocks and raw name facts (``symtable_visit_*``)."""

    def __init__(self, filename: str, features: frozenset[str]) -> None:
        self.filename = filename
        self.future_annotations = "annotations" in features
        self.stack: list[Block] = []
        self.private: str | None = None
        self.top: Block | None = None

    # -- blocks --------------------------------------------------------------

    @property
    def cur(self) -> Block:
        return self.stack[-1]

    @property
    def module(self) -> Block:
        assert self.top is not None
        return self.top

    def enter(
        self, name: str, block_type: BlockType, key: int, where: Any | None
    ) -> None:
        """Open a block (``symtable_enter_block``)."""
        if where is None:
            location = (0, 0, 0, 0)
        else:
            location = (
                where.lineno,
                where.col_offset,
                where.end_lineno,
                where.end_col_offset,
            )
        previous = self.stack[-1] if self.stack else None
        block = Block(name, block_type, key, *location)
        if previous is not None:
            block.nested = previous.nested or previous.function_like
            # bpo-37757: no walrus anywhere inside a comprehension's iterable.
            block.comp_iter_expr = previous.comp_iter_expr
            if previous.mangled_names is not None and block_type is not BlockType.CLASS:
                block.mangled_names = previous.mangled_names
        self.stack.append(block)
        if block_type is BlockType.MODULE:
            self.top = block
        # Annotation blocks are evaluated by nobody: they hang from no parent.
        if previous is not None and block_type is not BlockType.ANNOTATION:
            previous.children.append(block)

    def exit(self) -> None:
        self.stack.pop()

    # -- names ---------------------------------------------------------------

    def maybe_mangle(self, block: Block, name: str) -> str:
        """Mangle *name* for *block* (``_Py_MaybeMangle``).

        A generic class's type-parameter block mangles only its type parameters.
        """
        if block.mangled_names is not None and name not in block.mangled_names:
            return name
        return mangle(self.private, name)

    def lookup(self, name: str, block: Block | None = None) -> Def:
        block = self.cur if block is None else block
        return block.symbols.get(self.maybe_mangle(block, name), Def(0))

    def add_def(
        self, name: str, flag: Def, where: Any, block: Block | None = None
    ) -> None:
        """Record *flag* for *name* (``symtable_add_def_helper``)."""
        if block is None:
            block = self.cur
            if flag & Def.TYPE_PARAM and block.mangled_names is not None:
                block.mangled_names.add(name)
        mangled = self.maybe_mangle(self.cur, name)
        old = block.symbols.get(mangled)
        if old is not None:
            if flag & Def.PARAM and old & Def.PARAM:
                raise _error_at(
                    f"duplicate argument '{name}' in function definition",
                    self.filename,
                    where,
                )
            if flag & Def.TYPE_PARAM and old & Def.TYPE_PARAM:
                raise _error_at(
                    f"duplicate type parameter '{name}'", self.filename, where
                )
            value = old | flag
        else:
            value = flag
        if block.comp_iter_target:
            if value & (Def.GLOBAL | Def.NONLOCAL):
                raise _error_at(
                    "comprehension inner loop cannot rebind assignment "
                    f"expression target '{name}'",
                    self.filename,
                    where,
                )
            value |= Def.COMP_ITER
        block.symbols[mangled] = value
        if flag & Def.PARAM:
            block.varnames.append(mangled)
        elif flag & Def.GLOBAL:
            module = self.module.symbols
            module[mangled] = module.get(mangled, Def(0)) | flag

    def record_directive(self, name: str, where: Any) -> None:
        self.cur.directives.append(
            (
                self.maybe_mangle(self.cur, name),
                where.lineno,
                where.col_offset,
                where.end_lineno,
                where.end_col_offset,
            )
        )

    # -- the module ----------------------------------------------------------

    def visit_module(self, tree: ast.mod) -> Block:
        self.enter("top", BlockType.MODULE, id(tree), None)
        if isinstance(tree, ast.Module | ast.Interactive):
            self.visit_stmts(tree.body)
        elif isinstance(tree, ast.Expression):
            self.visit_expr(tree.body)
        else:
            raise RuntimeError("this compiler does not handle FunctionTypes")
        self.exit()
        return self.module

    # -- dispatch ------------------------------------------------------------

    def visit_stmts(self, stmts: Iterable[ast.stmt]) -> None:
        for stmt in stmts:
            self.visit_stmt(stmt)

    def visit_exprs(self, exprs: Iterable[ast.expr | None]) -> None:
        for expr in exprs:
            if expr is not None:
                self.visit_expr(expr)

    def visit_stmt(self, node: ast.stmt) -> None:
        method = getattr(self, "stmt_" + type(node).__name__, None)
        if method is None:
            self.visit_children(node)
        else:
            method(node)

    def visit_expr(self, node: ast.expr) -> None:
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is None:
            self.visit_children(node)
        else:
            method(node)

    def visit_children(self, node: ast.AST) -> None:
        """Visit the sub-nodes of a node with nothing special to record.

        The fields of these nodes are declared in the order ``symtable.c``
        visits them, so the generic walk keeps CPython's order of facts.
        """
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self.visit_stmt(child)
            elif isinstance(child, ast.expr):
                self.visit_expr(child)
            elif isinstance(child, ast.pattern):
                self.visit_pattern(child)
            elif isinstance(child, ast.excepthandler):
                self.visit_excepthandler(child)
            elif isinstance(child, ast.withitem | ast.match_case | ast.keyword):
                self.visit_children(child)

    # -- statements ----------------------------------------------------------

    def stmt_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.add_def(node.name, Def.LOCAL, node)
        args = node.args
        self.visit_exprs(args.defaults)
        self.visit_exprs(args.kw_defaults)
        type_params: list[Any] = getattr(node, "type_params", [])
        if _PY312:
            self.visit_exprs(node.decorator_list)
            if type_params:
                has_kwdefaults = any(d is not None for d in args.kw_defaults)
                # The parser always gives a (possibly empty) defaults list, so
                # CPython's "defaults != NULL" test is always true.
                self.enter_type_param_block(
                    node.name, type_params, node, True, has_kwdefaults
                )
                for param in type_params:
                    self.visit_type_param(param)
            self.visit_annotations(node, args, node.returns)
        else:
            self.visit_annotations(node, args, node.returns)
            self.visit_exprs(node.decorator_list)
        self.enter(node.name, BlockType.FUNCTION, id(node), node)
        if isinstance(node, ast.AsyncFunctionDef):
            self.cur.coroutine = True
        self.visit_arguments(args)
        self.visit_stmts(node.body)
        self.exit()
        if type_params:
            self.exit()

    stmt_AsyncFunctionDef = stmt_FunctionDef

    def stmt_ClassDef(self, node: ast.ClassDef) -> None:
        self.add_def(node.name, Def.LOCAL, node)
        saved_private = self.private
        type_params: list[Any] = getattr(node, "type_params", [])
        if _PY312:
            self.visit_exprs(node.decorator_list)
            if type_params:
                self.enter_type_param_block(node.name, type_params, node, False, False)
                self.private = node.name
                self.cur.mangled_names = set()
                for param in type_params:
                    self.visit_type_param(param)
            self.visit_exprs(node.bases)
            self.visit_exprs(k.value for k in node.keywords)
        else:
            self.visit_exprs(node.bases)
            self.visit_exprs(k.value for k in node.keywords)
            self.visit_exprs(node.decorator_list)
        self.enter(node.name, BlockType.CLASS, id(node), node)
        self.private = node.name
        if type_params:
            self.add_def("__type_params__", Def.LOCAL, node)
            self.add_def(".type_params", Def.USE, node)
        self.visit_stmts(node.body)
        self.exit()
        if type_params:
            self.exit()
        self.private = saved_private

    def stmt_TypeAlias(self, node: Any) -> None:
        self.visit_expr(node.name)
        name: str = node.name.id
        in_class = self.cur.type is BlockType.CLASS
        if node.type_params:
            self.enter_type_param_block(name, node.type_params, node, False, False)
            for param in node.type_params:
                self.visit_type_param(param)
        self.enter(name, BlockType.TYPE_ALIAS, id(node), node)
        self.cur.can_see_class_scope = in_class
        if in_class:
            self.add_def("__classdict__", Def.USE, node.value)
        self.visit_expr(node.value)
        self.exit()
        if node.type_params:
            self.exit()

    def stmt_Return(self, node: ast.Return) -> None:
        if node.value is not None:
            self.visit_expr(node.value)
            self.cur.returns_value = True

    def stmt_AnnAssign(self, node: ast.AnnAssign) -> None:
        target = node.target
        if isinstance(target, ast.Name):
            current = self.lookup(target.id)
            if (
                current & (Def.GLOBAL | Def.NONLOCAL)
                and self.cur is not self.top
                and node.simple
            ):
                kind = "global" if current & Def.GLOBAL else "nonlocal"
                raise _error_at(
                    f"annotated name '{target.id}' can't be {kind}",
                    self.filename,
                    node,
                )
            if node.simple:
                self.add_def(target.id, Def.ANNOT | Def.LOCAL, target)
            elif node.value is not None:
                self.add_def(target.id, Def.LOCAL, target)
        else:
            self.visit_expr(target)
        self.visit_annotation(node.annotation)
        if node.value is not None:
            self.visit_expr(node.value)

    def stmt_Try(self, node: ast.Try | ast.TryStar) -> None:
        self.visit_stmts(node.body)
        if _PY312:
            self.visit_handlers(node.handlers)
            self.visit_stmts(node.orelse)
        else:
            # 3.11 visits the else block before the handlers: the order of
            # the blocks nested in them shows it.
            self.visit_stmts(node.orelse)
            self.visit_handlers(node.handlers)
        self.visit_stmts(node.finalbody)

    def visit_handlers(self, handlers: Iterable[ast.excepthandler]) -> None:
        for handler in handlers:
            self.visit_excepthandler(handler)

    stmt_TryStar = stmt_Try

    def stmt_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            self.visit_alias(alias)

    stmt_ImportFrom = stmt_Import

    def stmt_Global(self, node: ast.Global | ast.Nonlocal) -> None:
        kind = "global" if isinstance(node, ast.Global) else "nonlocal"
        flag = Def.GLOBAL if kind == "global" else Def.NONLOCAL
        for name in node.names:
            current = self.lookup(name)
            if current & (Def.PARAM | Def.LOCAL | Def.USE | Def.ANNOT):
                if current & Def.PARAM:
                    message = f"name '{name}' is parameter and {kind}"
                elif current & Def.USE:
                    message = f"name '{name}' is used prior to {kind} declaration"
                elif current & Def.ANNOT:
                    message = f"annotated name '{name}' can't be {kind}"
                else:
                    message = f"name '{name}' is assigned to before {kind} declaration"
                raise _error_at(message, self.filename, node)
            self.add_def(name, flag, node)
            self.record_directive(name, node)

    stmt_Nonlocal = stmt_Global

    # -- expressions ---------------------------------------------------------

    def expr_Name(self, node: ast.Name) -> None:
        load = isinstance(node.ctx, ast.Load)
        self.add_def(node.id, Def.USE if load else Def.LOCAL, node)
        # A bare ``super()`` needs the class cell: count it as a use.
        if load and self.cur.function_like and node.id == "super":
            self.add_def("__class__", Def.USE, node)

    def expr_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.raise_if_annotation_block("named expression", node)
        if self.cur.comp_iter_expr > 0:
            raise _error_at(
                "assignment expression cannot be used in a comprehension "
                "iterable expression",
                self.filename,
                node,
            )
        if self.cur.comprehension is not Comprehension.NONE:
            assert isinstance(node.target, ast.Name)
            self.extend_namedexpr_scope(node.target)
        self.visit_expr(node.value)
        self.visit_expr(node.target)

    def extend_namedexpr_scope(self, target: ast.Name) -> None:
        """Bind a comprehension's walrus target in the enclosing function.

        Or in the module (``symtable_extend_namedexpr_scope``).
        """
        name = target.id
        for block in reversed(self.stack):
            if block.comprehension is not Comprehension.NONE:
                found = self.lookup(name, block)
                if found & Def.COMP_ITER and found & Def.LOCAL:
                    raise _error_at(
                        "assignment expression cannot rebind comprehension "
                        f"iteration variable '{name}'",
                        self.filename,
                        target,
                    )
                continue
            if block.type is BlockType.FUNCTION:
                if self.lookup(name, block) & Def.GLOBAL:
                    self.add_def(name, Def.GLOBAL, target)
                else:
                    self.add_def(name, Def.NONLOCAL, target)
                self.record_directive(name, target)
                self.add_def(name, Def.LOCAL, target, block)
                return
            if block.type is BlockType.MODULE:
                self.add_def(name, Def.GLOBAL, target)
                self.record_directive(name, target)
                self.add_def(name, Def.GLOBAL, target, block)
                return
            message = _NAMED_EXPR_COMP_IN.get(block.type)
            if message is not None:
                raise _error_at(
                    "assignment expression within a comprehension cannot be used "
                    + message,
                    self.filename,
                    target,
                )
        raise AssertionError("a comprehension outside any module")

    def expr_Lambda(self, node: ast.Lambda) -> None:
        self.visit_exprs(node.args.defaults)
        self.visit_exprs(node.args.kw_defaults)
        self.enter("lambda", BlockType.FUNCTION, id(node), node)
        self.visit_arguments(node.args)
        self.visit_expr(node.body)
        self.exit()

    def expr_Yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        self.raise_if_annotation_block("yield expression", node)
        if node.value is not None:
            self.visit_expr(node.value)
        self.cur.generator = True
        kind = self.cur.comprehension
        if kind is not Comprehension.NONE:
            where = {
                Comprehension.LIST: "list comprehension",
                Comprehension.SET: "set comprehension",
                Comprehension.DICT: "dict comprehension",
            }.get(kind, "generator expression")
            raise _error_at(f"'yield' inside {where}", self.filename, node)

    expr_YieldFrom = expr_Yield

    def expr_Await(self, node: ast.Await) -> None:
        self.raise_if_annotation_block("await expression", node)
        self.visit_expr(node.value)
        self.cur.coroutine = True

    def expr_GeneratorExp(self, node: ast.GeneratorExp) -> None:
        self.handle_comprehension(
            node, "genexpr", Comprehension.GENERATOR, node.generators, node.elt
        )

    def expr_ListComp(self, node: ast.ListComp) -> None:
        self.handle_comprehension(
            node, "listcomp", Comprehension.LIST, node.generators, node.elt
        )

    def expr_SetComp(self, node: ast.SetComp) -> None:
        self.handle_comprehension(
            node, "setcomp", Comprehension.SET, node.generators, node.elt
        )

    def expr_DictComp(self, node: ast.DictComp) -> None:
        self.handle_comprehension(
            node, "dictcomp", Comprehension.DICT, node.generators, node.key, node.value
        )

    def handle_comprehension(
        self,
        node: ast.expr,
        name: str,
        kind: Comprehension,
        generators: list[ast.comprehension],
        element: ast.expr,
        value: ast.expr | None = None,
    ) -> None:
        """Visit a comprehension (``symtable_handle_comprehension``).

        The first iterable is evaluated outside, everything else in a new
        function block.
        """
        outermost = generators[0]
        self.cur.comp_iter_expr += 1
        self.visit_expr(outermost.iter)
        self.cur.comp_iter_expr -= 1
        self.enter(name, BlockType.FUNCTION, id(node), node)
        block = self.cur
        block.comprehension = kind
        if outermost.is_async:
            block.coroutine = True
        self.add_def(".0", Def.PARAM, block)
        block.comp_iter_target = True
        self.visit_expr(outermost.target)
        block.comp_iter_target = False
        self.visit_exprs(outermost.ifs)
        for generator in generators[1:]:
            self.visit_comprehension(generator)
        if value is not None:
            self.visit_expr(value)
        self.visit_expr(element)
        is_generator = kind is Comprehension.GENERATOR
        block.generator = is_generator
        is_async = block.coroutine and not is_generator
        self.exit()
        if is_async:
            self.cur.coroutine = True

    def visit_comprehension(self, generator: ast.comprehension) -> None:
        block = self.cur
        block.comp_iter_target = True
        self.visit_expr(generator.target)
        block.comp_iter_target = False
        block.comp_iter_expr += 1
        self.visit_expr(generator.iter)
        block.comp_iter_expr -= 1
        self.visit_exprs(generator.ifs)
        if generator.is_async:
            block.coroutine = True

    def raise_if_annotation_block(self, what: str, node: ast.expr) -> None:
        """Reject walrus, yield and await where only a value may be computed."""
        block = self.cur
        if block.type is BlockType.ANNOTATION:
            if _PY312:
                message = f"{what} cannot be used within an annotation"
            else:
                message = f"'{what}' can not be used within an annotation"
        elif block.type is BlockType.TYPE_VARIABLE:
            message = f"{what} cannot be used within {block.scope_info}"
        elif block.type is BlockType.TYPE_ALIAS:
            message = f"{what} cannot be used within a type alias"
        elif block.type is BlockType.TYPE_PARAMETERS:
            message = f"{what} cannot be used within the definition of a generic"
        else:
            return
        raise _error_at(message, self.filename, node)

    # -- other nodes ---------------------------------------------------------

    def visit_pattern(self, node: ast.pattern) -> None:
        if isinstance(node, ast.MatchStar):
            if node.name is not None:
                self.add_def(node.name, Def.LOCAL, node)
        elif isinstance(node, ast.MatchMapping):
            self.visit_exprs(node.keys)
            for pattern in node.patterns:
                self.visit_pattern(pattern)
            if node.rest is not None:
                self.add_def(node.rest, Def.LOCAL, node)
        elif isinstance(node, ast.MatchAs):
            if node.pattern is not None:
                self.visit_pattern(node.pattern)
            if node.name is not None:
                self.add_def(node.name, Def.LOCAL, node)
        else:
            self.visit_children(node)

    def visit_excepthandler(self, node: ast.excepthandler) -> None:
        assert isinstance(node, ast.ExceptHandler)
        if node.type is not None:
            self.visit_expr(node.type)
        if node.name is not None:
            self.add_def(node.name, Def.LOCAL, node)
        self.visit_stmts(node.body)

    def visit_alias(self, alias: ast.alias) -> None:
        name = alias.asname if alias.asname is not None else alias.name
        if name == "*":
            if self.cur.type is not BlockType.MODULE:
                raise _error_at(
                    "import * only allowed at module level", self.filename, alias
                )
            return
        self.add_def(name.partition(".")[0], Def.IMPORT, alias)

    def visit_arguments(self, args: ast.arguments) -> None:
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            self.add_def(arg.arg, Def.PARAM, arg)
        if args.vararg is not None:
            self.add_def(args.vararg.arg, Def.PARAM, args.vararg)
        if args.kwarg is not None:
            self.add_def(args.kwarg.arg, Def.PARAM, args.kwarg)

    def visit_annotation(self, annotation: ast.expr) -> None:
        if self.future_annotations:
            self.enter("_annotation", BlockType.ANNOTATION, id(annotation), annotation)
        self.visit_expr(annotation)
        if self.future_annotations:
            self.exit()

    def visit_annotations(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        args: ast.arguments,
        returns: ast.expr | None,
    ) -> None:
        if self.future_annotations:
            self.enter("_annotation", BlockType.ANNOTATION, id(node), node)
        annotated = [*args.posonlyargs, *args.args]
        annotated += [a for a in (args.vararg, args.kwarg) if a is not None]
        annotated += args.kwonlyargs
        self.visit_exprs(arg.annotation for arg in annotated)
        if self.future_annotations:
            self.exit()
        if returns is not None:
            self.visit_annotation(returns)

    # -- type parameters (3.12+) ---------------------------------------------

    def enter_type_param_block(
        self,
        name: str,
        type_params: list[Any],
        node: ast.stmt,
        has_defaults: bool,
        has_kwdefaults: bool,
    ) -> None:
        in_class = self.cur.type is BlockType.CLASS
        self.enter(name, BlockType.TYPE_PARAMETERS, id(type_params), node)
        if in_class:
            self.cur.can_see_class_scope = True
            self.add_def("__classdict__", Def.USE, node)
        if isinstance(node, ast.ClassDef):
            # Set when the type-parameter tuple is built, used for the bases.
            for hidden in (".type_params", ".generic_base"):
                self.add_def(hidden, Def.LOCAL, node)
                self.add_def(hidden, Def.USE, node)
        if has_defaults:
            self.add_def(".defaults", Def.PARAM, node)
        if has_kwdefaults:
            self.add_def(".kwdefaults", Def.PARAM, node)

    def visit_type_param(self, param: Any) -> None:
        self.add_def(param.name, Def.TYPE_PARAM | Def.LOCAL, param)
        kind = type(param).__name__
        if kind == "TypeVar":
            bound = param.bound
            info = None
            if bound is not None:
                is_tuple = isinstance(bound, ast.Tuple)
                info = "a TypeVar constraint" if is_tuple else "a TypeVar bound"
            self.visit_bound_or_default(bound, param, id(param), info)
            default_info = "a TypeVar default"
        elif kind == "TypeVarTuple":
            default_info = "a TypeVarTuple default"
        else:
            default_info = "a ParamSpec default"
        default = getattr(param, "default_value", None)
        # A TypeVar may own two blocks: CPython keys the default's on address+1.
        key = id(param) + 1 if kind == "TypeVar" else id(param)
        self.visit_bound_or_default(default, param, key, default_info)

    def visit_bound_or_default(
        self, expr: ast.expr | None, param: Any, key: int, info: str | None
    ) -> None:
        name: str = param.name
        if name == "__classdict__":
            raise _error_at(
                f"reserved name '{name}' cannot be used for type parameter",
                self.filename,
                param,
            )
        if expr is None:
            return
        in_class = self.cur.can_see_class_scope
        self.enter(name, BlockType.TYPE_VARIABLE, key, expr)
        self.cur.can_see_class_scope = in_class
        if in_class:
            self.add_def("__classdict__", Def.USE, expr)
        self.cur.scope_info = info
        self.visit_expr(expr)
        self.exit()


_NAMED_EXPR_COMP_IN = {
    BlockType.CLASS: "in a class body",
    BlockType.TYPE_PARAMETERS: "within the definition of a generic",
    BlockType.TYPE_ALIAS: "in a type alias",
    BlockType.TYPE_VARIABLE: "in a TypeVar bound",
}


class _Analyzer:
    """The second pass: a :class:`Scope` for every name (``analyze_block``)."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def error_at_directive(self, block: Block, name: str, message: str) -> SyntaxError:
        for directive in block.directives:
            if directive[0] == name:
                _, lineno, col, end_lineno, end_col = directive
                return _syntax_error(
                    message, self.filename, lineno, col + 1, end_lineno, end_col + 1
                )
        raise AssertionError(f"no directive recorded for {name!r}")

    def analyze_name(
        self,
        block: Block,
        scopes: dict[str, Scope],
        name: str,
        flags: Def,
        bound: set[str] | None,
        local: set[str],
        free: set[str],
        global_: set[str],
        type_params: set[str],
        class_entry: Block | None,
    ) -> None:
        """Decide the scope of one name (``analyze_name``)."""
        if flags & Def.GLOBAL:
            if flags & Def.NONLOCAL:
                raise self.error_at_directive(
                    block, name, f"name '{name}' is nonlocal and global"
                )
            scopes[name] = Scope.GLOBAL_EXPLICIT
            global_.add(name)
            if bound is not None:
                bound.discard(name)
            return
        if flags & Def.NONLOCAL:
            if bound is None:
                raise self.error_at_directive(
                    block, name, "nonlocal declaration not allowed at module level"
                )
            if name not in bound:
                raise self.error_at_directive(
                    block, name, f"no binding for nonlocal '{name}' found"
                )
            if name in type_params:
                raise self.error_at_directive(
                    block,
                    name,
                    f"nonlocal binding not allowed for type parameter '{name}'",
                )
            scopes[name] = Scope.FREE
            block.has_free = True
            free.add(name)
            return
        if flags & _BOUND:
            scopes[name] = Scope.LOCAL
            local.add(name)
            global_.discard(name)
            if flags & Def.TYPE_PARAM:
                type_params.add(name)
            else:
                type_params.discard(name)
            return
        # An annotation scope inside a class sees the class's own names first.
        if class_entry is not None:
            class_flags = class_entry.symbols.get(name, Def(0))
            if class_flags & Def.GLOBAL:
                scopes[name] = Scope.GLOBAL_EXPLICIT
                return
            if class_flags & _BOUND and not class_flags & Def.NONLOCAL:
                scopes[name] = Scope.GLOBAL_IMPLICIT
                return
        if bound is not None and name in bound:
            scopes[name] = Scope.FREE
            block.has_free = True
            free.add(name)
            return
        if name in global_:
            scopes[name] = Scope.GLOBAL_IMPLICIT
            return
        if block.nested:
            block.has_free = True
        scopes[name] = Scope.GLOBAL_IMPLICIT

    def analyze_block(
        self,
        block: Block,
        bound: set[str] | None,
        free: set[str],
        global_: set[str],
        type_params: set[str],
        class_entry: Block | None,
    ) -> None:
        """Resolve *block* and, recursively, its children (``analyze_block``).

        *bound* holds the names bound by enclosing functions (None at module
        level), *global_* the names declared global further out; the names
        the block and its children need from outside are added to *free*.
        """
        local: set[str] = set()
        scopes: dict[str, Scope] = {}
        new_global: set[str] = set()
        new_free: set[str] = set()
        new_bound: set[str] = set()
        inlined_cells: set[str] = set()
        is_class = block.type is BlockType.CLASS

        # A class's own names are invisible to its methods: pass down only
        # what the class itself sees.
        if is_class:
            new_global |= global_
            if bound is not None:
                new_bound |= bound
        for name, flags in block.symbols.items():
            self.analyze_name(
                block,
                scopes,
                name,
                flags,
                bound,
                local,
                free,
                global_,
                type_params,
                class_entry,
            )
        if not is_class:
            if block.function_like:
                new_bound |= local
            if bound is not None:
                new_bound |= bound
            new_global |= global_
        else:
            new_bound.add("__class__")
            if _PY312:
                new_bound.add("__classdict__")

        for child in block.children:
            child_class_entry = None
            if child.can_see_class_scope:
                child_class_entry = block if is_class else class_entry
            inline = (
                _PY312
                and child.comprehension is not Comprehension.NONE
                and not child.generator
                and not block.can_see_class_scope
            )
            child_free = set(new_free)
            self.analyze_block(
                child,
                set(new_bound),
                child_free,
                set(new_global),
                set(type_params),
                child_class_entry,
            )
            if inline:
                self.inline_comprehension(
                    block, child, scopes, child_free, inlined_cells
                )
                child.comp_inlined = True
            new_free |= child_free
            if child.has_free or child.child_free:
                block.child_free = True

        spliced: list[Block] = []
        for child in block.children:
            spliced.extend(child.children if child.comp_inlined else [child])
        block.children = spliced

        if block.function_like:
            self.analyze_cells(scopes, new_free, inlined_cells)
        elif is_class:
            if "__class__" in new_free:
                new_free.discard("__class__")
                block.needs_class_closure = True
            if "__classdict__" in new_free and _PY312:
                new_free.discard("__classdict__")
                block.needs_classdict = True
        self.update_symbols(
            block,
            scopes,
            bound,
            new_free,
            inlined_cells,
            is_class or block.can_see_class_scope,
        )
        free |= new_free

    @staticmethod
    def inline_comprehension(
        block: Block,
        comp: Block,
        scopes: dict[str, Scope],
        comp_free: set[str],
        inlined_cells: set[str],
    ) -> None:
        """Move an inlined comprehension's names into *block*.

        ``inline_comprehension``, 3.12+.
        """
        remove_dunder_class = False
        for name, flags in comp.symbols.items():
            if flags & Def.PARAM:
                continue  # the hidden ".0" iterator
            scope = comp.scopes[name]
            if scope is Scope.CELL or flags & Def.COMP_CELL:
                inlined_cells.add(name)
            # __class__ is never free through a class scope.
            if (
                scope is Scope.FREE
                and block.type is BlockType.CLASS
                and name == "__class__"
            ):
                scope = Scope.GLOBAL_IMPLICIT
                comp_free.discard(name)
                remove_dunder_class = True
            existing = block.symbols.get(name)
            if existing is None:
                block.symbols[name] = flags
                scopes[name] = scope
            elif (
                existing & _BOUND
                and not any(c.scopes.get(name) is Scope.FREE for c in comp.children)
                and block.type is not BlockType.CLASS
            ):
                # Free in the comprehension, local here: now simply local.
                comp_free.discard(name)
        comp.has_free = bool(comp_free)
        if remove_dunder_class:
            del comp.symbols["__class__"]
            comp.scopes.pop("__class__", None)

    @staticmethod
    def analyze_cells(
        scopes: dict[str, Scope], free: set[str], inlined_cells: set[str]
    ) -> None:
        """Make cells of the locals inner blocks need (``analyze_cells``)."""
        for name, scope in scopes.items():
            if scope is not Scope.LOCAL:
                continue
            if name in free or name in inlined_cells:
                scopes[name] = Scope.CELL
                free.discard(name)

    @staticmethod
    def update_symbols(
        block: Block,
        scopes: dict[str, Scope],
        bound: set[str] | None,
        free: set[str],
        inlined_cells: set[str],
        class_flag: bool,
    ) -> None:
        """Record the scopes, and pass-through free names (``update_symbols``)."""
        for name in block.symbols:
            if name in inlined_cells:
                block.symbols[name] |= Def.COMP_CELL
            block.scopes[name] = scopes[name]
        # Names free in children but unknown here are free here too, unless
        # nothing encloses them (then they are globals, and not recorded).
        for name in sorted(free):
            flags = block.symbols.get(name)
            if flags is not None:
                if class_flag and (_PY312 or flags & (_BOUND | Def.GLOBAL)):
                    block.symbols[name] = flags | Def.FREE_CLASS
                continue
            if bound is not None and name not in bound:
                continue
            block.symbols[name] = Def(0)
            block.scopes[name] = Scope.FREE


@dataclass(frozen=True)
class SymbolTables:
    r"""The symbol tables of one program: its module block and every block by key.

    *top* is the module's :class:`Block`, the root of the tree of children.
    *blocks* maps each block's ``key`` to the block, for every block
    the tree had before the analysis: in 3.12+ this includes the blocks of
    inlined comprehensions, which the analysis removes from their parent's
    children but whose names the code generator still needs (the
    ``st_blocks`` dictionary that ``_PySymtable_Lookup`` searches).
    Annotation blocks, which hang from no parent, are not in it.

    A block's key is the ``id`` of the node that opened it (the node of a
    function, class, lambda, comprehension or type alias; the type-parameter
    list of a generic; a type parameter for its bound), or that ``id`` plus
    one for the default of a ``TypeVar``.

    >>> tree = parse("xs = [y for y in range(3)]\n")
    >>> tables = build_tables(tree)
    >>> comprehension = tree.body[0].value
    >>> block = tables.lookup(comprehension)
    >>> block.name, block.comp_inlined == _PY312
    ('listcomp', True)
    >>> (block in tables.top.children) == (not block.comp_inlined)
    True
    """

    top: Block
    blocks: Mapping[int, Block]

    def lookup(self, key: object) -> Block:
        """Return the block keyed by *key*.

        *key* is a block's ``int`` key, or the node (or type-parameter list)
        whose ``id`` is the key. :exc:`KeyError` if no block has that key.
        """
        return self.blocks[key if isinstance(key, int) else id(key)]


def build_tables(tree: ast.mod, filename: str = "<unknown>") -> SymbolTables:
    r"""Compute the symbol tables of *tree*, with an index of all its blocks.

    The same analysis as :func:`build`; the result also finds any block by
    its key (see :class:`SymbolTables`), as the code generator must.

    >>> tables = build_tables(parse("def f():\n    return 1\n"))
    >>> [block.name for block in tables.blocks.values()]
    ['top', 'f']
    """
    features = future_features(tree, filename)
    top = _Collector(filename, features).visit_module(tree)
    # Index before the analysis: it unhooks inlined comprehensions.
    blocks: dict[int, Block] = {}
    pending = [top]
    while pending:
        block = pending.pop()
        blocks[block.key] = block
        pending.extend(reversed(block.children))
    _Analyzer(filename).analyze_block(top, None, set(), set(), set(), None)
    return SymbolTables(top, blocks)


def build(tree: ast.mod, filename: str = "<unknown>") -> Block:
    r"""Compute the symbol tables of *tree*, returning the module's block.

    This is the data layer: :class:`Block` records with :class:`Def` flags and
    :class:`Scope` values, the analogue of ``_PySymtable_Build``. Compile-time
    scope errors raise :class:`SyntaxError`. :func:`build_tables` returns the
    same tree with an index of its blocks by key.

    >>> top = build(parse("def f():\n    x = 1\n    return lambda: x\n"))
    >>> f = top.children[0]
    >>> f.scopes["x"].name, f.children[0].scopes["x"].name
    ('CELL', 'FREE')
    """
    return build_tables(tree, filename).top


# -- the interface of the standard library's symtable module ----------------


class SymbolTableType(enum.StrEnum):
    """The kinds of table :meth:`SymbolTable.get_type` reports (3.13)."""

    MODULE = "module"
    FUNCTION = "function"
    CLASS = "class"
    ANNOTATION = "annotation"
    TYPE_ALIAS = "type alias"
    TYPE_PARAMETERS = "type parameters"
    TYPE_VARIABLE = "type variable"


class SymbolTable:
    """The symbol table of one block, as :class:`symtable.SymbolTable` shows it."""

    def __init__(self, block: Block, filename: str) -> None:
        self._block = block
        self._filename = filename
        self._symbols: dict[str, Symbol] = {}

    def __repr__(self) -> str:
        kind = "" if type(self) is SymbolTable else f"{type(self).__name__} "
        if self._block.name == "top":
            return f"<{kind}SymbolTable for module {self._filename}>"
        return f"<{kind}SymbolTable for {self._block.name} in {self._filename}>"

    def get_type(self) -> str:
        """Return the kind of block: a :class:`SymbolTableType` (str on 3.11)."""
        kind = SymbolTableType(self._block.type.value)
        return kind if _PY312 else str(kind.value)

    def get_id(self) -> int:
        """Return an identifier of the table, unique within one program."""
        return self._block.key

    def get_name(self) -> str:
        """Return the name of the class or function, ``'top'`` for the module."""
        return self._block.name

    def get_lineno(self) -> int:
        """Return the first line of the block."""
        return self._block.lineno

    def is_optimized(self) -> bool:
        """Whether the block's locals are fast locals (functions only)."""
        return self._block.type is BlockType.FUNCTION

    def is_nested(self) -> bool:
        """Whether the block is nested in a function (or a nested block)."""
        return self._block.nested

    def has_children(self) -> bool:
        """Whether blocks are nested in this one."""
        return bool(self._block.children)

    def get_identifiers(self) -> KeysView[str]:
        """Return the names of the table's symbols."""
        return self._block.symbols.keys()

    def lookup(self, name: str) -> Symbol:
        """Return the :class:`Symbol` for *name*; KeyError if there is none."""
        symbol = self._symbols.get(name)
        if symbol is None:
            flags = self._block.symbols[name]
            namespaces = [
                _new_table(child, self._filename)
                for child in self._block.children
                if child.name == name
            ]
            symbol = self._symbols[name] = Symbol(
                name,
                flags,
                self._block.scopes.get(name),
                namespaces,
                module_scope=self._block.name == "top",
            )
        return symbol

    def get_symbols(self) -> list[Symbol]:
        """Return a :class:`Symbol` for every name in the table."""
        return [self.lookup(name) for name in self.get_identifiers()]

    def get_children(self) -> list[SymbolTable]:
        """Return the tables of the nested blocks."""
        return [_new_table(child, self._filename) for child in self._block.children]


class Function(SymbolTable):
    """The table of a function, lambda or comprehension."""

    def _names_where(
        self, test: Callable[[Def, Scope | None], bool]
    ) -> tuple[str, ...]:
        block = self._block
        return tuple(
            name
            for name, flags in block.symbols.items()
            if test(flags, block.scopes.get(name))
        )

    def get_parameters(self) -> tuple[str, ...]:
        """Return the names of the parameters."""
        return self._names_where(lambda flags, _: bool(flags & Def.PARAM))

    def get_locals(self) -> tuple[str, ...]:
        """Return the names local to the function (cells included)."""
        return self._names_where(lambda _, s: s in (Scope.LOCAL, Scope.CELL))

    def get_globals(self) -> tuple[str, ...]:
        """Return the names the function reads or writes as globals."""
        return self._names_where(
            lambda _, s: s in (Scope.GLOBAL_IMPLICIT, Scope.GLOBAL_EXPLICIT)
        )

    def get_nonlocals(self) -> tuple[str, ...]:
        """Return the names declared ``nonlocal``."""
        return self._names_where(lambda flags, _: bool(flags & Def.NONLOCAL))

    def get_frees(self) -> tuple[str, ...]:
        """Return the free variables, borrowed from enclosing functions."""
        return self._names_where(lambda _, s: s is Scope.FREE)


class Class(SymbolTable):
    """The table of a class body."""

    def get_methods(self) -> tuple[str, ...]:
        """Return the names of the functions defined in the class body.

        3.11 lists the name of every child block; 3.13 only functions (generic
        ones included) bound as locals of the class.
        """
        block = self._block
        methods: dict[str, None] = {}
        for child in block.children:
            if not _PY312:
                methods[child.name] = None
                continue
            if block.scopes.get(child.name) is not Scope.LOCAL:
                continue
            if child.type is BlockType.FUNCTION:
                if child.name == "genexpr" and ".0" in child.varnames:
                    continue
                methods[child.name] = None
            elif child.type is BlockType.TYPE_PARAMETERS and any(
                c.name == child.name and c.type is BlockType.FUNCTION
                for c in child.children
            ):
                methods[child.name] = None
        return tuple(methods)


class Symbol:
    """One name in one table, as :class:`symtable.Symbol` describes it."""

    def __init__(
        self,
        name: str,
        flags: Def,
        scope: Scope | None,
        namespaces: list[SymbolTable] | None = None,
        *,
        module_scope: bool = False,
    ) -> None:
        self._name = name
        self._flags = flags
        self._scope = scope
        self._namespaces = namespaces or ()
        self._module_scope = module_scope

    def __repr__(self) -> str:
        return f"<symbol {self._name!r}>"

    def get_name(self) -> str:
        """Return the name."""
        return self._name

    def is_referenced(self) -> bool:
        """Whether the block reads the name."""
        return bool(self._flags & Def.USE)

    def is_parameter(self) -> bool:
        """Whether the name is a parameter."""
        return bool(self._flags & Def.PARAM)

    def is_global(self) -> bool:
        """Whether the name is global (bound names of the module count)."""
        return self._scope in (Scope.GLOBAL_IMPLICIT, Scope.GLOBAL_EXPLICIT) or bool(
            self._module_scope and self._flags & _BOUND
        )

    def is_nonlocal(self) -> bool:
        """Whether the name is declared ``nonlocal``."""
        return bool(self._flags & Def.NONLOCAL)

    def is_declared_global(self) -> bool:
        """Whether the name is declared ``global``."""
        return self._scope is Scope.GLOBAL_EXPLICIT

    def is_local(self) -> bool:
        """Whether the name is local (bound names of the module count)."""
        return self._scope in (Scope.LOCAL, Scope.CELL) or bool(
            self._module_scope and self._flags & _BOUND
        )

    def is_annotated(self) -> bool:
        """Whether the name is annotated."""
        return bool(self._flags & Def.ANNOT)

    def is_free(self) -> bool:
        """Whether the name is a free variable."""
        return self._scope is Scope.FREE

    def is_imported(self) -> bool:
        """Whether an import binds the name."""
        return bool(self._flags & Def.IMPORT)

    def is_assigned(self) -> bool:
        """Whether the name is assigned to."""
        return bool(self._flags & Def.LOCAL)

    def is_namespace(self) -> bool:
        """Whether a nested block (class, function…) has this name."""
        return bool(self._namespaces)

    def get_namespaces(self) -> Sequence[SymbolTable]:
        """Return the nested blocks that have this name."""
        return self._namespaces

    def get_namespace(self) -> SymbolTable:
        """Return the one nested block of this name (ValueError if not one)."""
        if len(self._namespaces) == 0:
            raise ValueError("name is not bound to any namespaces")
        if len(self._namespaces) > 1:
            raise ValueError("name is bound to multiple namespaces")
        return self._namespaces[0]


def _new_table(block: Block, filename: str) -> SymbolTable:
    if block.type is BlockType.FUNCTION:
        return Function(block, filename)
    if block.type is BlockType.CLASS:
        return Class(block, filename)
    return SymbolTable(block, filename)


def symtable(source: str | bytes, filename: str, compile_type: str) -> SymbolTable:
    r"""Return the table of the module compiled from *source*.

    The counterpart of :func:`symtable.symtable`: *compile_type* is
    ``"exec"``, ``"eval"`` or ``"single"``; syntax errors, from the parser or
    from the scope rules, raise :class:`SyntaxError`.

    >>> source = "import os\nclass C:\n    def m(self): pass\n"
    >>> top = symtable(source, "m.py", "exec")
    >>> top.get_type() == "module", [t.get_name() for t in top.get_children()]
    (True, ['C'])
    >>> top.lookup("C").get_namespace().get_methods()
    ('m',)
    """
    if compile_type not in ("exec", "eval", "single"):
        raise ValueError("symtable() arg 3 must be 'exec' or 'eval' or 'single'")
    tree = parse(source, filename, compile_type)
    return _new_table(build(tree, filename), filename)
