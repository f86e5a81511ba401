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

import builtins
import io
import traceback
from contextlib import redirect_stdout
from dataclasses import dataclass
from types import CodeType
from typing import Literal

from pyinternals.compiler.pipeline import compile as our_compile

__all__ = ["Compiler", "Outcome", "assert_same", "describe_failure", "run"]

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


def run(source: str, mode: str = "exec", *, compiler: Compiler) -> Outcome:
    r"""Compile *source* with *compiler*, run it in a fresh namespace, report.

    A :class:`SyntaxError` at compile time is an outcome like any other
    exception.

    >>> run("print('hi')", compiler="cpython")
    Outcome(stdout='hi\n', value=None, error='', line=None)
    """
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
