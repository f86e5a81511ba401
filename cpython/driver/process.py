"""What every step of the driver shares: its error, its progress lines, its commands.

A step that cannot go on raises :class:`BuildError` with a message that says
what failed and what to do about it; :func:`run` turns a failed command into
one, with the command's output (or the end of its log).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

__all__ = ["BuildError", "log", "run"]


class BuildError(RuntimeError):
    """A step failed; the message says which and what to do about it."""


def log(message: str) -> None:
    """Print a progress line (flushed, so it interleaves with subprocesses)."""
    print(f"[cpython] {message}", flush=True)


def run(
    command: Sequence[str],
    cwd: Path,
    log_file: Path | None = None,
    quiet: bool = False,
) -> None:
    """Run *command*; output goes to *log_file* if given. Failures raise."""
    if log_file is None:
        result = subprocess.run(
            command, cwd=cwd, capture_output=quiet, text=True, check=False
        )
        if result.returncode != 0:
            output = (result.stdout or "") + (result.stderr or "")
            raise BuildError(f"{' '.join(command)} failed in {cwd}\n{output}")
        return
    with log_file.open("w") as stream:
        logged = subprocess.run(
            command, cwd=cwd, stdout=stream, stderr=subprocess.STDOUT, check=False
        )
    if logged.returncode != 0:
        tail = "".join(log_file.read_text(errors="replace").splitlines(True)[-40:])
        raise BuildError(
            f"{' '.join(command)} failed in {cwd} (full log: {log_file}):\n{tail}"
        )
