r"""Exceptions and frame blocks: ``try``, ``with``, and leaving them early.

Since 3.11 entering a ``try`` costs nothing at run time: instead of pushing
a block on a runtime stack, the compiler marks ranges of instructions with
the handler that covers them, in the *exception table* the assembler builds.
Code generation still speaks in blocks: ``SETUP_FINALLY``,
``SETUP_CLEANUP`` and ``SETUP_WITH`` open a protected range and name its
handler, ``POP_BLOCK`` closes it; these pseudo-instructions never reach the
bytecode (``Objects/exception_handling_notes.txt``).

The same structure is kept at compile time as a stack of *frame blocks*
(``struct fblockinfo``): every loop, ``try``, ``with`` and ``except`` body
being compiled. ``return``, ``break`` and ``continue`` walk that stack
outwards and emit what leaving each block requires (``compiler_unwind_fblock``):
run a ``finally`` body, call a context manager's ``__exit__``, pop a loop's
iterator, clear an ``except ... as name`` variable.

>>> import ast
>>> from pyinternals.compiler.codegen import generate_units
>>> top = generate_units(ast.parse("try:\n    f()\nfinally:\n    g()"), "<demo>")
>>> ops = [i.opname for i in top.code.instructions()]
>>> ops.count("SETUP_FINALLY"), ops.count("SETUP_CLEANUP"), ops.count("POP_BLOCK")
(1, 1, 1)
"""

from __future__ import annotations

import ast

from pyinternals.compiler.codegen.core import (
    PY313,
    Compiler,
    FrameBlock,
    FrameType,
    Intrinsic2,
    ScopeType,
    loc,
    statement,
)
from pyinternals.compiler.codegen.expressions import add_await
from pyinternals.compiler.instructions import NO_LOCATION, Label, Location

__all__ = [
    "call_exit_with_nones",
    "pop_except_and_reraise",
    "unwind_fblock",
    "unwind_fblock_stack",
]


def _jump_forward(c: Compiler, where: Location, target: Label) -> None:
    """Jump forward unconditionally: ``JUMP_NO_INTERRUPT`` on 3.13."""
    c.emit(where, "JUMP_NO_INTERRUPT" if PY313 else "JUMP", target)


def _here(c: Compiler, where: Location) -> Location:
    """Return *where* on 3.13; 3.11 uses its current location instead."""
    return where if PY313 else c.unit.where


def _unset(c: Compiler) -> Location:
    """Make what follows artificial (3.11's ``UNSET_LOC``)."""
    c.unit.where = NO_LOCATION
    return NO_LOCATION


def call_exit_with_nones(c: Compiler, where: Location) -> None:
    """Call the ``__exit__`` on the stack with three ``None`` arguments.

    >>> c = Compiler.for_source("")
    >>> call_exit_with_nones(c, NO_LOCATION)
    >>> c.unit.code.body[-1], c.unit.code.consts.values
    (Instr(CALL 2), [None])
    """
    for _ in range(3):
        c.load_const(where, None)
    if not PY313:
        c.emit(where, "PRECALL", 2)
    c.emit(where, "CALL", 2)


def pop_except_and_reraise(c: Compiler, where: Location) -> None:
    """Restore the previous exception and re-raise the current one.

    The stack holds the saved exception state, the offset to resume at and
    the exception (``compiler_pop_except_and_reraise``).

    >>> c = Compiler.for_source("")
    >>> pop_except_and_reraise(c, NO_LOCATION)
    >>> c.unit.code.body[-3:]
    [Instr(COPY 3), Instr(POP_EXCEPT), Instr(RERAISE 1)]
    """
    c.emit(where, "COPY", 3)
    c.emit(where, "POP_EXCEPT")
    c.emit(where, "RERAISE", 1)


def unwind_fblock(
    c: Compiler, where: Location, info: FrameBlock, preserve_tos: bool
) -> Location:
    """Emit what leaving frame block *info* requires; return the new location.

    With *preserve_tos* the value on top of the stack (a return value) is
    kept above whatever the block leaves to pop. Code that leaves a
    ``finally`` or ``with`` block runs after the statement that caused it,
    so the instructions that follow get no location of their own.

    >>> c = Compiler.for_source("")
    >>> loop = FrameBlock(FrameType.FOR_LOOP, None, NO_LOCATION)
    >>> unwind_fblock(c, NO_LOCATION, loop, preserve_tos=True) == NO_LOCATION
    True
    >>> c.unit.code.body[-2:]
    [Instr(SWAP 2), Instr(POP_TOP)]
    """
    kind = info.kind
    if kind in (
        FrameType.WHILE_LOOP,
        FrameType.EXCEPTION_HANDLER,
        FrameType.EXCEPTION_GROUP_HANDLER,
        FrameType.ASYNC_COMPREHENSION_GENERATOR,
        FrameType.STOP_ITERATION,
    ):
        return where
    if kind is FrameType.FOR_LOOP:
        if preserve_tos:
            c.emit(where, "SWAP", 2)
        c.emit(where, "POP_TOP")
        return where
    if kind is FrameType.TRY_EXCEPT:
        c.emit(where, "POP_BLOCK")
        return where
    if kind is FrameType.FINALLY_TRY:
        c.emit(where, "POP_BLOCK")
        if preserve_tos:
            c.push_fblock(where, FrameType.POP_VALUE, None)
        c.visit_stmts(info.datum)
        if preserve_tos:
            c.pop_fblock(FrameType.POP_VALUE)
        return _unset(c)
    if kind is FrameType.FINALLY_END:
        if preserve_tos:
            c.emit(where, "SWAP", 2)
        c.emit(where, "POP_TOP")
        if preserve_tos:
            c.emit(where, "SWAP", 2)
        c.emit(where, "POP_BLOCK")
        c.emit(where, "POP_EXCEPT")
        return where
    if kind in (FrameType.WITH, FrameType.ASYNC_WITH):
        where = info.loc if PY313 else loc(info.datum)
        c.unit.where = where
        c.emit(where, "POP_BLOCK")
        if preserve_tos:
            c.emit(where, "SWAP", 2)
        call_exit_with_nones(c, where)
        if kind is FrameType.ASYNC_WITH:
            add_await(c, where, 2)
        c.emit(where, "POP_TOP")
        return _unset(c)
    if kind is FrameType.HANDLER_CLEANUP:
        if info.datum is not None:
            c.emit(where, "POP_BLOCK")
        if preserve_tos:
            c.emit(where, "SWAP", 2)
        c.emit(where, "POP_BLOCK")
        c.emit(where, "POP_EXCEPT")
        if info.datum is not None:
            c.load_const(where, None)
            c.name_op(where, info.datum, ast.Store())
            c.name_op(where, info.datum, ast.Del())
        return where
    assert kind is FrameType.POP_VALUE
    if preserve_tos:
        c.emit(where, "SWAP", 2)
    c.emit(where, "POP_TOP")
    return where


def unwind_fblock_stack(
    c: Compiler, where: Location, preserve_tos: bool, stop_at_loop: bool
) -> tuple[Location, FrameBlock | None]:
    """Unwind frame blocks from the innermost out (``compiler_unwind_fblock_stack``).

    With *stop_at_loop* (``break``, ``continue``) the walk stops at the
    innermost loop, which is returned; ``return`` unwinds everything. The
    blocks stay on the stack: the statements after the jump are still
    inside them.

    >>> c = Compiler.for_source("")
    >>> c.push_fblock(NO_LOCATION, FrameType.WHILE_LOOP, Label(), Label())
    >>> c.push_fblock(NO_LOCATION, FrameType.TRY_EXCEPT, Label())
    >>> _, loop = unwind_fblock_stack(c, NO_LOCATION, False, stop_at_loop=True)
    >>> loop.kind, c.unit.code.body[-1], len(c.unit.fblocks)
    (<FrameType.WHILE_LOOP: 'while loop'>, Instr(POP_BLOCK), 2)
    """
    fblocks = c.unit.fblocks
    if not fblocks:
        return where, None
    top = fblocks[-1]
    if top.kind is FrameType.EXCEPTION_GROUP_HANDLER:
        c.fail(
            where,
            "'break', 'continue' and 'return' cannot appear in an except* block",
        )
    if stop_at_loop and top.kind in (FrameType.WHILE_LOOP, FrameType.FOR_LOOP):
        return where, top
    fblocks.pop()
    try:
        where = unwind_fblock(c, where, top, preserve_tos)
        return unwind_fblock_stack(c, where, preserve_tos, stop_at_loop)
    finally:
        fblocks.append(top)


@statement(ast.Return)
def return_(c: Compiler, s: ast.Return) -> None:
    """``return value`` (``compiler_return``).

    A computed value is evaluated first and kept on the stack while the
    enclosing blocks unwind; a constant is loaded only at the end.
    """
    here = loc(s)
    value = s.value
    preserve_tos = value is not None and not isinstance(value, ast.Constant)
    if not c.unit.function_like:
        c.fail(here, "'return' outside function")
    block = c.unit.block
    if value is not None and block.coroutine and block.generator:
        c.fail(here, "'return' with value in async generator")
    if preserve_tos:
        assert value is not None
        c.visit_expr(value)
    elif value is not None:
        here = loc(value)
        c.unit.where = here
        c.emit(here, "NOP")
    if value is None or value.lineno != s.lineno:
        here = loc(s)
        c.unit.where = here
        c.emit(here, "NOP")
    here, _ = unwind_fblock_stack(c, here, preserve_tos, stop_at_loop=False)
    here = _here(c, here)
    if value is None:
        c.load_const(here, None)
    elif not preserve_tos:
        assert isinstance(value, ast.Constant)
        c.load_const(here, value.value)
    c.emit(here, "RETURN_VALUE")


@statement(ast.Break)
def break_(c: Compiler, s: ast.Break) -> None:
    """``break``: unwind to the innermost loop and jump past it."""
    origin = loc(s)
    c.emit(origin, "NOP")
    here, loop = unwind_fblock_stack(c, origin, False, stop_at_loop=True)
    if loop is None:
        c.fail(origin if PY313 else c.unit.where, "'break' outside loop")
    here = unwind_fblock(c, here, loop, False)
    assert loop.exit is not None
    c.emit(_here(c, here), "JUMP", loop.exit)
    if not PY313:
        c.use_label(Label())


@statement(ast.Continue)
def continue_(c: Compiler, s: ast.Continue) -> None:
    """``continue``: unwind to the innermost loop and jump to its start."""
    origin = loc(s)
    c.emit(origin, "NOP")
    here, loop = unwind_fblock_stack(c, origin, False, stop_at_loop=True)
    if loop is None:
        c.fail(origin if PY313 else c.unit.where, "'continue' not properly in loop")
    assert loop.block is not None
    c.emit(_here(c, here), "JUMP", loop.block)
    if not PY313:
        c.use_label(Label())


# -- try ----------------------------------------------------------------------------


@statement(ast.Try)
def try_(c: Compiler, s: ast.Try) -> None:
    """``try`` with handlers, ``else`` and/or ``finally``."""
    if s.finalbody:
        _try_finally(c, s)
    else:
        _try_except(c, s)


@statement(ast.TryStar)
def try_star(c: Compiler, s: ast.TryStar) -> None:
    """``try`` with ``except*`` handlers."""
    if s.finalbody:
        _try_finally(c, s)
    else:
        _try_star_except(c, s)


def _try_finally(c: Compiler, s: ast.Try | ast.TryStar) -> None:
    """``try: body finally: final`` (``compiler_try_finally``).

    The ``finally`` body is compiled twice: once on the normal path, once
    as the handler that runs it and re-raises.
    """
    here = loc(s)
    body_label, end, exit, cleanup = Label(), Label(), Label(), Label()
    c.emit(here, "SETUP_FINALLY", end)
    c.use_label(body_label)
    c.push_fblock(here, FrameType.FINALLY_TRY, body_label, end, s.finalbody)
    if s.handlers:
        if isinstance(s, ast.TryStar):
            _try_star_except(c, s)
        else:
            _try_except(c, s)
    else:
        c.visit_stmts(s.body)
    c.emit(NO_LOCATION, "POP_BLOCK")
    c.pop_fblock(FrameType.FINALLY_TRY)
    c.visit_stmts(s.finalbody)
    _jump_forward(c, NO_LOCATION, exit)
    c.use_label(end)
    where = _unset(c)
    c.emit(where, "SETUP_CLEANUP", cleanup)
    c.emit(where, "PUSH_EXC_INFO")
    c.push_fblock(where, FrameType.FINALLY_END, end)
    c.visit_stmts(s.finalbody)
    c.pop_fblock(FrameType.FINALLY_END)
    where = _here(c, NO_LOCATION)
    c.emit(where, "RERAISE", 0)
    c.use_label(cleanup)
    pop_except_and_reraise(c, where)
    c.use_label(exit)


def _clear_name(c: Compiler, name: str) -> None:
    """``name = None; del name``: unbind an ``except ... as name`` variable."""
    c.load_const(NO_LOCATION, None)
    c.name_op(NO_LOCATION, name, ast.Store())
    c.name_op(NO_LOCATION, name, ast.Del())


def _try_except(c: Compiler, s: ast.Try | ast.TryStar) -> None:
    """``try: body except E as name: handler else: orelse`` (``compiler_try_except``).

    Each handler tests the exception with ``CHECK_EXC_MATCH``; a named one
    runs its body inside a hidden ``try``/``finally`` that unbinds the name,
    so that the traceback does not keep the frame alive.
    """
    here = loc(s)
    body_label, except_, end, cleanup = Label(), Label(), Label(), Label()
    c.emit(here, "SETUP_FINALLY", except_)
    c.use_label(body_label)
    c.push_fblock(here, FrameType.TRY_EXCEPT, body_label)
    c.visit_stmts(s.body)
    c.pop_fblock(FrameType.TRY_EXCEPT)
    c.emit(NO_LOCATION, "POP_BLOCK")
    c.visit_stmts(s.orelse)
    _jump_forward(c, NO_LOCATION, end)
    c.use_label(except_)
    _unset(c)
    c.emit(NO_LOCATION, "SETUP_CLEANUP", cleanup)
    c.emit(NO_LOCATION, "PUSH_EXC_INFO")
    c.push_fblock(here, FrameType.EXCEPTION_HANDLER, None)
    for i, handler in enumerate(s.handlers):
        assert isinstance(handler, ast.ExceptHandler)
        where = loc(handler)
        c.unit.where = where
        if handler.type is None and i < len(s.handlers) - 1:
            c.fail(where, "default 'except:' must be last")
        except_ = Label()
        if handler.type is not None:
            c.visit_expr(handler.type)
            c.emit(where, "CHECK_EXC_MATCH")
            c.emit(where, "POP_JUMP_IF_FALSE", except_)
        if handler.name is not None:
            cleanup_end, cleanup_body = Label(), Label()
            c.name_op(where, handler.name, ast.Store())
            c.emit(where, "SETUP_CLEANUP", cleanup_end)
            c.use_label(cleanup_body)
            c.push_fblock(
                where, FrameType.HANDLER_CLEANUP, cleanup_body, None, handler.name
            )
            c.visit_stmts(handler.body)
            c.pop_fblock(FrameType.HANDLER_CLEANUP)
            _unset(c)
            c.emit(NO_LOCATION, "POP_BLOCK")
            c.emit(NO_LOCATION, "POP_BLOCK")
            c.emit(NO_LOCATION, "POP_EXCEPT")
            _clear_name(c, handler.name)
            _jump_forward(c, NO_LOCATION, end)
            c.use_label(cleanup_end)
            _clear_name(c, handler.name)
            c.emit(NO_LOCATION, "RERAISE", 1)
        else:
            cleanup_body = Label()
            c.emit(where, "POP_TOP")
            c.use_label(cleanup_body)
            c.push_fblock(where, FrameType.HANDLER_CLEANUP, cleanup_body)
            c.visit_stmts(handler.body)
            c.pop_fblock(FrameType.HANDLER_CLEANUP)
            _unset(c)
            c.emit(NO_LOCATION, "POP_BLOCK")
            c.emit(NO_LOCATION, "POP_EXCEPT")
            _jump_forward(c, NO_LOCATION, end)
        c.use_label(except_)
    _unset(c)
    c.pop_fblock(FrameType.EXCEPTION_HANDLER)
    c.emit(NO_LOCATION, "RERAISE", 0)
    c.use_label(cleanup)
    pop_except_and_reraise(c, NO_LOCATION)
    c.use_label(end)


def _try_star_except(c: Compiler, s: ast.Try | ast.TryStar) -> None:
    """``try: body except* E as name: handler`` (``compiler_try_star_except``).

    Each handler splits off the part of the exception group it matches
    (``CHECK_EG_MATCH``); exceptions raised by handlers and the unmatched
    rest are collected in a list, from which ``PREP_RERAISE_STAR`` builds
    what to re-raise, if anything.
    """
    here = loc(s)
    body_label, except_, orelse, end = Label(), Label(), Label(), Label()
    cleanup, reraise_star = Label(), Label()
    c.emit(here, "SETUP_FINALLY", except_)
    c.use_label(body_label)
    c.push_fblock(here, FrameType.TRY_EXCEPT, body_label)
    c.visit_stmts(s.body)
    c.pop_fblock(FrameType.TRY_EXCEPT)
    c.emit(NO_LOCATION, "POP_BLOCK")
    _jump_forward(c, NO_LOCATION, orelse)
    c.use_label(except_)
    _unset(c)
    c.emit(NO_LOCATION, "SETUP_CLEANUP", cleanup)
    c.emit(NO_LOCATION, "PUSH_EXC_INFO")
    c.push_fblock(here, FrameType.EXCEPTION_GROUP_HANDLER, None, None, "except handler")
    count = len(s.handlers)
    for i, handler in enumerate(s.handlers):
        assert isinstance(handler, ast.ExceptHandler)
        where = loc(handler)
        c.unit.where = where
        except_, except_with_error, no_match = Label(), Label(), Label()
        if i == 0:
            if PY313:
                c.emit(where, "BUILD_LIST", 0)
                c.emit(where, "COPY", 2)
            else:
                c.emit(where, "COPY", 1)
                c.emit(where, "BUILD_LIST", 0)
                c.emit(where, "SWAP", 2)
        if handler.type is not None:
            c.visit_expr(handler.type)
            c.emit(where, "CHECK_EG_MATCH")
            c.emit(where, "COPY", 1)
            c.emit(where, "POP_JUMP_IF_NONE", no_match)
        cleanup_end, cleanup_body = Label(), Label()
        if handler.name is not None:
            c.name_op(where, handler.name, ast.Store())
        else:
            c.emit(where, "POP_TOP")
        c.emit(where, "SETUP_CLEANUP", cleanup_end)
        c.use_label(cleanup_body)
        c.push_fblock(
            where, FrameType.HANDLER_CLEANUP, cleanup_body, None, handler.name
        )
        c.visit_stmts(handler.body)
        c.pop_fblock(FrameType.HANDLER_CLEANUP)
        _unset(c)
        c.emit(NO_LOCATION, "POP_BLOCK")
        if handler.name is not None:
            _clear_name(c, handler.name)
        _jump_forward(c, NO_LOCATION, except_)
        c.use_label(cleanup_end)
        if handler.name is not None:
            _clear_name(c, handler.name)
        c.emit(NO_LOCATION, "LIST_APPEND", 3)
        c.emit(NO_LOCATION, "POP_TOP")
        _jump_forward(c, NO_LOCATION, except_with_error)
        c.use_label(except_)
        c.emit(NO_LOCATION, "NOP")
        _jump_forward(c, NO_LOCATION, except_with_error)
        c.use_label(no_match)
        c.emit(where if PY313 else NO_LOCATION, "POP_TOP")
        c.use_label(except_with_error)
        if i == count - 1:
            c.emit(NO_LOCATION, "LIST_APPEND", 1)
            _jump_forward(c, NO_LOCATION, reraise_star)
    _unset(c)
    c.pop_fblock(FrameType.EXCEPTION_GROUP_HANDLER)
    reraise = Label()
    c.use_label(reraise_star)
    c.intrinsic(NO_LOCATION, Intrinsic2.PREP_RERAISE_STAR)
    c.emit(NO_LOCATION, "COPY", 1)
    c.emit(NO_LOCATION, "POP_JUMP_IF_NOT_NONE", reraise)
    c.emit(NO_LOCATION, "POP_TOP")
    c.emit(NO_LOCATION, "POP_BLOCK")
    c.emit(NO_LOCATION, "POP_EXCEPT")
    _jump_forward(c, NO_LOCATION, end)
    c.use_label(reraise)
    c.emit(NO_LOCATION, "POP_BLOCK")
    c.emit(NO_LOCATION, "SWAP", 2)
    c.emit(NO_LOCATION, "POP_EXCEPT")
    c.emit(NO_LOCATION, "RERAISE", 0)
    c.use_label(cleanup)
    pop_except_and_reraise(c, NO_LOCATION)
    c.use_label(orelse)
    c.visit_stmts(s.orelse)
    c.use_label(end)


# -- with ---------------------------------------------------------------------------


def _with_except_finish(c: Compiler, cleanup: Label) -> None:
    """Re-raise unless ``__exit__`` returned true (``compiler_with_except_finish``)."""
    _unset(c)
    suppress, exit = Label(), Label()
    if PY313:
        c.emit(NO_LOCATION, "TO_BOOL")
    c.emit(NO_LOCATION, "POP_JUMP_IF_TRUE", suppress)
    c.emit(NO_LOCATION, "RERAISE", 2)
    if not PY313:
        # 3.11 places the cleanup handler first, then falls into the exit.
        c.use_label(cleanup)
        pop_except_and_reraise(c, NO_LOCATION)
        c.use_label(suppress)
        for opname in ("POP_TOP", "POP_BLOCK", "POP_EXCEPT", "POP_TOP", "POP_TOP"):
            c.emit(NO_LOCATION, opname)
        return
    c.use_label(suppress)
    c.emit(NO_LOCATION, "POP_TOP")
    c.emit(NO_LOCATION, "POP_BLOCK")
    c.emit(NO_LOCATION, "POP_EXCEPT")
    c.emit(NO_LOCATION, "POP_TOP")
    c.emit(NO_LOCATION, "POP_TOP")
    _jump_forward(c, NO_LOCATION, exit)
    c.use_label(cleanup)
    pop_except_and_reraise(c, NO_LOCATION)
    c.use_label(exit)


def _with_body(
    c: Compiler,
    s: ast.With | ast.AsyncWith,
    pos: int,
    where: Location,
    block: Label,
    final: Label,
) -> None:
    """Bind item *pos*'s value and compile what it guards: the later items, the body.

    The shared middle of ``with`` and ``async with``: the ``SETUP_WITH``
    range starts at *block* and its handler is *final*.
    """
    kind = FrameType.ASYNC_WITH if isinstance(s, ast.AsyncWith) else FrameType.WITH
    c.emit(where, "SETUP_WITH", final)
    c.use_label(block)
    c.push_fblock(where, kind, block, final, s)
    item = s.items[pos]
    if item.optional_vars is not None:
        c.visit_expr(item.optional_vars)
    else:
        c.emit(where, "POP_TOP")
    if pos + 1 == len(s.items):
        c.visit_stmts(s.body)
    elif isinstance(s, ast.AsyncWith):
        async_with(c, s, pos + 1)
    else:
        with_(c, s, pos + 1)


def _with_exit(
    c: Compiler,
    where: Location,
    final: Label,
    exit: Label,
    cleanup: Label,
    is_async: bool,
) -> None:
    """Call ``__exit__`` (or await ``__aexit__``) on both ways out of the body.

    The normal way calls it with three ``None`` and jumps to *exit*; the
    handler *final* calls it with the exception (``WITH_EXCEPT_START``) and
    lets its result decide whether the exception is suppressed.
    """
    call_exit_with_nones(c, where)
    if is_async:
        add_await(c, where, 2)
    c.emit(where, "POP_TOP")
    c.emit(where, "JUMP", exit)
    c.use_label(final)
    c.emit(where, "SETUP_CLEANUP", cleanup)
    c.emit(where, "PUSH_EXC_INFO")
    c.emit(where, "WITH_EXCEPT_START")
    if is_async:
        add_await(c, where, 2)
    _with_except_finish(c, cleanup)
    c.use_label(exit)


@statement(ast.With)
def with_(c: Compiler, s: ast.With, pos: int = 0) -> None:
    """``with a as x, b: body`` (``compiler_with``): one nesting per item.

    ``BEFORE_WITH`` pushes the bound ``__exit__`` and calls ``__enter__``;
    the body runs in a ``SETUP_WITH`` range whose handler calls
    ``__exit__`` with the exception (``WITH_EXCEPT_START``); the normal path
    calls it with three ``None``.
    """
    item = s.items[pos]
    block, final, exit, cleanup = Label(), Label(), Label(), Label()
    c.visit_expr(item.context_expr)
    where = loc(item.context_expr) if PY313 else c.unit.where
    c.emit(where, "BEFORE_WITH")
    _with_body(c, s, pos, where, block, final)
    _unset(c)
    c.emit(NO_LOCATION, "POP_BLOCK")
    c.pop_fblock(FrameType.WITH)
    if not PY313:
        where = c.unit.where = loc(s)
    _with_exit(c, where, final, exit, cleanup, is_async=False)


@statement(ast.AsyncWith)
def async_with(c: Compiler, s: ast.AsyncWith, pos: int = 0) -> None:
    """``async with``: ``__aenter__`` and ``__aexit__`` are awaited."""
    here = loc(s)
    item = s.items[pos]
    if c.top_level_await:
        c.unit.block.coroutine = True
    elif c.unit.scope_type is not ScopeType.ASYNC_FUNCTION:
        c.fail(here, "'async with' outside async function")
    block, final, exit, cleanup = Label(), Label(), Label(), Label()
    c.visit_expr(item.context_expr)
    where = loc(item.context_expr) if PY313 else c.unit.where
    c.emit(where, "BEFORE_ASYNC_WITH")
    add_await(c, where, 1)
    _with_body(c, s, pos, where, block, final)
    c.pop_fblock(FrameType.ASYNC_WITH)
    c.emit(where if PY313 else c.unit.where, "POP_BLOCK")
    if not PY313:
        where = c.unit.where = loc(s)
    _with_exit(c, where, final, exit, cleanup, is_async=True)
