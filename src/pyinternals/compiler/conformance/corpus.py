"""The files the front end is checked on: the standard library's own.

Every ``.py`` file under the running interpreter's standard-library folder,
``Lib/test`` included and third-party ``site-packages`` excluded, read as
bytes so that encoding declarations are part of what is compared.
"""

import os
from collections.abc import Sequence
from pathlib import Path

__all__ = ["sample", "stdlib_files", "stdlib_root"]


def stdlib_root() -> Path:
    """Return the running interpreter's standard-library folder.

    Found from where :mod:`os` was loaded, which also works for an
    interpreter run from its build tree (whose ``sysconfig`` paths name an
    install location that does not exist yet).

    >>> (stdlib_root() / "ast.py").is_file()
    True
    """
    return Path(os.__file__).parent


def stdlib_files(root: Path | None = None) -> list[Path]:
    """List every ``.py`` file under *root* (the stdlib folder), sorted.

    Third-party packages (``site-packages``, ``dist-packages``) are left out;
    the standard library's tests are kept, bad-syntax fixtures included.

    >>> files = stdlib_files()
    >>> len(files) > 1000, files == sorted(files)
    (True, True)
    """
    folder = root or stdlib_root()
    return sorted(
        path
        for path in folder.rglob("*.py")
        if not {"site-packages", "dist-packages"} & set(path.relative_to(folder).parts)
    )


def sample(
    files: Sequence[Path], every: int, *, always: Sequence[str] = ()
) -> list[Path]:
    """Take every *every*-th file, plus those whose path ends with one of *always*.

    The sample is deterministic, so a failure in the default test run comes
    back on the next run.

    >>> names = [Path(f"m{i}.py") for i in range(10)]
    >>> [p.name for p in sample(names, 4, always=["m5.py"])]
    ['m0.py', 'm4.py', 'm5.py', 'm8.py']
    """
    chosen = set(files[::every])
    chosen.update(p for p in files if any(p.as_posix().endswith(a) for a in always))
    return sorted(chosen)
