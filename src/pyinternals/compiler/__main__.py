"""``python -m pyinternals.compiler``: look at a file through our compiler.

* ``tokens FILE`` prints its tokens, as ``python -m tokenize -e`` does;
* ``ast FILE`` prints its tree, indented (``--positions`` adds positions);
* ``symtable FILE`` prints its scopes and the flags of every name;
* ``dis FILE`` compiles it with our compiler and prints the bytecode with
  our disassembler, as ``python -m dis FILE`` does with CPython's;
* ``show FILE`` shows the bytecode our compiler makes beside its source:
  source spans, stack depths, jump arrows, exception ranges (``--html OUT``
  writes a self-contained page, ``--function NAME`` picks one function);
* ``run FILE [ARGS]`` compiles it with our compiler and runs it on
  CPython, as ``python FILE ARGS`` does;
* ``tests [MODULE...]`` runs CPython's own test modules compiled by our
  compiler, against the same modules compiled by CPython's;
* ``speed [EVERY]`` times the front end against CPython's on every
  *EVERY*-th standard-library file (20 by default), as ``nox -s bench`` does.

``-`` reads standard input. A file the front end refuses gets CPython's
error report (file, line, the line itself and a caret) and exit status 1.
"""

import argparse
import io
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from tokenize import TokenError

from pyinternals.compiler import speed, testsuite, visualizer
from pyinternals.compiler.disassembler import dis
from pyinternals.compiler.parser import parse
from pyinternals.compiler.pipeline import compile as our_compile
from pyinternals.compiler.render import format_scopes, format_tokens, format_tree
from pyinternals.compiler.scopes import symtable
from pyinternals.compiler.script import run_file
from pyinternals.compiler.tokenizer import detect_encoding, tokenize_bytes

__all__ = ["main"]


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    with open(name, "rb") as file:
        return file.read()


def _show(command: str, source: bytes, filename: str, positions: bool) -> str:
    if command == "tokens":
        return format_tokens(tokenize_bytes(source))
    if command == "ast":
        return format_tree(parse(source, filename), positions=positions)
    if command == "dis":
        listing = io.StringIO()
        dis(our_compile(source, filename, "exec"), file=listing)
        return listing.getvalue().rstrip("\n")
    text = source.decode(detect_encoding(source))
    return format_scopes(symtable(text, filename, "exec"))


def _show_bytecode(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pyinternals.compiler show",
        description="Show the bytecode our compiler makes beside its source.",
    )
    parser.add_argument("file", help="a Python file, or - for standard input")
    parser.add_argument("--html", metavar="OUT", help="write an HTML page to OUT")
    parser.add_argument("--function", metavar="NAME", help="only this function")
    options = parser.parse_args(argv)
    filename = "<stdin>" if options.file == "-" else options.file
    try:
        source = _read(options.file)
    except OSError as error:
        parser.exit(1, f"{parser.prog}: {error}\n")
    try:
        output = visualizer.show(
            source,
            filename=filename,
            html=options.html is not None,
            function=options.function,
            compile_source=lambda data, name: our_compile(data, name, "exec"),
        )
    except SyntaxError as error:
        sys.stderr.write("".join(traceback.format_exception_only(error)))
        return 1
    except LookupError as error:
        parser.exit(1, f"{parser.prog}: {error}\n")
    if options.html is None:
        sys.stdout.write(output)
    else:
        Path(options.html).write_text(output, encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["speed"]:
        return speed.main(args[1:])
    if args[:1] == ["show"]:
        return _show_bytecode(args[1:])
    if args[:1] == ["tests"]:
        return testsuite.main(args[1:])
    if args[:1] == ["run"] and len(args) > 1:
        return run_file(args[1], args[2:])
    parser = argparse.ArgumentParser(
        prog="python -m pyinternals.compiler",
        description="Show a Python file's tokens, tree, symbol tables or bytecode;"
        " run it compiled by our compiler (run FILE [ARGS]), or run CPython's"
        " tests compiled by it (tests [MODULE...]).",
    )
    parser.add_argument("command", choices=("tokens", "ast", "symtable", "dis", "run"))
    parser.add_argument("file", help="a Python file, or - for standard input")
    parser.add_argument(
        "--positions", action="store_true", help="ast: show every node's position"
    )
    options = parser.parse_args(args)
    filename = "<stdin>" if options.file == "-" else options.file
    try:
        source = _read(options.file)
    except OSError as error:
        parser.exit(1, f"{parser.prog}: {error}\n")
    try:
        print(_show(options.command, source, filename, options.positions))
    except (SyntaxError, TokenError) as error:
        sys.stderr.write("".join(traceback.format_exception_only(error)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
