r"""Statements: assignments, imports, ``if``, loops and the other simple ones.

A statement compiles to instructions that leave the value stack as they
found it (``compiler_visit_stmt`` in ``Python/compile.c``). This module has
the bodies of modules and classes (docstrings, ``SETUP_ANNOTATIONS``), the
assignments (plain, augmented, annotated), ``del``, ``raise``, ``assert``,
the imports, and the structured statements whose control flow is plain
jumps: ``if``, ``for``, ``async for`` and ``while``. Loops push a frame
block so that ``break`` and ``continue`` (in
:mod:`~pyinternals.compiler.codegen.exceptions`) know where to go.

>>> import ast
>>> from pyinternals.compiler.codegen.core import Compiler, ScopeType
>>> c = Compiler(ast.parse("'''Doc.'''\nimport a.b as c"), "<demo>", mode="exec")
>>> c.enter_scope("<module>", ScopeType.MODULE, c.tree, 1)
>>> body(c, Location(1, 1, 0, 0), c.tree.body)
>>> print(*[i.opname for i in c.unit.code.instructions()][1:])
LOAD_CONST STORE_NAME LOAD_CONST LOAD_CONST IMPORT_NAME IMPORT_FROM STORE_NAME POP_TOP
>>> c.unit.names.items
['__doc__', 'a.b', 'b', 'c']
"""

from __future__ import annotations

import ast

from pyinternals.compiler.codegen.core import (
    PY313,
    Compiler,
    FrameType,
    Intrinsic,
    ScopeType,
    docstring_of,
    loc,
    statement,
)
from pyinternals.compiler.codegen.expressions import (
    add_yield_from,
    binary_op,
    is_two_element_slice,
    jump_if,
    slice_parts,
    update_start_location_to_match_attr,
)
from pyinternals.compiler.instructions import NO_LOCATION, Label, Location

__all__ = ["annotation_value", "body", "clean_doc", "has_annotations"]


def clean_doc(doc: str) -> str:
    r"""Remove the common indentation of a docstring (``_PyCompile_CleanDoc``, 3.13).

    Like :func:`inspect.cleandoc`, but blank lines at the start and end
    stay, so that line numbers inside the docstring keep their meaning.

    >>> clean_doc("Title.\n\n    Body,\n      indented.\n    ")
    'Title.\n\nBody,\n  indented.\n'
    """
    doc = doc.expandtabs()
    lines = doc.split("\n")
    indents = [
        len(line) - len(line.lstrip(" ")) for line in lines[1:] if line.strip(" ")
    ]
    margin = min(indents, default=0)
    first = lines[0].lstrip(" ")
    if first == lines[0] and margin == 0:
        return doc
    rest = []
    for line in lines[1:]:
        spaces = len(line) - len(line.lstrip(" "))
        rest.append(line[min(margin, spaces) :])
    return "\n".join([first, *rest])


def has_annotations(stmts: list[ast.stmt]) -> bool:
    r"""Whether *stmts* contain an annotated assignment (``find_ann``).

    Nested blocks count, but not nested functions or classes: a module or
    class with ``x: int`` anywhere in its own code needs ``__annotations__``.

    >>> has_annotations(ast.parse("if x:\n    y: int").body)
    True
    """
    for stmt in stmts:
        if isinstance(stmt, ast.AnnAssign):
            return True
        if isinstance(stmt, ast.For | ast.AsyncFor | ast.While | ast.If):
            if has_annotations(stmt.body) or has_annotations(stmt.orelse):
                return True
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            if has_annotations(stmt.body):
                return True
        elif isinstance(stmt, ast.Try | ast.TryStar):
            for handler in stmt.handlers:
                assert isinstance(handler, ast.ExceptHandler)
                if has_annotations(handler.body):
                    return True
            if (
                has_annotations(stmt.body)
                or has_annotations(stmt.finalbody)
                or has_annotations(stmt.orelse)
            ):
                return True
        elif isinstance(stmt, ast.Match) and any(
            has_annotations(case.body) for case in stmt.cases
        ):
            return True
    return False


def body(c: Compiler, where: Location, stmts: list[ast.stmt]) -> None:
    """Compile the body of a module or class (``compiler_body``).

    It sets up ``__annotations__`` if the body annotates names, and stores
    a leading string as ``__doc__`` (cleaned of its indentation on 3.13,
    dropped under ``-OO``).
    """
    if c.unit.scope_type is ScopeType.MODULE and stmts:
        where = loc(stmts[0])
        c.unit.where = where
    if has_annotations(stmts):
        c.emit(where if PY313 else c.unit.where, "SETUP_ANNOTATIONS")
    if not stmts:
        return
    first = 0
    docstring = docstring_of(stmts)
    if docstring is not None and (PY313 or c.optimize < 2):
        first = 1
        if c.optimize < 2:
            value = stmts[0]
            assert isinstance(value, ast.Expr)
            if PY313:
                c.load_const(loc(value.value), clean_doc(docstring))
            else:
                c.unit.where = loc(stmts[0])
                c.visit_expr(value.value)
            c.unit.where = NO_LOCATION
            c.name_op(NO_LOCATION, "__doc__", ast.Store())
    for stmt in stmts[first:]:
        c.visit_stmt(stmt)


def _next_block(c: Compiler) -> None:
    """Start a new basic block after a jump or exit (3.11's ``NEXT_BLOCK``)."""
    if not PY313:
        c.use_label(Label())


# -- simple statements ----------------------------------------------------------


@statement(ast.Expr)
def expression_statement(c: Compiler, s: ast.Expr) -> None:
    """Compile an expression whose value is dropped (``compiler_stmt_expr``).

    In the interactive prompt the value is printed instead; a lone constant
    (a docstring-like string in a function body) compiles to a ``NOP``
    that keeps its line number for tracing.
    """
    here = loc(s)
    value = s.value
    if c.interactive and c.nest_level <= 1:
        c.visit_expr(value)
        c.intrinsic(here, Intrinsic.PRINT)
        if PY313:
            c.emit(NO_LOCATION, "POP_TOP")
        return
    if isinstance(value, ast.Constant):
        c.emit(here, "NOP")
        return
    c.visit_expr(value)
    c.unit.where = NO_LOCATION
    c.emit(NO_LOCATION, "POP_TOP")


@statement(ast.Pass)
def pass_(c: Compiler, s: ast.Pass) -> None:
    """``pass``: a ``NOP`` that carries the line number."""
    c.emit(loc(s), "NOP")


@statement(ast.Global, ast.Nonlocal)
def declaration(c: Compiler, s: ast.Global | ast.Nonlocal) -> None:
    """``global`` and ``nonlocal`` only inform the symbol table."""


@statement(ast.Assign)
def assign(c: Compiler, s: ast.Assign) -> None:
    """Compile ``a = b = value``: one value, copied for each target but the last."""
    c.visit_expr(s.value)
    for i, target in enumerate(s.targets):
        if i < len(s.targets) - 1:
            c.emit(loc(s), "COPY", 1)
        c.visit_expr(target)


@statement(ast.Delete)
def delete(c: Compiler, s: ast.Delete) -> None:
    """``del a, b[0], c.x``."""
    c.visit_exprs(s.targets)


@statement(ast.Raise)
def raise_(c: Compiler, s: ast.Raise) -> None:
    """``raise``, ``raise exc``, ``raise exc from cause``."""
    count = 0
    if s.exc is not None:
        c.visit_expr(s.exc)
        count += 1
        if s.cause is not None:
            c.visit_expr(s.cause)
            count += 1
    c.emit(loc(s), "RAISE_VARARGS", count)
    _next_block(c)


@statement(ast.Assert)
def assert_(c: Compiler, s: ast.Assert) -> None:
    """``assert test, msg``: nothing at all under ``-O`` (``compiler_assert``)."""
    test = s.test
    if (isinstance(test, ast.Tuple) and test.elts) or (
        isinstance(test, ast.Constant) and isinstance(test.value, tuple) and test.value
    ):
        c.warn(loc(s), "assertion is always true, perhaps remove parentheses?")
    if c.optimize:
        return
    here = loc(s)
    end = Label()
    jump_if(c, here, test, end, True)
    if not PY313:
        here = c.unit.where
    c.emit(here, "LOAD_ASSERTION_ERROR")
    if s.msg is not None:
        c.visit_expr(s.msg)
        if not PY313:
            c.emit(here, "PRECALL", 0)
        c.emit(here, "CALL", 0)
    c.emit(loc(test) if PY313 else here, "RAISE_VARARGS", 1)
    c.use_label(end)


@statement(ast.AugAssign)
def aug_assign(c: Compiler, s: ast.AugAssign) -> None:
    """``target op= value``: load the target once, operate, store back.

    For ``obj.attr`` and ``obj[key]`` the object (and key) are evaluated
    once and kept on the stack under the value (``compiler_augassign``).
    """
    e = s.target
    here = loc(e)
    c.unit.where = here
    if isinstance(e, ast.Attribute):
        c.visit_expr(e.value)
        c.emit(here, "COPY", 1)
        c.emit_name(update_start_location_to_match_attr(here, e), "LOAD_ATTR", e.attr)
    elif isinstance(e, ast.Subscript):
        c.visit_expr(e.value)
        if is_two_element_slice(e.slice):
            assert isinstance(e.slice, ast.Slice)
            slice_parts(c, e.slice)
            c.emit(here, "COPY", 3)
            c.emit(here, "COPY", 3)
            c.emit(here, "COPY", 3)
            c.emit(here, "BINARY_SLICE")
        else:
            c.visit_expr(e.slice)
            c.emit(here, "COPY", 2)
            c.emit(here, "COPY", 2)
            c.emit(here, "BINARY_SUBSCR")
    else:
        assert isinstance(e, ast.Name)
        c.name_op(here, e.id, ast.Load())
    c.unit.where = loc(s)
    c.visit_expr(s.value)
    binary_op(c, loc(s), s.op, inplace=True)
    c.unit.where = here
    if isinstance(e, ast.Attribute):
        where = update_start_location_to_match_attr(here, e)
        c.emit(where, "SWAP", 2)
        c.emit_name(where, "STORE_ATTR", e.attr)
    elif isinstance(e, ast.Subscript):
        if is_two_element_slice(e.slice):
            c.emit(here, "SWAP", 4)
            c.emit(here, "SWAP", 3)
            c.emit(here, "SWAP", 2)
            c.emit(here, "STORE_SLICE")
        else:
            c.emit(here, "SWAP", 3)
            c.emit(here, "SWAP", 2)
            c.emit(here, "STORE_SUBSCR")
    else:
        assert isinstance(e, ast.Name)
        c.name_op(here, e.id, ast.Store())


def _check_ann_expr(c: Compiler, e: ast.expr) -> None:
    """Evaluate an expression of an annotation target and drop it."""
    c.visit_expr(e)
    c.emit(loc(e) if PY313 else c.unit.where, "POP_TOP")


def _check_ann_subscript(c: Compiler, e: ast.expr) -> None:
    """Evaluate the parts of an annotated target's subscript (``check_ann_subscr``)."""
    if isinstance(e, ast.Slice):
        for part in (e.lower, e.upper, e.step):
            if part is not None:
                _check_ann_expr(c, part)
    elif isinstance(e, ast.Tuple):
        for elt in e.elts:
            _check_ann_subscript(c, elt)
    else:
        _check_ann_expr(c, e)


def annotation_value(c: Compiler, annotation: ast.expr) -> None:
    r"""Push an annotation: its value, or its source text under the future import.

    >>> c = Compiler.for_source("from __future__ import annotations\nx: list[int]")
    >>> annotation_value(c, c.tree.body[1].annotation)
    >>> c.unit.code.consts.values
    ['list[int]']
    """
    if c.future_annotations:
        from pyinternals.compiler.codegen.unparse import unparse

        c.load_const(loc(annotation) if PY313 else c.unit.where, unparse(annotation))
    else:
        c.visit_expr(annotation)


@statement(ast.AnnAssign)
def ann_assign(c: Compiler, s: ast.AnnAssign) -> None:
    """``target: annotation = value`` (``compiler_annassign``).

    The assignment happens first. A simple name in a module or class then
    records its annotation in ``__annotations__``; other targets only have
    their parts evaluated (so that ``a.b: int`` still fails if ``a`` does
    not exist).
    """
    here = loc(s)
    target = s.target
    if s.value is not None:
        c.visit_expr(s.value)
        c.visit_expr(target)
    module_or_class = c.unit.scope_type in (ScopeType.MODULE, ScopeType.CLASS)
    if isinstance(target, ast.Name):
        c.check_forbidden(here, target.id, ast.Store())
        if s.simple and module_or_class:
            annotation_value(c, s.annotation)
            c.emit_name(here, "LOAD_NAME", "__annotations__")
            c.load_const(here, c.mangle(target.id))
            c.emit(here, "STORE_SUBSCR")
    elif isinstance(target, ast.Attribute):
        c.check_forbidden(here, target.attr, ast.Store())
        if s.value is None:
            _check_ann_expr(c, target.value)
    elif isinstance(target, ast.Subscript) and s.value is None:
        _check_ann_expr(c, target.value)
        _check_ann_subscript(c, target.slice)
    if not s.simple and not c.future_annotations and module_or_class:
        _check_ann_expr(c, s.annotation)


# -- imports -------------------------------------------------------------------------


def _import_as(c: Compiler, where: Location, name: str, asname: str) -> None:
    """Bind ``import a.b.c as d``: walk the attributes, then store."""
    parts = name.split(".")
    if len(parts) == 1:
        c.name_op(where, asname, ast.Store())
        return
    for i, attr in enumerate(parts[1:], 1):
        c.emit(where, "IMPORT_FROM", c.unit.names.add(attr))
        if i == len(parts) - 1:
            break
        c.emit(where, "SWAP", 2)
        c.emit(where, "POP_TOP")
    c.name_op(where, asname, ast.Store())
    c.emit(where, "POP_TOP")


@statement(ast.Import)
def import_(c: Compiler, s: ast.Import) -> None:
    """``import a.b`` binds ``a``; ``import a.b as c`` binds the submodule."""
    here = loc(s)
    for alias in s.names:
        c.load_const(here, 0)
        c.load_const(here, None)
        c.emit_name(here, "IMPORT_NAME", alias.name)
        if alias.asname is not None:
            _import_as(c, here, alias.name, alias.asname)
        else:
            c.name_op(here, alias.name.partition(".")[0], ast.Store())


def _late_future(c: Compiler, s: ast.ImportFrom) -> bool:
    """Whether a ``from __future__`` import comes after the allowed place."""
    if s.module != "__future__":
        return False
    where = c.future_location
    if PY313:
        if s.level != 0:
            return False
        here = loc(s)
        return here.lineno > where.end_lineno or (
            here.lineno == where.end_lineno and here.col_offset > where.end_col_offset
        )
    return s.lineno > where.lineno


@statement(ast.ImportFrom)
def import_from(c: Compiler, s: ast.ImportFrom) -> None:
    """``from module import a, b as c`` and ``from module import *``."""
    here = loc(s)
    c.load_const(here, s.level)
    names = tuple(alias.name for alias in s.names)
    if _late_future(c, s):
        c.fail(here, "from __future__ imports must occur at the beginning of the file")
    c.load_const(here, names)
    c.emit_name(here, "IMPORT_NAME", s.module or "")
    for i, alias in enumerate(s.names):
        if i == 0 and alias.name.startswith("*"):
            c.intrinsic(here, Intrinsic.IMPORT_STAR)
            if PY313:
                c.emit(NO_LOCATION, "POP_TOP")
            return
        c.emit_name(here, "IMPORT_FROM", alias.name)
        c.name_op(here, alias.asname or alias.name, ast.Store())
    c.emit(here, "POP_TOP")


# -- if and loops --------------------------------------------------------------------


def _jump_no_interrupt(c: Compiler, target: Label) -> None:
    """Jump forward, artificially (3.13 tells the assembler it cannot loop)."""
    c.emit(NO_LOCATION, "JUMP_NO_INTERRUPT" if PY313 else "JUMP", target)


@statement(ast.If)
def if_(c: Compiler, s: ast.If) -> None:
    """``if test: body else: orelse`` (``compiler_if``)."""
    end = Label()
    orelse = Label() if s.orelse else end
    jump_if(c, loc(s), s.test, orelse, False)
    c.visit_stmts(s.body)
    if s.orelse:
        _jump_no_interrupt(c, end)
        c.use_label(orelse)
        c.visit_stmts(s.orelse)
    c.use_label(end)


@statement(ast.For)
def for_(c: Compiler, s: ast.For) -> None:
    """``for target in iter: body else: orelse`` (``compiler_for``).

    ``FOR_ITER`` jumps past the loop when the iterator is exhausted; 3.12+
    then finds ``END_FOR`` there to pop the iterator. A ``break`` pops it
    itself (see the ``FOR_LOOP`` frame block).
    """
    here = loc(s)
    start, body_label, cleanup, end = Label(), Label(), Label(), Label()
    c.push_fblock(here, FrameType.FOR_LOOP, start, end)
    c.visit_expr(s.iter)
    where = loc(s.iter) if PY313 else c.unit.where
    c.emit(where, "GET_ITER")
    c.use_label(start)
    c.emit(where, "FOR_ITER", cleanup)
    if PY313:
        c.emit(loc(s.target), "NOP")
    c.use_label(body_label)
    c.visit_expr(s.target)
    c.visit_stmts(s.body)
    c.unit.where = NO_LOCATION
    c.emit(NO_LOCATION, "JUMP", start)
    c.use_label(cleanup)
    if PY313:
        c.emit(NO_LOCATION, "END_FOR")
        c.emit(NO_LOCATION, "POP_TOP")
    c.pop_fblock(FrameType.FOR_LOOP)
    c.visit_stmts(s.orelse)
    c.use_label(end)


@statement(ast.AsyncFor)
def async_for(c: Compiler, s: ast.AsyncFor) -> None:
    """``async for``: each step awaits ``__anext__`` (``compiler_async_for``).

    The await sits in a ``try`` whose handler, ``END_ASYNC_FOR``, ends the
    loop on ``StopAsyncIteration`` and re-raises anything else.
    """
    here = loc(s)
    if c.top_level_await:
        c.unit.block.coroutine = True
    elif c.unit.scope_type is not ScopeType.ASYNC_FUNCTION:
        c.fail(here, "'async for' outside async function")
    start, except_, end = Label(), Label(), Label()
    c.visit_expr(s.iter)
    c.emit(loc(s.iter) if PY313 else here, "GET_AITER")
    c.use_label(start)
    c.push_fblock(here, FrameType.FOR_LOOP, start, end)
    c.emit(here, "SETUP_FINALLY", except_)
    c.emit(here, "GET_ANEXT")
    c.load_const(here, None)
    add_yield_from(c, here, is_await=True)
    c.emit(here, "POP_BLOCK")
    c.visit_expr(s.target)
    c.visit_stmts(s.body)
    c.unit.where = NO_LOCATION
    c.emit(NO_LOCATION, "JUMP", start)
    c.pop_fblock(FrameType.FOR_LOOP)
    c.use_label(except_)
    if PY313:
        c.emit(loc(s.iter), "END_ASYNC_FOR")
    else:
        c.unit.where = loc(s.iter)
        c.emit(c.unit.where, "END_ASYNC_FOR")
    c.visit_stmts(s.orelse)
    c.use_label(end)


@statement(ast.While)
def while_(c: Compiler, s: ast.While) -> None:
    """``while test: body else: orelse`` (``compiler_while``).

    The test is compiled twice: once before the loop (jumping past it when
    false) and once at the bottom (jumping back when true), so that each
    iteration runs one conditional jump and no unconditional one.
    """
    here = loc(s)
    loop, body_label, end, anchor = Label(), Label(), Label(), Label()
    c.use_label(loop)
    c.push_fblock(here, FrameType.WHILE_LOOP, loop, end)
    jump_if(c, here, s.test, anchor, False)
    c.use_label(body_label)
    c.visit_stmts(s.body)
    c.unit.where = here
    jump_if(c, here, s.test, body_label, True)
    c.pop_fblock(FrameType.WHILE_LOOP)
    c.use_label(anchor)
    c.visit_stmts(s.orelse)
    c.use_label(end)
