"""Python's grammar (``python.gram``), the parser generated from it, its helpers.

* ``python.gram``: the grammar, in :mod:`pyinternals.compiler.pegen`'s notation;
* :mod:`~.generated`: the parser class generated from it (checked in, like
  CPython's ``Parser/parser.c``);
* :mod:`~.actions`: the helpers its actions call to build :mod:`ast` nodes;
* :mod:`~.strings`: string literals and, before 3.12, f-strings.
"""

from pyinternals.compiler.grammar import actions, generated, strings

__all__ = ["actions", "generated", "strings"]
