"""The whole compiler: source text in, a code object CPython runs out.

:func:`compile` chains the stages of this package in CPython's order
(``Python/pythonrun.c`` and ``Python/compile.c``, ``_PyAST_Compile``):

1. the parser (:func:`~pyinternals.compiler.parser.parse`), which runs the
   tokenizer;
2. the AST optimizer (:func:`~pyinternals.compiler.optimizer.optimize`);
3. code generation (:func:`~pyinternals.compiler.codegen.generate`), which
   builds the symbol tables (:func:`~pyinternals.compiler.scopes.build`) and
   walks the tree, one code unit per scope;
4. the back end (:func:`~pyinternals.compiler.assembler.assemble`), which
   turns each unit into a :class:`types.CodeType`: control-flow graph,
   optimizer, stack depth, exception and location tables, bytes.

*frontend* chooses who parses: ``"ours"`` (the default) or ``"ast"``, which
starts from :func:`ast.parse` so that a difference can be pinned on the
front end or on the back end.

>>> code = compile("print(sum(x * x for x in range(4)))", "<demo>", "exec")
>>> exec(code)
14
"""

import __future__

import ast
import functools
import operator
import sys
from types import CodeType
from typing import Literal

__all__ = ["Frontend", "compile"]

Frontend = Literal["ours", "ast"]
"""Who turns source text into a tree: our parser or :func:`ast.parse`."""

_MODES = ("exec", "eval", "single")
_FUTURE_FLAGS = functools.reduce(
    operator.or_,
    (getattr(__future__, name).compiler_flag for name in __future__.all_feature_names),
)


def compile(
    source: str | bytes | ast.Module | ast.Expression | ast.Interactive,
    filename: str,
    mode: str,
    *,
    flags: int = 0,
    optimize: int = -1,
    frontend: Frontend = "ours",
) -> CodeType:
    """Compile *source* with our compiler into a code object for this CPython.

    The arguments mean what they mean to the builtin :func:`compile`:
    *source* is text, bytes (whose encoding declaration is honoured) or an
    :mod:`ast` tree of the kind *mode* (``exec``, ``eval`` or ``single``)
    asks for; *flags* are ``__future__`` feature flags in force before the
    first line (as :mod:`doctest` passes them), and *optimize* is the
    optimization level (``-1`` takes the interpreter's ``-O`` setting). A
    program with an error raises the :class:`SyntaxError` CPython raises, with
    file, line and column.

    >>> code = compile("x = 6 * 7", "<demo>", "exec")
    >>> namespace: dict[str, object] = {}
    >>> exec(code, namespace)
    >>> namespace["x"]
    42
    >>> compile("return 1", "<demo>", "exec")
    Traceback (most recent call last):
      ...
    SyntaxError: 'return' outside function
    """
    # The stages load with the first compilation, not with this module: the
    # runners that can use either compiler (differential, script, the VM's
    # command line) import this module but often only run CPython's.
    from pyinternals.compiler import assembler, codegen
    from pyinternals.compiler.optimizer import optimize as optimize_tree
    from pyinternals.compiler.parser import parse

    if mode not in _MODES:
        raise ValueError("compile() mode must be 'exec', 'eval' or 'single'")
    unknown = flags & ~_FUTURE_FLAGS
    if unknown:
        raise ValueError(f"compile(): unsupported flags {unknown:#x}")
    level = sys.flags.optimize if optimize == -1 else optimize
    if isinstance(source, ast.AST):
        tree: ast.AST = source
    elif frontend == "ours":
        tree = parse(source, filename, mode)
    else:
        tree = ast.parse(source, filename, mode)
    assert isinstance(tree, ast.mod)
    folded = optimize_tree(tree, level=level)
    return codegen.generate(
        folded,
        filename,
        mode=mode,
        optimize=level,
        flags=flags,
        assemble=assembler.assemble,
    )
