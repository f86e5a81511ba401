r"""Opcode handlers of ``await``, ``async for``, ``async with`` and async ``yield``.

Every ``await`` compiles to ``GET_AWAITABLE`` and then the ``SEND`` loop
that ``yield from`` uses; ``async for`` asks for ``GET_AITER`` once and
``GET_ANEXT`` per round, ending when the awaited step raises
``StopAsyncIteration`` (``END_ASYNC_FOR``); ``async with`` finds
``__aenter__`` and ``__aexit__`` (``BEFORE_ASYNC_WITH``) and awaits what
they return. An async generator's ``yield`` wraps its value first
(``ASYNC_GEN_WRAP``, on 3.13 an intrinsic), so the awaitables of
:mod:`~pyinternals.vm.coroutines` can tell it from what an ``await``
passes up. The C side is ``Python/bytecodes.c`` and ``_PyCoro_GetAwaitableIter``
in ``Objects/genobject.c``.

>>> from pyinternals.vm.machine import exec_source
>>> source = (
...     "import asyncio\n"
...     "class Lock:\n"
...     "    async def __aenter__(self):\n"
...     "        return 'held'\n"
...     "    async def __aexit__(self, *exc):\n"
...     "        return False\n"
...     "async def main():\n"
...     "    async with Lock() as state:\n"
...     "        return await asyncio.sleep(0, state)\n"
...     "result = asyncio.run(main())\n"
... )
>>> exec_source(source)["result"]
'held'
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import Any

from pyinternals.vm.coroutines import AsyncGeneratorWrappedValue, VMCoroutine
from pyinternals.vm.frame import Frame, Instruction
from pyinternals.vm.generators import VMGenerator
from pyinternals.vm.interpreter import EvalLoop

__all__ = ["AsyncHandlers", "is_coroutine_object"]

_AFTER_311 = sys.version_info >= (3, 12)
_INTRINSIC_ASYNC_GEN_WRAP = 4

_AWAIT_ORIGINS = {
    1: "'async with' received an object from __aenter__ "
    "that does not implement __await__: {}",
    2: "'async with' received an object from __aexit__ "
    "that does not implement __await__: {}",
}
"""``GET_AWAITABLE``'s argument names where the awaited object came from."""


def _special(kind: type, name: str) -> Any:
    """Look *name* up on the type, as ``_PyObject_LookupSpecial`` does."""
    for klass in kind.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    return None


def _iterable_coroutine(candidate: Any) -> bool:
    """Say whether *candidate* is a generator marked by ``types.coroutine``."""
    flag = inspect.CO_ITERABLE_COROUTINE
    if type(candidate) is VMGenerator:
        function = candidate._frame.function if candidate._frame else None
        code = getattr(function, "__code__", candidate.gi_code)
        return bool((code.co_flags | candidate.gi_code.co_flags) & flag)
    if isinstance(candidate, types.GeneratorType):
        return bool(candidate.gi_code.co_flags & flag)
    return False


def is_coroutine_object(candidate: Any) -> bool:
    """Say whether ``await`` takes *candidate* as it is (no ``__await__`` call).

    CPython's and the VM's coroutines, and generators marked by
    ``@types.coroutine``.

    >>> async def f():
    ...     pass
    >>> coroutine = f()
    >>> is_coroutine_object(coroutine), is_coroutine_object(iter([]))
    (True, False)
    >>> coroutine.close()
    """
    return isinstance(
        candidate, types.CoroutineType | VMCoroutine
    ) or _iterable_coroutine(candidate)


class AsyncHandlers(EvalLoop):
    """Handlers for awaiting, async iteration, async ``with`` and async ``yield``."""

    def awaitable_iterator(self, awaited: Any, origin: int = 0) -> Any:
        """Return the iterator ``await awaited`` drives, or raise ``TypeError``.

        A coroutine is its own; anything else must have an ``__await__``
        that returns an iterator which is not a coroutine. *origin* is
        ``GET_AWAITABLE``'s argument, which words the error.
        """
        if is_coroutine_object(awaited):
            iterator = awaited
        else:
            kind = type(awaited)
            method = _special(kind, "__await__")
            if method is None:
                template = _AWAIT_ORIGINS.get(
                    origin, "object {} can't be used in 'await' expression"
                )
                raise TypeError(template.format(kind.__name__))
            iterator = self.call_object(method, (awaited,), None)
            if is_coroutine_object(iterator):
                raise TypeError("__await__() returned a coroutine")
            if _special(type(iterator), "__next__") is None:
                raise TypeError(
                    "__await__() returned non-iterator of type "
                    f"'{type(iterator).__name__}'"
                )
        if isinstance(iterator, types.CoroutineType | VMCoroutine) and (
            iterator.cr_await is not None
        ):
            raise RuntimeError("coroutine is being awaited already")
        return iterator

    def op_GET_AWAITABLE(self, frame: Frame, instruction: Instruction) -> None:
        """Replace the top by the iterator that awaiting it drives."""
        frame.stack.append(self.awaitable_iterator(frame.stack.pop(), instruction.arg))

    def op_GET_AITER(self, frame: Frame, instruction: Instruction) -> None:
        """``async for``: replace the top by its ``__aiter__()``."""
        iterable = frame.stack.pop()
        method = _special(type(iterable), "__aiter__")
        if method is None:
            raise TypeError(
                "'async for' requires an object with __aiter__ method, got "
                f"{type(iterable).__name__}"
            )
        iterator = self.call_object(method, (iterable,), None)
        if _special(type(iterator), "__anext__") is None:
            raise TypeError(
                "'async for' received an object from __aiter__ that does not "
                f"implement __anext__: {type(iterator).__name__}"
            )
        frame.stack.append(iterator)

    def op_GET_ANEXT(self, frame: Frame, instruction: Instruction) -> None:
        """``async for``: push the awaitable iterator of the next ``__anext__()``."""
        iterator = frame.stack[-1]
        method = _special(type(iterator), "__anext__")
        if method is None:
            raise TypeError(
                "'async for' requires an iterator with __anext__ method, got "
                f"{type(iterator).__name__}"
            )
        awaitable = self.call_object(method, (iterator,), None)
        try:
            frame.stack.append(self.awaitable_iterator(awaitable))
        except Exception as error:  # any failure, as _PyErr_FormatFromCause
            raise TypeError(
                "'async for' received an invalid object from __anext__: "
                f"{type(awaitable).__name__}"
            ) from error

    def op_END_ASYNC_FOR(self, frame: Frame, instruction: Instruction) -> None:
        """End ``async for`` on ``StopAsyncIteration``; re-raise anything else."""
        exception = frame.stack.pop()
        frame.stack.pop()
        if not isinstance(exception, StopAsyncIteration):
            frame.reraising = True
            raise exception

    def op_BEFORE_ASYNC_WITH(self, frame: Frame, instruction: Instruction) -> None:
        """Push the manager's bound ``__aexit__`` and what ``__aenter__()`` returns."""
        manager = frame.stack.pop()
        kind = type(manager)
        enter = _special(kind, "__aenter__")
        exit_ = _special(kind, "__aexit__")
        if enter is None or exit_ is None:
            missing = " (missed __aexit__ method)" if enter is not None else ""
            raise TypeError(
                f"'{kind.__name__}' object does not support the asynchronous "
                f"context manager protocol{missing}"
            )
        frame.stack.append(exit_.__get__(manager, kind))
        frame.stack.append(self.call_object(enter.__get__(manager, kind), (), None))

    def op_ASYNC_GEN_WRAP(self, frame: Frame, instruction: Instruction) -> None:
        """3.11: mark the top as a value the async generator yields."""
        frame.stack.append(AsyncGeneratorWrappedValue(frame.stack.pop()))

    def op_CALL_INTRINSIC_1(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: ``INTRINSIC_ASYNC_GEN_WRAP`` here; the other intrinsics below."""
        if instruction.arg == _INTRINSIC_ASYNC_GEN_WRAP:
            self.op_ASYNC_GEN_WRAP(frame, instruction)
        else:
            super().op_CALL_INTRINSIC_1(frame, instruction)  # type: ignore[misc]
