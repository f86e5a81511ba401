r"""A compiler from a small subset of Python to the tiny machine's instructions.

The subset is what a first interpreter needs and no more: assignments to
names (``=`` and the augmented forms of the operators below); integer,
float, string, boolean and ``None`` constants; ``+ - * / // % **``, one
comparison at a time (``== != < <= > >=``), ``and``, ``or``, ``not`` and
unary minus; ``if``/``elif``/``else``; ``while`` with ``break`` and
``continue``; ``def`` with positional parameters, ``return`` and calls
(builtins such as ``print`` included); ``raise`` of an expression; and
``try`` with exactly one ``except`` clause. Names assigned in a function
are its locals, every other name is global; a nested function may not read
its enclosing function's locals (there are no closures).

The compiler walks the tree :func:`ast.parse` returns, one ``visit_`` method
per kind of node; a node of any other kind raises :class:`TinySubsetError`,
which names the construct and where it is. :func:`run` compiles and executes
a program and reports what it did as CPython's differential tests do
(:class:`~pyinternals.compiler.differential.Outcome`).

>>> print(run("def square(x):\n    return x * x\nprint(square(7))\n").stdout)
49
<BLANKLINE>
"""

import ast
import io
import traceback
from contextlib import redirect_stdout
from dataclasses import dataclass, field, replace
from typing import Literal

from pyinternals.compiler.differential import Outcome
from pyinternals.vm.tiny import (
    BINARY_OPERATORS,
    COMPARISON_OPERATORS,
    UNARY_OPERATORS,
    Instruction,
    TinyCode,
    TinyMachine,
)

__all__ = ["TinySubsetError", "compile_tiny", "run"]

_OPERATOR_SYMBOLS: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.USub: "-",
    ast.UAdd: "+",
    ast.Invert: "~",
    ast.Not: "not",
}

_CONSTRUCTS: dict[type[ast.AST], str] = {
    ast.For: "'for' loop",
    ast.With: "'with' statement",
    ast.ClassDef: "class definition",
    ast.Import: "'import' statement",
    ast.ImportFrom: "'import' statement",
    ast.Global: "'global' statement",
    ast.Nonlocal: "'nonlocal' statement",
    ast.Delete: "'del' statement",
    ast.Assert: "'assert' statement",
    ast.AnnAssign: "annotated assignment",
    ast.AsyncFunctionDef: "'async def'",
    ast.Lambda: "lambda",
    ast.IfExp: "conditional expression",
    ast.List: "list display",
    ast.Tuple: "tuple",
    ast.Dict: "dict display",
    ast.Set: "set display",
    ast.ListComp: "list comprehension",
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.JoinedStr: "f-string",
    ast.Starred: "starred expression",
    ast.NamedExpr: "assignment expression",
    ast.Yield: "'yield'",
}

_SCALARS = (int, float, str, bool, type(None))


class TinySubsetError(SyntaxError):
    r"""Source that is Python but not the tiny subset.

    *construct* names what is missing; ``filename``, ``lineno``, ``offset``
    (1-based) and ``text`` locate it, as for any :class:`SyntaxError`.

    >>> try:
    ...     compile_tiny("x = 1\nfor i in x: pass\n")
    ... except TinySubsetError as error:
    ...     print(error.msg, error.lineno, error.offset)
    'for' loop is not in the tiny subset 2 1
    """

    def __init__(self, construct: str, node: ast.AST, filename: str, source: str):
        lineno: int = getattr(node, "lineno", 1)
        offset: int = getattr(node, "col_offset", 0) + 1
        lines = source.splitlines()
        text = lines[lineno - 1] if lineno <= len(lines) else None
        message = f"{construct} is not in the tiny subset"
        super().__init__(message, (filename, lineno, offset, text))
        self.construct = construct


@dataclass
class _Loop:
    """The loop being compiled: where ``continue`` goes, what ``break`` patches."""

    start: int
    handler_depth: int
    breaks: list[int] = field(default_factory=list)


class _CodeBuilder(ast.NodeVisitor):
    """Compiles one function or module body into a :class:`TinyCode`."""

    def __init__(
        self,
        name: str,
        parameters: tuple[str, ...],
        body: list[ast.stmt],
        enclosing_locals: frozenset[str],
        *,
        is_function: bool,
        filename: str,
        source: str,
    ) -> None:
        self.name = name
        self.parameters = parameters
        self.is_function = is_function
        self.local_names = list(parameters)
        if is_function:
            for assigned in _assigned_names(body):
                if assigned not in self.local_names:
                    self.local_names.append(assigned)
        self.enclosing_locals = enclosing_locals
        self.filename = filename
        self.source = source
        self.constants: list[object] = []
        self.names: list[str] = []
        self.instructions: list[Instruction] = []
        self.loops: list[_Loop] = []
        self.handler_depth = 0
        self.line = 1

    def build(self) -> TinyCode:
        return TinyCode(
            self.name,
            self.parameters,
            tuple(self.local_names),
            tuple(self.constants),
            tuple(self.names),
            tuple(self.instructions),
            self.filename,
        )

    # Helpers.

    def error(self, construct: str, node: ast.AST) -> TinySubsetError:
        return TinySubsetError(construct, node, self.filename, self.source)

    def emit(self, opname: str, arg: int = 0) -> int:
        self.instructions.append(Instruction(opname, arg, self.line))
        return len(self.instructions) - 1

    def patch(self, index: int) -> None:
        """Make the jump at *index* go to the next instruction emitted."""
        jump = self.instructions[index]
        self.instructions[index] = replace(jump, arg=len(self.instructions))

    def constant(self, value: object) -> int:
        for index, known in enumerate(self.constants):
            # 1, 1.0 and True are equal but distinct constants, as are 0.0 and -0.0
            if type(known) is type(value) and repr(known) == repr(value):
                return index
        self.constants.append(value)
        return len(self.constants) - 1

    def global_name(self, name: str) -> int:
        if name not in self.names:
            self.names.append(name)
        return self.names.index(name)

    def store(self, name: str) -> None:
        if self.is_function:
            self.emit("STORE_LOCAL", self.local_names.index(name))
        else:
            self.emit("STORE_GLOBAL", self.global_name(name))

    def visit(self, node: ast.AST) -> None:
        self.line = getattr(node, "lineno", self.line)
        super().visit(node)

    def generic_visit(self, node: ast.AST) -> None:
        construct = _CONSTRUCTS.get(type(node), f"'{type(node).__name__}' node")
        raise self.error(construct, node)

    def operator(self, node: ast.AST, op: ast.AST, supported: tuple[str, ...]) -> int:
        symbol = _OPERATOR_SYMBOLS.get(type(op), type(op).__name__)
        if symbol not in supported:
            raise self.error(f"the '{symbol}' operator", node)
        return supported.index(symbol)

    # Statements.

    def visit_Module(self, node: ast.Module) -> None:
        for statement in node.body:
            self.visit(statement)
        self.emit("PUSH_CONST", self.constant(None))
        self.emit("RETURN")

    def visit_Expression(self, node: ast.Expression) -> None:
        self.visit(node.body)
        self.emit("RETURN")

    def visit_Pass(self, node: ast.Pass) -> None:
        pass

    def visit_Expr(self, node: ast.Expr) -> None:
        self.visit(node.value)
        self.emit("POP")

    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) != 1:
            raise self.error("assignment to several targets", node)
        target = node.targets[0]
        if not isinstance(target, ast.Name):
            self.generic_visit(target)
            return
        self.visit(node.value)
        self.store(target.id)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if not isinstance(node.target, ast.Name):
            self.generic_visit(node.target)
            return
        index = self.operator(node, node.op, BINARY_OPERATORS)
        self.visit(ast.Name(node.target.id, ast.Load(), lineno=node.lineno))
        self.visit(node.value)
        self.emit("BINARY_OP", index)
        self.store(node.target.id)

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        to_else = self.emit("JUMP_IF_FALSE")
        for statement in node.body:
            self.visit(statement)
        if not node.orelse:
            self.patch(to_else)
            return
        to_end = self.emit("JUMP")
        self.patch(to_else)
        for statement in node.orelse:
            self.visit(statement)
        self.patch(to_end)

    def visit_While(self, node: ast.While) -> None:
        if node.orelse:
            raise self.error("'else' on a 'while' loop", node.orelse[0])
        loop = _Loop(len(self.instructions), self.handler_depth)
        self.visit(node.test)
        loop.breaks.append(self.emit("JUMP_IF_FALSE"))
        self.loops.append(loop)
        for statement in node.body:
            self.visit(statement)
        self.loops.pop()
        self.emit("JUMP", loop.start)
        for jump in loop.breaks:
            self.patch(jump)

    def leave_handlers(self, node: ast.stmt, keyword: str) -> _Loop:
        """Pop the handlers set up inside the loop a ``break``/``continue`` leaves."""
        if not self.loops:
            raise SyntaxError(
                f"'{keyword}' outside loop"
                if keyword == "break"
                else f"'{keyword}' not properly in loop",
                (self.filename, node.lineno, node.col_offset + 1, None),
            )
        loop = self.loops[-1]
        for _ in range(self.handler_depth - loop.handler_depth):
            self.emit("POP_HANDLER")
        return loop

    def visit_Break(self, node: ast.Break) -> None:
        loop = self.leave_handlers(node, "break")
        loop.breaks.append(self.emit("JUMP"))

    def visit_Continue(self, node: ast.Continue) -> None:
        self.emit("JUMP", self.leave_handlers(node, "continue").start)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        arguments = node.args
        if node.decorator_list:
            raise self.error("decorator", node.decorator_list[0])
        if (
            arguments.vararg
            or arguments.kwarg
            or arguments.kwonlyargs
            or arguments.defaults
        ):
            raise self.error("parameter other than positional", node)
        if getattr(node, "type_params", None):
            raise self.error("type parameter", node)
        parameters = [*arguments.posonlyargs, *arguments.args]
        for annotated in [*parameters, node]:
            annotation = getattr(annotated, "annotation", None) or getattr(
                annotated, "returns", None
            )
            if annotation is not None:
                raise self.error("annotation", annotation)
        enclosing = self.enclosing_locals
        if self.is_function:
            enclosing |= frozenset(self.local_names)
        builder = _CodeBuilder(
            node.name,
            tuple(parameter.arg for parameter in parameters),
            node.body,
            enclosing,
            is_function=True,
            filename=self.filename,
            source=self.source,
        )
        for statement in node.body:
            builder.visit(statement)
        builder.emit("PUSH_CONST", builder.constant(None))
        builder.emit("RETURN")
        self.line = node.lineno
        self.emit("PUSH_CONST", self.constant(builder.build()))
        self.emit("MAKE_FUNCTION")
        self.store(node.name)

    def visit_Return(self, node: ast.Return) -> None:
        if not self.is_function:
            raise SyntaxError(
                "'return' outside function",
                (self.filename, node.lineno, node.col_offset + 1, None),
            )
        if node.value is None:
            self.emit("PUSH_CONST", self.constant(None))
        else:
            self.visit(node.value)
        self.emit("RETURN")

    def visit_Raise(self, node: ast.Raise) -> None:
        if node.exc is None:
            raise self.error("bare 'raise'", node)
        if node.cause is not None:
            raise self.error("'raise ... from'", node.cause)
        self.visit(node.exc)
        self.emit("RAISE")

    def visit_Try(self, node: ast.Try) -> None:
        if node.orelse or node.finalbody:
            raise self.error("'try' with 'else' or 'finally'", node)
        if len(node.handlers) != 1:
            raise self.error("'try' with more than one 'except'", node)
        handler = node.handlers[0]
        setup = self.emit("SETUP_HANDLER")
        self.handler_depth += 1
        for statement in node.body:
            self.visit(statement)
        self.handler_depth -= 1
        self.emit("POP_HANDLER")
        to_end = [self.emit("JUMP")]
        self.patch(setup)
        self.line = handler.lineno
        not_matched = None
        if handler.type is not None:
            self.visit(handler.type)
            self.emit("MATCH_EXCEPTION")
            not_matched = self.emit("JUMP_IF_FALSE")
        if handler.name is None:
            self.emit("POP")
        else:
            self.store(handler.name)
        for statement in handler.body:
            self.visit(statement)
        if not_matched is not None:
            to_end.append(self.emit("JUMP"))
            self.patch(not_matched)
            self.line = handler.lineno
            self.emit("RERAISE")
        for jump in to_end:
            self.patch(jump)

    # Expressions.

    def visit_Constant(self, node: ast.Constant) -> None:
        if type(node.value) not in _SCALARS:
            raise self.error(f"{type(node.value).__name__} constant", node)
        self.emit("PUSH_CONST", self.constant(node.value))

    def visit_Name(self, node: ast.Name) -> None:
        if self.is_function and node.id in self.local_names:
            self.emit("LOAD_LOCAL", self.local_names.index(node.id))
        elif node.id in self.enclosing_locals:
            raise self.error(f"the closure variable '{node.id}'", node)
        else:
            self.emit("LOAD_GLOBAL", self.global_name(node.id))

    def visit_BinOp(self, node: ast.BinOp) -> None:
        index = self.operator(node, node.op, BINARY_OPERATORS)
        self.visit(node.left)
        self.visit(node.right)
        self.emit("BINARY_OP", index)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        index = self.operator(node, node.op, UNARY_OPERATORS)
        self.visit(node.operand)
        self.emit("UNARY_OP", index)

    def visit_Compare(self, node: ast.Compare) -> None:
        if len(node.ops) != 1:
            raise self.error("chained comparison", node)
        index = self.operator(node, node.ops[0], COMPARISON_OPERATORS)
        self.visit(node.left)
        self.visit(node.comparators[0])
        self.emit("COMPARE_OP", index)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        # The value that decides is the result: keep a copy, drop it if it does not.
        jump = "JUMP_IF_FALSE" if isinstance(node.op, ast.And) else "JUMP_IF_TRUE"
        to_end = []
        for value in node.values[:-1]:
            self.visit(value)
            self.emit("DUP")
            to_end.append(self.emit(jump))
            self.emit("POP")
        self.visit(node.values[-1])
        for index in to_end:
            self.patch(index)

    def visit_Call(self, node: ast.Call) -> None:
        if node.keywords:
            raise self.error("keyword argument", node.keywords[0])
        self.visit(node.func)
        for argument in node.args:
            self.visit(argument)
        self.emit("CALL", len(node.args))


def _assigned_names(body: list[ast.stmt]) -> list[str]:
    """List the names a function body binds, in order, skipping nested defs."""
    names: list[str] = []
    pending: list[ast.AST] = list(reversed(body))
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ExceptHandler) and node.name:
            names.append(node.name)
        if not isinstance(node, ast.FunctionDef):
            pending.extend(reversed(list(ast.iter_child_nodes(node))))
    return names


def compile_tiny(
    source: str, filename: str = "<tiny>", mode: Literal["exec", "eval"] = "exec"
) -> TinyCode:
    """Compile *source*, a module (``"exec"``) or an expression (``"eval"``).

    Raises :class:`SyntaxError` for invalid Python and
    :class:`TinySubsetError` for Python outside the subset.

    >>> code = compile_tiny("1 + 2", mode="eval")
    >>> [instruction.opname for instruction in code.instructions]
    ['PUSH_CONST', 'PUSH_CONST', 'BINARY_OP', 'RETURN']
    """
    tree = ast.parse(source, filename, mode)
    builder = _CodeBuilder(
        "<module>",
        (),
        [],
        frozenset(),
        is_function=False,
        filename=filename,
        source=source,
    )
    builder.visit(tree)
    return builder.build()


def run(
    source: str,
    mode: Literal["exec", "eval"] = "exec",
    filename: str = "<program>",
) -> Outcome:
    """Compile *source*, run it on a fresh ``TinyMachine``, report what it did.

    The report has the fields CPython's run gets from
    :func:`pyinternals.compiler.differential.run`: printed output, the
    ``repr`` of an expression's value, ``"Type: message"`` of an escaping
    exception and the line it was raised at, so the two compare with ``==``.
    Compile errors are not outcomes: they propagate.

    >>> run("10 // 0", "eval").error
    'ZeroDivisionError: integer division or modulo by zero'
    """
    code = compile_tiny(source, filename, mode)
    machine = TinyMachine()
    output = io.StringIO()
    value: str | None = None
    error = ""
    line = None
    try:
        with redirect_stdout(output):
            result = machine.execute(code)
        if mode == "eval":
            value = repr(result)
    except Exception as exception:  # the program's own failure is its outcome
        error = "".join(traceback.format_exception_only(exception)).strip()
        error = error.splitlines()[-1]
        if machine.raised_at is not None and machine.raised_at[0] is exception:
            line = machine.raised_at[1]
    return Outcome(output.getvalue(), value, error, line)
