"""CPython's own invalid snippets, and whether our front end rejects them alike.

``Lib/test/test_syntax.py`` collects the programs CPython must refuse: a
long doctest whose examples are compiled in ``"single"`` mode, and test
methods that call ``self._check_error(code, pattern, mode=...)``. This module
extracts both kinds of snippet from the running interpreter's copy of the
file, asks CPython where and how it refuses each one, and asks our front end
the same question.

CPython refuses a program in one of three stages, and the stage decides which
part of our rebuild is answerable for the message:

* ``"parser"``: :func:`ast.parse` raises (tokenizer and PEG parser, with the
  second pass of ``invalid_*`` rules that writes the helpful messages);
* ``"symtable"``: the tree is fine but :func:`symtable.symtable` raises
  (``Python/symtable.c``: ``global``/``nonlocal`` misuse and the like);
* ``"compiler"``: only code generation refuses it (``'break' outside loop``
  and friends, ``Python/compile.c``), which is the back end's business.
"""

import ast
import doctest
import symtable as cpython_symtable
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent

from pyinternals.compiler.conformance.corpus import stdlib_root

__all__ = [
    "FrontEnd",
    "Rejection",
    "Snippet",
    "cpython_rejection",
    "rejection_by",
    "snippets",
    "syntax_test_file",
]

FrontEnd = Callable[[str, str, str], object]
"""A front end: called as ``front_end(source, filename, mode)``, it raises
:class:`SyntaxError` for a program it refuses."""

FILENAME = "<snippet>"


@dataclass(frozen=True)
class Snippet:
    """One invalid program from ``test_syntax.py``.

    *origin* is its line in that file, *mode* the :func:`compile` mode the
    test uses.
    """

    source: str
    mode: str
    origin: int


@dataclass(frozen=True)
class Rejection:
    """How a front end refused a snippet: the stage, the class and the message."""

    stage: str
    error: str
    message: str
    lineno: int | None
    offset: int | None

    def same_message(self, other: "Rejection") -> bool:
        """Say whether *other* is the same exception class with the same text.

        >>> a = Rejection("parser", "SyntaxError", "invalid syntax", 1, 5)
        >>> a.same_message(Rejection("parser", "SyntaxError", "invalid syntax", 2, 1))
        True
        """
        return (self.error, self.message) == (other.error, other.message)


def syntax_test_file() -> Path:
    """Return the running interpreter's ``Lib/test/test_syntax.py``.

    >>> syntax_test_file().name
    'test_syntax.py'
    """
    return stdlib_root() / "test" / "test_syntax.py"


def snippets(path: Path | None = None) -> list[Snippet]:
    """Extract the invalid snippets of ``test_syntax.py``, in file order.

    Doctest examples count when their expected output is a traceback;
    ``_check_error`` calls count when their code argument is a literal
    (possibly wrapped in ``dedent``), which is nearly all of them.

    >>> found = snippets()
    >>> len(found) > 300, {s.mode for s in found} >= {"single", "exec"}
    (True, True)
    """
    text = (path or syntax_test_file()).read_text(encoding="utf-8")
    found = list(_doctest_snippets(text)) + list(_check_error_snippets(text))
    return sorted(found, key=lambda s: s.origin)


def _parse_quietly(text: str) -> ast.Module:
    """Parse ``test_syntax.py`` itself, whose regexes warn about escapes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def _doctest_snippets(text: str) -> Iterator[Snippet]:
    docstring = ast.get_docstring(_parse_quietly(text), clean=False) or ""
    first_line = text.index(docstring.splitlines()[0]) if docstring else 0
    offset = text.count("\n", 0, first_line)
    for example in doctest.DocTestParser().get_examples(docstring):
        if example.exc_msg is not None:
            yield Snippet(example.source, "single", offset + example.lineno + 1)


def _check_error_snippets(text: str) -> Iterator[Snippet]:
    for node in ast.walk(_parse_quietly(text)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "_check_error"
            and node.args
        ):
            continue
        source = _literal_text(node.args[0])
        if source is None:
            continue
        mode = "exec"
        for keyword in node.keywords:
            if keyword.arg == "mode" and isinstance(keyword.value, ast.Constant):
                mode = str(keyword.value.value)
        yield Snippet(source, mode, node.lineno)


def _literal_text(node: ast.expr) -> str | None:
    """Evaluate a string literal, or ``dedent(literal)``; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name | ast.Attribute)
        and getattr(node.func, "id", getattr(node.func, "attr", "")) == "dedent"
        and len(node.args) == 1
    ):
        inner = _literal_text(node.args[0])
        return None if inner is None else dedent(inner)
    return None


def _refusal(stage: str, error: SyntaxError) -> Rejection:
    return Rejection(stage, type(error).__name__, error.msg, error.lineno, error.offset)


def _cpython_parse(source: str, filename: str, mode: str) -> object:
    return ast.parse(source, filename, mode)


def _cpython_symtable(source: str, filename: str, mode: str) -> object:
    return cpython_symtable.symtable(source, filename, mode)


def _cpython_compile(source: str, filename: str, mode: str) -> object:
    return compile(source, filename, mode, dont_inherit=True)


def rejection_by(
    stages: list[tuple[str, FrontEnd]], snippet: Snippet
) -> Rejection | None:
    r"""Run *snippet* through named *stages* in order; report the first refusal.

    Warnings are silenced (several snippets also warn). Any exception other
    than :class:`SyntaxError` propagates: it is a bug, not a refusal.

    >>> stages = [("parser", _cpython_parse)]
    >>> rejection_by(stages, Snippet("x = 1\n", "exec", 0)) is None
    True
    >>> rejection_by(stages, Snippet("x = = 1\n", "exec", 0)).message
    'invalid syntax'
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for stage, front_end in stages:
            try:
                front_end(snippet.source, FILENAME, snippet.mode)
            except SyntaxError as error:
                return _refusal(stage, error)
    return None


CPYTHON_STAGES: list[tuple[str, FrontEnd]] = [
    ("parser", _cpython_parse),
    ("symtable", _cpython_symtable),
    ("compiler", _cpython_compile),
]


def cpython_rejection(snippet: Snippet) -> Rejection | None:
    r"""Ask the running CPython where and how it refuses *snippet*.

    >>> refusal = cpython_rejection(Snippet("def f(x):\n global x\n", "exec", 0))
    >>> refusal.stage, refusal.message, refusal.lineno
    ('symtable', "name 'x' is parameter and global", 2)
    """
    return rejection_by(CPYTHON_STAGES, snippet)
