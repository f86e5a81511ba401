r"""How fast the chapter's interpreters run, against CPython, in the same run.

Every program of :mod:`~pyinternals.vm.bench_programs` is run by each
*engine* of :data:`ENGINES`: CPython itself (``exec``), the bytecode VM with
its specialization on (``vm``) and off (``vm-generic``), and the tree walker
(``treewalk``) when the program is inside its subset. The engines take
turns, one run each per round, so that a burst of load on the machine slows
all of them; each keeps its best round. Times are the process's CPU time
(:func:`time.process_time`), not the wall clock: on a shared machine the
other processes' work does not count against whichever engine was running.
Before a time counts, the engine's ``result`` must equal CPython's.

:func:`measure` computes the records (:class:`ProgramTimings`);
:func:`render` prints them as ratios to CPython's time; ``python -m
pyinternals.vm.bench [PROGRAM ...] [--repeat N] [--scale X]`` does both.
Nothing here asserts a speed: the figures are reported.

>>> timings = measure("recursion", size=6, repeat=1)
>>> timings.results["vm"] == timings.results["cpython"] == "8"
True
>>> timings.ratio("vm") > 1
True
"""

from __future__ import annotations

import argparse
import ast
import builtins
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pyinternals.vm.bench_programs import PROGRAMS
from pyinternals.vm.machine import VirtualMachine
from pyinternals.vm.treewalk import Interpreter
from pyinternals.vm.treewalk_subset import UnsupportedSyntaxError, check_subset

__all__ = ["ENGINES", "Engine", "ProgramTimings", "Run", "main", "measure", "render"]

Run = Callable[[], Any]
"""One run of a prepared program: returns the program's ``result``."""

Engine = Callable[[str], Run | None]
"""Prepares a program's source for running; ``None`` if it cannot run it."""


def _cpython(source: str) -> Run:
    code = builtins.compile(source, "<bench>", "exec", dont_inherit=True)

    def run() -> Any:
        namespace: dict[str, Any] = {"__name__": "__bench__"}
        exec(code, namespace)
        return namespace["result"]

    return run


def _virtual_machine(specialize: bool) -> Engine:
    def prepare(source: str) -> Run:
        code = builtins.compile(source, "<bench>", "exec", dont_inherit=True)
        machine = VirtualMachine(specialize=specialize)

        def run() -> Any:
            namespace: dict[str, Any] = {"__name__": "__bench__"}
            machine.run_code(code, namespace)
            return namespace["result"]

        return run

    return prepare


def _tree_walker(source: str) -> Run | None:
    tree = ast.parse(source, "<bench>")
    try:
        check_subset(tree, "<bench>")
    except UnsupportedSyntaxError:
        return None

    def run() -> Any:
        namespace: dict[str, Any] = {"__name__": "__bench__"}
        Interpreter("<bench>").execute(tree, namespace, source)
        return namespace["result"]

    return run


ENGINES: dict[str, Engine] = {
    "cpython": _cpython,
    "vm": _virtual_machine(specialize=True),
    "vm-generic": _virtual_machine(specialize=False),
    "treewalk": _tree_walker,
}
"""The engines by name: CPython first, the reference of every ratio."""


@dataclass(frozen=True)
class ProgramTimings:
    """One program's best time (seconds) and ``repr(result)`` per engine.

    An engine that cannot run the program (the tree walker on generators)
    is absent from both dictionaries.
    """

    program: str
    size: int
    seconds: dict[str, float]
    results: dict[str, str]

    def ratio(self, engine: str) -> float:
        """How many times longer *engine* took than CPython."""
        return self.seconds[engine] / self.seconds["cpython"]

    @property
    def agree(self) -> bool:
        """Whether every engine computed CPython's result."""
        expected = self.results["cpython"]
        return all(result == expected for result in self.results.values())


def measure(
    program: str,
    *,
    size: int | None = None,
    repeat: int = 3,
    engines: Iterable[str] = ENGINES,
) -> ProgramTimings:
    """Time *program* on each of *engines* (CPython always included), best of *repeat*.

    *size* defaults to the program's timed size. Raises
    :class:`AssertionError` if an engine's result differs from CPython's.
    """
    bench = PROGRAMS[program]
    chosen = bench.size if size is None else size
    source = bench.source_for(chosen)
    runs: dict[str, Run] = {}
    for name in ["cpython", *(engine for engine in engines if engine != "cpython")]:
        prepared = ENGINES[name](source)
        if prepared is not None:
            runs[name] = prepared
    best = dict.fromkeys(runs, float("inf"))
    results: dict[str, str] = {}
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.process_time()
            result = run()
            best[name] = min(best[name], time.process_time() - start)
            results[name] = repr(result)
    timings = ProgramTimings(program, chosen, best, results)
    if not timings.agree:
        raise AssertionError(f"{program}: results differ: {results}")
    return timings


def render(timings: Sequence[ProgramTimings]) -> str:
    """Format timings as a table: CPython's time, then each engine's ratio to it.

    >>> print(render([ProgramTimings("demo", 1, {"cpython": 0.5, "vm": 10.0},
    ...                              {"cpython": "1", "vm": "1"})]))
    program           size   CPython        vm
    demo                 1   500.0ms     20.0x
    """
    engines = [name for name in ENGINES if name != "cpython"]
    shown = [name for name in engines if any(name in t.seconds for t in timings)]
    header = f"{'program':<12} {'size':>9} {'CPython':>9}" + "".join(
        f" {name:>10}" for name in shown
    )
    lines = [header]
    for timing in timings:
        line = f"{timing.program:<12} {timing.size:>9} "
        line += f"{timing.seconds['cpython'] * 1000:>7.1f}ms"
        for name in shown:
            cell = f"{timing.ratio(name):.1f}x" if name in timing.seconds else "-"
            line += f" {cell:>10}"
        lines.append(line)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the programs named (default: all) and print the ratio table."""
    parser = argparse.ArgumentParser(prog="python -m pyinternals.vm.bench")
    parser.add_argument("programs", nargs="*", help=f"any of {', '.join(PROGRAMS)}")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply every program's size"
    )
    parser.add_argument(
        "--engines", default=",".join(ENGINES), help="comma-separated engine names"
    )
    options = parser.parse_args(argv)
    unknown = [name for name in options.programs if name not in PROGRAMS]
    if unknown:
        parser.error(f"unknown programs: {', '.join(unknown)}")
    engines = options.engines.split(",")
    version = ".".join(map(str, sys.version_info[:3]))
    print(
        f"Python {version}: time of each engine / CPython's (best of {options.repeat})"
    )
    timings = []
    for name in options.programs or PROGRAMS:
        size = max(1, round(PROGRAMS[name].size * options.scale))
        timings.append(measure(name, size=size, repeat=options.repeat, engines=engines))
    print(render(timings))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
