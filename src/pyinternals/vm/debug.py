r"""A small pdb-like debugger built on ``sys.settrace``, for CPython and the VM.

``python -m pyinternals.vm.debug [--vm] SCRIPT [ARGS]`` stops at the
script's first line and reads commands from standard input, so a session can
be typed or scripted. The debugger is the trace function: ``"line"`` events
decide where to stop (a breakpoint, or the end of a ``step``, ``next``,
``until``), ``"return"`` events end a ``return`` command and move ``next``
into the caller, ``"exception"`` events remember where each exception was
raised, for post-mortem debugging when one escapes. With ``--vm`` the same
trace function is given to the VM's hook (:mod:`pyinternals.vm.tracing`),
so the same session gives the same transcript.

Only the script's own code (and files with breakpoints) is traced: calls
into other modules are stepped over.

Commands (pdb's names and short forms): ``break`` / ``b`` [``FILE:LINE`` |
``LINE`` | ``FUNCTION``][``, CONDITION``], ``clear`` / ``cl`` [``NUMBER``],
``continue`` / ``c``, ``step`` / ``s``, ``next`` / ``n``, ``return`` /
``r``, ``until`` / ``unt`` [``LINE``], ``where`` / ``w``, ``up`` / ``u``,
``down`` / ``d``, ``print`` / ``p`` ``EXPR``, ``pp EXPR``, ``list`` /
``l``, ``longlist`` / ``ll``, ``args`` / ``a``, ``locals``, ``display
EXPR`` (shown again, where the program stops in the same function, when its
value changed), ``quit`` / ``q``.

>>> import io
>>> source = "x = 1\ny = x + 1\nprint(y)\n"
>>> code = compile(source, "demo.py", "exec")
>>> commands = io.StringIO("next\np x\ncontinue\n")
>>> transcript = io.StringIO()
>>> Debugger("demo.py", commands, transcript).run(code, {"__name__": "__main__"})
2
0
>>> print(transcript.getvalue(), end="")
> demo.py(1)<module>()
(dbg) next
> demo.py(2)<module>()
(dbg) p x
1
(dbg) continue
The program finished.
"""

from __future__ import annotations

import contextlib
import inspect
import linecache
import os
import pprint
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import CodeType
from typing import Any, TextIO

from pyinternals.vm.runner import run_script_tool

__all__ = ["Breakpoint", "Debugger", "main"]


class _Quit(BaseException):
    """Raised from the trace function to end the program (``quit``)."""


@dataclass
class Breakpoint:
    """A place to stop: a line of a file, or the first line of a function.

    *function* names the function for a function breakpoint (then *line*
    is its ``def`` line); *condition* is an expression evaluated in the
    frame, the breakpoint counting only when it is true.
    """

    number: int
    filename: str
    line: int
    condition: str | None = None
    function: str | None = None
    hits: int = 0

    def describe(self) -> str:
        """Say where the breakpoint is, as ``break`` lists it."""
        where = f"{os.path.basename(self.filename)}:{self.line}"
        if self.function is not None:
            where = f"{self.function} ({where})"
        condition = f", if {self.condition}" if self.condition else ""
        return f"{self.number}: {where}{condition}, hit {self.hits} times"


_ALIASES = {
    "b": "break",
    "cl": "clear",
    "c": "continue",
    "cont": "continue",
    "s": "step",
    "n": "next",
    "r": "return",
    "unt": "until",
    "w": "where",
    "bt": "where",
    "u": "up",
    "d": "down",
    "p": "print",
    "l": "list",
    "ll": "longlist",
    "a": "args",
    "q": "quit",
    "exit": "quit",
}


class Debugger:
    """The debugger: a trace function with a command loop where it stops.

    *script* is the path of the program as compiled (its code's
    ``co_filename``); *commands* and *output* are the session's input and
    transcript. :meth:`run` runs a module code object under it, on CPython
    or on the VM, and returns the exit status.
    """

    def __init__(self, script: str, commands: TextIO, output: TextIO) -> None:
        self.script = script
        self.commands = commands
        self.output = output
        self.breakpoints: list[Breakpoint] = []
        self.displays: dict[CodeType, dict[str, str]] = {}
        self._next_number = 1
        self._mode = "step"
        self._stop_frame: Any = None
        self._until_line = 0
        self._frames: list[tuple[Any, int | None]] = []
        self._index = 0
        self._listed_to = 0
        self._function_stops: set[int] = set()
        self._raised: dict[int, tuple[BaseException, list[tuple[Any, int | None]]]] = {}
        self._main_code: CodeType | None = None

    # --- running --------------------------------------------------------------

    def run(
        self, code: CodeType, namespace: dict[str, Any], *, vm: bool = False
    ) -> int:
        """Run module *code* in *namespace* under the debugger; return the exit status.

        An exception that escapes the program starts post-mortem debugging
        at the frame that raised it.
        """
        self._main_code = code
        try:
            if vm:
                from pyinternals.vm.machine import VirtualMachine

                machine = VirtualMachine()
                machine.tracer.settrace(self._trace_call)
                try:
                    machine.run_code(code, namespace)
                finally:
                    machine.tracer.settrace(None)
            else:
                sys.settrace(self._trace_call)
                try:
                    exec(code, namespace)
                finally:
                    sys.settrace(None)
        except _Quit:
            return 0
        except SystemExit as exit_:
            self._say(f"The program exited with {exit_.code!r}.")
            return exit_.code if isinstance(exit_.code, int) else 1
        except Exception as exception:
            self._post_mortem(exception)
            return 1
        self._say("The program finished.")
        return 0

    def _post_mortem(self, exception: BaseException) -> None:
        summary = traceback.format_exception_only(type(exception), exception)
        self._say(summary[-1].rstrip())
        self._say("Uncaught exception. Entering post mortem debugging")
        raised = self._raised.get(id(exception))
        if raised is None or raised[0] is not exception:
            return
        self._mode = "post-mortem"
        with contextlib.suppress(_Quit):
            self._interact(raised[1])

    # --- the trace functions ---------------------------------------------------

    def _traced(self, code: CodeType) -> bool:
        filename = code.co_filename
        return filename == self.script or any(
            point.filename == filename for point in self.breakpoints
        )

    def _trace_call(self, frame: Any, event: str, arg: Any) -> Any:
        if not self._traced(frame.f_code):
            return None
        if any(
            point.function is not None
            and point.filename == frame.f_code.co_filename
            and point.line == frame.f_code.co_firstlineno
            and self._condition_holds(point, frame)
            for point in self.breakpoints
        ):
            self._function_stops.add(id(frame))
        return self._trace_local

    def _trace_local(self, frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            if self._stops_at_line(frame):
                self._interact(self._stack(frame))
        elif event == "return":
            self._function_stops.discard(id(frame))
            if frame is self._stop_frame and self._mode == "return":
                self._say("--Return--")
                self._interact(self._stack(frame), f"->{_short(arg)}")
            if frame is self._stop_frame:  # carry on in the caller
                caller = frame.f_back
                traced = caller is not None and self._traced(caller.f_code)
                self._stop_frame = caller if traced else None
        elif event == "exception":
            exception = arg[1]
            if id(exception) not in self._raised:
                if len(self._raised) > 32:
                    self._raised.clear()
                self._raised[id(exception)] = (exception, self._stack(frame))
        return self._trace_local

    def _stops_at_line(self, frame: Any) -> bool:
        if self._breakpoint_hit(frame):
            return True
        mode = self._mode
        if mode == "step":
            return True
        if mode in ("next", "until") and frame is self._stop_frame:
            return mode == "next" or frame.f_lineno >= self._until_line
        return mode in ("next", "until", "return") and self._stop_frame is None

    def _breakpoint_hit(self, frame: Any) -> bool:
        if id(frame) in self._function_stops:
            self._function_stops.discard(id(frame))
            hit = [p for p in self.breakpoints if p.function == frame.f_code.co_name]
        else:
            hit = [
                point
                for point in self.breakpoints
                if point.function is None
                and point.filename == frame.f_code.co_filename
                and point.line == frame.f_lineno
                and self._condition_holds(point, frame)
            ]
        for point in hit:
            point.hits += 1
        return bool(hit)

    def _condition_holds(self, point: Breakpoint, frame: Any) -> bool:
        if point.condition is None:
            return True
        try:
            return bool(eval(point.condition, frame.f_globals, frame.f_locals))
        except Exception:  # pdb counts a failing condition as true
            return True

    def _stack(self, frame: Any) -> list[tuple[Any, int | None]]:
        """Return the traced frames from the script's module frame to *frame*.

        Each comes with its line now, as a traceback keeps it: a post-mortem
        shows the lines where the exception passed, not where the frames
        ended.
        """
        stack = []
        while frame is not None:
            if self._traced(frame.f_code):
                stack.append((frame, frame.f_lineno))
            if frame.f_code is self._main_code:
                break
            frame = frame.f_back
        stack.reverse()
        return stack

    # --- the command loop -----------------------------------------------------

    def _interact(self, frames: list[tuple[Any, int | None]], note: str = "") -> None:
        """Show where the program stopped and run commands until one resumes it."""
        self._frames = frames
        self._index = len(frames) - 1
        self._listed_to = 0
        self._announce(note)
        self._show_displays()
        while True:
            self.output.write("(dbg) ")
            line = self.commands.readline()
            if not line:
                self._say("")
                raise _Quit
            line = line.strip()
            self._say(line)
            if not line:
                continue
            name, _, argument = line.partition(" ")
            name = _ALIASES.get(name, name)
            command: Callable[[str], bool] | None = getattr(self, f"_do_{name}", None)
            if command is None:
                self._say(f"*** Unknown command: {name}")
            elif command(argument.strip()):
                return

    @property
    def _frame(self) -> Any:
        return self._frames[self._index][0]

    @property
    def _line(self) -> int:
        return self._frames[self._index][1] or 0

    def _announce(self, note: str = "") -> None:
        frame = self._frame
        name = os.path.basename(frame.f_code.co_filename)
        self._say(f"> {name}({self._line}){frame.f_code.co_name}(){note}")
        text = linecache.getline(frame.f_code.co_filename, self._line)
        if text:
            self._say(f"-> {text.strip()}")

    def _show_displays(self) -> None:
        displays = self.displays.get(self._frame.f_code, {})
        for expression, old in displays.items():
            new = self._evaluate_repr(expression)
            if new != old:
                self._say(f"display {expression}: {new}  [old: {old}]")
                displays[expression] = new

    def _say(self, text: str) -> None:
        self.output.write(text + "\n")

    def _resume(self, mode: str) -> bool:
        if self._mode == "post-mortem":
            self._say("*** The program has ended (post mortem).")
            return False
        self._mode = mode
        self._stop_frame = self._frames[-1][0]
        return True

    # --- resuming commands ------------------------------------------------------

    def _do_continue(self, argument: str) -> bool:
        return self._resume("continue")

    def _do_step(self, argument: str) -> bool:
        return self._resume("step")

    def _do_next(self, argument: str) -> bool:
        return self._resume("next")

    def _do_return(self, argument: str) -> bool:
        return self._resume("return")

    def _do_until(self, argument: str) -> bool:
        current = self._frames[-1][1] or 0
        try:
            self._until_line = int(argument) if argument else current + 1
        except ValueError:
            self._say(f"*** Not a line number: {argument}")
            return False
        return self._resume("until")

    def _do_quit(self, argument: str) -> bool:
        raise _Quit

    # --- breakpoints --------------------------------------------------------------

    def _do_break(self, argument: str) -> bool:
        if not argument:
            for existing in self.breakpoints:
                self._say(existing.describe())
            return False
        location, _, condition = argument.partition(",")
        point = self._breakpoint_at(location.strip(), condition.strip() or None)
        if point is not None:
            self.breakpoints.append(point)
            self._say(f"Breakpoint {point.describe().split(',')[0]}")
        return False

    def _breakpoint_at(self, location: str, condition: str | None) -> Breakpoint | None:
        filename, line = self.script, location
        if ":" in location:
            filename, _, line = location.rpartition(":")
            filename = self._resolve(filename)
        if line.isdigit():
            number = self._next_number
            self._next_number += 1
            return Breakpoint(number, filename, int(line), condition)
        code = self._find_function(location)
        if code is None:
            self._say(f"*** No function or line: {location}")
            return None
        number = self._next_number
        self._next_number += 1
        return Breakpoint(
            number, code.co_filename, code.co_firstlineno, condition, code.co_name
        )

    def _resolve(self, filename: str) -> str:
        """Find *filename* as given, else beside the script (as pdb looks for it)."""
        if os.path.exists(filename):
            return os.path.abspath(filename)
        return os.path.join(os.path.dirname(self.script), filename)

    def _find_function(self, name: str) -> CodeType | None:
        """Find the function *name* among the script's code objects."""
        pending = [self._main_code] if self._main_code is not None else []
        while pending:
            code = pending.pop(0)
            if code.co_name == name or code.co_qualname == name:
                return code
            pending += [c for c in code.co_consts if isinstance(c, CodeType)]
        return None

    def _do_clear(self, argument: str) -> bool:
        if not argument:
            self.breakpoints.clear()
            self._say("Deleted all breakpoints")
            return False
        kept = [point for point in self.breakpoints if str(point.number) != argument]
        if len(kept) == len(self.breakpoints):
            self._say(f"*** No breakpoint numbered {argument}")
        else:
            self._say(f"Deleted breakpoint {argument}")
        self.breakpoints = kept
        return False

    # --- the stack ------------------------------------------------------------------

    def _do_where(self, argument: str) -> bool:
        for index, (frame, line) in enumerate(self._frames):
            marker = "> " if index == self._index else "  "
            name = os.path.basename(frame.f_code.co_filename)
            self._say(f"{marker}{name}({line}){frame.f_code.co_name}()")
        return False

    def _do_up(self, argument: str) -> bool:
        if self._index == 0:
            self._say("*** Oldest frame")
        else:
            self._index -= 1
            self._listed_to = 0
            self._announce()
        return False

    def _do_down(self, argument: str) -> bool:
        if self._index == len(self._frames) - 1:
            self._say("*** Newest frame")
        else:
            self._index += 1
            self._listed_to = 0
            self._announce()
        return False

    # --- looking at values and source ---------------------------------------------

    def _evaluate_repr(self, expression: str, pretty: bool = False) -> str:
        frame = self._frame
        try:
            value = eval(expression, frame.f_globals, frame.f_locals)
        except Exception as error:
            return f"*** {type(error).__name__}: {error}"
        return pprint.pformat(value) if pretty else repr(value)

    def _do_print(self, argument: str) -> bool:
        self._say(self._evaluate_repr(argument))
        return False

    def _do_pp(self, argument: str) -> bool:
        self._say(self._evaluate_repr(argument, pretty=True))
        return False

    def _do_display(self, argument: str) -> bool:
        displays = self.displays.setdefault(self._frame.f_code, {})
        if not argument:
            for expression, value in displays.items():
                self._say(f"{expression}: {value}")
            return False
        value = self._evaluate_repr(argument)
        displays[argument] = value
        self._say(f"display {argument}: {value}")
        return False

    def _do_locals(self, argument: str) -> bool:
        for name, value in sorted(self._frame.f_locals.items()):
            if not (name.startswith("__") and name.endswith("__")):
                self._say(f"{name} = {_short(value)}")
        return False

    def _do_args(self, argument: str) -> bool:
        info = inspect.getargvalues(self._frame)
        names = [*info.args, info.varargs, info.keywords]
        for name in names:
            if name is not None:
                self._say(f"{name} = {_short(info.locals.get(name))}")
        return False

    def _do_list(self, argument: str) -> bool:
        frame = self._frame
        current = self._line or 1
        first = self._listed_to + 1 if self._listed_to else max(current - 5, 1)
        lines = linecache.getlines(frame.f_code.co_filename)
        self._print_lines(lines[first - 1 : first + 10], first, current)
        self._listed_to = min(first + 10, len(lines))
        return False

    def _do_longlist(self, argument: str) -> bool:
        frame = self._frame
        if frame.f_code.co_name == "<module>":
            lines, first = linecache.getlines(frame.f_code.co_filename), 1
        else:
            lines, first = inspect.getsourcelines(frame.f_code)
        self._print_lines(lines, first, self._line)
        return False

    def _print_lines(self, lines: list[str], first: int, current: int) -> None:
        for number, text in enumerate(lines, first):
            marker = "->" if number == current else "  "
            flags = "B" if any(p.line == number for p in self.breakpoints) else " "
            self._say(f"{number:4} {flags}{marker} {text.rstrip()}".rstrip())


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line: debug a script on CPython or, with ``--vm``, the VM."""

    def debug(code: CodeType, namespace: dict[str, Any], on_the_vm: bool) -> int:
        debugger = Debugger(code.co_filename, sys.stdin, sys.stdout)
        return debugger.run(code, namespace, vm=on_the_vm)

    return run_script_tool(
        "python -m pyinternals.vm.debug",
        "Debug a script; commands are read from standard input.",
        argv,
        debug,
    )


if __name__ == "__main__":
    sys.exit(main())
