r"""Coroutines and async generators on the VM: suspended frames that await.

A coroutine is a generator with another face (``Objects/genobject.c``):
``await`` compiles to the same ``SEND``/``YIELD_VALUE`` loop as ``yield
from``, so what the innermost awaitable yields (an ``asyncio`` future, say)
travels up through every suspended frame to whoever drives the outermost
coroutine with ``send``. :class:`VMCoroutine` is that object for VM frames.
Programs rarely hold one: calling a VM-made coroutine function gives
CPython's own coroutine, its trampoline's, which awaits the
:class:`VMCoroutine` (:mod:`~pyinternals.vm.trampolines`), so ``asyncio``
and C code see a real coroutine. Where a :class:`VMCoroutine` is handed
out itself (with origin tracking on), it is a
:class:`collections.abc.Coroutine`, which ``asyncio.iscoroutine`` accepts.

An async generator's frame yields two kinds of values: what its ``await``\ s
pass up to the event loop, and its own ``yield``\ s, which the compiler
wraps (``ASYNC_GEN_WRAP``, 3.13's intrinsic ``INTRINSIC_ASYNC_GEN_WRAP``).
The awaitables :meth:`VMAsyncGenerator.asend` and
:meth:`VMAsyncGenerator.athrow` return pass the first kind through and turn
the second into ``StopIteration(value)``: the result of the ``await``. The
state machines follow ``async_gen_asend_send`` and ``async_gen_athrow_send``.

>>> import asyncio
>>> from pyinternals.vm.machine import exec_source
>>> source = (
...     "import asyncio\n"
...     "async def ticks(n):\n"
...     "    for i in range(n):\n"
...     "        await asyncio.sleep(0)\n"
...     "        yield i\n"
...     "async def main():\n"
...     "    return [i async for i in ticks(3)]\n"
...     "result = asyncio.run(main())\n"
... )
>>> exec_source(source)["result"]
[0, 1, 2]
"""

from __future__ import annotations

import inspect
import sys
import types
import warnings
from collections.abc import AsyncGenerator, Coroutine, Generator, Iterator
from types import CodeType, TracebackType
from typing import TYPE_CHECKING, Any

from pyinternals.vm.frame import Frame
from pyinternals.vm.generators import (
    FrameView,
    SuspendedFrame,
    VMGenerator,
    warn_three_argument_throw,
)

if TYPE_CHECKING:
    from pyinternals.vm.interpreter import EvalLoop

__all__ = [
    "AsyncGeneratorWrappedValue",
    "CoroutineWrapper",
    "VMAsyncGenerator",
    "VMCoroutine",
    "make_suspended_frame",
]

_AFTER_311 = sys.version_info >= (3, 12)
_WARNS_UNAWAITED_METHODS = sys.version_info >= (3, 13)
_NON_INIT_CORO_MSG = "can't send non-None value to a just-started coroutine"


class VMCoroutine(SuspendedFrame, Coroutine[Any, Any, Any]):
    """The coroutine object of an ``async def`` function the VM runs.

    ``send``, ``throw`` and ``close`` drive it as they drive a CPython
    coroutine; ``__await__`` gives the iterator ``await`` in CPython code
    uses. An exhausted coroutine refuses to run again; one dropped before
    it ever ran warns ``coroutine '...' was never awaited``.
    """

    kind = "coroutine"

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        # What Python code asks (isinstance, __class__, inspect.iscoroutine)
        # is answered as for CPython's coroutine; type() tells the truth.
        return types.CoroutineType

    def __init__(self, machine: EvalLoop, frame: Frame) -> None:
        super().__init__(machine, frame)
        depth = sys.get_coroutine_origin_tracking_depth()
        self._origin = _origin(frame.previous, depth) if depth else None

    def __del__(self) -> None:
        self._finalize()

    def _finalize(self) -> None:
        if self._frame is not None and not self._started:
            self._frame = None
            _warn_unawaited(self)
        super()._finalize()

    def _send_when_finished(self) -> Any:
        raise RuntimeError("cannot reuse already awaited coroutine")

    def _throw_when_finished(self, exception: BaseException) -> Any:
        raise RuntimeError("cannot reuse already awaited coroutine")

    def send(self, value: Any) -> Any:
        """Resume the coroutine with *value* as the result of its ``await``."""
        return self._send(value)

    def throw(
        self,
        kind: Any,
        value: Any = None,
        traceback: TracebackType | None = None,
    ) -> Any:
        """Raise an exception where the coroutine is suspended."""
        warn_three_argument_throw(value, traceback)
        return self._throw(kind, value, traceback)

    def close(self) -> Any:
        """Finish the coroutine: throw ``GeneratorExit`` and expect it back."""
        return self._close()

    def __await__(self) -> Generator[Any, Any, Any]:
        """Return the iterator CPython's ``await`` drives: a thin wrapper."""
        return CoroutineWrapper(self)

    @property
    def cr_await(self) -> Any:
        """The object the coroutine is awaiting, or ``None``."""
        return self._delegate()

    @property
    def cr_frame(self) -> FrameView | None:
        """A view of the suspended frame; ``None`` once finished."""
        return self._frame_view()

    @property
    def cr_code(self) -> CodeType:
        """The coroutine's code object."""
        return self._code

    @property
    def cr_running(self) -> bool:
        """Whether the frame is running now."""
        return self._running

    @property
    def cr_suspended(self) -> bool:
        """Whether the frame waits at an ``await``."""
        return self._suspended

    @property
    def cr_origin(self) -> tuple[tuple[str, int, str], ...] | None:
        """Where the coroutine was made, if origin tracking was on then.

        ``(file, line, function)`` per calling frame, innermost first, up
        to :func:`sys.get_coroutine_origin_tracking_depth` frames.
        """
        return self._origin


def _origin(caller: Frame | None, depth: int) -> tuple[tuple[str, int, str], ...]:
    """Describe *depth* frames from *caller* outwards, VM frames first."""
    from pyinternals.vm.interpreter import _MACHINERY_DIRECTORY
    from pyinternals.vm.trampolines import is_trampoline

    origin: list[tuple[str, int, str]] = []
    while caller is not None and len(origin) < depth:
        code = caller.code
        line = caller.line or code.co_firstlineno
        origin.append((code.co_filename, line, code.co_name))
        caller = caller.previous
    host = sys._getframe(1)
    while host is not None and len(origin) < depth:
        code = host.f_code
        if not code.co_filename.startswith(_MACHINERY_DIRECTORY) and not is_trampoline(
            code
        ):
            origin.append((code.co_filename, host.f_lineno, code.co_name))
        host = host.f_back  # type: ignore[assignment]
    return tuple(origin)


def _warn_unawaited(coroutine: VMCoroutine) -> None:
    """Warn as ``_PyErr_WarnUnawaitedCoroutine``: through ``warnings`` if it can."""
    warn = getattr(warnings, "_warn_unawaited_coroutine", None)
    if warn is not None:
        warn(coroutine)
    else:
        warnings.warn(
            f"coroutine '{coroutine.__qualname__}' was never awaited",
            RuntimeWarning,
            stacklevel=2,
        )


class CoroutineWrapper(Generator[Any, Any, Any]):
    """What ``VMCoroutine.__await__`` returns: an iterator over the coroutine.

    Like CPython's ``coroutine_wrapper``: ``__next__``, ``send``, ``throw``
    and ``close`` go to the coroutine.
    """

    def __init__(self, coroutine: VMCoroutine) -> None:
        self._coroutine = coroutine

    def __repr__(self) -> str:
        return f"<coroutine_wrapper object at {id(self):#x}>"

    def __getattr__(self, name: str) -> Any:
        """Read *name* on what the coroutine awaits.

        A VM-made coroutine function's trampoline awaits this wrapper, so
        the real coroutine's ``cr_await`` is the wrapper, where CPython's
        would be what the function's frame awaits: the wrapper answers for
        it (``coroutine.cr_await.cr_await``, ``coroutine.cr_await.gi_code``).
        """
        if name.startswith("_"):
            raise AttributeError(name)
        awaited = self._coroutine.cr_await
        if awaited is None:
            raise AttributeError(
                f"'coroutine_wrapper' object has no attribute {name!r}"
            )
        return getattr(awaited, name)

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError("cannot pickle 'coroutine_wrapper' object")

    def __next__(self) -> Any:
        """Resume the coroutine with ``None``."""
        return self._coroutine.send(None)

    def send(self, value: Any) -> Any:
        """Resume the coroutine with *value*."""
        return self._coroutine.send(value)

    def throw(
        self, kind: Any, value: Any = None, traceback: TracebackType | None = None
    ) -> Any:
        """Raise an exception in the coroutine."""
        return self._coroutine.throw(kind, value, traceback)

    def close(self) -> Any:
        """Close the coroutine."""
        return self._coroutine.close()


class AsyncGeneratorWrappedValue:
    """A value an async generator yields, told apart from what it awaits."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class VMAsyncGenerator(SuspendedFrame, AsyncGenerator[Any, Any]):
    """The async generator object of an ``async def`` with ``yield``, on the VM.

    ``__anext__``, ``asend``, ``athrow`` and ``aclose`` return awaitables
    that run the frame; the first of them calls the event loop's
    ``firstiter`` hook and remembers its ``finalizer``
    (:func:`sys.set_asyncgen_hooks`), which a generator dropped unfinished
    is handed to, as ``asyncio`` expects.
    """

    kind = "async generator"

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return types.AsyncGeneratorType

    def __init__(self, machine: EvalLoop, frame: Frame) -> None:
        super().__init__(machine, frame)
        self._running_async = False
        self._closed = False
        self._hooks_initialised = False
        self._finalizer: Any = None

    def __del__(self) -> None:
        self._finalize()

    def _finalize(self) -> None:
        if self._frame is None or not self._started:
            return
        if self._finalizer is not None and not self._closed:
            self._finalizer(self)
        else:
            self._close()

    def _send_when_finished(self) -> Any:
        raise StopAsyncIteration

    def _returned(self, value: Any) -> Any:
        raise StopAsyncIteration

    def _escaped_stop(self, stop: Exception) -> BaseException:
        error = RuntimeError(f"async generator raised {type(stop).__name__}")
        error.__cause__ = error.__context__ = stop
        return error

    def _initialise_hooks(self) -> None:
        if self._hooks_initialised:
            return
        self._hooks_initialised = True
        hooks = sys.get_asyncgen_hooks()
        self._finalizer = hooks.finalizer
        if hooks.firstiter is not None:
            hooks.firstiter(self)

    def _unwrap(self, produced: Any) -> Any:
        """Pass an awaited value through; a ``yield``'s ends the step."""
        if type(produced) is AsyncGeneratorWrappedValue:
            self._running_async = False
            raise StopIteration(produced.value)
        return produced

    def _step_failed(self, failure: BaseException) -> None:
        """Note a failed step: the frame may be finished for good."""
        if isinstance(failure, StopAsyncIteration | GeneratorExit):
            self._closed = True
        self._running_async = False

    def __aiter__(self) -> VMAsyncGenerator:
        """Return the generator: it is its own async iterator."""
        return self

    def __anext__(self) -> Any:
        """Return an awaitable giving the next value yielded."""
        self._initialise_hooks()
        return _ASend(self, None)

    def asend(self, value: Any) -> Any:
        """Return an awaitable that sends *value* in, giving the next value yielded."""
        self._initialise_hooks()
        return _ASend(self, value)

    def athrow(
        self, kind: Any, value: Any = None, traceback: TracebackType | None = None
    ) -> Any:
        """Return an awaitable that raises an exception at the ``yield``."""
        if _AFTER_311 and (value is not None or traceback is not None):
            warnings.warn(
                "the (type, exc, tb) signature of athrow() is deprecated, "
                "use the single-arg signature instead.",
                DeprecationWarning,
                stacklevel=2,
            )
        self._initialise_hooks()
        return _AThrow(self, (kind, value, traceback))

    def aclose(self) -> Any:
        """Return an awaitable that throws ``GeneratorExit`` in and waits."""
        self._initialise_hooks()
        return _AThrow(self, None)

    @property
    def ag_await(self) -> Any:
        """The object the generator is awaiting, or ``None``."""
        return self._delegate()

    @property
    def ag_frame(self) -> FrameView | None:
        """A view of the suspended frame; ``None`` once finished."""
        return self._frame_view()

    @property
    def ag_code(self) -> CodeType:
        """The generator's code object."""
        return self._code

    @property
    def ag_running(self) -> bool:
        """Whether an ``asend``/``athrow`` awaitable is running the frame."""
        return self._running_async

    @property
    def ag_suspended(self) -> bool:
        """Whether the frame waits at a ``yield`` or an ``await``."""
        return self._suspended


_INIT, _ITER, _CLOSED = "init", "iter", "closed"


class _ASend(Iterator[Any]):
    """The awaitable of ``__anext__()`` and ``asend()`` (``async_gen_asend``)."""

    def __init__(self, generator: VMAsyncGenerator, value: Any) -> None:
        self._generator = generator
        self._value = value
        self._state = _INIT

    def __del__(self) -> None:
        if self._state == _INIT:
            _warn_unawaited_method(self._generator, "asend")

    def __await__(self) -> _ASend:
        return self

    def __next__(self) -> Any:
        return self.send(None)

    def _enter(self) -> None:
        """Leave the initial state, unless another awaitable is running."""
        if self._generator._running_async:
            self._state = _CLOSED
            raise RuntimeError("anext(): asynchronous generator is already running")
        self._state = _ITER

    def send(self, value: Any) -> Any:
        if self._state == _CLOSED:
            raise RuntimeError("cannot reuse already awaited __anext__()/asend()")
        if self._state == _INIT:
            self._enter()
            if value is None:
                value = self._value
        generator = self._generator
        generator._running_async = True
        return self._step(lambda: generator._send(value))

    def throw(
        self, kind: Any, value: Any = None, traceback: TracebackType | None = None
    ) -> Any:
        if self._state == _CLOSED:
            raise RuntimeError("cannot reuse already awaited __anext__()/asend()")
        generator = self._generator
        if self._state == _INIT and _AFTER_311:
            self._enter()
            generator._running_async = True
        return self._step(lambda: generator._throw(kind, value, traceback))

    def _step(self, run: Any) -> Any:
        generator = self._generator
        try:
            return generator._unwrap(run())
        except BaseException as failure:
            if not isinstance(failure, StopIteration):
                generator._step_failed(failure)
            self._state = _CLOSED
            raise

    def close(self) -> None:
        if self._state == _CLOSED or not _AFTER_311:
            self._state = _CLOSED
            return
        try:
            self.throw(GeneratorExit)
        except (StopIteration, StopAsyncIteration, GeneratorExit):
            return
        raise RuntimeError("coroutine ignored GeneratorExit")


class _AThrow(Iterator[Any]):
    """The awaitable of ``athrow()`` and, without arguments, ``aclose()``."""

    def __init__(
        self, generator: VMAsyncGenerator, arguments: tuple[Any, Any, Any] | None
    ) -> None:
        self._generator = generator
        self._arguments = arguments
        self._state = _INIT

    def __del__(self) -> None:
        if self._state == _INIT:
            _warn_unawaited_method(self._generator, self._method)

    @property
    def _method(self) -> str:
        return "aclose" if self._arguments is None else "athrow"

    def __await__(self) -> _AThrow:
        return self

    def __next__(self) -> Any:
        return self.send(None)

    def _refuse_reuse(self) -> None:
        if self._state == _CLOSED:
            raise RuntimeError("cannot reuse already awaited aclose()/athrow()")

    def _enter(self) -> None:
        """Leave the initial state, unless another awaitable is running."""
        if self._generator._running_async:
            self._state = _CLOSED
            raise RuntimeError(
                f"{self._method}(): asynchronous generator is already running"
            )
        self._state = _ITER
        self._generator._running_async = True

    def send(self, value: Any) -> Any:
        self._refuse_reuse()
        generator = self._generator
        if generator._frame is None:
            self._state = _CLOSED
            raise StopIteration
        if self._state == _ITER:
            return self._finish(lambda: generator._send(value))
        if generator._closed and not generator._running_async:
            self._state = _CLOSED
            raise StopAsyncIteration
        if value is not None and not generator._running_async:
            raise RuntimeError(_NON_INIT_CORO_MSG)
        self._enter()
        if self._arguments is None:
            generator._closed = True
            return self._finish(
                lambda: generator._throw(GeneratorExit, close_delegate=False)
            )
        kind, thrown, traceback = self._arguments
        return self._finish(lambda: generator._throw(kind, thrown, traceback))

    def throw(
        self, kind: Any, value: Any = None, traceback: TracebackType | None = None
    ) -> Any:
        self._refuse_reuse()
        if self._state == _INIT:
            self._enter()
        return self._finish(lambda: self._generator._throw(kind, value, traceback))

    def _finish(self, run: Any) -> Any:
        """Run one step; a yield while closing is an error, so is leaking the end."""
        generator = self._generator
        try:
            produced = run()
        except BaseException as failure:
            generator._running_async = False
            self._state = _CLOSED
            if isinstance(failure, StopAsyncIteration | GeneratorExit):
                if self._arguments is None:
                    raise StopIteration from None
                generator._closed = True
            raise
        if self._arguments is not None:
            try:
                return generator._unwrap(produced)
            except StopIteration:
                self._state = _CLOSED
                raise
        if type(produced) is AsyncGeneratorWrappedValue:
            generator._running_async = False
            self._state = _CLOSED
            raise RuntimeError("async generator ignored GeneratorExit")
        return produced

    def close(self) -> None:
        if self._state == _CLOSED or not _AFTER_311:
            self._state = _CLOSED
            return
        try:
            self.throw(GeneratorExit)
        except (StopIteration, StopAsyncIteration, GeneratorExit):
            return
        raise RuntimeError("coroutine ignored GeneratorExit")


def _warn_unawaited_method(generator: VMAsyncGenerator, method: str) -> None:
    """Warn as 3.13 does of an ``asend``/``athrow``/``aclose`` never awaited."""
    if _WARNS_UNAWAITED_METHODS:
        warnings.warn(
            f"coroutine method {method!r} of {generator.__qualname__!r} "
            "was never awaited",
            RuntimeWarning,
            stacklevel=2,
        )


def make_suspended_frame(machine: EvalLoop, frame: Frame) -> SuspendedFrame:
    r"""Return the object ``RETURN_GENERATOR`` makes for *frame*, by its code's flags.

    Calling a VM-made coroutine function gives CPython's coroutine object,
    its trampoline's; the trampoline's entry gives the VM's own:

    >>> from pyinternals.vm.machine import exec_source
    >>> from pyinternals.vm.trampolines import trampoline_entry
    >>> namespace = exec_source("async def f():\n    return 1\n")
    >>> coroutine = trampoline_entry(namespace["f"])()
    >>> type(coroutine).__name__
    'VMCoroutine'
    >>> coroutine.send(None)
    Traceback (most recent call last):
    StopIteration: 1
    """
    flags = frame.code.co_flags
    if flags & inspect.CO_COROUTINE:
        return VMCoroutine(machine, frame)
    if flags & inspect.CO_ASYNC_GENERATOR:
        return VMAsyncGenerator(machine, frame)
    return VMGenerator(machine, frame)
