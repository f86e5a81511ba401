"""Property tests: generated and mutated programs against CPython's front end.

``hypothesmith`` writes programs from CPython's grammar; mutations of real
snippets (a character or a token deleted, inserted or repeated) give mostly
invalid ones.  Whatever CPython does with them, we must do too.
"""

import ast
import io
import tokenize as stdlib_tokenize
import warnings

import hypothesmith
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pyinternals.compiler.parser import parse
from pyinternals.compiler.tokenizer import tokenize

PROPERTIES = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def outcome(function, source):
    """What a front end does with *source*: a tree dump, or the error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = function(source)
        except SyntaxError as error:
            return ("error", type(error).__name__, error.msg, error.lineno)
        except (MemoryError, RecursionError, ValueError) as error:
            return ("error", type(error).__name__, str(error), None)
    return ("tree", ast.dump(tree, include_attributes=True))


def cpython_accepts(source: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return False
    return True


@PROPERTIES
@given(hypothesmith.from_grammar())
def test_generated_programs_parse_to_cpythons_tree(source: str) -> None:
    assume(cpython_accepts(source))
    assert outcome(parse, source) == outcome(ast.parse, source)


@PROPERTIES
@given(hypothesmith.from_grammar(auto_target=False))
def test_generated_programs_tokenize_as_tokenize_does(source: str) -> None:
    assert token_stream(lambda: tokenize(source)) == token_stream(
        lambda: stdlib_tokenize.generate_tokens(io.StringIO(source).readline)
    )


def token_stream(tokens):
    produced = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            produced.extend(tuple(token) for token in tokens())
        except (SyntaxError, stdlib_tokenize.TokenError) as error:
            return produced, type(error).__name__
    return produced, None


SNIPPETS = [
    "def f(a, /, b=1, *args, c, **kw) -> int:\n    return a + b\n",
    "class C(Base, metaclass=M):\n    x: int = 1\n\n    def m(self):\n"
    "        return [i for i in range(10) if i % 2]\n",
    "for i, (a, b) in enumerate(pairs):\n    if a < b <= i:\n        continue\n"
    "else:\n    pass\n",
    "try:\n    x = d['k']\nexcept (KeyError, IndexError) as e:\n    raise E from e\n"
    "finally:\n    del x\n",
    "with open(p) as f, lock:\n    data = f.read()  # comment\n",
    "x = {'a': 1, **rest}\ny = {*s, 2}\nz = (yield)\n",
    "s = f'{name!r:>{width}} and {x = }'\nb = rb'\\d+' 'text'\n",
    "match point:\n    case (0, 0):\n        pass\n"
    "    case Point(x=0, y=y) | [y, *_]:\n        print(y)\n"
    "    case _:\n        pass\n",
    "async def g():\n    async with a as b:\n        await c\n"
    "    return [x async for x in b]\n",
    "lambda x, *y, z=3, **w: (x, y, z, w)\nn = 1_000 + 0x_ff + 1.5e-3j\n",
    "if (n := len(a)) > 10:\n    print(f'{n} items', end='')\nelif not a:\n    pass\n",
    "@decorator(arg)\ndef h(*, key: str = 'v') -> None:\n    global g\n"
    "    assert g, 'msg'\n",
]

INSERTED = [
    *"()[]{}:;,.=+-*/\\'\"#@!$?`~ \t\n",
    "if",
    "else",
    "lambda",
    "def",
    "yield",
    "await",
    "0",
    "0x",
    "1_",
    "'''",
    "f'",
    "\u00e9",
    "\u20ac",
    "    ",
    "\x0c",
]


def token_spans(source: str) -> list[tuple[int, int]]:
    """Character spans of the tokens of a valid *source*."""
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    spans = []
    for token in stdlib_tokenize.generate_tokens(io.StringIO(source).readline):
        (row, col), (end_row, end_col) = token.start, token.end
        if token.string and row <= len(lines) and end_row <= len(lines):
            spans.append((starts[row - 1] + col, starts[end_row - 1] + end_col))
    return spans


@st.composite
def mutated_programs(draw):
    source = draw(st.sampled_from(SNIPPETS))
    how = draw(st.sampled_from(["delete", "insert", "repeat"]))
    if draw(st.booleans()):
        start, end = draw(st.sampled_from(token_spans(source)))
    else:
        start = draw(st.integers(0, len(source) - 1))
        end = start + 1
    if how == "delete":
        return source[:start] + source[end:]
    if how == "repeat":
        return source[:end] + source[start:end] + source[end:]
    return source[:start] + draw(st.sampled_from(INSERTED)) + source[start:]


@settings(PROPERTIES, max_examples=300)
@given(mutated_programs())
def test_mutated_programs_are_judged_as_cpython_judges_them(source: str) -> None:
    assert outcome(parse, source) == outcome(ast.parse, source)


@PROPERTIES
@given(mutated_programs())
def test_mutated_programs_tokenize_as_tokenize_does(source: str) -> None:
    assert token_stream(lambda: tokenize(source)) == token_stream(
        lambda: stdlib_tokenize.generate_tokens(io.StringIO(source).readline)
    )
