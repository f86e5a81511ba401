"""The compiler, compared with CPython's on real files.

Each part of the compiler has a module here with one function,
``compare(source, filename) -> Verdict``, that runs our part and CPython's on
one file and says whether they agree. :mod:`~.corpus` lists the files (every
``.py`` file of the running interpreter's standard library) and the runner
in ``python -m pyinternals.compiler.conformance`` prints the figures.
"""

from pyinternals.compiler.conformance import (
    bytecode,
    constants,
    corpus,
    disasm,
    runner,
    scopes,
    syntax_errors,
    tokens,
    trees,
    verdict,
)

__all__ = [
    "bytecode",
    "constants",
    "corpus",
    "disasm",
    "runner",
    "scopes",
    "syntax_errors",
    "tokens",
    "trees",
    "verdict",
]
