"""CPython's own test modules, compiled by our compiler and run on CPython.

The strongest check of a compiler is that the interpreter's own test suite
passes when its test modules are compiled by it. :func:`run_module` imports
one of :data:`TEST_MODULES` through the import hook of
:mod:`~pyinternals.compiler.importer` (so every function and class in it is
our bytecode), runs its tests with :mod:`unittest` and records each test's
outcome. The doctests some of these modules carry (``test_generators``,
``test_unpack``) are compiled by ours too: their examples go through
:mod:`doctest`, which calls ``compile()`` in ``single`` mode, and that name is
pointed at our compiler for the run.

Every module runs twice in a fresh interpreter, once compiled by CPython and
once by us; :func:`compare` lists the tests that pass the first way and not
the second. ``python -m pyinternals.compiler tests`` prints the table.
"""

from __future__ import annotations

import argparse
import doctest
import importlib
import io
import json
import subprocess
import sys
import tempfile
import time
import unittest
from collections.abc import Iterable, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any, Literal

__all__ = [
    "TEST_MODULES",
    "Comparison",
    "Compiler",
    "NotOurBytecode",
    "SuiteResult",
    "compare",
    "main",
    "render",
    "run_in_subprocess",
    "run_module",
    "run_tests",
    "run_worker",
]

TEST_MODULES = (
    "test_grammar",
    "test_scope",
    "test_exceptions",
    "test_generators",
    "test_with",
    "test_contextlib",
    "test_class",
    "test_patma",
    "test_coroutines",
    "test_listcomps",
    "test_unpack",
    "test_keywordonlyarg",
    "test_fstring",
)
"""The test modules the Chapter 3 issue names, in ``Lib/test``."""

Compiler = Literal["cpython", "ours"]


@dataclass
class SuiteResult:
    """The outcome of every test of one module under one compiler.

    *outcomes* maps a test's id to ``pass``, ``fail``, ``error``, ``skip``,
    ``expected-failure`` or ``unexpected-success``; *reasons* gives each
    failed or erring test the last line of its first traceback; *crash*
    holds the error that stopped the module from running at all (an import
    failure, say).
    """

    module: str
    compiler: Compiler
    outcomes: dict[str, str] = field(default_factory=dict)
    crash: str = ""
    seconds: float = 0.0
    reasons: dict[str, str] = field(default_factory=dict)

    def count(self, outcome: str) -> int:
        """Count the tests with *outcome*.

        >>> SuiteResult("m", "ours", {"a": "pass", "b": "fail"}).count("pass")
        1
        """
        return sum(1 for value in self.outcomes.values() if value == outcome)


def _reason(err: Any) -> str:
    r"""Return the one-line summary of an ``exc_info`` triple: its last line.

    >>> _reason((ValueError, ValueError("bad\nvalue"), None))
    'ValueError: bad value'
    """
    kind, value, _ = err
    text = f"{kind.__name__}: {value}" if str(value) else kind.__name__
    return " ".join(text.split())[:200]


class _Recorder(unittest.TestResult):
    """A test result that keeps one outcome per test id, and why it failed."""

    def __init__(self) -> None:
        super().__init__()
        self.outcomes: dict[str, str] = {}
        self.reasons: dict[str, str] = {}

    def addSuccess(self, test: unittest.TestCase) -> None:
        self.outcomes.setdefault(test.id(), "pass")

    def addFailure(self, test: unittest.TestCase, err: Any) -> None:
        super().addFailure(test, err)
        self.outcomes[test.id()] = "fail"
        self.reasons.setdefault(test.id(), _reason(err))

    def addError(self, test: unittest.TestCase, err: Any) -> None:
        super().addError(test, err)
        self.outcomes[test.id()] = "error"
        self.reasons.setdefault(test.id(), _reason(err))

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        self.outcomes[test.id()] = "skip"

    def addExpectedFailure(self, test: unittest.TestCase, err: Any) -> None:
        self.outcomes[test.id()] = "expected-failure"

    def addUnexpectedSuccess(self, test: unittest.TestCase) -> None:
        self.outcomes[test.id()] = "unexpected-success"

    def addSubTest(
        self, test: unittest.TestCase, subtest: unittest.TestCase, err: Any
    ) -> None:
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            self.outcomes[test.id()] = "fail" if failed else "error"
            self.reasons.setdefault(test.id(), _reason(err))


def run_tests(module: ModuleType) -> tuple[dict[str, str], dict[str, str]]:
    r"""Run *module*'s tests (``load_tests`` honoured) with their output silenced.

    Returns each test's outcome (as :attr:`SuiteResult.outcomes`) and, for
    each test that failed or erred, the one-line reason.

    >>> import types
    >>> module = types.ModuleType("demo")
    >>> exec(
    ...     "import unittest\n"
    ...     "class T(unittest.TestCase):\n"
    ...     "    def test_ok(self): pass\n"
    ...     "    def test_bad(self): self.assertEqual(1, 2)\n",
    ...     module.__dict__,
    ... )
    >>> outcomes, reasons = run_tests(module)
    >>> outcomes
    {'demo.T.test_bad': 'fail', 'demo.T.test_ok': 'pass'}
    >>> reasons
    {'demo.T.test_bad': 'AssertionError: 1 != 2'}
    """
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    recorder = _Recorder()
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        suite.run(recorder)
    return recorder.outcomes, recorder.reasons


def _doctest_compiler() -> Any:
    """Return a stand-in for ``compile`` as :mod:`doctest` calls it."""
    from pyinternals.compiler.pipeline import compile as our_compile

    def compile_example(
        source: str,
        filename: str,
        mode: str,
        flags: int = 0,
        dont_inherit: bool = False,
    ) -> CodeType:
        return our_compile(source, filename, mode, flags=flags)

    return compile_example


class NotOurBytecode(ImportError):
    """A test module meant for our compiler was not loaded by our loader."""


def _require_our_loader(module: ModuleType) -> None:
    """Raise :exc:`NotOurBytecode` unless our import hook loaded *module*.

    A module already in ``sys.modules``, or found by a finder ahead of ours,
    would run CPython's bytecode: its passes would prove nothing about our
    compiler.

    >>> import json
    >>> try:
    ...     _require_our_loader(json)
    ... except NotOurBytecode as error:
    ...     print(error)  # doctest: +ELLIPSIS
    json was loaded by SourceFileLoader, not by ...OurLoader: ... CPython's compiler...
    """
    from pyinternals.compiler.importer import OurLoader

    spec = module.__spec__
    loader = spec.loader if spec is not None else None
    if not isinstance(loader, OurLoader):
        raise NotOurBytecode(
            f"{module.__name__} was loaded by {type(loader).__name__}, not by "
            f"{OurLoader.__module__}.{OurLoader.__qualname__}: its tests would "
            "run bytecode from CPython's compiler, not ours"
        )


def run_module(name: str, compiler: Compiler) -> SuiteResult:
    """Import ``test.<name>`` compiled by *compiler* and run its tests here.

    This changes the running interpreter (it imports the module and, for our
    compiler, swaps :mod:`doctest`'s ``compile``): call it in a fresh process,
    as :func:`run_in_subprocess` does. For our compiler the module must come
    from our import hook: if it was imported before (or another finder got
    it first), the result is a *crash* naming :exc:`NotOurBytecode`, never a
    pass earned by CPython's compiler.
    """
    from pyinternals.compiler.importer import compiled_by_us

    result = SuiteResult(name, compiler)
    fullname = f"test.{name}"
    start = time.perf_counter()
    try:
        if compiler == "ours":
            doctest.compile = _doctest_compiler()  # type: ignore[attr-defined]
            with compiled_by_us(lambda module: module == fullname):
                module = importlib.import_module(fullname)
            _require_our_loader(module)
        else:
            module = importlib.import_module(fullname)
        result.outcomes, result.reasons = run_tests(module)
    except BaseException as error:  # a module that cannot run is a finding
        result.crash = f"{type(error).__name__}: {error}"
    result.seconds = time.perf_counter() - start
    return result


_WORKER = (
    "import sys; from pyinternals.compiler.testsuite import run_worker; "
    "sys.exit(run_worker(sys.argv[1:]))"
)


def run_worker(argv: Sequence[str]) -> int:
    """Run one module in this process for :func:`run_in_subprocess`.

    *argv* is ``RUNNER MODULE COMPILER OUT``: the module whose
    ``run_module(MODULE, COMPILER)`` makes the :class:`SuiteResult`, and the
    file its JSON is written to. Returns the exit status.
    """
    runner, name, compiler, out = argv
    run = importlib.import_module(runner).run_module
    Path(out).write_text(json.dumps(asdict(run(name, compiler))))
    return 0


def run_in_subprocess(
    name: str,
    compiler: Compiler,
    *,
    python: str = sys.executable,
    runner: str = "pyinternals.compiler.testsuite",
    timeout: float | None = None,
) -> SuiteResult:
    """Run :func:`run_module` in a fresh interpreter and return its result.

    *runner* names the module whose ``run_module(name, compiler)`` the child
    calls (this module's, or another harness's with the same signature); the
    child writes the :class:`SuiteResult` as JSON to a file the parent reads
    back (:func:`run_worker`). A run that outlives *timeout* seconds is
    killed and reported as a crash.
    """
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "result.json"
        command = [python, "-c", _WORKER, runner, name, compiler, str(report)]
        try:
            completed = subprocess.run(
                command,
                capture_output=True,
                text=True,
                check=False,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return SuiteResult(name, compiler, crash=f"timed out after {timeout} s")
        if not report.exists():
            tail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
            return SuiteResult(
                name, compiler, crash=f"exit {completed.returncode}: {' | '.join(tail)}"
            )
        data = json.loads(report.read_text())
        return SuiteResult(**data)


@dataclass
class Comparison:
    """One module's results under both compilers.

    *regressions* are the tests that pass under CPython's compiler and not
    under ours, with our outcome.
    """

    module: str
    cpython: SuiteResult
    ours: SuiteResult

    @property
    def regressions(self) -> dict[str, str]:
        """Map each test that passes only with CPython's compiler to our outcome.

        >>> theirs = SuiteResult("m", "cpython", {"a": "pass", "b": "pass"})
        >>> mine = SuiteResult("m", "ours", {"a": "pass", "b": "error"})
        >>> Comparison("m", theirs, mine).regressions
        {'b': 'error'}
        """
        return {
            test: self.ours.outcomes.get(test, "missing")
            for test, outcome in self.cpython.outcomes.items()
            if outcome == "pass" and self.ours.outcomes.get(test) != "pass"
        }


def compare(modules: Iterable[str] = TEST_MODULES) -> list[Comparison]:
    """Run each module under both compilers, each in its own process."""
    return [
        Comparison(
            name, run_in_subprocess(name, "cpython"), run_in_subprocess(name, "ours")
        )
        for name in modules
    ]


def render(comparisons: Sequence[Comparison], *, limit: int = 5) -> str:
    """Render the per-module table, listing up to *limit* regressions each.

    >>> both = SuiteResult("m", "cpython", {"a": "pass"}), SuiteResult("m", "ours")
    >>> print(render([Comparison("test_m", *both)]))  # doctest: +NORMALIZE_WHITESPACE
    module               CPython passes   ours passes   only CPython passes
    test_m               1                0             1
        test_m: a: missing
    """
    lines = [
        f"{'module':<20} {'CPython passes':<16} {'ours passes':<13} only CPython passes"
    ]
    for comparison in comparisons:
        regressions = comparison.regressions
        lines.append(
            f"{comparison.module:<20} {comparison.cpython.count('pass'):<16} "
            f"{comparison.ours.count('pass'):<13} {len(regressions)}"
        )
        for side in (comparison.cpython, comparison.ours):
            if side.crash:
                lines.append(f"    {side.compiler} could not run it: {side.crash}")
        for test, outcome in list(regressions.items())[:limit]:
            lines.append(f"    {comparison.module}: {test}: {outcome}")
        if len(regressions) > limit:
            lines.append(f"    ... and {len(regressions) - limit} more")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison from the command line; return the exit status.

    Exit status 1 means some test passes with CPython's compiler only (or a
    module could not run) and ``--check`` was given.
    """
    parser = argparse.ArgumentParser(
        prog="python -m pyinternals.compiler tests", description=__doc__
    )
    parser.add_argument("modules", nargs="*", default=list(TEST_MODULES))
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    options = parser.parse_args(argv)
    comparisons = compare(options.modules)
    print(render(comparisons))
    if options.json:
        Path(options.json).write_text(
            json.dumps(
                [asdict(c.cpython) | {"ours": asdict(c.ours)} for c in comparisons]
            )
        )
    failing = [
        c for c in comparisons if c.regressions or c.ours.crash or c.cpython.crash
    ]
    return 1 if options.check and failing else 0
