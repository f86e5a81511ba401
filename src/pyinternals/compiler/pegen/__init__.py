"""A small PEG parser generator: grammar file in, Python parser class out.

* :mod:`~.grammar` is the model a grammar is read into;
* :mod:`~.reader` reads the grammar notation;
* :mod:`~.generator` writes the parser's Python source;
* :mod:`~.runtime` is the base class the generated parser runs on;
* ``python -m pyinternals.compiler.pegen GRAMMAR -o OUT`` runs the lot.

It plays the part of CPython's ``Tools/peg_generator/pegen``. For grammars
small enough to try out in a notebook, :func:`parser_class` generates and
loads a parser in one step, and :func:`token_kinds` prepares its input.
"""

import keyword
import tokenize
from collections.abc import Sequence
from typing import Any

from pyinternals.compiler.pegen import generator, grammar, reader, runtime
from pyinternals.compiler.pegen.generator import generate
from pyinternals.compiler.pegen.reader import GrammarError, read_grammar
from pyinternals.compiler.pegen.runtime import Memo, Parser

__all__ = [
    "GrammarError",
    "generate",
    "generate_file",
    "generator",
    "grammar",
    "parser_class",
    "read_grammar",
    "reader",
    "runtime",
    "token_kinds",
]


def generate_file(grammar_path: str, source_name: str | None = None) -> str:
    """Read the grammar file at *grammar_path*; return the parser's source.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "g.gram"
    >>> _ = path.write_text("start: NAME")
    >>> "def start(self)" in generate_file(str(path))
    True
    """
    with open(grammar_path, encoding="utf-8") as file:
        text = file.read()
    return generate(read_grammar(text), source_name or grammar_path)


def parser_class(grammar_text: str) -> type[Parser]:
    """Generate a parser from *grammar_text* and return its class, loaded.

    The grammar needs no ``@header``: the generated module is run with
    :class:`~.runtime.Parser`, ``Memo`` and ``Any`` already defined.

    >>> Names = parser_class("start: a=NAME+ ENDMARKER { [t.string for t in a] }")
    >>> tokens = list(tokenize.generate_tokens(iter(["x y"]).__next__))
    >>> tokens = [t for t in tokens if t.type != tokenize.NEWLINE]
    >>> Names(tokens, token_kinds(tokens)).start()
    ['x', 'y']
    """
    parsed = read_grammar(grammar_text)
    namespace: dict[str, Any] = {"Parser": Parser, "Memo": Memo, "Any": Any}
    exec(generate(parsed, "<parser_class>"), namespace)
    made: type[Parser] = namespace[parsed.metas.get("class", "GeneratedParser")]
    return made


def token_kinds(
    tokens: Sequence[tokenize.TokenInfo],
    keywords: frozenset[str] = frozenset(keyword.kwlist),
) -> list[str]:
    """Name each token as a grammar matches it: ``'if'``, ``'('``, or ``NAME``.

    Operators and *keywords* are matched by their text, other tokens by
    their type's name.

    >>> tokens = list(tokenize.generate_tokens(iter(["if x: y()"]).__next__))
    >>> token_kinds(tokens)[:6]
    ['if', 'NAME', ':', 'NAME', '(', ')']
    """
    kinds = []
    for token in tokens:
        if token.type == tokenize.OP or (
            token.type == tokenize.NAME and token.string in keywords
        ):
            kinds.append(token.string)
        else:
            kinds.append(tokenize.tok_name[token.type])
    return kinds
