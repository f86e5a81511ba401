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

>>> from pyinternals.vm.machine import exec_source
>>> namespace = exec_source("def count(n):\n    yield from range(n)\n")
>>> generator = namespace["count"](3)
>>> next(generator), type(generator.gi_yieldfrom).__name__, list(generator)
(0, 'VMGenerator', [1, 2])
"""

from __future__ import annotations

import sys
from collections.abc import Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from pyinternals.vm.frame import Frame

if TYPE_CHECKING:
    from pyinternals.vm.interpreter import EvalLoop

__all__ = ["VMGenerator"]

_AFTER_311 = sys.version_info >= (3, 12)


class VMGenerator(Generator[Any, Any, Any]):
    """A generator whose frame the VM runs; the iterator protocol on top.

    Registered as a :class:`collections.abc.Generator`, so ``for``,
    ``list()`` and the rest of Python iterate it like a CPython generator
    (it is not a :class:`types.GeneratorType`).
    """

    def __init__(self, machine: EvalLoop, frame: Frame) -> None:
        self._machine = machine
        self.gi_frame: Frame | None = frame
        self.gi_code = frame.code
        self.gi_running = False
        self.__name__ = frame.code.co_name
        self.__qualname__ = frame.code.co_qualname
        self._started = False
        self._saved_exception: BaseException | None = None

    def __repr__(self) -> str:
        return f"<vm generator object {self.__qualname__} at {id(self):#x}>"

    def __del__(self) -> None:
        if self.gi_frame is not None and self._started:
            self.close()

    @property
    def gi_yieldfrom(self) -> Any:
        """The iterator ``yield from`` is delegating to, or ``None``."""
        frame = self.gi_frame
        if frame is None or not self._started:
            return None
        resume = frame.decoded.instructions[frame.index]
        if resume is not None and resume.opname == "RESUME" and resume.arg & 3 >= 2:
            return frame.stack[-1]
        return None

    def send(self, value: Any) -> Any:
        """Resume the frame with *value* as the result of the ``yield``."""
        frame = self.gi_frame
        if frame is None:
            raise StopIteration
        if not self._started and value is not None:
            raise TypeError("can't send non-None value to a just-started generator")
        frame.stack.append(value)
        return self._resume(None)

    def throw(
        self,
        kind: Any,
        value: Any = None,
        traceback: TracebackType | None = None,
    ) -> Any:
        """Raise an exception at the ``yield`` the generator is suspended on."""
        exception = _normalize(kind, value, traceback)
        delegate = self.gi_yieldfrom
        if delegate is not None:
            return self._throw_into_delegate(delegate, exception)
        if self.gi_frame is None:
            raise exception
        return self._resume(exception)

    def close(self) -> Any:
        """Finish the generator: throw ``GeneratorExit`` and expect it back."""
        if self.gi_frame is None:
            return None
        if not self._started:
            self.gi_frame = None
            return None
        try:
            self.throw(GeneratorExit)
        except (GeneratorExit, StopIteration):
            return None
        raise RuntimeError("generator ignored GeneratorExit")

    def _throw_into_delegate(self, delegate: Any, exception: BaseException) -> Any:
        frame = self.gi_frame
        assert frame is not None
        failure: BaseException | None = None
        self.gi_running = True
        try:
            if isinstance(exception, GeneratorExit):
                closer = getattr(delegate, "close", None)
                if closer is not None:
                    closer()
                failure = exception
            else:
                thrower = getattr(delegate, "throw", None)
                if thrower is None:
                    failure = exception
                else:
                    return thrower(exception)
        except BaseException as raised:  # the delegate's failure continues here
            failure = raised
        finally:
            self.gi_running = False
        if isinstance(exception, GeneratorExit) and failure is exception:
            return self._resume(exception)
        if _AFTER_311:
            return self._resume(failure)
        return self._leave_yield_from_311(frame, failure)

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
        frame = self.gi_frame
        assert frame is not None
        if self.gi_running:
            raise ValueError("generator already executing")
        self.gi_running = True
        self._started = True
        machine = self._machine
        machine.handled_exceptions.append(self._saved_exception)
        finished = True
        escaped: BaseException | None = None
        try:
            result = machine.run_frame(frame, thrown)
            finished = frame.decoded.instructions[frame.lasti].opname != "YIELD_VALUE"  # type: ignore[union-attr]
        except StopIteration as stop:
            escaped = RuntimeError("generator raised StopIteration")
            escaped.__cause__ = escaped.__context__ = stop
        finally:
            self.gi_running = False
            self._saved_exception = machine.handled_exceptions.pop()
            if finished:
                self.gi_frame = None
        if escaped is not None:
            raise escaped
        if finished:
            if result is None:
                raise StopIteration
            raise StopIteration(result)
        return result


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
