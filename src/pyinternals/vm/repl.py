r"""The VM's interactive loop: read, compile in ``single`` mode, run on the VM.

CPython's REPL (``Python/pythonrun.c``, ``PyRun_InteractiveLoopFlags``, and
from 3.13 the :mod:`_pyrepl` package) reads one statement at a time,
compiles it in ``single`` mode -- which makes an expression statement hand
its value to :data:`sys.displayhook`, the echo -- and runs it in the
namespace of ``__main__``. :class:`VMConsole` is :class:`code.InteractiveConsole`
with the running done by the VM: :mod:`codeop` says whether the lines typed
so far are complete, incomplete (ask for more with ``...``) or wrong, and a
complete input is compiled by the chosen compiler (``cpython`` or ``ours``)
and run on one :class:`~pyinternals.vm.machine.VirtualMachine`. An error is
printed and the session goes on; ``exit()`` or end of input ends it.

The niceties are pure functions, rendered separately:

* :func:`highlight` cuts source text into ``(text, style)`` pieces with our
  tokenizer (:func:`pyinternals.compiler.tokenizer.tokenize`) and
  :func:`render_ansi` paints them; on a terminal, without ``NO_COLOR``
  (:func:`wants_colour`), each line read is shown again painted
  (:func:`repaint_line`);
* :func:`completions` lists what :mod:`rlcompleter` proposes for a word in
  the session's namespace, the Tab key's answers;
* :func:`history_path` is where :mod:`readline` keeps the history between
  sessions, if :mod:`readline` exists.

>>> import io
>>> console = VMConsole(compiler="ours")
>>> lines = ["def square(n):", "    return n * n", "", "square(12)"]
>>> with contextlib.redirect_stdout(io.StringIO()) as out:
...     more = [console.push(line) for line in lines]
>>> more, out.getvalue()
([True, True, False, False], '144\n')
"""

from __future__ import annotations
import __future__

import builtins
import contextlib
import functools
import keyword
import operator
import os
import rlcompleter
import sys
from code import InteractiveConsole
from collections.abc import Iterator, Mapping
from pathlib import Path
from token import COMMENT, NAME, NUMBER, OP, STRING
from typing import Any, TextIO

from pyinternals.compiler.differential import Compiler
from pyinternals.compiler.tokenizer import tokenize
from pyinternals.vm.machine import VirtualMachine
from pyinternals.vm.runner import compile_with

__all__ = [
    "STYLES",
    "VMConsole",
    "completions",
    "highlight",
    "history_path",
    "render_ansi",
    "repaint_line",
    "run_repl",
    "wants_colour",
]

STYLES = {
    "keyword": "\x1b[1;34m",
    "builtin": "\x1b[36m",
    "string": "\x1b[32m",
    "number": "\x1b[33m",
    "comment": "\x1b[2;37m",
    "operator": "\x1b[35m",
    "definition": "\x1b[1;33m",
}
"""The ANSI colour of each style :func:`highlight` names."""

_RESET = "\x1b[0m"
_FUTURE_FLAGS = functools.reduce(
    operator.or_,
    (getattr(__future__, name).compiler_flag for name in __future__.all_feature_names),
)
_SOFT_KEYWORDS = frozenset(getattr(keyword, "softkwlist", ()))
_FSTRING_TYPES = frozenset(
    getattr(__import__("token"), name, -100)
    for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
)


def _style(kind: int, text: str, previous: str) -> str | None:
    if kind == NAME:
        if previous in ("def", "class"):
            return "definition"
        if keyword.iskeyword(text) or text in _SOFT_KEYWORDS:
            return "keyword"
        return "builtin" if hasattr(builtins, text) else None
    if kind == STRING or kind in _FSTRING_TYPES:
        return "string"
    return {NUMBER: "number", COMMENT: "comment", OP: "operator"}.get(kind)


def _line_offsets(source: str) -> list[int]:
    offsets = [0]
    for line in source.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    return offsets


def highlight(source: str) -> list[tuple[str, str | None]]:
    """Cut *source* into ``(text, style)`` pieces that join back into it.

    The style is a key of :data:`STYLES`, or ``None`` for plain text.
    Input the tokenizer cannot finish (an open bracket or string, as in an
    unfinished line) keeps the styles found so far; the rest is plain.

    >>> highlight("def f(x): return 'hi'  # greet")
    [('def', 'keyword'), (' ', None), ('f', 'definition'), ('(', 'operator'), ('x', None), (')', 'operator'), (':', 'operator'), (' ', None), ('return', 'keyword'), (' ', None), ("'hi'", 'string'), ('  ', None), ('# greet', 'comment')]
    >>> "".join(text for text, _ in highlight("print((1,"))
    'print((1,'
    """  # noqa: E501
    offsets = _line_offsets(source)
    pieces: list[tuple[str, str | None]] = []
    done = 0
    previous = ""
    try:
        for token in tokenize(source):
            start = offsets[token.start[0] - 1] + token.start[1]
            end = offsets[token.end[0] - 1] + token.end[1]
            style = _style(token.type, token.string, previous)
            if token.string.strip():
                previous = token.string
            if style is None or start < done or end > len(source):
                continue
            if start > done:
                pieces.append((source[done:start], None))
            pieces.append((source[start:end], style))
            done = end
    except (SyntaxError, ValueError, IndexError, Exception):
        # an unfinished input: keep what was coloured before the tokenizer gave up
        pass
    if done < len(source):
        pieces.append((source[done:], None))
    return pieces


def render_ansi(pieces: list[tuple[str, str | None]]) -> str:
    r"""Paint *pieces* with ANSI escape sequences (:data:`STYLES`).

    >>> render_ansi([("1", "number"), (" + x", None)])
    '\x1b[33m1\x1b[0m + x'
    """
    return "".join(
        text if style is None else f"{STYLES[style]}{text}{_RESET}"
        for text, style in pieces
    )


def repaint_line(prompt: str, line: str, width: int) -> str:
    r"""Return the escapes that show *line*, just typed after *prompt*, painted.

    The cursor goes up over the rows the typed line took (as many as its
    length needs at *width* columns), the rows are cleared, and the prompt
    and the painted line are written again.

    >>> repaint_line(">>> ", "1", 80)
    '\x1b[1A\r\x1b[J>>> \x1b[33m1\x1b[0m\n'
    """
    rows = max(1, -(-(len(prompt) + len(line)) // max(width, 1)))
    return f"\x1b[{rows}A\r\x1b[J{prompt}{render_ansi(highlight(line))}\n"


def wants_colour(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Say whether to colour what goes to *stream*: a terminal, and no ``NO_COLOR``.

    >>> import io
    >>> wants_colour(io.StringIO(), {})
    False
    """
    return (
        stream.isatty() and "NO_COLOR" not in environ and environ.get("TERM") != "dumb"
    )


def completions(namespace: dict[str, Any], text: str) -> list[str]:
    """Return what Tab completes *text* to in *namespace*, as :mod:`rlcompleter` does.

    >>> completions({"velocity": 3}, "velo")
    ['velocity']
    >>> completions({"velocity": 3}, "velocity.re")
    ['velocity.real']
    """
    completer = rlcompleter.Completer(namespace)
    found: list[str] = []
    for state in range(10_000):
        candidate = completer.complete(text, state)
        if candidate is None:
            break
        found.append(candidate)
    return found


def history_path(environ: Mapping[str, str]) -> Path:
    """Return the file that keeps the REPL's history between sessions.

    ``$XDG_CACHE_HOME/pyinternals/vm_history``, or under ``~/.cache``.

    >>> history_path({"XDG_CACHE_HOME": "/tmp/cache"}).as_posix()
    '/tmp/cache/pyinternals/vm_history'
    """
    cache = environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return Path(cache) / "pyinternals" / "vm_history"


class VMConsole(InteractiveConsole):
    """An interactive console whose inputs run on the VM.

    *compiler* compiles each complete input (in ``single`` mode);
    ``__future__`` imports stay in force for the inputs that follow, as in
    CPython's REPL. *colour* repaints each line typed on a terminal.
    """

    def __init__(
        self,
        compiler: Compiler = "cpython",
        namespace: dict[str, Any] | None = None,
        *,
        colour: bool = False,
    ) -> None:
        """Start a session in *namespace* (a fresh ``__main__`` one by default)."""
        if namespace is None:
            namespace = {"__name__": "__main__", "__doc__": None}
        namespace.setdefault("__builtins__", builtins)
        super().__init__(namespace, filename="<stdin>")
        self.compiler: Compiler = compiler
        self.machine = VirtualMachine()
        self.colour = colour
        self.interactive = sys.stdin.isatty()

    def runsource(
        self, source: str, filename: str = "<input>", symbol: str = "single"
    ) -> bool:
        """Compile and run *source*; return true if more lines are needed."""
        try:
            code = self.compile(source, filename, symbol)
        except (OverflowError, SyntaxError, ValueError):
            self.showsyntaxerror(filename)
            return False
        if code is None:
            return True
        if self.compiler == "ours":
            flags = self.compile.compiler.flags & _FUTURE_FLAGS
            try:
                code = compile_with("ours", source, filename, symbol, flags)
            except (OverflowError, SyntaxError, ValueError):
                self.showsyntaxerror(filename)
                return False
        self.runcode(code)
        return False

    def runcode(self, code: Any) -> None:
        """Run *code* on the session's VM; print an error and carry on."""
        try:
            self.machine.run_code(code, self.locals)
        except SystemExit:
            raise
        except BaseException:
            self.showtraceback()

    def raw_input(self, prompt: str = "") -> str:
        """Read a line: with :func:`input` on a terminal, else quietly from stdin.

        Without a terminal the prompt goes to standard error, as ``python -i``
        writes it, so standard output holds only what the session prints; the
        end of the input runs a block left open.
        """
        if self.interactive:
            line = input(prompt)
            if self.colour and line:
                width = os.get_terminal_size(sys.stdout.fileno()).columns
                sys.stdout.write(repaint_line(prompt, line, width))
                sys.stdout.flush()
            return line
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = sys.stdin.readline()
        if not line:
            if self.buffer:
                return ""  # the end of the input ends an open block first
            raise EOFError
        return line.rstrip("\n")


@contextlib.contextmanager
def _readline_session(namespace: dict[str, Any], path: Path) -> Iterator[None]:
    """Tab completion over *namespace* and history in *path*, if readline exists."""
    try:
        import readline
    except ImportError:
        yield
        return
    completer = rlcompleter.Completer(namespace)
    readline.set_completer(completer.complete)
    readline.parse_and_bind("tab: complete")
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(path)


def run_repl(compiler: Compiler = "cpython") -> int:
    """Run the REPL on standard input until ``exit()`` or its end; give the status.

    :class:`SystemExit` (``exit(3)``) propagates with its code.
    """
    console = VMConsole(compiler, colour=wants_colour(sys.stdout, os.environ))
    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"pyinternals VM (compiler: {compiler}); exit() or Ctrl-D to leave."
    )
    sys.ps1, sys.ps2 = ">>> ", "... "
    if console.interactive:
        with _readline_session(console.locals, history_path(os.environ)):
            console.interact(banner, exitmsg="")
    else:
        with contextlib.redirect_stdout(sys.stderr):
            print(banner)
        console.interact("", exitmsg="")
    return 0
