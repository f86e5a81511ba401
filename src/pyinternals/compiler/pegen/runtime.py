"""The base class of generated parsers: the token cursor and its helpers.

A generated parser is a class with one method per grammar rule.  A method
either returns the rule's value and leaves the cursor (``self._pos``) after
what it consumed, or returns ``None`` and leaves the cursor where it was:
that invariant is all the backtracking a PEG parser needs.  This class keeps
the token list and provides what the generated methods call: token tests,
lookaheads, and the seed-growing loop for left-recursive rules.  CPython's
equivalents are ``Parser/pegen.c`` (``_PyPegen_expect_token``,
``_PyPegen_lookahead``, ``_PyPegen_is_memoized``) and the Python runtime of
the generator, ``Tools/peg_generator/pegen/parser.py``.

Tokens arrive as :class:`tokenize.TokenInfo` records with a parallel list of
*kinds*: the string a grammar uses to match the token (``'if'`` or ``'('``
for keywords and operators, ``NAME``, ``NUMBER``, ``NEWLINE``... for the
others), so that matching a token is one list lookup and one string
comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from tokenize import TokenInfo
from typing import Any

__all__ = ["LAYOUT_KINDS", "Memo", "Parser"]

Memo = dict[int, tuple[Any, int]]
"""A rule's packrat table: start position -> (value or None, end position)."""

LAYOUT_KINDS = frozenset({"NEWLINE", "INDENT", "DEDENT", "ENDMARKER"})
"""Token kinds that never end a node (CPython's last non-whitespace token)."""


class Parser:
    """A cursor over a token list, for generated rule methods to drive.

    >>> from tokenize import NAME, TokenInfo
    >>> tok = TokenInfo(NAME, "x", (1, 0), (1, 1), "x")
    >>> end = TokenInfo(0, "", (2, 0), (2, 0), "")
    >>> parser = Parser([tok, end], ["NAME", "ENDMARKER"])
    >>> parser._expect("NAME").string, parser._pos
    ('x', 1)
    """

    def __init__(self, tokens: Sequence[TokenInfo], kinds: Sequence[str]) -> None:
        self._tokens = tokens
        self._kinds = kinds
        self._pos = 0
        #: One past the furthest token looked at (CPython's ``p->fill``):
        #: ``_tokens[_fill - 1]`` is where a failed parse reports its
        #: generic "invalid syntax".
        self._fill = 0
        #: CPython's second pass: alternatives that call ``invalid_*`` rules
        #: run only when this is true.
        self._call_invalid_rules = False
        ends = []
        last = tokens[0].start if tokens else (1, 0)
        for token, kind in zip(tokens, kinds, strict=True):
            if kind not in LAYOUT_KINDS:
                last = token.end
            ends.append(last)
        #: ``_ends[i]``: end of the last token at or before *i* that is not
        #: layout; a node's end position is ``_ends[pos - 1]``.
        self._ends = ends
        self._reset_memos()

    def _reset_memos(self) -> None:
        """Empty every packrat table (generated parsers override this)."""

    def _expect(self, kind: str) -> TokenInfo | None:
        """Consume and return the next token if it is of *kind*."""
        pos = self._pos
        if pos >= self._fill:
            self._fill = pos + 1
        if self._kinds[pos] == kind:
            self._pos = pos + 1
            return self._tokens[pos]
        return None

    def _expect_soft(self, word: str) -> TokenInfo | None:
        """Consume and return the next token if it is the name *word*."""
        pos = self._pos
        if self._kinds[pos] == "NAME" and self._tokens[pos].string == word:
            return self._expect("NAME")
        if pos >= self._fill:
            self._fill = pos + 1
        return None

    def _at_soft(self, word: str) -> bool:
        """Whether the next token is the name *word* (consumes nothing)."""
        pos = self._pos
        return self._kinds[pos] == "NAME" and self._tokens[pos].string == word

    def _soft_keyword(self) -> TokenInfo | None:
        """Consume the next token if it is any soft keyword."""
        pos = self._pos
        if self._kinds[pos] == "NAME" and self._tokens[pos].string in (
            self.SOFT_KEYWORDS
        ):
            return self._expect("NAME")
        return None

    SOFT_KEYWORDS: frozenset[str] = frozenset()
    """Names the grammar writes in double quotes (set by generated parsers)."""

    def _expect_forced(self, kind: str, shown: str) -> TokenInfo:
        """Consume a token of *kind*, or stop the parse: "expected *shown*"."""
        token = self._expect(kind)
        if token is None:
            bad = self._tokens[self._pos]
            self._raise_error(f"expected {shown}", bad.start, bad.end)
        assert token is not None
        return token

    def _raise_error(
        self, message: str, start: tuple[int, int], end: tuple[int, int]
    ) -> None:
        """Raise a :class:`SyntaxError` for *start*..*end* (byte columns).

        Subclasses override this to add the file name and source line.
        """
        raise SyntaxError(message, (None, start[0], start[1] + 1, None))

    def _positive(self, rule: Callable[[], Any]) -> bool:
        """Lookahead ``&rule``: whether *rule* matches here; consumes nothing."""
        pos = self._pos
        matched = rule() is not None
        self._pos = pos
        return matched

    def _negative(self, rule: Callable[[], Any]) -> bool:
        """Lookahead ``!rule``: whether *rule* fails here; consumes nothing."""
        pos = self._pos
        matched = rule() is not None
        self._pos = pos
        return not matched

    def _grow_seed(self, memo: Memo, alternatives: Callable[[], Any]) -> Any:
        """Parse a left-recursive rule by growing a seed.

        A left-recursive rule (``sum: sum '+' term | term``) would call
        itself forever at the same position.  Instead the memo table first
        records a *failure* for this position, so the inner call to
        ``sum`` fails and only the non-recursive alternative (``term``)
        matches: that is the seed.  The seed is stored in the memo and the
        alternatives are tried again: now the inner ``sum`` returns the
        seed, and ``sum '+' term`` can match a longer prefix.  The loop
        stops when a round no longer gets further than the previous one;
        the longest match wins.  This is Warth et al.'s technique as CPython
        uses it (``memoflag``/``left_rec`` in the C generator,
        ``memoize_left_rec`` in ``Tools/peg_generator/pegen/parser.py``).
        """
        start = self._pos
        memo[start] = (None, start)
        result: Any = None
        end = start
        while True:
            self._pos = start
            attempt = alternatives()
            reached = self._pos
            if attempt is None or reached <= end:
                break
            result, end = attempt, reached
            memo[start] = (result, end)
        self._pos = end
        return result
