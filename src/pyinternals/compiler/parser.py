"""Source text to :mod:`ast` trees, with a PEG parser generated from our grammar.

The pipeline is CPython's (``Parser/peg_api.c``, ``Parser/pegen.c``):

1. decode the source (PEP 263 declarations, BOM) and tokenize it
   (:func:`_source_tokens`, the one place that knows where tokens come from);
2. give each token its *kind* (keyword, operator or token type), its bracket
   depth, and columns in UTF-8 bytes as :mod:`ast` counts them;
3. run the parser generated from ``grammar/python.gram`` from the start rule
   of the mode; the actions build the nodes;
4. if that fails, run it again with the ``invalid_*`` rules switched on, to
   find CPython's helpful message; if none applies, report "invalid syntax"
   at the furthest token the first pass reached.
"""

from __future__ import annotations

import ast
import codecs
import io
import keyword
import re
import sys
import tokenize
from collections.abc import Iterator, Sequence
from tokenize import TokenInfo

from pyinternals.compiler.grammar.generated import GeneratedPythonParser

__all__ = ["parse"]

_KEYWORDS = frozenset(keyword.kwlist)
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = frozenset(")]}")
_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_START_RULES = {
    "exec": "file",
    "eval": "eval",
    "single": "interactive",
    "func_type": "func_type",
}


def _source_tokens(source: str) -> Iterator[TokenInfo]:
    """Yield the tokens the parser reads: :mod:`tokenize`'s, minus comments.

    This is the one function to swap for the C-compatible tokenizer of
    :mod:`pyinternals.compiler.tokenizer` once it lands.
    """
    skipped = (tokenize.COMMENT, tokenize.NL)
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skipped:
            yield token


class _Tokens:
    """Tokens with their kinds and bracket depths, columns in UTF-8 bytes."""

    def __init__(self, source: str, lines: Sequence[str]) -> None:
        self.tokens: list[TokenInfo] = []
        self.kinds: list[str] = []
        self.levels: list[int] = []
        self.openers: list[TokenInfo] = []
        ascii_lines = [line.isascii() for line in lines]
        tok_name = tokenize.tok_name
        for token in _source_tokens(source):
            kind_code = token.type
            if kind_code == tokenize.ERRORTOKEN and token.string.isspace():
                continue  # pure-Python tokenize's stray whitespace
            if kind_code == tokenize.OP:
                kind = token.string
                if kind in _OPENERS:
                    self.openers.append(token)
                elif kind in _CLOSERS and self.openers:
                    self.openers.pop()
            elif kind_code == tokenize.NAME or kind_code == tokenize.ERRORTOKEN:
                previous = self.tokens[-1] if self.tokens else None
                if (
                    previous is not None
                    and self.kinds[-1] == "NAME"
                    and previous.end == token.start
                    and (previous.string + token.string).isidentifier()
                ):
                    # tokenize splits names at characters its regular
                    # expression misses (U+E0100...); CPython does not.
                    self._pop()
                    token = previous._replace(
                        string=previous.string + token.string, end=token.end
                    )
                if token.string.isidentifier() or kind_code == tokenize.NAME:
                    _check_identifier(token)
                    kind = token.string if token.string in _KEYWORDS else "NAME"
                else:
                    kind = tok_name[kind_code]
            else:
                kind = tok_name[kind_code]
                last = token.string[-1:]
                if kind == "FSTRING_MIDDLE" and last in ("{", "}"):
                    # The second brace of "{{" belongs to the token for CPython.
                    end_row, end_col = token.end
                    if lines[end_row - 1][end_col : end_col + 1] == last:
                        token = token._replace(end=(end_row, end_col + 1))
            (row, col), (end_row, end_col) = token.start, token.end
            if row <= len(lines) and not ascii_lines[row - 1]:
                col = len(lines[row - 1][:col].encode("utf-8"))
                token = token._replace(start=(row, col))
            if end_row <= len(lines) and not ascii_lines[end_row - 1]:
                end_col = len(lines[end_row - 1][:end_col].encode("utf-8"))
                token = token._replace(end=(end_row, end_col))
            self.tokens.append(token)
            self.kinds.append(kind)
            self.levels.append(len(self.openers))

    def _pop(self) -> None:
        self.tokens.pop()
        self.kinds.pop()
        self.levels.pop()


def _check_identifier(token: TokenInfo) -> None:
    """Refuse a NAME with a character identifiers cannot hold (PEP 3131)."""
    text = token.string
    if text.isascii() or text.isidentifier():
        return
    bad = next(i for i in range(len(text)) if not text[: i + 1].isidentifier())
    char = text[bad]
    row, col = token.start
    message = (
        f"invalid character '{char}' (U+{ord(char):04X})"
        if char.isprintable()
        else f"invalid non-printable character U+{ord(char):04X}"
    )
    raise SyntaxError(
        message, (None, row, col + bad + 1, token.line, row, col + bad + 2)
    )


class _PythonParser(GeneratedPythonParser):
    """The generated parser, with f-string sub-parsing and the error pass."""

    def parse_fstring_expression(
        self, text: str, lineno: int, col_offset: int
    ) -> ast.expr:
        """Parse ``(text)`` as 3.11 parses a replacement field's expression."""
        source = "(" + text + ")"
        lines = source.split("\n")
        try:
            tokens = _Tokens(source, [line + "\n" for line in lines])
        except (tokenize.TokenError, SyntaxError):
            self.raise_error(
                "f-string: invalid syntax", (lineno, col_offset), (lineno, col_offset)
            )
        shifted = []
        for token in tokens.tokens:
            (row, col), (end_row, end_col) = token.start, token.end
            if row == 1:
                col += col_offset
            if end_row == 1:
                end_col += col_offset
            shifted.append(
                token._replace(
                    start=(row + lineno - 1, col), end=(end_row + lineno - 1, end_col)
                )
            )
        sub = _PythonParser(
            shifted, tokens.kinds, tokens.levels, self.filename, self.lines
        )
        try:
            expression = _run(sub, "fstring_expression")
        except SyntaxError as error:
            if error.msg.startswith("f-string"):
                raise
            error.msg = "f-string: " + error.msg
            error.args = (error.msg, *error.args[1:])
            raise
        assert isinstance(expression, ast.expr)
        return expression


def _run(parser: _PythonParser, start_rule: str) -> ast.AST:
    """Run *start_rule*; on failure, the error pass (``_PyPegen_run_parser``)."""
    rule = getattr(parser, start_rule)
    tree = rule()
    if tree is not None:
        return tree  # type: ignore[no-any-return]
    if "ERRORTOKEN" in parser._kinds:
        # A tokenizer error anywhere in the file wins, as in CPython.
        _raise_error_token(parser, parser._tokens[parser._kinds.index("ERRORTOKEN")])
    last = max(parser._fill - 1, 0)
    parser._pos = 0
    parser._reset_memos()
    parser._call_invalid_rules = True
    rule()
    kind = parser._kinds[last]
    if kind in ("INDENT", "DEDENT"):
        message = "unexpected indent" if kind == "INDENT" else "unexpected unindent"
        parser.raise_at_token(message, last, IndentationError)
    parser.raise_at_token("invalid syntax", last)


def _raise_error_token(parser: _PythonParser, token: TokenInfo) -> None:
    """Explain a character :mod:`tokenize` could not read."""
    char = token.string.strip()[:1] or " "
    if char in "'\"":
        message = f"unterminated string literal (detected at line {token.start[0]})"
    elif not char.isascii():
        message = (
            f"invalid character '{char}' (U+{ord(char):04X})"
            if char.isprintable()
            else f"invalid non-printable character U+{ord(char):04X}"
        )
    else:
        message = "invalid syntax"
    parser.raise_error(message, token.start, token.end)


def _decode(source: str | bytes, filename: str) -> str:
    if isinstance(source, str):
        text = source
    else:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        except SyntaxError as error:
            message = str(error.msg)
            if message.startswith("invalid or missing"):
                encoding = "utf-8"  # the decoding error below says where
            else:
                # CPython reports a bad declaration on "line 0".
                if source.startswith(codecs.BOM_UTF8):
                    first = source[3:].split(b"\n", 1)[0].decode("latin-1")
                    cookie = _COOKIE.match(first)
                    message = f"encoding problem: {cookie and cookie[1]} with BOM"
                raise SyntaxError(
                    message, (filename, 0, -1, None, None, None)
                ) from None
        try:
            text = source.decode(encoding)
        except UnicodeDecodeError as error:
            row = source.count(b"\n", 0, error.start) + 1
            line_start = source.rfind(b"\n", 0, error.start) + 1
            line = source[line_start:].split(b"\n", 1)[0].decode(encoding, "replace")
            column = len(source[line_start : error.start].decode(encoding, "replace"))
            raise SyntaxError(
                f"(unicode error) {error}",
                (filename, row, column + 1, line + "\n", row, column + 2),
            ) from None
        if text.startswith("\ufeff"):
            text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def parse(
    source: str | bytes, filename: str = "<unknown>", mode: str = "exec"
) -> ast.mod:
    """Parse *source* into an :mod:`ast` tree, with positions.

    *mode* is ``"exec"``, ``"eval"``, ``"single"`` or ``"func_type"``, as for
    :func:`ast.parse`, and the result is the tree :func:`ast.parse` returns.
    Invalid source raises :class:`SyntaxError` (or :class:`IndentationError`)
    with CPython's message and position.

    >>> print(ast.dump(parse("x = 1")))  # doctest: +ELLIPSIS
    Module(body=[Assign(targets=[Name(id='x', ctx=Store())], value=Constant(value=1)...)
    >>> parse("1 +", mode="eval")
    Traceback (most recent call last):
      ...
    SyntaxError: invalid syntax
    """
    if mode not in _START_RULES:
        raise ValueError("mode must be 'exec', 'eval', 'single' or 'func_type'")
    text = _decode(source, filename)
    lines = text.split("\n")
    lines = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    try:
        tokens = _Tokens(text, lines)
    except tokenize.TokenError as error:
        raise _eof_error(error, text, lines, filename) from None
    except SyntaxError as error:
        if isinstance(error, IndentationError):
            raise IndentationError(
                error.msg,
                (filename, error.lineno, error.offset, error.text, error.lineno, -1),
            ) from None
        error.filename = filename
        raise
    parser = _PythonParser(tokens.tokens, tokens.kinds, tokens.levels, filename, lines)
    tree = _run(parser, _START_RULES[mode])
    assert isinstance(tree, ast.mod)
    return tree


def _eof_error(
    error: tokenize.TokenError, text: str, lines: list[str], filename: str
) -> SyntaxError:
    """CPython's message for a source that ends inside a bracket or string."""
    message, (row, col) = error.args
    if message.startswith("unterminated"):
        # 3.12+: tokenize passes on the C tokenizer's message, 1-based column.
        line = lines[row - 1] if row <= len(lines) else ""
        return SyntaxError(message, (filename, row, col, line, row, col))
    if "string" in message:
        line = lines[row - 1] if row <= len(lines) else ""
        offset = col + 1 if sys.version_info < (3, 12) else col  # 3.12+: 1-based
        return SyntaxError(
            "unterminated triple-quoted string literal"
            f" (detected at line {len(lines)})",
            (filename, row, offset, line, row, offset),
        )
    partial = []
    try:
        for token in _source_tokens(text):
            partial.append(token)
    except tokenize.TokenError:
        pass
    stack: list[TokenInfo] = []
    for token in partial:
        if token.type == tokenize.OP and token.string in _OPENERS:
            stack.append(token)
        elif token.type == tokenize.OP and token.string in _CLOSERS and stack:
            stack.pop()
    if stack:
        opener = stack[-1]
        row, col = opener.start
        line = lines[row - 1] if row <= len(lines) else ""
        return SyntaxError(
            f"'{opener.string}' was never closed",
            (filename, row, col + 1, line, row, col + 2),
        )
    return SyntaxError(
        "unexpected EOF while parsing", (filename, row, col, "", row, col)
    )
