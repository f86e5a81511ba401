"""Present the front end's results: tokens, trees and scopes as text and DOT.

Nothing here tokenizes, parses or analyses. The functions take what the
other modules compute (token records, :mod:`ast` trees, symbol tables with
the interface of the standard :mod:`symtable` module) and turn it into text
for a terminal or DOT for graphviz; :class:`~pyinternals.runtime.render.DotFigure`
shows the DOT in a notebook.
"""

import ast
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

__all__ = [
    "ScopeTable",
    "Symbol",
    "format_scopes",
    "format_tokens",
    "format_tree",
    "scopes_to_dot",
    "tree_to_dot",
]


class Symbol(Protocol):
    """What the renderers read from a symbol (as :class:`symtable.Symbol`)."""

    def get_name(self) -> str: ...  # noqa: D102
    def is_parameter(self) -> bool: ...  # noqa: D102
    def is_global(self) -> bool: ...  # noqa: D102
    def is_declared_global(self) -> bool: ...  # noqa: D102
    def is_local(self) -> bool: ...  # noqa: D102
    def is_free(self) -> bool: ...  # noqa: D102
    def is_nonlocal(self) -> bool: ...  # noqa: D102
    def is_imported(self) -> bool: ...  # noqa: D102
    def is_assigned(self) -> bool: ...  # noqa: D102
    def is_referenced(self) -> bool: ...  # noqa: D102
    def is_annotated(self) -> bool: ...  # noqa: D102


class ScopeTable(Protocol):
    """What the renderers read from a table (as :class:`symtable.SymbolTable`)."""

    def get_type(self) -> str: ...  # noqa: D102
    def get_name(self) -> str: ...  # noqa: D102
    def get_lineno(self) -> int: ...  # noqa: D102
    def get_symbols(self) -> Sequence[Symbol]: ...  # noqa: D102
    def get_children(self) -> Sequence["ScopeTable"]: ...  # noqa: D102


def format_tokens(tokens: Iterable[tokenize.TokenInfo]) -> str:
    """Lay out *tokens* one per line, as ``python -m tokenize -e`` does.

    >>> import io
    >>> print(format_tokens(tokenize.generate_tokens(io.StringIO("x=1").readline)))
    1,0-1,1:            NAME           'x'
    1,1-1,2:            EQUAL          '='
    1,2-1,3:            NUMBER         '1'
    1,3-1,4:            NEWLINE        ''
    2,0-2,0:            ENDMARKER      ''
    """
    lines = []
    for token in tokens:
        (start_line, start_col), (end_line, end_col) = token.start, token.end
        where = f"{start_line},{start_col}-{end_line},{end_col}:"
        kind = tokenize.tok_name[token.exact_type]
        lines.append(f"{where:<20}{kind:<15}{token.string!r}")
    return "\n".join(lines)


def format_tree(tree: ast.AST, *, positions: bool = False) -> str:
    """Dump *tree* indented, with its nodes' positions when *positions* is set.

    >>> print(format_tree(ast.parse("x + 1", mode="eval")))
    Expression(
      body=BinOp(
        left=Name(id='x', ctx=Load()),
        op=Add(),
        right=Constant(value=1)))
    """
    return ast.dump(tree, indent=2, include_attributes=positions)


SYMBOL_FLAGS = (
    "parameter",
    "local",
    "global",
    "declared_global",
    "nonlocal",
    "free",
    "imported",
    "assigned",
    "referenced",
    "annotated",
)
"""The predicates shown for each symbol, named after ``Symbol.is_<flag>``."""


def _flags(symbol: Symbol) -> list[str]:
    return [flag for flag in SYMBOL_FLAGS if getattr(symbol, f"is_{flag}")()]


def _scope_title(table: ScopeTable) -> str:
    return f"{table.get_type()} {table.get_name()} (line {table.get_lineno()})"


def _scope_lines(table: ScopeTable, depth: int) -> Iterator[str]:
    indent = "  " * depth
    yield indent + _scope_title(table)
    for symbol in sorted(table.get_symbols(), key=lambda s: s.get_name()):
        yield f"{indent}  {symbol.get_name()}: {', '.join(_flags(symbol))}"
    for child in table.get_children():
        yield from _scope_lines(child, depth + 1)


def format_scopes(table: ScopeTable) -> str:
    """Lay out a symbol table and its children as an indented outline.

    >>> import symtable
    >>> print(format_scopes(symtable.symtable("def f(a): return a + b", "m", "exec")))
    module top (line 0)
      f: local, global, assigned
      function f (line 1)
        a: parameter, local, referenced
        b: global, referenced
    """
    return "\n".join(_scope_lines(table, 0))


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


OPERATOR_NODES = (ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)
"""Nodes drawn as a word inside their parent's box rather than as boxes."""


def _node_label(node: ast.AST) -> str:
    """Name the node's class and its scalar fields (names, constants, operators)."""
    details = []
    for name, value in ast.iter_fields(node):
        if isinstance(value, str | int | float | complex | bytes | bool) or (
            value is None and isinstance(node, ast.Constant)
        ):
            details.append(f"{name}={value!r}")
        elif isinstance(value, OPERATOR_NODES):
            details.append(f"{name}={type(value).__name__}")
        elif isinstance(value, list) and value and isinstance(value[0], ast.cmpop):
            details.append(f"{name}={', '.join(type(v).__name__ for v in value)}")
    where = ""
    if isinstance(node, ast.expr | ast.stmt | ast.pattern | ast.excepthandler):
        where = (
            f"\n{node.lineno}:{node.col_offset}-{node.end_lineno}:{node.end_col_offset}"
        )
    return type(node).__name__ + ("\n" + "\n".join(details) if details else "") + where


def _children(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    for name, value in ast.iter_fields(node):
        if isinstance(value, ast.AST) and not isinstance(value, OPERATOR_NODES):
            yield name, value
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, ast.AST) and not isinstance(item, ast.cmpop):
                    yield f"{name}[{index}]", item


def tree_to_dot(tree: ast.AST) -> str:
    r"""Write *tree* as a DOT graph: a box per node, edges labelled by field.

    >>> print(tree_to_dot(ast.parse("-x", mode="eval")))
    digraph ast {
      node [shape=box, fontname="Helvetica", fontsize=10];
      edge [fontname="Helvetica", fontsize=9];
      n0 [label="Expression"];
      n0 -> n1 [label="body"];
      n1 [label="UnaryOp\nop=USub\n1:0-1:2"];
      n1 -> n2 [label="operand"];
      n2 [label="Name\nid='x'\nctx=Load\n1:1-1:2"];
    }
    """
    lines = [
        "digraph ast {",
        '  node [shape=box, fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    numbers: dict[int, str] = {}

    def visit(node: ast.AST) -> str:
        ident = numbers.setdefault(id(node), f"n{len(numbers)}")
        lines.append(f"  {ident} [label={_quote(_node_label(node))}];")
        for field, child in _children(node):
            lines.append(f"  {ident} -> n{len(numbers)} [label={_quote(field)}];")
            visit(child)
        return ident

    visit(tree)
    lines.append("}")
    return "\n".join(lines)


SCOPE_KINDS = (
    ("parameter", "is_parameter"),
    ("free", "is_free"),
    ("nonlocal", "is_nonlocal"),
    ("global", "is_declared_global"),
    ("local", "is_local"),
    ("global (implicit)", "is_global"),
)
"""How a symbol is labelled in a scope tree: the first predicate that holds."""


def _scope_of(symbol: Symbol) -> str:
    for label, predicate in SCOPE_KINDS:
        if getattr(symbol, predicate)():
            return label
    return "?"


def scopes_to_dot(table: ScopeTable) -> str:
    r"""Write a symbol table as a DOT tree: a record per scope, listing its names.

    >>> import symtable
    >>> print(scopes_to_dot(symtable.symtable("def f(a): return a", "m", "exec")))
    digraph scopes {
      node [shape=box, fontname="Helvetica", fontsize=10];
      s0 [label="module top\nf: local\l"];
      s1 [label="function f (line 1)\na: parameter\l"];
      s0 -> s1;
    }
    """
    lines = [
        "digraph scopes {",
        '  node [shape=box, fontname="Helvetica", fontsize=10];',
    ]
    count = 0

    def visit(scope: ScopeTable) -> str:
        nonlocal count
        ident = f"s{count}"
        count += 1
        title = f"{scope.get_type()} {scope.get_name()}"
        if scope.get_lineno():
            title += f" (line {scope.get_lineno()})"
        names = sorted(scope.get_symbols(), key=lambda s: s.get_name())
        body = "".join(rf"{s.get_name()}: {_scope_of(s)}\l" for s in names)
        label = title.replace('"', '\\"') + "\\n" + body.replace('"', '\\"')
        lines.append(f'  {ident} [label="{label}"];')
        for child in scope.get_children():
            lines.append(f"  {ident} -> {visit(child)};")
        return ident

    visit(table)
    lines.append("}")
    return "\n".join(lines)
