"""Our disassembler and table decoders against :mod:`dis` and the code objects.

Each file is compiled with the builtin :func:`compile` and every code object
in it (nested ones included) is checked four ways:

* **text**: what our :func:`~pyinternals.compiler.disassembler.dis` prints
  for the code object alone (``depth=0``), plainly and with
  ``show_caches=True``, is the text :func:`dis.dis` prints;
* **records**: our :func:`~pyinternals.compiler.disassembler.get_instructions`
  yields the same records as :func:`dis.get_instructions`;
* **positions**: our decoding of ``co_linetable`` gives
  ``list(code.co_positions())`` and ``list(code.co_lines())``, and our
  decoding of ``co_exceptiontable`` the entries :mod:`dis` reports;
* **round trips**: both tables re-encoded by our encoders are the same bytes.

The oracle side uses :mod:`dis` freely; our side uses none of it.
"""

import dis as cpython_dis
import io
import types
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyinternals.compiler import disassembler, exceptiontable, linetable
from pyinternals.compiler.conformance.verdict import Verdict

__all__ = ["CodeTally", "compare", "compare_code", "tally"]


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _compiled(source: bytes, filename: str) -> types.CodeType | None:
    """Compile a file as CPython does; ``None`` when CPython refuses it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return compile(source, filename, "exec", dont_inherit=True)
        except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError):
            return None


def _first_line_difference(ours: str, theirs: str) -> str:
    for number, (mine, real) in enumerate(
        zip(ours.splitlines(), theirs.splitlines(), strict=False), 1
    ):
        if mine != real:
            return f"line {number}: {mine!r} != {real!r}"
    return f"{len(ours.splitlines())} lines != {len(theirs.splitlines())} lines"


def _text(show: object, code: types.CodeType, show_caches: bool) -> str:
    out = io.StringIO()
    show(code, file=out, depth=0, show_caches=show_caches)  # type: ignore[operator]
    return out.getvalue()


def _checks(code: types.CodeType) -> Iterator[str]:
    """Yield a description of each way our side differs on *code* alone."""
    for show_caches in (False, True):
        ours = _text(disassembler.dis, code, show_caches)
        theirs = _text(cpython_dis.dis, code, show_caches)
        if ours != theirs:
            option = " with show_caches" if show_caches else ""
            yield f"dis text{option}: {_first_line_difference(ours, theirs)}"
            break
    ours_records = [tuple(i) for i in disassembler.get_instructions(code)]
    their_records = [tuple(i) for i in cpython_dis.get_instructions(code)]
    if ours_records != their_records:
        pairs = zip(ours_records, their_records, strict=False)
        first = next(((a, b) for a, b in pairs if a != b), None)
        yield f"get_instructions: {first!r:.300}"
    positions = linetable.positions(code)
    if positions != list(code.co_positions()):
        yield "positions differ from co_positions()"
    if linetable.lines(code) != list(code.co_lines()):
        yield "lines differ from co_lines()"
    entries = exceptiontable.decode(code.co_exceptiontable)
    reported = [
        (e.start, e.end, e.target, e.depth, e.lasti)
        for e in cpython_dis._parse_exception_table(code)  # type: ignore[attr-defined]
    ]
    if [(2 * e.start, 2 * e.end, 2 * e.target, e.depth, e.lasti) for e in entries] != (
        reported
    ):
        yield "exception entries differ from dis's"
    spans = linetable.decode(code.co_linetable, code.co_firstlineno)
    if linetable.encode(spans, code.co_firstlineno) != code.co_linetable:
        yield "co_linetable does not round-trip"
    if exceptiontable.encode(entries) != code.co_exceptiontable:
        yield "co_exceptiontable does not round-trip"


def compare_code(code: types.CodeType) -> str:
    """Check one code object (not its nested ones); return the first difference.

    An empty string means all checks agree. Our side's exceptions count as
    differences.

    >>> compare_code(compile("x = [y async for y in z]", "<demo>", "exec",
    ...                      flags=0x2000))
    ''
    """
    where = f"{code.co_qualname} (line {code.co_firstlineno})"
    try:
        first = next(_checks(code), "")
    except Exception as error:  # a crash of ours is a difference, not a stop
        return f"{where}: {type(error).__name__}: {error}"
    return f"{where}: {first}" if first else ""


def _file_differences(
    source: bytes, filename: str
) -> tuple[bool, list[types.CodeType], list[str]]:
    top = _compiled(source, filename)
    if top is None:
        return False, [], []
    codes = list(_code_objects(top))
    return True, codes, [d for d in map(compare_code, codes) if d]


def compare(source: bytes, filename: str) -> Verdict:
    """Compare our disassembly and table decoding with CPython's on one file.

    The file agrees when every code object in it does; *detail* names the
    first code object that differs and how. A file CPython refuses has no
    code objects and agrees.

    The verdict also counts the code objects and gives, for each one that
    differs, the kind of check that failed as its reason.

    >>> import json
    >>> verdict = compare(Path(json.__file__).read_bytes(), json.__file__)
    >>> verdict.agrees, verdict.code_objects == verdict.code_agreed > 0
    (True, True)
    """
    try:
        accepted, codes, differences = _file_differences(source, filename)
    except Exception as error:
        return Verdict(False, True, f"{type(error).__name__}: {error}")
    total, agreed = len(codes), len(codes) - len(differences)
    if differences:
        detail = f"{len(differences)} of {total} code objects: {differences[0]}"
        reasons = tuple(_kind(difference) for difference in differences)
        return Verdict(False, True, detail, total, agreed, reasons)
    return Verdict(True, accepted, "", total, agreed)


def _kind(difference: str) -> str:
    """Reduce one code object's difference to its kind, for counting."""
    what = difference.split(": ", 1)[-1]
    return what.split(":", 1)[0][:60]


@dataclass
class CodeTally:
    """Figures over a corpus, counted by code object rather than by file."""

    files: int = 0
    code_objects: int = 0
    agreeing: int = 0
    differences: list[tuple[str, str]] = field(default_factory=list)


def tally(paths: Iterable[Path]) -> CodeTally:
    """Compare every code object of every file in *paths*; count them.

    >>> import json
    >>> report = tally([Path(json.__file__)])
    >>> report.code_objects == report.agreeing > 0
    True
    """
    report = CodeTally()
    for path in paths:
        report.files += 1
        _, codes, differences = _file_differences(path.read_bytes(), str(path))
        report.code_objects += len(codes)
        report.agreeing += len(codes) - len(differences)
        report.differences += [(str(path), d) for d in differences]
    return report
