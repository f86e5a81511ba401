"""Expressions: values computed on the stack.

An expression compiles to instructions that leave exactly one value on the
value stack: the operands first, left to right, then the operation
(``compiler_visit_expr1`` in ``Python/compile.c``). This module covers the
operators, names and constants, attribute and subscript access, displays
(tuples, lists, sets, dicts, with ``*`` and ``**`` unpacking), assignment
targets that unpack, conditional expressions, and the one piece of control
flow every statement needs: :func:`jump_if`, which compiles a condition into
a conditional jump without materializing a bool when it can (``a and b`` in
an ``if`` jumps twice instead of computing ``a and b``).

Calls, comprehensions, lambdas and f-strings have modules of their own; they
register their node types with the same dispatcher.

>>> import ast
>>> from pyinternals.compiler.codegen.core import Compiler, ScopeType
>>> c = Compiler(ast.parse("-x"), "<demo>", mode="exec")
>>> c.enter_scope("<module>", ScopeType.MODULE, c.tree, 1)
>>> c.visit_expr(c.tree.body[0].value)
>>> [i.opname for i in c.unit.code.instructions()]
['RESUME', 'LOAD_NAME', 'UNARY_NEGATIVE']
"""

from __future__ import annotations

import ast

from pyinternals.compiler.codegen.core import (
    PY313,
    STACK_USE_GUIDELINE,
    Compiler,
    Intrinsic,
    ScopeType,
    expression,
    loc,
)
from pyinternals.compiler.instructions import NO_LOCATION, Label, Location
from pyinternals.compiler.scopes import Def, Scope

__all__ = [
    "BINARY_OPS",
    "add_await",
    "add_compare",
    "add_yield",
    "add_yield_from",
    "assignment_helper",
    "binary_op",
    "can_optimize_super_call",
    "check_compare",
    "infer_type",
    "is_import_originated",
    "is_two_element_slice",
    "jump_if",
    "load_args_for_super",
    "slice_parts",
    "starunpack_helper",
    "update_start_location_to_match_attr",
]

BINARY_OPS: dict[type[ast.operator], int] = {
    ast.Add: 0,
    ast.BitAnd: 1,
    ast.FloorDiv: 2,
    ast.LShift: 3,
    ast.MatMult: 4,
    ast.Mult: 5,
    ast.Mod: 6,
    ast.BitOr: 7,
    ast.Pow: 8,
    ast.RShift: 9,
    ast.Sub: 10,
    ast.Div: 11,
    ast.BitXor: 12,
}
"""The ``BINARY_OP`` argument of each operator (``NB_*``); in-place adds 13."""

_INPLACE = 13

# Rich comparisons: the Py_LT... number and the mask quickened forms use.
_COMPARISONS: dict[type[ast.cmpop], tuple[int, int]] = {
    ast.Lt: (0, 2),
    ast.LtE: (1, 2 | 8),
    ast.Eq: (2, 8),
    ast.NotEq: (3, 1 | 2 | 4),
    ast.Gt: (4, 4),
    ast.GtE: (5, 4 | 8),
}


def binary_op(c: Compiler, where: Location, op: ast.operator, inplace: bool) -> None:
    """Emit ``BINARY_OP`` for *op* (``addop_binary``).

    >>> from pyinternals.compiler.codegen.core import Compiler, ScopeType
    >>> c = Compiler(ast.parse(""), "<demo>", mode="exec")
    >>> c.enter_scope("<module>", ScopeType.MODULE, c.tree, 1)
    >>> binary_op(c, Location(1, 1, 0, 1), ast.Sub(), inplace=True)
    >>> c.unit.code.body[-1]
    Instr(BINARY_OP 23)
    """
    c.emit(where, "BINARY_OP", BINARY_OPS[type(op)] + (_INPLACE if inplace else 0))


def add_compare(c: Compiler, where: Location, op: ast.cmpop) -> None:
    """Emit the instruction for one comparison operator (``compiler_addcompare``).

    ``is`` and ``in`` have instructions of their own; the six rich
    comparisons share ``COMPARE_OP``. Since 3.12 its argument carries the
    operator in its high bits and, in its low four, the outcomes (less,
    greater, equal, unordered) for which it is true, for the specialized
    forms to test.

    >>> c = Compiler.for_source("")
    >>> add_compare(c, NO_LOCATION, ast.NotIn())
    >>> c.unit.code.body[-1]
    Instr(CONTAINS_OP 1)
    """
    if isinstance(op, ast.Is | ast.IsNot):
        c.emit(where, "IS_OP", int(isinstance(op, ast.IsNot)))
    elif isinstance(op, ast.In | ast.NotIn):
        c.emit(where, "CONTAINS_OP", int(isinstance(op, ast.NotIn)))
    else:
        number, mask = _COMPARISONS[type(op)]
        c.emit(where, "COMPARE_OP", number << 5 | mask if PY313 else number)


def _to_bool(c: Compiler, where: Location) -> None:
    """Emit ``TO_BOOL`` (3.13): conditional jumps then test a real bool."""
    if PY313:
        c.emit(where, "TO_BOOL")


def _check_is_arg(e: ast.expr) -> bool:
    """Whether *e* may fairly be compared with ``is`` (``check_is_arg``)."""
    if not isinstance(e, ast.Constant):
        return True
    value = e.value
    return value is None or value is False or value is True or value is Ellipsis


def infer_type(e: ast.expr) -> str | None:
    """Return the name of the type *e* surely has, if it is a display or literal.

    >>> infer_type(ast.parse("[x for x in y]", mode="eval").body)
    'list'
    """
    kinds: dict[type[ast.AST], str] = {
        ast.Tuple: "tuple",
        ast.List: "list",
        ast.ListComp: "list",
        ast.Dict: "dict",
        ast.DictComp: "dict",
        ast.Set: "set",
        ast.SetComp: "set",
        ast.GeneratorExp: "generator",
        ast.Lambda: "function",
        ast.JoinedStr: "str",
        ast.FormattedValue: "str",
    }
    if isinstance(e, ast.Constant):
        return type(e.value).__name__
    return kinds.get(type(e))


def check_compare(c: Compiler, e: ast.Compare) -> None:
    """Warn about ``is`` with a literal (``check_compare``).

    >>> import warnings
    >>> c = Compiler.for_source("x is None")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     check_compare(c, c.tree.body[0].value)
    >>> caught
    []
    """
    left = _check_is_arg(e.left)
    left_expr = e.left
    for op, right_expr in zip(e.ops, e.comparators, strict=True):
        right = _check_is_arg(right_expr)
        if isinstance(op, ast.Is | ast.IsNot) and (not right or not left):
            literal = left_expr if not left else right_expr
            kind = f"'{infer_type(literal)}' literal" if PY313 else "a literal"
            if isinstance(op, ast.Is):
                message = f'"is" with {kind}. Did you mean "=="?'
            else:
                message = f'"is not" with {kind}. Did you mean "!="?'
            c.warn(loc(e), message)
            return
        left = right
        left_expr = right_expr


# -- conditions ----------------------------------------------------------------


def jump_if(
    c: Compiler, where: Location, e: ast.expr, target: Label, cond: bool
) -> None:
    """Jump to *target* if *e* is true (*cond*) or false (``compiler_jump_if``).

    ``not``, ``and``, ``or``, conditional expressions and chained
    comparisons become jumps of their own, so that ``if a and not b:``
    never builds the value ``a and not b``. *where* is the location of the
    statement the condition belongs to.

    >>> c = Compiler.for_source("a and not b")
    >>> jump_if(c, NO_LOCATION, c.tree.body[0].value, Label(), False)
    >>> [i.opname for i in c.unit.code.instructions() if i.opname != "TO_BOOL"]
    ['RESUME', 'LOAD_NAME', 'POP_JUMP_IF_FALSE', 'LOAD_NAME', 'POP_JUMP_IF_TRUE']
    """
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
        jump_if(c, where, e.operand, target, not cond)
        return
    if isinstance(e, ast.BoolOp):
        values = e.values
        is_or = isinstance(e.op, ast.Or)
        inner_target = target
        if is_or != cond:
            inner_target = Label()
        for value in values[:-1]:
            jump_if(c, where, value, inner_target, is_or)
        jump_if(c, where, values[-1], target, cond)
        if inner_target is not target:
            c.use_label(inner_target)
        return
    if isinstance(e, ast.IfExp):
        end, orelse = Label(), Label()
        jump_if(c, where, e.test, orelse, False)
        jump_if(c, where, e.body, target, cond)
        c.emit(NO_LOCATION, "JUMP_NO_INTERRUPT" if PY313 else "JUMP", end)
        c.use_label(orelse)
        jump_if(c, where, e.orelse, target, cond)
        c.use_label(end)
        return
    if isinstance(e, ast.Compare) and not PY313:
        # 3.11 moves to the comparison, and stays there after the jump.
        c.unit.where = loc(e)
    if isinstance(e, ast.Compare) and len(e.ops) > 1:
        check_compare(c, e)
        here = loc(e)
        cleanup = Label()
        c.visit_expr(e.left)
        for op, comparator in zip(e.ops[:-1], e.comparators[:-1], strict=True):
            c.visit_expr(comparator)
            c.emit(here, "SWAP", 2)
            c.emit(here, "COPY", 2)
            add_compare(c, here, op)
            _to_bool(c, here)
            c.emit(here, "POP_JUMP_IF_FALSE", cleanup)
            if not PY313:
                c.use_label(Label())
        c.visit_expr(e.comparators[-1])
        add_compare(c, here, e.ops[-1])
        _to_bool(c, here)
        c.emit(here, "POP_JUMP_IF_TRUE" if cond else "POP_JUMP_IF_FALSE", target)
        end = Label()
        c.emit(NO_LOCATION, "JUMP_NO_INTERRUPT" if PY313 else "JUMP", end)
        c.use_label(cleanup)
        c.emit(here, "POP_TOP")
        if not cond:
            c.emit(NO_LOCATION, "JUMP_NO_INTERRUPT" if PY313 else "JUMP", target)
        c.use_label(end)
        return
    c.visit_expr(e)
    here = loc(e) if PY313 else c.unit.where
    _to_bool(c, here)
    c.emit(here, "POP_JUMP_IF_TRUE" if cond else "POP_JUMP_IF_FALSE", target)
    if not PY313:
        c.use_label(Label())


@expression(ast.IfExp)
def if_expression(c: Compiler, e: ast.IfExp) -> None:
    """``body if test else orelse`` (``compiler_ifexp``)."""
    end, orelse = Label(), Label()
    jump_if(c, loc(e), e.test, orelse, False)
    c.visit_expr(e.body)
    c.emit(NO_LOCATION, "JUMP_NO_INTERRUPT" if PY313 else "JUMP", end)
    c.use_label(orelse)
    c.visit_expr(e.orelse)
    c.use_label(end)


@expression(ast.BoolOp)
def bool_op(c: Compiler, e: ast.BoolOp) -> None:
    """Compile ``a and b``, ``a or b``: keep the deciding value."""
    here = loc(e)
    end = Label()
    is_and = isinstance(e.op, ast.And)
    for value in e.values[:-1]:
        c.visit_expr(value)
        if PY313:
            c.emit(here, "COPY", 1)
            _to_bool(c, here)
            c.emit(here, "POP_JUMP_IF_FALSE" if is_and else "POP_JUMP_IF_TRUE", end)
            c.emit(here, "POP_TOP")
        else:
            c.emit(
                here, "JUMP_IF_FALSE_OR_POP" if is_and else "JUMP_IF_TRUE_OR_POP", end
            )
            c.use_label(Label())
    c.visit_expr(e.values[-1])
    c.use_label(end)


@expression(ast.Compare)
def compare(c: Compiler, e: ast.Compare) -> None:
    """Compile ``a < b`` and chains like ``a < b < c`` (``compiler_compare``).

    A chain evaluates each middle operand once: it is kept under the result
    of one comparison (``SWAP``/``COPY``) to be the left side of the next.
    """
    here = loc(e)
    check_compare(c, e)
    c.visit_expr(e.left)
    if len(e.ops) == 1:
        c.visit_expr(e.comparators[0])
        add_compare(c, here, e.ops[0])
        return
    cleanup = Label()
    for op, comparator in zip(e.ops[:-1], e.comparators[:-1], strict=True):
        c.visit_expr(comparator)
        c.emit(here, "SWAP", 2)
        c.emit(here, "COPY", 2)
        add_compare(c, here, op)
        if PY313:
            c.emit(here, "COPY", 1)
            _to_bool(c, here)
            c.emit(here, "POP_JUMP_IF_FALSE", cleanup)
            c.emit(here, "POP_TOP")
        else:
            c.emit(here, "JUMP_IF_FALSE_OR_POP", cleanup)
            c.use_label(Label())
    c.visit_expr(e.comparators[-1])
    add_compare(c, here, e.ops[-1])
    end = Label()
    c.emit(NO_LOCATION, "JUMP_NO_INTERRUPT" if PY313 else "JUMP", end)
    c.use_label(cleanup)
    c.emit(here, "SWAP", 2)
    c.emit(here, "POP_TOP")
    c.use_label(end)


# -- simple expressions --------------------------------------------------------


@expression(ast.Constant)
def constant(c: Compiler, e: ast.Constant) -> None:
    """Load a literal: ``LOAD_CONST``."""
    c.load_const(loc(e), e.value)


@expression(ast.Name)
def name(c: Compiler, e: ast.Name) -> None:
    """Load, store or delete a variable: see :meth:`Compiler.name_op`."""
    c.name_op(loc(e), e.id, e.ctx)


@expression(ast.NamedExpr)
def named_expr(c: Compiler, e: ast.NamedExpr) -> None:
    """``(target := value)``: keep a copy of the value as the result."""
    c.visit_expr(e.value)
    c.emit(loc(e), "COPY", 1)
    c.visit_expr(e.target)


@expression(ast.BinOp)
def bin_op(c: Compiler, e: ast.BinOp) -> None:
    """Compile ``a + b`` and the other binary operators."""
    c.visit_expr(e.left)
    c.visit_expr(e.right)
    binary_op(c, loc(e), e.op, inplace=False)


@expression(ast.UnaryOp)
def unary_op(c: Compiler, e: ast.UnaryOp) -> None:
    """Compile ``-a``, ``~a``, ``not a``, ``+a``."""
    c.visit_expr(e.operand)
    here = loc(e)
    op = e.op
    if isinstance(op, ast.UAdd):
        c.intrinsic(here, Intrinsic.UNARY_POSITIVE)
    elif isinstance(op, ast.Not):
        _to_bool(c, here)
        c.emit(here, "UNARY_NOT")
    elif isinstance(op, ast.Invert):
        c.emit(here, "UNARY_INVERT")
    else:
        c.emit(here, "UNARY_NEGATIVE")


@expression(ast.Starred)
def starred(c: Compiler, e: ast.Starred) -> None:
    """Refuse a ``*x`` where no display, call or target takes it."""
    if isinstance(e.ctx, ast.Store):
        c.fail(loc(e), "starred assignment target must be in a list or tuple")
    c.fail(loc(e), "can't use starred expression here")


# -- attributes and super() ------------------------------------------------------


def update_start_location_to_match_attr(
    where: Location, attr: ast.Attribute
) -> Location:
    r"""Start a multi-line attribute access at the attribute name.

    In ``obj\n    .method()`` the instructions on ``.method`` point at its
    own line (``update_start_location_to_match_attr``).

    >>> attr = ast.parse("(obj\n .meth)", mode="eval").body
    >>> update_start_location_to_match_attr(loc(attr), attr)
    Location(lineno=2, end_lineno=2, col_offset=2, end_col_offset=6)
    """
    if where.lineno == attr.end_lineno:
        return where
    assert attr.end_lineno is not None
    assert attr.end_col_offset is not None
    lineno = attr.end_lineno
    col, end_col = where.col_offset, where.end_col_offset
    if len(attr.attr) <= attr.end_col_offset:
        col = attr.end_col_offset - len(attr.attr)
    else:
        col = end_col = -1
    end_lineno = max(lineno, where.end_lineno)
    if lineno == end_lineno:
        end_col = max(col, end_col)
    return Location(lineno, end_lineno, col, end_col)


def can_optimize_super_call(c: Compiler, attr: ast.Attribute) -> bool:
    r"""Whether ``super().attr`` can skip building the super object (3.12+).

    ``can_optimize_super_call``: ``super`` must be the builtin (not bound
    anywhere in the module), called with no argument inside a method whose
    ``__class__`` cell is available, or with two plain arguments.

    >>> from pyinternals.compiler.codegen import generate_units
    >>> top = generate_units(ast.parse("class C:\n def m(s): super().m"), "<demo>")
    >>> method = top.nested[0].nested[0].code
    >>> ("LOAD_SUPER_ATTR" in [i.opname for i in method.instructions()]) == PY313
    True
    """
    if not PY313:
        return False
    e = attr.value
    if not (
        isinstance(e, ast.Call)
        and isinstance(e.func, ast.Name)
        and e.func.id == "super"
        and attr.attr != "__class__"
        and not e.keywords
    ):
        return False
    if c.scope_of("super") is not Scope.GLOBAL_IMPLICIT:
        return False
    if c.top_block.scopes.get("super") is not None:
        return False
    if len(e.args) == 2:
        return not any(isinstance(arg, ast.Starred) for arg in e.args)
    if e.args:
        return False
    code = c.unit.code
    if code.argcount == 0:
        return False
    return c.ref_type("__class__") is Scope.FREE


def load_args_for_super(c: Compiler, e: ast.Call) -> None:
    """Push ``super``, the class and the instance for ``LOAD_SUPER_ATTR``.

    >>> c = Compiler.for_source("super(C, self).x")
    >>> load_args_for_super(c, c.tree.body[0].value.value)
    >>> [i.opname for i in c.unit.code.instructions()]
    ['RESUME', 'LOAD_NAME', 'LOAD_NAME', 'LOAD_NAME']
    """
    assert isinstance(e.func, ast.Name)
    c.name_op(loc(e.func), e.func.id, ast.Load())
    if len(e.args) == 2:
        c.visit_expr(e.args[0])
        c.visit_expr(e.args[1])
        return
    here = loc(e)
    c.name_op(here, "__class__", ast.Load())
    c.name_op(here, c.unit.varnames.items[0], ast.Load())


def is_import_originated(c: Compiler, e: ast.expr) -> bool:
    r"""Whether *e* is a module-level name bound by an import.

    >>> c = Compiler.for_source("import os\nos.getcwd()")
    >>> is_import_originated(c, c.tree.body[1].value.func.value)
    True
    """
    if not isinstance(e, ast.Name):
        return False
    return bool(c.top_block.symbols.get(e.id, Def(0)) & Def.IMPORT)


@expression(ast.Attribute)
def attribute(c: Compiler, e: ast.Attribute) -> None:
    """``obj.attr`` loaded, stored or deleted."""
    here = loc(e)
    if isinstance(e.ctx, ast.Load) and can_optimize_super_call(c, e):
        assert isinstance(e.value, ast.Call)
        load_args_for_super(c, e.value)
        opname = "LOAD_SUPER_ATTR" if e.value.args else "LOAD_ZERO_SUPER_ATTR"
        c.emit_name(here, opname, e.attr)
        c.emit(update_start_location_to_match_attr(here, e), "NOP")
        return
    if PY313:
        _maybe_add_static_attribute(c, e)
    c.visit_expr(e.value)
    here = update_start_location_to_match_attr(here, e)
    if isinstance(e.ctx, ast.Load):
        c.emit_name(here, "LOAD_ATTR", e.attr)
    elif isinstance(e.ctx, ast.Store):
        c.check_forbidden(here, e.attr, e.ctx)
        c.emit_name(here, "STORE_ATTR", e.attr)
    else:
        c.emit_name(here, "DELETE_ATTR", e.attr)


def _maybe_add_static_attribute(c: Compiler, e: ast.Attribute) -> None:
    """Record ``self.x = ...`` for the class's ``__static_attributes__`` (3.13)."""
    value = e.value
    if not (
        isinstance(value, ast.Name)
        and isinstance(e.ctx, ast.Store)
        and value.id == "self"
    ):
        return
    for unit in reversed(c.stack):
        if unit.scope_type is ScopeType.CLASS:
            assert unit.static_attributes is not None
            unit.static_attributes.add(e.attr)
            return


# -- subscripts and slices --------------------------------------------------------


def _check_subscripter(c: Compiler, e: ast.expr) -> None:
    """Warn about subscripting a literal that cannot be (``check_subscripter``)."""
    if isinstance(e, ast.Constant):
        v = e.value
        if not (
            v is None
            or v is Ellipsis
            or isinstance(v, int | float | complex | frozenset | set)
        ):
            return
    elif not isinstance(e, ast.Set | ast.SetComp | ast.GeneratorExp | ast.Lambda):
        return
    c.warn(
        loc(e),
        f"'{infer_type(e)}' object is not subscriptable; perhaps you missed a comma?",
    )


def _check_index(c: Compiler, e: ast.expr, s: ast.expr) -> None:
    """Warn about indexing a sequence literal with a non-integer (``check_index``)."""
    index_type = infer_type(s)
    if index_type is None or index_type in ("int", "bool", "slice"):
        return
    if isinstance(e, ast.Constant):
        if not isinstance(e.value, str | bytes | tuple):
            return
    elif not isinstance(
        e, ast.Tuple | ast.List | ast.ListComp | ast.JoinedStr | ast.FormattedValue
    ):
        return
    c.warn(
        loc(e),
        f"{infer_type(e)} indices must be integers or slices, not {index_type}; "
        "perhaps you missed a comma?",
    )


def is_two_element_slice(s: ast.expr) -> bool:
    """Whether *s* is ``a:b`` without a step (3.12+ uses ``BINARY_SLICE``).

    >>> is_two_element_slice(ast.parse("x[1:2]", mode="eval").body.slice) == PY313
    True
    """
    return PY313 and isinstance(s, ast.Slice) and s.step is None


def slice_parts(c: Compiler, s: ast.Slice) -> int:
    """Push a slice's bounds, ``None`` for the missing ones; return their count.

    >>> c = Compiler.for_source("a[::2]")
    >>> slice_parts(c, c.tree.body[0].value.slice)
    3
    >>> c.unit.code.consts.values
    [None, 2]
    """
    for part in (s.lower, s.upper):
        if part is None:
            c.load_const(loc(s), None)
        else:
            c.visit_expr(part)
    if s.step is None:
        return 2
    c.visit_expr(s.step)
    return 3


@expression(ast.Subscript)
def subscript(c: Compiler, e: ast.Subscript) -> None:
    """``obj[index]`` loaded, stored or deleted (``compiler_subscript``)."""
    here = loc(e)
    ctx = e.ctx
    if isinstance(ctx, ast.Load):
        _check_subscripter(c, e.value)
        _check_index(c, e.value, e.slice)
    c.visit_expr(e.value)
    if is_two_element_slice(e.slice) and not isinstance(ctx, ast.Del):
        assert isinstance(e.slice, ast.Slice)
        slice_parts(c, e.slice)
        c.emit(here, "BINARY_SLICE" if isinstance(ctx, ast.Load) else "STORE_SLICE")
        return
    c.visit_expr(e.slice)
    if isinstance(ctx, ast.Load):
        c.emit(here, "BINARY_SUBSCR")
    elif isinstance(ctx, ast.Store):
        c.emit(here, "STORE_SUBSCR")
    else:
        c.emit(here, "DELETE_SUBSCR")


@expression(ast.Slice)
def slice_(c: Compiler, e: ast.Slice) -> None:
    """Build a slice object of two or three bounds (``BUILD_SLICE``)."""
    c.emit(loc(e), "BUILD_SLICE", slice_parts(c, e))


# -- displays and unpacking ----------------------------------------------------------


def _all_constant(elts: list[ast.expr | None]) -> bool:
    return all(isinstance(elt, ast.Constant) for elt in elts)


def starunpack_helper(
    c: Compiler,
    where: Location,
    elts: list[ast.expr],
    pushed: int,
    build: str,
    add: str,
    extend: str,
    tuple_: bool,
) -> None:
    """Build a tuple, list or set from items, some maybe ``*starred``.

    *pushed* items are already on the stack. Without stars and with few
    items, one ``BUILD_*`` takes them all; more than three constants become
    one constant extended into an empty list or set; otherwise the
    container is started empty and grown item by item (``starunpack_helper``).

    >>> c = Compiler.for_source("[*a, b]")
    >>> elts = c.tree.body[0].value.elts
    >>> starunpack_helper(
    ...     c, NO_LOCATION, elts, 0, "BUILD_LIST", "LIST_APPEND", "LIST_EXTEND", False
    ... )
    >>> print(*c.unit.code.instructions())
    Instr(RESUME 0) Instr(BUILD_LIST 0) Instr(LOAD_NAME 0) Instr(LIST_EXTEND 1)
    Instr(LOAD_NAME 1) Instr(LIST_APPEND 1)
    """
    n = len(elts)
    if n > 2 and _all_constant(list(elts)):
        folded = tuple(elt.value for elt in elts if isinstance(elt, ast.Constant))
        if tuple_ and not pushed:
            c.load_const(where, folded)
            return
        c.emit(where, build, pushed)
        c.load_const(where, frozenset(folded) if add == "SET_ADD" else folded)
        c.emit(where, extend, 1)
        if tuple_:
            c.intrinsic(where, Intrinsic.LIST_TO_TUPLE)
        return
    big = n + pushed > STACK_USE_GUIDELINE
    seen_star = any(isinstance(elt, ast.Starred) for elt in elts)
    if not seen_star and not big:
        c.visit_exprs(elts)
        c.emit(where, "BUILD_TUPLE" if tuple_ else build, n + pushed)
        return
    built = False
    if big:
        c.emit(where, build, pushed)
        built = True
    for i, elt in enumerate(elts):
        if isinstance(elt, ast.Starred):
            if not built:
                c.emit(where, build, i + pushed)
                built = True
            c.visit_expr(elt.value)
            c.emit(where, extend, 1)
        else:
            c.visit_expr(elt)
            if built:
                c.emit(where, add, 1)
    if tuple_:
        c.intrinsic(where, Intrinsic.LIST_TO_TUPLE)


def _unpack_helper(c: Compiler, where: Location, elts: list[ast.expr]) -> None:
    """Unpack the value on the stack into ``len(elts)`` values."""
    seen_star = False
    n = len(elts)
    for i, elt in enumerate(elts):
        if isinstance(elt, ast.Starred) and not seen_star:
            if i >= 1 << 8 or n - i - 1 >= (2**31 - 1) >> 8:
                c.fail(where, "too many expressions in star-unpacking assignment")
            c.emit(where, "UNPACK_EX", i + ((n - i - 1) << 8))
            seen_star = True
        elif isinstance(elt, ast.Starred):
            c.fail(where, "multiple starred expressions in assignment")
    if not seen_star:
        c.emit(where, "UNPACK_SEQUENCE", n)


def assignment_helper(c: Compiler, where: Location, elts: list[ast.expr]) -> None:
    """Store the value on the stack into the targets ``a, *b, c``.

    >>> c = Compiler.for_source("a, *b, c = d")
    >>> assignment_helper(c, NO_LOCATION, c.tree.body[0].targets[0].elts)
    >>> print(*c.unit.code.instructions())
    Instr(RESUME 0) Instr(UNPACK_EX 257) Instr(STORE_NAME 0) Instr(STORE_NAME 1)
    Instr(STORE_NAME 2)
    """
    _unpack_helper(c, where, elts)
    for elt in elts:
        c.visit_expr(elt.value if isinstance(elt, ast.Starred) else elt)


def _sequence(c: Compiler, e: ast.List | ast.Tuple, *, as_tuple: bool) -> None:
    """Compile a list or tuple: a display, assignment targets or ``del`` targets."""
    here = loc(e)
    if isinstance(e.ctx, ast.Store):
        assignment_helper(c, here, e.elts)
    elif isinstance(e.ctx, ast.Load):
        starunpack_helper(
            c, here, e.elts, 0, "BUILD_LIST", "LIST_APPEND", "LIST_EXTEND", as_tuple
        )
    else:
        c.visit_exprs(e.elts)


@expression(ast.List)
def list_(c: Compiler, e: ast.List) -> None:
    """Compile a list display, or a list of assignment targets."""
    _sequence(c, e, as_tuple=False)


@expression(ast.Tuple)
def tuple_(c: Compiler, e: ast.Tuple) -> None:
    """Compile a tuple display, or a tuple of assignment targets."""
    _sequence(c, e, as_tuple=True)


@expression(ast.Set)
def set_(c: Compiler, e: ast.Set) -> None:
    """Compile a set display."""
    starunpack_helper(c, loc(e), e.elts, 0, "BUILD_SET", "SET_ADD", "SET_UPDATE", False)


def _subdict(c: Compiler, e: ast.Dict, begin: int, end: int) -> None:
    """Build a dict of the items ``begin:end`` (``compiler_subdict``)."""
    n = end - begin
    here = loc(e)
    big = n * 2 > STACK_USE_GUIDELINE
    keys = e.keys[begin:end]
    if n > 1 and not big and _all_constant(list(keys)):
        c.visit_exprs(e.values[begin:end])
        folded = tuple(key.value for key in keys if isinstance(key, ast.Constant))
        c.load_const(here, folded)
        c.emit(here, "BUILD_CONST_KEY_MAP", n)
        return
    if big:
        c.emit(here, "BUILD_MAP", 0)
    for key, value in zip(keys, e.values[begin:end], strict=True):
        assert key is not None
        c.visit_expr(key)
        c.visit_expr(value)
        if big:
            c.emit(here, "MAP_ADD", 1)
    if not big:
        c.emit(here, "BUILD_MAP", n)


@expression(ast.Dict)
def dict_(c: Compiler, e: ast.Dict) -> None:
    """Compile a dict display, with ``**mapping`` items (``compiler_dict``)."""
    here = loc(e)
    have_dict = False
    elements = 0
    n = len(e.values)
    for i in range(n):
        if e.keys[i] is None:
            if elements:
                _subdict(c, e, i - elements, i)
                if have_dict:
                    c.emit(here, "DICT_UPDATE", 1)
                have_dict = True
                elements = 0
            if not have_dict:
                c.emit(here, "BUILD_MAP", 0)
                have_dict = True
            c.visit_expr(e.values[i])
            c.emit(here, "DICT_UPDATE", 1)
        elif elements * 2 > STACK_USE_GUIDELINE:
            _subdict(c, e, i - elements, i + 1)
            if have_dict:
                c.emit(here, "DICT_UPDATE", 1)
            have_dict = True
            elements = 0
        else:
            elements += 1
    if elements:
        _subdict(c, e, n - elements, n)
        if have_dict:
            c.emit(here, "DICT_UPDATE", 1)
        have_dict = True
    if not have_dict:
        c.emit(here, "BUILD_MAP", 0)


# -- generators and coroutines ------------------------------------------------------


def add_yield(c: Compiler, where: Location) -> None:
    """Yield the value on the stack (``addop_yield``).

    An async generator wraps what it yields, so that ``await`` inside it can
    tell its own yields from those of what it awaits.

    >>> c = Compiler.for_source("")
    >>> add_yield(c, NO_LOCATION)
    >>> c.unit.code.body[-1]
    Instr(RESUME 1)
    """
    block = c.unit.block
    if block.generator and block.coroutine:
        c.intrinsic(where, Intrinsic.ASYNC_GEN_WRAP)
    if PY313:
        c.emit(where, "YIELD_VALUE", 0)
    else:
        c.emit(where, "YIELD_VALUE")
    c.emit(where, "RESUME", 1)


def add_yield_from(c: Compiler, where: Location, is_await: bool) -> None:
    """Delegate to the iterator or awaitable on the stack (``compiler_add_yield_from``).

    ``SEND`` passes the sent value in and jumps to *exit* when the delegate
    is exhausted; otherwise its result is yielded up, and the loop resumes.
    Since 3.12 a virtual ``try`` turns a ``StopIteration`` out of ``throw()``
    or ``close()`` into the result (``CLEANUP_THROW``).

    >>> c = Compiler.for_source("")
    >>> add_yield_from(c, NO_LOCATION, is_await=True)
    >>> [i.opname for i in c.unit.code.instructions()].count("SEND")
    1
    >>> [i.arg for i in c.unit.code.instructions() if i.opname == "RESUME"]
    [0, 3]
    """
    send, fail, exit = Label(), Label(), Label()
    c.use_label(send)
    c.emit(where, "SEND", exit)
    if PY313:
        c.emit(where, "SETUP_FINALLY", fail)
        c.emit(where, "YIELD_VALUE", 1)
        c.emit(NO_LOCATION, "POP_BLOCK")
    else:
        c.use_label(Label())
        c.emit(where, "YIELD_VALUE")
    c.emit(where, "RESUME", 3 if is_await else 2)
    c.emit(where, "JUMP_NO_INTERRUPT", send)
    if PY313:
        c.use_label(fail)
        c.emit(where, "CLEANUP_THROW")
    c.use_label(exit)
    if PY313:
        c.emit(where, "END_SEND")


def add_await(c: Compiler, where: Location, context: int) -> None:
    """Await the object on the stack: ``GET_AWAITABLE``, then delegate to it.

    *context* is ``GET_AWAITABLE``'s argument, which only improves the error
    message: 0 for an ``await`` expression, 1 after ``__aenter__``, 2 after
    ``__aexit__``.

    >>> c = Compiler.for_source("")
    >>> add_await(c, NO_LOCATION, 0)
    >>> [i.opname for i in c.unit.code.instructions()][1:4]
    ['GET_AWAITABLE', 'LOAD_CONST', 'SEND']
    """
    c.emit(where, "GET_AWAITABLE", context)
    c.load_const(where, None)
    add_yield_from(c, where, is_await=True)


@expression(ast.Yield)
def yield_(c: Compiler, e: ast.Yield) -> None:
    """``yield value``."""
    here = loc(e)
    if not c.unit.function_like:
        c.fail(here, "'yield' outside function")
    if e.value is not None:
        c.visit_expr(e.value)
    else:
        c.load_const(here, None)
    add_yield(c, here)


@expression(ast.YieldFrom)
def yield_from(c: Compiler, e: ast.YieldFrom) -> None:
    """``yield from iterable``."""
    here = loc(e)
    if not c.unit.function_like:
        c.fail(here, "'yield from' outside function")
    if c.unit.scope_type is ScopeType.ASYNC_FUNCTION:
        c.fail(here, "'yield from' inside async function")
    c.visit_expr(e.value)
    c.emit(here, "GET_YIELD_FROM_ITER")
    c.load_const(here, None)
    add_yield_from(c, here, is_await=False)


@expression(ast.Await)
def await_(c: Compiler, e: ast.Await) -> None:
    """``await awaitable``."""
    here = loc(e)
    if not c.top_level_await:
        if not c.unit.function_like:
            c.fail(here, "'await' outside function")
        if c.unit.scope_type not in (
            ScopeType.ASYNC_FUNCTION,
            ScopeType.COMPREHENSION,
        ):
            c.fail(here, "'await' outside async function")
    c.visit_expr(e.value)
    add_await(c, here, 0)
