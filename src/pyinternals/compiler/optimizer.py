r"""The AST optimizer: constant folding as CPython's ``Python/ast_opt.c`` does it.

Between the parser and the compiler CPython rewrites the tree in a few safe
ways (``_PyAST_Optimize``, 3.11 and 3.13 alike):

* operations on constants are computed once, at compile time: ``2 * 3``
  becomes ``6``, ``-1`` a constant, ``"ab"[0]`` ``"a"`` (``fold_binop``,
  ``fold_unaryop``, ``fold_subscr``), unless evaluating raises (``1 / 0``
  stays, to fail at run time) or the result would be big: an int of more than
  ``MAX_INT_SIZE`` bits, a str or bytes of more than ``MAX_STR_SIZE`` items,
  a tuple of more than ``MAX_COLLECTION_SIZE`` items or with more than
  ``MAX_TOTAL_ITEMS`` nested items (``safe_multiply``, ``safe_power``,
  ``safe_lshift``); ``%`` on a str or bytes is never computed (``safe_mod``);
* a tuple display of constants becomes a tuple constant (``fold_tuple``);
* a list or set display that is only iterated over or searched, in
  ``for x in [...]``, a comprehension's ``for``, ``x in [...]``, becomes a
  tuple or frozenset (``fold_iter``, ``fold_compare``);
* ``not (a is b)`` becomes ``a is not b``, likewise for ``in`` (never for
  ``==`` or ``<``, which classes may define inconsistently);
* ``"%s-%r" % (a, b)`` becomes the f-string ``f"{a!s}-{b!r}"`` when the format
  uses only ``%s``, ``%r`` and ``%a`` (``optimize_format``);
* ``__debug__`` becomes ``True`` (``False`` under ``-O``).

Annotations are left alone under ``from __future__ import annotations``, and a
folded string never becomes a docstring by accident: it is wrapped in an
f-string (``astfold_body``).

:func:`optimize` does all of this on a copy of the tree: the caller's tree is
never changed.

What this pass does *not* do is remove dead code: ``if 0:`` or
``if __debug__:`` under ``-O`` survive ``ast_opt.c``. CPython's compiler
emits both branches (``compiler_if`` in ``Python/compile.c``) and its
control-flow-graph optimizer turns a constant condition into a jump and drops
the unreachable block (``basicblock_optimize_load_const`` and
``remove_unreachable`` in 3.13's ``Python/flowgraph.c``; ``optimize_basic_block``
in 3.11's ``Python/compile.c``), long after the symbol table has seen the dead
code. :func:`eliminate_dead_branches` is our separate step for the same effect
on trees, limited to branches whose removal cannot change any name's scope.

>>> import ast
>>> print(ast.unparse(optimize(ast.parse("x = (1 + 2, 'ab' * 2, -5, 2 ** 200)"))))
x = (3, 'abab', -5, 2 ** 200)
"""

import ast
import copy
import operator
import sys
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar

from pyinternals.compiler.scopes import future_features

__all__ = [
    "MAX_COLLECTION_SIZE",
    "MAX_INT_SIZE",
    "MAX_STR_SIZE",
    "MAX_TOTAL_ITEMS",
    "eliminate_dead_branches",
    "optimize",
]

MAX_INT_SIZE: Final = 128  # bits
MAX_COLLECTION_SIZE: Final = 256  # items
MAX_STR_SIZE: Final = 4096  # characters or bytes
MAX_TOTAL_ITEMS: Final = 1024  # items, nested collections included

_Tree = TypeVar("_Tree", bound=ast.AST)

_SIZE_MAX = sys.maxsize * 2 + 1  # PyLong_AsSize_t refuses more


class _Refused(Exception):
    """A size limit forbids folding: CPython's helpers return NULL."""


def _check_complexity(value: object, limit: int) -> int:
    """Count down *limit* by the items of nested tuples (``check_complexity``)."""
    if isinstance(value, tuple):
        limit -= len(value)
        for item in value:
            if limit < 0:
                break
            limit = _check_complexity(item, limit)
    return limit


def _as_long(value: int) -> int:
    """``PyLong_AsLong``: an int too big for a C long refuses to fold."""
    if not -(2**63) <= value < 2**63:
        raise _Refused
    return value


def _safe_multiply(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and left and right:
        if left.bit_length() + right.bit_length() > MAX_INT_SIZE:
            raise _Refused
    elif isinstance(left, int) and isinstance(right, tuple):
        if right:
            count = _as_long(left)
            if count < 0 or count > MAX_COLLECTION_SIZE // len(right):
                raise _Refused
            if count and _check_complexity(right, MAX_TOTAL_ITEMS // count) < 0:
                raise _Refused
    elif isinstance(left, int) and isinstance(right, str | bytes):
        if right:
            count = _as_long(left)
            if count < 0 or count > MAX_STR_SIZE // len(right):
                raise _Refused
    elif isinstance(right, int) and isinstance(left, tuple | str | bytes):
        return _safe_multiply(right, left)
    return left * right


def _safe_power(base: Any, exponent: Any) -> Any:
    positive_int = isinstance(exponent, int) and exponent > 0
    if isinstance(base, int) and base and positive_int:
        too_big = exponent > _SIZE_MAX or base.bit_length() > MAX_INT_SIZE // exponent
        if too_big:
            raise _Refused
    return base**exponent


def _safe_lshift(value: Any, shift: Any) -> Any:
    if isinstance(value, int) and isinstance(shift, int) and value and shift:
        if not 0 <= shift <= _SIZE_MAX:
            raise _Refused
        if shift > MAX_INT_SIZE or value.bit_length() > MAX_INT_SIZE - shift:
            raise _Refused
    return value << shift


def _safe_mod(left: Any, right: Any) -> Any:
    # str % x and bytes % x are formatting, left to run time (or optimize_format).
    if isinstance(left, str | bytes):
        raise _Refused
    return left % right


_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: _safe_multiply,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: _safe_mod,
    ast.Pow: _safe_power,
    ast.LShift: _safe_lshift,
    ast.RShift: operator.rshift,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.BitAnd: operator.and_,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.Invert: operator.invert,
    ast.Not: operator.not_,
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
# ``not`` folds into these comparisons only; == and < may be defined in terms
# of each other by a class, so inverting them is not safe.
_INVERSE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}


def _constant_like(node: ast.AST, value: object) -> ast.Constant:
    """Make a constant to take the place of *node* (``make_const``)."""
    constant = ast.Constant(value=value)  # type: ignore[arg-type]
    return ast.copy_location(constant, node)


def _has_starred(elts: Iterable[ast.expr]) -> bool:
    return any(isinstance(e, ast.Starred) for e in elts)


def _constant_tuple(elts: list[ast.expr]) -> tuple[object, ...] | None:
    if all(isinstance(e, ast.Constant) for e in elts):
        return tuple(e.value for e in elts)  # type: ignore[attr-defined]
    return None


def _is_docstring(body: list[ast.stmt]) -> bool:
    """Tell whether *body* opens with a str constant (``_PyAST_GetDocString``)."""
    if not body or not isinstance(body[0], ast.Expr):
        return False
    value = body[0].value
    return isinstance(value, ast.Constant) and type(value.value) is str


# -- printf-style formatting to f-strings (optimize_format) -----------------

_MAX_DIGITS = 3  # width and precision of at most two digits


def _parse_literal(fmt: str, pos: int) -> tuple[ast.Constant | None, int]:
    """Read text up to the next lone ``%`` (``parse_literal``)."""
    start = pos
    while pos < len(fmt):
        if fmt[pos] != "%":
            pos += 1
        elif pos + 1 < len(fmt) and fmt[pos + 1] == "%":
            pos += 2
        else:
            break
    if pos == start:
        return None, pos
    text = fmt[start:pos].replace("%%", "%")
    # The new nodes have no position of their own.
    constant = ast.Constant(
        value=text, lineno=-1, col_offset=-1, end_lineno=-1, end_col_offset=-1
    )
    return constant, pos


def _parse_conversion(fmt: str, pos: int) -> tuple[str, str, int] | None:
    """Read one ``%`` unit after the ``%`` (``simple_format_arg_parse``).

    Return the conversion character, the equivalent f-string format spec and
    the position after the unit, or None for a unit f-strings cannot express.
    """
    left_justify = False
    width = precision = -1

    def next_char() -> str | None:
        nonlocal pos
        if pos >= len(fmt):
            return None
        pos += 1
        return fmt[pos - 1]

    def read_number(char: str | None) -> tuple[int, str] | None:
        """Read decimal digits from *char* on: the value and the next character.

        None when the format ends, or the number has too many digits.
        """
        value = digits = 0
        while char is not None and "0" <= char <= "9":
            value = value * 10 + int(char)
            char = next_char()
            digits += 1
            if char is None or digits >= _MAX_DIGITS:
                return None
        return (value, char) if char is not None else None

    char = next_char()
    while char is not None and char in "-+ #0":
        left_justify |= char == "-"
        char = next_char()
    if char is None:
        return None
    if char.isdigit() and char.isascii():
        number = read_number(char)
        if number is None:
            return None
        width, char = number
    if char == ".":
        char = next_char()
        if char is None:
            return None
        number = read_number(char)
        if number is None:
            return None
        precision, char = number
    spec = ""
    if not left_justify and width > 0:
        spec += ">"
    if width >= 0:
        spec += str(width)
    if precision >= 0:
        spec += f".{precision}"
    return char, spec, pos


def _optimize_format(node: ast.BinOp, fmt: str, elts: list[ast.expr]) -> ast.expr:
    """Turn ``"..." % (a, b)`` into an f-string if every unit allows it."""
    pos = 0
    count = 0
    values: list[ast.expr] = []
    while True:
        literal, pos = _parse_literal(fmt, pos)
        if literal is not None:
            values.append(literal)
        if pos >= len(fmt):
            break
        if count >= len(elts):
            return node  # more format units than items
        parsed = _parse_conversion(fmt, pos + 1)
        arg = elts[count]
        count += 1
        if parsed is None or parsed[0] not in "sra":
            return node
        conversion, spec, pos = parsed
        format_spec = None
        if spec:
            format_spec = ast.Constant(
                value=spec, lineno=-1, col_offset=-1, end_lineno=-1, end_col_offset=-1
            )
        formatted = ast.FormattedValue(
            value=arg, conversion=ord(conversion), format_spec=format_spec
        )
        values.append(ast.copy_location(formatted, arg))
    if count < len(elts):
        return node  # more items than format units
    return ast.copy_location(ast.JoinedStr(values=values), node)


class _Folder:
    """One walk over a tree, folding bottom-up (``astfold_*``)."""

    def __init__(self, level: int, future_annotations: bool) -> None:
        self.level = level
        self.fold_annotations = not future_annotations

    # -- sequences and bodies ------------------------------------------------

    def exprs(self, nodes: list[Any]) -> list[Any]:
        return [None if n is None else self.expr(n) for n in nodes]

    def stmts(self, nodes: list[ast.stmt]) -> list[ast.stmt]:
        for node in nodes:
            self.stmt(node)
        return nodes

    def body(self, nodes: list[ast.stmt]) -> list[ast.stmt]:
        """Fold a body, keeping a folded string from turning into a docstring."""
        had_docstring = _is_docstring(nodes)
        self.stmts(nodes)
        if not had_docstring and _is_docstring(nodes):
            first = nodes[0]
            assert isinstance(first, ast.Expr)
            first.value = ast.copy_location(ast.JoinedStr(values=[first.value]), first)
        return nodes

    def module(self, tree: ast.AST) -> None:
        if isinstance(tree, ast.Module):
            self.body(tree.body)
        elif isinstance(tree, ast.Interactive):
            self.stmts(tree.body)
        elif isinstance(tree, ast.Expression):
            tree.body = self.expr(tree.body)
        elif isinstance(tree, ast.stmt):
            self.stmt(tree)
        elif isinstance(tree, ast.expr):
            raise TypeError(
                "optimize() folds statements and modules, not bare expressions"
            )

    # -- statements ----------------------------------------------------------

    def stmt(self, node: ast.stmt) -> None:
        method = getattr(self, "stmt_" + type(node).__name__, None)
        if method is not None:
            method(node)
            return
        # Statements whose sub-nodes are folded without anything special.
        for name, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                setattr(node, name, self.expr(value))
            elif isinstance(value, list) and value:
                if isinstance(value[0], ast.stmt):
                    self.stmts(value)
                elif isinstance(value[0], ast.expr):
                    setattr(node, name, self.exprs(value))
                elif isinstance(value[0], ast.excepthandler):
                    for handler in value:
                        self.excepthandler(handler)
                elif isinstance(value[0], ast.withitem):
                    for item in value:
                        item.context_expr = self.expr(item.context_expr)
                        if item.optional_vars is not None:
                            item.optional_vars = self.expr(item.optional_vars)
                elif isinstance(value[0], ast.match_case):
                    for case in value:
                        case.pattern = self.pattern(case.pattern)
                        if case.guard is not None:
                            case.guard = self.expr(case.guard)
                        self.stmts(case.body)

    def excepthandler(self, handler: ast.excepthandler) -> None:
        assert isinstance(handler, ast.ExceptHandler)
        if handler.type is not None:
            handler.type = self.expr(handler.type)
        self.stmts(handler.body)

    def stmt_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for param in getattr(node, "type_params", []):
            self.type_param(param)
        self.arguments(node.args)
        self.body(node.body)
        node.decorator_list = self.exprs(node.decorator_list)
        if self.fold_annotations and node.returns is not None:
            node.returns = self.expr(node.returns)

    stmt_AsyncFunctionDef = stmt_FunctionDef

    def stmt_ClassDef(self, node: ast.ClassDef) -> None:
        for param in getattr(node, "type_params", []):
            self.type_param(param)
        node.bases = self.exprs(node.bases)
        for keyword in node.keywords:
            keyword.value = self.expr(keyword.value)
        self.body(node.body)
        node.decorator_list = self.exprs(node.decorator_list)

    def stmt_AnnAssign(self, node: ast.AnnAssign) -> None:
        node.target = self.expr(node.target)  # type: ignore[assignment]
        if self.fold_annotations:
            node.annotation = self.expr(node.annotation)
        if node.value is not None:
            node.value = self.expr(node.value)

    def stmt_TypeAlias(self, node: Any) -> None:
        node.name = self.expr(node.name)
        for param in node.type_params:
            self.type_param(param)
        node.value = self.expr(node.value)

    def stmt_For(self, node: ast.For) -> None:
        node.target = self.expr(node.target)
        node.iter = self.expr(node.iter)
        self.stmts(node.body)
        self.stmts(node.orelse)
        node.iter = self.fold_iter(node.iter)

    def type_param(self, param: Any) -> None:
        for name in ("bound", "default_value"):
            value = getattr(param, name, None)
            if value is not None:
                setattr(param, name, self.expr(value))

    def arguments(self, args: ast.arguments) -> None:
        if self.fold_annotations:
            every = [*args.posonlyargs, *args.args, args.vararg]
            every += [*args.kwonlyargs, args.kwarg]
            for arg in every:
                if arg is not None and arg.annotation is not None:
                    arg.annotation = self.expr(arg.annotation)
        args.kw_defaults = self.exprs(args.kw_defaults)
        args.defaults = self.exprs(args.defaults)

    def pattern(self, node: ast.pattern) -> ast.pattern:
        """Fold inside patterns: in practice ``-1`` and ``1+2j`` in ``case``."""
        if isinstance(node, ast.MatchValue):
            node.value = self.expr(node.value)
        elif isinstance(node, ast.MatchMapping):
            node.keys = self.exprs(node.keys)
            node.patterns = [self.pattern(p) for p in node.patterns]
        elif isinstance(node, ast.MatchClass):
            node.cls = self.expr(node.cls)
            node.patterns = [self.pattern(p) for p in node.patterns]
            node.kwd_patterns = [self.pattern(p) for p in node.kwd_patterns]
        elif isinstance(node, ast.MatchAs) and node.pattern is not None:
            node.pattern = self.pattern(node.pattern)
        elif isinstance(node, ast.MatchSequence | ast.MatchOr):
            node.patterns = [self.pattern(p) for p in node.patterns]
        return node

    # -- expressions ---------------------------------------------------------

    def expr(self, node: ast.expr) -> ast.expr:
        """Fold *node*'s sub-expressions, then *node*; return what replaces it."""
        method = getattr(self, "expr_" + type(node).__name__, None)
        if method is not None:
            result: ast.expr = method(node)
            return result
        for name, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                setattr(node, name, self.expr(value))
            elif isinstance(value, list) and value:
                if isinstance(value[0], ast.expr | type(None)):
                    setattr(node, name, self.exprs(value))
                elif isinstance(value[0], ast.keyword):
                    for keyword in value:
                        keyword.value = self.expr(keyword.value)
        return node

    def expr_Constant(self, node: ast.Constant) -> ast.expr:
        return node

    def expr_NamedExpr(self, node: ast.NamedExpr) -> ast.expr:
        node.value = self.expr(node.value)
        return node

    def expr_Lambda(self, node: ast.Lambda) -> ast.expr:
        self.arguments(node.args)
        node.body = self.expr(node.body)
        return node

    def expr_Name(self, node: ast.Name) -> ast.expr:
        if isinstance(node.ctx, ast.Load) and node.id == "__debug__":
            return _constant_like(node, not self.level)
        return node

    def expr_BinOp(self, node: ast.BinOp) -> ast.expr:
        node.left = self.expr(node.left)
        node.right = self.expr(node.right)
        left, right = node.left, node.right
        if not isinstance(left, ast.Constant):
            return node
        if (
            isinstance(node.op, ast.Mod)
            and isinstance(right, ast.Tuple)
            and isinstance(left.value, str)
            and not _has_starred(right.elts)
        ):
            return _optimize_format(node, left.value, right.elts)
        if not isinstance(right, ast.Constant):
            return node
        compute = _BINARY.get(type(node.op))
        if compute is None:  # @: no constant implements it
            return node
        return self.computed(node, compute, left.value, right.value)

    def expr_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        node.operand = self.expr(node.operand)
        operand = node.operand
        if isinstance(operand, ast.Constant):
            return self.computed(node, _UNARY[type(node.op)], operand.value)
        if (
            isinstance(node.op, ast.Not)
            and isinstance(operand, ast.Compare)
            and len(operand.ops) == 1
        ):
            inverse = _INVERSE.get(type(operand.ops[0]))
            if inverse is not None:
                # The comparison, inverted, takes the place of the ``not``.
                operand.ops = [inverse()]
                return operand
        return node

    def expr_Tuple(self, node: ast.Tuple) -> ast.expr:
        node.elts = self.exprs(node.elts)
        if isinstance(node.ctx, ast.Load):
            value = _constant_tuple(node.elts)
            if value is not None:
                return _constant_like(node, value)
        return node

    def expr_Subscript(self, node: ast.Subscript) -> ast.expr:
        node.value = self.expr(node.value)
        node.slice = self.expr(node.slice)
        if (
            isinstance(node.ctx, ast.Load)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.slice, ast.Constant)
        ):
            return self.computed(
                node, operator.getitem, node.value.value, node.slice.value
            )
        return node

    def expr_Compare(self, node: ast.Compare) -> ast.expr:
        node.left = self.expr(node.left)
        node.comparators = self.exprs(node.comparators)
        if isinstance(node.ops[-1], ast.In | ast.NotIn):
            node.comparators[-1] = self.fold_iter(node.comparators[-1])
        return node

    def comprehension_expr(self, node: Any, elements: tuple[str, ...]) -> ast.expr:
        for name in elements:
            setattr(node, name, self.expr(getattr(node, name)))
        for generator in node.generators:
            generator.target = self.expr(generator.target)
            generator.iter = self.expr(generator.iter)
            generator.ifs = self.exprs(generator.ifs)
            generator.iter = self.fold_iter(generator.iter)
        result: ast.expr = node
        return result

    def expr_ListComp(self, node: ast.ListComp) -> ast.expr:
        return self.comprehension_expr(node, ("elt",))

    expr_SetComp = expr_ListComp
    expr_GeneratorExp = expr_ListComp

    def expr_DictComp(self, node: ast.DictComp) -> ast.expr:
        return self.comprehension_expr(node, ("key", "value"))

    # -- folding -------------------------------------------------------------

    @staticmethod
    def computed(node: ast.expr, compute: Callable[..., Any], *args: Any) -> ast.expr:
        """Replace *node* by the constant ``compute(*args)``, if it has one.

        Any exception (``1 / 0``, ``"a" + 1``, a size limit) leaves the
        expression to be evaluated, and to fail, at run time.
        """
        try:
            value = compute(*args)
        except Exception:  # make_const clears every error alike
            return node
        return _constant_like(node, value)

    @staticmethod
    def fold_iter(node: ast.expr) -> ast.expr:
        """Make a tuple of a list, a frozenset of a set of constants (``fold_iter``).

        Only for a list or set that is iterated over or searched.
        """
        if isinstance(node, ast.List):
            if _has_starred(node.elts):
                return node
            as_tuple = ast.copy_location(ast.Tuple(elts=node.elts, ctx=node.ctx), node)
            value = _constant_tuple(node.elts)
            return as_tuple if value is None else _constant_like(node, value)
        if isinstance(node, ast.Set):
            value = _constant_tuple(node.elts)
            if value is not None:
                return _constant_like(node, frozenset(value))
        return node


def optimize(tree: _Tree, *, level: int = 0) -> _Tree:
    """Return a constant-folded copy of *tree*, as ``Python/ast_opt.c`` folds.

    *tree* is a module (``exec``, ``eval`` or ``single`` mode) or a statement;
    it is deep-copied first and never changed. *level* is the optimization
    level of ``compile()``: ``__debug__`` folds to ``not level``. Under
    ``from __future__ import annotations`` annotations are not folded; an
    unknown ``__future__`` feature raises :class:`SyntaxError` as it does in
    ``compile()``.

    >>> import ast
    >>> print(ast.unparse(optimize(ast.parse("if not x in [1, 2]: y = 'a' * 4097"))))
    if x not in (1, 2):
        y = 'a' * 4097
    """
    folded = copy.deepcopy(tree)
    features = (
        future_features(folded) if isinstance(folded, ast.mod) else frozenset[str]()
    )
    _Folder(level, "annotations" in features).module(folded)
    return folded


# -- dead branches (the compiler's job, on trees) -----------------------------

# Nodes whose presence in a dropped branch could change the scope of a name or
# the kind of the enclosing function (generator, coroutine): keep such
# branches, exactly as CPython's symbol table keeps seeing them.
_SCOPE_CHANGING = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Lambda,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.Yield,
    ast.YieldFrom,
    ast.Await,
    ast.AsyncFor,
    ast.AsyncWith,
    ast.Global,
    ast.Nonlocal,
    ast.Import,
    ast.ImportFrom,
    ast.NamedExpr,
    ast.ExceptHandler,
    ast.MatchAs,
    ast.MatchStar,
    ast.MatchMapping,
    ast.AnnAssign,
)


def _scope_neutral(stmts: list[ast.stmt]) -> bool:
    """Whether dropping *stmts* leaves every name's scope as it was."""
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, _SCOPE_CHANGING) or type(node).__name__ == "TypeAlias":
                return False
            if isinstance(node, ast.Name) and (
                not isinstance(node.ctx, ast.Load) or node.id in ("super", "__class__")
            ):
                return False
    return True


class _DeadBranchRemover(ast.NodeTransformer):
    """Replace ``if`` and ``while`` statements on constant conditions."""

    def visit_If(self, node: ast.If) -> Any:
        self.generic_visit(node)
        if not isinstance(node.test, ast.Constant):
            return node
        if node.test.value:
            kept, dropped = node.body, node.orelse
        else:
            kept, dropped = node.orelse, node.body
        return self.replacement(node, kept, dropped)

    def visit_While(self, node: ast.While) -> Any:
        self.generic_visit(node)
        if isinstance(node.test, ast.Constant) and not node.test.value:
            return self.replacement(node, node.orelse, node.body)
        return node

    @staticmethod
    def replacement(
        node: ast.stmt, kept: list[ast.stmt], dropped: list[ast.stmt]
    ) -> ast.stmt | list[ast.stmt]:
        # A kept string statement could become a docstring where it lands.
        if _is_docstring(kept) or not _scope_neutral(dropped):
            return node
        return kept

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        if isinstance(node, ast.mod):
            return node
        # A body must not be empty: a ``pass`` stands where the code was.
        body = getattr(node, "body", None)
        if isinstance(body, list) and not body:
            body.append(ast.copy_location(ast.Pass(), node))
        return node

    def visit_Try(self, node: ast.Try) -> ast.AST:
        had_finalbody = bool(node.finalbody)
        self.generic_visit(node)
        if had_finalbody and not node.finalbody:
            node.finalbody.append(ast.copy_location(ast.Pass(), node))
        return node

    visit_TryStar = visit_Try  # type: ignore[assignment]


def eliminate_dead_branches(tree: _Tree) -> _Tree:
    r"""Return a copy of *tree* without the branches a constant test never runs.

    ``if`` on a constant keeps the branch its truth selects; ``while`` on a
    false constant keeps only its ``else``. This is what CPython's
    control-flow-graph optimizer achieves on bytecode; on trees we only drop a
    branch that binds no name, declares nothing and contains no nested scope,
    ``yield`` or ``await``, so that the symbol table is the same with or
    without it (a read of a free variable in a dropped branch is the one
    trace left: the variable no longer appears in the function's closure).
    Run it after :func:`optimize`, which turns ``__debug__`` into a constant.

    >>> import ast
    >>> tree = optimize(ast.parse("if __debug__:\n    print('on')\nelse:\n    log()"))
    >>> print(ast.unparse(eliminate_dead_branches(tree)))
    print('on')
    """
    pruned: _Tree = _DeadBranchRemover().visit(copy.deepcopy(tree))
    return pruned
