"""Comprehensions and generator expressions.

``[elt for x in it if cond]`` is a loop that appends to a list. Where the
loop runs changed in 3.12 (PEP 709):

* on 3.11 every comprehension is a nested function, called at once with the
  iterator of its first ``for`` as its only argument (named ``.0``);
* on 3.12+ list, set and dict comprehensions are *inlined*: the loop runs in
  the enclosing function. The names the comprehension binds must still not
  leak, so their outer values are saved on the stack
  (``LOAD_FAST_AND_CLEAR``) and restored afterwards, also when an exception
  escapes (``STORE_FAST_MAYBE_NULL`` in a hidden handler). At module and
  class level, where names are not fast locals, the comprehension's names
  are temporarily made fast locals ("hidden" ones, ``CO_FAST_HIDDEN``).

Generator expressions stay functions on both versions: their frame must
outlive the expression.

>>> import ast
>>> from pyinternals.compiler.codegen import generate_units
>>> top = generate_units(ast.parse("[x for x in y]"), "<demo>")
>>> ops = [i.opname for i in top.code.instructions()]
>>> "LOAD_FAST_AND_CLEAR" in ops if PY313 else "MAKE_FUNCTION" in ops
True
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from pyinternals.compiler.codegen.core import (
    PY313,
    Compiler,
    FrameType,
    ScopeType,
    expression,
    loc,
)
from pyinternals.compiler.codegen.definitions import (
    make_closure,
    wrap_in_stopiteration_handler,
)
from pyinternals.compiler.codegen.expressions import (
    add_await,
    add_yield,
    add_yield_from,
    jump_if,
)
from pyinternals.compiler.instructions import NO_LOCATION, Label, Location
from pyinternals.compiler.scopes import Block, BlockType, Def, Scope

__all__ = ["PY313", "comprehension"]

_LIST, _SET, _DICT, _GENERATOR = "list", "set", "dict", "generator"
_BUILD = {_LIST: "BUILD_LIST", _SET: "BUILD_SET", _DICT: "BUILD_MAP"}


@dataclass
class _InlinedState:
    """What inlining changed, to undo afterwards (``inlined_comprehension_state``)."""

    pushed_locals: list[str] = field(default_factory=list)
    temp_symbols: dict[str, tuple[Def | None, Scope | None]] = field(
        default_factory=dict
    )
    fast_hidden: set[str] = field(default_factory=set)
    cleanup: Label | None = None
    end: Label | None = None


@dataclass(frozen=True)
class _Clauses:
    """What every ``for`` clause of one comprehension shares.

    The clauses, in source order; the element (*elt*, and *value* for a
    dict); and the *kind* of result the element goes to.
    """

    generators: list[ast.comprehension]
    elt: ast.expr
    value: ast.expr | None
    kind: str


def _generator(
    c: Compiler,
    where: Location,
    clauses: _Clauses,
    index: int,
    depth: int,
    iter_on_stack: bool,
) -> None:
    """Compile the ``for`` clause *index* and everything inside it."""
    compile_clause = (
        _async_generator if clauses.generators[index].is_async else _sync_generator
    )
    compile_clause(c, where, clauses, index, depth, iter_on_stack)


def _load_outermost_iterator(c: Compiler, where: Location) -> None:
    """Load the comprehension function's one argument, the first iterator (``.0``)."""
    c.unit.code.argcount = 1
    c.emit(where if PY313 else c.unit.where, "LOAD_FAST", 0)


def _inner(
    c: Compiler, where: Location, clauses: _Clauses, index: int, depth: int
) -> Location:
    """Compile what is inside clause *index*: the next clause, or the element.

    Return the location of the element, where the clause's loop jumps back.
    """
    if index + 1 < len(clauses.generators):
        _generator(c, where, clauses, index + 1, depth, False)
        return loc(clauses.elt) if PY313 else c.unit.where
    return _element(c, clauses.elt, clauses.value, clauses.kind, depth)


def _element(
    c: Compiler, elt: ast.expr, value: ast.expr | None, kind: str, depth: int
) -> Location:
    """Add the element to the result, or yield it; return its location."""
    where = loc(elt) if PY313 else c.unit.where
    c.visit_expr(elt)
    if kind == _GENERATOR:
        add_yield(c, where)
        c.emit(where, "POP_TOP")
    elif kind == _LIST:
        c.emit(where, "LIST_APPEND", depth + 1)
    elif kind == _SET:
        c.emit(where, "SET_ADD", depth + 1)
    else:
        assert value is not None
        c.visit_expr(value)
        if PY313:
            assert value.end_lineno is not None
            assert value.end_col_offset is not None
            where = Location(
                elt.lineno, value.end_lineno, elt.col_offset, value.end_col_offset
            )
        c.emit(where, "MAP_ADD", depth + 1)
    return where


def _sync_generator(
    c: Compiler,
    where: Location,
    clauses: _Clauses,
    index: int,
    depth: int,
    iter_on_stack: bool,
) -> None:
    """Compile a ``for`` clause (``compiler_sync_comprehension_generator``)."""
    start: Label | None = Label()
    if_cleanup, anchor = Label(), Label()
    gen = clauses.generators[index]
    iter_where = loc(gen.iter) if PY313 else c.unit.where
    if not iter_on_stack:
        if index == 0:
            _load_outermost_iterator(c, where)
        else:
            # ``for y in [f(x)]`` binds y once: no loop at all.
            elts = gen.iter.elts if isinstance(gen.iter, ast.List | ast.Tuple) else []
            if len(elts) == 1 and not isinstance(elts[0], ast.Starred):
                c.visit_expr(elts[0])
                start = None
            if start is not None:
                c.visit_expr(gen.iter)
                c.emit(iter_where, "GET_ITER")
    if start is not None:
        depth += 1
        if PY313:
            c.emit(iter_where, "GET_ITER")
        c.use_label(start)
        c.emit(iter_where, "FOR_ITER", anchor)
    c.visit_expr(gen.target)
    for condition in gen.ifs:
        jump_if(c, where, condition, if_cleanup, False)
    elt_where = _inner(c, where, clauses, index, depth)
    c.use_label(if_cleanup)
    if start is not None:
        c.emit(elt_where, "JUMP", start)
        c.use_label(anchor)
        if PY313:
            c.emit(NO_LOCATION, "END_FOR")
            c.emit(NO_LOCATION, "POP_TOP")


def _async_generator(
    c: Compiler,
    where: Location,
    clauses: _Clauses,
    index: int,
    depth: int,
    iter_on_stack: bool,
) -> None:
    """Compile an ``async for`` clause (``compiler_async_comprehension_generator``)."""
    start, except_, if_cleanup = Label(), Label(), Label()
    gen = clauses.generators[index]
    if not iter_on_stack:
        if index == 0:
            _load_outermost_iterator(c, where)
        else:
            c.visit_expr(gen.iter)
            c.emit(loc(gen.iter) if PY313 else c.unit.where, "GET_AITER")
    c.use_label(start)
    c.push_fblock(where, FrameType.ASYNC_COMPREHENSION_GENERATOR, start)
    if not PY313:
        where = c.unit.where
    c.emit(where, "SETUP_FINALLY", except_)
    c.emit(where, "GET_ANEXT")
    c.load_const(where, None)
    add_yield_from(c, where, is_await=True)
    c.emit(where, "POP_BLOCK")
    c.visit_expr(gen.target)
    for condition in gen.ifs:
        jump_if(c, where, condition, if_cleanup, False)
    depth += 1
    elt_where = _inner(c, where, clauses, index, depth)
    c.use_label(if_cleanup)
    c.emit(elt_where, "JUMP", start)
    c.pop_fblock(FrameType.ASYNC_COMPREHENSION_GENERATOR)
    c.use_label(except_)
    c.emit(where if PY313 else c.unit.where, "END_ASYNC_FOR")


def _push_inlined_state(c: Compiler, where: Location, entry: Block) -> _InlinedState:
    """Isolate the names an inlined comprehension binds (3.12+).

    ``push_inlined_comprehension_state``: a name whose scope differs inside
    and outside temporarily takes its inside scope; a name the
    comprehension binds has its outer value pushed (and cleared), and at
    module or class level becomes a fast local for the duration.
    """
    unit = c.unit
    outer = unit.block
    state = _InlinedState()
    in_class_block = outer.type is BlockType.CLASS and not unit.in_inlined_comp
    unit.in_inlined_comp += 1
    for name, flags in entry.symbols.items():
        scope = entry.scopes.get(name)
        outer_scope = outer.scopes.get(name)
        different = (
            scope != outer_scope
            and scope is not Scope.FREE
            and not (scope is Scope.CELL and outer_scope is Scope.FREE)
        )
        if different or in_class_block:
            if name not in state.temp_symbols:
                state.temp_symbols[name] = (outer.symbols.get(name), outer_scope)
            outer.symbols[name] = flags
            if scope is None:
                outer.scopes.pop(name, None)
            else:
                outer.scopes[name] = scope
        if (flags & Def.LOCAL and not flags & Def.NONLOCAL) or in_class_block:
            if not unit.function_like and not unit.fasthidden.get(name):
                unit.fasthidden[name] = True
                state.fast_hidden.add(name)
            c.emit(where, "LOAD_FAST_AND_CLEAR", unit.varnames.add(c.mangle(name)))
            if scope is Scope.CELL:
                table = unit.freevars if outer_scope is Scope.FREE else unit.cellvars
                c.emit(where, "MAKE_CELL", table.add(c.mangle(name)))
            state.pushed_locals.append(name)
    if state.pushed_locals:
        c.emit(where, "SWAP", len(state.pushed_locals) + 1)
        state.cleanup, state.end = Label(), Label()
        c.emit(where, "SETUP_FINALLY", state.cleanup)
    return state


def _restore_locals(c: Compiler, where: Location, state: _InlinedState) -> None:
    """Put back the outer values of the comprehension's names."""
    count = len(state.pushed_locals)
    c.emit(where, "SWAP", count + 1)
    for name in reversed(state.pushed_locals):
        c.emit(where, "STORE_FAST_MAYBE_NULL", c.unit.varnames.add(c.mangle(name)))


def _pop_inlined_state(c: Compiler, where: Location, state: _InlinedState) -> None:
    """Undo :func:`_push_inlined_state` (``pop_inlined_comprehension_state``)."""
    unit = c.unit
    unit.in_inlined_comp -= 1
    outer = unit.block
    for name, (flags, scope) in state.temp_symbols.items():
        if flags is None:
            outer.symbols.pop(name, None)
        else:
            outer.symbols[name] = flags
        if scope is None:
            outer.scopes.pop(name, None)
        else:
            outer.scopes[name] = scope
    if state.pushed_locals:
        assert state.cleanup is not None
        assert state.end is not None
        c.emit(NO_LOCATION, "POP_BLOCK")
        c.emit(NO_LOCATION, "JUMP_NO_INTERRUPT", state.end)
        c.use_label(state.cleanup)
        c.emit(NO_LOCATION, "SWAP", 2)
        c.emit(NO_LOCATION, "POP_TOP")
        _restore_locals(c, where, state)
        c.emit(NO_LOCATION, "RERAISE", 0)
        c.use_label(state.end)
        _restore_locals(c, where, state)
    for name in state.fast_hidden:
        unit.fasthidden[name] = False


def _iterator(c: Compiler, generator: ast.comprehension) -> None:
    """Evaluate the first iterable, outside the comprehension, and get its iterator."""
    c.visit_expr(generator.iter)
    where = loc(generator.iter) if PY313 else c.unit.where
    c.emit(where, "GET_AITER" if generator.is_async else "GET_ITER")


def comprehension(
    c: Compiler,
    e: ast.expr,
    kind: str,
    name: str,
    generators: list[ast.comprehension],
    elt: ast.expr,
    value: ast.expr | None = None,
) -> None:
    """Compile a comprehension or generator expression (``compiler_comprehension``).

    *kind* is ``"list"``, ``"set"``, ``"dict"`` or ``"generator"``; *name*
    the name of the function it becomes when it is not inlined.

    >>> c = Compiler.for_source("[x for x in y]")
    >>> e = c.tree.body[0].value
    >>> comprehension(c, e, "list", "<listcomp>", e.generators, e.elt)
    >>> units = [c.unit.code, *(inner.code for inner in c.unit.nested)]
    >>> "LIST_APPEND" in [i.opname for u in units for i in u.instructions()]
    True
    >>> len(c.unit.nested) == (0 if PY313 else 1)
    True
    """
    here = loc(e)
    scope_type = c.unit.scope_type
    top_level_await = c.top_level_await
    entry = c.blocks[id(e)]
    inlined = entry.comp_inlined
    is_async_generator = entry.coroutine
    outermost = generators[0]
    state: _InlinedState | None = None
    if inlined:
        _iterator(c, outermost)
        state = _push_inlined_state(c, here, entry)
    else:
        c.enter_scope(name, ScopeType.COMPREHENSION, e, e.lineno)
        c.unit.where = here
    if (
        is_async_generator
        and kind != _GENERATOR
        and scope_type not in (ScopeType.ASYNC_FUNCTION, ScopeType.COMPREHENSION)
        and not top_level_await
    ):
        c.fail(here, "asynchronous comprehension outside of an asynchronous function")
    if kind != _GENERATOR:
        c.emit(here, _BUILD[kind], 0)
        if inlined:
            c.emit(here, "SWAP", 2)
    _generator(c, here, _Clauses(generators, elt, value, kind), 0, 0, inlined)
    if state is not None:
        _pop_inlined_state(c, here, state)
        return
    if kind != _GENERATOR:
        c.emit(here if PY313 else c.unit.where, "RETURN_VALUE")
    elif PY313:
        wrap_in_stopiteration_handler(c)
    inner = c.unit.code
    code = c.finish_unit(add_none=True)
    if top_level_await and is_async_generator:
        c.unit.block.coroutine = True
    make_closure(c, here, inner, code, 0)
    _iterator(c, outermost)
    if not PY313:
        c.emit(here, "PRECALL", 0)
    c.emit(here, "CALL", 0)
    if is_async_generator and kind != _GENERATOR:
        add_await(c, here, 0)


@expression(ast.GeneratorExp)
def generator_expression(c: Compiler, e: ast.GeneratorExp) -> None:
    """``(elt for ...)``: always a function, called to make the generator."""
    comprehension(c, e, _GENERATOR, "<genexpr>", e.generators, e.elt)


@expression(ast.ListComp)
def list_comprehension(c: Compiler, e: ast.ListComp) -> None:
    """``[elt for ...]``."""
    comprehension(c, e, _LIST, "<listcomp>", e.generators, e.elt)


@expression(ast.SetComp)
def set_comprehension(c: Compiler, e: ast.SetComp) -> None:
    """``{elt for ...}``."""
    comprehension(c, e, _SET, "<setcomp>", e.generators, e.elt)


@expression(ast.DictComp)
def dict_comprehension(c: Compiler, e: ast.DictComp) -> None:
    """``{key: value for ...}``."""
    comprehension(c, e, _DICT, "<dictcomp>", e.generators, e.key, e.value)
