"""The helpers the grammar's actions call to build :mod:`ast` nodes.

:class:`PythonActions` sits between the generic runtime
(:class:`~pyinternals.compiler.pegen.runtime.Parser`) and the generated
parser: it knows Python's tokens and nodes.  Its methods are the
counterparts of ``Parser/action_helpers.c`` (``_PyPegen_make_arguments``,
``_PyPegen_set_expr_context``, ``_PyPegen_concatenate_strings``...) and of
the error helpers of ``Parser/pegen_errors.c`` and ``Parser/pegen.h``
(``RAISE_SYNTAX_ERROR_KNOWN_LOCATION`` and friends).
"""

from __future__ import annotations

import ast
import sys
import unicodedata
from collections.abc import Sequence
from tokenize import TokenInfo
from typing import Any, NoReturn, TypeVar

from pyinternals.compiler.grammar.strings import (
    Field,
    FStringError,
    InvalidEscapeError,
    decode_literal,
    decode_text,
    split_fstring,
    split_prefix,
)
from pyinternals.compiler.pegen.runtime import Memo, Parser

__all__ = ["DEL", "LOAD", "STORE", "Located", "Memo", "Position", "PythonActions"]

LOAD = ast.Load()
STORE = ast.Store()
DEL = ast.Del()

Position = tuple[int, int]
"""A (line, column) pair; columns count UTF-8 bytes, as in :mod:`ast`."""
Located = ast.AST | TokenInfo
"""Anything with a position: a node, or a token."""


def _start(node: Located) -> Position:
    if isinstance(node, TokenInfo):
        return node.start
    return (node.lineno, node.col_offset)  # type: ignore[attr-defined]


def _end(node: Located) -> Position:
    if isinstance(node, TokenInfo):
        return node.end
    return (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


_Node = TypeVar("_Node", bound=ast.AST)


def _located(node: _Node, start: Position, end: Position) -> _Node:
    node.lineno, node.col_offset = start  # type: ignore[attr-defined]
    node.end_lineno, node.end_col_offset = end  # type: ignore[attr-defined]
    return node


_EXPR_NAMES = {
    ast.Attribute: "attribute",
    ast.Subscript: "subscript",
    ast.Starred: "starred",
    ast.Name: "name",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Lambda: "lambda",
    ast.Call: "function call",
    ast.BoolOp: "expression",
    ast.BinOp: "expression",
    ast.UnaryOp: "expression",
    ast.GeneratorExp: "generator expression",
    ast.Yield: "yield expression",
    ast.YieldFrom: "yield expression",
    ast.Await: "await expression",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.Dict: "dict literal",
    ast.Set: "set display",
    ast.JoinedStr: "f-string expression",
    ast.FormattedValue: "f-string expression",
    ast.Compare: "comparison",
    ast.IfExp: "conditional expression",
    ast.NamedExpr: "named expression",
}


class PythonActions(Parser):
    """Python-specific helpers for the generated parser's actions.

    *levels* gives each token's bracket depth; *lines* the source lines
    (for error messages).  Errors are raised as :class:`SyntaxError` (or a
    subclass) with CPython's message and position.

    >>> PythonActions.expr_name(ast.Name("x"))
    'name'
    """

    def __init__(
        self,
        tokens: Sequence[TokenInfo],
        kinds: Sequence[str],
        levels: Sequence[int],
        filename: str,
        lines: Sequence[str],
    ) -> None:
        super().__init__(tokens, kinds)
        self.levels = levels
        self.filename = filename
        self.lines = lines

    # Names, numbers and contexts ------------------------------------------

    @staticmethod
    def ident(token: TokenInfo) -> str:
        """Return the identifier a NAME token spells, NFKC-normalised (PEP 3131)."""
        text: str = token.string
        if text.isascii():
            return text
        return unicodedata.normalize("NFKC", text)

    def name(self, token: TokenInfo, ctx: ast.expr_context = LOAD) -> ast.Name:
        """Build the Name node of a NAME token."""
        (line, col), (end_line, end_col) = token.start, token.end
        return ast.Name(
            self.ident(token),
            ctx,
            lineno=line,
            col_offset=col,
            end_lineno=end_line,
            end_col_offset=end_col,
        )

    def number(self, token: TokenInfo) -> ast.Constant:
        """Build the Constant of a NUMBER token (CPython's ``parsenumber``)."""
        text: str = token.string.replace("_", "")
        value: complex | float | int
        if text[-1] in "jJ":
            value = complex(0.0, float(text[:-1]))
        elif text[:2].lower() in ("0x", "0o", "0b"):
            value = int(text, 0)
        elif "." in text or "e" in text or "E" in text:
            value = float(text)
        else:
            value = int(text)
        (line, col), (end_line, end_col) = token.start, token.end
        return ast.Constant(
            value,
            None,
            lineno=line,
            col_offset=col,
            end_lineno=end_line,
            end_col_offset=end_col,
        )

    def ensure_real(self, number: ast.Constant) -> ast.Constant:
        """Return *number*, which must not be imaginary (complex patterns)."""
        if isinstance(number.value, complex):
            self.raise_known_location(number, "real number required in complex literal")
        return number

    def ensure_imaginary(self, number: ast.Constant) -> ast.Constant:
        """Return *number*, which must be imaginary (complex patterns)."""
        if not isinstance(number.value, complex):
            self.raise_known_location(
                number, "imaginary number required in complex literal"
            )
        return number

    def set_context(self, node: ast.expr, ctx: ast.expr_context) -> ast.expr:
        """Copy target *node* with context *ctx* (``_PyPegen_set_expr_context``)."""
        new: ast.expr
        if isinstance(node, ast.Name):
            new = ast.Name(node.id, ctx)
        elif isinstance(node, ast.Tuple):
            new = ast.Tuple([self.set_context(e, ctx) for e in node.elts], ctx)
        elif isinstance(node, ast.List):
            new = ast.List([self.set_context(e, ctx) for e in node.elts], ctx)
        elif isinstance(node, ast.Subscript):
            new = ast.Subscript(node.value, node.slice, ctx)
        elif isinstance(node, ast.Attribute):
            new = ast.Attribute(node.value, node.attr, ctx)
        elif isinstance(node, ast.Starred):
            new = ast.Starred(self.set_context(node.value, ctx), ctx)
        else:
            return node
        _located(new, _start(node), _end(node))
        return new

    # Statements and parameters --------------------------------------------

    @staticmethod
    def decorated(definition: Any, decorators: list[ast.expr]) -> Any:
        """Give *definition* (a function or class) its decorators."""
        definition.decorator_list = decorators
        return definition

    @staticmethod
    def count_dots(tokens: list[TokenInfo]) -> int:
        """Count the relative-import level of a run of '.' and '...' tokens."""
        return sum(len(token.string) for token in tokens)

    @staticmethod
    def empty_arguments() -> ast.arguments:
        """Build the arguments node of a function without parameters."""
        return ast.arguments([], [], None, [], [], None, [])

    @staticmethod
    def make_arguments(
        slash_no_default: list[ast.arg] | None,
        slash_with_default: tuple[list[ast.arg], list[tuple[ast.arg, ast.expr]]] | None,
        plain: list[ast.arg] | None,
        with_default: list[tuple[ast.arg, ast.expr]] | None,
        star_etc: tuple[
            ast.arg | None, list[tuple[ast.arg, ast.expr | None]], ast.arg | None
        ]
        | None,
    ) -> ast.arguments:
        """Assemble an arguments node (``_PyPegen_make_arguments``)."""
        defaults: list[ast.expr] = []
        if slash_no_default is not None:
            posonly = list(slash_no_default)
        elif slash_with_default is not None:
            posonly = list(slash_with_default[0])
            posonly += [arg for arg, _ in slash_with_default[1]]
            defaults += [value for _, value in slash_with_default[1]]
        else:
            posonly = []
        args = list(plain or [])
        args += [arg for arg, _ in with_default or ()]
        defaults += [value for _, value in with_default or ()]
        vararg, kwonly, kwarg = star_etc or (None, [], None)
        return ast.arguments(
            posonly,
            args,
            vararg,
            [arg for arg, _ in kwonly],
            [value for _, value in kwonly],
            kwarg,
            defaults,
        )

    @staticmethod
    def call_arguments(
        args: list[ast.expr], kwargs: list[ast.expr | ast.keyword] | None, **extra: int
    ) -> ast.Call:
        """Carry a call's arguments in a Call (``_PyPegen_collect_call_seqs``)."""
        positional = list(args)
        keywords = []
        for item in kwargs or ():
            if isinstance(item, ast.keyword):
                keywords.append(item)
            else:
                positional.append(item)
        return ast.Call(ast.Name("", LOAD), positional, keywords, **extra)

    @staticmethod
    def interactive_exit() -> None:
        """Fail on the end of input in ``single`` mode without a statement.

        CPython's action (``_PyPegen_interactive_exit``) only records
        E_EOF and fails; the error is the generic one, at the ENDMARKER.
        """
        return None

    # Strings ---------------------------------------------------------------

    def concatenate(self, parts: list[Any], **extra: int) -> ast.expr:
        """Build the node of adjacent literals (``_PyPegen_concatenate_strings``).

        *parts* are STRING tokens and, from 3.12 on, the JoinedStr nodes of
        f-strings the grammar parsed.
        """
        start = (extra["lineno"], extra["col_offset"])
        end = (extra["end_lineno"], extra["end_col_offset"])
        first = parts[0]
        if len(parts) == 1 and isinstance(first, TokenInfo):
            prefix = split_prefix(first.string)[0]
            if "f" not in prefix:
                return self._constant(first, start, end)
        kinds_bytes = []
        fstring = False
        for part in parts:
            if isinstance(part, TokenInfo):
                prefix = split_prefix(part.string)[0]
                kinds_bytes.append("b" in prefix)
                fstring = fstring or "f" in prefix
            else:
                kinds_bytes.append(False)
                fstring = True
        if any(kinds_bytes) and not all(kinds_bytes):
            self.raise_known_location(first, "cannot mix bytes and nonbytes literals")
        kind = "u" if isinstance(first, TokenInfo) and first.string[0] == "u" else None
        if all(kinds_bytes):
            value = b"".join(self._value(part) for part in parts)
            return ast.Constant(value, None, **extra)
        if not fstring:
            text = "".join(self._value(part) for part in parts)
            return ast.Constant(text, kind, **extra)
        if sys.version_info < (3, 12):
            return self._concatenate_311(parts, kind, start, end)
        return self._concatenate_joined(parts, **extra)

    def _value(self, token: TokenInfo) -> Any:
        try:
            return decode_literal(
                token.string, self.filename, token.start[0], token.start[1]
            )
        except InvalidEscapeError as error:
            self._raise_at_escape(token, error)
        except SyntaxError as error:
            self.raise_known_location(token, error.msg)

    def _raise_at_escape(self, literal: Located, error: InvalidEscapeError) -> NoReturn:
        """Raise an invalid escape's SyntaxError where the running Python does.

        3.13 points at the backslash and the character after it; 3.11 at the
        whole literal.
        """
        if error.site is None:
            self.raise_known_location(literal, error.msg)
        line, column = error.site
        self.raise_error(error.msg, (line, column - 1), (line, column + 1))

    def _constant(self, token: TokenInfo, start: Position, end: Position) -> ast.expr:
        kind = "u" if token.string[0] == "u" else None
        node = ast.Constant(self._value(token), kind)
        _located(node, start, end)
        return node

    def _concatenate_311(
        self, tokens: list[TokenInfo], kind: str | None, start: Position, end: Position
    ) -> ast.expr:
        """Parse 3.11 f-string tokens as ``Parser/string_parser.c`` does.

        Every piece gets the position of the whole run of strings; the
        expressions get their own, computed from where they sit in the token.
        """
        values: list[ast.expr] = []
        pending: list[str] = []

        def flush() -> None:
            if pending:
                text = "".join(pending)
                pending.clear()
                if text:
                    values.append(_located(ast.Constant(text, kind), start, end))

        for token in tokens:
            prefix = split_prefix(token.string)[0]
            if "f" not in prefix:
                pending.append(self._value(token))
                continue
            try:
                pieces = split_fstring(token.string, self.filename, token.start[0])
            except (FStringError, InvalidEscapeError) as error:
                self.raise_known_location(token, error.msg)
            for piece in pieces:
                if isinstance(piece, str):
                    pending.append(piece)
                    continue
                if piece.debug_text is not None:
                    pending.append(piece.debug_text)
                flush()
                values.append(self._field_311(token, piece, kind, start, end))
        flush()
        return _located(ast.JoinedStr(values), start, end)

    def _field_311(
        self,
        token: TokenInfo,
        piece: Field,
        kind: str | None,
        start: Position,
        end: Position,
    ) -> ast.expr:
        expression = self._fstring_expression_311(token, piece)
        spec = None
        if piece.spec is not None:
            parts: list[ast.expr] = []
            # 3.11's quirk: the spec and its trailing text get the position
            # of their own token, the other pieces that of the whole run.
            last = len(piece.spec) - 1
            for number, sub in enumerate(piece.spec):
                if isinstance(sub, str):
                    constant = ast.Constant(sub, kind)
                    if number == last:
                        parts.append(_located(constant, token.start, token.end))
                    else:
                        parts.append(_located(constant, start, end))
                else:
                    parts.append(self._field_311(token, sub, kind, start, end))
            spec = _located(ast.JoinedStr(parts), token.start, token.end)
        node = ast.FormattedValue(expression, piece.conversion, spec)
        return _located(node, start, end)

    def _fstring_expression_311(self, token: TokenInfo, piece: Field) -> ast.expr:
        """Parse a field's expression where 3.11 puts it (``fstring_compile_expr``)."""
        text = token.string
        brace = piece.start - 1
        lines_before = text.count("\n", 0, brace)
        expression = text[piece.start : piece.end]
        columns = 0
        if expression.lstrip(" \t\f")[:1] not in ("\n", ""):
            before = text[:brace].encode("utf-8")
            newline = before.rfind(b"\n")
            columns = len(before) if newline == -1 else len(before) - newline - 1
        if lines_before == 0:
            columns += token.start[1]
        return self.parse_fstring_expression(
            expression, token.start[0] + lines_before, columns
        )

    def parse_fstring_expression(
        self, text: str, lineno: int, col_offset: int
    ) -> ast.expr:
        """Parse a 3.11 f-string field (overridden by the parser module)."""
        raise NotImplementedError

    # 3.12+ f-strings: the grammar parses them --------------------------------

    def fstring_literal(self, token: TokenInfo) -> ast.Constant:
        """Build the Constant of an FSTRING_MIDDLE token."""
        (line, col), (end_line, end_col) = token.start, token.end
        node = ast.Constant(
            token.string,
            None,
            lineno=line,
            col_offset=col,
            end_lineno=end_line,
            end_col_offset=end_col,
        )
        return node

    def _decode_middle(self, node: ast.Constant, raw: bool) -> ast.Constant:
        text = node.value
        if not raw and isinstance(text, str) and "\\" in text:
            try:
                node.value = decode_text(
                    text,
                    filename=self.filename,
                    lineno=node.lineno,
                    col_offset=node.col_offset,
                    token=text,
                )
            except InvalidEscapeError as error:
                self._raise_at_escape(node, error)
            except SyntaxError as error:
                self.raise_known_location(node, error.msg)
        return node

    def joined_str(
        self, start: TokenInfo, parts: list[ast.expr], end: TokenInfo
    ) -> ast.JoinedStr:
        """Build the JoinedStr of one f-string (``_PyPegen_joined_str``)."""
        raw = "r" in start.string.lower()
        values: list[ast.expr] = []
        for part in parts:
            if isinstance(part, ast.JoinedStr):
                values.extend(part.values)
                continue
            if isinstance(part, ast.Constant):
                self._decode_middle(part, raw)
                if part.value == "":
                    continue
            values.append(part)
        node = ast.JoinedStr(values)
        _located(node, start.start, end.end)
        return node

    def check_conversion(self, bang: TokenInfo, name: TokenInfo) -> TokenInfo:
        """Check that a conversion letter follows '!' directly."""
        if bang.end != name.start:
            self.raise_known_range(
                bang,
                name,
                # (sic: CPython's spelling)
                "f-string: conversion type must come right after the"
                " exclamanation mark",
            )
        return name

    def format_spec(
        self, colon: TokenInfo, spec: list[ast.expr], **extra: int
    ) -> tuple[TokenInfo, ast.expr]:
        """Build the format spec of a replacement field, a JoinedStr."""
        items: list[ast.expr] = []
        for item in spec:
            if isinstance(item, ast.Constant):
                self._decode_middle(item, False)
                if item.value == "":
                    continue
            items.append(item)
        if len(items) <= 1 and all(isinstance(i, ast.Constant) for i in items):
            return colon, ast.JoinedStr(items, **extra)
        return colon, self._concatenate_joined(items, **extra)

    def formatted_value(
        self,
        expression: ast.expr,
        debug: TokenInfo | None,
        conversion: TokenInfo | None,
        spec: tuple[TokenInfo, ast.expr] | None,
        closing: TokenInfo,
        **extra: int,
    ) -> ast.expr:
        """Build a FormattedValue, after its text for ``{x=}``.

        CPython: ``_PyPegen_formatted_value``.
        """
        value = -1
        if conversion is not None:
            letter = conversion.string
            if letter not in ("s", "r", "a"):
                self.raise_known_location(
                    conversion,
                    f"f-string: invalid conversion character {letter!r}: "
                    "expected 's', 'r', or 'a'",
                )
            value = ord(letter)
        elif debug is not None and spec is None:
            value = ord("r")
        node = ast.FormattedValue(expression, value, spec[1] if spec else None, **extra)
        if debug is None:
            return node
        if conversion is not None:
            debug_end = (conversion.start[0], conversion.start[1] - 1)
        elif spec is not None:
            debug_end = spec[0].start
        else:
            debug_end = closing.start
        start = (extra["lineno"], extra["col_offset"] + 1)
        text = _located(
            ast.Constant(self._debug_text(start, debug_end)), start, debug_end
        )
        return ast.JoinedStr([text, node])

    def _debug_text(self, start: Position, end: Position) -> str:
        """Return the source of ``{expr=}`` between the braces, minus comments."""
        text = self._source_between(start, end)
        if "#" not in text:
            return text
        spans = []
        index = self._pos - 1
        while index >= 0 and self._tokens[index].end > start:
            token = self._tokens[index]
            spans.append((token.start, token.end))
            index -= 1
        pieces = []
        row = start[0]
        col = len(self.lines[row - 1].encode("utf-8")[: start[1]].decode("utf-8"))
        for char in text:
            position = (row, len(self.lines[row - 1][:col].encode("utf-8")))
            in_token = any(a <= position < b for a, b in spans)
            pieces.append("\0" if char == "#" and not in_token else char)
            if char == "\n":
                row, col = row + 1, 0
            else:
                col += 1
        kept = [line.split("\0", 1)[0] for line in "".join(pieces).split("\n")]
        return "\n".join(kept)

    def _source_between(self, start: Position, end: Position) -> str:
        lines = self.lines[start[0] - 1 : end[0]]
        if not lines:
            return ""
        encoded = [line.encode("utf-8") for line in lines]
        if len(encoded) == 1:
            return encoded[0][start[1] : end[1]].decode("utf-8")
        encoded[0] = encoded[0][start[1] :]
        encoded[-1] = encoded[-1][: end[1]]
        return b"".join(encoded).decode("utf-8")

    def _concatenate_joined(self, parts: list[Any], **extra: int) -> ast.expr:
        """Flatten 3.12+ f-strings and strings into one JoinedStr."""
        flat: list[ast.expr] = []
        for part in parts:
            if isinstance(part, TokenInfo):
                node = self._constant(part, part.start, part.end)
                flat.append(node)
            elif isinstance(part, ast.JoinedStr):
                flat.extend(part.values)
            else:
                flat.append(part)
        values: list[ast.expr] = []
        index = 0
        while index < len(flat):
            item = flat[index]
            if isinstance(item, ast.Constant):
                run = [item]
                while index + 1 < len(flat):
                    following = flat[index + 1]
                    if not isinstance(following, ast.Constant):
                        break
                    run.append(following)
                    index += 1
                if len(run) > 1:
                    text = "".join(str(constant.value) for constant in run)
                    item = ast.Constant(text, run[0].kind)
                    _located(item, _start(run[0]), _end(run[-1]))
                if item.value == "":
                    index += 1
                    continue
            values.append(item)
            index += 1
        return ast.JoinedStr(values, **extra)

    # Error helpers ----------------------------------------------------------

    @staticmethod
    def expr_name(node: ast.AST) -> str:
        """Name an expression as CPython's messages do (``_PyPegen_get_expr_name``)."""
        if isinstance(node, ast.Constant):
            value = node.value
            if value is None or value is True or value is False:
                return str(value)
            if value is Ellipsis:
                return "ellipsis"
            return "literal"
        return _EXPR_NAMES.get(type(node), "expression")

    @staticmethod
    def is_legacy_name(node: ast.expr) -> bool:
        """Say whether *node* is the name ``print`` or ``exec``."""
        return isinstance(node, ast.Name) and node.id in ("print", "exec")

    def inside_brackets(self) -> bool:
        """Say whether the last consumed token is inside brackets."""
        return self.levels[self._pos - 1] > 0

    @staticmethod
    def last_comprehension_item(clause: ast.comprehension) -> ast.expr:
        """Return the last expression of a comprehension clause."""
        return clause.ifs[-1] if clause.ifs else clause.iter

    def nonparen_genexp_in_call(
        self, call: ast.Call, clauses: list[ast.comprehension]
    ) -> None:
        """Reject ``f(a, x for x in y)``, accept ``f(x for x in y)``."""
        if len(call.args) <= 1:
            return None
        self.raise_known_range(
            call.args[-1],
            self.last_comprehension_item(clauses[-1]),
            "Generator expression must be parenthesized",
        )

    def arguments_parsing_error(self, call: ast.Call) -> NoReturn:
        """Refuse a positional argument after keyword arguments."""
        if any(keyword.arg is None for keyword in call.keywords):
            self.raise_syntax_error(
                "positional argument follows keyword argument unpacking"
            )
        self.raise_syntax_error("positional argument follows keyword argument")

    @staticmethod
    def invalid_target(node: ast.expr | None, kind: str) -> ast.expr | None:
        """Find the part of *node* that cannot be a target.

        CPython: ``_PyPegen_get_invalid_target``.
        """
        if node is None:
            return None
        if isinstance(node, (ast.List, ast.Tuple)):
            for element in node.elts:
                bad = PythonActions.invalid_target(element, kind)
                if bad is not None:
                    return bad
            return None
        if isinstance(node, ast.Starred):
            if kind == "del":
                return node
            return PythonActions.invalid_target(node.value, kind)
        if isinstance(node, ast.Compare):
            if kind == "for":
                if isinstance(node.ops[0], ast.In):
                    return PythonActions.invalid_target(node.left, kind)
                return None
            return node
        if isinstance(node, (ast.Name, ast.Subscript, ast.Attribute)):
            return None
        return node

    def raise_invalid_target(self, kind: str, node: ast.expr) -> None:
        """Refuse *node* as a target, naming its invalid part."""
        bad = self.invalid_target(node, kind)
        if bad is None:
            self.raise_syntax_error("invalid syntax")
        verb = "delete" if kind == "del" else "assign to"
        self.raise_known_location(bad, f"cannot {verb} {self.expr_name(bad)}")

    def raise_kvpair_error(self, key: ast.expr) -> NoReturn:
        """Refuse a dictionary key without ':', at the key's last character."""
        self.raise_error(
            "':' expected after dictionary key",
            (key.lineno, key.end_col_offset - 1),  # type: ignore[operator]
            (key.end_lineno or key.lineno, -1),
        )

    def raise_at_token(
        self, message: str, index: int, error: type[SyntaxError] = SyntaxError
    ) -> NoReturn:
        """Raise *error* on the token at *index*, located as CPython locates it.

        CPython's layout tokens (INDENT, DEDENT, ENDMARKER) have no columns:
        its errors on them point at the tokenizer's cursor instead, which is
        the end of the file for the tokens that close it.
        """
        token = self._tokens[index]
        kind = self._kinds[index]
        if kind not in ("INDENT", "DEDENT", "ENDMARKER"):
            self.raise_error(message, token.start, token.end, error)
        row, col = token.end if kind == "INDENT" else token.start
        if row > len(self.lines) or kind == "ENDMARKER":
            row = len(self.lines)
            col = len(self.lines[-1].encode("utf-8")) if self.lines else 0
        self.raise_error(message, (row, col), (row, -2), error, cursor=True)

    def raise_syntax_error(self, message: str) -> NoReturn:
        """RAISE_SYNTAX_ERROR: at the last token the parser looked at."""
        self.raise_at_token(message, max(self._fill - 1, 0))

    def raise_indentation_error(self, message: str) -> NoReturn:
        """RAISE_INDENTATION_ERROR: like :meth:`raise_syntax_error`."""
        self.raise_at_token(message, max(self._fill - 1, 0), IndentationError)

    def raise_on_next_token(self, message: str) -> NoReturn:
        """RAISE_SYNTAX_ERROR_ON_NEXT_TOKEN: at the token after the cursor."""
        self.raise_at_token(message, self._pos)

    def raise_known_location(self, node: Located, message: str) -> NoReturn:
        """RAISE_SYNTAX_ERROR_KNOWN_LOCATION: on *node*."""
        self.raise_error(message, _start(node), _end(node))

    def raise_known_range(
        self, first: Located, last: Located, message: str
    ) -> NoReturn:
        """RAISE_SYNTAX_ERROR_KNOWN_RANGE: from *first* to *last*."""
        self.raise_error(message, _start(first), _end(last))

    def raise_starting_from(self, node: Located, message: str) -> NoReturn:
        """RAISE_SYNTAX_ERROR_STARTING_FROM: from *node* to the tokenizer's position."""
        index = max(self._fill - 1, 0)
        row, col = self._tokens[index].end
        if sys.version_info < (3, 12) and self._kinds[index] == "NEWLINE":
            col += 1  # the cursor is past the line feed
        self.raise_error(message, _start(node), (row, col), end_cursor=True)

    def raise_error(
        self,
        message: str,
        start: Position,
        end: Position,
        error: type[SyntaxError] = SyntaxError,
        *,
        cursor: bool = False,
        end_cursor: bool = False,
    ) -> NoReturn:
        """Raise *error* with CPython's details; columns are UTF-8 offsets.

        The exception's offsets count characters from 1, or from 0 when
        *cursor* (for the start) or *end_cursor* (for the end) says the
        position is the tokenizer's cursor.
        """
        line = self.lines[start[0] - 1] if 0 < start[0] <= len(self.lines) else ""
        offset = len(line.encode("utf-8")[: start[1]].decode("utf-8", "replace"))
        offset += 0 if cursor else 1
        end_line_text = self.lines[end[0] - 1] if 0 < end[0] <= len(self.lines) else ""
        if end[0] == len(self.lines) and not end_line_text.endswith("\n"):
            end_line_text += "\n"  # the tokenizer's implicit final newline
        if end[1] < 0:
            end_offset = end[1] + 1
        else:
            end_offset = len(
                end_line_text.encode("utf-8")[: end[1]].decode("utf-8", "replace")
            ) + (0 if end_cursor else 1)
        raise error(
            message, (self.filename, start[0], offset, line, end[0], end_offset)
        )

    def _raise_error(self, message: str, start: Position, end: Position) -> None:
        self.raise_error(message, start, end)
