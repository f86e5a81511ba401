"""Command line: ``python -m pyinternals.compiler.pegen GRAMMAR -o OUT``."""

import argparse
import os

from pyinternals.compiler.pegen import generate_file

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Generate the parser for a grammar file; return the exit status.

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "g.gram").write_text("start: NAME")
    >>> main([str(folder / "g.gram"), "-o", str(folder / "out.py")])
    0
    """
    parser = argparse.ArgumentParser(prog="python -m pyinternals.compiler.pegen")
    parser.add_argument("grammar", help="the grammar file")
    parser.add_argument("-o", "--output", required=True, help="the module to write")
    args = parser.parse_args(argv)
    source = generate_file(args.grammar, os.path.basename(args.grammar))
    with open(args.output, "w", encoding="utf-8") as file:
        file.write(source)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
