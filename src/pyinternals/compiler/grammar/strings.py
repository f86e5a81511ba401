"""String literals: prefixes, escape sequences and (before 3.12) f-strings.

A STRING token's text is a prefix, quotes and a body.  :func:`decode_literal`
turns it into the value ``ast.Constant`` holds, decoding escapes as
``Parser/string_parser.c`` (``decode_unicode_with_escapes``,
``decode_bytes_with_escapes``) does and warning about invalid escapes the way
the running Python does.  Before 3.12 an f-string is a single STRING token
too; :func:`split_fstring` cuts its body into literal text and replacement
fields the way CPython 3.11's ``fstring_find_literal`` and
``fstring_find_expr`` do, leaving the fields' expressions for the parser.
"""

from __future__ import annotations

import codecs
import re
import sys
import warnings
from dataclasses import dataclass, field

__all__ = [
    "FStringError",
    "Field",
    "InvalidEscapeError",
    "decode_literal",
    "decode_text",
    "split_fstring",
    "split_prefix",
]

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_VALID_ESCAPES = frozenset("\n\\'\"abfnrtv01234567xNuU")
_VALID_BYTES_ESCAPES = frozenset("\n\\'\"abfnrtv01234567x")
_WARNING = SyntaxWarning if sys.version_info >= (3, 12) else DeprecationWarning


class FStringError(SyntaxError):
    """An f-string whose text cannot be split into literal and fields."""


def split_prefix(token: str) -> tuple[str, str, str]:
    """Split a STRING token into (lower-case prefix, quote, body).

    >>> split_prefix("rb'''x'''")
    ('rb', "'''", 'x')
    """
    index = 0
    while token[index] not in "'\"":
        index += 1
    prefix = token[:index].lower()
    quote = token[index : index + 3]
    if len(quote) < 3 or quote[0] != quote[1] or quote[1] != quote[2]:
        quote = token[index]
    if len(token) - index < 2 * len(quote):
        quote = token[index]
    return prefix, quote, token[index + len(quote) : len(token) - len(quote)]


class InvalidEscapeError(SyntaxError):
    """An invalid escape under a warning filter set to ``error``.

    CPython reports it as a :class:`SyntaxError` (``warn_invalid_escape_sequence``
    in ``Parser/string_parser.c``). *site* is where 3.13 puts it: the line and
    the UTF-8 column of the character after the backslash; 3.11 points at the
    whole literal instead and leaves it ``None``.
    """

    def __init__(self, message: str, site: tuple[int, int] | None) -> None:
        super().__init__(message)
        self.site = site


def _first_invalid_escape(body: str, valid: frozenset[str]) -> tuple[str, int] | None:
    """Find the first invalid escape in *body*.

    Return it with the index of the character after its backslash.
    """
    for match in _ESCAPE.finditer(body):
        if match.group(1) not in valid:
            return match.group(1), match.start(1)
        if match.group(1) in "01234567":
            digits = re.match(r"[0-7]{1,3}", body[match.start(1) :])
            assert digits is not None
            if int(digits.group(), 8) > 0o377:
                return "\\" + digits.group(), match.start(1)
    return None


def _escape_site(
    decoded_from: str, index: int, lineno: int, col_offset: int, token: str
) -> tuple[int, int]:
    """Where 3.13 locates an invalid escape found at *index* of *decoded_from*.

    The columns are counted in bytes of the text the escapes are decoded
    from, starting at the token's own column; on the token's first line
    CPython adds the number of quotes the token starts with (none when a
    prefix comes first), as ``warn_invalid_escape_sequence`` does.
    """
    before = decoded_from[:index]
    if "\n" in before:
        tail = before[before.rindex("\n") + 1 :]
        return lineno + before.count("\n"), len(tail.encode("utf-8"))
    quotes = len(token) - len(token.lstrip(token[:1])) if token[:1] in "'\"" else 0
    return lineno, col_offset + len(before.encode("utf-8")) + quotes


def _warn_escape(
    bad: str, filename: str, lineno: int, site: tuple[int, int] | None
) -> None:
    if bad.startswith("\\"):
        message = f"invalid octal escape sequence '{bad}'"
    else:
        message = f"invalid escape sequence '\\{bad}'"
    try:
        warnings.warn_explicit(message, _WARNING, filename, site[0] if site else lineno)
    except _WARNING:
        # A warning filter set to "error": CPython reports a SyntaxError at
        # the literal instead (warn_invalid_escape_sequence, string_parser.c).
        raise InvalidEscapeError(message, site) from None


def _check_escapes(
    text: str,
    valid: frozenset[str],
    filename: str,
    lineno: int,
    col_offset: int,
    token: str,
) -> None:
    found = _first_invalid_escape(text, valid)
    if found is None:
        return
    bad, index = found
    site = None
    if sys.version_info >= (3, 13):
        site = _escape_site(text, index, lineno, col_offset, token)
    _warn_escape(bad, filename, lineno, site)


_NON_ASCII = re.compile(r"\\(.)|([^\x00-\x7f])", re.DOTALL)


def _spell_non_ascii(match: re.Match[str]) -> str:
    escaped, bare = match.groups()
    if bare is not None:
        return f"\\U{ord(bare):08x}"
    if escaped.isascii():
        return match.group()
    return f"\\u005c\\U{ord(escaped):08x}"


def decode_text(
    body: str,
    *,
    is_bytes: bool = False,
    filename: str = "<unknown>",
    lineno: int = 1,
    col_offset: int = 0,
    token: str = "",
) -> str | bytes:
    r"""Decode the escape sequences of a non-raw literal body.

    Raises :class:`SyntaxError` for a malformed escape, warns for an
    invalid one (DeprecationWarning before 3.12, SyntaxWarning since), or
    raises :class:`InvalidEscapeError` when that warning is an error.
    *lineno*, *col_offset* (in UTF-8 bytes) and *token* say where the
    literal's token is, for 3.13's location of the escape.

    >>> decode_text(r"a\tb\x41\N{BULLET}")
    'a\tbA•'
    """
    if is_bytes:
        if not body.isascii():
            raise SyntaxError("bytes can only contain ASCII literal characters")
        if "\\" not in body:
            return body.encode("ascii")
        _check_escapes(body, _VALID_BYTES_ESCAPES, filename, lineno, col_offset, token)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return codecs.escape_decode(body.encode("ascii"))[0]
        except ValueError as error:
            raise SyntaxError(f"(value error) {error}") from None
    if "\\" not in body:
        return body
    # The codec reads ASCII: spell other characters as \U escapes, and keep a
    # backslash that precedes one of them (CPython does the same, and looks
    # for invalid escapes in the spelled-out text).
    text = _NON_ASCII.sub(_spell_non_ascii, body)
    _check_escapes(text, _VALID_ESCAPES, filename, lineno, col_offset, token)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return codecs.decode(text.encode("ascii"), "unicode_escape")
    except UnicodeDecodeError as error:
        raise SyntaxError(f"(unicode error) {error}") from None


def decode_literal(
    token: str, filename: str = "<unknown>", lineno: int = 1, col_offset: int = 0
) -> str | bytes:
    r"""Return the value of a (non-f) STRING token.

    >>> decode_literal(r"b'\x00'"), decode_literal(r"r'\n'")
    (b'\x00', '\\n')
    """
    prefix, _, body = split_prefix(token)
    is_bytes = "b" in prefix
    if "r" in prefix:
        if is_bytes:
            if not body.isascii():
                raise SyntaxError("bytes can only contain ASCII literal characters")
            return body.encode("ascii")
        return body
    return decode_text(
        body,
        is_bytes=is_bytes,
        filename=filename,
        lineno=lineno,
        col_offset=col_offset,
        token=token,
    )


@dataclass
class Field:
    """A replacement field ``{expression=!r:spec}`` of an f-string.

    *start* and *end* are offsets of the expression's text in the token;
    *spec* holds the format spec's own pieces (``None``: no spec).
    """

    start: int
    end: int
    debug_text: str | None = None
    conversion: int = -1
    spec: list[str | Field] | None = field(default=None)


def split_fstring(
    token: str, filename: str = "<unknown>", lineno: int = 1
) -> list[str | Field]:
    """Cut an f-string token into decoded literal text and fields.

    Follows CPython 3.11's ``Parser/string_parser.c``; raises
    :class:`FStringError` with its messages.

    >>> [p if isinstance(p, str) else token[p.start:p.end]
    ...  for token in ['f"a{x!r}{{b"'] for p in split_fstring(token)]
    ['a', 'x', '{b']
    """
    prefix, quote, body = split_prefix(token)
    offset = len(prefix) + len(quote)
    raw = "r" in prefix
    pieces, _ = _split(token, offset, offset + len(body), raw, 0, filename, lineno)
    return pieces


def _literal(
    token: str, start: int, end: int, raw: bool, level: int, filename: str, line: int
) -> tuple[str, int]:
    """Scan literal text from *start*; return (decoded text, stop index)."""
    index = start
    chunks: list[str] = []
    chunk_start = start
    while index < end:
        char = token[index]
        index += 1
        if not raw and char == "\\" and index < end:
            char = token[index]
            index += 1
            if char == "N" and index < end and token[index] == "{":
                closing = token.find("}", index, end)
                index = end if closing == -1 else closing + 1
            continue
        if char in "{}":
            if level == 0 and index < end and token[index] == char:
                chunks.append(token[chunk_start:index])
                index += 1
                chunk_start = index
                continue
            if level == 0 and char == "}":
                raise FStringError("f-string: single '}' is not allowed")
            index -= 1
            break
    chunks.append(token[chunk_start:index])
    text = "".join(chunks)
    if not raw and "\\" in text:
        decoded = decode_text(text, filename=filename, lineno=line)
        assert isinstance(decoded, str)
        text = decoded
    return text, index


def _split(
    token: str, start: int, end: int, raw: bool, level: int, filename: str, line: int
) -> tuple[list[str | Field], int]:
    pieces: list[str | Field] = []
    index = start
    while True:
        text, index = _literal(token, index, end, raw, level, filename, line)
        if text:
            pieces.append(text)
        if index >= end or token[index] == "}":
            break
        piece, index = _field(token, index, end, raw, level, filename, line)
        pieces.append(piece)
    return pieces, index


def _field(
    token: str, start: int, end: int, raw: bool, level: int, filename: str, line: int
) -> tuple[Field, int]:
    """Scan the replacement field whose ``{`` is at *start*."""
    if level >= 2:
        raise FStringError("f-string: expressions nested too deeply")
    index = start + 1
    expr_start = index
    quote = ""
    closers: list[str] = []
    while index < end:
        char = token[index]
        if char == "\\":
            raise FStringError("f-string expression part cannot include a backslash")
        if quote:
            if token.startswith(quote, index):
                index += len(quote)
                quote = ""
                continue
            index += 1
            continue
        if char in "'\"":
            quote = char * 3 if token.startswith(char * 3, index) else char
            index += len(quote)
            continue
        if char in "[({":
            closers.append({"[": "]", "(": ")", "{": "}"}[char])
        elif char in "])}" and closers:
            expected = closers.pop()
            if char != expected:
                opener = {"]": "[", ")": "(", "}": "{"}[expected]
                raise FStringError(
                    f"f-string: closing parenthesis '{char}' does not match "
                    f"opening parenthesis '{opener}'"
                )
        elif char in "])}" and char != "}":
            raise FStringError(f"f-string: unmatched '{char}'")
        elif char == "#":
            raise FStringError("f-string expression part cannot include '#'")
        elif not closers and char in "!:}=<>":
            following = token[index + 1] if index + 1 < end else ""
            if char in "!=<>" and following == "=":
                index += 2
                continue
            if char in "<>":
                index += 1
                continue
            break
        index += 1
    expr_end = index
    if quote:
        raise FStringError("f-string: unterminated string")
    if closers:
        opener = {"]": "[", ")": "(", "}": "{"}[closers[-1]]
        raise FStringError(f"f-string: unmatched '{opener}'")
    if index >= end:
        raise FStringError("f-string: expecting '}'")
    if not token[expr_start:expr_end].strip(" \t\n\r\f"):
        raise FStringError("f-string: empty expression not allowed")
    result = Field(expr_start, expr_end)
    if token[index] == "=":
        index += 1
        while index < end and token[index] in " \t\n\r\f\v":
            index += 1
        result.debug_text = token[expr_start:index]
    if index < end and token[index] == "!":
        index += 1
        if index >= end:
            raise FStringError("f-string: expecting '}'")
        conversion = token[index]
        index += 1
        if conversion not in "sra":
            raise FStringError(
                "f-string: invalid conversion character: expected 's', 'r', or 'a'"
            )
        result.conversion = ord(conversion)
    if index >= end:
        raise FStringError("f-string: expecting '}'")
    if token[index] == ":":
        spec, index = _split(token, index + 1, end, raw, level + 1, filename, line)
        result.spec = spec
    if index >= end or token[index] != "}":
        raise FStringError("f-string: expecting '}'")
    if (
        result.debug_text is not None
        and result.conversion == -1
        and result.spec is None
    ):
        result.conversion = ord("r")
    return result, index + 1
