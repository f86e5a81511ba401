"""Make ``cpython/driver`` importable as ``driver``, as ``cpython/build.py`` does.

The driver is not part of the installed ``pyinternals`` package: it is run as
a script with the standard library only. Its folder goes on ``sys.path`` once,
before the test modules import it.
"""

from __future__ import annotations

import sys
from pathlib import Path

_CPYTHON = str(Path(__file__).resolve().parents[2] / "cpython")
if _CPYTHON not in sys.path:
    sys.path.insert(0, _CPYTHON)
