import ast
import warnings

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pyinternals.origin.evaluator import (
    BinaryOp,
    EvaluationError,
    Name,
    Number,
    ParseError,
    UnaryOp,
    Value,
    evaluate,
    parse,
)

ENVIRONMENT: dict[str, Value] = {"x": 7, "y": -2.5}

# The node and operator types of Python's own AST that our grammar covers.
COVERED = (
    ast.Expression,
    ast.BinOp,
    ast.UnaryOp,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.UAdd,
    ast.USub,
)


def python_says(text: str) -> tuple[str, object]:
    """Run ``text`` through CPython: ('syntax', None), ('error', None) or a value."""
    try:
        tree = ast.parse(text.lstrip(" \t"), mode="eval")
    except SyntaxError:
        return ("syntax", None)
    for node in ast.walk(tree):
        if not isinstance(node, COVERED):
            return ("outside the grammar", None)
        if isinstance(node, ast.Constant) and type(node.value) not in (int, float):
            return ("outside the grammar", None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            value = eval(compile(tree, "<expression>", "eval"), {}, dict(ENVIRONMENT))
    except (ZeroDivisionError, OverflowError, TypeError):
        # TypeError: a complex power (as in (-1) ** 0.5) meeting // or %.
        return ("error", None)
    return ("value", value)


def we_say(text: str) -> tuple[str, object]:
    try:
        return ("value", evaluate(text, ENVIRONMENT))
    except ParseError:
        return ("syntax", None)
    except EvaluationError:
        return ("error", None)


def assert_agree(text: str) -> None:
    theirs = python_says(text)
    ours = we_say(text)
    if theirs[0] == "outside the grammar":
        assert ours[0] == "syntax", text
    elif theirs[0] == "value":
        assert ours[0] == "value", text
        assert repr(ours[1]) == repr(theirs[1]), text
        assert type(ours[1]) is type(theirs[1]), text
    else:
        assert ours == theirs, text


@pytest.mark.parametrize(
    "text",
    [
        "1 + 2 * 3",
        "(1 + 2) * 3",
        "2 ** 3 ** 2",
        "-2 ** 2",
        "2 ** -1",
        "(-2) ** 0.5",
        "7 // 2 - 7 % 3",
        "-7 // 2",
        "-7 % 3",
        "7.5 // 2",
        "1 - 2 - 3",
        "2 / 4 / 8",
        "--+-1",
        "x * y - x / y",
        "00 + 0.5 + 5. + .5",
        "10 ** 400 // 3 ** 700",
        "1 / 0",
        "1 % 0.0",
        "0 ** -1",
        "2.0 ** 5000",
        "0 + (-1) ** 0.5 // 0",
        "(-8) ** (1 / 3) % 2",
        "01",
        "1 2",
        "(1",
        "1)",
        "",
        "()",
        "...",
        "1 ** ** 2",
        "1 +",
        "z + 1",
    ],
)
def test_agrees_with_python_on_examples(text: str) -> None:
    if text == "z + 1":
        with pytest.raises(EvaluationError, match="'z' is not defined at position 0"):
            evaluate(text, ENVIRONMENT)
    else:
        assert_agree(text)


def _binary(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    operators = st.sampled_from(["+", "-", "*", "/", "//", "%"])
    spaces = st.sampled_from(["", " ", "  "])

    def join(parts: tuple[str, str, str, str, bool]) -> str:
        left, op, right, space, parenthesize = parts
        if parenthesize:
            left, right = f"({left})", f"({right})"
        return f"{left}{space}{op}{space}{right}"

    return st.tuples(children, operators, children, spaces, st.booleans()).map(join)


def _unary(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(st.sampled_from(["-", "+", "- "]), children).map("".join)


def _power(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    # The base is parenthesized and the exponent is a small literal, so that
    # no generated expression builds an astronomically large number.
    exponents = st.sampled_from(["0", "1", "2", "-1", "-2", "0.5"])
    return st.tuples(children, exponents).map(lambda p: f"({p[0]}) ** {p[1]}")


LEAVES = st.one_of(
    st.integers(0, 10**6).map(str),
    st.sampled_from(["0.5", "2.", ".25", "1.5", "0.0", "00", "x", "y"]),
)

EXPRESSIONS = st.recursive(
    LEAVES,
    lambda children: st.one_of(_binary(children), _unary(children), _power(children)),
    max_leaves=12,
)


@given(EXPRESSIONS)
def test_agrees_with_python_on_generated_expressions(text: str) -> None:
    assert python_says(text)[0] in {"value", "error"}
    assert_agree(text)


@given(st.text(alphabet="0123456789+-*/%(). ", max_size=14))
def test_agrees_with_python_on_arbitrary_strings(text: str) -> None:
    assume("**" not in text)
    assert_agree(text)


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("1 +", "unexpected end of input", 3),
        ("(1 + 2", "expected ')'", 6),
        ("1 2", "unexpected '2'", 2),
        ("2 $ 3", "unexpected character '$'", 2),
        ("1 + 012", "leading zeros in an integer literal", 4),
    ],
)
def test_parse_errors_say_where(text: str, message: str, position: int) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.message == message
    assert caught.value.position == position
    assert str(caught.value) == f"{message} at position {position}"


def test_evaluation_errors_point_at_the_operator() -> None:
    with pytest.raises(EvaluationError) as caught:
        evaluate("1 + 2 // (x - 7)", ENVIRONMENT)
    assert caught.value.position == 6
    assert isinstance(caught.value.__cause__, ZeroDivisionError)


def test_trees_compare_by_structure_not_position() -> None:
    assert parse("1+x") == parse(" 1 +  x") == BinaryOp("+", Number(1), Name("x"))
    assert parse("1+x").right.position == 2  # type: ignore[union-attr]
    assert parse("-(2)") == UnaryOp("-", Number(2))


def test_evaluate_accepts_a_tree() -> None:
    tree = BinaryOp("**", Number(2), UnaryOp("-", Name("x")))
    assert evaluate(tree, {"x": 2}) == 0.25


def test_evaluate_rejects_what_is_not_a_tree() -> None:
    with pytest.raises(TypeError, match="not an expression tree"):
        evaluate(BinaryOp("@", Number(1), Number(2)))
