"""Gradual typing, shown by running mypy on a module and on its untyped twin.

Type hints (PEP 484) are optional: a function without annotations is typed
``Any`` and mypy does not look inside calls to it. Chapter 1 takes a module of
this package, erases its function annotations with :func:`erase_annotations`,
adds the same bug to both versions and runs mypy (through ``mypy.api.run``) on
each with :func:`check`, to show which mistakes each version lets through.
mypy is imported only when :func:`check` runs; the package itself needs it
only for its tests and its book.
"""

from __future__ import annotations

import ast
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Diagnostic", "Report", "check", "erase_annotations", "parse_report"]

_MODULE = "example"

_LINE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+): (?P<severity>error|note): "
    r"(?P<message>.*?)(?:  \[(?P<code>[a-z-]+)\])?$"
)


@dataclass(frozen=True)
class Diagnostic:
    """One message from mypy about one line of the checked module."""

    line: int
    severity: str
    message: str
    code: str | None


@dataclass(frozen=True)
class Report:
    """What one mypy run said: its exit status, messages and summary line."""

    exit_status: int
    diagnostics: tuple[Diagnostic, ...]
    summary: str

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        """Return the diagnostics whose severity is ``error``."""
        return tuple(d for d in self.diagnostics if d.severity == "error")


class _AnnotationEraser(ast.NodeTransformer):
    """Drop the annotations of every function's parameters and return value."""

    def _erase(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> ast.FunctionDef | ast.AsyncFunctionDef:
        arguments = node.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        every += [arg for arg in (arguments.vararg, arguments.kwarg) if arg]
        for argument in every:
            argument.annotation = None
        node.returns = None
        self.generic_visit(node)
        return node

    visit_FunctionDef = _erase
    visit_AsyncFunctionDef = _erase


def erase_annotations(source: str) -> str:
    r"""Return ``source`` with the annotations of all functions removed.

    Annotated assignments (module constants, dataclass fields) are kept,
    since removing a field's annotation would remove the field.

    >>> print(erase_annotations("def twice(x: int, *, n: int = 2) -> int:\n"
    ...                         "    return x * n\n"))
    def twice(x, *, n=2):
        return x * n
    """
    return ast.unparse(_AnnotationEraser().visit(ast.parse(source))) + "\n"


def parse_report(stdout: str, exit_status: int) -> Report:
    r"""Turn mypy's normal output into a :class:`Report`.

    >>> report = parse_report(
    ...     'example.py:3: error: Unsupported operand types  [operator]\n'
    ...     'Found 1 error in 1 file (checked 1 source file)\n', 1)
    >>> report.errors
    (Diagnostic(line=3, severity='error', message='Unsupported operand types',
                code='operator'),)
    >>> report.summary
    'Found 1 error in 1 file (checked 1 source file)'
    """
    diagnostics = []
    summary = ""
    for line in stdout.splitlines():
        match = _LINE.match(line)
        if match is None:
            summary = line
            continue
        diagnostics.append(
            Diagnostic(
                line=int(match["line"]),
                severity=match["severity"],
                message=match["message"],
                code=match["code"],
            )
        )
    return Report(exit_status, tuple(diagnostics), summary)


def check(
    source: str, *, strict: bool = False, cache_dir: Path | None = None
) -> Report:
    r"""Run mypy on ``source`` saved as a module of its own, and report.

    ``strict`` adds ``--strict``. A shared ``cache_dir`` makes later runs
    faster; without one, each run uses and removes a fresh cache. No
    configuration file is read, so the result depends only on the arguments.

    >>> check("x: int = 'one'\n").errors[0].code
    'assignment'
    """
    from mypy import api

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "mypy.ini").write_text("[mypy]\n")
        module = folder / f"{_MODULE}.py"
        module.write_text(source)
        arguments = [
            "--config-file",
            str(folder / "mypy.ini"),
            "--cache-dir",
            str(cache_dir or folder / "cache"),
            "--no-color-output",
            "--no-pretty",
            "--show-error-codes",
            *(["--strict"] if strict else []),
            str(module),
        ]
        stdout, _stderr, exit_status = api.run(arguments)
    return parse_report(stdout, exit_status)
