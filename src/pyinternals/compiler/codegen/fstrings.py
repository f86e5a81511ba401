"""F-strings: formatting values and joining the pieces.

The parser splits ``f"a{x!r:>{width}}b"`` into a :class:`ast.JoinedStr` of
constant pieces and :class:`ast.FormattedValue` nodes. Each value is
converted (``!s``, ``!r``, ``!a``) and formatted with its spec (itself an
f-string), then ``BUILD_STRING`` concatenates the pieces.

3.13 spells the steps as separate instructions (``CONVERT_VALUE``,
``FORMAT_SIMPLE``, ``FORMAT_WITH_SPEC``); 3.11 has one, ``FORMAT_VALUE``,
whose argument encodes the conversion and whether a spec is on the stack.

>>> import ast
>>> from pyinternals.compiler.codegen import generate_units
>>> top = generate_units(ast.parse("f'{x!r}-'"), "<demo>")
>>> ops = [i.opname for i in top.code.instructions()]
>>> "BUILD_STRING" in ops
True
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

__all__ = ["CONVERSIONS"]

CONVERSIONS = {-1: 0, ord("s"): 1, ord("r"): 2, ord("a"): 3}
"""The argument bits of each conversion (``FVC_*`` in ``Include/ceval.h``)."""

_FORMAT_SPEC = 0x4


@expression(ast.JoinedStr)
def joined_str(c: Compiler, e: ast.JoinedStr) -> None:
    """Concatenate the pieces (``compiler_joined_str``).

    Past the stack-use guideline the pieces go into a list that
    ``"".join`` concatenates.
    """
    here = loc(e)
    values = e.values
    if len(values) > STACK_USE_GUIDELINE:
        c.load_const(here, "")
        c.emit_name(here, "LOAD_METHOD", "join")
        c.emit(here, "BUILD_LIST", 0)
        for value in values:
            c.visit_expr(value)
            c.emit(here, "LIST_APPEND", 1)
        if not PY313:
            c.emit(here, "PRECALL", 1)
        c.emit(here, "CALL", 1)
        return
    c.visit_exprs(values)
    if len(values) > 1 or (not values and not PY313):
        c.emit(here, "BUILD_STRING", len(values))
    elif not values:
        c.load_const(here, "")


@expression(ast.FormattedValue)
def formatted_value(c: Compiler, e: ast.FormattedValue) -> None:
    """Convert and format one value (``compiler_formatted_value``)."""
    c.visit_expr(e.value)
    here = loc(e)
    conversion = CONVERSIONS[e.conversion]
    if not PY313:
        if e.format_spec is not None:
            c.visit_expr(e.format_spec)
            conversion |= _FORMAT_SPEC
        c.emit(here, "FORMAT_VALUE", conversion)
        return
    if conversion:
        c.emit(here, "CONVERT_VALUE", conversion)
    if e.format_spec is not None:
        c.visit_expr(e.format_spec)
        c.emit(here, "FORMAT_WITH_SPEC")
    else:
        c.emit(here, "FORMAT_SIMPLE")
