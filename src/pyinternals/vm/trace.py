r"""An opcode tracer: every instruction a program executes, in order.

``python -m pyinternals.vm.trace [--vm] SCRIPT [ARGS]`` runs *SCRIPT* and
prints, for each instruction executed in the script's own code, the
function, the byte offset, the instruction, its source line and -- on the
VM -- the value stack just before the instruction runs.

On CPython the steps come from ``sys.settrace`` with ``frame.f_trace_opcodes``
set: the ``"opcode"`` event fires before each instruction (CPython keeps its
value stack to itself, so no stack is shown). With ``--vm`` the script runs
on our VM and the steps come from the VM's own hook
(:mod:`pyinternals.vm.tracing`), which shows the stack. Instruction names
are ``dis``'s base names on both: CPython's specialized instructions
(``LOAD_ATTR_INSTANCE_VALUE``...) are reported under the name the compiler
emitted.

:func:`trace_source` computes the steps as :class:`TraceStep` records;
:func:`render_step` turns one into a line of text.

>>> steps = trace_source("x = 1 + 2\n", vm=True)
>>> [(step.opname, step.stack) for step in steps[:2]]
[('LOAD_CONST', ()), ('STORE_NAME', ('3',))]
>>> print(render_step(steps[1]))
<module>       4 STORE_NAME           x                    line 1  stack: [3]
"""

from __future__ import annotations

import builtins
import dis
import io
import linecache
import reprlib
import sys
from collections.abc import Callable, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass
from types import CodeType
from typing import Any

from pyinternals.compiler.differential import outside_event_loop
from pyinternals.vm.runner import run_script_tool
from pyinternals.vm.tracing import TraceFunction

__all__ = [
    "TraceStep",
    "main",
    "render_step",
    "run_traced",
    "trace_source",
]

_SHORT = reprlib.Repr()
_SHORT.maxstring = 30
_SHORT.maxother = 30
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 4


@dataclass(frozen=True)
class TraceStep:
    """One executed instruction.

    *offset* is in bytes, *opname* the base (unspecialized) name, *argrepr*
    what ``dis`` prints for the argument, *line* the source line (``None``
    for instructions without one) and *stack* the value stack before the
    instruction runs, bottom first, as short reprs (``None`` on CPython,
    which does not expose it).
    """

    code_name: str
    offset: int
    opname: str
    argrepr: str
    line: int | None
    stack: tuple[str, ...] | None


_LISTINGS: dict[int, tuple[CodeType, dict[int, dis.Instruction]]] = {}


def _listing(code: CodeType) -> dict[int, dis.Instruction]:
    """Return *code*'s instructions by byte offset, as ``dis`` names them."""
    cached = _LISTINGS.get(id(code))
    if cached is None or cached[0] is not code:
        cached = _LISTINGS[id(code)] = (
            code,
            {i.offset: i for i in dis.get_instructions(code)},
        )
    return cached[1]


def _clip(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _short_repr(value: Any) -> str:
    try:
        return _SHORT.repr(value)
    except Exception:  # a broken __repr__ must not stop the trace
        return f"<{type(value).__name__} object>"


def _step(frame: Any) -> TraceStep:
    """Read the step a frame (CPython's or a VM view) is about to execute."""
    code = frame.f_code
    instruction = _listing(code)[frame.f_lasti]
    stack = getattr(frame, "value_stack", None)
    return TraceStep(
        code.co_name,
        instruction.offset,
        instruction.opname,
        _clip(instruction.argrepr),
        frame.f_lineno,
        None if stack is None else tuple(_short_repr(value) for value in stack),
    )


def run_traced(
    code: CodeType,
    namespace: dict[str, Any],
    on_step: Callable[[TraceStep], None],
    *,
    vm: bool = False,
) -> None:
    """Run module *code* in *namespace*, calling *on_step* for each instruction.

    Only frames of code from *code*'s file are traced (not the standard
    library's). On CPython ``sys.settrace`` is set for the run and removed
    after it; with *vm*, the VM's hook. Exceptions from the program
    propagate.
    """
    filename = code.co_filename

    def local_trace(frame: Any, event: str, arg: Any) -> TraceFunction:
        if event == "opcode":
            on_step(_step(frame))
        return local_trace

    def global_trace(frame: Any, event: str, arg: Any) -> TraceFunction | None:
        if frame.f_code.co_filename != filename:
            return None
        # 3.12+ switches a code object's opcode events on when f_trace_opcodes
        # is set on a frame that has a local trace function already
        # (Objects/frameobject.c, frame_settrace_opcodes): set f_trace first.
        frame.f_trace = local_trace
        frame.f_trace_opcodes = True
        return local_trace

    if vm:
        from pyinternals.vm.machine import VirtualMachine

        machine = VirtualMachine()
        machine.tracer.settrace(global_trace)
        machine.run_code(code, namespace)
        return
    sys.settrace(global_trace)
    try:
        exec(code, namespace)
    finally:
        sys.settrace(None)


def trace_source(
    source: str, filename: str = "<program>", *, vm: bool = False
) -> list[TraceStep]:
    r"""Compile *source*, run it traced (its output discarded), return the steps.

    An exception the program does not catch ends the trace; the steps up to
    it are returned.

    >>> [step.opname for step in trace_source("x = 2\n")][:2]
    ['LOAD_CONST', 'STORE_NAME']
    """
    code = builtins.compile(source, filename, "exec", dont_inherit=True)
    steps: list[TraceStep] = []
    namespace: dict[str, Any] = {"__name__": "__main__"}

    def trace() -> None:
        try:
            with redirect_stdout(io.StringIO()):
                run_traced(code, namespace, steps.append, vm=vm)
        except Exception:  # the program's own failure ends its trace
            pass

    outside_event_loop(trace)
    return steps


def render_step(step: TraceStep) -> str:
    """Format a step as one line: function, offset, instruction, line, stack."""
    line = "" if step.line is None else f"line {step.line}"
    text = f"{step.code_name:<12} {step.offset:>3} {step.opname:<20} {step.argrepr:<20}"
    text = f"{text} {line:<7}"
    if step.stack is not None:
        text += f" stack: [{', '.join(step.stack)}]"
    return text.rstrip()


def _source_line(filename: str, line: int | None) -> str:
    if line is None:
        return ""
    return linecache.getline(filename, line).strip()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line: trace a script on CPython or, with ``--vm``, the VM."""
    return run_script_tool(
        "python -m pyinternals.vm.trace",
        "Print every instruction a script executes.",
        argv,
        _trace_script,
    )


def _trace_script(code: CodeType, namespace: dict[str, Any], on_the_vm: bool) -> int:
    path = code.co_filename
    last_line: list[tuple[str, int | None]] = [("", None)]

    def show(step: TraceStep) -> None:
        where = (step.code_name, step.line)
        if where != last_line[0] and step.line is not None:
            source = _source_line(path, step.line)
            print(f"--- {step.code_name} line {step.line}: {source}")
        last_line[0] = where
        print(render_step(step))

    try:
        run_traced(code, namespace, show, vm=on_the_vm)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    except BaseException as exception:
        sys.stdout.flush()
        import traceback

        traceback.print_exception(exception)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
