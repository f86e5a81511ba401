"""The companion library of *Python Internals, Rebuilt*.

One subpackage per chapter of the book, each rebuilding a part of CPython
that the chapter explains and checking it against the real one:

* :mod:`pyinternals.origin` -- Chapter 1, origin and design philosophy;
* :mod:`pyinternals.runtime` -- Chapter 2, the runtime: the object header
  and the memory visualizer;
* :mod:`pyinternals.compiler` -- Chapter 3, from source to bytecode: the
  tokenizer, the PEG parser and its generator, symbol tables and the AST
  optimizer, then the code generator, back end, disassembler and
  visualizer;
* :mod:`pyinternals.vm` -- Chapter 4, executing Python: a tiny stack
  machine, a tree-walking interpreter and an interpreter of CPython's
  bytecode;
* :mod:`pyinternals.pinned` -- runs code on the pinned CPython 3.13.5, for
  the pages that set 3.11 beside 3.13.
"""

__version__ = "0.1.0"
