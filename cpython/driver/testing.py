"""The tests of a build: the patch tests, the vanilla check, CPython's own tests.

The patch tests in ``cpython/tests`` run with the built interpreter, once on
the patched tree and once on the vanilla one: :func:`check_vanilla` lists
every way in which they fail to prove the patches (a test that does not pass
on the patched build, or does not fail without the patches). CPython's
regression tests that cover what the patches touch (:data:`REGRTESTS`) run
through ``python -m test --junit-xml``; :func:`parse_junit` reads their
per-module counts, and :func:`run_regrtest` caches them per build.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import tempfile
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from pathlib import Path

from .pin import CPYTHON
from .process import BuildError, log
from .tree import Tree, TreeState

__all__ = [
    "REGRTESTS",
    "REGRTEST_OPTIONS",
    "TESTS",
    "RegrtestResult",
    "TestOutcome",
    "check_debug_build",
    "check_vanilla",
    "parse_junit",
    "run_patch_tests",
    "run_regrtest",
]

TESTS = CPYTHON / "tests"

# CPython's own tests that cover what the patches touch; each patch adds the
# modules of what it changes (see cpython/README.md).
REGRTESTS = (
    "test_builtin",
    "test_grammar",
    "test_ast",
    "test_dis",
    "test_peepholer",
    "test_sys",
    "test_fractions",  # 0005
    "test_opcache",  # 0004: the counting instruction prologue
    "test_tokenize",  # 0002: a new token
    "test_syntax",  # 0002: the grammar's error messages
    "test_unparse",  # 0002: ast.unparse and ast_unparse.c
    "test_compile",  # 0002: the compiler
    "test_symtable",  # 0002: the symbol table
)

# "cpu" lets test_tokenize and test_unparse round-trip standard-library
# files through the patched tokenizer and unparser (about 13 s more).
REGRTEST_OPTIONS = ("-u", "cpu")


@dataclasses.dataclass(frozen=True)
class TestOutcome:
    """One patch test's result on one build."""

    test_id: str
    outcome: str  # "pass", "fail", "error" or "skip"
    detail: str


@dataclasses.dataclass(frozen=True)
class RegrtestResult:
    """One CPython regression test module's counts on one build."""

    module: str
    tests: int
    failures: int
    errors: int
    skipped: int

    @property
    def passed(self) -> bool:
        """True when nothing failed and nothing errored."""
        return self.failures == 0 and self.errors == 0


def run_patch_tests(tree: Tree) -> list[TestOutcome]:
    """Run ``cpython/tests`` with the tree's interpreter; one record per test."""
    with tempfile.NamedTemporaryFile(suffix=".json") as results:
        subprocess.run(
            [str(tree.python), "-I", str(TESTS / "runner.py"), results.name],
            cwd=TESTS,
            check=False,
            capture_output=True,
        )
        text = Path(results.name).read_text()
    if not text:
        raise BuildError(f"the patch test runner produced nothing on {tree.name}")
    return [TestOutcome(**record) for record in json.loads(text)]


def run_regrtest(
    tree: Tree, modules: Sequence[str], jobs: int, force: bool = False
) -> tuple[list[RegrtestResult], bool]:
    """Run CPython's own tests *modules* on *tree*, or reuse the last result.

    The result is cached in the tree's state, keyed by the interpreter's
    build stamp and the module list: an unchanged build is not retested
    unless *force*. Returns the per-module results and whether they came
    from the cache.
    """
    state = TreeState(tree)
    key = {
        "build": state.data.get("built"),
        "series": state.data.get("series"),
        "modules": list(modules),
        "options": list(REGRTEST_OPTIONS),
    }
    cached = state.data.get("regrtest")
    if not force and isinstance(cached, dict) and cached.get("key") == key:
        return [RegrtestResult(**record) for record in cached["results"]], True
    junit = tree.root / "pyinternals-regrtest.xml"
    junit.unlink(missing_ok=True)
    log(
        f"python -m test -j{jobs} {' '.join(REGRTEST_OPTIONS)} "
        f"{' '.join(modules)} ({tree.name})"
    )
    command = [
        str(tree.python),
        "-m",
        "test",
        f"-j{jobs}",
        *REGRTEST_OPTIONS,
        "--junit-xml",
        str(junit),
    ]
    completed = subprocess.run(
        [*command, *modules],
        cwd=tree.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    (tree.root / "pyinternals-regrtest.log").write_text(completed.stdout)
    results = parse_junit(junit, modules) if junit.is_file() else []
    if completed.returncode != 0 or len(results) != len(modules):
        tail = "".join(completed.stdout.splitlines(True)[-40:])
        raise BuildError(f"CPython's regression tests failed on {tree.name}:\n{tail}")
    state.mark(
        "regrtest",
        {"key": key, "results": [dataclasses.asdict(result) for result in results]},
    )
    return results, False


def parse_junit(path: Path, modules: Sequence[str]) -> list[RegrtestResult]:
    """Per-module counts from regrtest's ``--junit-xml`` output.

    regrtest writes one ``testsuite`` per test module, unnamed; its module is
    the one its ``test.<module>.*`` test cases belong to (a suite also holds
    doctests, named after what they test, e.g. ``builtins.hex``).
    """
    counts: dict[str, RegrtestResult] = {}
    for suite in ElementTree.parse(path).getroot().iter("testsuite"):
        cases = list(suite.iter("testcase"))
        names = (case.get("name", "").split(".") for case in cases)
        module = next((n[1] for n in names if len(n) > 1 and n[0] == "test"), None)
        if module is None or module not in modules:
            continue
        counts[module] = RegrtestResult(
            module,
            tests=len(cases),
            failures=sum(len(case.findall("failure")) for case in cases),
            errors=sum(len(case.findall("error")) for case in cases),
            skipped=sum(len(case.findall("skipped")) for case in cases),
        )
    return [counts[m] for m in modules if m in counts]


def check_vanilla(patched: list[TestOutcome], vanilla: list[TestOutcome]) -> list[str]:
    """List what keeps the patch tests from proving anything.

    Every patch test must pass on the patched build and fail (or error) on
    the vanilla one; an empty list means the proof holds.
    """
    problems = [
        f"{record.test_id}: {record.outcome} on the patched build\n{record.detail}"
        for record in patched
        if record.outcome != "pass"
    ]
    problems += [
        f"{record.test_id}: {record.outcome} on vanilla CPython, "
        "so it does not test the patch"
        for record in vanilla
        if record.outcome not in ("fail", "error")
    ]
    if {r.test_id for r in patched} != {r.test_id for r in vanilla}:
        problems.append("the patched and vanilla runs found different tests")
    return problems


def check_debug_build(tree: Tree) -> None:
    """Check that a ``--with-pydebug`` interpreter has ``sys.gettotalrefcount``."""
    probe = subprocess.run(
        [str(tree.python), "-c", "import sys; print(sys.gettotalrefcount())"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        raise BuildError(f"{tree.python} is not a debug build:\n{probe.stderr}")
    log(f"debug build: sys.gettotalrefcount() = {probe.stdout.strip()}")
