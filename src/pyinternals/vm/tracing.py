r"""Tracing hooks on the VM: ``sys.settrace``'s protocol for VM frames.

CPython calls a thread's *global* trace function (set by ``sys.settrace``)
with ``(frame, "call", None)`` when a frame starts or resumes; what it
returns becomes the frame's *local* trace function, ``frame.f_trace``, which
then receives ``"line"`` (the first instruction of a new line, or a jump
backwards), ``"opcode"`` (every instruction, when ``frame.f_trace_opcodes``
is set), ``"exception"`` (an exception raised in the frame, with
``(type, value, traceback)``) and ``"return"`` (the value returned or
yielded; ``None`` when an exception leaves). A non-``None`` result replaces
``f_trace``; a trace function that raises is removed
(``Python/sysmodule.c``, ``trace_trampoline``).

When the line events fire changed between the versions. CPython 3.11 asks
at every traced instruction (``Python/ceval.c``, ``maybe_call_line_trace``):
a line event if the line differs from that of the instruction executed
before (any line after the frame's first ``RESUME``), or if execution went
backwards (unless to a ``SEND``, the ``yield from`` loop); an
``EXTENDED_ARG`` and the instruction it extends are traced as one.
CPython 3.12 and later build tracing on ``sys.monitoring``
(``Python/legacy_tracing.c``): the instructions that may start a line are
marked once per code object (``Python/instrumentation.c``,
``initialize_lines``: a line different from the previous instruction's in
code order, jump targets and exception handlers), and a marked instruction
reports its line when the instruction executed before it was on another
line or was a ``RESUME``; a ``JUMP_BACKWARD`` to its own line reports
the line too (``sys_trace_jump_func``). :func:`line_starts` computes the
marks; :class:`Tracer` applies the rule of the running version.

:class:`Tracer` is one machine's tracing state. While no trace function is
set the machine runs its own evaluation loop, untouched; once one is set,
:meth:`Tracer.run` runs each new frame in a copy of the loop that reports
the events. A trace function receives a :class:`TracedFrame`, a view of
the VM frame with the attributes of a CPython frame.

>>> from pyinternals.vm.machine import VirtualMachine
>>> events = []
>>> def tracer(frame, event, arg):
...     events.append((event, frame.f_code.co_name, frame.f_lineno))
...     return tracer
>>> machine = VirtualMachine()
>>> machine.tracer.settrace(tracer)
>>> machine.run_code(compile("def f():\n    return 1\nf()\n", "<demo>", "exec"))
>>> events  # doctest: +NORMALIZE_WHITESPACE
[('call', '<module>', 0), ('line', '<module>', 1), ('line', '<module>', 3),
 ('call', 'f', 1), ('line', 'f', 2), ('return', 'f', 2),
 ('return', '<module>', 3)]
"""

from __future__ import annotations

import sys
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from types import CellType, CodeType, CoroutineType, GeneratorType
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary, WeakValueDictionary

from pyinternals.compiler.exceptiontable import decode
from pyinternals.vm.coroutines import CoroutineWrapper, VMCoroutine
from pyinternals.vm.frame import NULL, Frame, Instruction, decode_code
from pyinternals.vm.generators import FrameLocalsView, VMGenerator

if TYPE_CHECKING:
    from pyinternals.vm.interpreter import EvalLoop

__all__ = [
    "TraceFunction",
    "TraceSettings",
    "TraceTable",
    "TracedFrame",
    "Tracer",
    "first_traceable",
    "line_starts",
]

_AFTER_311 = sys.version_info >= (3, 12)

TraceFunction = Callable[[Any, str, Any], Any]
"""A trace function: called with ``(frame, event, arg)``, returns the next one."""

_DELEGATION_ENDS = frozenset({"SEND", "END_SEND"})
_INLINE_DELEGATES = (VMGenerator, VMCoroutine, GeneratorType, CoroutineType)
_ITERATING_LIKE_GENERATORS = (VMGenerator, GeneratorType, CoroutineWrapper)
_NOT_LINE_STARTS = frozenset({"END_ASYNC_FOR", "END_FOR", "END_SEND", "RESUME"})
_MARKING_JUMPS = frozenset(
    {
        "FOR_ITER",
        "SEND",
        "POP_JUMP_IF_FALSE",
        "POP_JUMP_IF_TRUE",
        "POP_JUMP_IF_NONE",
        "POP_JUMP_IF_NOT_NONE",
        "JUMP_FORWARD",
        "JUMP_BACKWARD",
        "JUMP_BACKWARD_NO_INTERRUPT",
    }
)


def line_starts(code: CodeType) -> frozenset[int]:
    r"""Return the code units where 3.12+ may report a ``"line"`` event.

    As ``initialize_lines`` marks them: from the first ``RESUME`` on, an
    instruction whose line differs from the previous instruction's (in code
    order; ``END_FOR``, ``END_SEND``, ``END_ASYNC_FOR`` and ``RESUME``
    never start one), every jump target and every exception handler that
    has a line. ``FOR_ITER`` and ``SEND`` mark the instruction after their
    target, which they skip.

    >>> source = "for x in range(2):\n    y = x\n"
    >>> code = compile(source, "<demo>", "exec")
    >>> sorted({decode_code(code).instructions[i].line for i in line_starts(code)})
    [1, 2]
    """
    decoded = decode_code(code)
    instructions = [i for i in decoded.instructions if i is not None]
    first = first_traceable(code)
    marked: set[int] = set()
    current_line: int | None = None
    for instruction in instructions:
        if instruction.index < first or instruction.opname in _NOT_LINE_STARTS:
            continue
        line = instruction.line
        if line is not None and line != current_line:
            marked.add(instruction.index)
        current_line = line
    targets = [
        i.target + 1 if i.opname in ("FOR_ITER", "SEND") else i.target
        for i in instructions
        if i.index >= first and i.opname in _MARKING_JUMPS
    ]
    targets += [entry.target for entry in decode(code.co_exceptiontable)]
    for target in targets:
        at_target = decoded.instructions[target]
        if (
            at_target is not None
            and at_target.line is not None
            and at_target.opname != "END_ASYNC_FOR"
        ):
            marked.add(target)
    return frozenset(marked)


def first_traceable(code: CodeType) -> int:
    """Return the code unit of the first ``RESUME``: nothing before it is traced.

    >>> def numbers():
    ...     yield 1
    >>> first_traceable(numbers.__code__)  # after RETURN_GENERATOR, POP_TOP
    2
    """
    for instruction in decode_code(code).instructions:
        if instruction is not None and instruction.opname == "RESUME":
            return instruction.index
    return 0


@dataclass(frozen=True)
class TraceTable:
    """What the traced loop needs to know about one code object.

    *first_traceable* is the first code unit traced; *starts* are the
    instructions that may start a line (3.12+ only, empty on 3.11).
    """

    first_traceable: int
    starts: frozenset[int]


_TABLES: dict[int, tuple[CodeType, TraceTable]] = {}


def _trace_table(code: CodeType) -> TraceTable:
    cached = _TABLES.get(id(code))
    if cached is None or cached[0] is not code:
        starts = line_starts(code) if _AFTER_311 else frozenset()
        cached = _TABLES[id(code)] = (code, TraceTable(first_traceable(code), starts))
    return cached[1]


class TraceSettings:
    """What a frame's trace functions set: ``f_trace`` and its two switches.

    Kept per VM frame by the :class:`Tracer` without a reference to the
    frame, so a frame (and the locals it holds) goes when the program drops
    it, as in CPython.
    """

    __slots__ = ("f_trace", "f_trace_lines", "f_trace_opcodes")

    def __init__(self) -> None:
        self.f_trace: TraceFunction | None = None
        self.f_trace_lines = True
        self.f_trace_opcodes = False


class TracedFrame:
    """A VM frame as trace functions see it: the attributes of a CPython frame.

    ``f_code``, ``f_globals``, ``f_builtins``, ``f_lasti`` (in bytes),
    ``f_lineno``, ``f_locals`` (a snapshot of a function's variables on
    3.11, a view that writes through on 3.13, as CPython's),
    ``f_back`` (the calling VM frame's view, ``None`` at the VM's bottom
    frame), and the three settable ones: ``f_trace``, ``f_trace_lines``,
    ``f_trace_opcodes``. ``value_stack`` is what CPython keeps to itself:
    the frame's value stack, bottom first.
    """

    def __init__(self, tracer: Tracer, frame: Frame, settings: TraceSettings) -> None:
        self.vm_frame = frame
        self._settings = settings
        self._tracer = tracer
        self._snapshot: dict[str, Any] | None = None

    def __repr__(self) -> str:
        code = self.f_code
        return (
            f"<vm frame at {id(self):#x}, file {code.co_filename!r}, "
            f"line {self.f_lineno}, code {code.co_name}>"
        )

    @property
    def f_trace(self) -> TraceFunction | None:
        """The frame's local trace function."""
        return self._settings.f_trace

    @f_trace.setter
    def f_trace(self, function: TraceFunction | None) -> None:
        self._settings.f_trace = function

    @property
    def f_trace_lines(self) -> bool:
        """Whether ``"line"`` events are reported (default true)."""
        return self._settings.f_trace_lines

    @f_trace_lines.setter
    def f_trace_lines(self, value: bool) -> None:
        self._settings.f_trace_lines = value

    @property
    def f_trace_opcodes(self) -> bool:
        """Whether ``"opcode"`` events are reported (default false)."""
        return self._settings.f_trace_opcodes

    @f_trace_opcodes.setter
    def f_trace_opcodes(self, value: bool) -> None:
        self._settings.f_trace_opcodes = value

    @property
    def f_code(self) -> CodeType:
        """The code object running in the frame."""
        return self.vm_frame.code

    @property
    def f_globals(self) -> dict[str, Any]:
        """The frame's global namespace."""
        return self.vm_frame.globals

    @property
    def f_builtins(self) -> dict[str, Any]:
        """The frame's builtins namespace."""
        return self.vm_frame.builtins

    @property
    def f_lasti(self) -> int:
        """The byte offset of the instruction executing (``-1`` before the first)."""
        lasti = self.vm_frame.lasti
        return 2 * lasti if lasti >= 0 else -1

    @property
    def f_lineno(self) -> int | None:
        """The line of the instruction executing (the first line before it starts)."""
        frame = self.vm_frame
        if frame.lasti < 0:
            return frame.code.co_firstlineno
        return frame.decoded.line_at(frame.lasti)

    @property
    def f_locals(self) -> MutableMapping[str, Any]:
        """The frame's variables: a live view on 3.13 (PEP 667), a copy on 3.11.

        3.11's copy is written back into the frame when the trace function
        returns (``Python/sysmodule.c``, ``call_trampoline``), so a trace
        function can change a variable there too. A module or class body's
        namespace is itself, on both.
        """
        frame = self.vm_frame
        if frame.locals is not None:
            return frame.locals
        if _AFTER_311:
            return FrameLocalsView(self._tracer.machine, frame)
        self._snapshot = self._tracer.machine.frame_locals(frame)
        return self._snapshot

    def write_back_locals(self) -> None:
        """Copy 3.11's ``f_locals`` copy into the frame, as ``PyFrame_LocalsToFast``.

        A name missing from the copy is unbound (a cell keeps its value).
        """
        snapshot, self._snapshot = self._snapshot, None
        if snapshot is None:
            return
        frame = self.vm_frame
        shared = frame.code.co_cellvars + frame.code.co_freevars
        for slot, name in enumerate(frame.localsplus_names):
            value = snapshot.get(name, NULL)
            current = frame.localsplus[slot]
            if type(current) is CellType and name in shared:
                if value is not NULL:
                    current.cell_contents = value
            else:
                frame.localsplus[slot] = value

    @property
    def f_back(self) -> TracedFrame | None:
        """The view of the VM frame that called this one, if any."""
        previous = self.vm_frame.previous
        return None if previous is None else self._tracer.view(previous)

    @property
    def value_stack(self) -> tuple[Any, ...]:
        """The frame's value stack, bottom first (a copy)."""
        return tuple(self.vm_frame.stack)


class Tracer:
    """One machine's tracing state: its global trace function and frame views.

    :meth:`settrace` and :meth:`gettrace` are ``sys.settrace`` and
    ``sys.gettrace`` for the machine (VM code calling ``sys.settrace``
    reaches them). While a trace function runs, nothing is traced, as in
    CPython.
    """

    def __init__(self, machine: EvalLoop) -> None:
        from pyinternals.vm.interpreter import UnsupportedInstruction

        self.machine = machine
        self._machine_fault = UnsupportedInstruction
        self.function: TraceFunction | None = None
        self._busy = False
        self._settings: WeakKeyDictionary[Frame, TraceSettings] = WeakKeyDictionary()
        self._views: WeakValueDictionary[int, TracedFrame] = WeakValueDictionary()

    def settrace(self, function: TraceFunction | None) -> None:
        """Set the machine's global trace function (``None`` to stop tracing)."""
        self.function = function

    def gettrace(self) -> TraceFunction | None:
        """Return the machine's global trace function."""
        return self.function

    def frame_readers(self) -> dict[int, Any]:
        """Return the readers for VM code's ``sys.settrace`` and ``sys.gettrace``."""

        def settrace(
            frame: Frame, args: tuple[Any, ...], kwargs: dict[str, Any]
        ) -> Any:
            self.settrace(*args, **kwargs)

        def gettrace(
            frame: Frame, args: tuple[Any, ...], kwargs: dict[str, Any]
        ) -> Any:
            return self.gettrace()

        return {id(sys.settrace): settrace, id(sys.gettrace): gettrace}

    def view(self, frame: Frame) -> TracedFrame:
        """Return the (one) :class:`TracedFrame` of *frame*."""
        view = self._views.get(id(frame))
        if view is None or view.vm_frame is not frame:
            settings = self._settings.get(frame)
            if settings is None:
                settings = self._settings[frame] = TraceSettings()
            view = self._views[id(frame)] = TracedFrame(self, frame, settings)
        return view

    # --- the traced loop -----------------------------------------------------

    def run(self, frame: Frame, thrown: BaseException | None = None) -> Any:
        """Run *frame* as the machine's loop does, reporting the events.

        :meth:`~pyinternals.vm.interpreter.EvalLoop.run_frame` hands its
        frame here while a trace function is set; the loop is the
        machine's, with the events around each instruction.
        """
        machine = self.machine
        instructions = machine.instructions_for(frame.decoded)  # quickened, maybe
        handlers = machine.handlers
        table = _trace_table(frame.code)
        # One view for every event of this run of the frame, as CPython's
        # frame object stays the same (debuggers key their state on it); the
        # views are held only weakly otherwise.
        view = self.view(frame)  # noqa: F841
        while True:
            try:
                if thrown is not None:
                    exception, thrown = thrown, None
                    self._call_event(frame)
                    raise exception
                while True:
                    instruction = instructions[frame.index]
                    assert instruction is not None, "jumped into an inline cache"
                    previous = frame.lasti
                    frame.lasti = frame.index
                    frame.index = instruction.next_index
                    if instruction.index >= table.first_traceable:
                        self._before(frame, instruction.opname, previous, table)
                    if instruction.opname in _DELEGATION_ENDS:
                        self._delegation_end(frame, instruction)
                    elif handlers[instruction.opname](frame, instruction):
                        self._local_event(frame, "return", frame.stack[-1])
                        return frame.stack.pop()
            except self._machine_fault:
                raise
            except BaseException as exception:
                announce = not frame.reraising
                raised_at = frame.lasti
                lasti = _lasti_after(frame, announce)
                try:
                    machine._unwind(frame, exception)
                except BaseException:
                    frame.lasti = lasti
                    if announce:
                        self._exception_event(frame, exception)
                    self._local_event(frame, "return", None)
                    raise
                if lasti != raised_at:
                    _push_restored_lasti(frame, raised_at, lasti)
                if announce:
                    self._exception_event(frame, exception)

    def _before(
        self, frame: Frame, opname: str, previous: int, table: TraceTable
    ) -> None:
        """Report ``call`` at a ``RESUME``, else ``line`` and ``opcode`` as due."""
        if self.function is None or self._busy:
            return
        if opname == "RESUME":
            self._call_event(frame)
            return
        settings = self._settings.get(frame)
        if settings is None or settings.f_trace is None:
            return
        instructions = frame.decoded.instructions
        if _AFTER_311:
            starts_line = _starts_line_312(instructions, frame.lasti, previous, table)
        else:
            before = instructions[previous] if previous >= 0 else None
            if before is not None and before.opname == "EXTENDED_ARG":
                return  # 3.11 traces an EXTENDED_ARG and its instruction as one
            starts_line = _starts_line_311(instructions, frame.lasti, previous, table)
        if starts_line and settings.f_trace_lines:
            self._local_event(frame, "line", None)
        if settings.f_trace_opcodes:
            self._local_event(frame, "opcode", None)

    def _delegation_end(self, frame: Frame, instruction: Instruction) -> None:
        """Run ``SEND`` or ``END_SEND``, reporting the end of a delegation.

        When the iterator ``yield from`` or ``await`` delegates to finishes,
        CPython reports the ``StopIteration`` carrying its value as an
        ``"exception"`` event -- where one was raised: see
        :func:`_raises_stop_iteration`. 3.12+ runs a generator or coroutine
        delegate in a frame of its own, and reports its end at ``END_SEND``
        instead (``monitor_stop_iteration``).
        """
        receiver, sent = frame.stack[-2], frame.stack[-1]
        inline = _AFTER_311 and isinstance(receiver, _INLINE_DELEGATES)
        self.machine.handlers[instruction.opname](frame, instruction)
        if instruction.opname == "END_SEND":
            reported = inline
        else:
            finished = frame.index == instruction.target
            value = frame.stack[-1]
            reported = finished and not inline
            reported = reported and _raises_stop_iteration(receiver, sent, value)
        if reported:
            value = frame.stack[-1]
            stop = StopIteration() if value is None else StopIteration(value)
            self._exception_event(frame, stop)

    def _call_event(self, frame: Frame) -> None:
        function = self.function
        if function is None or self._busy:
            return
        view = self.view(frame)
        result = self._invoke(function, view, "call", None)
        if result is not None:
            view.f_trace = result

    def _local_event(self, frame: Frame, event: str, arg: Any) -> None:
        if self.function is None or self._busy:
            return
        settings = self._settings.get(frame)
        if settings is None or settings.f_trace is None:
            return
        view = self.view(frame)
        result = self._invoke(settings.f_trace, view, event, arg)
        if result is not None:
            view.f_trace = result

    def _exception_event(self, frame: Frame, exception: BaseException) -> None:
        details = (type(exception), exception, exception.__traceback__)
        self._local_event(frame, "exception", details)

    def _invoke(
        self, function: TraceFunction, view: TracedFrame, event: str, arg: Any
    ) -> Any:
        """Call a trace function with tracing off; one that raises is removed."""
        self._busy = True
        try:
            return function(view, event, arg)
        except BaseException:
            self.function = None
            view.f_trace = None
            raise
        finally:
            view.write_back_locals()
            self._busy = False


def _raises_stop_iteration(receiver: Any, sent: Any, value: Any) -> bool:
    """Say whether CPython's ``SEND`` sees a ``StopIteration`` from *receiver*.

    ``SEND`` calls ``tp_iternext`` when it sends ``None`` to an iterator, and
    the ``send`` method otherwise (``Python/bytecodes.c``). ``send`` ends
    with a ``StopIteration`` always; ``tp_iternext`` of a class written in
    Python always; that of a generator (or a coroutine's ``__await__``
    iterator) only when the value returned is not ``None``. Other iterators
    written in C may do either: the builtin ones return nothing, an
    ``asyncio`` future's sets the result. Seen from Python both raise, so
    the value decides: a C iterator ending with ``None`` is taken to raise
    nothing. The VM's generators and coroutines count as CPython's.
    """
    is_coroutine = isinstance(receiver, (VMCoroutine, CoroutineType))
    if sent is not None or is_coroutine or not hasattr(receiver, "__next__"):
        return True
    if type(receiver).__flags__ & _HEAP_TYPE and not isinstance(
        receiver, _ITERATING_LIKE_GENERATORS
    ):
        return True
    return value is not None


_HEAP_TYPE = 1 << 9
"""``Py_TPFLAGS_HEAPTYPE``: set on classes made by ``class`` statements."""


def _lasti_after(frame: Frame, announce: bool) -> int:
    """Return the lasti the frame shows once an exception has been raised.

    ``RERAISE`` with an argument puts back the lasti its handler saved
    (``Python/bytecodes.c``): the frame is again at the instruction that
    raised, for its line and for the lasti a next handler saves; the
    handler is still the ``RERAISE``'s.
    """
    instruction = frame.decoded.instructions[frame.lasti]
    if not announce and instruction is not None and instruction.opname == "RERAISE":
        saved = frame.stack[-instruction.arg] if instruction.arg else None
        if type(saved) is int:
            return saved
    return frame.lasti


def _push_restored_lasti(frame: Frame, raised_at: int, lasti: int) -> None:
    """Set the restored *lasti*, in the frame and where the handler saved it."""
    entry = frame.decoded.handler_for(raised_at)
    if entry is not None and entry.lasti:
        frame.stack[-2] = lasti
    frame.lasti = lasti


def _starts_line_311(
    instructions: list[Any], index: int, previous: int, table: TraceTable
) -> bool:
    """3.11's rule: a new line since the last instruction, or a jump backwards."""
    line = instructions[index].line
    if line is None:
        return False
    if previous <= table.first_traceable:
        return True
    if line != instructions[previous].line:
        return True
    return index < previous and instructions[index].opname != "SEND"


def _starts_line_312(
    instructions: list[Any], index: int, previous: int, table: TraceTable
) -> bool:
    """3.12+'s rule: a marked start reached from another line, or a loop's jump."""
    line = instructions[index].line
    if line is None or previous < 0:
        return False
    before = instructions[previous]
    if index in table.starts and (line != before.line or before.opname == "RESUME"):
        return True
    return before.opname == "JUMP_BACKWARD" and index < previous and line == before.line
