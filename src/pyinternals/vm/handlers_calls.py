r"""Opcode handlers that make and call things: functions, classes, generators.

``MAKE_FUNCTION`` builds a real :class:`types.FunctionType`, so that
``inspect``, decorators and builtins see an ordinary function; when VM code
calls it, :meth:`~pyinternals.vm.interpreter.EvalLoop.call_object` runs its
code on the VM. ``CALL`` finds the callable and its arguments where the
running version's compiler put them: 3.11 has ``NULL`` *below* the callable
(or a method and its ``self``) and names keywords with ``KW_NAMES``; 3.13
has the callable below ``self``-or-``NULL`` and a separate ``CALL_KW``.

A class statement calls ``__build_class__``; ours,
:meth:`CallHandlers.build_class`, follows ``Python/bltinmodule.c``'s
``builtin___build_class__`` but runs the class body on the VM.

>>> from pyinternals.vm.machine import exec_source
>>> source = "class A:\n    def f(self, x=2):\n        return x\ny = A().f()\n"
>>> exec_source(source)["y"]
2
"""

from __future__ import annotations

import builtins
import inspect
import sys
import types
from types import CellType, FunctionType
from typing import Any

from pyinternals.vm.coroutines import VMCoroutine, make_suspended_frame
from pyinternals.vm.frame import NULL, Frame, Instruction
from pyinternals.vm.generators import SuspendedFrame, VMGenerator
from pyinternals.vm.handlers_names import NameHandlers
from pyinternals.vm.trampolines import make_function, trampoline_entry, vm_code

__all__ = ["CallHandlers"]

_AFTER_311 = sys.version_info >= (3, 12)
_ASYNC_GENERATOR = inspect.CO_ASYNC_GENERATOR
_COROUTINE_FLAGS = inspect.CO_COROUTINE | inspect.CO_ITERABLE_COROUTINE
_ANY_GENERATOR = inspect.CO_GENERATOR | inspect.CO_COROUTINE | _ASYNC_GENERATOR
_KINDS = {inspect.CO_COROUTINE: "coroutine", _ASYNC_GENERATOR: "async generator"}

_FUNCTION_ATTRIBUTES = {
    0x01: "__defaults__",
    0x02: "__kwdefaults__",
    0x04: "__annotations__",
    0x08: "__closure__",
}
"""``MAKE_FUNCTION``'s (3.11) and ``SET_FUNCTION_ATTRIBUTE``'s (3.13) flags."""


def _most_derived_metaclass(metaclass: type, bases: tuple[Any, ...]) -> type:
    """Return the metaclass every base's metaclass is a superclass of."""
    winner = metaclass
    for base in bases:
        base_metaclass = type(base)
        if issubclass(winner, base_metaclass):
            continue
        if issubclass(base_metaclass, winner):
            winner = base_metaclass
            continue
        raise TypeError(
            "metaclass conflict: the metaclass of a derived class must be a "
            "(non-strict) subclass of the metaclasses of all its bases"
        )
    return winner


def _annotations_dict(annotations: Any) -> Any:
    """Annotations arrive as a flat (name, value, ...) tuple; functions want a dict."""
    if isinstance(annotations, tuple):
        return dict(zip(annotations[::2], annotations[1::2], strict=True))
    return annotations


class CallHandlers(NameHandlers):
    """Handlers for calls, function and class creation, generators."""

    # --- calls -------------------------------------------------------------------

    def _call_from_stack(
        self, frame: Frame, count: int, keyword_names: tuple[str, ...]
    ) -> None:
        """Pop a call's callable and *count* arguments, call, push the result."""
        stack = frame.stack
        arguments = stack[len(stack) - count :]
        below, above = stack[-count - 2], stack[-count - 1]
        del stack[-count - 2 :]
        if _AFTER_311:
            function = below
            if above is not NULL:
                arguments.insert(0, above)
        elif below is NULL:
            function = above
        else:
            function = below
            arguments.insert(0, above)
        keywords = None
        if keyword_names:
            split = len(arguments) - len(keyword_names)
            keywords = dict(zip(keyword_names, arguments[split:], strict=True))
            del arguments[split:]
        stack.append(self.call_object(function, arguments, keywords))

    def op_PRECALL(self, frame: Frame, instruction: Instruction) -> None:
        """3.11: ``PRECALL`` only prepares specialization; nothing to do."""
        pass

    def op_KW_NAMES(self, frame: Frame, instruction: Instruction) -> None:
        """3.11: remember the keyword names of the next ``CALL``."""
        frame.kwnames = frame.code.co_consts[instruction.arg]

    def op_CALL(self, frame: Frame, instruction: Instruction) -> None:
        """Call with ``arg`` arguments (the last ones named by ``KW_NAMES``)."""
        keyword_names, frame.kwnames = frame.kwnames, ()
        self._call_from_stack(frame, instruction.arg, keyword_names)

    def op_CALL_KW(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: call with ``arg`` arguments, the last named by the tuple on top."""
        self._call_from_stack(frame, instruction.arg, frame.stack.pop())

    def op_CALL_FUNCTION_EX(self, frame: Frame, instruction: Instruction) -> None:
        """Call with an argument tuple and, if ``arg & 1``, a keyword dict."""
        keywords = frame.stack.pop() if instruction.arg & 1 else None
        arguments = frame.stack.pop()
        first, second = frame.stack.pop(), frame.stack.pop()
        function = first if second is NULL else second
        if not isinstance(arguments, tuple):
            arguments = tuple(arguments)
        frame.stack.append(self.call_object(function, arguments, keywords))

    # --- functions ---------------------------------------------------------------

    def op_MAKE_FUNCTION(self, frame: Frame, instruction: Instruction) -> None:
        """Make a function of the code object on top (3.11: and its flagged parts)."""
        code = frame.stack.pop()
        parts = {}
        if not _AFTER_311:
            for flag in sorted(_FUNCTION_ATTRIBUTES, reverse=True):
                if instruction.arg & flag:
                    parts[flag] = frame.stack.pop()
        # 3.13 sets the closure afterwards (SET_FUNCTION_ATTRIBUTE), but a
        # function whose code has free variables needs one from the start.
        closure = parts.pop(0x08, tuple(CellType() for _ in code.co_freevars))
        function = make_function(self, code, frame.globals, closure)
        for flag, value in parts.items():
            function = self._with_attribute(function, flag, value)
        frame.stack.append(function)

    def op_SET_FUNCTION_ATTRIBUTE(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: give the function on top one part (defaults, closure…)."""
        function = frame.stack.pop()
        value = frame.stack.pop()
        frame.stack.append(self._with_attribute(function, instruction.arg, value))

    def _with_attribute(
        self, function: FunctionType, flag: int, value: Any
    ) -> FunctionType:
        """Set one of ``MAKE_FUNCTION``'s optional parts on *function*.

        A closure cannot be assigned to a function: a new function is made.
        """
        if flag == 0x08:
            made = FunctionType(
                function.__code__, function.__globals__, None, None, value
            )
            made.__defaults__ = function.__defaults__
            made.__kwdefaults__ = function.__kwdefaults__
            made.__annotations__ = function.__annotations__
            made.__doc__ = function.__doc__
            entry = trampoline_entry(made)
            if entry is not None:
                entry.attach(made)
            return made
        if flag == 0x04:
            value = _annotations_dict(value)
        setattr(function, _FUNCTION_ATTRIBUTES[flag], value)
        return function

    # --- classes -------------------------------------------------------------------

    def op_LOAD_BUILD_CLASS(self, frame: Frame, instruction: Instruction) -> None:
        """Push ``__build_class__`` (ours, if the builtins hold the original)."""
        build_class = frame.builtins.get("__build_class__")
        if build_class is None:
            raise NameError("__build_class__ not found")
        if build_class is builtins.__build_class__:
            build_class = self.build_class
        frame.stack.append(build_class)

    def build_class(
        self, body: Any, name: Any, *bases: Any, metaclass: Any = None, **keywords: Any
    ) -> Any:
        """Create a class as ``__build_class__`` does, running *body* on the VM.

        Resolves ``__mro_entries__``, picks the most derived metaclass, asks
        it to ``__prepare__`` the namespace, runs the class body in that
        namespace and calls the metaclass.
        """
        if not isinstance(body, FunctionType):
            raise TypeError("__build_class__: func must be a function")
        if not isinstance(name, str):
            raise TypeError("__build_class__: name is not a string")
        resolved = types.resolve_bases(bases)
        if metaclass is None:
            metaclass = type(resolved[0]) if resolved else type
        if isinstance(metaclass, type):
            metaclass = _most_derived_metaclass(metaclass, resolved)
        prepare = getattr(metaclass, "__prepare__", None)
        namespace = prepare(name, resolved, **keywords) if prepare is not None else {}
        if not hasattr(type(namespace), "__getitem__"):
            raise TypeError(
                f"{getattr(metaclass, '__name__', metaclass)}.__prepare__() must "
                "return "
                f"a mapping, not {type(namespace).__name__}"
            )
        frame = Frame(
            vm_code(body),
            body.__globals__,
            body.__builtins__,
            locals=namespace,
            closure=body.__closure__ or (),
            function=body,
        )
        cell = self.run_frame(frame)
        if resolved is not bases:
            namespace["__orig_bases__"] = bases
        made = metaclass(name, resolved, namespace, **keywords)
        if isinstance(made, type) and isinstance(cell, CellType):
            try:
                contents = cell.cell_contents
            except ValueError:
                contents = None
            if contents is not made:
                raise TypeError(
                    f"__class__ set to {contents!r} defining {name!r} as {made!r}"
                )
        return made

    # --- generators -----------------------------------------------------------------

    def op_RETURN_GENERATOR(self, frame: Frame, instruction: Instruction) -> bool:
        """Hand this frame to a new generator (or coroutine) and leave, returning it."""
        frame.stack.append(make_suspended_frame(self, frame))
        return True

    def op_YIELD_VALUE(self, frame: Frame, instruction: Instruction) -> bool:
        """Suspend the frame, yielding the value on top."""
        return True

    def op_GET_YIELD_FROM_ITER(self, frame: Frame, instruction: Instruction) -> None:
        """Make the top an iterator for ``yield from`` (generators stay)."""
        iterable = frame.stack[-1]
        if isinstance(iterable, types.CoroutineType | VMCoroutine):
            marked = frame.function.__code__ if frame.function else frame.code
            if (frame.code.co_flags | marked.co_flags) & _COROUTINE_FLAGS:
                return
            raise TypeError(
                "cannot 'yield from' a coroutine object in a non-coroutine generator"
            )
        if not isinstance(iterable, types.GeneratorType | VMGenerator):
            frame.stack[-1] = iter(iterable)

    def op_SEND(self, frame: Frame, instruction: Instruction) -> None:
        """Send the top value into the receiver below; jump away when it returns."""
        value = frame.stack.pop()
        receiver = frame.stack[-1]
        try:
            if value is None and not isinstance(
                receiver, types.GeneratorType | types.CoroutineType | SuspendedFrame
            ):
                produced = next(receiver)
            else:
                produced = receiver.send(value)
        except StopIteration as stop:
            returned = stop.value
        else:
            frame.stack.append(produced)
            return
        if not _AFTER_311:
            frame.stack.pop()
        frame.stack.append(returned)
        frame.index = instruction.target

    def op_END_SEND(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: drop the receiver under the value ``yield from`` produced."""
        value = frame.stack.pop()
        frame.stack[-1] = value

    # --- intrinsics (3.12+) ---------------------------------------------------

    def op_CALL_INTRINSIC_1(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: apply the one-argument intrinsic function ``arg`` names."""
        value = frame.stack.pop()
        if instruction.arg == 1:
            sys.displayhook(value)
            result: Any = None
        elif instruction.arg == 2:
            self.import_star(frame, value)
            result = None
        elif instruction.arg == 3:
            result = self._stop_iteration_error(frame, value)
        elif instruction.arg == 5:
            result = +value
        elif instruction.arg == 6:
            result = tuple(value)
        else:
            self._unsupported(frame, instruction)
        frame.stack.append(result)

    def _stop_iteration_error(
        self, frame: Frame, exception: BaseException
    ) -> BaseException:
        """PEP 479: a ``StopIteration`` leaving a generator becomes ``RuntimeError``."""
        flags = frame.code.co_flags
        if flags & _ASYNC_GENERATOR and isinstance(exception, StopAsyncIteration):
            kind = "async generator"
        elif not isinstance(exception, StopIteration):
            return exception
        else:
            kind = _KINDS.get(flags & _ANY_GENERATOR, "generator")
        error = RuntimeError(f"{kind} raised {type(exception).__name__}")
        error.__cause__ = error.__context__ = exception
        return error
