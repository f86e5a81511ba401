r"""The visualizer: a code object's bytecode beside the source it came from.

``dis`` lists instructions; the visualizer also says, for each one, which
piece of the source it was made from, how deep the value stack is before
and after it, where it jumps, and which exception handler takes over if it
raises. It works on any code object and the source text it was compiled
from, whether CPython's :func:`compile` made it or our own compiler did.

The work is split in three, as ``dis`` splits records from printing:

* :mod:`~pyinternals.compiler.visualizer.data` computes the annotations
  (:func:`annotate` gives an :class:`AnnotatedCode`);
* :mod:`~pyinternals.compiler.visualizer.text` renders them for a terminal
  (:func:`format_text`);
* :mod:`~pyinternals.compiler.visualizer.page` renders them as HTML, a
  whole page or a fragment for a notebook (:func:`html_page`,
  :func:`html_fragment`).

:func:`show` does all three steps for a file or a piece of source, as
``python -m pyinternals.compiler show FILE`` does.

>>> print(show("x = 1\n"))  # doctest: +NORMALIZE_WHITESPACE
== <module> (<source>, line 1) ==
...
    1 | x = 1
         2 0->1 LOAD_CONST 0 (1) 1
         4 1->0 STORE_NAME 0 (x) x
...
stack: deepest 1, needs 1, co_stacksize 1
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable
from pathlib import Path

from pyinternals.compiler.tokenizer import detect_encoding
from pyinternals.compiler.visualizer import data, page, text
from pyinternals.compiler.visualizer.data import (
    AnnotatedCode,
    Arrow,
    HandlerRange,
    Row,
    SourceSpan,
    SourceText,
    annotate,
    stack_depths,
)
from pyinternals.compiler.visualizer.page import html_fragment, html_page
from pyinternals.compiler.visualizer.text import format_code, format_text

__all__ = [
    "AnnotatedCode",
    "Arrow",
    "CompileSource",
    "HandlerRange",
    "Row",
    "SourceSpan",
    "SourceText",
    "annotate",
    "annotate_source",
    "compile_with_cpython",
    "data",
    "find_code",
    "format_code",
    "format_text",
    "html_fragment",
    "html_page",
    "page",
    "show",
    "stack_depths",
    "text",
]

CompileSource = Callable[[bytes, str], types.CodeType]
"""A compiler: source bytes and a file name in, a module's code object out."""


def compile_with_cpython(source: bytes, filename: str) -> types.CodeType:
    """Compile module source with the running interpreter's :func:`compile`.

    Future imports of the caller are not inherited (``dont_inherit``).

    >>> compile_with_cpython(b"x = 1", "demo.py").co_filename
    'demo.py'
    """
    return compile(source, filename, "exec", dont_inherit=True)


def find_code(code: AnnotatedCode, name: str) -> AnnotatedCode:
    r"""Find the nested code object called *name*: a qualified name or a name.

    A qualified name (``Outer.method``, ``f.<locals>.g``) is looked for
    first; a plain name must then belong to exactly one code object.
    :exc:`LookupError` says which names there are when none fits, or which
    ones are meant when several do.

    >>> module = annotate_source("class A:\n    def run(self): pass\n")
    >>> find_code(module, "run").code.co_qualname
    'A.run'
    """
    everything = list(code.walk())
    for item in everything:
        if item.code.co_qualname == name:
            return item
    matches = [item for item in everything if item.code.co_name == name]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = ", ".join(item.code.co_qualname for item in matches)
        raise LookupError(f"{name!r} is ambiguous: {names}")
    names = ", ".join(item.code.co_qualname for item in everything[1:])
    raise LookupError(f"no code object named {name!r}; there are: {names or 'none'}")


def _read(
    source: str | bytes | os.PathLike[str], filename: str | None
) -> tuple[bytes, str]:
    if isinstance(source, os.PathLike):
        path = Path(source)
        return path.read_bytes(), filename or str(path)
    if isinstance(source, str):
        return source.encode("utf-8"), filename or "<source>"
    return bytes(source), filename or "<source>"


def annotate_source(
    source: str | bytes | os.PathLike[str],
    *,
    filename: str | None = None,
    function: str | None = None,
    compile_source: CompileSource = compile_with_cpython,
) -> AnnotatedCode:
    r"""Compile *source* and annotate its code, or the code of one *function*.

    *source* is a path (anything :class:`os.PathLike`), source text
    (``str``) or source bytes, whose encoding declaration is honoured.
    *filename* names it in the code objects (the path by default, else
    ``<source>``). *compile_source* makes the module's code object from the
    bytes and the file name; CPython's :func:`compile` by default. With
    *function*, the result is that code object's annotation (see
    :func:`find_code`), children included.

    >>> code = annotate_source("def f(x):\n    return x\n", function="f")
    >>> [row.opname for row in code.rows][-2:]
    ['LOAD_FAST', 'RETURN_VALUE']
    """
    data, name = _read(source, filename)
    module = compile_source(data, name)
    text = data.decode(detect_encoding(data))
    annotated = annotate(module, text)
    return annotated if function is None else find_code(annotated, function)


def show(
    source: str | bytes | os.PathLike[str],
    *,
    html: bool = False,
    function: str | None = None,
    filename: str | None = None,
    compile_source: CompileSource = compile_with_cpython,
    width: int = 100,
) -> str:
    """Return the annotated bytecode of *source*: text, or with *html* a web page.

    The arguments are those of :func:`annotate_source`; the code objects
    nested in the one shown are shown too. Text lines are at most *width*
    characters long. :exc:`SyntaxError` if the source does not compile,
    :exc:`LookupError` if *function* names no code object.

    >>> page = show("def f(): pass", html=True, function="f")
    >>> page.startswith("<!DOCTYPE html>"), page.count("<section")
    (True, 1)
    """
    annotated = annotate_source(
        source, filename=filename, function=function, compile_source=compile_source
    )
    if html:
        return html_page(annotated)
    return format_text(annotated, width=width)
