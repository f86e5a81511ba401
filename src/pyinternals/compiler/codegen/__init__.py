r"""Code generation: from an optimized syntax tree to instruction sequences.

This package rebuilds the first half of CPython's ``Python/compile.c``: the
walk over the tree that emits, for every scope of a program, the sequence
of instructions the rest of the compiler (the control-flow-graph optimizer
and the assembler, ``Python/flowgraph.c`` and ``Python/assemble.c``) turns
into a code object. Its output, one
:class:`~pyinternals.compiler.instructions.CodeUnit` per scope, is what
``_testinternalcapi.compiler_codegen`` shows for CPython 3.13: real and
pseudo instructions with labels for jump targets, a source location on each,
the constants and names tables in the order CPython fills them.

The modules, in the order a reader meets them:

* :mod:`~pyinternals.compiler.codegen.core`: compilation units, emitting,
  name resolution, errors;
* :mod:`~pyinternals.compiler.codegen.statements` and
  :mod:`~pyinternals.compiler.codegen.expressions`: the bulk of the language;
* :mod:`~pyinternals.compiler.codegen.calls`: arguments and method calls;
* :mod:`~pyinternals.compiler.codegen.definitions`: functions, classes,
  closures, decorators, annotations, type parameters;
* :mod:`~pyinternals.compiler.codegen.comprehensions`: inlined and not;
* :mod:`~pyinternals.compiler.codegen.exceptions`: ``try``, ``with`` and
  the frame blocks ``return`` and ``break`` unwind;
* :mod:`~pyinternals.compiler.codegen.patterns`: ``match``;
* :mod:`~pyinternals.compiler.codegen.fstrings` and
  :mod:`~pyinternals.compiler.codegen.unparse`: f-strings, and annotations
  kept as strings;
* :mod:`~pyinternals.compiler.codegen.listing`: the text of a unit's
  instructions and labels, as the chapter prints it;
* :mod:`~pyinternals.compiler.codegen.oracle`: the comparison with
  CPython's code generator.

:func:`generate_units` returns the instruction sequences alone (inner code
objects are stand-ins); :func:`generate` assembles every unit, innermost
first, into a real code object.

>>> import ast
>>> top = generate_units(ast.parse("x = 1"), "<demo>")
>>> for instruction in top.code.instructions():
...     print(instruction.opname, instruction.arg)
RESUME 0
LOAD_CONST 0
STORE_NAME 0
LOAD_CONST 1
RETURN_VALUE None
>>> top.code.consts.values, top.code.names
([1, None], ['x'])
"""

from __future__ import annotations

import ast
import types
from collections.abc import Callable

from pyinternals.compiler import assembler
from pyinternals.compiler.codegen import (
    calls,
    comprehensions,
    core,
    definitions,
    exceptions,
    expressions,
    fstrings,
    listing,
    oracle,
    patterns,
    statements,
    unparse,
)
from pyinternals.compiler.codegen.core import (
    Compiler,
    GeneratedUnit,
    ScopeType,
    placeholder_code,
)
from pyinternals.compiler.instructions import CodeUnit, Location

__all__ = [
    "GeneratedUnit",
    "calls",
    "comprehensions",
    "core",
    "definitions",
    "exceptions",
    "expressions",
    "fstrings",
    "generate",
    "generate_units",
    "listing",
    "oracle",
    "patterns",
    "placeholder_code",
    "statements",
    "unparse",
]

_Assemble = Callable[[CodeUnit], types.CodeType]


def _module(c: Compiler, tree: ast.mod) -> bool:
    """Compile the top-level code (``compiler_codegen``); return add_none."""
    where = Location(1, 1, 0, 0)
    c.unit.where = where
    if isinstance(tree, ast.Module):
        statements.body(c, where, tree.body)
        return True
    if isinstance(tree, ast.Interactive):
        if statements.has_annotations(tree.body):
            c.emit(where, "SETUP_ANNOTATIONS")
        c.interactive = True
        c.visit_stmts(tree.body)
        return True
    if isinstance(tree, ast.Expression):
        c.visit_expr(tree.body)
        return False
    raise SystemError(f"module kind {type(tree).__name__} should not be possible")


def generate_units(
    tree: ast.mod,
    filename: str,
    *,
    mode: str = "exec",
    optimize: int = 0,
    flags: int = 0,
    assemble: _Assemble = placeholder_code,
) -> GeneratedUnit:
    """Generate the instruction sequences of *tree*, without assembling the top.

    *tree* is an optimized module (``exec``), expression (``eval``) or
    interactive statement (``single``), as *mode* says; *flags* are the
    ``compile()`` flags (``PyCF_*``, ``CO_FUTURE_*``). Inner units are turned
    into code objects by *assemble* (by default a stand-in) as soon as they
    are finished. The result is the top unit with, recursively, the units
    nested in it in the order they were finished: the shape of
    ``_testinternalcapi.compiler_codegen``'s output.

    >>> top = generate_units(ast.parse("def f(): pass"), "<demo>")
    >>> top.code.name, [unit.code.name for unit in top.nested]
    ('<module>', ['f'])
    """
    expected = {"exec": ast.Module, "eval": ast.Expression, "single": ast.Interactive}
    if not isinstance(tree, expected[mode]):
        raise TypeError(
            f"expected {expected[mode].__name__} node, got {type(tree).__name__}"
        )
    c = Compiler(
        tree, filename, mode=mode, optimize=optimize, flags=flags, assemble=assemble
    )
    c.enter_scope("<module>", ScopeType.MODULE, tree, 1)
    add_none = _module(c, tree)
    unit = c.unit
    code = c.close_unit(add_none)
    finished = GeneratedUnit(code, unit.nested)
    c.exit_scope(None)
    return finished


def generate(
    tree: ast.mod,
    filename: str,
    *,
    mode: str,
    optimize: int = 0,
    flags: int = 0,
    assemble: _Assemble = assembler.assemble,
) -> types.CodeType:
    """Compile an optimized tree into a code object (the code generator's entry).

    Inner units are assembled first, by *assemble* (by default the back
    end's :func:`~pyinternals.compiler.assembler.assemble`); their code
    objects become constants of the outer units, as in CPython.

    >>> code = generate(ast.parse("def f(x): return x * 2"), "<demo>", mode="exec")
    >>> namespace = {}
    >>> exec(code, namespace)
    >>> namespace["f"](21)
    42
    """
    top = generate_units(
        tree, filename, mode=mode, optimize=optimize, flags=flags, assemble=assemble
    )
    return assemble(top.code)
