"""Calls: positional, keyword, ``*args`` and ``**kwargs`` arguments, methods.

A call pushes the callable, a second slot (``NULL``, or ``self`` for a
method), the positional arguments and then ``CALL n``. Keyword arguments
ride along as positional ones whose names are a constant tuple
(``CALL_KW`` on 3.13; ``KW_NAMES`` before ``PRECALL``/``CALL`` on 3.11). Any
``*`` or ``**`` argument, or too many arguments for the stack, switches to
the general form: a tuple of positional arguments and a dict of keyword
ones, for ``CALL_FUNCTION_EX`` (``compiler_call_helper``).

``obj.method(args)`` avoids creating a bound method: ``LOAD_ATTR`` in its
method form (3.11's ``LOAD_METHOD``) pushes the function and ``obj`` into the
two slots (``maybe_optimize_method_call``); ``super().method()`` does the same
without creating the super object (3.12+).

>>> import ast
>>> from pyinternals.compiler.codegen import generate_units
>>> top = generate_units(ast.parse("f(1, x=2)"), "<demo>")
>>> top.code.consts.values
[1, 2, ('x',), None]
"""

from __future__ import annotations

import ast

from pyinternals.compiler.codegen.core import (
    PY313,
    STACK_USE_GUIDELINE,
    Compiler,
    expression,
    loc,
)
from pyinternals.compiler.codegen.expressions import (
    can_optimize_super_call,
    infer_type,
    is_import_originated,
    load_args_for_super,
    starunpack_helper,
    update_start_location_to_match_attr,
)
from pyinternals.compiler.instructions import NO_LOCATION, Location

__all__ = ["call_helper", "validate_keywords"]


def validate_keywords(c: Compiler, keywords: list[ast.keyword]) -> None:
    """Refuse ``__debug__=`` and a keyword given twice (``validate_keywords``).

    >>> c = Compiler.for_source("f(a=1, a=2)")
    >>> validate_keywords(c, c.tree.body[0].value.keywords)
    Traceback (most recent call last):
      ...
    SyntaxError: keyword argument repeated: a
    """
    for i, keyword in enumerate(keywords):
        if keyword.arg is None:
            continue
        c.check_forbidden(loc(keyword), keyword.arg, ast.Store())
        for other in keywords[i + 1 :]:
            if other.arg == keyword.arg:
                c.fail(
                    loc(other), f"keyword argument repeated: {keyword.arg}", exact=True
                )


def _check_caller(c: Compiler, e: ast.expr) -> None:
    """Warn when calling a literal (``check_caller``)."""
    if isinstance(
        e,
        ast.Constant
        | ast.Tuple
        | ast.List
        | ast.ListComp
        | ast.Dict
        | ast.DictComp
        | ast.Set
        | ast.SetComp
        | ast.GeneratorExp
        | ast.JoinedStr
        | ast.FormattedValue,
    ):
        c.warn(
            loc(e),
            f"'{infer_type(e)}' object is not callable; perhaps you missed a comma?",
        )


def _keyword_names(c: Compiler, where: Location, keywords: list[ast.keyword]) -> None:
    """Name the keyword arguments pushed as positional ones.

    3.13 pushes the tuple of names for ``CALL_KW``; 3.11 announces it with
    ``KW_NAMES``, which takes a constant slot.
    """
    names = tuple(keyword.arg for keyword in keywords)
    if PY313:
        c.load_const(where, names)
    else:
        c.emit(where, "KW_NAMES", c.add_const(names))


def _call(c: Compiler, where: Location, count: int, has_keywords: bool) -> None:
    """Emit the call itself: ``CALL``/``CALL_KW``, or 3.11's ``PRECALL`` + ``CALL``."""
    if PY313:
        c.emit(where, "CALL_KW" if has_keywords else "CALL", count)
    else:
        c.emit(where, "PRECALL", count)
        c.emit(where, "CALL", count)


def _subkwargs(
    c: Compiler, where: Location, keywords: list[ast.keyword], begin: int, end: int
) -> None:
    """Build a dict of the keyword arguments ``begin:end`` (``compiler_subkwargs``)."""
    n = end - begin
    big = n * 2 > STACK_USE_GUIDELINE
    chosen = keywords[begin:end]
    if n > 1 and not big:
        for keyword in chosen:
            c.visit_expr(keyword.value)
        c.load_const(where, tuple(keyword.arg for keyword in chosen))
        c.emit(where, "BUILD_CONST_KEY_MAP", n)
        return
    if big:
        c.emit(NO_LOCATION, "BUILD_MAP", 0)
    for keyword in chosen:
        c.load_const(where, keyword.arg)
        c.visit_expr(keyword.value)
        if big:
            c.emit(NO_LOCATION, "MAP_ADD", 1)
    if not big:
        c.emit(where, "BUILD_MAP", n)


def call_helper(
    c: Compiler,
    where: Location,
    pushed: int,
    args: list[ast.expr],
    keywords: list[ast.keyword],
) -> None:
    """Push the arguments and call; *pushed* arguments are already there.

    ``compiler_call_helper``, shared by calls and class definitions (whose
    function and name are the two arguments pushed first).

    >>> c = Compiler.for_source("f(*a, k=1)")
    >>> call = c.tree.body[0].value
    >>> call_helper(c, NO_LOCATION, 0, call.args, call.keywords)
    >>> print(*c.unit.code.instructions())
    Instr(RESUME 0) Instr(LOAD_NAME 0) Instr(LOAD_CONST 0) Instr(LOAD_CONST 1)
    Instr(BUILD_MAP 1) Instr(CALL_FUNCTION_EX 1)
    """
    validate_keywords(c, keywords)
    nargs, nkw = len(args), len(keywords)
    general = (
        nargs + nkw * 2 > STACK_USE_GUIDELINE
        or any(isinstance(arg, ast.Starred) for arg in args)
        or any(keyword.arg is None for keyword in keywords)
    )
    if not general:
        c.visit_exprs(args)
        if keywords:
            for keyword in keywords:
                c.visit_expr(keyword.value)
            _keyword_names(c, where, keywords)
        _call(c, where, pushed + nargs + nkw, bool(keywords) and PY313)
        return
    if pushed == 0 and nargs == 1 and isinstance(args[0], ast.Starred):
        c.visit_expr(args[0].value)
    else:
        starunpack_helper(
            c, where, args, pushed, "BUILD_LIST", "LIST_APPEND", "LIST_EXTEND", True
        )
    if keywords:
        have_dict = False
        seen = 0
        for i, keyword in enumerate(keywords):
            if keyword.arg is None:
                if seen:
                    _subkwargs(c, where, keywords, i - seen, i)
                    if have_dict:
                        c.emit(where, "DICT_MERGE", 1)
                    have_dict = True
                    seen = 0
                if not have_dict:
                    c.emit(where, "BUILD_MAP", 0)
                    have_dict = True
                c.visit_expr(keyword.value)
                c.emit(where, "DICT_MERGE", 1)
            else:
                seen += 1
        if seen:
            _subkwargs(c, where, keywords, nkw - seen, nkw)
            if have_dict:
                c.emit(where, "DICT_MERGE", 1)
    c.emit(where, "CALL_FUNCTION_EX", int(bool(keywords)))


def _method_call(c: Compiler, e: ast.Call) -> bool:
    """Compile ``obj.method(args)`` without a bound method, if it can be done.

    ``maybe_optimize_method_call``: not for a module's imported name (a
    module's attribute is rarely a method), nor with ``*``/``**`` arguments
    or too many of them.
    """
    meth = e.func
    if not isinstance(meth, ast.Attribute) or not isinstance(meth.ctx, ast.Load):
        return False
    if is_import_originated(c, meth.value):
        return False
    args, keywords = e.args, e.keywords
    if len(args) + len(keywords) + bool(keywords) >= STACK_USE_GUIDELINE:
        return False
    if any(isinstance(arg, ast.Starred) for arg in args):
        return False
    if any(keyword.arg is None for keyword in keywords):
        return False
    where = loc(meth)
    if can_optimize_super_call(c, meth):
        assert isinstance(meth.value, ast.Call)
        load_args_for_super(c, meth.value)
        opname = "LOAD_SUPER_METHOD" if meth.value.args else "LOAD_ZERO_SUPER_METHOD"
        c.emit_name(where, opname, meth.attr)
        where = update_start_location_to_match_attr(where, meth)
        c.emit(where, "NOP")
    else:
        c.visit_expr(meth.value)
        where = update_start_location_to_match_attr(where, meth)
        c.emit_name(where, "LOAD_METHOD", meth.attr)
    c.visit_exprs(args)
    if keywords:
        for keyword in keywords:
            c.visit_expr(keyword.value)
        _keyword_names(c, where, keywords)
    where = update_start_location_to_match_attr(loc(e), meth)
    _call(c, where, len(args) + len(keywords), bool(keywords) and PY313)
    return True


@expression(ast.Call)
def call(c: Compiler, e: ast.Call) -> None:
    """``func(args)`` (``compiler_call``)."""
    validate_keywords(c, e.keywords)
    if _method_call(c, e):
        return
    _check_caller(c, e.func)
    if PY313:
        c.visit_expr(e.func)
        c.emit(loc(e.func), "PUSH_NULL")
    else:
        c.emit(loc(e.func), "PUSH_NULL")
        c.visit_expr(e.func)
    call_helper(c, loc(e), 0, e.args, e.keywords)
