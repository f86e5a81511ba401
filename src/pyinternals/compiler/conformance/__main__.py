"""``python -m pyinternals.compiler.conformance``: the compiler's figures.

Runs the chosen parts (the front end's by default; ``bytecode`` and
``disasm`` for the back end) over every ``.py`` file of the running
interpreter's standard library (or every *n*-th with ``--every``), prints
how many agree with CPython and lists every disagreement. With ``--check``
the exit status is 1 when a part misses the acceptance bar of its Chapter 3
issue.
"""

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict

from pyinternals.compiler.conformance.corpus import sample, stdlib_files, stdlib_root
from pyinternals.compiler.conformance.runner import (
    FRONT_END,
    PARTS,
    PartReport,
    SyntaxReport,
    render,
    run_part,
    run_syntax,
)

__all__ = ["main", "shortfalls"]

BARS = {"tokens": 1.0, "trees": 0.995, "scopes": 1.0, "constants": 1.0}
"""The share of accepted files each front-end part must agree on (issue 4)."""
CODE_BARS = {"bytecode": 0.8, "disasm": 1.0}
"""The share of code objects each back-end part must agree on (issue 5)."""
SYNTAX_BAR = 0.9


def shortfalls(reports: Sequence[PartReport], syntax: SyntaxReport | None) -> list[str]:
    """Say which acceptance bars the figures miss.

    >>> shortfalls([PartReport("trees", 1000, 1000, 996, 3, 3)], None)
    []
    >>> shortfalls([PartReport("scopes", 10, 10, 9, 0, 0)], None)
    ['scopes: 9/10 accepted files agree, below 100.0%']
    """
    missed = []
    for r in reports:
        if r.part in CODE_BARS:
            share = r.code_agreed / r.code_objects if r.code_objects else 1.0
            if share < CODE_BARS[r.part]:
                missed.append(
                    f"{r.part}: {r.code_agreed}/{r.code_objects} code objects agree,"
                    f" below {100 * CODE_BARS[r.part]:.1f}%"
                )
            refused = sum(n for why, n in r.reasons.items() if why.startswith("ours "))
            if refused:
                missed.append(f"{r.part}: ours failed on {refused} code objects")
        elif r.agreement < BARS[r.part]:
            missed.append(
                f"{r.part}: {r.agreed}/{r.accepted} accepted files agree,"
                f" below {100 * BARS[r.part]:.1f}%"
            )
        if r.rejected_agreed < r.rejected:
            missed.append(
                f"{r.part}: {r.rejected - r.rejected_agreed} files CPython"
                " rejects are not rejected alike"
            )
    if syntax is not None:
        matched, total = syntax.front_end
        if total and matched / total < SYNTAX_BAR:
            missed.append(f"syntax: {matched}/{total} messages match, below 90%")
    return missed


def main(argv: Sequence[str] | None = None) -> int:
    """Run the conformance check from the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m pyinternals.compiler.conformance", description=__doc__
    )
    parser.add_argument(
        "parts",
        nargs="*",
        metavar="PART",
        help=f"some of {', '.join([*PARTS, 'syntax'])} (default: the front end's)",
    )
    parser.add_argument("--every", type=int, default=1, help="take every n-th file")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, default=0, help="cap each list (0: all)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--check", action="store_true", help="fail below the bars")
    options = parser.parse_args(argv)
    chosen = options.parts or [*FRONT_END, "syntax"]
    unknown = set(chosen) - {*PARTS, "syntax"}
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")

    root = stdlib_root()
    files = sample(stdlib_files(root), options.every)
    reports = [
        run_part(part, files, jobs=options.jobs, root=root)
        for part in chosen
        if part in PARTS
    ]
    syntax = run_syntax() if "syntax" in chosen else None
    print(render(reports, syntax, limit=options.limit))
    if options.json:
        figures = {
            "version": list(sys.version_info[:3]),
            "parts": [asdict(r) for r in reports],
            "syntax": None
            if syntax is None
            else {"by_stage": syntax.by_stage, "matched": syntax.matched},
        }
        with open(options.json, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=2)
    missed = shortfalls(reports, syntax)
    for line in missed:
        print(f"below the bar: {line}", file=sys.stderr)
    return 1 if options.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
