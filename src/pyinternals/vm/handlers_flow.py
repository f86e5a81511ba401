r"""Opcode handlers that steer: jumps, loops, returns, exceptions and ``with``.

A jump sets the frame's next instruction index to the target that
:func:`~pyinternals.vm.frame.decode_code` resolved. Exceptions are raised as
Python exceptions; the loop in :mod:`~pyinternals.vm.interpreter` catches
them and consults the exception table, so the handlers here are only the
instructions the *compiler* emits around handlers: ``PUSH_EXC_INFO`` and
``POP_EXCEPT`` save and restore the exception being handled,
``CHECK_EXC_MATCH`` tests an ``except`` clause, ``RERAISE`` sends the
exception on without a new traceback entry.

>>> from pyinternals.vm.machine import exec_source
>>> source = "try:\n    1/0\nexcept ZeroDivisionError as e:\n    m = str(e)\n"
>>> exec_source(source)["m"]
'division by zero'
"""

from __future__ import annotations

import sys
from typing import Any

from pyinternals.vm.frame import Frame, Instruction
from pyinternals.vm.interpreter import EvalLoop

__all__ = ["FlowHandlers"]

_AFTER_311 = sys.version_info >= (3, 12)
_EXHAUSTED: Any = object()
_SKIP_END_FOR = 2 if _AFTER_311 else 0
"""3.12+: an exhausted ``FOR_ITER`` jumps past ``END_FOR`` and ``POP_TOP``."""


def _is_exception_class(candidate: Any) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, BaseException)


def _check_except_clause(clause: Any) -> None:
    if isinstance(clause, tuple):
        if all(_is_exception_class(item) for item in clause):
            return
    elif _is_exception_class(clause):
        return
    raise TypeError(
        "catching classes that do not inherit from BaseException is not allowed"
    )


class FlowHandlers(EvalLoop):
    """Handlers for jumps, iteration, returns, exceptions and ``with``."""

    # --- jumps ------------------------------------------------------------------

    def op_JUMP_FORWARD(self, frame: Frame, instruction: Instruction) -> None:
        """Jump (also ``JUMP_BACKWARD`` and its no-interrupt form)."""
        frame.index = instruction.target

    op_JUMP_BACKWARD = op_JUMP_FORWARD
    op_JUMP_BACKWARD_NO_INTERRUPT = op_JUMP_FORWARD

    def op_POP_JUMP_IF_TRUE(self, frame: Frame, instruction: Instruction) -> None:
        """Pop; jump if true."""
        if frame.stack.pop():
            frame.index = instruction.target

    def op_POP_JUMP_IF_FALSE(self, frame: Frame, instruction: Instruction) -> None:
        """Pop; jump if false."""
        if not frame.stack.pop():
            frame.index = instruction.target

    def op_POP_JUMP_IF_NONE(self, frame: Frame, instruction: Instruction) -> None:
        """Pop; jump if ``None``."""
        if frame.stack.pop() is None:
            frame.index = instruction.target

    def op_POP_JUMP_IF_NOT_NONE(self, frame: Frame, instruction: Instruction) -> None:
        """Pop; jump if not ``None``."""
        if frame.stack.pop() is not None:
            frame.index = instruction.target

    op_POP_JUMP_FORWARD_IF_TRUE = op_POP_JUMP_IF_TRUE
    op_POP_JUMP_BACKWARD_IF_TRUE = op_POP_JUMP_IF_TRUE
    op_POP_JUMP_FORWARD_IF_FALSE = op_POP_JUMP_IF_FALSE
    op_POP_JUMP_BACKWARD_IF_FALSE = op_POP_JUMP_IF_FALSE
    op_POP_JUMP_FORWARD_IF_NONE = op_POP_JUMP_IF_NONE
    op_POP_JUMP_BACKWARD_IF_NONE = op_POP_JUMP_IF_NONE
    op_POP_JUMP_FORWARD_IF_NOT_NONE = op_POP_JUMP_IF_NOT_NONE
    op_POP_JUMP_BACKWARD_IF_NOT_NONE = op_POP_JUMP_IF_NOT_NONE

    def op_JUMP_IF_TRUE_OR_POP(self, frame: Frame, instruction: Instruction) -> None:
        """3.11: jump keeping the top if true, else pop it."""
        if frame.stack[-1]:
            frame.index = instruction.target
        else:
            frame.stack.pop()

    def op_JUMP_IF_FALSE_OR_POP(self, frame: Frame, instruction: Instruction) -> None:
        """3.11: jump keeping the top if false, else pop it."""
        if not frame.stack[-1]:
            frame.index = instruction.target
        else:
            frame.stack.pop()

    # --- iteration ---------------------------------------------------------------

    def op_GET_ITER(self, frame: Frame, instruction: Instruction) -> None:
        """Replace the top by ``iter(top)``."""
        frame.stack.append(iter(frame.stack.pop()))

    def op_FOR_ITER(self, frame: Frame, instruction: Instruction) -> None:
        """Push the iterator's next item; exhausted, pop it and jump past the loop."""
        value = next(frame.stack[-1], _EXHAUSTED)
        if value is _EXHAUSTED:
            frame.stack.pop()
            frame.index = instruction.target + _SKIP_END_FOR
        else:
            frame.stack.append(value)

    def op_END_FOR(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: end of a ``for`` loop: pop."""
        frame.stack.pop()

    # --- leaving the frame --------------------------------------------------------

    def op_RETURN_VALUE(self, frame: Frame, instruction: Instruction) -> bool:
        """Return the top from the frame."""
        return True

    def op_RETURN_CONST(self, frame: Frame, instruction: Instruction) -> bool:
        """3.13: return ``co_consts[arg]``."""
        frame.stack.append(frame.code.co_consts[instruction.arg])
        return True

    # --- exceptions ---------------------------------------------------------------

    def op_PUSH_EXC_INFO(self, frame: Frame, instruction: Instruction) -> None:
        """Entering a handler: save the exception being handled, handle this one."""
        exception = frame.stack.pop()
        frame.stack.append(self.handled_exceptions[-1])
        frame.stack.append(exception)
        self.handled_exceptions[-1] = exception

    def op_POP_EXCEPT(self, frame: Frame, instruction: Instruction) -> None:
        """Leaving a handler: restore the exception handled before."""
        self.handled_exceptions[-1] = frame.stack.pop()

    def op_CHECK_EXC_MATCH(self, frame: Frame, instruction: Instruction) -> None:
        """Push whether the exception matches the popped ``except`` clause."""
        clause = frame.stack.pop()
        _check_except_clause(clause)
        frame.stack.append(isinstance(frame.stack[-1], clause))

    def op_RERAISE(self, frame: Frame, instruction: Instruction) -> None:
        """Raise the top again, adding no traceback entry.

        With ``arg``, the value that many below is the offset of the
        instruction that first raised: the frame is back there, as far as its
        line goes (handlers are still looked up from here).
        """
        exception = frame.stack.pop()
        if instruction.arg:
            frame.reraised_at = frame.stack[-instruction.arg]
        frame.reraising = True
        raise exception

    def op_RAISE_VARARGS(self, frame: Frame, instruction: Instruction) -> None:
        """``raise`` (``arg`` 0), ``raise exc`` (1) or ``raise exc from cause`` (2)."""
        if instruction.arg == 0:
            exception = self.handled_exception
            if exception is None:
                raise RuntimeError("No active exception to reraise")
            frame.reraising = True
            raise exception
        cause = frame.stack.pop() if instruction.arg == 2 else _EXHAUSTED
        exception = frame.stack.pop()
        if cause is _EXHAUSTED:
            raise exception
        raise exception from cause

    def op_LOAD_ASSERTION_ERROR(self, frame: Frame, instruction: Instruction) -> None:
        """Push ``AssertionError``."""
        frame.stack.append(AssertionError)

    def op_CLEANUP_THROW(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: ``throw`` into ``yield from`` gave ``StopIteration``: its value."""
        exception = frame.stack.pop()
        if not isinstance(exception, StopIteration):
            frame.reraising = True
            raise exception
        del frame.stack[-2:]
        frame.stack.append(None)
        frame.stack.append(exception.value)

    # --- with ----------------------------------------------------------------------

    def op_BEFORE_WITH(self, frame: Frame, instruction: Instruction) -> None:
        """Enter a context manager: push its bound ``__exit__`` and ``__enter__()``."""
        manager = frame.stack.pop()
        kind = type(manager)
        enter = getattr(kind, "__enter__", None)
        exit_ = getattr(kind, "__exit__", None)
        if enter is None or exit_ is None:
            missing = " (missed __exit__ method)" if enter is not None else ""
            raise TypeError(
                f"'{kind.__name__}' object does not support the context manager "
                f"protocol{missing}"
            )
        frame.stack.append(exit_.__get__(manager, kind))
        frame.stack.append(self.call_object(enter.__get__(manager, kind), (), None))

    def op_WITH_EXCEPT_START(self, frame: Frame, instruction: Instruction) -> None:
        """Call ``__exit__`` with the exception on top; push what it returns."""
        exception = frame.stack[-1]
        exit_ = frame.stack[-4]
        arguments = (type(exception), exception, exception.__traceback__)
        frame.stack.append(self.call_object(exit_, arguments, None))
