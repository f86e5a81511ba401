"""Chapter 1: origin and design philosophy.

Each module rebuilds or measures one thing the chapter talks about, so that
the chapter's claims are computed rather than typed:

* :mod:`~pyinternals.origin.zen` -- the Zen of Python, decoded from the
  ROT13 text that ``Lib/this.py`` stores;
* :mod:`~pyinternals.origin.batteries` -- the standard library counted and
  grouped from ``sys.stdlib_module_names``;
* :mod:`~pyinternals.origin.peps` -- ``__future__`` features and landmark PEPs
  probed in the running interpreter;
* :mod:`~pyinternals.origin.gradual` -- mypy run on a module and on its
  unannotated twin, to show gradual typing;
* :mod:`~pyinternals.origin.evaluator` -- an arithmetic evaluator written with
  structural pattern matching;
* :mod:`~pyinternals.origin.implementations` -- CPython, PyPy and MicroPython
  compared, as data;
* :mod:`~pyinternals.origin.gil` -- the global interpreter lock measured with
  threads and processes;
* :mod:`~pyinternals.origin.patterns` -- Singleton, Factory and Observer in
  Pythonic form.
"""

from . import batteries, evaluator, gil, gradual, implementations, patterns, peps, zen

__all__ = [
    "batteries",
    "evaluator",
    "gil",
    "gradual",
    "implementations",
    "patterns",
    "peps",
    "zen",
]
