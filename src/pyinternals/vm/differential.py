r"""Differential testing of the VM: the same program on CPython and on the VM.

The oracle is CPython's own evaluation loop. A program is compiled once by
CPython's compiler and run twice, by ``exec`` and by the VM; both runs must
print the same output, give the same value (in ``eval`` mode) and end in the
same exception, type and message, on the same line. The record compared is
the compiler chapter's :class:`~pyinternals.compiler.differential.Outcome`,
and the CPython side is that chapter's
:func:`~pyinternals.compiler.differential.run`; only the VM side is new.

>>> run_on_vm("print(sum(x * x for x in range(4)))")
Outcome(stdout='14\n', value=None, error='', line=None)
>>> compare("1/0", "eval")
Comparison(expected=Outcome(...), actual=Outcome(...), agree=True)
"""

from __future__ import annotations

import builtins
import io
from collections.abc import Mapping
from contextlib import redirect_stdout
from dataclasses import dataclass

from pyinternals.compiler.differential import (
    Compiler,
    Outcome,
    describe_failure,
    outside_event_loop,
    run,
)
from pyinternals.compiler.pipeline import compile as our_compile
from pyinternals.vm.machine import VirtualMachine

__all__ = ["Comparison", "agreement", "compare", "run_on_vm"]


def run_on_vm(
    source: str, mode: str = "exec", *, compiler: Compiler = "cpython"
) -> Outcome:
    r"""Compile *source* with *compiler*, run it on the VM, report what it did.

    The namespace, the file name ``<program>`` and the way an escaping
    exception is summarised are those of the compiler chapter's ``run``;
    ``compiler="ours"`` runs the whole pipeline in Python, our compiler's
    code objects on our VM.

    >>> run_on_vm("[1][2]", "eval").error
    'IndexError: list index out of range'
    """
    return outside_event_loop(lambda: _run_on_vm(source, mode, compiler))


def _run_on_vm(source: str, mode: str, compiler: Compiler) -> Outcome:
    output = io.StringIO()
    value: str | None = None
    error = ""
    line = None
    namespace: dict[str, object] = {"__name__": "__program__"}
    try:
        if compiler == "ours":
            code = our_compile(source, "<program>", mode)
        else:
            code = builtins.compile(source, "<program>", mode, dont_inherit=True)
        with redirect_stdout(output):
            result = VirtualMachine().run_code(code, namespace)
        if mode == "eval":
            value = repr(result)
    except Exception as exception:  # the program's own failure is its outcome
        error, line = describe_failure(exception)
    return Outcome(output.getvalue(), value, error, line)


@dataclass(frozen=True)
class Comparison:
    """CPython's outcome, the VM's, and whether they are the same."""

    expected: Outcome
    actual: Outcome
    agree: bool


def compare(
    source: str, mode: str = "exec", *, compiler: Compiler = "cpython"
) -> Comparison:
    """Run *source* on CPython and on the VM and compare the outcomes.

    The oracle is always CPython's compiler and loop; *compiler* picks the
    compiler whose code objects the VM runs.
    """
    expected = run(source, mode, compiler="cpython")
    actual = run_on_vm(source, mode, compiler=compiler)
    return Comparison(expected, actual, expected == actual)


def agreement(programs: Mapping[str, str]) -> dict[str, Comparison]:
    """Compare every program of a corpus; the figure is how many agree.

    >>> from pyinternals.compiler.programs import PROGRAMS
    >>> results = agreement({"arithmetic": PROGRAMS["arithmetic"]})
    >>> [name for name, result in results.items() if result.agree]
    ['arithmetic']
    """
    return {name: compare(source) for name, source in programs.items()}
