"""Run code on the CPython 3.13.5 the book pins, beside the Python that runs it.

The book is executed by one interpreter (3.11 on CI), but several pages
compare it with 3.13: how the same function's bytecode changed, what our
compiler does on the other version. Those pages run their 3.13 half on the
plain (unpatched) CPython 3.13.5 that ``cpython/build.py`` builds and caches
(``make cpython``; ``nox -s book`` builds it too when it is missing), with
this package importable from the same source tree.

The interpreter is found through the environment variable
``PYINTERNALS_PINNED_PYTHON`` (``nox -s book`` sets it), otherwise in the
build cache; a missing one is an error that says how to build it, never a
silent skip.

>>> import os
>>> os.environ[ENVIRONMENT_VARIABLE] = "/nowhere/python"
>>> pinned_python()
Traceback (most recent call last):
  ...
FileNotFoundError: the pinned CPython 3.13.5 is not at /nowhere/python: ...
>>> del os.environ[ENVIRONMENT_VARIABLE]
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

__all__ = ["CACHED", "ENVIRONMENT_VARIABLE", "pinned_python", "run_pinned"]

#: The variable that names the pinned interpreter, when it is set.
ENVIRONMENT_VARIABLE = "PYINTERNALS_PINNED_PYTHON"

#: Where ``cpython/build.py`` leaves the plain release build.
CACHED = (
    Path.home()
    / ".cache"
    / "pyinternals"
    / "builds"
    / "cpython-3.13.5-vanilla-release"
    / "python"
)

_SOURCE_TREE = Path(__file__).resolve().parent.parent


def pinned_python() -> Path:
    """Return the path of the pinned CPython 3.13.5 executable.

    Raises :class:`FileNotFoundError`, naming the command that builds it,
    when neither ``$PYINTERNALS_PINNED_PYTHON`` nor the cache has one.
    """
    named = os.environ.get(ENVIRONMENT_VARIABLE)
    python = Path(named) if named else CACHED
    if not python.is_file():
        raise FileNotFoundError(
            f"the pinned CPython 3.13.5 is not at {python}: build it with "
            f"`make cpython` (or set {ENVIRONMENT_VARIABLE})"
        )
    return python


def run_pinned(source: str, *arguments: str, timeout: float = 600) -> str:
    """Run ``source`` as ``python -c`` on the pinned CPython; return its stdout.

    ``pyinternals`` is importable there from this source tree. A failing
    program raises :class:`subprocess.CalledProcessError` carrying its
    stderr, so that a page built with a broken cell stops with the
    traceback rather than printing nothing.
    """
    environment = dict(os.environ, PYTHONPATH=str(_SOURCE_TREE))
    environment.pop("PYTHONHOME", None)
    completed = subprocess.run(
        [str(pinned_python()), "-c", source, *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise subprocess.CalledProcessError(
            completed.returncode,
            completed.args,
            completed.stdout,
            completed.stderr,
        )
    return completed.stdout
