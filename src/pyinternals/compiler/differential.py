r"""Differential testing: run one program compiled both ways, compare what it does.

A compiler can differ from CPython's in the bytes it emits and still be
right (an instruction order the optimizer would also accept), or emit the
same bytes for most functions and still be wrong somewhere that matters.
The behavioural check is the one byterun made popular: compile a program
with CPython's compiler and with ours, run both on the same interpreter, and
demand the same printed output, the same value (for an expression) and the
same exception, type and message.

:func:`run` computes an :class:`Outcome`; :func:`assert_same` compares two;
:data:`~pyinternals.compiler.programs.PROGRAMS` is the corpus the tests run.

>>> assert_same("def f(n):\n    yield from range(n)\nprint(list(f(3)))\n")
>>> run("1/0", "eval", compiler="ours").error
'ZeroDivisionError: division by zero'
"""

import asyncio
import builtins
import io
import threading
import traceback
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass
from types import CodeType
from typing import Literal, TypeVar

from pyinternals.compiler.pipeline import compile as our_compile

__all__ = [
    "Compiler",
    "Outcome",
    "assert_same",
    "describe_failure",
    "outside_event_loop",
    "run",
]

_T = TypeVar("_T")

Compiler = Literal["cpython", "ours"]


@dataclass(frozen=True)
class Outcome:
    """What running a program did: its output, its value, its exception.

    *value* is the ``repr`` of an ``eval`` program's result (``None`` in
    ``exec`` mode); *error* is ``"Type: message"`` for an exception that
    escaped, else ``""``, and *line* the program line its traceback ends on.
    """

    stdout: str
    value: str | None
    error: str
    line: int | None = None


def _compile(source: str, mode: str, compiler: Compiler) -> CodeType:
    if compiler == "ours":
        return our_compile(source, "<program>", mode)
    code: CodeType = builtins.compile(source, "<program>", mode, dont_inherit=True)
    return code


def outside_event_loop(function: Callable[[], _T]) -> _T:
    """Call *function* where no ``asyncio`` event loop is running, as in a script.

    A program compared with CPython must start as ``python`` starts it. A
    notebook kernel (the book's cells run in one) keeps an event loop
    running in its thread, where ``asyncio.run`` refuses to start; when one
    is running here, *function* runs in a new thread instead, and its
    result, or its exception, is handed back.

    >>> outside_event_loop(lambda: asyncio.run(asyncio.sleep(0, "slept")))
    'slept'
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        loop_running = False
    else:
        loop_running = True
    if not loop_running:
        # called here, outside the handler: the program must not see the
        # RuntimeError above as the exception being handled
        return function()
    results: list[_T] = []
    errors: list[BaseException] = []

    def call() -> None:
        try:
            results.append(function())
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=call, name="outside the event loop")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]


def run(source: str, mode: str = "exec", *, compiler: Compiler) -> Outcome:
    r"""Compile *source* with *compiler*, run it in a fresh namespace, report.

    A :class:`SyntaxError` at compile time is an outcome like any other
    exception.

    >>> run("print('hi')", compiler="cpython")
    Outcome(stdout='hi\n', value=None, error='', line=None)
    """
    return outside_event_loop(lambda: _run(source, mode, compiler))


def _run(source: str, mode: str, compiler: Compiler) -> Outcome:
    output = io.StringIO()
    value: str | None = None
    error = ""
    line = None
    namespace: dict[str, object] = {"__name__": "__program__"}
    try:
        code = _compile(source, mode, compiler)
        with redirect_stdout(output):
            if mode == "eval":
                value = repr(eval(code, namespace))
            else:
                exec(code, namespace)
    except Exception as exception:  # the program's own failure is its outcome
        error, line = describe_failure(exception)
    return Outcome(output.getvalue(), value, error, line)


def describe_failure(exception: BaseException) -> tuple[str, int | None]:
    r"""Return an escaping exception as ``"Type: message"`` and its program line.

    The line is the last one of the traceback inside ``<program>``, the
    name every runner here compiles programs under (``None`` when no frame
    of the program is in the traceback).

    >>> try:
    ...     exec(compile("x = 1\n1 / 0", "<program>", "exec"))
    ... except ZeroDivisionError as error:
    ...     describe_failure(error)
    ('ZeroDivisionError: division by zero', 2)
    """
    error = "".join(traceback.format_exception_only(exception)).strip()
    frames = traceback.extract_tb(exception.__traceback__)
    lines = [frame.lineno for frame in frames if frame.filename == "<program>"]
    return error.splitlines()[-1], lines[-1] if lines else None


def assert_same(source: str, mode: str = "exec") -> None:
    """Check that *source* behaves the same compiled by CPython and by us.

    Raises :class:`AssertionError` naming both outcomes when they differ.
    """
    expected = run(source, mode, compiler="cpython")
    actual = run(source, mode, compiler="ours")
    if expected != actual:
        raise AssertionError(f"CPython's: {expected}\nours:      {actual}")
