r"""An import hook that compiles chosen modules with our compiler.

``import`` finds a module through the *finders* on :data:`sys.meta_path` and
loads it with the *loader* the finder's spec names (PEP 451). For a source
file the standard loader, :class:`importlib.machinery.SourceFileLoader`,
calls the builtin :func:`compile` — or skips it and reads the cached
``.pyc``. :class:`OurFinder` sits in front of the standard path finder: for
the modules it is asked to take, it lets the path finder locate the file and
swaps in :class:`OurLoader`, which always compiles the source with
:func:`pyinternals.compiler.pipeline.compile` and never reads or writes
``__pycache__`` (a cached file would hide our code, and our code must not be
cached for CPython to find later).

:func:`compiled_by_us` installs the hook for a ``with`` block:

>>> import sys, tempfile, pathlib
>>> folder = tempfile.mkdtemp()
>>> _ = (pathlib.Path(folder) / "hello_hook.py").write_text("answer = 6 * 7\n")
>>> sys.path.insert(0, folder)
>>> with compiled_by_us(lambda name: name == "hello_hook"):
...     import hello_hook
>>> hello_hook.answer, type(hello_hook.__loader__).__name__
(42, 'OurLoader')
>>> _ = sys.path.remove(folder), sys.modules.pop("hello_hook")
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec, PathFinder, SourceFileLoader
from types import CodeType, ModuleType

from pyinternals.compiler.pipeline import compile as our_compile

__all__ = ["OurFinder", "OurLoader", "compiled_by_us"]


class OurLoader(SourceFileLoader):
    """Load a source file compiled by our compiler, bypassing ``__pycache__``."""

    def get_code(self, fullname: str) -> CodeType:
        """Read the module's source and compile it with our compiler."""
        path = self.get_filename(fullname)
        return our_compile(self.get_data(path), path, "exec")


class OurFinder(MetaPathFinder):
    """Find the modules *wanted* accepts on the path, for :class:`OurLoader`.

    Modules that are not wanted, or that are not plain source files
    (built-in, extension, namespace packages), are left to the finders
    behind this one.
    """

    def __init__(self, wanted: Callable[[str], bool]) -> None:
        """Take the modules whose full name *wanted* returns true for."""
        self.wanted = wanted

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        """Return a spec loading *fullname* with our loader, or ``None``."""
        if not self.wanted(fullname):
            return None
        spec = PathFinder.find_spec(fullname, path, target)
        if spec is None or not isinstance(spec.loader, SourceFileLoader):
            return None
        assert spec.origin is not None
        spec.loader = OurLoader(fullname, spec.origin)
        return spec


@contextmanager
def compiled_by_us(wanted: Callable[[str], bool]) -> Iterator[OurFinder]:
    """Compile the modules *wanted* accepts with our compiler inside the block.

    Only imports that happen inside the block are affected; modules already
    in :data:`sys.modules` stay as they were loaded.
    """
    finder = OurFinder(wanted)
    sys.meta_path.insert(0, finder)
    try:
        yield finder
    finally:
        sys.meta_path.remove(finder)
