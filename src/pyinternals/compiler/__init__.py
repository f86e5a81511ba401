"""Chapter 3: from source to bytecode.

The front end of CPython's compiler, rebuilt in Python and checked against
the real one on the whole standard library:

* :mod:`~pyinternals.compiler.tokenizer` turns source text into tokens, as
  :mod:`tokenize` does;
* :mod:`~pyinternals.compiler.parser` turns tokens into :mod:`ast` nodes with
  a PEG parser that :mod:`~pyinternals.compiler.pegen` generates from the
  grammar file in :mod:`~pyinternals.compiler.grammar`;
* :mod:`~pyinternals.compiler.scopes` computes the scopes of every name, as
  :mod:`symtable` does;
* :mod:`~pyinternals.compiler.optimizer` folds constants in the tree, as
  CPython's AST optimizer does;
* :mod:`~pyinternals.compiler.conformance` compares all four with CPython on
  the standard library.
"""

from pyinternals.compiler import (
    conformance,
    grammar,
    instructions,
    optimizer,
    parser,
    pegen,
    render,
    scopes,
    speed,
    tokenizer,
)
from pyinternals.compiler.optimizer import optimize
from pyinternals.compiler.parser import parse
from pyinternals.compiler.scopes import symtable
from pyinternals.compiler.tokenizer import tokenize

__all__ = [
    "conformance",
    "grammar",
    "instructions",
    "optimize",
    "optimizer",
    "parse",
    "parser",
    "pegen",
    "render",
    "scopes",
    "speed",
    "symtable",
    "tokenize",
    "tokenizer",
]
