r"""The command line of ``python -m pyinternals.vm``: ``python``, on the VM.

::

    python -m pyinternals.vm [OPTIONS] SCRIPT [ARGS]    # python SCRIPT ARGS
    python -m pyinternals.vm [OPTIONS] -m MODULE [ARGS] # python -m MODULE ARGS
    python -m pyinternals.vm [OPTIONS] -c COMMAND [ARGS]
    python -m pyinternals.vm [OPTIONS]                  # the REPL

The options come before the program, as ``python``'s do; everything after
the script, the module or the command is the program's ``sys.argv[1:]``.

* ``--compiler cpython`` (the default) compiles with CPython's compiler;
  ``--compiler ours`` with Chapter 3's, so that the whole pipeline, from
  source text to execution, is Python code of this book;
* ``--vm-imports`` runs the bodies of the modules the program imports on
  the VM as well, compiled by the chosen compiler (functions run on the VM
  without it; see :mod:`pyinternals.vm.runner`).

:func:`parse_arguments` turns the words into an :class:`Invocation`;
:func:`main` carries it out.

>>> parse_arguments(["--compiler", "ours", "-m", "json.tool", "--indent", "2"])
Invocation(kind='module', target='json.tool', args=('--indent', '2'), compiler='ours', vm_imports=False)
"""  # noqa: E501

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Literal, cast

from pyinternals.compiler.differential import Compiler
from pyinternals.vm.repl import run_repl
from pyinternals.vm.runner import modules_on_the_vm, run_command, run_module, run_script

__all__ = ["Invocation", "Kind", "main", "parse_arguments"]

Kind = Literal["script", "module", "command", "repl"]
"""What the command line asks to run: a file, ``-m``, ``-c`` or the prompt."""


@dataclass(frozen=True)
class Invocation:
    """What the command line asks for: run a script, module, command, or the REPL.

    *target* is the script's path, the module's name or the command's text
    (empty for the REPL); *args* are the program's own arguments.
    """

    kind: Kind
    target: str
    args: tuple[str, ...]
    compiler: Compiler
    vm_imports: bool


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pyinternals.vm",
        usage="%(prog)s [--compiler {cpython,ours}] [--vm-imports]"
        " [-m MODULE | -c COMMAND | SCRIPT] [ARGS ...]",
        description="Run a Python program on the book's bytecode VM, as python"
        " runs it; with no program, start the VM's REPL.",
    )
    parser.add_argument(
        "--compiler",
        choices=("cpython", "ours"),
        default="cpython",
        help="who compiles the source: CPython's compiler or Chapter 3's",
    )
    parser.add_argument(
        "--vm-imports",
        action="store_true",
        help="run the bodies of imported modules on the VM too",
    )
    parser.add_argument("-m", dest="module", help="run a module as a script")
    parser.add_argument("-c", dest="command", help="run a program passed as a string")
    parser.add_argument("script", nargs="?", help="a Python file to run")
    return parser


def _split_options(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    """Cut *argv* where the program's own arguments begin.

    The options end after the script's path or the word following ``-m`` or
    ``-c`` (``-mNAME`` and ``-cTEXT`` included).
    """
    takes_value = {"--compiler", "-m", "-c"}
    index = 0
    while index < len(argv):
        word = argv[index]
        if word in takes_value:
            index += 2
            if word != "--compiler":
                return list(argv[:index]), list(argv[index:])
        elif word.startswith(("-m", "-c")) and not word.startswith("--"):
            return list(argv[: index + 1]), list(argv[index + 1 :])
        elif word.startswith("-") and word != "-":
            index += 1
        else:
            return list(argv[: index + 1]), list(argv[index + 1 :])
    return list(argv), []


def parse_arguments(argv: Sequence[str]) -> Invocation:
    """Read the command line (without the program name) into an :class:`Invocation`.

    Exits with status 2 and a usage message on a bad option, as
    :mod:`argparse` does.

    >>> parse_arguments(["prog.py", "--compiler", "ours"])
    Invocation(kind='script', target='prog.py', args=('--compiler', 'ours'), compiler='cpython', vm_imports=False)
    >>> parse_arguments([]).kind
    'repl'
    """  # noqa: E501
    options_words, args = _split_options(argv)
    parser = _parser()
    options = parser.parse_args(options_words)
    chosen = [
        (kind, value)
        for kind, value in (
            ("module", options.module),
            ("command", options.command),
            ("script", options.script),
        )
        if value is not None
    ]
    if len(chosen) > 1:
        parser.error("give one of -m MODULE, -c COMMAND and SCRIPT")
    kind, target = chosen[0] if chosen else ("repl", "")
    return Invocation(
        cast(Kind, kind),
        target,
        tuple(args),
        cast(Compiler, options.compiler),
        options.vm_imports,
    )


def _die_of_interrupt() -> int:
    """End as CPython does after an uncaught :class:`KeyboardInterrupt`.

    ``Modules/main.c`` (``exit_sigint``) kills the process with SIGINT, so
    that a shell sees a program stopped by Ctrl-C.
    """
    if hasattr(signal, "SIGINT") and hasattr(os, "kill"):
        sys.stdout.flush()
        sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    return 130


def main(argv: Sequence[str] | None = None) -> int:
    """Carry out the command line *argv* (default ``sys.argv[1:]``); give the status.

    :class:`SystemExit` raised by the program propagates, with its code.
    """
    invocation = parse_arguments(sys.argv[1:] if argv is None else argv)
    with ExitStack() as stack:
        if invocation.vm_imports:
            stack.enter_context(modules_on_the_vm(invocation.compiler))
        if invocation.kind == "script":
            status = run_script(invocation.target, invocation.args, invocation.compiler)
        elif invocation.kind == "module":
            status = run_module(invocation.target, invocation.args, invocation.compiler)
        elif invocation.kind == "command":
            status = run_command(
                invocation.target, invocation.args, invocation.compiler
            )
        else:
            status = run_repl(invocation.compiler)
    if status == 1 and isinstance(getattr(sys, "last_value", None), KeyboardInterrupt):
        return _die_of_interrupt()
    return status
