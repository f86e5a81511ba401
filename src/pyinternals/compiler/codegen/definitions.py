"""Definitions: functions, lambdas, classes, decorators, type parameters.

A ``def`` statement compiles in two places. Its body becomes a code object
of its own, compiled in a new unit and assembled as soon as it is finished;
in the enclosing unit, that code object is a constant, and the ``def``
statement is the code that makes a function of it at run time: evaluate the
decorators, the default values and the annotations, collect the cells the
body borrows into a closure tuple, ``MAKE_FUNCTION``, attach the extras
(``SET_FUNCTION_ATTRIBUTE`` on 3.13, flag bits of ``MAKE_FUNCTION`` on
3.11), call the decorators innermost first and store the name.

A ``class`` statement compiles its body into a function too, one that fills
the class namespace; ``__build_class__`` calls it. Inside, the compiler adds
``__module__``, ``__qualname__`` and, on 3.13, ``__firstlineno__`` and
``__static_attributes__`` (the names assigned as ``self.x`` in methods),
and returns the ``__class__`` cell that zero-argument ``super()`` needs.

Generic functions and classes (``def f[T]()``, 3.12+) are wrapped in one
more function that creates the type parameters and passes them in.

>>> import ast
>>> from pyinternals.compiler.codegen import generate_units
>>> top = generate_units(ast.parse("def f(a, b=1): return a"), "<demo>")
>>> [i.opname for i in top.code.instructions()][1:5]
['LOAD_CONST', 'BUILD_TUPLE', 'LOAD_CONST', 'MAKE_FUNCTION']
>>> top.nested[0].code.qualname, top.nested[0].code.argcount
('f', 2)
"""

from __future__ import annotations

import ast
import types
from typing import Any

from pyinternals.compiler.codegen.calls import call_helper
from pyinternals.compiler.codegen.core import (
    PY313,
    Compiler,
    FrameType,
    Intrinsic,
    Intrinsic2,
    ScopeType,
    docstring_of,
    expression,
    loc,
    statement,
)
from pyinternals.compiler.codegen.statements import (
    annotation_value,
    body,
    clean_doc,
)
from pyinternals.compiler.instructions import (
    NO_LOCATION,
    CodeUnit,
    Instr,
    Label,
    Location,
)
from pyinternals.compiler.scopes import Scope, mangle

__all__ = [
    "MAKE_FUNCTION_ANNOTATIONS",
    "MAKE_FUNCTION_CLOSURE",
    "MAKE_FUNCTION_DEFAULTS",
    "MAKE_FUNCTION_KWDEFAULTS",
    "make_closure",
    "wrap_in_stopiteration_handler",
]

MAKE_FUNCTION_DEFAULTS = 0x01
MAKE_FUNCTION_KWDEFAULTS = 0x02
MAKE_FUNCTION_ANNOTATIONS = 0x04
MAKE_FUNCTION_CLOSURE = 0x08


def make_closure(
    c: Compiler, where: Location, inner: CodeUnit, code: types.CodeType, flags: int
) -> None:
    """Make a function of the code object *code* (``compiler_make_closure``).

    The free variables of the inner unit are found in this unit (as cells
    it owns or free variables it borrows itself) and packed into the
    closure tuple, in the inner unit's order. The extras pushed before
    (defaults, keyword defaults, annotations) are named by *flags*.

    >>> from pyinternals.compiler.codegen.core import placeholder_code
    >>> c = Compiler.for_source("")
    >>> inner = CodeUnit("f", "f", "<demo>")
    >>> make_closure(c, NO_LOCATION, inner, placeholder_code(inner), 0x01)
    >>> c.unit.code.body[-1].arg  # SET_FUNCTION_ATTRIBUTE 1, or MAKE_FUNCTION 1
    1
    """
    if inner.freevars:
        for name in inner.freevars:
            if c.ref_type(name) is Scope.CELL:
                slot = c.unit.cellvars.get(name)
            else:
                slot = c.unit.freevars.get(name)
            if slot is None:
                raise SystemError(f"no cell or free variable {name!r} for a closure")
            c.emit(where, "LOAD_CLOSURE", slot)
        flags |= MAKE_FUNCTION_CLOSURE
        c.emit(where, "BUILD_TUPLE", len(inner.freevars))
    c.load_const(where, code)
    if not PY313:
        c.emit(where, "MAKE_FUNCTION", flags)
        return
    c.emit(where, "MAKE_FUNCTION")
    for bit in (
        MAKE_FUNCTION_CLOSURE,
        MAKE_FUNCTION_ANNOTATIONS,
        MAKE_FUNCTION_KWDEFAULTS,
        MAKE_FUNCTION_DEFAULTS,
    ):
        if flags & bit:
            c.emit(where, "SET_FUNCTION_ATTRIBUTE", bit)


def _check_debug_args(c: Compiler, args: ast.arguments) -> None:
    """Refuse a parameter named ``__debug__``."""
    every = [*args.posonlyargs, *args.args]
    if args.vararg is not None:
        every.append(args.vararg)
    every += args.kwonlyargs
    if args.kwarg is not None:
        every.append(args.kwarg)
    for arg in every:
        c.check_forbidden(loc(arg), arg.arg, ast.Store())


def _default_arguments(c: Compiler, where: Location, args: ast.arguments) -> int:
    """Push the defaults and keyword-only defaults; return the flags for them."""
    flags = 0
    if args.defaults:
        c.visit_exprs(args.defaults)
        c.emit(where, "BUILD_TUPLE", len(args.defaults))
        flags |= MAKE_FUNCTION_DEFAULTS
    keys = []
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if default is not None:
            keys.append(_mangle(c, arg.arg))
            c.visit_expr(default)
    if keys:
        c.load_const(where, tuple(keys))
        c.emit(where, "BUILD_CONST_KEY_MAP", len(keys))
        flags |= MAKE_FUNCTION_KWDEFAULTS
    return flags


def _mangle(c: Compiler, name: str) -> str:
    """Mangle a parameter name (3.11 knows no type-parameter exception)."""
    return c.mangle(name) if PY313 else mangle(c.unit.private, name)


def _annotations(
    c: Compiler, where: Location, args: ast.arguments, returns: ast.expr | None
) -> bool:
    """Push ``(name, annotation, ...)`` for the parameters and return value.

    Returns whether a tuple was pushed (``compiler_visit_annotations``).
    """
    count = 0

    def one(name: str, annotation: ast.expr | None) -> None:
        nonlocal count
        if annotation is None:
            return
        c.load_const(where, _mangle(c, name))
        if c.future_annotations:
            annotation_value(c, annotation)
        elif isinstance(annotation, ast.Starred):
            c.visit_expr(annotation.value)
            c.emit(where, "UNPACK_SEQUENCE", 1)
        else:
            c.visit_expr(annotation)
        count += 2

    for arg in args.args:
        one(arg.arg, arg.annotation)
    for arg in args.posonlyargs:
        one(arg.arg, arg.annotation)
    if args.vararg is not None:
        one(args.vararg.arg, args.vararg.annotation)
    for arg in args.kwonlyargs:
        one(arg.arg, arg.annotation)
    if args.kwarg is not None:
        one(args.kwarg.arg, args.kwarg.annotation)
    one("return", returns)
    if count:
        c.emit(where, "BUILD_TUPLE", count)
    return bool(count)


def _apply_decorators(c: Compiler, decorators: list[ast.expr]) -> None:
    """Call the decorators on the stack, innermost (last written) first."""
    for decorator in reversed(decorators):
        where = loc(decorator)
        if not PY313:
            c.emit(where, "PRECALL", 0)
        c.emit(where, "CALL", 0)


def _set_arguments(c: Compiler, args: ast.arguments) -> None:
    """Record the parameter counts of the unit being compiled."""
    code = c.unit.code
    # As in ``co_argcount``, positional-only parameters count as positional.
    code.argcount = len(args.posonlyargs) + len(args.args)
    code.posonlyargcount = len(args.posonlyargs)
    code.kwonlyargcount = len(args.kwonlyargs)
    c.unit.varargs = args.vararg is not None
    c.unit.varkeywords = args.kwarg is not None


def wrap_in_stopiteration_handler(c: Compiler) -> None:
    """Turn a ``StopIteration`` escaping a generator into ``RuntimeError`` (3.12+).

    PEP 479, done in bytecode: a handler around the whole body, inserted at
    its start once the body is complete (3.11 does it in the interpreter).

    >>> from pyinternals.compiler.codegen import generate_units
    >>> top = generate_units(ast.parse("def gen(): yield"), "<demo>")
    >>> body = top.nested[0].code.body
    >>> (body[0].opname == "SETUP_CLEANUP") == PY313
    True
    """
    handler = Label()
    c.unit.code.body.insert(0, Instr("SETUP_CLEANUP", handler, NO_LOCATION))
    c.load_const(NO_LOCATION, None)
    c.emit(NO_LOCATION, "RETURN_VALUE")
    c.use_label(handler)
    c.intrinsic(NO_LOCATION, Intrinsic.STOPITERATION_ERROR)
    c.emit(NO_LOCATION, "RERAISE", 1)


def _function_body(
    c: Compiler,
    s: ast.FunctionDef | ast.AsyncFunctionDef,
    flags: int,
    firstlineno: int,
) -> None:
    """Compile the body into a code object and make the function of it."""
    is_async = isinstance(s, ast.AsyncFunctionDef)
    scope = ScopeType.ASYNC_FUNCTION if is_async else ScopeType.FUNCTION
    c.enter_scope(s.name, scope, s, firstlineno)
    stmts = s.body
    docstring = docstring_of(stmts)
    first = 0
    if docstring is not None:
        if PY313:
            first = 1
            docstring = clean_doc(docstring) if c.optimize < 2 else None
        elif c.optimize < 2:
            first = 1
        else:
            docstring = None
    c.add_const(docstring)
    _set_arguments(c, s.args)
    block = c.unit.block
    wrap = PY313 and (block.coroutine or block.generator)
    start = Label()
    if PY313:
        c.use_label(start)
    if wrap:
        c.push_fblock(NO_LOCATION, FrameType.STOP_ITERATION, start)
    for stmt in stmts[first:]:
        c.visit_stmt(stmt)
    if wrap:
        wrap_in_stopiteration_handler(c)
        c.pop_fblock(FrameType.STOP_ITERATION)
    inner = c.unit.code
    code = c.finish_unit(add_none=True)
    make_closure(c, loc(s), inner, code, flags)


@statement(ast.FunctionDef, ast.AsyncFunctionDef)
def function(c: Compiler, s: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    """``def`` and ``async def`` (``compiler_function``)."""
    args = s.args
    _check_debug_args(c, args)
    c.visit_exprs(s.decorator_list)
    firstlineno = s.decorator_list[0].lineno if s.decorator_list else s.lineno
    here = loc(s)
    type_params: list[Any] = getattr(s, "type_params", [])
    flags = _default_arguments(c, here, args)
    extra = 0
    if type_params:
        extra = bool(flags & MAKE_FUNCTION_DEFAULTS) + bool(
            flags & MAKE_FUNCTION_KWDEFAULTS
        )
        if extra == 2:
            c.emit(here, "SWAP", 2)
        c.enter_scope(
            f"<generic parameters of {s.name}>",
            ScopeType.TYPE_PARAMS,
            type_params,
            firstlineno,
        )
        _type_params(c, type_params)
        for i in range(extra):
            c.emit(here, "LOAD_FAST", i)
    if _annotations(c, here, args, s.returns):
        flags |= MAKE_FUNCTION_ANNOTATIONS
    _function_body(c, s, flags, firstlineno)
    if type_params:
        c.emit(here, "SWAP", 2)
        c.intrinsic(here, Intrinsic2.SET_FUNCTION_TYPE_PARAMS)
        c.unit.code.argcount = extra
        inner = c.unit.code
        code = c.finish_unit(add_none=False)
        make_closure(c, here, inner, code, 0)
        if extra:
            c.emit(here, "SWAP", extra + 1)
            c.emit(here, "CALL", extra - 1)
        else:
            c.emit(here, "PUSH_NULL")
            c.emit(here, "CALL", 0)
    _apply_decorators(c, s.decorator_list)
    c.name_op(here, s.name, ast.Store())


@expression(ast.Lambda)
def lambda_(c: Compiler, e: ast.Lambda) -> None:
    """``lambda args: body``: a function whose body is one returned expression."""
    args = e.args
    _check_debug_args(c, args)
    here = loc(e)
    flags = _default_arguments(c, here, args)
    c.enter_scope("<lambda>", ScopeType.LAMBDA, e, e.lineno)
    c.add_const(None)
    _set_arguments(c, args)
    c.visit_expr(e.body)
    inner = c.unit.code
    if c.unit.block.generator:
        code = c.finish_unit(add_none=False)
    else:
        c.emit(loc(e.body) if PY313 else c.unit.where, "RETURN_VALUE")
        code = c.finish_unit(add_none=True)
    make_closure(c, here, inner, code, flags)


# -- classes --------------------------------------------------------------------------


def _class_body(c: Compiler, s: ast.ClassDef, firstlineno: int) -> None:
    """Compile the class body function and push what ``__build_class__`` takes."""
    c.enter_scope(s.name, ScopeType.CLASS, s, firstlineno)
    here = Location(firstlineno, firstlineno, 0, 0)
    unit = c.unit
    unit.private = s.name
    c.name_op(here, "__name__", ast.Load())
    c.name_op(here, "__module__", ast.Store())
    c.load_const(here, unit.code.qualname)
    c.name_op(here, "__qualname__", ast.Store())
    if PY313:
        c.load_const(here, unit.code.firstlineno)
        c.name_op(here, "__firstlineno__", ast.Store())
        if getattr(s, "type_params", None):
            c.name_op(here, ".type_params", ast.Load())
            c.name_op(here, "__type_params__", ast.Store())
        if unit.block.needs_classdict:
            c.emit(here, "LOAD_LOCALS")
            c.emit(here, "STORE_DEREF", unit.cellvars.add("__classdict__"))
    body(c, here, s.body)
    if PY313:
        assert unit.static_attributes is not None
        c.load_const(NO_LOCATION, tuple(sorted(unit.static_attributes)))
        c.name_op(NO_LOCATION, "__static_attributes__", ast.Store())
    c.unit.where = NO_LOCATION
    if PY313 and unit.block.needs_classdict:
        c.emit(NO_LOCATION, "LOAD_CLOSURE", unit.cellvars.add("__classdict__"))
        c.name_op(NO_LOCATION, "__classdictcell__", ast.Store())
    if unit.block.needs_class_closure:
        c.emit(NO_LOCATION, "LOAD_CLOSURE", unit.cellvars.add("__class__"))
        c.emit(NO_LOCATION, "COPY", 1)
        c.name_op(NO_LOCATION, "__classcell__", ast.Store())
    else:
        c.load_const(NO_LOCATION, None)
    c.emit(NO_LOCATION, "RETURN_VALUE")
    inner = unit.code
    code = c.finish_unit(add_none=True)
    here = loc(s)
    if PY313:
        c.emit(here, "LOAD_BUILD_CLASS")
        c.emit(here, "PUSH_NULL")
    else:
        c.emit(here, "PUSH_NULL")
        c.emit(here, "LOAD_BUILD_CLASS")
    make_closure(c, here, inner, code, 0)
    c.load_const(here, s.name)


@statement(ast.ClassDef)
def class_(c: Compiler, s: ast.ClassDef) -> None:
    """``class Name(bases): body`` (``compiler_class``)."""
    c.visit_exprs(s.decorator_list)
    firstlineno = s.decorator_list[0].lineno if s.decorator_list else s.lineno
    here = loc(s)
    type_params: list[Any] = getattr(s, "type_params", [])
    if type_params:
        c.enter_scope(
            f"<generic parameters of {s.name}>",
            ScopeType.TYPE_PARAMS,
            type_params,
            firstlineno,
        )
        c.unit.private = s.name
        _type_params(c, type_params)
        c.name_op(here, ".type_params", ast.Store())
    _class_body(c, s, firstlineno)
    if type_params:
        c.name_op(here, ".type_params", ast.Load())
        c.intrinsic(here, Intrinsic.SUBSCRIPT_GENERIC)
        c.name_op(here, ".generic_base", ast.Store())
        generic_base = ast.Name(
            ".generic_base",
            ast.Load(),
            lineno=here.lineno,
            col_offset=here.col_offset,
            end_lineno=here.end_lineno,
            end_col_offset=here.end_col_offset,
        )
        call_helper(c, here, 2, [*s.bases, generic_base], s.keywords)
        inner = c.unit.code
        code = c.finish_unit(add_none=False)
        make_closure(c, here, inner, code, 0)
        c.emit(here, "PUSH_NULL")
        c.emit(here, "CALL", 0)
    else:
        call_helper(c, here, 2, s.bases, s.keywords)
    _apply_decorators(c, s.decorator_list)
    c.name_op(here, s.name, ast.Store())


# -- type parameters and aliases (3.12+ syntax) ----------------------------------------


def _bound_or_default(
    c: Compiler, e: ast.expr, name: str, key: int, allow_starred: bool
) -> None:
    """Compile a lazily evaluated bound, constraint or default into a function."""
    c.enter_scope(name, ScopeType.TYPE_PARAMS, key, e.lineno)
    if allow_starred and isinstance(e, ast.Starred):
        c.visit_expr(e.value)
        c.emit(loc(e), "UNPACK_SEQUENCE", 1)
    else:
        c.visit_expr(e)
    c.emit(loc(e), "RETURN_VALUE")
    inner = c.unit.code
    code = c.finish_unit(add_none=True)
    make_closure(c, loc(e), inner, code, 0)


def _type_params(c: Compiler, type_params: list[Any]) -> None:
    """Create the type parameters, store each, and push them as a tuple."""
    seen_default = False
    for param in type_params:
        where = loc(param)
        kind = type(param).__name__
        c.load_const(where, param.name)
        if kind == "TypeVar":
            if param.bound is not None:
                _bound_or_default(c, param.bound, param.name, id(param), False)
                constrained = isinstance(param.bound, ast.Tuple)
                c.intrinsic(
                    where,
                    Intrinsic2.TYPEVAR_WITH_CONSTRAINTS
                    if constrained
                    else Intrinsic2.TYPEVAR_WITH_BOUND,
                )
            else:
                c.intrinsic(where, Intrinsic.TYPEVAR)
            default_key = id(param) + 1
        elif kind == "TypeVarTuple":
            c.intrinsic(where, Intrinsic.TYPEVARTUPLE)
            default_key = id(param)
        else:
            c.intrinsic(where, Intrinsic.PARAMSPEC)
            default_key = id(param)
        default = getattr(param, "default_value", None)
        if default is not None:
            seen_default = True
            _bound_or_default(
                c, default, param.name, default_key, kind == "TypeVarTuple"
            )
            c.intrinsic(where, Intrinsic2.SET_TYPEPARAM_DEFAULT)
        elif seen_default:
            c.fail(
                where,
                f"non-default type parameter '{param.name}' "
                "follows default type parameter",
            )
        c.emit(where, "COPY", 1)
        c.name_op(where, param.name, ast.Store())
    c.emit(loc(type_params[0]), "BUILD_TUPLE", len(type_params))


def _type_alias_body(c: Compiler, s: Any) -> None:
    """Compile the lazily evaluated value of ``type X = value``."""
    here = loc(s)
    name: str = s.name.id
    c.enter_scope(name, ScopeType.FUNCTION, s, here.lineno)
    c.add_const(None)
    c.visit_expr(s.value)
    c.emit(here, "RETURN_VALUE")
    inner = c.unit.code
    code = c.finish_unit(add_none=False)
    make_closure(c, here, inner, code, 0)
    c.emit(here, "BUILD_TUPLE", 3)
    c.intrinsic(here, Intrinsic.TYPEALIAS)


def _type_alias(c: Compiler, s: Any) -> None:
    """``type X[T] = value`` (``compiler_typealias``)."""
    here = loc(s)
    name: str = s.name.id
    if s.type_params:
        c.enter_scope(
            f"<generic parameters of {name}>",
            ScopeType.TYPE_PARAMS,
            s.type_params,
            here.lineno,
        )
        c.load_const(here, name)
        _type_params(c, s.type_params)
    else:
        c.load_const(here, name)
        c.load_const(here, None)
    _type_alias_body(c, s)
    if s.type_params:
        inner = c.unit.code
        code = c.finish_unit(add_none=False)
        make_closure(c, here, inner, code, 0)
        c.emit(here, "PUSH_NULL")
        c.emit(here, "CALL", 0)
    c.name_op(here, name, ast.Store())


if hasattr(ast, "TypeAlias"):
    statement(ast.TypeAlias)(_type_alias)
