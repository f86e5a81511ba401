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
* :mod:`~pyinternals.compiler.disassembler` reads code objects back as
  instructions and prints them as :mod:`dis` does, with the location table
  (:mod:`~pyinternals.compiler.linetable`) and exception table
  (:mod:`~pyinternals.compiler.exceptiontable`) decoded by our own code;
* :mod:`~pyinternals.compiler.conformance` compares every part with CPython
  on the standard library.
"""

from pyinternals.compiler import (
    conformance,
    disassembler,
    exceptiontable,
    grammar,
    instructions,
    linetable,
    optimizer,
    parser,
    pegen,
    render,
    scopes,
    speed,
    tokenizer,
)
from pyinternals.compiler.disassembler import dis, get_instructions
from pyinternals.compiler.optimizer import optimize
from pyinternals.compiler.parser import parse
from pyinternals.compiler.scopes import symtable
from pyinternals.compiler.tokenizer import tokenize

__all__ = [
    "conformance",
    "dis",
    "disassembler",
    "exceptiontable",
    "get_instructions",
    "grammar",
    "instructions",
    "linetable",
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
