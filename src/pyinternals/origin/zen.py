"""Decode the Zen of Python from the ROT13 text kept by the ``this`` module.

``Lib/this.py`` stores the Zen (PEP 20) ROT13-encoded in the string ``this.s``
and builds the decoding table ``this.d`` with two nested loops before printing
the decoded text. This module rebuilds the decoder with ``str.maketrans`` and
splits the text into records. Chapter 1 checks it against ``codecs`` and
against what ``python -c "import this"`` prints.
"""

from __future__ import annotations

import contextlib
import io
import string
from dataclasses import dataclass

__all__ = ["ROT13", "Aphorism", "Zen", "decoded_this", "parse_zen", "rot13"]


def _rotated(alphabet: str, shift: int) -> str:
    """Return ``alphabet`` rotated left by ``shift`` letters."""
    return alphabet[shift:] + alphabet[:shift]


ROT13: dict[int, int] = str.maketrans(
    string.ascii_lowercase + string.ascii_uppercase,
    _rotated(string.ascii_lowercase, 13) + _rotated(string.ascii_uppercase, 13),
)
"""Translation table for ``str.translate``: each ASCII letter moved 13 places."""


def rot13(text: str) -> str:
    """Rotate every ASCII letter of ``text`` by 13 places; keep everything else.

    ROT13 is its own inverse, because 13 + 13 = 26 letters.

    >>> rot13("Ornhgvshy vf orggre guna htyl.")
    'Beautiful is better than ugly.'
    >>> rot13(rot13("Python 3.13!")) == "Python 3.13!"
    True
    """
    return text.translate(ROT13)


@dataclass(frozen=True)
class Aphorism:
    """One line of the Zen, with its position (counting from 1)."""

    number: int
    text: str


@dataclass(frozen=True)
class Zen:
    """The decoded Zen: its title line, its author and its aphorisms."""

    title: str
    author: str
    aphorisms: tuple[Aphorism, ...]


def parse_zen(text: str) -> Zen:
    r"""Split the decoded text of ``this.s`` into a :class:`Zen` record.

    The first non-blank line is the title, ``"The Zen of Python, by <author>"``;
    every following non-blank line is one aphorism.

    >>> zen = parse_zen("The Zen of Python, by Tim Peters\n\nA.\nB.\n")
    >>> zen.author, [a.text for a in zen.aphorisms]
    ('Tim Peters', ['A.', 'B.'])
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("no text to parse")
    title, *body = lines
    _, separator, author = title.rpartition(", by ")
    if not separator:
        raise ValueError(f"title line without an author: {title!r}")
    aphorisms = tuple(Aphorism(n, line) for n, line in enumerate(body, start=1))
    return Zen(title=title, author=author, aphorisms=aphorisms)


def decoded_this() -> str:
    """Return the Zen decoded by :func:`rot13` from ``this.s``.

    Importing ``this`` for the first time prints the Zen; the print is
    swallowed here so that only the returned text is seen.

    >>> decoded_this().splitlines()[0]
    'The Zen of Python, by Tim Peters'
    """
    with contextlib.redirect_stdout(io.StringIO()):
        import this
    return rot13(this.s)
