import ast
import sys
import warnings
from pathlib import Path

import pytest

from pyinternals.compiler.conformance.syntax_errors import (
    cpython_rejection,
    rejection_by,
    snippets,
)
from pyinternals.compiler.conformance.trees import compare
from pyinternals.compiler.parser import parse


def dump(tree: ast.AST) -> str:
    return ast.dump(tree, include_attributes=True)


def assert_same_tree(source: str, mode: str = "exec") -> None:
    assert dump(parse(source, "<test>", mode)) == dump(
        ast.parse(source, "<test>", mode)
    )


TRICKY = [
    # decorators, classes, functions, parameters
    "@a.b(c)\n@d\ndef f(x, /, y=1, *args, z, w=2, **kw) -> int:\n    return x\n",
    "@dec\nclass C(B, metaclass=M):\n    x: int = 1\n    y: 'str'\n",
    "def f(a, b=2, /, c=3, *, d): pass\n",
    "def f(*, a=1, b): pass\ndef g(*a: int, **k: str): pass\n",
    "lambda: 0\nlambda x, /, y=1, *a, z=2, **k: (x, y)\nlambda *, k=1: k\n",
    "async def f():\n    async with a as b, c:\n        await x\n"
    "    async for i in y:\n        pass\n    return [i async for i in z]\n",
    # assignments, walrus, star expressions, globals
    "a = b = c\na, *b = c\n[a, (b, *c)] = d\nx.y[z] += 1\n(a): int = 1\n",
    "if (n := len(a)) > 10: pass\n[y := f(x), y**2]\nf(x := 1)\n",
    "print(*a, *b, **c, **d)\nx = *a, *b\nfor *a, b in c: pass\n",
    "def f():\n    global a, b\n    nonlocal c\n    del a, b[0], c.d\n",
    "x = a if b else c\nx = not a and b or c\nx = a < b <= c != d is not e not in f\n",
    "x = -a ** -b\nx = ~a @ b // c % d\nx = a << b >> c & d ^ e | f\n",
    "x[1:2, ::3, ...]\nx[a:b:c]\nx[*a]\nx[()]\n",
    "yield\nx = yield a, b\ny = yield from z\nawait q\n",
    "import a.b.c as d, e\nfrom . import x\n"
    "from ...a import (b as c, d,)\nfrom .. import *\n",
    "try:\n    pass\nexcept (A, B) as e:\n    pass\nexcept C:\n    pass\n"
    "else:\n    pass\nfinally:\n    pass\n",
    "try:\n    pass\nexcept* A:\n    pass\n",
    "with (open(a) as b, open(c) as d,):\n    pass\nwith (a, b):\n    pass\n",
    "while x:\n    break\nelse:\n    continue\n",
    "if a:\n    pass\nelif b:\n    pass\nelif c:\n    pass\nelse:\n    pass\n",
    "{**a, 'b': 1}\n{a, *b}\n{k: v for k, v in x if k}\n"
    "{x for x in y}\n(x for x in y)\n",
    "[x for x in y for z in x if z if not z]\nf(x for x in y)\n",
    "assert x, 'message'\nraise E from None\nraise\n",
    # match statements, every kind of pattern
    "match x:\n"
    "    case 1 | -2 | 3.0 | -4j | 1 + 2j | 'a' 'b' | b'c' | None | True | False:\n"
    "        pass\n"
    "    case [a, *rest] | (b, c) | []:\n        pass\n"
    "    case {'k': v, **kw} | {}:\n        pass\n"
    "    case Point(x=0, y=_) | Point(1, 2) | Point():\n        pass\n"
    "    case a.b.c | (d as e):\n        pass\n"
    "    case [*_] if e:\n        pass\n"
    "    case _:\n        pass\n",
    "match = 1\ncase = match\nmatch(x)\n_ = type\n",
    "match x, y:\n    case a, b:\n        pass\n",
    # strings
    "x = 'a' \"b\" '''c''' r'\\d' u'e'\n",
    "x = u'a' 'b'\ny = b'a' rb'\\x00' b'\\n'\n",
    "x = '\\N{BULLET} \\x41 \\u00e9 \\101'\n",
    "f'{a}' f'{b!r}' f'{c:>10}' f'{d=}' f'{e = !s:^{w}.{p}}'\n",
    "f'{a:{b}{c}}' f'{{literal}}' f'''{\n  x\n}'''\n",
    "f'a' 'b' f'{c}' 'd'\nrf'\\d{x}'\nf''\nf'{x}' u'y'\n",
    "x = f'{a[\"b\"]}' + f\"{'c'}\"\n",
    # numbers
    "x = 1_000 + 0x_FF + 0o17 + 0b1010 + 1.5e-3 + 1_0.0_1j + 10j + .5 + 5.\n",
    # line continuations, non-ASCII identifiers and column offsets
    "x = 1 + \\\n    2\nif a and \\\n   b: pass\n",
    "é = 'ñ' + f'{é}'\nnaïve.ß = ('日本', \"語\")\n",
    "ﬁ = 1\n",
    "x = (  # comment\n    1,\n    2,  # another\n)\n",
    "class A: pass\nclass B(): pass\n",
    "def f():\n    '''doc'''\n\n\n    return\n",
    "x = 1;y = 2;\n",
    "",
    "\n\n# only a comment\n",
    "x = 1\r\ny = 2\r\n",
]
if sys.version_info >= (3, 12):
    TRICKY += [
        "type X = int\ntype Y[T: int, *Ts, **P] = list[T]\n",
        "def f[T](x: T) -> T: pass\nclass C[T, U: (int, str)]: pass\n",
        "f'{'nested'}' f'{f'{x}'}' f'{x!r:{y}}' f'{ x = }'\n",
        "f'''{\n    a\n}''' f'{a:%H:%M}'\n",
    ]
if sys.version_info >= (3, 13):
    TRICKY += ["type A[T = int, *Ts = *tuple[int], **P = [int]] = T\n"]


@pytest.mark.parametrize("source", TRICKY)
def test_tricky_source_parses_as_cpython_does(source: str) -> None:
    assert_same_tree(source)


@pytest.mark.parametrize(
    ("source", "mode"),
    [
        ("a + b * c", "eval"),
        ("(yield)", "eval"),
        ("x = 1", "single"),
        ("x = 1; y = 2\n", "single"),
        ("if x:\n    y\n\n", "single"),
        ("if x:\n    y\n", "single"),
        ("for x in y:\n    pass\nelse:\n    z\n\n# done\n", "single"),
        ("x = 1  # comment\n\n", "single"),
        ("(int, *str) -> None", "func_type"),
        ("() -> int", "func_type"),
        ("(a, *b, **c) -> d", "func_type"),
    ],
)
def test_modes(source: str, mode: str) -> None:
    assert_same_tree(source, mode)


def test_bytes_with_encoding_declaration() -> None:
    source = "# -*- coding: latin-1 -*-\nx = 'é'\n".encode("latin-1")
    assert dump(parse(source)) == dump(ast.parse(source))


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        parse("x", mode="expression")


def test_invalid_escape_warns_like_cpython() -> None:
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        ast.parse("x = '\\d'")
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        parse("x = '\\d'")
    assert [(w.category, str(w.message)) for w in ours] == [
        (w.category, str(w.message)) for w in theirs
    ]


ERRORS = [
    "x = = 1\n",
    "f(a b)\n",
    "if x\n    pass\n",
    "if x:\npass\n",
    "def f():\n    x = 1\n      y = 2\n",
    "x = (1,\n",
    "print 'hello'\n",
    "[x, y for x in z]\n",
    "if x = 1: pass\n",
    "f() = 1\n",
    "del f()\n",
    "f(**a, *b)\n",
    "f(a=1, b)\n",
    "for x in range(10)\n    pass\n",
    "class C\n",
    "x = 'abc\n",
    "x = '''abc\n",
    "a = 1 +\n",
    "def f(a=1, b): pass\n",
    "True = 1\n",
    "f(True=1)\n",
    "x = {1: 2, 3}\n",
    "lambda x=1, y: x\n",
    "import a from b\n",
    "with a as 1: pass\n",
    "try:\n    pass\n",
    "x +=  1, = 2\n",
    "a, b += 1\n",
    "é = = 1\n",
]


@pytest.mark.parametrize("source", ERRORS)
def test_errors_match_cpython(source: str) -> None:
    assert_same_error(source)


def assert_same_error(source: str, mode: str = "exec") -> None:
    with pytest.raises(SyntaxError) as theirs:
        ast.parse(source, "<test>", mode)
    with pytest.raises(SyntaxError) as ours:
        parse(source, "<test>", mode)
    expected, got = theirs.value, ours.value
    assert type(got) is type(expected)
    fields = ("msg", "lineno", "offset", "end_lineno", "end_offset", "filename")
    assert [getattr(got, f) for f in fields] == [getattr(expected, f) for f in fields]


TOKENIZER_ERRORS = [
    # the parser meets the tokenizer's error first
    "x = 1abc\n",
    "x = (1,\n  2\n",
    "if x:\n    a\n  b\n",
    "if 1:\n\tx\n        y\n",
    # a later tokenizer error replaces "invalid syntax" and helpful messages
    "x = 1 2\ny = 0x\n",
    "x = (1,\n  2\ny = 0x\n",
    "a b\nx = 'abc\n",
    "x = 1 2\n)\n",
    "for x in y\n    pass\nz = 0o8\n",
    # ... but not one the tokenizer only reports as a code
    "a b\nif x:\n    a\n  b\n",
    "a b\nx = 1 \\ 2\n",
    # ... except an unclosed bracket opened before the parser's error
    "f(\n 1 2\n  x = $\n",
    "x = [1,\n2 3\n",
    "x = [1 2,\n3\n",
    "a b\nx = (\n",
    # positions of errors on layout tokens and the final newline
    "@foo\n",
    "if x:\n  pass\nelif",
    "x = 1 +",
    "x = 1 + # c\ny\n",
    "from x import # c\n",
    "f(**x, *y)\n",
    "x = \u00e9 = 1\u00e9\n",
    "x = 'abc\u20ac\n",
    "s = f'{{a' + 1 2\n",
]


@pytest.mark.parametrize("source", TOKENIZER_ERRORS)
def test_tokenizer_errors_win_as_in_cpython(source: str) -> None:
    assert_same_error(source)


@pytest.mark.parametrize(
    "source",
    ["x = 1\ny = 2\n", "if x:\n    y\nz\n", "\n", "", "@foo\n", "x = 1\n0x\n"],
)
def test_single_mode_errors(source: str) -> None:
    assert_same_error(source, "single")


DEEP = [
    "(" * 199 + ")" * 199,
    "(" * 201 + ")" * 201,
    "[(" * 99 + ")]" * 99,
    "-" * 1000 + "1",
    "-" * 7000 + "1",
    "**".join(["2"] * 3500),
    "lambda: " * 2000 + "x",
    "not " * 3500 + "x",
    "x" + ".a" * 12000,
    "".join(" " * i + "if x:\n" for i in range(99)) + " " * 99 + "pass\n",
]


def _outcome(function, source: str) -> tuple[str, str]:
    try:
        return "tree", dump(function(source))
    except (SyntaxError, MemoryError, RecursionError) as error:
        return type(error).__name__, str(error)


@pytest.mark.parametrize("source", DEEP, ids=lambda s: f"{s[:12]!r}x{len(s)}")
def test_deep_nesting_fails_as_cpython_does(source: str) -> None:
    # CPython stops at 200 open brackets (tokenizer), 6000 nested rule calls
    # (MemoryError) and, building the tree, at its own recursion limit.
    assert _outcome(parse, source) == _outcome(ast.parse, source)


def test_parse_leaves_the_recursion_limit_alone() -> None:
    before = sys.getrecursionlimit()
    parse("(" * 150 + ")" * 150)
    with pytest.raises(MemoryError):
        parse("-" * 7000 + "1")
    assert sys.getrecursionlimit() == before


def _corpus_sample() -> list[Path]:
    from pyinternals.compiler.conformance.corpus import stdlib_root

    root = stdlib_root()
    files = sorted(
        path
        for path in root.rglob("*.py")
        if "site-packages" not in path.parts and "__pycache__" not in path.parts
    )
    sample = files[::60]
    hard = [
        "test/test_grammar.py",
        "test/test_fstring.py",
        "test/test_patma.py",
        "test/test_unicode_identifiers.py",
        "test/test_string_literals.py",
    ]
    sample += [root / name for name in hard if (root / name).exists()]
    return sample


@pytest.mark.parametrize("path", _corpus_sample(), ids=lambda p: p.name)
def test_corpus_sample_agrees(path: Path) -> None:
    verdict = compare(path.read_bytes(), str(path))
    assert verdict.agrees, verdict.detail


def test_test_syntax_messages() -> None:
    matched = total = 0
    for snippet in snippets():
        theirs = cpython_rejection(snippet)
        if theirs is None or theirs.stage != "parser":
            continue
        total += 1
        ours = rejection_by([("parser", parse)], snippet)
        matched += ours is not None and ours.same_message(theirs)
    assert total > 100
    assert matched / total >= 0.9


def test_invalid_escape_under_an_error_filter_is_cpythons_syntax_error():
    source = 'x = 1\ny = "a\\(b"\n'
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(SyntaxError) as theirs:
            ast.parse(source)
        with pytest.raises(SyntaxError) as ours:
            parse(source)
    fields = ("msg", "lineno", "offset", "end_lineno", "end_offset")
    assert [getattr(ours.value, f) for f in fields] == [
        getattr(theirs.value, f) for f in fields
    ]
