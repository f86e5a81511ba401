"""A small PEG parser generator: grammar file in, Python parser class out.

* :mod:`~.grammar` is the model a grammar is read into;
* :mod:`~.reader` reads the grammar notation;
* :mod:`~.generator` writes the parser's Python source;
* :mod:`~.runtime` is the base class the generated parser runs on;
* ``python -m pyinternals.compiler.pegen GRAMMAR -o OUT`` runs the lot.

It plays the part of CPython's ``Tools/peg_generator/pegen``.
"""

from pyinternals.compiler.pegen.generator import generate
from pyinternals.compiler.pegen.reader import GrammarError, read_grammar

__all__ = ["GrammarError", "generate", "generate_file", "read_grammar"]


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
