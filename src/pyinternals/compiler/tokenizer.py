"""Source text to tokens, the way CPython's tokenizers do it.

CPython has two tokenizers.  The parser reads tokens from a hand-written
state machine in C (``Parser/tokenizer.c``, function ``tok_get``, in 3.11;
``Parser/lexer/lexer.c``, functions ``tok_get_normal_mode`` and
``tok_get_fstring_mode``, from 3.12 on).  The :mod:`tokenize` module was a
separate, regular-expression driven tokenizer written in Python until 3.11;
from 3.12 on it is the C tokenizer again, run in an "extra tokens" mode that
also reports comments and blank lines.

This module rebuilds both as state machines over lines and characters:

* :class:`_Lexer` is the C tokenizer.  Its state is an indentation stack, a
  parenthesis stack, a flag saying whether the cursor is at the beginning of
  a line, and (3.12+) a stack of *modes*: the regular mode, and one f-string
  mode per f-string being read, so that ``f"a{x:>{w}}b"`` comes out as
  FSTRING_START, FSTRING_MIDDLE, OP, NAME, ... FSTRING_END.  Each call to
  :meth:`_Lexer._next_token` produces one token; small methods scan one kind
  of token each (names, numbers, strings, operators, f-string text).
* :class:`_PurePythonLexer` reproduces the 3.11 :mod:`tokenize` module, with
  its own rules: stray characters become ERRORTOKEN tokens instead of errors,
  and f-strings are single STRING tokens.

:func:`parser_tokens` is what CPython's parser sees; :func:`tokenize` and
:func:`tokenize_bytes` are what :mod:`tokenize` reports on the running
version; :func:`detect_encoding` applies PEP 263 to raw bytes.
"""

import codecs
import re
import sys
import warnings
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from token import (
    COMMENT,
    DEDENT,
    ENCODING,
    ENDMARKER,
    ERRORTOKEN,
    EXACT_TOKEN_TYPES,
    INDENT,
    NAME,
    NEWLINE,
    NL,
    NUMBER,
    OP,
    STRING,
)
from tokenize import TokenError, TokenInfo

__all__ = ["detect_encoding", "parser_tokens", "tokenize", "tokenize_bytes"]

_SPLITS_FSTRINGS = sys.version_info >= (3, 12)
"""From 3.12 on (PEP 701) the C tokenizer splits f-strings into parts."""

if sys.version_info >= (3, 12):
    from token import FSTRING_END, FSTRING_MIDDLE, FSTRING_START
else:  # the numbers are never produced before 3.12
    FSTRING_START, FSTRING_MIDDLE, FSTRING_END = -1, -2, -3

_new_token = tuple.__new__
"""Build a TokenInfo without the keyword-argument overhead of its __new__."""

_TABSIZE = 8
_MAX_INDENT = 100
_MAX_LEVEL = 200
_MAX_FSTRING_LEVEL = 150
_MAX_EXPR_NESTING = 3

_NAME_TAIL = re.compile(r"[A-Za-z0-9_\x80-\U0010ffff]*")
_SPACES = re.compile(r"[ \t\f]*")
_DIGITS = re.compile(r"[0-9]*")
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]*")
_OCT_DIGITS = re.compile(r"[0-7]*")
_BIN_DIGITS = re.compile(r"[01]*")
_COMMENT_BODY = re.compile(r"[^\r\n]*")
_STRING_PREFIX_CHARS = frozenset("bBrRuUfF")
_IDENTIFIER_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_DIGIT_CHARS = frozenset("0123456789")
_FSTRING_PLAIN = re.compile(r"[^{}\\\n'\"]+")

# Keywords that may legally follow a number ("1if x else y"): CPython only
# warns about them, where any other letter after a number is an error.
_KEYWORD_AFTER_NUMBER = re.compile(
    r"(?:and|else|for|if|in|is|not|or)(?![\w\x80-\U0010ffff])"
)


def _string_body_pattern(quote: str, triple: bool) -> "re.Pattern[str]":
    """Match the inside of a string up to the closing quote or end of line.

    Escapes are skipped as pairs; a lone quote inside a triple-quoted
    string is an ordinary character.
    """
    if triple:
        return re.compile(
            rf"[^{quote}\\]*(?:(?:\\\r?.|{quote}(?!{quote}{quote}))[^{quote}\\]*)*",
            re.DOTALL,
        )
    return re.compile(rf"[^{quote}\\\n]*(?:\\\r?.[^{quote}\\\n]*)*", re.DOTALL)


_STRING_BODY = {
    (quote, triple): _string_body_pattern(quote, triple)
    for quote in "'\""
    for triple in (False, True)
}

_ESCAPE = re.compile(r"\\.", re.DOTALL)
_ONE_CHAR = {op: t for op, t in EXACT_TOKEN_TYPES.items() if len(op) == 1}
_TWO_CHARS = {op: t for op, t in EXACT_TOKEN_TYPES.items() if len(op) == 2}
_THREE_CHARS = {op: t for op, t in EXACT_TOKEN_TYPES.items() if len(op) == 3}
_CLOSING = {")": "(", "]": "[", "}": "{"}


def _split_lines(source: str) -> list[str]:
    """Split *source* as ``readline`` does: after each line feed only."""
    lines = source.split("\n")
    last = lines.pop()
    lines = [line + "\n" for line in lines]
    if last:
        lines.append(last)
    return lines


@dataclass
class _Mode:
    """One entry of the mode stack: the regular mode or an f-string mode."""

    in_fstring_text: bool = False
    quote: str = ""
    quote_size: int = 0
    raw: bool = False
    start_lineno: int = 0
    start_col: int = 0
    start_line: str = ""
    curly_bracket_depth: int = 0
    expr_start_depth: int = -1
    in_format_spec: bool = False
    debug: bool = False


class _Lexer:
    """CPython's C tokenizer, as a state machine over physical lines.

    *extra_tokens* selects :mod:`tokenize`'s view (3.12+): COMMENT and NL
    tokens, operators typed OP, lenient numbers and names.  Without it the
    lexer produces the parser's view, and raises the parser's errors.
    """

    def __init__(self, lines: list[str], *, extra_tokens: bool, filename: str) -> None:
        self.lines = lines
        if self.lines and not self.lines[-1].endswith("\n"):
            self.lines[-1] += "\n"
            self.implicit_newline_at = len(self.lines)
        else:
            self.implicit_newline_at = 0
        self.extra_tokens = extra_tokens
        self.filename = filename
        self.lineno = 0
        self.line = ""
        self.pos = 0
        self.at_eof = False
        self.at_line_start = True
        self.indents = [0]
        self.alt_indents = [0]
        self.pending = 0
        self.parens: list[tuple[str, int, int]] = []
        self.modes = [_Mode()]
        self.comment_newline = False
        # The token under way: its start, for errors and multi-line tokens.
        self.start_lineno = 0
        self.start_pos = 0
        self.start_line = ""
        # What the parser would report for an error token (see _fail).
        self.cached_line = ""
        self.cached_lineno = -1

    # -- reading lines ---------------------------------------------------

    def _read_line(self) -> bool:
        """Move to the next physical line; False (and an empty line) at EOF."""
        if self.lineno >= len(self.lines):
            if not self.at_eof and self.start_lineno == 0:
                self.line = ""
            self.at_eof = True
            self.pos = len(self.line)
            return False
        self.line = self.lines[self.lineno]
        self.lineno += 1
        self.pos = 0
        if self.extra_tokens and "\0" in self.line:
            raise SyntaxError(
                "source code cannot contain null bytes",
                (self.filename, self.lineno, 0, "", self.lineno, 0),
            )
        return True

    def _line_text(self, line: str, lineno: int) -> str:
        """Return the ``line`` field: without a newline the tokenizer made up."""
        if lineno == self.implicit_newline_at and line.endswith("\n"):
            return line[:-1]
        return line

    # -- making tokens ---------------------------------------------------

    def _token(self, type_: int, start: int, end: int) -> TokenInfo:
        """Make a token inside the current line, from column *start* to *end*."""
        if self.extra_tokens and type_ > DEDENT and type_ < OP:
            shown_type = OP
        else:
            shown_type = type_
        if self.lineno != self.cached_lineno:
            self.cached_line = self._line_text(self.line, self.lineno)
        self.cached_lineno = self.lineno
        position = (self.lineno, start)
        return _new_token(
            TokenInfo,
            (
                shown_type,
                self.line[start:end],
                position,
                (self.lineno, end) if end != start else position,
                self.cached_line,
            ),
        )

    def _multiline_token(
        self, type_: int, text: str, start_lineno: int, start_col: int, lines: str
    ) -> TokenInfo:
        """Make a string-literal token that may span lines, ending at the cursor."""
        if self.lineno != self.cached_lineno:
            self.cached_line = self._line_text(lines, self.lineno)
        self.cached_lineno = start_lineno
        return _new_token(
            TokenInfo,
            (
                type_,
                text,
                (start_lineno, start_col),
                (self.lineno, self.pos),
                self.cached_line,
            ),
        )

    def _positionless_token(self, type_: int) -> TokenInfo:
        """INDENT, DEDENT and ENDMARKER as the parser sees them: no columns."""
        if self.lineno != self.cached_lineno:
            self.cached_line = self._line_text(self.line, self.lineno)
        self.cached_lineno = self.lineno
        return _new_token(
            TokenInfo,
            (type_, "", (self.lineno, -1), (self.lineno, -1), self.cached_line),
        )

    def _trailing_token(self, type_: int) -> TokenInfo:
        """DEDENT and ENDMARKER at end of input, as :mod:`tokenize` shows them."""
        position = (self.lineno + 1, 0)
        self.cached_lineno = self.lineno
        return _new_token(TokenInfo, (type_, "", position, position, ""))

    # -- errors ----------------------------------------------------------

    def _syntax_error(
        self, message: str, offset: int | None = None, end_offset: int | None = None
    ) -> SyntaxError:
        """Build a tokenizer error at the cursor (or at the given 1-based columns)."""
        if offset is None:
            offset = self.pos
        if end_offset is None:
            end_offset = offset
        text = self.line.split("\n", 1)[0]
        return SyntaxError(
            message, (self.filename, self.lineno, offset, text, self.lineno, end_offset)
        )

    def _fail(self, code: str) -> Exception:
        """Build the error for one of the C tokenizer's error codes.

        The parser (``Parser/pegen_errors.c``, ``_Pypegen_tokenizer_error``)
        and :mod:`tokenize` (``Python/Python-tokenize.c``,
        ``_tokenizer_error``) word and place these differently.
        """
        if self.extra_tokens:
            return self._tokenize_module_failure(code)
        return self._parser_failure(code)

    def _tokenize_module_failure(self, code: str) -> Exception:
        line = self.line[:-1] if self.line.endswith("\n") else self.line
        details = ("<string>", self.lineno, len(line) + 1, line, None, None)
        if code == "E_EOF":
            offset = len(self.line.encode())
            return SyntaxError(
                "unexpected EOF in multi-line statement",
                ("<string>", self.lineno, offset, None, None, None),
            )
        if code == "E_DEDENT":
            return IndentationError(
                "unindent does not match any outer indentation level", details
            )
        if code == "E_TABSPACE":
            return TabError(
                "inconsistent use of tabs and spaces in indentation", details
            )
        if code == "E_TOODEEP":
            return IndentationError("too many levels of indentation", details)
        return SyntaxError(
            "unexpected character after line continuation character", details
        )

    def _parser_failure(self, code: str) -> Exception:
        line = self.line
        if code == "E_EOF" and self.parens:
            char, lineno, col = self.parens[-1]
            paren_line = self.lines[lineno - 1]
            return SyntaxError(
                f"'{char}' was never closed",
                (self.filename, lineno, col + 1, paren_line, lineno, 0),
            )
        if code in ("E_EOF", "E_DEDENT"):
            # Reported at the error token the parser just stored, which has
            # no columns: the parser then uses the cursor, at end of line.
            message, cls = (
                ("unexpected EOF while parsing", SyntaxError)
                if code == "E_EOF"
                else (
                    "unindent does not match any outer indentation level",
                    IndentationError,
                )
            )
            return cls(
                message, (self.filename, self.lineno, len(line), line, self.lineno, -1)
            )
        if code == "E_LINECONT":
            message = "unexpected character after line continuation character"
            return SyntaxError(
                message, (self.filename, self.lineno, self.pos, line, self.lineno, 0)
            )
        cls, message = {
            "E_TABSPACE": (
                TabError,
                "inconsistent use of tabs and spaces in indentation",
            ),
            "E_TOODEEP": (IndentationError, "too many levels of indentation"),
        }[code]
        return cls(message, (self.filename, self.lineno, 1, line, self.lineno, 0))

    def _warn(self, message: str) -> None:
        """Warn as the tokenizer does; raise a SyntaxError if warnings are errors."""
        category: type[Warning] = (
            SyntaxWarning if sys.version_info >= (3, 12) else DeprecationWarning
        )
        try:
            warnings.warn_explicit(message, category, self.filename, self.lineno)
        except category:
            raise self._syntax_error(message) from None

    # -- the driver ------------------------------------------------------

    def tokens(self) -> Iterator[TokenInfo]:
        """Yield every token up to and including ENDMARKER."""
        next_token = self._next_token
        while True:
            token = next_token()
            if token is None:
                continue
            yield token
            if token[0] == ENDMARKER:
                return

    def _next_token(self) -> TokenInfo | None:
        """One step of the state machine: the mode on top decides."""
        mode = self.modes[-1]
        if mode.in_fstring_text:
            return self._fstring_mode_token(mode)
        return self._normal_mode_token(mode)

    # -- regular mode ----------------------------------------------------

    def _normal_mode_token(self, mode: _Mode) -> TokenInfo | None:
        """Scan one token in the regular mode (``tok_get_normal_mode``).

        Returns None when the step produced no token (a blank line the
        parser skips, a backslash continuation).
        """
        blank_line = False
        if self.at_line_start:
            self.at_line_start = False
            blank_line = self._measure_indentation()
        if self.pending:
            return self._pending_indentation_token()
        line = self.line
        start = pos = _SPACES.match(line, self.pos).end()  # type: ignore[union-attr]
        self.pos = pos
        char = line[pos] if pos < len(line) else ""
        if char == "#":
            comment = self._scan_comment(blank_line)
            if comment is not None:
                return comment
            pos = self.pos
            char = line[pos] if pos < len(line) else ""
        if not char:
            return self._end_of_input()
        if char in _IDENTIFIER_START or char >= "\x80":
            return self._scan_name_or_prefixed_string(mode)
        if char == "\r":
            # CPython skips a carriage return, whatever follows it.
            pos += 1
            self.pos = pos
            char = line[pos]
        if char == "\n":
            return self._scan_newline(start, blank_line)
        if char in _DIGIT_CHARS or (char == "." and line[pos + 1] in _DIGIT_CHARS):
            return self._scan_number(start)
        if char == "'" or char == '"':
            return self._scan_string(start, pos)
        if char == "\\":
            self.pos += 1
            self._continuation_line()
            return None
        return self._scan_operator(mode, start)

    def _measure_indentation(self) -> bool:
        """At the start of a line: compare its indentation with the stack.

        Returns whether the line is blank (only spaces and a comment), which
        the caller needs to tell NL from NEWLINE.  Indentation changes are
        queued in ``self.pending`` and come out as INDENT/DEDENT tokens.
        """
        if not self._read_line():
            col = alt_col = 0
            blank = False
        else:
            col, alt_col = self._indentation_columns()
            char = self.line[self.pos] if self.pos < len(self.line) else ""
            blank = char in ("#", "\n", "\r")
        if blank or self.parens:
            return blank
        if col == self.indents[-1]:
            if alt_col != self.alt_indents[-1]:
                raise self._fail("E_TABSPACE")
        elif col > self.indents[-1]:
            if len(self.indents) >= _MAX_INDENT:
                raise self._fail("E_TOODEEP")
            if alt_col <= self.alt_indents[-1]:
                raise self._fail("E_TABSPACE")
            self.pending += 1
            self.indents.append(col)
            self.alt_indents.append(alt_col)
        else:
            while len(self.indents) > 1 and col < self.indents[-1]:
                self.pending -= 1
                self.indents.pop()
                self.alt_indents.pop()
            if col != self.indents[-1]:
                self.pos = len(self.line)
                raise self._fail("E_DEDENT")
            if alt_col != self.alt_indents[-1]:
                raise self._fail("E_TABSPACE")
        return False

    def _indentation_columns(self) -> tuple[int, int]:
        """Columns of the leading whitespace: tabs to 8, and tabs to 1.

        Comparing both catches indentation whose meaning depends on the tab
        size (a TabError).  From 3.12 on, a backslash continuation inside
        the indentation is allowed; the first one fixes the column.
        """
        col = alt_col = 0
        continuation_col = 0
        while True:
            line = self.line
            pos = self.pos
            while pos < len(line):
                char = line[pos]
                if char == " ":
                    col += 1
                    alt_col += 1
                elif char == "\t":
                    col = (col // _TABSIZE + 1) * _TABSIZE
                    alt_col += 1
                elif char == "\f":
                    col = alt_col = 0
                else:
                    break
                pos += 1
            self.pos = pos
            if not (
                sys.version_info >= (3, 12) and pos < len(line) and line[pos] == "\\"
            ):
                break
            continuation_col = continuation_col or col
            self.pos += 1
            self._continuation_line()
        if continuation_col:
            return continuation_col, continuation_col
        return col, alt_col

    def _continuation_line(self) -> None:
        """After a backslash: the line must end here, and input go on."""
        line = self.line
        pos = self.pos
        if line.startswith("\r", pos):
            pos += 1
        if not line.startswith("\n", pos):
            self.pos = pos + 1
            raise self._fail("E_LINECONT")
        self.start_lineno = self.lineno
        if not self._read_line():
            self.start_lineno = 0
            self.pos = len(self.line)
            raise self._fail("E_EOF")
        self.start_lineno = 0

    def _pending_indentation_token(self) -> TokenInfo:
        """Hand out one queued INDENT or DEDENT."""
        if self.pending < 0:
            self.pending += 1
            if not self.extra_tokens:
                return self._positionless_token(DEDENT)
            if self.at_eof:
                return self._trailing_token(DEDENT)
            return self._token(DEDENT, self.pos, self.pos)
        self.pending -= 1
        if not self.extra_tokens:
            return self._positionless_token(INDENT)
        return self._token(INDENT, 0, self.pos)

    def _end_of_input(self) -> TokenInfo:
        """No characters left: ENDMARKER, unless a bracket is still open."""
        if self.parens:
            raise self._fail("E_EOF")
        if self.extra_tokens:
            return self._trailing_token(ENDMARKER)
        return self._positionless_token(ENDMARKER)

    def _scan_comment(self, blank_line: bool) -> TokenInfo | None:
        """Scan a comment, to the end of the line; only :mod:`tokenize` keeps it."""
        start = self.pos
        end = _COMMENT_BODY.match(self.line, start).end()  # type: ignore[union-attr]
        self.pos = end
        if not self.extra_tokens:
            return None
        self.comment_newline = blank_line
        return self._token(COMMENT, start, end)

    def _scan_newline(self, start: int, blank_line: bool) -> TokenInfo | None:
        """End of a line: NEWLINE ends a statement, NL (tokenize) does not.

        The parser's NEWLINE token starts where the comment before it, if
        any, starts.
        """
        self.pos += 1
        self.at_line_start = True
        end = self.pos
        if blank_line or self.parens or self.comment_newline:
            self.comment_newline = False
            if not self.extra_tokens:
                return None
            token = self._token(NL, start, end)
            if self.lineno == self.implicit_newline_at:
                return token._replace(string="")
            return token
        if not self.extra_tokens:
            return self._token(NEWLINE, start, end - 1)._replace(
                end=(self.lineno, end - 1)
            )
        token = self._token(NEWLINE, start, end)
        if self.lineno == self.implicit_newline_at:
            return token._replace(string="")
        return token

    def _scan_name_or_prefixed_string(self, mode: _Mode) -> TokenInfo:
        """Scan an identifier, or a string prefix such as ``rb`` and its string."""
        line = self.line
        start = self.pos
        pos = start
        saw_b = saw_r = saw_u = saw_f = False
        while True:
            char = line[pos]
            if char in _STRING_PREFIX_CHARS:
                lower = char.lower()
                if lower == "b" and not (saw_b or saw_u or saw_f):
                    saw_b = True
                elif lower == "u" and not (saw_b or saw_u or saw_r or saw_f):
                    saw_u = True
                elif lower == "r" and not (saw_r or saw_u):
                    saw_r = True
                elif lower == "f" and not (saw_f or saw_b or saw_u):
                    saw_f = True
                else:
                    break
                pos += 1
                if line[pos] in "'\"":
                    if saw_f and _SPLITS_FSTRINGS:
                        return self._start_fstring(start, pos)
                    return self._scan_string(start, pos)
            else:
                break
        end = _NAME_TAIL.match(line, pos).end()  # type: ignore[union-attr]
        self.pos = end
        if not self.extra_tokens and not line[start:end].isascii():
            self._verify_identifier(start, end)
        return self._token(NAME, start, end)

    def _verify_identifier(self, start: int, end: int) -> None:
        """Reject a name with a character Python identifiers may not use."""
        name = self.line[start:end]
        if name.isidentifier():
            return
        bad = next(i for i in range(len(name)) if not name[: i + 1].isidentifier())
        char = name[bad]
        self.pos = start + bad + 1
        if char.isprintable():
            raise self._syntax_error(f"invalid character '{char}' (U+{ord(char):04X})")
        raise self._syntax_error(f"invalid non-printable character U+{ord(char):04X}")

    # -- numbers ---------------------------------------------------------

    def _scan_number(self, start: int) -> TokenInfo:
        """Scan a number literal: integers in four bases, floats, imaginaries."""
        line = self.line
        if line[start] == "0" and line[start + 1 : start + 2] in (
            "x",
            "X",
            "o",
            "O",
            "b",
            "B",
        ):
            pos = self._scan_based_integer(start)
        elif line[start] == "0":
            pos = self._scan_zero_integer_or_float(start)
        else:
            pos = self._scan_decimal_number(start)
        self.pos = pos
        return self._token(NUMBER, start, pos)

    def _digit_run(self, pos: int, digits: "re.Pattern[str]", kind: str) -> int:
        """Digits with single underscores between them, from *pos*."""
        line = self.line
        while True:
            pos = digits.match(line, pos).end()  # type: ignore[union-attr]
            if line[pos] != "_":
                return pos
            if not digits.match(line, pos + 1).end() > pos + 1:  # type: ignore[union-attr]
                self.pos = pos + 1
                raise self._syntax_error(f"invalid {kind} literal")
            pos += 1

    def _scan_based_integer(self, start: int) -> int:
        """``0x...``, ``0o...`` and ``0b...``, with the C tokenizer's errors."""
        line = self.line
        base = line[start + 1].lower()
        kind, digits = {
            "x": ("hexadecimal", _HEX_DIGITS),
            "o": ("octal", _OCT_DIGITS),
            "b": ("binary", _BIN_DIGITS),
        }[base]
        pos = start + 2
        while True:
            if line[pos] == "_":
                pos += 1
            first = digits.match(line, pos).end()  # type: ignore[union-attr]
            if first == pos:
                if base != "x" and line[pos] in _DIGIT_CHARS:
                    self.pos = pos + 1
                    raise self._syntax_error(
                        f"invalid digit '{line[pos]}' in {kind} literal"
                    )
                self.pos = pos
                raise self._syntax_error(f"invalid {kind} literal")
            pos = first
            if line[pos] != "_":
                break
        if base != "x" and line[pos] in _DIGIT_CHARS:
            self.pos = pos + 1
            raise self._syntax_error(f"invalid digit '{line[pos]}' in {kind} literal")
        self._verify_end_of_number(pos, kind)
        return pos

    def _scan_zero_integer_or_float(self, start: int) -> int:
        """Scan a number starting with ``0``: zero, or a float, never ``0777``."""
        line = self.line
        pos = start + 1
        while True:
            if line[pos] == "_":
                if line[pos + 1] not in _DIGIT_CHARS:
                    self.pos = pos + 1
                    raise self._syntax_error("invalid decimal literal")
                pos += 1
            if line[pos] != "0":
                break
            pos += 1
        zeros_end = pos
        nonzero = line[pos] in _DIGIT_CHARS
        if nonzero:
            pos = self._digit_run(pos, _DIGITS, "decimal")
        char = line[pos]
        if char in ".eEjJ":
            return self._scan_decimal_number(start, pos)
        if nonzero and not self.extra_tokens:
            self.pos = pos
            raise self._syntax_error(
                "leading zeros in decimal integer literals are not permitted; "
                "use an 0o prefix for octal integers",
                start + 1,
                zeros_end + 1,
            )
        self._verify_end_of_number(pos, "decimal")
        return pos

    def _scan_decimal_number(self, start: int, pos: int | None = None) -> int:
        """Integer part (unless given), fraction, exponent, ``j`` suffix."""
        line = self.line
        if pos is None:
            pos = self._digit_run(start, _DIGITS, "decimal")
        if line[pos] == ".":
            pos += 1
            if line[pos] in _DIGIT_CHARS:
                pos = self._digit_run(pos, _DIGITS, "decimal")
        if line[pos] in "eE":
            exponent = pos
            pos += 1
            if line[pos] in "+-":
                pos += 1
                if line[pos] not in _DIGIT_CHARS:
                    self.pos = pos
                    raise self._syntax_error("invalid decimal literal")
            elif line[pos] not in _DIGIT_CHARS:
                # "1else": the e starts a keyword, not an exponent.
                self._verify_end_of_number(exponent, "decimal")
                return exponent
            pos = self._digit_run(pos, _DIGITS, "decimal")
        if line[pos] in "jJ":
            pos += 1
            self._verify_end_of_number(pos, "imaginary")
        else:
            self._verify_end_of_number(pos, "decimal")
        return pos

    def _verify_end_of_number(self, pos: int, kind: str) -> None:
        """Reject a letter right after a number; only warn before a keyword."""
        if self.extra_tokens:
            return
        line = self.line
        char = line[pos]
        if not (char.isascii() and (char.isalnum() or char == "_")):
            return
        if _KEYWORD_AFTER_NUMBER.match(line, pos) or (
            char == "i"
            and line[pos + 1 : pos + 2] in ("f", "n", "s")
            and pos + 1 < len(line)
        ):
            self.pos = pos
            self._warn(f"invalid {kind} literal")
            return
        self.pos = pos
        raise self._syntax_error(f"invalid {kind} literal")

    # -- strings ---------------------------------------------------------

    def _scan_string(self, start: int, quote_pos: int) -> TokenInfo:
        """Scan a string literal (prefix from *start*), perhaps many lines long."""
        line = self.line
        quote = line[quote_pos]
        triple = line.startswith(quote * 3, quote_pos)
        closing = quote * 3 if triple else quote
        body = _STRING_BODY[quote, triple]
        pos = quote_pos + len(closing)
        start_lineno = self.lineno
        self.start_lineno = start_lineno
        earlier: list[str] = []
        while True:
            pos = body.match(line, pos).end()  # type: ignore[union-attr]
            if line.startswith(closing, pos):
                pos += len(closing)
                break
            # Stopped before the end of the line: at a newline nothing escaped.
            if pos < len(line):
                self._unterminated_string(start, [*earlier, line], quote, triple)
            earlier.append(line)
            if not self._read_line():
                self._unterminated_string(start, earlier, quote, triple)
            line = self.line
            pos = 0
        self.pos = pos
        self.start_lineno = 0
        if not earlier:
            return self._token(STRING, start, pos)
        text = earlier[0][start:] + "".join(earlier[1:]) + line[:pos]
        return self._multiline_token(
            STRING, text, start_lineno, start, "".join(earlier) + line
        )

    def _unterminated_string(
        self, start: int, lines: list[str], quote: str, triple: bool
    ) -> None:
        """Raise the error for a string missing its closing quote.

        CPython reports it at the opening quote, naming the line where it
        gave up.
        """
        detected = self.lineno
        self.lineno -= len(lines) - 1
        self.line = lines[0]
        self.pos = start + 1
        mode = self.modes[-1]
        if (
            len(self.modes) > 1
            and mode.quote == quote
            and mode.quote_size == (3 if triple else 1)
        ):
            raise self._syntax_error("f-string: expecting '}'")
        if triple:
            raise self._syntax_error(
                "unterminated triple-quoted string literal "
                f"(detected at line {detected})"
            )
        message = f"unterminated string literal (detected at line {detected})"
        escapes = _ESCAPE.findall("".join(lines)[start:])
        if sys.version_info >= (3, 12) and "\\" + quote in escapes:
            message += "; perhaps you escaped the end quote?"
        raise self._syntax_error(message)

    # -- operators and brackets -----------------------------------------

    def _scan_operator(self, mode: _Mode, start: int) -> TokenInfo:
        """Punctuation: the longest operator, and bracket bookkeeping."""
        line = self.line
        pos = self.pos
        char = line[pos]
        if (
            char == ":"
            and _SPLITS_FSTRINGS
            and len(self.modes) > 1
            and mode.expr_start_depth >= 0
            and self._starts_format_spec(mode)
        ):
            # In an f-string's replacement field, this colon starts the spec.
            self.pos = pos + 1
            mode.in_fstring_text = True
            mode.in_format_spec = True
            return self._token(_ONE_CHAR[":"], start, pos + 1)
        type3 = _THREE_CHARS.get(line[pos : pos + 3])
        if type3 is not None:
            self.pos = pos + 3
            return self._token(type3, start, pos + 3)
        type2 = _TWO_CHARS.get(line[pos : pos + 2])
        if type2 is not None:
            self.pos = pos + 2
            return self._token(type2, start, pos + 2)
        self.pos = pos + 1
        if char in "([{":
            self._open_bracket(mode, char, start)
        elif char in ")]}":
            self._close_bracket(mode, char)
        if not char.isprintable() and not self.extra_tokens:
            raise self._syntax_error(
                f"invalid non-printable character U+{ord(char):04X}"
            )
        if char == "=" and mode.expr_start_depth >= 0:
            mode.debug = True
        return self._token(_ONE_CHAR.get(char, OP), start, pos + 1)

    def _starts_format_spec(self, mode: _Mode) -> bool:
        """Whether a ``:`` inside an f-string replacement field starts its spec."""
        return mode.curly_bracket_depth - 1 == mode.expr_start_depth

    def _open_bracket(self, mode: _Mode, char: str, start: int) -> None:
        """Push a bracket; the parser may not nest them too deeply."""
        if len(self.parens) >= _MAX_LEVEL:
            raise self._syntax_error("too many nested parentheses")
        self.parens.append((char, self.lineno, start))
        if len(self.modes) > 1:
            mode.curly_bracket_depth += 1

    def _close_bracket(self, mode: _Mode, char: str) -> None:
        """Pop a bracket, which must match the one that opened it."""
        in_fstring = len(self.modes) > 1
        if in_fstring and char == "}" and not mode.curly_bracket_depth:
            raise self._syntax_error("f-string: single '}' is not allowed")
        if not self.extra_tokens and not self.parens:
            raise self._syntax_error(f"unmatched '{char}'")
        if self.parens:
            opening, lineno, _ = self.parens.pop()
            if not self.extra_tokens and opening != _CLOSING[char]:
                if (
                    in_fstring
                    and opening == "{"
                    and mode.curly_bracket_depth - 1 == mode.expr_start_depth
                ):
                    raise self._syntax_error(f"f-string: unmatched '{char}'")
                message = (
                    f"closing parenthesis '{char}' does not match "
                    f"opening parenthesis '{opening}'"
                )
                if lineno != self.lineno:
                    message += f" on line {lineno}"
                raise self._syntax_error(message)
        if in_fstring:
            mode.curly_bracket_depth -= 1
            if mode.curly_bracket_depth < 0:
                raise self._syntax_error(f"f-string: unmatched '{char}'")
            if char == "}" and mode.curly_bracket_depth == mode.expr_start_depth:
                mode.expr_start_depth -= 1
                mode.in_fstring_text = True
                mode.in_format_spec = False
                mode.debug = False

    # -- f-strings (3.12+) -----------------------------------------------

    def _start_fstring(self, start: int, quote_pos: int) -> TokenInfo:
        """FSTRING_START: push an f-string mode for the text that follows."""
        line = self.line
        quote = line[quote_pos]
        quote_size = 3 if line.startswith(quote * 3, quote_pos) else 1
        end = quote_pos + quote_size
        self.pos = end
        if len(self.modes) >= _MAX_FSTRING_LEVEL:
            raise self._syntax_error("too many nested f-strings")
        prefix = line[start:quote_pos].lower()
        self.modes.append(
            _Mode(
                in_fstring_text=True,
                quote=quote,
                quote_size=quote_size,
                raw="r" in prefix,
                start_lineno=self.lineno,
                start_col=start,
                start_line=line,
            )
        )
        return self._token(FSTRING_START, start, end)

    def _fstring_mode_token(self, mode: _Mode) -> TokenInfo | None:
        """In f-string text: a replacement field, the closing quote, or text."""
        line = self.line
        pos = self.pos
        if line.startswith("{", pos) and not line.startswith("{{", pos):
            return self._enter_replacement_field(mode)
        closing = mode.quote * mode.quote_size
        if line.startswith(closing, pos):
            self.pos = pos + mode.quote_size
            self.modes.pop()
            return self._token(FSTRING_END, pos, self.pos)
        return self._scan_fstring_middle(mode)

    def _enter_replacement_field(self, mode: _Mode) -> TokenInfo | None:
        """Open an expression at ``{``: back to the regular mode for it."""
        mode.expr_start_depth += 1
        if mode.expr_start_depth >= _MAX_EXPR_NESTING:
            raise self._syntax_error("f-string: expressions nested too deeply")
        mode.in_fstring_text = False
        return self._normal_mode_token(mode)

    def _scan_fstring_middle(self, mode: _Mode) -> TokenInfo:
        """FSTRING_MIDDLE: literal text up to a field, the quote, or a brace pair.

        A doubled ``{{`` or ``}}`` ends the token after its first brace, so
        the token's text is what the string means; the second brace is
        skipped.
        """
        start_lineno = self.lineno
        start = self.pos
        first_line = self.line
        lines: list[str] = []
        line = self.line
        pos = start
        in_format_spec = mode.in_format_spec and mode.expr_start_depth >= 0
        quote = mode.quote
        end_quotes = 0
        unicode_escape = False
        text_end: int | None = None
        while end_quotes != mode.quote_size:
            plain = _FSTRING_PLAIN.match(line, pos)
            if plain is not None:
                pos = plain.end()
                end_quotes = 0
            if pos >= len(line):
                lines.append(line)
                if not self._read_line():
                    self._unterminated_fstring(mode)
                line = self.line
                pos = 0
                continue
            char = line[pos]
            pos += 1
            if char == "\n" and mode.quote_size == 1:
                if in_format_spec:
                    self._set_cursor(pos)
                    raise self._syntax_error(
                        "f-string: newlines are not allowed in format specifiers "
                        "for single quoted f-strings"
                    )
                self._unterminated_fstring(mode)
            if char == quote:
                end_quotes += 1
                continue
            end_quotes = 0
            if char == "{":
                if line.startswith("{", pos) and not in_format_spec:
                    text_end = pos
                    pos += 1
                else:
                    pos -= 1
                    mode.expr_start_depth += 1
                    if mode.expr_start_depth >= _MAX_EXPR_NESTING:
                        self.pos = pos + 1
                        raise self._syntax_error(
                            "f-string: expressions nested too deeply"
                        )
                    mode.in_fstring_text = False
                    mode.in_format_spec = False
                break
            if char == "}":
                if unicode_escape:
                    break
                if (
                    line.startswith("}", pos)
                    and not in_format_spec
                    and mode.curly_bracket_depth == 0
                ):
                    text_end = pos
                    pos += 1
                else:
                    pos -= 1
                    mode.in_fstring_text = False
                    mode.in_format_spec = False
                break
            if char == "\\":
                next_char = line[pos] if pos < len(line) else ""
                if next_char == "\r":
                    pos += 1
                    next_char = line[pos] if pos < len(line) else ""
                if next_char in ("{", "}"):
                    if not mode.raw:
                        self._warn_invalid_escape(next_char)
                    continue
                if next_char == "\n":
                    continue
                pos += 1
                if not mode.raw and next_char == "N" and line.startswith("{", pos):
                    pos += 1
                    unicode_escape = True
        else:
            pos -= mode.quote_size
        self.pos = pos
        end = pos if text_end is None else text_end
        if not lines:
            token = self._token(FSTRING_MIDDLE, start, end)
            if text_end is not None:
                # Columns as tokenize reports them: the token ends at its text.
                token = token._replace(end=(self.lineno, text_end))
            return token
        text = first_line[start:] + "".join(lines[1:]) + line[:end]
        token = self._multiline_token(
            FSTRING_MIDDLE, text, start_lineno, start, "".join([*lines, line])
        )
        return token._replace(end=(self.lineno, end))

    def _set_cursor(self, pos: int) -> None:
        self.pos = pos

    def _warn_invalid_escape(self, char: str) -> None:
        r"""Warn of ``\{`` in a non-raw f-string: an invalid escape sequence."""
        message = f"invalid escape sequence '\\{char}'"
        try:
            warnings.warn_explicit(message, SyntaxWarning, self.filename, self.lineno)
        except SyntaxWarning:
            raise self._syntax_error(message) from None

    def _unterminated_fstring(self, mode: _Mode) -> None:
        """Raise the error for an f-string missing its closing quote."""
        detected = self.lineno
        self.lineno = mode.start_lineno
        self.line = mode.start_line
        self.pos = mode.start_col + 1
        if mode.quote_size == 3:
            raise self._syntax_error(
                "unterminated triple-quoted f-string literal "
                f"(detected at line {detected})"
            )
        raise self._syntax_error(
            f"unterminated f-string literal (detected at line {detected})"
        )


# -- the 3.11 tokenize module ---------------------------------------------

_PY_DIGITS = r"[0-9](?:_?[0-9])*"
_PY_EXPONENT = rf"[eE][-+]?{_PY_DIGITS}"
_PY_FLOAT = (
    rf"(?:(?:{_PY_DIGITS}\.(?:{_PY_DIGITS})?|\.{_PY_DIGITS})(?:{_PY_EXPONENT})?"
    rf"|{_PY_DIGITS}{_PY_EXPONENT})"
)
_PY_NUMBER = re.compile(
    rf"{_PY_DIGITS}[jJ]|{_PY_FLOAT}[jJ]|{_PY_FLOAT}"
    r"|0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+"
    r"|0(?:_?0)*|[1-9](?:_?[0-9])*"
)
"""Numbers as the 3.11 module reads them: the first form that matches wins,
so ``0777`` is ``0`` then ``777``, and ``1abc`` is ``1`` then a name."""

_PY_NAME = re.compile(r"\w+")
_PY_PREFIX_AND_QUOTE = re.compile(r"([A-Za-z]{0,2})('''|\"\"\"|'|\")")
_PY_VALID_PREFIXES = frozenset(["", "b", "r", "u", "f", "br", "fr"])
_PY_TRIPLE_END = {
    q: re.compile(rf"[^{q}\\]*(?:(?:\\.|{q}(?!{q}{q}))[^{q}\\]*)*{q}{q}{q}")
    for q in "'\""
}
_PY_SINGLE_END = {q: re.compile(rf"[^{q}\\]*(?:\\.[^{q}\\]*)*{q}") for q in "'\""}
_PY_ONE_LINE_STRING = {
    q: re.compile(rf"(?:[^\n{q}\\]|\\.)*(?:{q}|\\\r?\n)") for q in "'\""
}

_Steps = Generator[TokenInfo, None, int]
"""A scanning step that yields tokens and returns where the line goes on."""


def _is_string_prefix(prefix: str) -> bool:
    return "".join(sorted(prefix.lower())) in _PY_VALID_PREFIXES


class _PurePythonLexer:
    """The 3.11 :mod:`tokenize` module's tokenizer, as a line state machine.

    Each physical line is read in one of three states: inside a string
    continued from an earlier line, at the start of a statement (where
    indentation is measured), or inside a statement continued by brackets
    or a backslash.  Within a line, :meth:`_scan_at` finds the next token
    the way the module's big regular expression does, trying the same
    alternatives in the same order, so its quirks come out the same:
    ``0777`` is two numbers, and a character that starts no token becomes an
    ERRORTOKEN, as does the whitespace before it.
    """

    def __init__(self, lines: list[str], decode_error: Exception | None = None) -> None:
        self.lines = lines
        self.decode_error = decode_error
        self.lnum = 0
        self.paren_level = 0
        self.continued = False
        self.indents = [0]
        # A string still open at the end of a line: its text so far, the
        # text of its lines, where it started, and how it must end.
        self.string_text = ""
        self.string_lines = ""
        self.string_start = (0, 0)
        self.string_end: re.Pattern[str] | None = None
        self.needs_continuation = False

    def _read_line(self) -> str:
        if self.lnum < len(self.lines):
            line = self.lines[self.lnum]
        elif self.decode_error is not None:
            raise self.decode_error
        else:
            line = ""
        self.lnum += 1
        return line

    def tokens(self) -> Iterator[TokenInfo]:
        """Yield the tokens, ending with DEDENTs and ENDMARKER."""
        line = ""
        while True:
            last_line = line
            line = self._read_line()
            pos = 0
            if self.string_end is not None:
                pos = yield from self._continue_string(line)
                if pos < 0:
                    continue
            elif self.paren_level == 0 and not self.continued:
                if not line:
                    break
                pos = yield from self._start_statement(line)
                if pos < 0:
                    continue
                if pos == len(line):
                    break
            else:
                if not line:
                    raise TokenError("EOF in multi-line statement", (self.lnum, 0))
                self.continued = False
            yield from self._scan_line(line, pos)
        yield from self._end_tokens(last_line)

    def _end_tokens(self, last_line: str) -> Iterator[TokenInfo]:
        """Add a NEWLINE if the last line lacked one; close all blocks."""
        lnum = self.lnum
        if (
            last_line
            and last_line[-1] not in "\r\n"
            and not last_line.strip().startswith("#")
        ):
            end = len(last_line)
            yield TokenInfo(NEWLINE, "", (lnum - 1, end), (lnum - 1, end + 1), "")
        for _ in self.indents[1:]:
            yield TokenInfo(DEDENT, "", (lnum, 0), (lnum, 0), "")
        yield TokenInfo(ENDMARKER, "", (lnum, 0), (lnum, 0), "")

    def _continue_string(self, line: str) -> _Steps:
        """Scan a line inside a string begun on an earlier line.

        Returns where scanning goes on in this line, or -1 for the next line.
        """
        if not line:
            raise TokenError("EOF in multi-line string", self.string_start)
        assert self.string_end is not None
        match = self.string_end.match(line)
        if match:
            end = match.end()
            yield TokenInfo(
                STRING,
                self.string_text + line[:end],
                self.string_start,
                (self.lnum, end),
                self.string_lines + line,
            )
            self.string_end = None
            self.needs_continuation = False
            return end
        if self.needs_continuation and not line.endswith(("\\\n", "\\\r\n")):
            yield TokenInfo(
                ERRORTOKEN,
                self.string_text + line,
                self.string_start,
                (self.lnum, len(line)),
                self.string_lines,
            )
            self.string_end = None
            return -1
        self.string_text += line
        self.string_lines += line
        return -1

    def _start_statement(self, line: str) -> _Steps:
        """Measure indentation; a comment-only or blank line gives NL.

        Returns where scanning goes on in this line, or -1 for the next line.
        """
        column = 0
        pos = 0
        for char in line:
            if char == " ":
                column += 1
            elif char == "\t":
                column = (column // _TABSIZE + 1) * _TABSIZE
            elif char == "\f":
                column = 0
            else:
                break
            pos += 1
        if pos == len(line):
            return pos
        lnum = self.lnum
        if line[pos] in "#\r\n":
            if line[pos] == "#":
                comment = line[pos:].rstrip("\r\n")
                end = pos + len(comment)
                yield TokenInfo(COMMENT, comment, (lnum, pos), (lnum, end), line)
                pos = end
            yield TokenInfo(NL, line[pos:], (lnum, pos), (lnum, len(line)), line)
            return -1
        if column > self.indents[-1]:
            self.indents.append(column)
            yield TokenInfo(INDENT, line[:pos], (lnum, 0), (lnum, pos), line)
        while column < self.indents[-1]:
            if column not in self.indents:
                raise IndentationError(
                    "unindent does not match any outer indentation level",
                    ("<tokenize>", lnum, pos, line),
                )
            self.indents.pop()
            yield TokenInfo(DEDENT, "", (lnum, pos), (lnum, pos), line)
        return pos

    def _scan_line(self, line: str, pos: int) -> Iterator[TokenInfo]:
        """Every token from *pos* to the end of the line."""
        lnum = self.lnum
        end_of_line = len(line)
        while pos < end_of_line:
            span = self._scan_at(line, pos)
            if span is None:
                yield TokenInfo(
                    ERRORTOKEN, line[pos], (lnum, pos), (lnum, pos + 1), line
                )
                pos += 1
                continue
            start, pos = span
            if start == pos:
                continue
            token = self._classify(line, start, pos)
            if token is not None:
                pos = token[3][1]  # past a triple-quoted string's end
                yield token
            elif self.string_end is not None:
                return

    def _scan_at(self, line: str, pos: int) -> tuple[int, int] | None:
        """Where the next token starts and ends, or None if nothing matches."""
        start = _SPACES.match(line, pos).end()  # type: ignore[union-attr]
        char = line[start] if start < len(line) else ""
        if not char:
            return start, start
        if char == "\\":
            if line.startswith("\\\n", start):
                return start, start + 2
            if line.startswith("\\\r\n", start):
                return start, start + 3
            return None
        if char == "#":
            return start, _COMMENT_BODY.match(line, start).end()  # type: ignore[union-attr]
        quoted = _PY_PREFIX_AND_QUOTE.match(line, start)
        if quoted and len(quoted.group(2)) == 3 and _is_string_prefix(quoted.group(1)):
            return start, quoted.end()
        if char in _DIGIT_CHARS or char == ".":
            number = _PY_NUMBER.match(line, start)
            if number:
                return start, number.end()
        if char == "\n":
            return start, start + 1
        if line.startswith("\r\n", start):
            return start, start + 2
        for size in (3, 2, 1):
            operator = line[start : start + size]
            if len(operator) == size and operator in EXACT_TOKEN_TYPES:
                return start, start + size
        if quoted and _is_string_prefix(quoted.group(1)):
            body = _PY_ONE_LINE_STRING[quoted.group(2)].match(line, quoted.end())
            if body:
                return start, body.end()
        name = _PY_NAME.match(line, start)
        if name:
            return start, name.end()
        return None

    def _classify(self, line: str, start: int, end: int) -> TokenInfo | None:
        """Type the text the scan found, as the 3.11 module does."""
        lnum = self.lnum
        text = line[start:end]
        initial = text[0]
        if initial in _DIGIT_CHARS or (initial == "." and text not in (".", "...")):
            return TokenInfo(NUMBER, text, (lnum, start), (lnum, end), line)
        if initial in "\r\n":
            kind = NL if self.paren_level > 0 else NEWLINE
            return TokenInfo(kind, text, (lnum, start), (lnum, end), line)
        if initial == "#":
            return TokenInfo(COMMENT, text, (lnum, start), (lnum, end), line)
        quoted = _PY_PREFIX_AND_QUOTE.match(text)
        if quoted and _is_string_prefix(quoted.group(1)):
            return self._string_token(line, start, end, quoted.group(2))
        if initial.isidentifier():
            return TokenInfo(NAME, text, (lnum, start), (lnum, end), line)
        if initial == "\\":
            self.continued = True
            return None
        if initial in "([{":
            self.paren_level += 1
        elif initial in ")]}":
            self.paren_level -= 1
        return TokenInfo(OP, text, (lnum, start), (lnum, end), line)

    def _string_token(
        self, line: str, start: int, end: int, quote: str
    ) -> TokenInfo | None:
        """Make a whole string on this line, or start a longer one."""
        lnum = self.lnum
        if len(quote) == 3:
            match = _PY_TRIPLE_END[quote[0]].match(line, end)
            if match:
                end = match.end()
                return TokenInfo(
                    STRING, line[start:end], (lnum, start), (lnum, end), line
                )
            self.string_end = _PY_TRIPLE_END[quote[0]]
        elif line[end - 1] == "\n":
            self.string_end = _PY_SINGLE_END[quote]
            self.needs_continuation = True
        else:
            return TokenInfo(STRING, line[start:end], (lnum, start), (lnum, end), line)
        self.string_start = (lnum, start)
        self.string_text = line[start:]
        self.string_lines = line
        return None


# -- encodings (PEP 263) --------------------------------------------------

_BOM = codecs.BOM_UTF8
_CODING_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-_.a-zA-Z0-9]+)")
_BLANK_OR_COMMENT = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")


def _normal_encoding_name(name: str) -> str:
    """Spellings of UTF-8 and Latin-1 reduced to one name, as CPython does."""
    short = name[:12].lower().replace("_", "-")
    if short == "utf-8" or short.startswith("utf-8-"):
        return "utf-8"
    latin = ("latin-1", "iso-8859-1", "iso-latin-1")
    if short in latin or short.startswith(tuple(prefix + "-" for prefix in latin)):
        return "iso-8859-1"
    return name


def _cookie_encoding(line: bytes, bom_found: bool) -> str | None:
    """Return the encoding a ``# -*- coding: ... -*-`` comment declares."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise SyntaxError("invalid or missing encoding declaration") from None
    match = _CODING_COOKIE.match(text)
    if match is None:
        return None
    encoding = _normal_encoding_name(match.group(1))
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SyntaxError(f"unknown encoding: {encoding}") from None
    if bom_found:
        if encoding != "utf-8":
            raise SyntaxError("encoding problem: utf-8")
        encoding += "-sig"
    return encoding


def _split_byte_lines(source: bytes) -> list[bytes]:
    lines = source.split(b"\n")
    last = lines.pop()
    lines = [line + b"\n" for line in lines]
    if last:
        lines.append(last)
    return lines


def detect_encoding(source: bytes) -> str:
    r"""Return the encoding of Python source *source*, by PEP 263's rules.

    A UTF-8 byte order mark gives ``'utf-8-sig'``; otherwise a coding
    comment on the first line, or on the second if the first is blank or a
    comment, names the encoding; the default is ``'utf-8'``.  Raises
    :exc:`SyntaxError` as :func:`tokenize.detect_encoding` does: for an
    unknown encoding, a cookie line that is not UTF-8, or a cookie that
    contradicts the byte order mark.

    >>> detect_encoding(b"# -*- coding: latin-1 -*-\nx = 1\n")
    'iso-8859-1'
    >>> detect_encoding(b"\xef\xbb\xbfx = 1\n")
    'utf-8-sig'
    """
    return _detect_encoding(_split_byte_lines(source))[0]


def _detect_encoding(lines: list[bytes]) -> tuple[str, int]:
    """Return the encoding, and how many of *lines* were read to find it."""
    default = "utf-8"
    bom_found = False
    first = lines[0] if lines else b""
    if first.startswith(_BOM):
        bom_found = True
        first = first[len(_BOM) :]
        default = "utf-8-sig"
    if not first:
        return default, 0
    encoding = _cookie_encoding(first, bom_found)
    if encoding:
        return encoding, 1
    if not _BLANK_OR_COMMENT.match(first) or len(lines) < 2:
        return default, 1
    encoding = _cookie_encoding(lines[1], bom_found)
    return encoding or default, 2


# -- the public functions -------------------------------------------------


def tokenize(source: str) -> Iterator[TokenInfo]:
    r"""Tokenize *source* as :func:`tokenize.generate_tokens` does on this Python.

    The tokens, their positions and ``line`` fields, and the errors are the
    ones the running version's :mod:`tokenize` gives: on 3.11, f-strings
    are single STRING tokens and stray characters ERRORTOKENs; from 3.12 on,
    f-strings come in parts and bad input raises :exc:`tokenize.TokenError`
    (or :exc:`IndentationError`).

    >>> [t.string for t in tokenize("x = 1  # one\n")]
    ['x', '=', '1', '# one', '\n', '']
    """
    return _tokenize_lines(_split_lines(source), None)


def _tokenize_lines(
    lines: list[str], decode_error: Exception | None
) -> Iterator[TokenInfo]:
    if sys.version_info < (3, 12):
        return _PurePythonLexer(lines, decode_error).tokens()
    return _tokenize_module_tokens(lines)


def _tokenize_module_tokens(lines: list[str]) -> Iterator[TokenInfo]:
    """Yield the C tokenizer's extra tokens, with :mod:`tokenize`'s errors."""
    lexer = _Lexer(lines, extra_tokens=True, filename="<string>")
    try:
        yield from lexer.tokens()
    except SyntaxError as error:
        if type(error) is not SyntaxError:
            raise
        message = error.msg
        if "unterminated triple-quoted string literal" in message:
            message = "EOF in multi-line string"
        raise TokenError(message, (error.lineno, error.offset)) from None


def tokenize_bytes(source: bytes) -> Iterator[TokenInfo]:
    r"""Tokenize encoded source as :func:`tokenize.tokenize` does.

    The first token is ENCODING, naming the encoding :func:`detect_encoding`
    found (``'utf-8'`` for a byte order mark).  Undecodable bytes raise
    :exc:`UnicodeDecodeError` when their line is reached on 3.11, and are
    replaced by U+FFFD from 3.12 on, as in the standard library.

    >>> [t.string for t in tokenize_bytes(b"# coding: latin-1\nx = '\xe9'\n")][:1]
    ['iso-8859-1']
    >>> [t.string for t in tokenize_bytes(b"# coding: latin-1\nx = '\xe9'\n")][5]
    "'é'"
    """
    raw_lines = _split_byte_lines(source)
    if sys.version_info >= (3, 12):
        return _encoded_tokens(raw_lines)
    # On 3.11 tokenize.tokenize() reads the encoding before it returns.
    encoding = _detect_encoding(raw_lines)[0]
    return _encoded_tokens(raw_lines, encoding)


def _encoded_tokens(
    raw_lines: list[bytes], encoding: str | None = None
) -> Iterator[TokenInfo]:
    """Yield ENCODING, then the tokens of the decoded lines."""
    if encoding is None:
        encoding = _detect_encoding(raw_lines)[0]
    if raw_lines and raw_lines[0].startswith(_BOM):
        raw_lines[0] = raw_lines[0][len(_BOM) :]
        if not raw_lines[0]:
            raw_lines.pop(0)
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    yield TokenInfo(ENCODING, encoding, (0, 0), (0, 0), "")
    lines: list[str] = []
    decode_error: Exception | None = None
    errors = "replace" if sys.version_info >= (3, 12) else "strict"
    for raw_line in raw_lines:
        try:
            lines.append(raw_line.decode(encoding, errors))
        except UnicodeDecodeError as error:
            decode_error = error
            break
    yield from _tokenize_lines(lines, decode_error)


def parser_tokens(source: str, *, filename: str = "<unknown>") -> Iterator[TokenInfo]:
    r"""Yield the tokens CPython's parser reads for *source*, lazily.

    This is the C tokenizer's own stream, as ``ast.parse`` consumes it: no
    COMMENT or NL tokens, operators carry their exact type, INDENT, DEDENT
    and ENDMARKER have no columns (-1), and a NEWLINE token spans the
    comment before it.  Line ends ``\r\n`` and ``\r`` count as ``\n``.
    Invalid tokens raise :exc:`SyntaxError` (or :exc:`IndentationError`,
    :exc:`TabError`) with the message and position ``ast.parse`` reports,
    at the point of the stream where the parser would meet them.

    >>> [(t.type, t.string) for t in parser_tokens("x = 1  # one\n")][:4]
    [(1, 'x'), (22, '='), (2, '1'), (4, '# one')]
    >>> next(parser_tokens("x = 0777"))
    TokenInfo(type=1 (NAME), string='x', start=(1, 0), end=(1, 1), line='x = 0777')
    >>> list(parser_tokens("x = 0777"))
    Traceback (most recent call last):
      ...
    SyntaxError: leading zeros in decimal integer literals are not permitted; ...
    """
    if "\0" in source:
        raise SyntaxError("source code string cannot contain null bytes")
    if sys.version_info < (3, 12) and source.endswith("\r\n"):
        # 3.11's newline translation (Parser/tokenizer.c, translate_newlines)
        # adds a line feed after a final "\r\n": one more, empty, line.
        source += "\n"
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    return _Lexer(_split_lines(source), extra_tokens=False, filename=filename).tokens()
