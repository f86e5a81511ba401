"""Annotations as strings: the source text ``from __future__ import annotations`` keeps.

Under PEP 563 an annotation is not evaluated: the compiler stores its text.
The text is not the original source but the expression printed back from
the tree by CPython's small C unparser (``Python/ast_unparse.c``,
``_PyAST_ExprAsUnicode``), which differs in details from :func:`ast.unparse`:
it always writes ``repr()`` of constants, spells infinite floats
``1e309``, and parenthesizes by its own precedence table. This module
rebuilds that unparser.

>>> import ast
>>> unparse(ast.parse("dict[str, 'int'] | None", mode="eval").body)
"dict[str, 'int'] | None"
>>> unparse(ast.parse("(lambda: 1e400)", mode="eval").body)
'lambda: 1e309'
"""

from __future__ import annotations

import ast
from collections.abc import Callable

__all__ = ["unparse"]

# Priority levels, lowest first (the PR_* enum).
_TUPLE, _TEST, _OR, _AND, _NOT, _CMP = range(6)
_EXPR = _BOR = 6
_BXOR, _BAND, _SHIFT, _ARITH, _TERM, _FACTOR, _POWER, _AWAIT, _ATOM = range(7, 16)

_BINARY: dict[type[ast.operator], tuple[str, int]] = {
    ast.Add: (" + ", _ARITH),
    ast.Sub: (" - ", _ARITH),
    ast.Mult: (" * ", _TERM),
    ast.MatMult: (" @ ", _TERM),
    ast.Div: (" / ", _TERM),
    ast.Mod: (" % ", _TERM),
    ast.LShift: (" << ", _SHIFT),
    ast.RShift: (" >> ", _SHIFT),
    ast.BitOr: (" | ", _BOR),
    ast.BitXor: (" ^ ", _BXOR),
    ast.BitAnd: (" & ", _BAND),
    ast.FloorDiv: (" // ", _TERM),
    ast.Pow: (" ** ", _POWER),
}

_UNARY: dict[type[ast.unaryop], tuple[str, int]] = {
    ast.Invert: ("~", _FACTOR),
    ast.Not: ("not ", _NOT),
    ast.UAdd: ("+", _FACTOR),
    ast.USub: ("-", _FACTOR),
}

_COMPARE: dict[type[ast.cmpop], str] = {
    ast.Eq: " == ",
    ast.NotEq: " != ",
    ast.Lt: " < ",
    ast.LtE: " <= ",
    ast.Gt: " > ",
    ast.GtE: " >= ",
    ast.Is: " is ",
    ast.IsNot: " is not ",
    ast.In: " in ",
    ast.NotIn: " not in ",
}


def unparse(e: ast.expr) -> str:
    """Return the text CPython stores for the annotation *e*.

    >>> unparse(ast.parse("f(*a, k=-1)", mode="eval").body)
    'f(*a, k=-1)'
    """
    return _Writer().expr(e, _TEST)


def _repr(value: object) -> str:
    text = repr(value)
    infinite = (
        isinstance(value, float)
        and type(value) is float
        and (value in (float("inf"), float("-inf")))
    )
    if infinite or type(value) is complex:
        text = text.replace("inf", "1e309")
    return text


def _constant(value: object) -> str:
    if type(value) is tuple:
        items = [_constant(item) for item in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    return _repr(value)


class _Writer:
    """The unparser: one method per node type, each returning text."""

    def expr(self, e: ast.expr, level: int) -> str:
        method: Callable[[ast.expr, int], str] = getattr(self, type(e).__name__)
        return method(e, level)

    @staticmethod
    def wrap(text: str, condition: bool) -> str:
        return f"({text})" if condition else text

    def BoolOp(self, e: ast.BoolOp, level: int) -> str:
        op, pr = (" and ", _AND) if isinstance(e.op, ast.And) else (" or ", _OR)
        text = op.join(self.expr(value, pr + 1) for value in e.values)
        return self.wrap(text, level > pr)

    def BinOp(self, e: ast.BinOp, level: int) -> str:
        op, pr = _BINARY[type(e.op)]
        right_assoc = isinstance(e.op, ast.Pow)
        left = self.expr(e.left, pr + right_assoc)
        right = self.expr(e.right, pr + (not right_assoc))
        return self.wrap(left + op + right, level > pr)

    def UnaryOp(self, e: ast.UnaryOp, level: int) -> str:
        op, pr = _UNARY[type(e.op)]
        return self.wrap(op + self.expr(e.operand, pr), level > pr)

    def arg(self, arg: ast.arg) -> str:
        if arg.annotation is None:
            return arg.arg
        return f"{arg.arg}: {self.expr(arg.annotation, _TEST)}"

    def arguments(self, args: ast.arguments) -> str:
        parts = []
        positional = [*args.posonlyargs, *args.args]
        first_default = len(positional) - len(args.defaults)
        for i, arg in enumerate(positional):
            text = self.arg(arg)
            if i >= first_default:
                text += "=" + self.expr(args.defaults[i - first_default], _TEST)
            if args.posonlyargs and i + 1 == len(args.posonlyargs):
                text += ", /"
            parts.append(text)
        if args.vararg is not None or args.kwonlyargs:
            parts.append("*" + (self.arg(args.vararg) if args.vararg else ""))
        first_kw_default = len(args.kwonlyargs) - len(args.kw_defaults)
        for i, arg in enumerate(args.kwonlyargs):
            text = self.arg(arg)
            if i >= first_kw_default:
                default = args.kw_defaults[i - first_kw_default]
                if default is not None:
                    text += "=" + self.expr(default, _TEST)
            parts.append(text)
        if args.kwarg is not None:
            parts.append("**" + self.arg(args.kwarg))
        return ", ".join(parts)

    def Lambda(self, e: ast.Lambda, level: int) -> str:
        positional = len(e.args.args) + len(e.args.posonlyargs)
        head = "lambda " if positional else "lambda"
        text = f"{head}{self.arguments(e.args)}: {self.expr(e.body, _TEST)}"
        return self.wrap(text, level > _TEST)

    def IfExp(self, e: ast.IfExp, level: int) -> str:
        text = (
            f"{self.expr(e.body, _TEST + 1)} if {self.expr(e.test, _TEST + 1)} "
            f"else {self.expr(e.orelse, _TEST)}"
        )
        return self.wrap(text, level > _TEST)

    def Dict(self, e: ast.Dict, level: int) -> str:
        items = []
        for key, value in zip(e.keys, e.values, strict=True):
            if key is None:
                items.append("**" + self.expr(value, _EXPR))
            else:
                items.append(f"{self.expr(key, _TEST)}: {self.expr(value, _TEST)}")
        return "{" + ", ".join(items) + "}"

    def Set(self, e: ast.Set, level: int) -> str:
        return "{" + ", ".join(self.expr(elt, _TEST) for elt in e.elts) + "}"

    def List(self, e: ast.List, level: int) -> str:
        return "[" + ", ".join(self.expr(elt, _TEST) for elt in e.elts) + "]"

    def Tuple(self, e: ast.Tuple, level: int) -> str:
        if not e.elts:
            return "()"
        text = ", ".join(self.expr(elt, _TEST) for elt in e.elts)
        if len(e.elts) == 1:
            text += ","
        return self.wrap(text, level > _TUPLE)

    def comprehensions(self, generators: list[ast.comprehension]) -> str:
        text = ""
        for gen in generators:
            text += " async for " if gen.is_async else " for "
            text += self.expr(gen.target, _TUPLE)
            text += " in " + self.expr(gen.iter, _TEST + 1)
            for condition in gen.ifs:
                text += " if " + self.expr(condition, _TEST + 1)
        return text

    def GeneratorExp(self, e: ast.GeneratorExp, level: int) -> str:
        return f"({self.expr(e.elt, _TEST)}{self.comprehensions(e.generators)})"

    def ListComp(self, e: ast.ListComp, level: int) -> str:
        return f"[{self.expr(e.elt, _TEST)}{self.comprehensions(e.generators)}]"

    def SetComp(self, e: ast.SetComp, level: int) -> str:
        return "{" + self.expr(e.elt, _TEST) + self.comprehensions(e.generators) + "}"

    def DictComp(self, e: ast.DictComp, level: int) -> str:
        head = f"{self.expr(e.key, _TEST)}: {self.expr(e.value, _TEST)}"
        return "{" + head + self.comprehensions(e.generators) + "}"

    def Yield(self, e: ast.Yield, level: int) -> str:
        if e.value is None:
            return "(yield)"
        return f"(yield {self.expr(e.value, _TEST)})"

    def YieldFrom(self, e: ast.YieldFrom, level: int) -> str:
        return f"(yield from {self.expr(e.value, _TEST)})"

    def Await(self, e: ast.Await, level: int) -> str:
        return self.wrap("await " + self.expr(e.value, _ATOM), level > _AWAIT)

    def Compare(self, e: ast.Compare, level: int) -> str:
        text = self.expr(e.left, _CMP + 1)
        for op, comparator in zip(e.ops, e.comparators, strict=True):
            text += _COMPARE[type(op)] + self.expr(comparator, _CMP + 1)
        return self.wrap(text, level > _CMP)

    def Call(self, e: ast.Call, level: int) -> str:
        func = self.expr(e.func, _ATOM)
        if len(e.args) == 1 and not e.keywords:
            only = e.args[0]
            if isinstance(only, ast.GeneratorExp):
                return func + self.GeneratorExp(only, level)
        parts = [self.expr(arg, _TEST) for arg in e.args]
        for keyword in e.keywords:
            prefix = "**" if keyword.arg is None else keyword.arg + "="
            parts.append(prefix + self.expr(keyword.value, _TEST))
        return f"{func}({', '.join(parts)})"

    def Constant(self, e: ast.Constant, level: int) -> str:
        if e.value is Ellipsis:
            return "..."
        return (e.kind or "") + _constant(e.value)

    def fstring_element(self, e: ast.expr, is_format_spec: bool) -> str:
        if isinstance(e, ast.Constant):
            return str(e.value).replace("{", "{{").replace("}", "}}")
        if isinstance(e, ast.JoinedStr):
            return self.joined(e, is_format_spec)
        assert isinstance(e, ast.FormattedValue)
        return self.FormattedValue(e, _TEST)

    def joined(self, e: ast.JoinedStr, is_format_spec: bool) -> str:
        body = "".join(
            self.fstring_element(value, is_format_spec) for value in e.values
        )
        return body if is_format_spec else "f" + repr(body)

    def JoinedStr(self, e: ast.JoinedStr, level: int) -> str:
        return self.joined(e, False)

    def FormattedValue(self, e: ast.FormattedValue, level: int) -> str:
        value = self.expr(e.value, _TEST + 1)
        text = ("{ " if value.startswith("{") else "{") + value
        if e.conversion > 0:
            text += "!" + chr(e.conversion)
        if e.format_spec is not None:
            text += ":" + self.fstring_element(e.format_spec, True)
        return text + "}"

    def Attribute(self, e: ast.Attribute, level: int) -> str:
        value = e.value
        period = (
            " ."
            if isinstance(value, ast.Constant) and type(value.value) is int
            else "."
        )
        return self.expr(value, _ATOM) + period + e.attr

    def Slice(self, e: ast.Slice, level: int) -> str:
        text = self.expr(e.lower, _TEST) if e.lower else ""
        text += ":"
        if e.upper is not None:
            text += self.expr(e.upper, _TEST)
        if e.step is not None:
            text += ":" + self.expr(e.step, _TEST)
        return text

    def Subscript(self, e: ast.Subscript, level: int) -> str:
        return f"{self.expr(e.value, _ATOM)}[{self.expr(e.slice, _TUPLE)}]"

    def Starred(self, e: ast.Starred, level: int) -> str:
        return "*" + self.expr(e.value, _EXPR)

    def Name(self, e: ast.Name, level: int) -> str:
        return e.id

    def NamedExpr(self, e: ast.NamedExpr, level: int) -> str:
        text = f"{self.expr(e.target, _ATOM)} := {self.expr(e.value, _ATOM)}"
        return self.wrap(text, level > _TUPLE)
