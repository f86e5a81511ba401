"""Chapter 4: executing Python.

The interpreters of the chapter, from the smallest to the real one:

* :mod:`pyinternals.vm.tiny` and :mod:`pyinternals.vm.tinycompiler` -- a
  stack machine with an instruction set of its own, and a compiler to it
  from a small subset of Python: the stepping stone;
* :mod:`pyinternals.vm.treewalk` and :mod:`pyinternals.vm.treewalk_subset`
  -- an interpreter that walks the syntax tree instead of compiling it,
  for comparison.
"""

from pyinternals.vm import tiny, tinycompiler, treewalk, treewalk_subset

__all__ = ["tiny", "tinycompiler", "treewalk", "treewalk_subset"]
