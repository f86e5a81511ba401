"""The memory visualizer's command line: ``python -m pyinternals.runtime``.

Chapter 2 of the book. ``examine EXPR`` evaluates the Python expression
EXPR in a fresh namespace, prints what :func:`~pyinternals.runtime.examination.examine`
finds out about the resulting object and, with ``--graph``, writes its
object graph. Mistakes in the input end with a one-line message and a
non-zero exit status, not a traceback.
"""

from __future__ import annotations

import argparse
import builtins
import sys
from collections.abc import Sequence
from pathlib import Path

from pyinternals.runtime.examination import examine
from pyinternals.runtime.graph import object_graph
from pyinternals.runtime.render import GraphvizError, render_examination, write_graph

__all__ = ["main"]

EXIT_USAGE = 2
EXIT_FAILURE = 1


def _parser() -> argparse.ArgumentParser:
    """Build the argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m pyinternals.runtime",
        description="Inspect Python objects in memory (Chapter 2).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser(
        "examine",
        help="evaluate a Python expression and examine the object it returns",
        description=(
            "EVALUATE the Python expression EXPR with eval() in a fresh "
            "namespace (only builtins are available; run it only on input "
            "you trust) and print the resulting object's id, type, size, "
            "deep size, reference count and referents."
        ),
    )
    command.add_argument("expr", metavar="EXPR", help="a Python expression, evaluated")
    command.add_argument(
        "--graph",
        metavar="FILE",
        type=Path,
        help="also write the object graph to FILE (.svg, .png or .dot)",
    )
    command.add_argument(
        "--depth",
        metavar="N",
        type=int,
        help="follow at most N references from the object (graph default: 3)",
    )
    command.add_argument(
        "--type",
        metavar="NAME",
        dest="types",
        nargs="+",
        help="keep only referents whose type name is one of NAME ...",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with *argv* and return the exit status.

    >>> main(["examine", "(1.5, 'x')"])  # doctest: +ELLIPSIS
    tuple at 0x...
      size        56 bytes (sys.getsizeof)
    ...
    0
    >>> main(["examine", "(1.5,"])
    2
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.depth is not None and args.depth < 0:
        parser.error("--depth must be 0 or more")
    try:
        code = compile(args.expr, "<EXPR>", "eval")
    except SyntaxError as error:
        print(f"error: EXPR is not a Python expression: {error.msg}", file=sys.stderr)
        return EXIT_USAGE
    try:
        value = eval(code, {"__builtins__": builtins})
    except Exception as error:
        print(
            f"error: evaluating EXPR raised {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    print(render_examination(examine(value, max_depth=args.depth, types=args.types)))
    if args.graph is not None:
        depth = 3 if args.depth is None else args.depth
        graph = object_graph(value, max_depth=depth, types=args.types)
        try:
            write_graph(graph, args.graph)
        except (GraphvizError, ValueError, OSError) as error:
            print(f"error: cannot write {args.graph}: {error}", file=sys.stderr)
            return EXIT_FAILURE
        print(f"object graph of {len(graph.nodes)} objects written to {args.graph}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
