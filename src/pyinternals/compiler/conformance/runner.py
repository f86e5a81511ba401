"""Run the front end's parts over a corpus and count where they agree.

The data (:class:`PartReport`, :class:`SyntaxReport`) is computed here and
rendered by :func:`render`; ``python -m pyinternals.compiler.conformance``
is the command-line face of both.
"""

import importlib
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pyinternals.compiler.conformance.syntax_errors import (
    FrontEnd,
    Rejection,
    Snippet,
    cpython_rejection,
    rejection_by,
    snippets,
)
from pyinternals.compiler.conformance.verdict import Verdict

__all__ = [
    "FRONT_END",
    "PARTS",
    "PartReport",
    "SyntaxReport",
    "check_file",
    "render",
    "run_part",
    "run_syntax",
]

PARTS = {
    "tokens": "the tokenizer, against tokenize.tokenize",
    "trees": "the parser, against ast.parse",
    "scopes": "the symbol tables, against symtable.symtable",
    "constants": "the optimizer, against CPython's constant folding",
    "bytecode": "the whole compiler, against compile(), code object by code object",
    "disasm": "the disassembler and table decoders, against dis and co_positions",
}
"""The parts, by the name of their module in this package, with what each
is compared with."""
FRONT_END = ("tokens", "trees", "scopes", "constants")
"""The parts of issue 4; the others judge the back end, code object by code
object."""

Compare = Callable[[bytes, str], Verdict]


@dataclass
class PartReport:
    """One part's figures over a corpus.

    ``accepted`` counts the files CPython's part accepts and ``agreed`` how
    many of those ours handled identically; ``rejected`` and
    ``rejected_agreed`` do the same for the files CPython refuses.
    """

    part: str
    files: int = 0
    accepted: int = 0
    agreed: int = 0
    rejected: int = 0
    rejected_agreed: int = 0
    seconds: float = 0.0
    code_objects: int = 0
    code_agreed: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    """For parts that judge code objects: how many, how many agree, and how
    many differ for each kind of reason."""
    disagreements: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    """Files that agree but whose verdict still names a difference (a
    refusal on the right line with another message, say)."""

    @property
    def agreement(self) -> float:
        """The share of accepted files on which ours agrees, from 0 to 1."""
        return self.agreed / self.accepted if self.accepted else 1.0

    def add(self, path: str, verdict: Verdict) -> None:
        """Count one file's *verdict*.

        >>> report = PartReport("tokens")
        >>> report.add("a.py", Verdict(True, True))
        >>> report.add("b.py", Verdict(False, False, "we accepted it"))
        >>> report.agreed, report.rejected, report.disagreements
        (1, 1, [('b.py', 'we accepted it')])
        """
        self.files += 1
        if verdict.cpython_accepts:
            self.accepted += 1
            self.agreed += verdict.agrees
        else:
            self.rejected += 1
            self.rejected_agreed += verdict.agrees
        self.code_objects += verdict.code_objects
        self.code_agreed += verdict.code_agreed
        for reason in verdict.reasons:
            self.reasons[reason] = self.reasons.get(reason, 0) + 1
        if not verdict.agrees:
            self.disagreements.append((path, verdict.detail))
        elif verdict.detail:
            self.notes.append((path, verdict.detail))


def _comparer(part: str) -> Compare:
    module = importlib.import_module(f"pyinternals.compiler.conformance.{part}")
    compare: Compare = module.compare
    return compare


def check_file(part: str, path: Path) -> Verdict:
    """Compare *part* with CPython's on the file at *path*.

    >>> import ast
    >>> check_file("tokens", Path(ast.__file__)).agrees
    True
    """
    return _comparer(part)(path.read_bytes(), str(path))


def _check_files(part: str, paths: Sequence[Path]) -> list[Verdict]:
    return [check_file(part, path) for path in paths]


def run_part(
    part: str, files: Sequence[Path], *, jobs: int = 1, root: Path | None = None
) -> PartReport:
    """Compare *part* with CPython's on every file in *files*.

    With *jobs* above one the files are shared among worker processes; the
    report names files relative to *root* when given.

    >>> import ast
    >>> report = run_part("tokens", [Path(ast.__file__)])
    >>> report.files, report.agreed
    (1, 1)
    """
    report = PartReport(part)
    start = time.perf_counter()
    chunks = [list(files[i::jobs]) for i in range(jobs)] if jobs > 1 else [list(files)]
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            results = list(pool.map(_check_files, [part] * len(chunks), chunks))
    else:
        results = [_check_files(part, chunks[0])]
    verdicts = {
        path: verdict
        for chunk, chunk_verdicts in zip(chunks, results, strict=True)
        for path, verdict in zip(chunk, chunk_verdicts, strict=True)
    }
    for path in files:
        name = str(path.relative_to(root)) if root else str(path)
        report.add(name, verdicts[path])
    report.seconds = time.perf_counter() - start
    return report


@dataclass
class SyntaxReport:
    """Our messages against CPython's on ``test_syntax.py``'s snippets.

    ``by_stage`` counts CPython's refusals per stage (parser, symtable,
    compiler); ``matched`` counts, per stage, the snippets ours refuses with
    the same class and message. The front end answers for the parser and
    symtable stages; the compiler stage belongs to the back end.
    """

    snippets: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    matched: dict[str, int] = field(default_factory=dict)
    mismatches: list[tuple[Snippet, Rejection, Rejection | None]] = field(
        default_factory=list
    )

    @property
    def front_end(self) -> tuple[int, int]:
        """Matched and total refusals of the parser and symtable stages."""
        stages = ("parser", "symtable")
        return (
            sum(self.matched.get(s, 0) for s in stages),
            sum(self.by_stage.get(s, 0) for s in stages),
        )


def _our_stages(*, compiler: bool = False) -> list[tuple[str, FrontEnd]]:
    from pyinternals.compiler.parser import parse
    from pyinternals.compiler.pipeline import compile as our_compile
    from pyinternals.compiler.scopes import symtable

    stages: list[tuple[str, FrontEnd]] = [("parser", parse), ("symtable", symtable)]
    return [*stages, ("compiler", our_compile)] if compiler else stages


def run_syntax(
    stages: list[tuple[str, FrontEnd]] | None = None, *, compiler: bool = False
) -> SyntaxReport:
    """Run ``test_syntax.py``'s snippets through *stages* (ours by default).

    Our default stages are the front end's, the parser and the symbol
    table; with *compiler*, the code generator too, which refuses what only
    it can see (``'return' outside function``...).
    """
    ours = stages or _our_stages(compiler=compiler)
    report = SyntaxReport()
    for snippet in snippets():
        expected = cpython_rejection(snippet)
        if expected is None:
            continue
        report.snippets += 1
        report.by_stage[expected.stage] = report.by_stage.get(expected.stage, 0) + 1
        try:
            got = rejection_by(ours, snippet)
        except Exception as error:  # a crash of ours is a mismatch, not a stop
            got = Rejection("crash", type(error).__name__, str(error), None, None)
        if got is not None and got.same_message(expected):
            report.matched[expected.stage] = report.matched.get(expected.stage, 0) + 1
        else:
            report.mismatches.append((snippet, expected, got))
    return report


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "n/a"


def render(
    reports: Sequence[PartReport], syntax: SyntaxReport | None, *, limit: int = 0
) -> str:
    """Render the figures as text; *limit* caps each list of differences (0: all).

    >>> print(render([PartReport("tokens", 2, 2, 2)], None))  # doctest: +ELLIPSIS
    Python 3...
    tokens     2/2 accepted files agree (100.00%);
    0/0 rejected files rejected alike; 0.0 s
    """
    version = ".".join(map(str, sys.version_info[:3]))
    lines = [
        f"Python {version}: our compiler's parts against CPython's on the standard"
        " library"
    ]
    for r in reports:
        lines.append(
            f"{r.part:<10} {r.agreed}/{r.accepted} accepted files agree "
            f"({_percent(r.agreed, r.accepted)}); {r.rejected_agreed}/{r.rejected}"
            f" rejected files rejected alike; {r.seconds:.1f} s"
        )
        if r.code_objects:
            lines.append(
                f"{'':<10} {r.code_agreed}/{r.code_objects} code objects agree "
                f"({_percent(r.code_agreed, r.code_objects)})"
            )
            ranked = sorted(r.reasons.items(), key=lambda item: (-item[1], item[0]))
            for reason, count in ranked[: limit or len(ranked)]:
                lines.append(f"    {count:>6} x {reason}")
        shown = r.disagreements[:limit] if limit else r.disagreements
        lines.extend(f"    {path}: {detail}" for path, detail in shown)
        if len(shown) < len(r.disagreements):
            lines.append(f"    ... and {len(r.disagreements) - len(shown)} more")
        lines.extend(f"    (agrees, but) {path}: {detail}" for path, detail in r.notes)
    if syntax is not None:
        matched, total = syntax.front_end
        lines.append(
            f"{'syntax':<10} {matched}/{total} of test_syntax's parser and symtable"
            f" refusals get CPython's message ({_percent(matched, total)}); "
            f"{syntax.by_stage.get('compiler', 0)} more are the compiler's"
        )
        if "compiler" in syntax.matched:
            lines.append(
                f"{'':<10} {syntax.matched['compiler']}/"
                f"{syntax.by_stage.get('compiler', 0)} of the compiler's get"
                " CPython's message from ours"
            )
        shown_mismatches = [m for m in syntax.mismatches if m[1].stage != "compiler"]
        if limit:
            shown_mismatches = shown_mismatches[:limit]
        for snippet, expected, got in shown_mismatches:
            ours = f"{got.error}: {got.message}" if got else "accepted"
            lines.append(
                f"    test_syntax.py:{snippet.origin}: CPython {expected.error}: "
                f"{expected.message!r}; ours {ours!r}"
            )
    return "\n".join(lines)
