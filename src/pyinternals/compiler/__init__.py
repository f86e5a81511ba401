"""Chapter 3: from source to bytecode.

The front end of CPython's compiler, rebuilt in Python and checked against
the real one on the whole standard library:

* :mod:`~pyinternals.compiler.tokenizer` turns source text into tokens, as
  :mod:`tokenize` does;
* :mod:`~pyinternals.compiler.parser` turns tokens into :mod:`ast` nodes with
  a PEG parser generated from a grammar file of our own;
* :mod:`~pyinternals.compiler.symtable` computes the scopes of every name, as
  :mod:`symtable` does;
* :mod:`~pyinternals.compiler.optimizer` folds constants in the tree, as
  CPython's AST optimizer does;
* :mod:`~pyinternals.compiler.conformance` compares all four with CPython on
  the standard library.
"""

__all__: list[str] = []
