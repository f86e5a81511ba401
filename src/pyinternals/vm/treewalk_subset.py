r"""The subset of Python that the tree-walking interpreter runs, checked up front.

:mod:`~pyinternals.vm.treewalk` evaluates ``ast`` trees directly, one method
per node type. Rather than discover half-way through a run that a node has
no method, the whole tree is checked before the first statement executes,
the way CPython's compiler rejects a bad program before running any of it.
A construct outside the subset raises :class:`UnsupportedSyntaxError`, a
:class:`SyntaxError` that names the construct and carries the file name,
line and column. The three compile-time errors that ``ast.parse`` leaves to
CPython's compiler (``break``/``continue`` outside a loop, ``return``
outside a function) are raised here as plain :class:`SyntaxError`\ s with
CPython's messages.

The subset, precisely:

* statements: expression statements, ``=`` (to names, attributes,
  subscripts and slices, and nested tuple/list targets with one ``*``),
  augmented assignment, ``del``, ``pass``, ``if``/``elif``/``else``,
  ``while`` and ``for`` (each with ``else``), ``break``, ``continue``,
  ``def`` (positional-only, ordinary, ``*args``, keyword-only and
  ``**kwargs`` parameters with defaults; decorators), ``return``,
  ``global``, ``nonlocal``, ``class`` (bases and decorators, no keywords),
  ``try``/``except``/``else``/``finally``, ``raise`` (with ``from``),
  ``assert``, ``import`` and ``from ... import`` (absolute, no ``*``);
* expressions: constants, names, every unary, binary, boolean and
  comparison operator (comparisons chained), conditional expressions,
  calls (with ``*`` and ``**`` arguments), attributes, subscripts and
  slices, list, tuple, set and dict displays (with ``*`` and ``**``),
  ``lambda``, list/set/dict comprehensions and generator expressions,
  f-strings;
* left out: annotations, ``with``, ``yield``, ``async``/``await``,
  ``match``, ``try``/``except*``, the walrus operator, and ``global`` or
  ``nonlocal`` directly in a class body.

>>> import ast
>>> check_subset(ast.parse("x = [i * i for i in range(3)]"))
>>> try:
...     check_subset(ast.parse("x = 1\nwith open('f') as f:\n    pass\n"), "demo.py")
... except UnsupportedSyntaxError as error:
...     print(error.construct, error.filename, error.lineno, error.offset)
the 'with' statement demo.py 2 1
"""

import ast

__all__ = ["SUPPORTED_NODES", "UnsupportedSyntaxError", "check_subset"]

# Node types whose presence alone is fine; finer limits are checked below.
SUPPORTED_NODES: frozenset[type[ast.AST]] = frozenset(
    {
        # structure
        ast.Module, ast.arguments, ast.arg, ast.keyword, ast.alias,
        ast.comprehension, ast.ExceptHandler,
        ast.Load, ast.Store, ast.Del,
        # statements
        ast.Expr, ast.Assign, ast.AugAssign, ast.Delete, ast.Pass, ast.If,
        ast.While, ast.For, ast.Break, ast.Continue, ast.FunctionDef,
        ast.Return, ast.Global, ast.Nonlocal, ast.ClassDef, ast.Try,
        ast.Raise, ast.Assert, ast.Import, ast.ImportFrom,
        # expressions
        ast.Constant, ast.Name, ast.UnaryOp, ast.BinOp, ast.BoolOp,
        ast.Compare, ast.IfExp, ast.Call, ast.Attribute, ast.Subscript,
        ast.Slice, ast.Starred, ast.List, ast.Tuple, ast.Set, ast.Dict,
        ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
        ast.GeneratorExp, ast.JoinedStr, ast.FormattedValue,
        # operators
        ast.UAdd, ast.USub, ast.Not, ast.Invert,
        ast.Add, ast.Sub, ast.Mult, ast.MatMult, ast.Div, ast.FloorDiv,
        ast.Mod, ast.Pow, ast.LShift, ast.RShift, ast.BitOr, ast.BitXor,
        ast.BitAnd, ast.And, ast.Or,
        ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is,
        ast.IsNot, ast.In, ast.NotIn,
    }
)  # fmt: skip

_CONSTRUCT_NAMES = {
    ast.With: "the 'with' statement",
    ast.AsyncWith: "the 'async with' statement",
    ast.AsyncFor: "the 'async for' statement",
    ast.AsyncFunctionDef: "'async def'",
    ast.Await: "'await'",
    ast.Yield: "'yield'",
    ast.YieldFrom: "'yield from'",
    ast.NamedExpr: "the walrus operator ':='",
    ast.AnnAssign: "an annotated assignment",
    ast.Match: "the 'match' statement",
    ast.TryStar: "'except*'",
}


class UnsupportedSyntaxError(SyntaxError):
    """A construct that parses as Python but lies outside the interpreter's subset.

    *construct* names it in words (``"the 'with' statement"``); the usual
    :class:`SyntaxError` fields (``filename``, ``lineno``, ``offset``,
    ``text``) say where it is.

    >>> error = UnsupportedSyntaxError("'yield'", "f.py", 3, 5, "    yield 1")
    >>> error.construct, error.lineno, error.offset
    ("'yield'", 3, 5)
    >>> print(error)
    'yield' is outside the tree-walking interpreter's subset (f.py, line 3)
    """

    def __init__(
        self, construct: str, filename: str, lineno: int, offset: int, text: str | None
    ) -> None:
        message = f"{construct} is outside the tree-walking interpreter's subset"
        super().__init__(message, (filename, lineno, offset, text))
        self.construct = construct


def _describe(node: ast.AST) -> str:
    return _CONSTRUCT_NAMES.get(type(node), f"the {type(node).__name__} node")


class _SubsetChecker:
    """Walk a tree once, tracking whether we are inside a function or a loop."""

    def __init__(self, filename: str, source_lines: list[str]) -> None:
        self.filename = filename
        self.source_lines = source_lines

    def _location(self, node: ast.AST) -> tuple[int, int, str | None]:
        line = getattr(node, "lineno", 1)
        column = getattr(node, "col_offset", 0) + 1
        text = self.source_lines[line - 1] if line <= len(self.source_lines) else None
        return line, column, text

    def unsupported(self, node: ast.AST, construct: str) -> UnsupportedSyntaxError:
        line, column, text = self._location(node)
        return UnsupportedSyntaxError(construct, self.filename, line, column, text)

    def compile_error(self, node: ast.AST, message: str) -> SyntaxError:
        line, column, text = self._location(node)
        return SyntaxError(message, (self.filename, line, column, text))

    def check(self, node: ast.AST, *, in_function: bool, in_loop: bool) -> None:
        if type(node) not in SUPPORTED_NODES:
            raise self.unsupported(node, _describe(node))
        self._check_limits(node, in_function=in_function, in_loop=in_loop)
        for field, value in ast.iter_fields(node):
            children = value if isinstance(value, list) else [value]
            for child in children:
                if isinstance(child, ast.AST):
                    function, loop = self._context_of(node, field, in_function, in_loop)
                    self.check(child, in_function=function, in_loop=loop)

    @staticmethod
    def _context_of(
        parent: ast.AST, field: str, in_function: bool, in_loop: bool
    ) -> tuple[bool, bool]:
        """Say whether a child under *parent*'s *field* is in a function, a loop."""
        if isinstance(parent, ast.FunctionDef | ast.Lambda) and field == "body":
            return True, False
        if isinstance(parent, ast.ClassDef) and field == "body":
            return False, False
        if isinstance(parent, ast.For | ast.While) and field == "body":
            return in_function, True
        return in_function, in_loop

    def _check_limits(self, node: ast.AST, *, in_function: bool, in_loop: bool) -> None:
        if isinstance(node, ast.Break | ast.Continue) and not in_loop:
            keyword = "break" if isinstance(node, ast.Break) else "continue"
            where = "outside loop" if keyword == "break" else "not properly in loop"
            raise self.compile_error(node, f"'{keyword}' {where}")
        if isinstance(node, ast.Return) and not in_function:
            raise self.compile_error(node, "'return' outside function")
        if isinstance(node, ast.arg) and node.annotation is not None:
            raise self.unsupported(node, "an annotation")
        if isinstance(node, ast.FunctionDef) and node.returns is not None:
            raise self.unsupported(node, "an annotation")
        if isinstance(node, ast.ClassDef):
            if node.keywords:
                raise self.unsupported(node, "a class keyword argument")
            for statement in node.body:
                if isinstance(statement, ast.Global | ast.Nonlocal):
                    raise self.unsupported(statement, "'global' in a class body")
        if isinstance(node, ast.ImportFrom):
            if node.level:
                raise self.unsupported(node, "a relative import")
            if any(alias.name == "*" for alias in node.names):
                raise self.unsupported(node, "'import *'")
        if isinstance(node, ast.comprehension) and node.is_async:
            raise self.unsupported(node.target, "an async comprehension")


def check_subset(tree: ast.AST, filename: str = "<treewalk>", source: str = "") -> None:
    r"""Raise if *tree* uses anything the tree-walking interpreter does not run.

    Raises :class:`UnsupportedSyntaxError` for a construct outside the
    subset (the module docstring lists it) and :class:`SyntaxError` for the
    compile-time errors ``ast.parse`` lets through; returns ``None`` for a
    tree the interpreter can run. *source*, when given, supplies the
    offending line's text.

    >>> try:
    ...     check_subset(ast.parse("for x in y:\n    def f():\n        break\n"))
    ... except SyntaxError as error:
    ...     print(error.msg, error.lineno, error.offset)
    'break' outside loop 3 9
    """
    checker = _SubsetChecker(filename, source.splitlines())
    checker.check(tree, in_function=False, in_loop=False)
