"""How fast the front end is, against CPython's own, on the same files.

:func:`measure` times one part of ours and its CPython counterpart on the
same sources, in the same process and run, and returns the records;
``python -m pyinternals.compiler speed`` (run by ``nox -s bench``) prints
them as ratios. Nothing here asserts a speed: the figures are reported.
"""

import ast
import io
import symtable as cpython_symtable
import sys
import time
import tokenize as cpython_tokenize
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyinternals.compiler.conformance.corpus import sample, stdlib_files

__all__ = ["PAIRS", "Run", "Timing", "accepted_sources", "main", "measure"]

Run = Callable[[bytes], object]
"""One side of a comparison: called on a file's bytes, its result ignored."""


def _cpython_tokens(source: bytes) -> object:
    return list(cpython_tokenize.tokenize(io.BytesIO(source).readline))


def _our_tokens(source: bytes) -> object:
    from pyinternals.compiler.tokenizer import tokenize_bytes

    return list(tokenize_bytes(source))


def _cpython_tree(source: bytes) -> object:
    return ast.parse(source)


def _our_tree(source: bytes) -> object:
    from pyinternals.compiler.parser import parse

    return parse(source)


def _cpython_scopes(source: bytes) -> object:
    return cpython_symtable.symtable(source.decode("utf-8"), "<bench>", "exec")


def _our_scopes(source: bytes) -> object:
    from pyinternals.compiler.scopes import symtable

    return symtable(source.decode("utf-8"), "<bench>", "exec")


PAIRS: dict[str, tuple[Run, Run]] = {
    "tokens": (_our_tokens, _cpython_tokens),
    "trees": (_our_tree, _cpython_tree),
    "scopes": (_our_scopes, _cpython_scopes),
}
"""Each part's pair of runs: ours, then CPython's, on a file's bytes."""


@dataclass(frozen=True)
class Timing:
    """Seconds taken by ours and by CPython's part over the same files."""

    part: str
    files: int
    lines: int
    ours: float
    cpython: float

    @property
    def ratio(self) -> float:
        """How many times slower ours is than CPython's."""
        return self.ours / self.cpython


def _best_of(run: Run, sources: Sequence[bytes], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for source in sources:
            run(source)
        best = min(best, time.perf_counter() - start)
    return best


def measure(part: str, sources: Sequence[bytes], *, repeat: int = 3) -> Timing:
    r"""Time ours and CPython's *part* on *sources*; the best of *repeat* runs.

    The sources must be accepted by CPython (and UTF-8, for ``scopes``).

    >>> timing = measure("trees", [b"x = 1\n" * 50], repeat=1)
    >>> timing.part, timing.lines, timing.ratio > 0
    ('trees', 50, True)
    """
    ours, theirs = PAIRS[part]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Timing(
            part,
            len(sources),
            sum(s.count(b"\n") for s in sources),
            _best_of(ours, sources, repeat),
            _best_of(theirs, sources, repeat),
        )


def accepted_sources(files: Sequence[Path]) -> list[bytes]:
    """Read the files that are UTF-8 and that CPython compiles without complaint.

    Compiling, not only parsing: a file with a misplaced ``__future__``
    import parses, but its symbol table is refused.

    >>> import ast
    >>> len(accepted_sources([Path(ast.__file__)]))
    1
    """
    sources = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in files:
            data = path.read_bytes()
            try:
                data.decode("utf-8")
                compile(data, str(path), "exec", dont_inherit=True)
            except (SyntaxError, ValueError):
                continue
            sources.append(data)
    return sources


def main(argv: Sequence[str] | None = None) -> int:
    """Print ours-against-CPython ratios on every 20th standard-library file."""
    args = sys.argv[1:] if argv is None else argv
    every = int(args[0]) if args else 20
    sources = accepted_sources(sample(stdlib_files(), every))
    version = ".".join(map(str, sys.version_info[:3]))
    print(f"Python {version}, {len(sources)} standard-library files:")
    for part in PAIRS:
        t = measure(part, sources, repeat=1)
        print(
            f"  {part:<8} ours {t.ours:7.2f} s  CPython {t.cpython:6.3f} s"
            f"  ratio {t.ratio:6.1f}x  ({t.lines / t.ours:,.0f} lines/s)"
        )
    return 0
