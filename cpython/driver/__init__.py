"""The driver behind ``cpython/build.py``: fetch, verify, patch, build, test.

One module per stage of the pipeline, each usable and testable on its own:

- :mod:`driver.process`: the error every step raises, progress lines, and
  running the build's commands;
- :mod:`driver.pin`: the pinned release and the SHA-256 check of its tarball;
- :mod:`driver.fetch`: obtaining the tarball (``--source``, the cache, the
  release URL, Debian's apt sources);
- :mod:`driver.tree`: build trees and their state: unpack, patch, bring to a
  new series, configure, regenerate, make;
- :mod:`driver.testing`: the patch tests, the vanilla check, CPython's own
  regression tests and their JUnit output;
- :mod:`driver.report`: the closing summary, rendered from records;
- :mod:`driver.cli`: the command line, the cache lock and the pipeline.

It needs nothing beyond the standard library of the interpreter nox runs on
(3.11 or newer, for :mod:`tomllib`).
"""
