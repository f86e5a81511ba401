r"""CPython's own test modules, executed by the VM.

The strongest check of an interpreter is the interpreter's own test suite.
:func:`run_module` loads one of :data:`TEST_MODULES` the way ``import``
would -- a real module object from the module's spec, registered in
``sys.modules`` -- except that its code runs on the VM
(:meth:`~pyinternals.vm.interpreter.EvalLoop.run_code`). Every function and
class of the module is therefore made by the VM, and when :mod:`unittest`
(running on CPython) calls a test method, the method's trampoline
(:mod:`~pyinternals.vm.trampolines`) brings the call back onto the VM. The
module's doctests run on the VM too: :mod:`doctest` executes each example
with ``exec``, and that name is pointed at the VM for the run.

Each module runs twice, each time in a fresh interpreter: plainly on CPython
(the compiler chapter's :func:`~pyinternals.compiler.testsuite.run_module`),
and on the VM; :func:`compare` pairs the two and lists the tests that pass
on CPython and not on the VM, with the reason the VM's run gave.
``python -m pyinternals.vm.conformance`` prints the table; ``--check`` fails
when a module passes fewer than :data:`REQUIRED_SHARE` of the tests CPython
passes.
"""

from __future__ import annotations

import argparse
import builtins
import doctest
import importlib.util
import json
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

from pyinternals.compiler import testsuite
from pyinternals.compiler.testsuite import (
    Comparison,
    Compiler,
    SuiteResult,
    run_in_subprocess,
    run_tests,
)
from pyinternals.vm.machine import VirtualMachine

__all__ = [
    "REQUIRED_SHARE",
    "TEST_MODULES",
    "compare",
    "load_on_vm",
    "main",
    "render",
    "run_module",
    "share_passing",
    "shortfalls",
]

TEST_MODULES = (
    *testsuite.TEST_MODULES,
    "test_augassign",
    "test_bool",
    "test_int",
    "test_list",
    "test_dict",
    "test_set",
)
"""The test modules the Chapter 4 issue names, in ``Lib/test``."""

REQUIRED_SHARE = 0.95
"""The share of a module's CPython-passing tests the VM must pass."""

MODULE_TIMEOUT = 1800.0
"""Seconds one module may run on the VM before its process is killed."""


_RUNNER = "pyinternals.vm.conformance"
"""The module whose ``run_module`` runs one module in a child process (not
``__name__``, which is ``__main__`` under ``python -m``)."""


def _compile(source: str, filename: str, compiler: Compiler) -> CodeType:
    """Compile a module's *source* with CPython's compiler or with ours."""
    if compiler == "ours":
        from pyinternals.compiler.pipeline import compile as our_compile

        return our_compile(source, filename, "exec")
    return builtins.compile(source, filename, "exec", dont_inherit=True)


def load_on_vm(
    name: str, machine: VirtualMachine, compiler: Compiler = "cpython"
) -> ModuleType:
    """Import ``test.<name>`` with its module code run by *machine*.

    The module object is made from the module's spec as the import system
    makes it and is in ``sys.modules`` while its code runs (a module that
    imports itself, or pickles its classes, finds it there); only the
    execution differs. The code comes from CPython's compiler or, with
    ``compiler="ours"``, from ours.

    >>> from pyinternals.vm.trampolines import trampoline_entry
    >>> module = load_on_vm("test_augassign", VirtualMachine())
    >>> module.__name__, sys.modules["test.test_augassign"] is module
    ('test.test_augassign', True)
    >>> trampoline_entry(module.AugAssignTest.testBasic) is not None
    True
    >>> del sys.modules["test.test_augassign"]
    """
    fullname = f"test.{name}"
    spec = importlib.util.find_spec(fullname)
    if spec is None or spec.loader is None or spec.origin is None:
        raise ModuleNotFoundError(f"no test module {fullname}", name=fullname)
    source = Path(spec.origin).read_text(encoding="utf-8")
    code = _compile(source, spec.origin, compiler)
    module = importlib.util.module_from_spec(spec)
    sys.modules[fullname] = module
    try:
        machine.run_code(code, module.__dict__)
    except BaseException:
        del sys.modules[fullname]
        raise
    return module


def _doctest_on_vm(machine: VirtualMachine, compiler: Compiler) -> None:
    """Point :mod:`doctest`'s ``exec`` (and ``compile``, for ours) at the VM.

    ``DocTestRunner`` runs each example as ``exec(compile(source, name,
    "single", flags, True), globs)``; both names are looked up in the
    module's globals before the builtins, so setting them there reroutes
    every example.
    """

    def exec_on_vm(code: CodeType, globals_: dict[str, Any]) -> None:
        machine.run_code(code, globals_)

    doctest.exec = exec_on_vm  # type: ignore[attr-defined]
    if compiler == "ours":
        doctest.compile = testsuite._doctest_compiler()  # type: ignore[attr-defined]


def run_module(name: str, compiler: Compiler = "cpython") -> SuiteResult:
    """Run ``test.<name>`` on the VM, here, and record every test's outcome.

    This changes the running interpreter (it registers the test module and
    reroutes :mod:`doctest`): call it in a fresh process, as :func:`compare`
    does. A module that cannot even be loaded gives a result whose *crash*
    says why.
    """
    result = SuiteResult(name, compiler)
    start = time.perf_counter()
    machine = VirtualMachine()
    try:
        _doctest_on_vm(machine, compiler)
        module = load_on_vm(name, machine, compiler)
        result.outcomes, result.reasons = run_tests(module)
    except BaseException as error:  # a module that cannot run is a finding
        result.crash = f"{type(error).__name__}: {error}"
    result.seconds = time.perf_counter() - start
    return result


def _run_pair(
    name: str, compiler: Compiler, python: str, timeout: float | None
) -> Comparison:
    baseline = run_in_subprocess(name, "cpython", python=python, timeout=timeout)
    on_vm = run_in_subprocess(
        name, compiler, python=python, runner=_RUNNER, timeout=timeout
    )
    return Comparison(name, baseline, on_vm)


def compare(
    modules: Iterable[str] = TEST_MODULES,
    *,
    compiler: Compiler = "cpython",
    python: str = sys.executable,
    timeout: float | None = MODULE_TIMEOUT,
    workers: int = 1,
) -> list[Comparison]:
    """Run each module on CPython and on the VM, each run in its own process.

    In each :class:`~pyinternals.compiler.testsuite.Comparison` the
    ``cpython`` side is the plain run and the ``ours`` side the VM's. With
    *workers* above one, that many modules run at the same time.
    """
    names = list(modules)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(
            pool.map(lambda name: _run_pair(name, compiler, python, timeout), names)
        )


def share_passing(comparison: Comparison) -> float:
    """Return the share of CPython's passing tests that pass on the VM too.

    A module with no passing test on CPython counts as fully passing.

    >>> cpython = SuiteResult("m", "cpython", {"a": "pass", "b": "pass"})
    >>> vm = SuiteResult("m", "cpython", {"a": "pass", "b": "error"})
    >>> share_passing(Comparison("m", cpython, vm))
    0.5
    """
    passing = comparison.cpython.count("pass")
    if passing == 0:
        return 1.0
    return (passing - len(comparison.regressions)) / passing


def shortfalls(
    comparisons: Iterable[Comparison], required: float = REQUIRED_SHARE
) -> list[str]:
    """Name the modules whose VM run misses the bar, or that could not run.

    >>> cpython = SuiteResult("m", "cpython", {"a": "pass"})
    >>> shortfalls([Comparison("test_m", cpython, SuiteResult("m", "cpython"))])
    ['test_m: 0 of 1 CPython-passing tests pass on the VM (0.0%)']
    """
    missed = []
    for comparison in comparisons:
        passing = comparison.cpython.count("pass")
        share = share_passing(comparison)
        if comparison.cpython.crash or comparison.ours.crash or share < required:
            missed.append(
                f"{comparison.module}: {passing - len(comparison.regressions)} of "
                f"{passing} CPython-passing tests pass on the VM ({share:.1%})"
            )
    return missed


def _counts(result: SuiteResult) -> str:
    """Return passed/failed/errors/skipped, as the table shows them.

    >>> _counts(SuiteResult("m", "cpython", {"a": "pass", "b": "skip"}))
    '1/0/0/1'
    """
    return "/".join(
        str(result.count(outcome)) for outcome in ("pass", "fail", "error", "skip")
    )


def render(comparisons: Sequence[Comparison], *, limit: int | None = None) -> str:
    """Render the per-module table and every test that passes only on CPython.

    Counts are passed/failed/errors/skipped; *share* is the share of
    CPython's passing tests that pass on the VM. Each regression is listed
    with the VM's outcome and one-line reason (up to *limit* per module).

    >>> cpython = SuiteResult("m", "cpython", {"a": "pass", "b": "pass"})
    >>> vm = SuiteResult("m", "cpython", {"a": "pass", "b": "fail"}, seconds=2)
    >>> vm.reasons["b"] = "AssertionError: 1 != 2"
    >>> print(render([Comparison("test_m", cpython, vm)]))
    module               CPython p/f/e/s   VM p/f/e/s         share    VM s
    test_m               2/0/0/0           1/1/0/0            50.0%     2.0
        b: fail: AssertionError: 1 != 2
    """
    lines = [
        f"{'module':<20} {'CPython p/f/e/s':<17} {'VM p/f/e/s':<17} "
        f"{'share':>6} {'VM s':>7}"
    ]
    for comparison in comparisons:
        cpython, vm = comparison.cpython, comparison.ours
        lines.append(
            f"{comparison.module:<20} {_counts(cpython):<17} {_counts(vm):<17} "
            f"{share_passing(comparison):>6.1%} {vm.seconds:>7.1f}"
        )
        for side, label in ((cpython, "CPython"), (vm, "the VM")):
            if side.crash:
                lines.append(f"    {label} could not run it: {side.crash}")
        regressions = list(comparison.regressions.items())
        shown = regressions if limit is None else regressions[:limit]
        for test, outcome in shown:
            reason = vm.reasons.get(test, "")
            lines.append(f"    {test}: {outcome}" + (f": {reason}" if reason else ""))
        if len(shown) < len(regressions):
            lines.append(f"    ... and {len(regressions) - len(shown)} more")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison from the command line; return the exit status.

    Exit status 1 means ``--check`` was given and some module passes fewer
    than :data:`REQUIRED_SHARE` of its CPython-passing tests on the VM (or
    could not run).
    """
    parser = argparse.ArgumentParser(
        prog="python -m pyinternals.vm.conformance", description=__doc__
    )
    parser.add_argument("--modules", nargs="+", default=list(TEST_MODULES))
    parser.add_argument("--compiler", choices=("cpython", "ours"), default="cpython")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=MODULE_TIMEOUT)
    parser.add_argument("--limit", type=int, help="regressions listed per module")
    options = parser.parse_args(argv)
    start = time.perf_counter()
    comparisons = compare(
        options.modules,
        compiler=options.compiler,
        timeout=options.timeout,
        workers=options.workers,
    )
    print(f"Python {sys.version.split()[0]}, compiled by {options.compiler}")
    print(render(comparisons, limit=options.limit))
    missed = shortfalls(comparisons)
    for line in missed:
        print(f"below {REQUIRED_SHARE:.0%}: {line}")
    print(f"total {time.perf_counter() - start:.0f} s")
    if options.json:
        Path(options.json).write_text(
            json.dumps(
                [asdict(c.cpython) | {"vm": asdict(c.ours)} for c in comparisons]
            )
        )
    return 1 if options.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
