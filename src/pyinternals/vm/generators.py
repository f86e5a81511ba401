r"""Generators on the VM: a suspended frame behind the generator protocol.

Calling a generator function runs its frame up to ``RETURN_GENERATOR``,
which hands the frame to a new generator object and leaves. ``send`` pushes
the sent value and resumes the frame until ``YIELD_VALUE`` (the generator
yields) or a return (the generator finishes with ``StopIteration``);
``throw`` resumes it by raising at the ``yield``; ``close`` throws
``GeneratorExit``. While ``yield from`` is delegating, ``throw`` and
``close`` go to the inner iterator first (``Objects/genobject.c``,
``_gen_throw``). Each generator keeps its own "exception being handled"
while it is suspended, as CPython's ``gi_exc_state`` does.

Calling a generator function the VM made gives a CPython generator, its
trampoline's (:mod:`~pyinternals.vm.trampolines`), which passes each step
on to the VM's generator; the trampoline's entry gives the latter itself:

>>> from pyinternals.vm.machine import exec_source
>>> from pyinternals.vm.trampolines import trampoline_entry
>>> namespace = exec_source("def count(n):\n    yield from range(n)\n")
>>> generator = trampoline_entry(namespace["count"])(3)
>>> next(generator), type(generator).__name__, list(generator)
(0, 'VMGenerator', [1, 2])
"""

from __future__ import annotations

import sys
import types
import warnings
import weakref
from collections.abc import Generator, Iterator, MutableMapping
from types import CellType, CodeType, TracebackType
from typing import TYPE_CHECKING, Any

from pyinternals.vm.frame import Frame

if TYPE_CHECKING:
    from pyinternals.vm.interpreter import EvalLoop

__all__ = [
    "FrameLocalsView",
    "FrameView",
    "SuspendedFrame",
    "VMGenerator",
    "warn_three_argument_throw",
]

_AFTER_311 = sys.version_info >= (3, 12)


class SuspendedFrame:
    """A frame the VM runs in steps: what generators and coroutines share.

    The frame advances on :meth:`_send` (the sent value becomes the result
    of the ``yield`` it is suspended on) and :meth:`_throw` (an exception is
    raised there) until it yields or finishes. Subclasses give the protocol
    its public names and *kind* its word in error messages
    (``"generator"``, ``"coroutine"``, ``"async generator"``), as
    ``gen_send_ex2`` in ``Objects/genobject.c`` picks them.
    """

    kind = "generator"

    def __init__(self, machine: EvalLoop, frame: Frame) -> None:
        self._machine = machine
        self._frame: Frame | None = frame
        self._code = frame.code
        self._running = False
        self._started = False
        self._saved_exception: BaseException | None = None
        function = frame.function
        self.__name__ = function.__name__ if function else frame.code.co_name
        self.__qualname__ = (
            function.__qualname__ if function else frame.code.co_qualname
        )

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("__name__", "__qualname__") and not isinstance(value, str):
            raise TypeError(f"{name} must be set to a string object")
        super().__setattr__(name, value)

    def __repr__(self) -> str:
        kind = self.kind.replace(" ", "_")
        return f"<{kind} object {self.__qualname__} at {id(self):#x}>"

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError(f"cannot pickle '{self.kind.replace(' ', '_')}' object")

    def _finalize(self) -> None:
        """Do what dropping the object does to an unfinished frame: close it."""
        if self._frame is not None and self._started:
            self._close()

    @property
    def _suspended(self) -> bool:
        """Started, not finished, not running: waiting at a ``yield``."""
        return self._frame is not None and self._started and not self._running

    def _delegate(self) -> Any:
        """Return what ``yield from`` or ``await`` delegates to, or ``None``."""
        frame = self._frame
        if frame is None or not self._started:
            return None
        resume = frame.decoded.instructions[frame.index]
        if resume is not None and resume.opname == "RESUME" and resume.arg & 3 >= 2:
            return frame.stack[-1]
        return None

    def _send(self, value: Any) -> Any:
        """Resume the frame with *value* as the result of the ``yield``."""
        frame = self._frame
        if frame is None:
            return self._send_when_finished()
        if not self._started and value is not None:
            raise TypeError(f"can't send non-None value to a just-started {self.kind}")
        if self._running:
            raise ValueError(f"{self.kind} already executing")
        frame.stack.append(value)
        return self._resume(None)

    def _send_when_finished(self) -> Any:
        raise StopIteration

    def _throw(
        self,
        kind: Any,
        value: Any = None,
        traceback: TracebackType | None = None,
        *,
        close_delegate: bool = True,
    ) -> Any:
        """Raise an exception at the ``yield`` the frame is suspended on.

        ``GeneratorExit`` closes a delegate unless *close_delegate* is false
        (an async generator's ``aclose`` throws it in instead).
        """
        exception = _normalize(kind, value, traceback)
        delegate = self._delegate()
        if delegate is not None:
            return self._throw_into_delegate(delegate, exception, close_delegate)
        if self._frame is None:
            return self._throw_when_finished(exception)
        return self._resume(exception)

    def _throw_when_finished(self, exception: BaseException) -> Any:
        raise exception

    def _close(self) -> Any:
        """Finish the frame: throw ``GeneratorExit`` and expect it back.

        3.13 returns the value the frame returned while closing.
        """
        if self._frame is None:
            return None
        if not self._started:
            self._frame = None
            return None
        try:
            self._throw(GeneratorExit)
        except GeneratorExit:
            return None
        except StopIteration as stop:
            return stop.value if _AFTER_311 else None
        raise RuntimeError(f"{self.kind} ignored GeneratorExit")

    def _throw_into_delegate(
        self, delegate: Any, exception: BaseException, close_delegate: bool
    ) -> Any:
        frame = self._frame
        assert frame is not None
        failure: BaseException | None = None
        closing = isinstance(exception, GeneratorExit) and close_delegate
        self._running = True
        try:
            if closing:
                closer = getattr(delegate, "close", None)
                if closer is not None:
                    closer()
                failure = exception
            else:
                thrower = getattr(delegate, "throw", None)
                if thrower is None:
                    failure = exception
                else:
                    return self._linked_call(frame, thrower, exception)
        except BaseException as raised:  # the delegate's failure continues here
            failure = raised
        finally:
            self._running = False
        if closing and failure is exception:
            return self._resume(exception)
        if _AFTER_311:
            return self._resume(failure)
        return self._leave_yield_from_311(frame, failure)

    def _linked_call(self, frame: Frame, thrower: Any, exception: BaseException) -> Any:
        """Throw into the delegate with this frame on the VM's stack meanwhile.

        The delegate's frame then has this one as its caller (``f_back``),
        as when ``send`` reached it through the running frame; CPython's
        ``_gen_throw`` links the delegating frame the same way "to enable
        complete backtraces".
        """
        machine = self._machine
        frame.previous = machine.frame
        machine.frame = frame
        try:
            return thrower(exception)
        finally:
            machine.frame = frame.previous
            frame.previous = None

    def _leave_yield_from_311(self, frame: Frame, failure: BaseException | None) -> Any:
        """3.11 ends the ``SEND`` loop itself when the delegate fails.

        ``_gen_throw`` pops the delegate and jumps to ``SEND``'s target: a
        ``StopIteration`` becomes the value of ``yield from``, anything else
        is raised there.
        """
        loop_back = frame.decoded.instructions[frame.index + 1]
        assert loop_back is not None
        send = frame.decoded.instructions[loop_back.target]
        assert send is not None
        frame.stack.pop()
        frame.index = send.target
        frame.lasti = send.target - 1
        if isinstance(failure, StopIteration):
            frame.stack.append(failure.value)
            return self._resume(None)
        return self._resume(failure)

    def _resume(self, thrown: BaseException | None) -> Any:
        frame = self._frame
        assert frame is not None
        if self._running:
            raise ValueError(f"{self.kind} already executing")
        self._running = True
        self._started = True
        machine = self._machine
        machine.handled_exceptions.append(self._saved_exception)
        finished = True
        escaped: BaseException | None = None
        try:
            result = machine.run_frame(frame, thrown)
            finished = frame.decoded.instructions[frame.lasti].opname != "YIELD_VALUE"  # type: ignore[union-attr]
        except (StopIteration, StopAsyncIteration) as stop:
            escaped = self._escaped_stop(stop)
        finally:
            self._running = False
            self._saved_exception = machine.handled_exceptions.pop()
            if finished:
                self._frame = None
        if escaped is not None:
            raise escaped
        if finished:
            return self._returned(result)
        return result

    def _escaped_stop(self, stop: Exception) -> BaseException:
        """PEP 479: a ``StopIteration`` leaving the frame becomes ``RuntimeError``."""
        if not isinstance(stop, StopIteration):
            return stop
        error = RuntimeError(f"{self.kind} raised StopIteration")
        error.__cause__ = error.__context__ = stop
        return error

    def _returned(self, value: Any) -> Any:
        """Report the frame's return of *value* as ``StopIteration``."""
        if value is None:
            raise StopIteration
        raise StopIteration(value)

    def _frame_view(self) -> FrameView | None:
        if self._frame is None:
            return None
        return FrameView(self._machine, self._frame, self)


class FrameView:
    """A read-only look at a suspended VM frame with frame-object names.

    ``gi_frame``, ``cr_frame`` and ``ag_frame`` give one, so code written
    for CPython's frame objects (``asyncio``'s task repr reads
    ``f_lineno``) can read a VM frame.
    """

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        # isinstance(view, types.FrameType) holds for Python code, as for the
        # objects it stands for; type() tells the truth.
        return types.FrameType

    def __init__(
        self, machine: EvalLoop, frame: Frame, owner: SuspendedFrame | None = None
    ) -> None:
        self._machine = machine
        self.vm_frame = frame
        self._owner = weakref.ref(owner) if owner is not None else None

    @property
    def f_code(self) -> CodeType:
        """The code object the frame runs."""
        return self.vm_frame.code

    @property
    def f_lineno(self) -> int:
        """The line the frame is suspended on."""
        return self.vm_frame.line or self.vm_frame.code.co_firstlineno

    @property
    def f_lasti(self) -> int:
        """The byte offset of the last instruction run (``-1`` before the first)."""
        return 2 * self.vm_frame.lasti if self.vm_frame.lasti >= 0 else -1

    @property
    def f_globals(self) -> dict[str, Any]:
        """The frame's globals."""
        return self.vm_frame.globals

    @property
    def f_locals(self) -> MutableMapping[str, Any]:
        """The frame's variables: a copy on 3.11, a live view on 3.13 (PEP 667)."""
        if _AFTER_311 and self.vm_frame.locals is None:
            return FrameLocalsView(self._machine, self.vm_frame)
        return self._machine.frame_locals(self.vm_frame)

    @property
    def f_back(self) -> None:
        """A suspended frame has no caller."""
        return None

    def clear(self) -> None:
        """Finish the owner as ``frame.clear()`` does (3.13: not while suspended)."""
        owner = self._owner() if self._owner is not None else None
        if owner is None or owner._frame is not self.vm_frame:
            return
        if owner._running:
            raise RuntimeError("cannot clear an executing frame")
        if _AFTER_311 and owner._started:
            raise RuntimeError("cannot clear a suspended frame")
        owner._finalize()
        owner._frame = None


class FrameLocalsView(MutableMapping[str, Any]):
    r"""3.13's ``frame.f_locals`` of a function frame: writes reach the variables.

    >>> from pyinternals.vm.machine import exec_source
    >>> from pyinternals.vm.trampolines import trampoline_entry
    >>> namespace = exec_source("def g(n):\n    yield n\n    yield n\n")
    >>> generator = trampoline_entry(namespace["g"])(1)  # the VM's generator
    >>> next(generator)
    1
    >>> FrameLocalsView(generator._machine, generator._frame)["n"] = 2
    >>> next(generator)
    2
    """

    def __init__(self, machine: EvalLoop, frame: Frame) -> None:
        self._machine = machine
        self._frame = frame

    def _snapshot(self) -> dict[str, Any]:
        return self._machine.frame_locals(self._frame)

    def __getitem__(self, name: str) -> Any:
        return self._snapshot()[name]

    def __setitem__(self, name: str, value: Any) -> None:
        frame = self._frame
        if name not in frame.localsplus_names:
            raise KeyError(name)
        index = frame.localsplus_names.index(name)
        slot = frame.localsplus[index]
        code = frame.code
        if type(slot) is CellType and (
            name in code.co_cellvars or name in code.co_freevars
        ):
            slot.cell_contents = value
        else:
            frame.localsplus[index] = value

    def __delitem__(self, name: str) -> None:
        raise ValueError("cannot remove variables from FrameLocalsProxy")

    def __iter__(self) -> Iterator[str]:
        return iter(self._snapshot())

    def __len__(self) -> int:
        return len(self._snapshot())


class VMGenerator(SuspendedFrame, Generator[Any, Any, Any]):
    """A generator whose frame the VM runs; the iterator protocol on top.

    Registered as a :class:`collections.abc.Generator`, so ``for``,
    ``list()`` and the rest of Python iterate it like a CPython generator
    (it is not a :class:`types.GeneratorType`).
    """

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        # Python code asking isinstance or __class__ sees CPython's generator
        # type (as CPython's own tests do); type() tells the truth.
        return types.GeneratorType

    def __del__(self) -> None:
        self._finalize()

    @property
    def gi_frame(self) -> FrameView | None:
        """A view of the suspended frame; ``None`` once finished."""
        return self._frame_view()

    @property
    def gi_code(self) -> CodeType:
        """The generator's code object."""
        return self._code

    @property
    def gi_running(self) -> bool:
        """Whether the frame is running now."""
        return self._running

    @property
    def gi_suspended(self) -> bool:
        """Whether the frame waits at a ``yield``."""
        return self._suspended

    @property
    def gi_yieldfrom(self) -> Any:
        """The iterator ``yield from`` is delegating to, or ``None``."""
        return self._delegate()

    def send(self, value: Any) -> Any:
        """Resume the frame with *value* as the result of the ``yield``."""
        return self._send(value)

    def __next__(self) -> Any:
        """Resume the frame with ``None``, as ``next()`` and ``for`` do.

        Defined here rather than inherited from
        :class:`collections.abc.Generator`, whose ``__next__`` is Python
        code outside the VM's modules and would appear in tracebacks.
        """
        return self._send(None)

    def throw(
        self,
        kind: Any,
        value: Any = None,
        traceback: TracebackType | None = None,
    ) -> Any:
        """Raise an exception at the ``yield`` the generator is suspended on."""
        warn_three_argument_throw(value, traceback)
        return self._throw(kind, value, traceback)

    def close(self) -> Any:
        """Finish the generator: throw ``GeneratorExit`` and expect it back."""
        return self._close()


def warn_three_argument_throw(value: Any, traceback: TracebackType | None) -> None:
    """Warn as 3.12+ does of ``throw(type, value, traceback)``."""
    if _AFTER_311 and (value is not None or traceback is not None):
        warnings.warn(
            "the (type, exc, tb) signature of throw() is deprecated, "
            "use the single-arg signature instead.",
            DeprecationWarning,
            stacklevel=3,
        )


def _normalize(kind: Any, value: Any, traceback: TracebackType | None) -> BaseException:
    """Turn ``throw``'s arguments into one exception, as ``_gen_throw`` does."""
    if isinstance(kind, type) and issubclass(kind, BaseException):
        if isinstance(value, kind):
            exception = value
        elif value is None:
            exception = kind()
        elif isinstance(value, tuple):
            exception = kind(*value)
        else:
            exception = kind(value)
    elif isinstance(kind, BaseException):
        if value is not None:
            raise TypeError("instance exception may not have a separate value")
        exception = kind
    else:
        raise TypeError(
            "exceptions must be classes or instances deriving from BaseException, "
            f"not {type(kind).__name__}"
        )
    if traceback is not None:
        exception = exception.with_traceback(traceback)
    return exception
