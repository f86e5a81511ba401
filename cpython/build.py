"""Fetch, verify, patch, build and test the book's pinned CPython.

This is the driver behind ``nox -s cpython``, run as a script::

    python3 cpython/build.py [--debug] [--no-vanilla] [--source PATH] ...

It works in steps, each of which records its completion so that a second
run only redoes what changed:

1. **obtain** the release tarball named in ``cpython/pin.toml``: from a path
   given with ``--source`` or ``$PYINTERNALS_CPYTHON_SOURCE``, else from the
   release URL (short timeout), else on Debian through a temporary ``deb-src``
   entry derived from the machine's own apt sources, in a private apt state;
2. **verify** its SHA-256 against the pin before anything is unpacked;
3. **unpack** it into a build tree under the cache (``~/.cache/pyinternals``
   or ``$PYINTERNALS_CACHE``), one tree per version, kind and variant,
   linked from ``_build/cpython/<variant>``;
4. **patch** the tree with ``cpython/patches/NNNN-slug.patch`` in order, then
   run the regeneration targets (parser, AST, opcodes, ...) so that patches
   hold hand-written sources only;
5. **configure** and **make** (``--with-pydebug`` for the debug variant);
6. **test**: the patch tests in ``cpython/tests`` with the built interpreter,
   on the patched tree *and* on an unpatched ("vanilla") tree, where every
   one of them must fail; then the CPython regression tests that cover what
   the patches touch, whose result is cached per build.

The steps live in the package ``cpython/driver`` (``pin``, ``fetch``,
``tree``, ``testing``, ``report``, ``cli``); this file is only its entry
point. Python puts a script's own folder first on ``sys.path``, but not
under ``-I`` or ``-P`` (or ``PYTHONSAFEPATH``), so the folder is put there
explicitly before ``driver`` is imported: the script then runs the same
however it is started, from any working directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["main"]

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from driver.cli import main  # noqa: E402 (needs the folder on sys.path first)

if __name__ == "__main__":
    sys.exit(main())
