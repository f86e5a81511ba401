import ast
import io
import os
import sys
import tokenize as stdlib_tokenize
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyinternals.compiler.conformance.tokens import compare
from pyinternals.compiler.tokenizer import (
    detect_encoding,
    parser_tokens,
    tokenize,
    tokenize_bytes,
)

# The running interpreter's standard library (an uninstalled build has
# no sysconfig "stdlib" folder, but os.py sits in it all the same).
STDLIB = Path(os.__file__).parent


def _stdlib_files() -> list[Path]:
    files = []
    for folder, dirs, names in os.walk(STDLIB):
        dirs[:] = sorted(d for d in dirs if d != "site-packages")
        files += [Path(folder) / n for n in sorted(names) if n.endswith(".py")]
    return files


HARD_CASES = [
    "test/bad_coding.py",
    "test/bad_coding2.py",
    "test/bad_coding3.py",
    "test/badsyntax_3131.py",
    "test/badsyntax_future3.py",
    "test/badsyntax_pep3120.py",
    "test/test_fstring.py",
    "test/test_tokenize.py",
    "test/test_grammar.py",
    "test/test_unicode_identifiers.py",
    "test/test_source_encoding.py",
    "test/test_syntax.py",
    "test/encoded_modules/module_koi8_r.py",
    "test/tokenizedata/bad_coding.py",
    "test/tokenizedata/bad_coding2.py",
    "test/tokenizedata/badsyntax_3131.py",
    "test/tokenizedata/badsyntax_pep3120.py",
    "test/tokenizedata/coding20731.py",
    "test/tokenizedata/tokenize_tests.py",
    "test/tokenizedata/tokenize_tests-utf8-coding-cookie-and-no-utf8-bom-sig.py",
    "test/tokenizedata/tokenize_tests-utf8-coding-cookie-and-utf8-bom-sig.py",
    "test/tokenizedata/tokenize_tests-no-coding-cookie-and-utf8-bom-sig-only.py",
    "test/tokenizedata/tokenize_tests-latin1-coding-cookie-and-utf8-bom-sig.py",
    "lib2to3/tests/data/crlf.py",
    "lib2to3/tests/data/different_encoding.py",
    "lib2to3/tests/data/false_encoding.py",
    "lib2to3/tests/data/py2_test_grammar.py",
    "lib2to3/tests/data/bom.py",
]
SAMPLE = sorted(
    {p for p in _stdlib_files()[::60]}
    | {STDLIB / name for name in HARD_CASES if (STDLIB / name).exists()},
)


def test_sample_is_not_trivial() -> None:
    assert len(SAMPLE) > 40


@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: str(p.relative_to(STDLIB)))
def test_stdlib_file_agrees_with_tokenize(path: Path) -> None:
    verdict = compare(path.read_bytes(), str(path))
    assert verdict.agrees, verdict.detail


# -- tokenize(str) against generate_tokens -------------------------------------


def _outcome(tokens):
    produced = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            produced.extend(tuple(t) for t in tokens())
        except Exception as error:
            return produced, type(error), error.args
    return produced, None, None


def _stdlib_stream(source: str):
    return _outcome(
        lambda: stdlib_tokenize.generate_tokens(io.StringIO(source).readline)
    )


STRING_CASES = [
    "",
    "\n",
    "# only a comment",
    "x",
    "if x:\n    y = 1\n\n# c\n",
    "x = (1,\n  2)  # c\n",
    "x = \\\n  1\n",
    "x = \\",
    "(1",
    "'''abc",
    "x = 'abc\n",
    "x = 'a\\\nb'\n",
    "x = 'a\\\nb\n",
    "if 1:\n  a\n b\n",
    "if 1:\n\tx\n        y\n",
    "0777 1abc € ) $ ? `",
    "a\rb\r\n",
    "x = 1\r\ny = 2\r\n",
    "  x = 1\n",
    "rb'x' Rb'x' bR'''x''' u'x' U\"x\" br\"x\" ur'x'\n",
    "f'a{{b{x!r:>{w}}}c}}d'\n",
    "f'{x=}' f'{x = !r:^10}' f'{x:{y}.{z}f}'\n",
    'f"""a\n{x}\nb"""\n',
    "f'{f\"{f'{x}'}\"}'\n",
    "f'{x:}' f'{x!s}' f'\\{x}' rf'\\{x}' f'\\N{BULLET} {x}'\n",
    "f'{'\n",
    "f'}'\n",
    "f'''{\nx\n}'''\n",
    "f'{x:\n}'\n",
    "x = 1if y else 2\n",
    "def f(a, /, *, b=...) -> int: return a @ b\n",
    "x := 1; x **= 2; x //= 3; x >>= 4; x != 5; a -> b\n",
    "\x0cx = 1\n",
    "x = 1 \\ 2\n",
    "x\x00y\n",
]


@pytest.mark.parametrize("source", STRING_CASES)
def test_tokenize_matches_generate_tokens(source: str) -> None:
    assert _outcome(lambda: tokenize(source)) == _stdlib_stream(source)


def test_tokens_are_real_token_infos_with_exact_types() -> None:
    tokens = list(tokenize("x += 1\n"))
    assert all(isinstance(t, stdlib_tokenize.TokenInfo) for t in tokens)
    expected = list(stdlib_tokenize.generate_tokens(io.StringIO("x += 1\n").readline))
    assert [t.exact_type for t in tokens] == [t.exact_type for t in expected]


FSTRING_CASES = [
    "f'{x!r:>{width}.{precision}}'",
    "f'{{literal}} {value:{{}}>10}'",
    'f"{x}" "plain" f"{y}"',
    "f'''\n{x\n+ y}\n'''",
    "f'{x:%H:%M}'",
    "f'{lambda: 1}'",
    "f'{a[\"b\"]}'",
    "f'{3.14!s:=^20}'",
    "f'{x:{y:{z}}}'",
]


@pytest.mark.parametrize("source", FSTRING_CASES)
def test_fstrings_as_this_version_tokenizes_them(source: str) -> None:
    ours = _outcome(lambda: tokenize(source + "\n"))
    assert ours == _stdlib_stream(source + "\n")
    kinds = {stdlib_tokenize.tok_name[t[0]] for t in ours[0]}
    if sys.version_info >= (3, 12):
        assert {"FSTRING_START", "FSTRING_END"} <= kinds
    else:
        assert "STRING" in kinds


# -- bytes and encodings ---------------------------------------------------

ENCODING_CASES = [
    b"x = 1\n",
    b"",
    b"\xef\xbb\xbfx = 1\n",
    b"\xef\xbb\xbf",
    b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
    b"#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-15 :\nx = '\xa4'\n",
    b"x = 1\n# coding: latin-1\n",
    b"\n\n# coding: latin-1\n",
    b"# coding: utf_8\nx = '\xc3\xa9'\n",
    b"# coding: Latin_1-foo\nx = 1\n",
    b"# coding: no-such-codec\nx = 1\n",
    b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",
    b"\xef\xbb\xbf# coding: utf-8\nx = 1\n",
    b"# \xff coding: latin-1\n",
    b"x = '\xff'\n",
    b"x = 1\ny = '\xff'\nz = 2\n",
    b"# coding: ascii\nx = '\xe9'\n",
    b"x = 1\r\ny = 2\r\n",
]


def _stdlib_encoding(source: bytes):
    try:
        return stdlib_tokenize.detect_encoding(io.BytesIO(source).readline)[0]
    except SyntaxError as error:
        return ("SyntaxError", str(error))


def _our_encoding(source: bytes):
    try:
        return detect_encoding(source)
    except SyntaxError as error:
        return ("SyntaxError", str(error))


@pytest.mark.parametrize("source", ENCODING_CASES)
def test_detect_encoding_matches_stdlib(source: bytes) -> None:
    assert _our_encoding(source) == _stdlib_encoding(source)


@pytest.mark.parametrize("source", ENCODING_CASES)
def test_tokenize_bytes_matches_stdlib(source: bytes) -> None:
    theirs = _outcome(lambda: stdlib_tokenize.tokenize(io.BytesIO(source).readline))
    ours = _outcome(lambda: tokenize_bytes(source))
    assert ours[:2] == theirs[:2]


def test_encoding_token_comes_first() -> None:
    first = next(tokenize_bytes(b"\xef\xbb\xbfx = 1\n"))
    assert (first.type, first.string) == (stdlib_tokenize.ENCODING, "utf-8")


# -- parser_tokens against ast.parse -----------------------------------------

ERROR_SNIPPETS = [
    "x = 1abc\n",
    "x = 0x\n",
    "x = 0xg\n",
    "x = 0x_\n",
    "x = 0o8\n",
    "x = 0o18\n",
    "x = 0b2\n",
    "x = 0b12\n",
    "x = 0777\n",
    "x = 00_7\n",
    "x = 0_\n",
    "x = 1__0\n",
    "x = 1_\n",
    "x = 1e\n",
    "x = 1e+\n",
    "x = 1.5j2\n",
    "x = 1.2abc\n",
    "x = 09\n",
    "x = 'abc\n",
    "x = 'abc\\'\n",
    "x = '''abc\n\n",
    'y = 1\nx = """\nabc\n',
    "x = 'a\\\nb\n",
    ")\n",
    "x = (1]\n",
    "x = (\n1]\n",
    "x = 1 \\ 2\n",
    "a\nx = 1 \\ 2\n",
    "x = \\",
    "x = €\n",
    "x = a€\n",
    "x = \xa0\n",
    "x\u200b = 1\n",
    "x = \x01\n",
    "if x:\n    a\n  b\n",
    "if 1:\n\tx\n        y\n",
    "if 1:\n        x\n\ty\n",
    "x = (" * 201,
    "x = (1,\n\n",
    "f(\n",
    "x = f'{'\n",
    "f'}'\n",
    "f'{a!r'\n",
    "f'{)}'\n",
    "f'{a:\n}'\n",
    "f'abc\n",
    "f'''abc\n",
    "f'{x}}'\n",
    "class A:\n    def f(self):\n        pass\n   x = 1\n",
    "x = [\n\\ 1]\n",
    "x = 'ok'\ny = 0b1_\n",
]


def _syntax_error(action):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            action()
    except SyntaxError as error:
        return (
            type(error).__name__,
            error.msg,
            error.lineno,
            error.offset,
            error.end_lineno,
            error.end_offset,
        )
    return None


@pytest.mark.parametrize("source", ERROR_SNIPPETS)
def test_parser_tokens_errors_match_ast_parse(source: str) -> None:
    ours = _syntax_error(lambda: list(parser_tokens(source)))
    theirs = _syntax_error(lambda: ast.parse(source))
    assert theirs is not None
    if sys.version_info < (3, 12) and "f'" in source and ours is None:
        # 3.11 reads an f-string as one STRING token; its parser checks it.
        assert theirs[1].startswith("f-string")
    else:
        assert ours == theirs


def test_parser_tokens_error_table_covers_the_brief() -> None:
    messages = {
        _syntax_error(lambda s=s: ast.parse(s))[1]  # type: ignore[index]
        for s in ERROR_SNIPPETS
    }
    for expected in [
        "invalid decimal literal",
        "invalid hexadecimal literal",
        "invalid digit '8' in octal literal",
        "unmatched ')'",
        "unexpected character after line continuation character",
        "unexpected EOF while parsing",
        "invalid character '€' (U+20AC)",
        "invalid non-printable character U+00A0",
        "unindent does not match any outer indentation level",
        "inconsistent use of tabs and spaces in indentation",
        "too many nested parentheses",
    ]:
        assert expected in messages


def test_parser_tokens_filename_goes_into_errors() -> None:
    with pytest.raises(SyntaxError) as raised:
        list(parser_tokens("x = 0x\n", filename="spam.py"))
    assert raised.value.filename == "spam.py"


def test_parser_tokens_warning_as_error_becomes_syntax_error() -> None:
    source = "x = 1if y else 2\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = _syntax_error_strict(lambda: list(parser_tokens(source)))
        theirs = _syntax_error_strict(lambda: ast.parse(source))
    assert ours == theirs


def _syntax_error_strict(action):
    try:
        action()
    except SyntaxError as error:
        return (error.msg, error.lineno, error.offset)
    return None


def test_parser_tokens_stream_shape() -> None:
    tokens = list(parser_tokens("if x:  # c\n    y = (1,\n  2)\n"))
    names = [stdlib_tokenize.tok_name[t.type] for t in tokens]
    assert "COMMENT" not in names
    assert "NL" not in names
    assert names[-1] == "ENDMARKER"
    assert "INDENT" in names
    assert "DEDENT" in names
    assert stdlib_tokenize.tok_name[tokens[2].type] == "COLON"


@pytest.mark.parametrize("path", SAMPLE[::3], ids=lambda p: p.name)
def test_parser_tokens_agree_with_the_c_tokenizer(path: Path) -> None:
    data = path.read_bytes()
    try:
        source = data.decode(detect_encoding(data))
    except (SyntaxError, UnicodeDecodeError):
        return
    ours = _syntax_error(lambda: list(parser_tokens(source)))
    if ours is not None:
        assert ours == _syntax_error(lambda: ast.parse(source))
        return
    if sys.version_info >= (3, 12) and source:
        import _tokenize

        translated = source.replace("\r\n", "\n").replace("\r", "\n")
        theirs = [
            tuple(t)
            for t in _tokenize.TokenizerIter(
                io.StringIO(translated).readline, extra_tokens=False
            )
        ]
        assert [tuple(t) for t in parser_tokens(source)] == theirs
    else:
        types = [t.type for t in parser_tokens(source)]
        assert types[-1] == stdlib_tokenize.ENDMARKER


# -- generated sources ---------------------------------------------------------

ALPHABET = [
    "x",
    "if",
    "else",
    "0",
    "1",
    "0x1f",
    "1.5e3",
    "1j",
    "07",
    "1_0",
    "_",
    "é",
    "'a'",
    '"b"',
    "'''c'''",
    "f'{x}'",
    "f'{x:>{y}}'",
    "rb'd'",
    "'",
    '"',
    "'''",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    "=",
    "==",
    "+",
    "-",
    "*",
    "**",
    ".",
    "...",
    ",",
    ";",
    "@",
    "->",
    ":=",
    "!",
    "$",
    "?",
    "#c",
    "\\",
    " ",
    "  ",
    "\t",
    "\n",
    "\n    ",
    "\n  ",
    "\r\n",
    "\x0c",
    "€",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=25))
def test_generated_sources_agree_with_tokenize(parts: list[str]) -> None:
    source = "".join(parts)
    ours = _outcome(lambda: tokenize(source))
    theirs = _stdlib_stream(source)
    assert ours[:2] == theirs[:2]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=25))
def test_generated_sources_fail_where_ast_parse_fails(parts: list[str]) -> None:
    # The parser pulls tokens lazily, so it may stop at a syntax error of
    # its own before it meets ours; it never accepts what we reject, and a
    # generic "invalid syntax" gives way to the tokenizer's error, unless
    # that error is one the tokenizer reports as a bare code (E_EOF,
    # E_LINECONT, E_DEDENT, E_TABSPACE), which the parser words itself.
    source = "".join(parts)
    ours = _syntax_error(lambda: list(parser_tokens(source)))
    if ours is None:
        return
    theirs = _syntax_error(lambda: ast.parse(source))
    assert theirs is not None
    coded = (
        "never closed",
        "unexpected EOF",
        "line continuation",
        "unindent does not match",
        "inconsistent use of tabs",
    )
    if theirs != ours and theirs[1] == "invalid syntax":
        assert any(part in ours[1] for part in coded)
