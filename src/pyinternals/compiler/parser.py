"""Source text to :mod:`ast` trees, with a PEG parser generated from our grammar.

The pipeline is CPython's (``Parser/peg_api.c``, ``Parser/pegen.c``):

1. decode the source (PEP 263 declarations, BOM) and tokenize it with
   :func:`~pyinternals.compiler.tokenizer.parser_tokens`, the stream CPython's
   parser reads;
2. give each token its *kind* (keyword, operator or token type), its bracket
   depth, and columns in UTF-8 bytes as :mod:`ast` counts them;
3. run the parser generated from ``grammar/python.gram`` from the start rule
   of the mode; the actions build the nodes;
4. if that fails, run it again with the ``invalid_*`` rules switched on, to
   find CPython's helpful message; if none applies, report "invalid syntax"
   at the furthest token the first pass reached;
5. an error the tokenizer meets later in the file may still win over the
   parser's (``_PyPegen_tokenize_full_source_to_check_for_errors``).

CPython's parser pulls tokens one at a time, so a tokenizer error stops it
only when it asks for the token that fails.  Here the tokens are read up
front: the stream stops at the first error, which is kept aside, and a
placeholder token of kind ``ERRORTOKEN`` (which no rule matches) takes its
place.  Whenever the parser has looked at the placeholder (its furthest
token, ``_fill``, is past it), CPython would have stopped there with the
tokenizer's error, and so do we.
"""

from __future__ import annotations

import ast
import codecs
import io
import keyword
import re
import sys
import tokenize
from collections.abc import Sequence
from token import EXACT_TOKEN_TYPES
from tokenize import TokenInfo
from types import FrameType
from typing import NoReturn

from pyinternals.compiler.grammar.generated import GeneratedPythonParser
from pyinternals.compiler.tokenizer import parser_tokens

__all__ = ["parse"]

_KEYWORDS = frozenset(keyword.kwlist)
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = frozenset(")]}")
_OPERATOR_TYPES = frozenset(EXACT_TOKEN_TYPES.values())
_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_START_RULES = {
    "exec": "file",
    "eval": "eval",
    "single": "interactive",
    "func_type": "func_type",
}
_POSITIONLESS = frozenset({tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER})
_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)
_FSTRING_END = getattr(tokenize, "FSTRING_END", -1)

_END_AT_CURSOR = sys.version_info >= (3, 12)
"""From 3.12 on a token given to the parser ends at the tokenizer's cursor
(``_PyLexer_token_setup`` uses ``tok->col_offset``), which is one character
past the text of two tokens: a NEWLINE (past the line feed) and an f-string
part that ends in a doubled brace (past the second brace)."""

_CODED_ERRORS = frozenset(
    {
        "unexpected EOF while parsing",
        "unindent does not match any outer indentation level",
        "inconsistent use of tabs and spaces in indentation",
        "too many levels of indentation",
        "unexpected character after line continuation character",
    }
)
"""Errors the C tokenizer reports as a bare code (``tok->done``: E_EOF,
E_DEDENT, E_TABSPACE, E_TOODEEP, E_LINECONT) for the parser to word, rather
than raising them itself; they never replace a parser's error after the
fact (``Parser/pegen_errors.c``, ``_Pypegen_tokenizer_error``)."""


_MAX_PARSER_LEVELS = 6000
"""How deep CPython's parser may nest rule calls (``MAXSTACK`` in
``Parser/parser.c``) before it gives up with a MemoryError."""

_FRAME_BUDGET = 9000
"""Python frames the first attempt may use; our rules use 1.5 to 2 frames
for each level of CPython's, so this is under CPython's limit."""

_ATTEMPTS = 4
"""Parses tried before a deep input counts as too deep."""

if sys.version_info >= (3, 12):
    _AST_DEPTH_LIMIT = 10000 - 3
    """``Py_C_RECURSION_LIMIT`` less the C calls under :func:`ast.parse`:
    how many nodes deep ``PyAST_mod2obj`` may go (Linux release builds)."""
else:
    _AST_DEPTH_LIMIT = 0
    """3.11 derives the limit from the Python recursion limit instead."""
_AST_COUNTED: tuple[type[ast.AST], ...] = (
    ast.mod,
    ast.stmt,
    ast.expr,
    ast.excepthandler,
    ast.arguments,
    ast.arg,
    ast.keyword,
    ast.alias,
    ast.withitem,
    ast.match_case,
    ast.pattern,
    ast.type_ignore,
    ast.comprehension,
)
"""Node classes whose conversion to Python objects counts one level of
``PyAST_mod2obj``'s recursion (``Python/Python-ast.c``); operators and
contexts are shared singletons and do not count."""
if sys.version_info >= (3, 12):
    _AST_COUNTED += (ast.type_param,)


def _is_coded(error: SyntaxError) -> bool:
    message = str(error.msg)
    return message in _CODED_ERRORS or message.endswith("was never closed")


class _Tokens:
    """Tokens with their kinds and bracket depths, columns in UTF-8 bytes.

    *single* applies the rule of ``"single"`` mode: the first ENDMARKER
    after some input counts as one more NEWLINE (``_PyPegen_fill_token``),
    so that a compound statement can end there.
    """

    def __init__(
        self,
        source: str,
        lines: Sequence[str],
        filename: str,
        *,
        single: bool = False,
    ) -> None:
        self.tokens: list[TokenInfo] = []
        self.kinds: list[str] = []
        self.levels: list[int] = []
        #: The line each token is on, as CPython numbers it.
        self.rows: list[int] = []
        #: Indices of the tokens CPython gives no columns (INDENT, DEDENT,
        #: ENDMARKER): their positions here are the tokenizer's cursor.
        self.columnless: set[int] = set()
        #: The tokenizer's error, if it met one; the placeholder's index.
        self.error: SyntaxError | None = None
        self.error_index = -1
        #: Brackets open when the stream stopped: (bracket, row, column).
        self.openers: list[tuple[str, int, int]] = []
        #: How many f-strings (3.12+) were open when the stream stopped.
        self.fstring_depth = 0
        self._lines = lines
        raw: list[TokenInfo] = []
        try:
            for token in parser_tokens(source, filename=filename):
                raw.append(token)
        except SyntaxError as error:
            self.error = error
        self._build(raw, single)

    def _build(self, raw: list[TokenInfo], single: bool) -> None:
        lines = self._lines
        ascii_lines = [line.isascii() for line in lines]
        end_of_file = (len(lines) + 1, 0)
        openers = self.openers
        tokens, kinds, levels, rows = self.tokens, self.kinds, self.levels, self.rows
        for index, token in enumerate(raw):
            type_ = token.type
            if type_ in _OPERATOR_TYPES:
                kind = token.string
                if kind in _OPENERS:
                    openers.append((kind, token.start[0], token.start[1]))
                elif kind in _CLOSERS and openers:
                    openers.pop()
            elif type_ == tokenize.NAME:
                kind = token.string if token.string in _KEYWORDS else "NAME"
            else:
                kind = tokenize.tok_name[type_]
                if type_ in _POSITIONLESS:
                    self.columnless.add(len(tokens))
                    token = self._place(raw, index, end_of_file)
                elif type_ == _FSTRING_START:
                    self.fstring_depth += 1
                elif type_ == _FSTRING_END:
                    self.fstring_depth -= 1
            (row, col), (end_row, end_col) = token.start, token.end
            if row <= len(lines) and not ascii_lines[row - 1] and col > 0:
                col = len(lines[row - 1][:col].encode("utf-8"))
                token = token._replace(start=(row, col))
            if end_row <= len(lines) and not ascii_lines[end_row - 1] and end_col > 0:
                end_col = len(lines[end_row - 1][:end_col].encode("utf-8"))
                token = token._replace(end=(end_row, end_col))
            if _END_AT_CURSOR and (
                kind == "NEWLINE"
                or (
                    kind == "FSTRING_MIDDLE"
                    and token.string[-1:] in ("{", "}")
                    and raw[index].end[1] < len(lines[end_row - 1])
                    and lines[end_row - 1][raw[index].end[1]] == token.string[-1]
                )
            ):
                token = token._replace(end=(end_row, end_col + 1))
            if single and kind == "ENDMARKER" and tokens:
                self.columnless.add(len(tokens) + 1)
                tokens.append(token._replace(type=tokenize.NEWLINE))
                kinds.append("NEWLINE")
                levels.append(0)
                rows.append(raw[index].start[0])
                single = False
            tokens.append(token)
            kinds.append(kind)
            levels.append(len(openers))
            rows.append(raw[index].start[0])
        if self.error is not None:
            self.error_index = len(tokens)
            where = tokens[-1].end if tokens else (1, 0)
            tokens.append(TokenInfo(tokenize.ERRORTOKEN, "", where, where, ""))
            kinds.append("ERRORTOKEN")
            levels.append(len(openers))
            rows.append(where[0])

    @staticmethod
    def _place(
        raw: list[TokenInfo], index: int, end_of_file: tuple[int, int]
    ) -> TokenInfo:
        """Give a column-less INDENT, DEDENT or ENDMARKER the cursor's position.

        CPython locates an error on these tokens at the tokenizer's cursor:
        after the indentation of the line they open, or at the end of the
        file for those that close it.
        """
        token = raw[index]
        if token.type != tokenize.ENDMARKER:
            row = token.start[0]
            for following in raw[index + 1 :]:
                if following.type in _POSITIONLESS:
                    if following.type == tokenize.ENDMARKER:
                        break
                    continue
                if following.start[0] == row:
                    col = following.start[1]
                    if token.type == tokenize.INDENT:
                        return token._replace(start=(row, 0), end=(row, col))
                    return token._replace(start=(row, col), end=(row, col))
                break
            else:
                if token.type == tokenize.INDENT:
                    return token._replace(start=(row, 0), end=(row, 0))
        return token._replace(start=end_of_file, end=end_of_file)


class _PythonParser(GeneratedPythonParser):
    """The generated parser, with f-string sub-parsing and the error pass."""

    stream: _Tokens | None = None
    """Where the tokens came from, for the tokenizer's error (set by _run)."""

    def tokenizer_error_reached(self) -> None:
        """Raise the tokenizer's error if the parser has asked for its token."""
        stream = self.stream
        if (
            stream is not None
            and stream.error is not None
            and self._fill > stream.error_index
        ):
            raise stream.error

    def raise_error(
        self,
        message: str,
        start: tuple[int, int],
        end: tuple[int, int],
        error: type[SyntaxError] = SyntaxError,
        *,
        cursor: bool = False,
        end_cursor: bool = False,
    ) -> NoReturn:
        """Raise as :class:`PythonActions` does, unless the tokenizer failed first."""
        self.tokenizer_error_reached()
        super().raise_error(
            message, start, end, error, cursor=cursor, end_cursor=end_cursor
        )

    def parse_fstring_expression(
        self, text: str, lineno: int, col_offset: int
    ) -> ast.expr:
        """Parse ``(text)`` as 3.11 parses a replacement field's expression."""
        source = "(" + text + ")"
        lines = source.split("\n")
        tokens = _Tokens(source, [line + "\n" for line in lines], self.filename)
        if tokens.error is not None:
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
            expression = _run(sub, "fstring_expression", tokens)
        except SyntaxError as error:
            if error.msg.startswith("f-string"):
                raise
            error.msg = "f-string: " + error.msg
            error.args = (error.msg, *error.args[1:])
            raise
        assert isinstance(expression, ast.expr)
        return expression


def _run(parser: _PythonParser, start_rule: str, stream: _Tokens) -> ast.AST:
    """Run *start_rule*; on failure, the error pass (``_PyPegen_run_parser``).

    The error that comes out is decided as ``_Pypegen_set_syntax_error``
    decides it: the tokenizer's, if the parser met it; an unexpected
    INDENT or DEDENT as such; otherwise the parser's own error (a helpful
    one from the second pass, or "invalid syntax" at the furthest token of
    the first), unless the rest of the file holds a tokenizer error that
    takes precedence (:func:`_later_tokenizer_error`).
    """
    parser.stream = stream
    rule = getattr(parser, start_rule)
    try:
        tree = rule()
        if tree is not None:
            return tree  # type: ignore[no-any-return]
        parser.tokenizer_error_reached()
        last = max(parser._fill - 1, 0)
        parser._pos = 0
        parser._reset_memos()
        parser._call_invalid_rules = True
        rule()
        parser.tokenizer_error_reached()
    except SyntaxError as error:
        if error is stream.error:
            raise
        raise _later_tokenizer_error(parser, stream, error) from None
    kind = parser._kinds[last]
    if kind in ("INDENT", "DEDENT"):
        message = "unexpected indent" if kind == "INDENT" else "unexpected unindent"
        parser.raise_at_token(message, last, IndentationError)
    try:
        if last in stream.columnless:
            # RAISE_SYNTAX_ERROR_KNOWN_LOCATION on a token without columns.
            row = stream.rows[last]
            parser.raise_error("invalid syntax", (row, 0), (row, -1), cursor=True)
        parser.raise_at_token("invalid syntax", last)
    except SyntaxError as error:
        raise _later_tokenizer_error(parser, stream, error) from None


def _later_tokenizer_error(
    parser: _PythonParser, stream: _Tokens, error: SyntaxError
) -> SyntaxError:
    """Return the error to report after the parser failed with *error*.

    CPython tokenizes the rest of the file
    (``_PyPegen_tokenize_full_source_to_check_for_errors``): an error the
    tokenizer raises itself replaces the parser's, unless it happens inside
    an f-string (3.12+); an error it only reports as a code does not, but a
    bracket still open when it happens does, as "'(' was never closed", if
    the bracket was opened on a line before the parser's furthest token.
    """
    tokenizer_error = stream.error
    if tokenizer_error is None:
        return error
    if not _is_coded(tokenizer_error):
        if stream.fstring_depth > 0:
            return error
        return tokenizer_error
    if stream.openers:
        furthest = stream.rows[max(parser._fill - 1, 0)]
        char, row, col = stream.openers[-1]
        if furthest > row:
            line = parser.lines[row - 1] if row <= len(parser.lines) else ""
            return SyntaxError(
                f"'{char}' was never closed",
                (parser.filename, row, col + 1, line, row, 0),
            )
    return error


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
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    tokens = _Tokens(text, lines, filename, single=mode == "single")
    depth = _stack_depth(sys._getframe())
    parser, tree = _parse_within_stack(tokens, filename, lines, _START_RULES[mode])
    if mode == "single" and _more_statements(parser, tokens):
        parser.raise_syntax_error(
            "multiple statements found while compiling a single statement"
        )
    _check_tree_depth(tree, depth, len(text))
    return tree


def _stack_depth(frame: FrameType | None) -> int:
    """Count the Python frames from *frame* to the bottom of the stack."""
    depth = 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    return depth


def _parse_within_stack(
    stream: _Tokens, filename: str, lines: list[str], start_rule: str
) -> tuple[_PythonParser, ast.mod]:
    """Run the parser with room for CPython's deepest nesting, and no more.

    CPython's parser counts its nested rule calls and stops at
    ``MAXSTACK`` (``Parser/parser.c``) with a MemoryError.  Our rules are
    Python methods, which use the interpreter's stack: the recursion limit
    is raised for the parse, first to a budget that is below CPython's
    limit for any input.  If the parse runs out of it, the frames on the
    stack say how many of CPython's levels they stand for: enough, and the
    input is too deep for CPython too; not enough, and the parse runs again
    with the budget scaled to reach CPython's limit.
    """
    old_limit = sys.getrecursionlimit()
    base = _stack_depth(sys._getframe())
    budget = _FRAME_BUDGET
    for _ in range(_ATTEMPTS):
        parser = _PythonParser(
            stream.tokens, stream.kinds, stream.levels, filename, lines
        )
        sys.setrecursionlimit(max(old_limit, base + budget))
        try:
            tree = _run(parser, start_rule, stream)
        except RecursionError as error:
            frames, levels = _parser_levels(error)
            if levels >= _MAX_PARSER_LEVELS:
                break
            # Frames for CPython's last level, at the ratio measured.
            budget = -(-frames * _MAX_PARSER_LEVELS // max(levels, 1)) + 2
            continue
        finally:
            sys.setrecursionlimit(old_limit)
        assert isinstance(tree, ast.mod)
        return parser, tree
    raise _stack_overflow()


def _parser_levels(error: RecursionError) -> tuple[int, int]:
    """Count the frames a RecursionError unwound, and CPython's levels in them.

    Each rule method, and each helper for a group, loop or gather, is a
    rule function in CPython too; the alternatives of a memoized rule are
    not, except those of a left-recursive rule, which CPython also splits in
    two (``rule`` and ``rule_raw``).  The runtime's own helpers are not.
    """
    generated = GeneratedPythonParser.file.__code__.co_filename
    frames = levels = 0
    caller = ""
    traceback = error.__traceback__
    while traceback is not None:
        code = traceback.tb_frame.f_code
        frames += 1
        if code.co_filename == generated and (
            not code.co_name.endswith("_alternatives") or caller == "_grow_seed"
        ):
            levels += 1
        caller = code.co_name
        traceback = traceback.tb_next
    return frames, levels


def _stack_overflow() -> MemoryError:
    """CPython's error for a parse deeper than ``MAXSTACK``."""
    if sys.version_info >= (3, 12):
        return MemoryError(
            "Parser stack overflowed - Python source too complex to parse"
        )
    return MemoryError()


def _check_tree_depth(tree: ast.mod, depth: int, size: int) -> None:
    """Refuse a tree deeper than CPython converts to Python objects.

    ``PyAST_mod2obj`` (``Python/Python-ast.c``) counts one level per node it
    converts and raises RecursionError past its limit: on 3.11, three times
    the recursion limit, less three times the depth of the caller's stack
    (*depth* frames, :func:`parse`'s own included); from 3.12 on, the C
    recursion limit.  A tree is never deeper than twice the length of its
    source (*size*) and a few nodes, which spares most files the walk.
    """
    if sys.version_info >= (3, 12):
        limit = _AST_DEPTH_LIMIT
    else:
        limit = 3 * sys.getrecursionlimit() - 3 * depth
    if 2 * size + 4 <= limit:
        return
    counted = _AST_COUNTED
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, level = stack.pop()
        if level > limit:
            raise RecursionError(
                "maximum recursion depth exceeded during ast construction"
            )
        level += 1
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                stack.extend(
                    (item, level) for item in value if isinstance(item, counted)
                )
            elif isinstance(value, counted):
                stack.append((value, level))


def _more_statements(parser: _PythonParser, stream: _Tokens) -> bool:
    """Whether text other than blanks and comments follows the statement.

    ``"single"`` mode compiles one statement; CPython looks at the source
    after the tokenizer's cursor (``bad_single_statement``).
    """
    last = max(parser._fill - 1, 0)
    while last >= 0 and stream.kinds[last] in ("INDENT", "DEDENT", "ENDMARKER"):
        last -= 1
    if last < 0:
        return False
    row, col = stream.tokens[last].end
    lines = parser.lines
    if row > len(lines):
        return False
    line = lines[row - 1]
    col = len(line.encode("utf-8")[:col].decode("utf-8", "replace"))
    rest = "".join([line[col:], *lines[row:]])
    return any(
        not text.lstrip(" \t\f").startswith("#")
        for text in rest.split("\n")
        if text.strip(" \t\f")
    )
