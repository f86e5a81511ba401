r"""A tiny stack machine: the chapter's stepping stone before CPython's bytecode.

Everything CPython's evaluation loop does, at a size that fits on a page:
code objects (:class:`TinyCode`) hold constants, names and a tuple of
:class:`Instruction` records; the machine (:class:`TinyMachine`) keeps a
chain of :class:`Frame`\ s, each with its own value stack, locals, program
counter and the frame to return to; one small method per opcode does the
work, found through a dictionary built once from the methods' names.

Exceptions are handled the way CPython did before 3.11: ``SETUP_HANDLER``
pushes a handler (where to jump, how deep the value stack was) on the
frame's handler stack, ``POP_HANDLER`` takes it off when the protected code
ends normally, and an exception unwinds to the innermost handler of the
innermost frame that has one. CPython 3.11 replaced this with a table
consulted only when an exception happens (``Objects/exception_handling_notes.txt``
and ``get_exception_handler`` in ``Python/ceval.c`` explain it), so that
entering a ``try`` costs nothing; the chapter contrasts the two.

:func:`disassemble` renders a code object as text; the compiler from a
subset of Python is :mod:`~pyinternals.vm.tinycompiler`.

>>> code = TinyCode("<demo>", (), (), (6, 7), (), (
...     Instruction("PUSH_CONST", 0), Instruction("PUSH_CONST", 1),
...     Instruction("BINARY_OP", BINARY_OPERATORS.index("*")),
...     Instruction("RETURN")))
>>> TinyMachine().execute(code)
42
"""

import builtins as python_builtins
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "BINARY_OPERATORS",
    "COMPARISON_OPERATORS",
    "OPNAMES",
    "UNARY_OPERATORS",
    "Frame",
    "Handler",
    "Instruction",
    "TinyCode",
    "TinyFunction",
    "TinyMachine",
    "disassemble",
]

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
}
_COMPARISON: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_UNARY: dict[str, Callable[[Any], Any]] = {
    "-": operator.neg,
    "not": operator.not_,
}

#: The operators ``BINARY_OP``'s argument indexes, as CPython's does.
BINARY_OPERATORS = tuple(_BINARY)
#: The operators ``COMPARE_OP``'s argument indexes.
COMPARISON_OPERATORS = tuple(_COMPARISON)
#: The operators ``UNARY_OP``'s argument indexes.
UNARY_OPERATORS = tuple(_UNARY)

#: The instruction set, with what each instruction's argument means.
OPNAMES = {
    "PUSH_CONST": "index into the constants",
    "POP": "unused",
    "LOAD_LOCAL": "index into the local names",
    "STORE_LOCAL": "index into the local names",
    "LOAD_GLOBAL": "index into the names",
    "STORE_GLOBAL": "index into the names",
    "BINARY_OP": "index into BINARY_OPERATORS",
    "UNARY_OP": "index into UNARY_OPERATORS",
    "COMPARE_OP": "index into COMPARISON_OPERATORS",
    "JUMP": "target instruction",
    "JUMP_IF_FALSE": "target instruction",
    "JUMP_IF_TRUE": "target instruction",
    "DUP": "unused",
    "MAKE_FUNCTION": "unused",
    "CALL": "number of arguments",
    "RETURN": "unused",
    "RAISE": "unused",
    "RERAISE": "unused",
    "SETUP_HANDLER": "target instruction",
    "POP_HANDLER": "unused",
    "MATCH_EXCEPTION": "unused",
}

_JUMPS = frozenset({"JUMP", "JUMP_IF_FALSE", "JUMP_IF_TRUE", "SETUP_HANDLER"})


@dataclass(frozen=True)
class Instruction:
    """One instruction: an opcode name, an integer argument, a source line.

    >>> Instruction("CALL", 2, line=3)
    Instruction(opname='CALL', arg=2, line=3)
    """

    opname: str
    arg: int = 0
    line: int = 0


@dataclass(frozen=True)
class TinyCode:
    """A compiled function or module: what the machine needs to run it.

    *parameters* are the first of *local_names*; *constants* may hold the
    :class:`TinyCode` of nested functions; *names* are the globals used.

    >>> TinyCode("f", ("n",), ("n",), (), (), (Instruction("RETURN"),)).name
    'f'
    """

    name: str
    parameters: tuple[str, ...]
    local_names: tuple[str, ...]
    constants: tuple[object, ...]
    names: tuple[str, ...]
    instructions: tuple[Instruction, ...]
    filename: str = "<tiny>"


@dataclass(frozen=True)
class TinyFunction:
    """A function made by ``MAKE_FUNCTION``: a code object, called by ``CALL``.

    >>> TinyFunction(TinyCode("f", (), (), (), (), ()))
    <tiny function f>
    """

    code: TinyCode

    def __repr__(self) -> str:
        return f"<tiny function {self.code.name}>"


class Handler(NamedTuple):
    """An active exception handler: where to jump, how deep the stack was."""

    target: int
    stack_depth: int


class _Unbound:
    """The value of a local not yet assigned."""

    def __repr__(self) -> str:
        return "<unbound>"


_UNBOUND = _Unbound()


@dataclass(eq=False)
class Frame:
    """One running call: its code, value stack, locals and handler stack.

    *caller* is the frame to return to; its *pc*, saved there when it
    called, is the return address. *depth* counts the frames below.

    >>> Frame(TinyCode("f", (), ("x",), (), (), ())).local_values
    [<unbound>]
    """

    code: TinyCode
    caller: "Frame | None" = None
    depth: int = 0
    pc: int = 0
    stack: list[object] = field(default_factory=list)
    handlers: list[Handler] = field(default_factory=list)
    local_values: list[object] = field(default_factory=list)

    def __post_init__(self) -> None:
        missing = len(self.code.local_names) - len(self.local_values)
        self.local_values.extend([_UNBOUND] * missing)


class TinyMachine:
    """The interpreter: runs :class:`TinyCode` with one method per opcode.

    *builtins* are the names a global lookup falls back to (Python's own
    builtins unless given). The machine never recurses on the host's stack:
    a call pushes a :class:`Frame`, a return pops one, so *recursion_limit*
    is the machine's own.

    >>> machine = TinyMachine()
    >>> sorted(machine.dispatch) == sorted(OPNAMES)
    True
    """

    def __init__(
        self, builtins: dict[str, object] | None = None, recursion_limit: int = 1000
    ) -> None:
        self.builtins = dict(vars(python_builtins)) if builtins is None else builtins
        self.globals: dict[str, object] = {}
        self.recursion_limit = recursion_limit
        self.frame: Frame | None = None
        self.result: object = None
        self.raised_at: tuple[BaseException, int] | None = None
        self.dispatch: dict[str, Callable[[Frame, int], None]] = {
            name.removeprefix("op_").upper(): getattr(self, name)
            for name in dir(self)
            if name.startswith("op_")
        }

    def execute(self, code: TinyCode) -> object:
        """Run *code* as a module in ``globals``, return what it returns.

        An exception no handler catches propagates to the caller;
        ``raised_at`` then holds it with the source line it was raised at.
        """
        self.frame = Frame(code)
        self.result = None
        while self.frame is not None:
            frame = self.frame
            instruction = frame.code.instructions[frame.pc]
            frame.pc += 1
            try:
                self.dispatch[instruction.opname](frame, instruction.arg)
            except BaseException as exception:  # the program's, to unwind
                if not self._unwind(exception, instruction.line):
                    raise
        return self.result

    def _unwind(self, exception: BaseException, line: int) -> bool:
        """Jump to the innermost handler, popping frames; False if none is left."""
        if self.raised_at is None or self.raised_at[0] is not exception:
            self.raised_at = (exception, line)
        frame = self.frame
        while frame is not None and not frame.handlers:
            frame = frame.caller
        self.frame = frame
        if frame is None:
            return False
        handler = frame.handlers.pop()
        del frame.stack[handler.stack_depth :]
        frame.stack.append(exception)
        frame.pc = handler.target
        return True

    # Constants, locals and globals.

    def op_push_const(self, frame: Frame, arg: int) -> None:
        """Push the constant *arg*."""
        frame.stack.append(frame.code.constants[arg])

    def op_pop(self, frame: Frame, arg: int) -> None:
        """Drop the top of the stack."""
        frame.stack.pop()

    def op_dup(self, frame: Frame, arg: int) -> None:
        """Push the top of the stack again."""
        frame.stack.append(frame.stack[-1])

    def op_load_local(self, frame: Frame, arg: int) -> None:
        """Push local *arg*; an unassigned local raises UnboundLocalError."""
        value = frame.local_values[arg]
        if value is _UNBOUND:
            name = frame.code.local_names[arg]
            raise UnboundLocalError(
                f"cannot access local variable '{name}'"
                " where it is not associated with a value"
            )
        frame.stack.append(value)

    def op_store_local(self, frame: Frame, arg: int) -> None:
        """Pop into local *arg*."""
        frame.local_values[arg] = frame.stack.pop()

    def op_load_global(self, frame: Frame, arg: int) -> None:
        """Push global name *arg*, falling back to the builtins."""
        name = frame.code.names[arg]
        if name in self.globals:
            frame.stack.append(self.globals[name])
        elif name in self.builtins:
            frame.stack.append(self.builtins[name])
        else:
            raise NameError(f"name '{name}' is not defined", name=name)

    def op_store_global(self, frame: Frame, arg: int) -> None:
        """Pop into global name *arg*."""
        self.globals[frame.code.names[arg]] = frame.stack.pop()

    # Operators: the host's own, so results and error messages are Python's.

    def op_binary_op(self, frame: Frame, arg: int) -> None:
        """Pop right and left, push ``left OP right``."""
        right = frame.stack.pop()
        left = frame.stack.pop()
        frame.stack.append(_BINARY[BINARY_OPERATORS[arg]](left, right))

    def op_compare_op(self, frame: Frame, arg: int) -> None:
        """Pop right and left, push the comparison's result."""
        right = frame.stack.pop()
        left = frame.stack.pop()
        frame.stack.append(_COMPARISON[COMPARISON_OPERATORS[arg]](left, right))

    def op_unary_op(self, frame: Frame, arg: int) -> None:
        """Replace the top of the stack by ``OP top``."""
        frame.stack.append(_UNARY[UNARY_OPERATORS[arg]](frame.stack.pop()))

    # Jumps.

    def op_jump(self, frame: Frame, arg: int) -> None:
        """Continue at instruction *arg*."""
        frame.pc = arg

    def op_jump_if_false(self, frame: Frame, arg: int) -> None:
        """Pop; continue at *arg* if the value is false."""
        if not frame.stack.pop():
            frame.pc = arg

    def op_jump_if_true(self, frame: Frame, arg: int) -> None:
        """Pop; continue at *arg* if the value is true."""
        if frame.stack.pop():
            frame.pc = arg

    # Functions, calls and returns.

    def op_make_function(self, frame: Frame, arg: int) -> None:
        """Replace the code object on top by a function running it."""
        code = frame.stack.pop()
        assert isinstance(code, TinyCode)
        frame.stack.append(TinyFunction(code))

    def op_call(self, frame: Frame, arg: int) -> None:
        """Call the function below *arg* arguments: a new frame, or the host's call."""
        arguments = frame.stack[len(frame.stack) - arg :]
        del frame.stack[len(frame.stack) - arg :]
        callee = frame.stack.pop()
        if not isinstance(callee, TinyFunction):
            frame.stack.append(callee(*arguments))  # type: ignore[operator]
            return
        _check_arity(callee.code, len(arguments))
        if frame.depth + 1 >= self.recursion_limit:
            raise RecursionError("maximum recursion depth exceeded")
        self.frame = Frame(callee.code, frame, frame.depth + 1, local_values=arguments)

    def op_return(self, frame: Frame, arg: int) -> None:
        """Pop the return value, leave the frame, push it on the caller's stack."""
        value = frame.stack.pop()
        self.frame = frame.caller
        if frame.caller is None:
            self.result = value
        else:
            frame.caller.stack.append(value)

    # Exceptions.

    def op_raise(self, frame: Frame, arg: int) -> None:
        """Pop an exception (or exception class) and raise it."""
        raised = frame.stack.pop()
        if isinstance(raised, type) and issubclass(raised, BaseException):
            raised = raised()
        if not isinstance(raised, BaseException):
            raise TypeError("exceptions must derive from BaseException")
        raise raised

    def op_reraise(self, frame: Frame, arg: int) -> None:
        """Pop the exception a handler did not match and raise it again."""
        raised = frame.stack.pop()
        assert isinstance(raised, BaseException)
        raise raised

    def op_setup_handler(self, frame: Frame, arg: int) -> None:
        """Push a handler: exceptions from here jump to *arg*."""
        frame.handlers.append(Handler(arg, len(frame.stack)))

    def op_pop_handler(self, frame: Frame, arg: int) -> None:
        """Pop the innermost handler: the protected code ended normally."""
        frame.handlers.pop()

    def op_match_exception(self, frame: Frame, arg: int) -> None:
        """Pop an exception class; push whether the exception below is one."""
        wanted = frame.stack.pop()
        if not (isinstance(wanted, type) and issubclass(wanted, BaseException)):
            raise TypeError(
                "catching classes that do not inherit from BaseException is not allowed"
            )
        frame.stack.append(isinstance(frame.stack[-1], wanted))


def _check_arity(code: TinyCode, given: int) -> None:
    """Raise the :class:`TypeError` CPython raises for a wrong argument count."""
    expected = len(code.parameters)
    if given > expected:
        plural = "" if expected == 1 else "s"
        verb = "was" if given == 1 else "were"
        raise TypeError(
            f"{code.name}() takes {expected} positional argument{plural}"
            f" but {given} {verb} given"
        )
    if given < expected:
        missing = [f"'{name}'" for name in code.parameters[given:]]
        listed = missing[-1]
        if len(missing) == 2:
            listed = f"{missing[0]} and {listed}"
        elif len(missing) > 2:
            listed = ", ".join(missing[:-1]) + f", and {listed}"
        plural = "" if len(missing) == 1 else "s"
        raise TypeError(
            f"{code.name}() missing {len(missing)} required positional"
            f" argument{plural}: {listed}"
        )


def _meaning(code: TinyCode, instruction: Instruction) -> str:
    """Say what an instruction's argument stands for, for the listing."""
    opname, arg = instruction.opname, instruction.arg
    if opname == "PUSH_CONST":
        constant = code.constants[arg]
        if isinstance(constant, TinyCode):
            return f"<tiny code {constant.name}>"
        return repr(constant)
    names = {
        "LOAD_LOCAL": code.local_names,
        "STORE_LOCAL": code.local_names,
        "LOAD_GLOBAL": code.names,
        "STORE_GLOBAL": code.names,
        "BINARY_OP": BINARY_OPERATORS,
        "COMPARE_OP": COMPARISON_OPERATORS,
        "UNARY_OP": UNARY_OPERATORS,
    }
    if opname in names:
        return names[opname][arg]
    if opname in _JUMPS:
        return f"to {arg}"
    return str(arg)


def disassemble(code: TinyCode) -> list[str]:
    r"""List *code*'s instructions, then those of the functions it defines.

    Each line shows the source line (where it changes), the index, the
    opcode, its argument and what the argument means.

    >>> code = TinyCode("<demo>", (), (), (1,), ("x",), (
    ...     Instruction("PUSH_CONST", 0, 1), Instruction("STORE_GLOBAL", 0, 1)))
    >>> print("\n".join(disassemble(code)))
    Disassembly of <demo>:
       1      0 PUSH_CONST          0 (1)
              1 STORE_GLOBAL        0 (x)
    """
    lines = [f"Disassembly of {code.name}:"]
    previous_line = None
    for index, instruction in enumerate(code.instructions):
        line = "" if instruction.line == previous_line else str(instruction.line)
        previous_line = instruction.line
        text = f"{line:>4} {index:>6} {instruction.opname}"
        if OPNAMES[instruction.opname] != "unused":
            meaning = _meaning(code, instruction)
            text = f"{text:<28} {instruction.arg:>4} ({meaning})"
        lines.append(text)
    for constant in code.constants:
        if isinstance(constant, TinyCode):
            lines.extend(["", *disassemble(constant)])
    return lines
