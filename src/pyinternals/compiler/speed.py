"""How fast our compiler is, against CPython's own, on the same files.

:func:`measure` times one part of ours and its CPython counterpart on the
same sources, in the same process and run, and returns the records;
:func:`measure_run` times the *code* each compiler produced for one program
of :data:`RUN_PROGRAMS`, which should run equally fast when the bytecode is
the same. ``python -m pyinternals.compiler speed`` (run by ``nox -s bench``)
prints both as ratios. Nothing here asserts a speed: the figures are
reported.
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
from textwrap import dedent

from pyinternals.compiler.conformance.corpus import sample, stdlib_files

__all__ = [
    "PAIRS",
    "RUN_PROGRAMS",
    "Run",
    "Timing",
    "accepted_sources",
    "main",
    "measure",
    "measure_run",
]

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


def _cpython_code(source: bytes) -> object:
    return compile(source, "<bench>", "exec", dont_inherit=True)


def _our_code(source: bytes) -> object:
    from pyinternals.compiler.pipeline import compile as our_compile

    return our_compile(source, "<bench>", "exec")


PAIRS: dict[str, tuple[Run, Run]] = {
    "tokens": (_our_tokens, _cpython_tokens),
    "trees": (_our_tree, _cpython_tree),
    "scopes": (_our_scopes, _cpython_scopes),
    "compile": (_our_code, _cpython_code),
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


RUN_PROGRAMS = {
    name: dedent(source)
    for name, source in {
        "recursion": """
            def fib(n):
                return n if n < 2 else fib(n - 1) + fib(n - 2)
            fib(25)
        """,
        "loops": """
            total = 0
            for i in range(200_000):
                if i % 3:
                    total += i
                else:
                    total -= 1
        """,
        "generators": """
            def evens(n):
                for i in range(n):
                    if not i & 1:
                        yield i
            sum(x * x for x in evens(200_000))
        """,
        "exceptions": """
            def f(i):
                try:
                    if i % 2:
                        raise KeyError(i)
                    return i
                except KeyError:
                    return -i
                finally:
                    pass
            for i in range(100_000):
                f(i)
        """,
        "closures_and_comprehensions": """
            def make(k):
                return lambda v: v * k
            fs = [make(k) for k in range(100)]
            [sum(f(v) for f in fs) for v in range(1_000)]
        """,
    }.items()
}
"""CPU-bound programs whose run time compares the two compilers' code."""


def measure_run(name: str, *, repeat: int = 3) -> Timing:
    """Time running the program *name* of :data:`RUN_PROGRAMS`, compiled both ways.

    The ratio is about 1 when the two code objects are the same bytecode.

    >>> measure_run("recursion", repeat=1).ratio > 0
    True
    """
    source = RUN_PROGRAMS[name].encode()
    codes = {"ours": _our_code(source), "cpython": _cpython_code(source)}
    best = dict.fromkeys(codes, float("inf"))
    # Alternate the two, so that a burst of load on the machine slows both.
    for _ in range(repeat):
        for side, code in codes.items():
            start = time.perf_counter()
            exec(code, {})  # type: ignore[arg-type]
            best[side] = min(best[side], time.perf_counter() - start)
    return Timing(name, 1, source.count(b"\n"), best["ours"], best["cpython"])


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
    print("Running the code each compiler produced (ratio ~1.0 when identical):")
    for name in RUN_PROGRAMS:
        t = measure_run(name)
        print(
            f"  {name:<28} ours {t.ours:6.3f} s  CPython {t.cpython:6.3f} s"
            f"  ratio {t.ratio:5.2f}"
        )
    return 0
