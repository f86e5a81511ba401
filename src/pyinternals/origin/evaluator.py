"""An arithmetic evaluator written with structural pattern matching (PEP 634).

:func:`parse` turns a string such as ``"-(x + 2) ** 2 / 3"`` into a tree of
small frozen dataclasses; :func:`evaluate` walks the tree with ``match``.
Class patterns pick the node type apart, or-patterns group operators, and a
guard decides whether a name is bound. The grammar and the operator
precedence are Python's own for this subset (see ``Grammar/python.gram`` in
CPython: ``sum``, ``term``, ``factor``, ``power``, ``primary``), so
Chapter 1 tests the evaluator against ``eval`` on the same strings.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

__all__ = [
    "BinaryOp",
    "EvaluationError",
    "ExpressionError",
    "Name",
    "Node",
    "Number",
    "ParseError",
    "Token",
    "UnaryOp",
    "Value",
    "evaluate",
    "parse",
    "tokenize",
]

Value: TypeAlias = int | float | complex
"""What an expression evaluates to (``**`` can produce a complex number)."""


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated, with where it failed."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} at position {position}")
        self.message = message
        self.position = position


class ParseError(ExpressionError):
    """The text is not an expression of the grammar."""


class EvaluationError(ExpressionError):
    """The expression parsed but its value cannot be computed."""


@dataclass(frozen=True)
class Token:
    """A lexical token: its kind, its text and its offset in the source."""

    kind: str
    text: str
    position: int


@dataclass(frozen=True)
class Node:
    """Any node of an expression tree, with its offset in the source.

    ``position`` is keyword-only, so it is left out of the ``__match_args__``
    of the node classes, and it is excluded from comparison and ``repr``:
    trees compare by shape alone.
    """

    position: int = field(default=0, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Number(Node):
    """A numeric literal."""

    value: int | float


@dataclass(frozen=True)
class Name(Node):
    """A variable, looked up in the environment given to :func:`evaluate`."""

    id: str


@dataclass(frozen=True)
class UnaryOp(Node):
    """A prefix ``+`` or ``-`` applied to an operand."""

    op: str
    operand: Node


@dataclass(frozen=True)
class BinaryOp(Node):
    """An infix operator with its two operands; ``position`` is the operator's."""

    op: str
    left: Node
    right: Node


_TOKEN = re.compile(
    r"""
    (?P<SPACE>[ \t]+)
    | (?P<FLOAT>\d+\.\d*|\.\d+)
    | (?P<INTEGER>\d+)
    | (?P<NAME>[A-Za-z_]\w*)
    | (?P<OP>\*\*|//|[-+*/%()])
    """,
    re.VERBOSE | re.ASCII,
)


def tokenize(text: str) -> Iterator[Token]:
    """Split ``text`` into tokens, ending with an ``END`` token.

    Integer literals follow Python's rule that only zero may have leading
    zeros.

    >>> [(t.kind, t.text) for t in tokenize("2**-x")]
    [('INTEGER', '2'), ('OP', '**'), ('OP', '-'), ('NAME', 'x'), ('END', '')]
    >>> list(tokenize("1 # 2"))
    Traceback (most recent call last):
    ...
    pyinternals.origin.evaluator.ParseError: unexpected character '#' at position 2
    """
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ParseError(f"unexpected character {text[position]!r}", position)
        kind, lexeme = match.lastgroup or "", match.group()
        if kind == "INTEGER" and lexeme.startswith("0") and lexeme.strip("0"):
            raise ParseError("leading zeros in an integer literal", position)
        if kind != "SPACE":
            yield Token(kind, lexeme, position)
        position = match.end()
    yield Token("END", "", position)


class _Parser:
    """Recursive descent, one method per rule of the grammar.

    The rules, loosest binding first, as in Python's grammar::

        expression: term (('+' | '-') term)*
        term:       factor (('*' | '/' | '//' | '%') factor)*
        factor:     ('+' | '-') factor | power
        power:      atom ['**' factor]
        atom:       NUMBER | NAME | '(' expression ')'
    """

    def __init__(self, text: str) -> None:
        self._tokens = list(tokenize(text))
        self._index = 0

    def _peek(self) -> Token:
        return self._tokens[self._index]

    def _advance(self) -> Token:
        token = self._tokens[self._index]
        self._index = min(self._index + 1, len(self._tokens) - 1)
        return token

    def parse(self) -> Node:
        tree = self._expression()
        match self._peek():
            case Token("END"):
                return tree
            case token:
                raise ParseError(f"unexpected {token.text!r}", token.position)

    def _expression(self) -> Node:
        left = self._term()
        while True:
            match self._peek():
                case Token("OP", "+" | "-" as op, position):
                    self._advance()
                    left = BinaryOp(op, left, self._term(), position=position)
                case _:
                    return left

    def _term(self) -> Node:
        left = self._factor()
        while True:
            match self._peek():
                case Token("OP", "*" | "/" | "//" | "%" as op, position):
                    self._advance()
                    left = BinaryOp(op, left, self._factor(), position=position)
                case _:
                    return left

    def _factor(self) -> Node:
        match self._peek():
            case Token("OP", "+" | "-" as op, position):
                self._advance()
                return UnaryOp(op, self._factor(), position=position)
            case _:
                return self._power()

    def _power(self) -> Node:
        base = self._atom()
        match self._peek():
            case Token("OP", "**", position):
                self._advance()
                # The exponent is a factor, so 2 ** -1 parses and ** groups
                # to the right: 2 ** 3 ** 2 is 2 ** (3 ** 2).
                return BinaryOp("**", base, self._factor(), position=position)
            case _:
                return base

    def _atom(self) -> Node:
        match self._advance():
            case Token("INTEGER", text, position):
                return Number(int(text), position=position)
            case Token("FLOAT", text, position):
                return Number(float(text), position=position)
            case Token("NAME", text, position):
                return Name(text, position=position)
            case Token("OP", "(", _):
                inner = self._expression()
                match self._advance():
                    case Token("OP", ")"):
                        return inner
                    case token:
                        raise ParseError("expected ')'", token.position)
            case Token("END", _, position):
                raise ParseError("unexpected end of input", position)
            case token:
                raise ParseError(f"unexpected {token.text!r}", token.position)


def parse(text: str) -> Node:
    """Parse ``text`` into an expression tree.

    >>> parse("1 + 2 * x")
    BinaryOp(op='+', left=Number(value=1),
             right=BinaryOp(op='*', left=Number(value=2), right=Name(id='x')))
    >>> parse("-2 ** 2") == UnaryOp("-", BinaryOp("**", Number(2), Number(2)))
    True
    >>> parse("(1 + 2")
    Traceback (most recent call last):
    ...
    pyinternals.origin.evaluator.ParseError: expected ')' at position 6
    """
    return _Parser(text).parse()


_ARITHMETIC: dict[str, Callable[[Value, Value], Value]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
}


def _evaluate(node: Node, environment: Mapping[str, Value]) -> Value:
    """Compute the value of ``node``, children first, left before right."""
    match node:
        case Number(value):
            return value
        case Name(name) if name in environment:
            return environment[name]
        case Name(name):
            raise EvaluationError(f"name {name!r} is not defined", node.position)
        case UnaryOp("-", operand):
            return -_evaluate(operand, environment)
        case UnaryOp("+", operand):
            return +_evaluate(operand, environment)
        case BinaryOp(op, left, right) if op in _ARITHMETIC:
            left_value = _evaluate(left, environment)
            right_value = _evaluate(right, environment)
            try:
                return _ARITHMETIC[op](left_value, right_value)
            except (ZeroDivisionError, OverflowError, TypeError) as error:
                raise EvaluationError(str(error), node.position) from error
    raise TypeError(f"not an expression tree: {node!r}")


def evaluate(expression: str | Node, environment: Mapping[str, Value] = {}) -> Value:
    """Evaluate an expression (text or tree) with the given variable bindings.

    >>> evaluate("2 ** -1 + 7 // 2")
    3.5
    >>> evaluate("-(x + 2) ** 2 / 3", {"x": 1})
    -3.0
    >>> evaluate("10 / (3 - 3)")
    Traceback (most recent call last):
    ...
    pyinternals.origin.evaluator.EvaluationError: ...division by zero at position 3
    >>> evaluate("(-1) ** 0.5 // 2")
    Traceback (most recent call last):
    ...
    pyinternals.origin.evaluator.EvaluationError: unsupported operand ... at position 12
    >>> evaluate("y + 1")
    Traceback (most recent call last):
    ...
    pyinternals.origin.evaluator.EvaluationError: name 'y' is not defined at position 0
    """
    tree = parse(expression) if isinstance(expression, str) else expression
    return _evaluate(tree, environment)
