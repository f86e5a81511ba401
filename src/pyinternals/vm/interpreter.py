"""The evaluation loop: fetch, dispatch, and unwind on exceptions.

CPython's ``_PyEval_EvalFrameDefault`` (``Python/ceval.c``, its cases
generated from ``Python/bytecodes.c``) reads the instruction at the frame's
instruction pointer, jumps to the code for its opcode, and on an error looks
the failing instruction up in the code object's exception table: a handler
found, the value stack is cut to the entry's depth and execution continues
at the handler; none found, the frame is left and the exception goes to the
caller (``Objects/exception_handling_notes.txt``).

:class:`EvalLoop` is that loop over a :class:`~pyinternals.vm.frame.Frame`.
Each opcode is one method named ``op_<OPNAME>`` (defined by the handler
classes of :mod:`~pyinternals.vm.machine`); the dispatch table maps the
running interpreter's opcode names to them, built once per machine. The loop
also owns what crosses frames: calls (functions the VM can run get a new
frame, anything else is called directly), the "exception being handled"
state, and tracebacks.

Tracebacks need frame objects, which only CPython can create. An exception
leaving a VM frame gets a traceback entry whose frame is a *stand-in*: a
frame CPython ran for a one-call code object carrying the VM frame's file
name, function name and globals, with ``tb_lineno`` set to the line the VM
frame was executing (and ``tb_lasti`` to ``-1``, so no column positions).
Entries for the machinery's own Python frames are removed.
``sys._getframe()`` called by VM code gets stand-ins too, one for each VM
frame up the call chain, linked by ``f_back``.

>>> from pyinternals.vm.machine import VirtualMachine
>>> VirtualMachine().run_code(compile("6 * 7", "<demo>", "eval"))
42
"""

from __future__ import annotations

import builtins
import inspect
import os
import sys
from collections.abc import Callable
from types import CellType, CodeType, FunctionType, MethodType, TracebackType
from typing import Any

from pyinternals.vm.binding import bind_arguments
from pyinternals.vm.frame import NULL, DecodedCode, Frame, Instruction
from pyinternals.vm.traceback_entries import linked_stand_ins, moved_on, traceback_entry
from pyinternals.vm.tracing import Tracer
from pyinternals.vm.trampolines import entered_the_vm, is_trampoline, trampoline_entry

__all__ = ["EvalLoop", "UnsupportedInstruction", "executable_opcodes", "runs_on_the_vm"]

Handler = Callable[[Frame, Instruction], bool | None]
FrameReader = Callable[[Frame, tuple[Any, ...], dict[str, Any]], Any]

_MACHINERY_DIRECTORY = os.path.dirname(os.path.abspath(__file__)) + os.sep
_MADE_BY_THE_TRAMPOLINE = inspect.CO_GENERATOR | inspect.CO_COROUTINE
"""Functions whose generator or coroutine object CPython makes, by their trampoline.

A coroutine's, unless origin tracking is on: CPython would record the VM's
machinery as where the coroutine was made, so the VM makes its own (with
its own ``cr_origin``, read from the VM's frames). Not an async
generator's: VM code gets the VM's
:class:`~pyinternals.vm.coroutines.VMAsyncGenerator` itself (CPython's
``test_asyncgen`` passes with it); CPython code calling the function gets
its trampoline's real async generator, which forwards every step.
"""


def runs_on_the_vm(function: FunctionType) -> bool:
    """Say whether the VM runs *function* when VM code calls it.

    The VM's own methods (a VM generator's ``send``, say) run on CPython.
    """
    return not function.__code__.co_filename.startswith(_MACHINERY_DIRECTORY)


class UnsupportedInstruction(Exception):
    """Raised when the VM meets an opcode it has no handler for.

    It is a fault of the machine, not of the program: the loop never hands
    it to the program's exception handlers.
    """


def _strip_machinery(traceback: TracebackType | None) -> TracebackType | None:
    """Return *traceback* without the entries of the VM's own frames.

    The VM's modules and the trampolines of VM-made functions are machinery,
    except a trampoline that had not called the VM yet: it stands for the
    function's own frame (a generator thrown into before it started).
    """
    kept = []
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if not code.co_filename.startswith(_MACHINERY_DIRECTORY) and not (
            is_trampoline(code) and entered_the_vm(code, traceback.tb_lasti)
        ):
            kept.append(traceback)
        traceback = traceback.tb_next
    head = None
    for entry in reversed(kept):
        entry.tb_next = head
        head = entry
    return head


_CALLERS_LINKED = 32
"""How many VM frames a ``sys._getframe()`` stand-in links up through ``f_back``."""


class EvalLoop:
    """The evaluation loop, the call protocol and the exception state.

    Subclasses supply the opcode handlers as ``op_<OPNAME>`` methods; a
    handler returns a true value to leave the frame (return or yield) with
    the value on top of the stack.
    """

    def __init__(self) -> None:
        self.frame: Frame | None = None
        self.handled_exceptions: list[BaseException | None] = [None]
        self._leaving: BaseException | None = None
        self.handlers: dict[str, Handler] = {}
        for name in executable_opcodes():
            handler = getattr(self, f"op_{name}", None)
            self.handlers[name] = handler if handler is not None else self._unsupported
        self.frame_readers: dict[int, FrameReader] = {
            id(builtins.locals): self._builtin_locals,
            id(builtins.globals): self._builtin_globals,
            id(builtins.vars): self._builtin_vars,
            id(builtins.dir): self._builtin_dir,
            id(builtins.eval): self._builtin_eval,
            id(builtins.exec): self._builtin_exec,
            id(builtins.super): self._builtin_super,
            id(sys.exc_info): self._builtin_exc_info,
        }
        if hasattr(sys, "exception"):
            self.frame_readers[id(sys.exception)] = self._builtin_exception
        if hasattr(sys, "_getframe"):
            self.frame_readers[id(sys._getframe)] = self._builtin_getframe
        if hasattr(sys, "_getframemodulename"):
            self.frame_readers[id(sys._getframemodulename)] = self._builtin_frame_module
        self.tracer = Tracer(self)  # sys.settrace for the machine: see vm.tracing
        self.frame_readers.update(self.tracer.frame_readers())

    @property
    def missing_opcodes(self) -> list[str]:
        """The opcodes of the running CPython this machine has no handler for.

        >>> from pyinternals.vm.machine import VirtualMachine
        >>> "LOAD_FAST" in VirtualMachine().missing_opcodes
        False
        """
        return [
            name
            for name, handler in self.handlers.items()
            if handler == self._unsupported
        ]

    def _unsupported(self, frame: Frame, instruction: Instruction) -> None:
        raise UnsupportedInstruction(
            f"no handler for {instruction.opname} in {frame.code.co_name} "
            f"at offset {2 * instruction.index}"
        )

    # --- the loop -------------------------------------------------------

    def instructions_for(self, decoded: DecodedCode) -> list[Instruction | None]:
        """Return the instructions to run for *decoded* (a quickening machine's own)."""
        return decoded.instructions

    def run_frame(self, frame: Frame, thrown: BaseException | None = None) -> Any:
        """Run *frame* from its current instruction until it returns or yields.

        Returns the value returned or yielded. With *thrown*, the exception
        is raised at the frame's current instruction first, as
        ``generator.throw`` does. An exception no handler catches propagates
        with a traceback entry for the frame.
        """
        frame.previous = self.frame
        self.frame = frame
        instructions = self.instructions_for(frame.decoded)
        handlers = self.handlers
        try:
            if self.tracer.function is not None:  # traced: the loop with events
                return self.tracer.run(frame, thrown)
            while True:
                try:
                    if thrown is not None:
                        exception, thrown = thrown, None
                        self._leaving = None  # thrown in: chained here anew
                        raise exception
                    while True:
                        instruction = instructions[frame.index]
                        assert instruction is not None, "jumped into an inline cache"
                        frame.lasti = frame.index
                        frame.index = instruction.next_index
                        if handlers[instruction.opname](frame, instruction):
                            return frame.stack.pop()
                except UnsupportedInstruction:
                    raise
                except BaseException as exception:
                    self._unwind(frame, exception)
        finally:
            self.frame = frame.previous
            frame.previous = None

    def _unwind(self, frame: Frame, exception: BaseException) -> None:
        """Send *exception* to the frame's handler, or re-raise it to leave.

        An exception is chained to the one being handled where it is raised,
        not again in each frame it passes through on its way out (CPython
        chains in ``_PyErr_SetObject`` only): one that left a VM frame is
        remembered until a handler catches it.

        This call's frame object outlives it, as part of the stand-in
        frames' ``f_back`` chain: it lets go of the exception and its
        traceback before it ends, or they would be a reference cycle that
        only the cycle collector frees (CPython frees a handled exception at
        once).
        """
        traceback = _strip_machinery(exception.__traceback__)
        reraised = frame.reraising
        position = frame.lasti
        if reraised:
            frame.reraising = False
            if frame.reraised_at >= 0:
                position, frame.reraised_at = frame.reraised_at, -1
        else:
            if exception is not self._leaving:
                self._chain(exception)
            traceback = traceback_entry(frame, traceback)
        entry = frame.decoded.handler_for(frame.lasti)
        if entry is None:
            if reraised:
                traceback = moved_on(traceback, frame, position)
            exception.__traceback__ = traceback
            self._leaving = exception
            del traceback, exception
            raise self._leaving
        exception.__traceback__ = traceback
        self._leaving = None
        del frame.stack[entry.depth :]
        if entry.lasti:
            frame.stack.append(position)
        frame.stack.append(exception)
        frame.index = entry.target
        del traceback, exception

    # --- the exception being handled ------------------------------------

    @property
    def handled_exception(self) -> BaseException | None:
        """The exception an ``except`` or ``finally`` block is handling.

        Like CPython's ``_PyErr_GetTopmostException``: the innermost entry
        that is not ``None`` (a generator pushes its own entry while it runs).
        """
        for exception in reversed(self.handled_exceptions):
            if exception is not None:
                return exception
        return None

    def _chain(self, exception: BaseException) -> None:
        """Set ``__context__`` as raising inside a handler does in CPython.

        CPython chains when the exception is raised
        (``Python/errors.c``, ``_PyErr_SetObject``), against the exception
        its thread is handling; ours is handling the VM's. An exception that
        already has a context keeps it. A cycle the program made in the
        handled exception's chain is walked once, not forever.
        """
        handled = self.handled_exception
        if handled is None or handled is exception or exception.__context__ is not None:
            return
        link = handled
        visited = {id(link)}
        while link.__context__ is not None:
            if link.__context__ is exception:
                link.__context__ = None
                break
            link = link.__context__
            if id(link) in visited:
                break
            visited.add(id(link))
        exception.__context__ = handled

    # --- calls ----------------------------------------------------------

    def call_object(
        self,
        callable_: Any,
        args: tuple[Any, ...] | list[Any],
        kwargs: dict[str, Any] | None,
    ) -> Any:
        """Call *callable_* as a ``CALL`` instruction does.

        A pure-Python function (or a method bound to one) runs on the VM in a
        new frame, except a VM-made generator or coroutine function: it is
        called through its trampoline, so that the object returned is
        CPython's own generator or coroutine, with the VM's running inside
        (see :mod:`~pyinternals.vm.trampolines`). Builtins that read their
        caller's frame (``locals()``, ``super()``, ``sys.exc_info()``…) are
        given the VM frame's view; ``sys._getframe()`` gives stand-in frame
        objects for the VM frames. Anything else is called directly.
        """
        # No exception is on its way out of a frame when a call starts: one
        # that left a frame and was swallowed by C code is let go.
        self._leaving = None
        kind = type(callable_)
        if kind is MethodType and type(callable_.__func__) is FunctionType:
            args = (callable_.__self__, *args)
            callable_ = callable_.__func__
            kind = FunctionType
        if kind is FunctionType:
            entry = trampoline_entry(callable_)
            if entry is not None:
                if entry.code.co_flags & _MADE_BY_THE_TRAMPOLINE and not (
                    entry.code.co_flags & inspect.CO_COROUTINE
                    and sys.get_coroutine_origin_tracking_depth()
                ):
                    # CPython makes the generator or coroutine object (a real
                    # one, which programs can tell apart by type, copy,
                    # gi_frame..., and which CPython finalizes); its
                    # trampoline runs the VM's generator or coroutine inside.
                    return callable_(*args, **(kwargs or {}))
                return self.call_function(callable_, args, kwargs, entry.code)
            if runs_on_the_vm(callable_):
                return self.call_function(callable_, args, kwargs)
        call = _python_call_method(kind)
        if call is not None:
            # an instance of a class whose __call__ is Python code (a metaclass
            # like EnumType, say): what CPython's slot would run, on the VM
            return self.call_object(call, (callable_, *args), kwargs)
        frame_reader = self.frame_readers.get(id(callable_))
        if frame_reader is not None and self.frame is not None:
            return frame_reader(self.frame, tuple(args), kwargs or {})
        return callable_(*args, **(kwargs or {}))

    def call_function(
        self,
        function: FunctionType,
        args: tuple[Any, ...] | list[Any],
        kwargs: dict[str, Any] | None,
        code: CodeType | None = None,
    ) -> Any:
        """Run *function* on the VM with these arguments; return its result.

        *code* is the code to run if not ``function.__code__`` (a VM-made
        function's real code, behind its trampoline).
        """
        frame = self._function_frame(function, code or function.__code__)
        arguments = bind_arguments(function, args, kwargs)
        frame.localsplus[: len(arguments)] = arguments
        return self.run_frame(frame)

    def run_with_arguments(
        self, function: FunctionType, code: CodeType, arguments: tuple[Any, ...]
    ) -> Any:
        """Run *code* as *function*'s, its parameter slots already bound."""
        frame = self._function_frame(function, code)
        frame.localsplus[: len(arguments)] = arguments
        return self.run_frame(frame)

    def _function_frame(self, function: FunctionType, code: CodeType) -> Frame:
        return Frame(
            code,
            function.__globals__,
            function.__builtins__,
            closure=function.__closure__ or (),
            function=function,
        )

    def frame_locals(self, frame: Frame) -> dict[str, Any]:
        """Return the namespace ``locals()`` shows for *frame*.

        A module or class body shows its namespace itself, unless a
        comprehension inlined in it (3.12+) has bound its hidden fast locals:
        then a copy with them added, as CPython's ``locals()`` gives.
        """
        if frame.locals is not None:
            hidden = frame.code.co_varnames
            if not hidden or all(
                value is NULL for value in frame.localsplus[: len(hidden)]
            ):
                return frame.locals
            namespace = dict(frame.locals)
            namespace.update(self._fast_locals(frame))
            return namespace
        return self._fast_locals(frame)

    def _fast_locals(self, frame: Frame) -> dict[str, Any]:
        """Return the bound fast locals, cells and free variables of *frame*."""
        namespace = {}
        for name, value in zip(frame.localsplus_names, frame.localsplus, strict=True):
            if type(value) is CellType and (
                name in frame.code.co_cellvars or name in frame.code.co_freevars
            ):
                try:
                    value = value.cell_contents
                except ValueError:
                    continue
            if value is not NULL:
                namespace[name] = value
        return namespace

    def _builtin_locals(
        self, frame: Frame, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if args or kwargs:
            return builtins.locals(*args, **kwargs)
        return self.frame_locals(frame)

    def _builtin_globals(
        self, frame: Frame, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if args or kwargs:
            return builtins.globals(*args, **kwargs)
        return frame.globals

    def _builtin_vars(
        self, frame: Frame, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if args or kwargs:
            return vars(*args, **kwargs)
        return self.frame_locals(frame)

    def _builtin_dir(
        self, frame: Frame, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if args or kwargs:
            return dir(*args, **kwargs)
        return sorted(self.frame_locals(frame))

    def _builtin_eval(
        self, frame: Frame, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        return self._run_source(frame, "eval", args, kwargs)

    def _builtin_exec(
        self, frame: Frame, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        self._run_source(frame, "exec", args, kwargs)

    def _run_source(
        self, frame: Frame, mode: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """``eval``/``exec`` called from VM code: run the code on the VM too."""
        source, *rest = args
        namespace_globals = rest[0] if rest else kwargs.get("globals")
        namespace_locals = rest[1] if len(rest) > 1 else kwargs.get("locals")
        if namespace_globals is None:
            namespace_globals = frame.globals
            if namespace_locals is None:
                namespace_locals = self.frame_locals(frame)
        elif namespace_locals is None:
            namespace_locals = namespace_globals
        closure = kwargs.get("closure")
        if isinstance(source, CodeType):
            code = source
            _check_closure(code, mode, closure)
        else:
            if closure is not None:
                raise TypeError("closure can only be used when source is a code object")
            code = builtins.compile(source, "<string>", mode, dont_inherit=True)
        return self.run_code(code, namespace_globals, namespace_locals, closure)

    def run_code(
        self,
        code: CodeType,
        globals_: dict[str, Any] | None = None,
        locals_: Any = None,
        closure: tuple[CellType, ...] | None = None,
    ) -> Any:
        """Run a module-level code object on the VM and return its value.

        *closure* gives the cells of a code object with free variables, as
        ``exec``'s ``closure`` argument does.
        """
        if globals_ is None:
            globals_ = {"__name__": "__main__"}
        globals_.setdefault("__builtins__", builtins)
        namespace_builtins = globals_["__builtins__"]
        if not isinstance(namespace_builtins, dict):
            namespace_builtins = namespace_builtins.__dict__
        frame = Frame(
            code,
            globals_,
            namespace_builtins,
            locals=globals_ if locals_ is None else locals_,
            closure=closure or (),
        )
        try:
            return self.run_frame(frame)
        except BaseException as exception:
            # A bare raise adds no entry for this frame: the caller sees its
            # own frame, then the program's, as after exec().
            exception.__traceback__ = _strip_machinery(exception.__traceback__)
            raise

    def _builtin_super(
        self, frame: Frame, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if args or kwargs:
            return super(*args, **kwargs)
        names = frame.localsplus_names
        if frame.code.co_argcount == 0 and not frame.code.co_flags & inspect.CO_VARARGS:
            raise RuntimeError("super(): no arguments")
        first = frame.localsplus[0]
        if type(first) is CellType and names[0] in frame.code.co_cellvars:
            first = first.cell_contents
        if "__class__" not in frame.code.co_freevars:
            raise RuntimeError("super(): __class__ cell not found")
        cell = frame.localsplus[
            names.index("__class__", len(names) - len(frame.code.co_freevars))
        ]
        return super(cell.cell_contents, first)

    def _builtin_exc_info(
        self, frame: Frame, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        exception = self.handled_exception
        if exception is None:
            return (None, None, None)
        return (type(exception), exception, exception.__traceback__)

    def _caller(
        self, frame: Frame, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Frame:
        """Return the VM frame ``depth`` calls up from *frame* (``sys._getframe``)."""
        depth = args[0] if args else kwargs.get("depth", 0)
        target: Frame | None = frame
        for _ in range(depth):
            assert target is not None
            target = target.previous
            if target is None:
                raise ValueError("call stack is not deep enough")
        assert target is not None
        return target

    def _builtin_getframe(
        self, frame: Frame, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        link: Frame | None = self._caller(frame, args, kwargs)
        frames: list[Frame] = []
        while link is not None and len(frames) < _CALLERS_LINKED:
            frames.append(link)
            link = link.previous
        return linked_stand_ins(frames, self.frame_locals)

    def _builtin_frame_module(
        self, frame: Frame, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        target = self._caller(frame, args, kwargs)
        if target.function is not None:
            return target.function.__module__
        return target.globals.get("__name__")

    def _builtin_exception(
        self, frame: Frame, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        return self.handled_exception


def _check_closure(
    code: CodeType, mode: str, closure: tuple[CellType, ...] | None
) -> None:
    """Refuse a code object whose free variables *closure* does not fill.

    The checks and messages of ``builtin_eval_impl`` and ``builtin_exec_impl``
    (``Python/bltinmodule.c``): ``eval`` takes no closure at all.
    """
    free = len(code.co_freevars)
    if mode == "eval":
        if free:
            raise TypeError(
                "code object passed to eval() may not contain free variables"
            )
    elif not free:
        if closure is not None:
            raise TypeError("cannot use a closure with this code object")
    elif (
        type(closure) is not tuple
        or len(closure) != free
        or not all(type(cell) is CellType for cell in closure)
    ):
        raise TypeError(f"code object requires a closure of exactly length {free}")


def _python_call_method(kind: type) -> FunctionType | None:
    """Return the Python function that calling a *kind* instance runs, if any."""
    for klass in kind.__mro__:
        method = klass.__dict__.get("__call__")
        if method is not None:
            return method if type(method) is FunctionType else None
    return None


_NEVER_IN_CODE_OBJECTS = frozenset(
    {"CACHE", "RESERVED", "ENTER_EXECUTOR", "INTERPRETER_EXIT", "EXIT_INIT_CHECK"}
)


def executable_opcodes() -> list[str]:
    """List the opcodes a code object of the running CPython can hold.

    ``dis.opmap`` lists more: the ``CACHE`` entries, the pseudo-instructions
    the compiler uses before assembly (numbers from 256, 3.12+), the
    ``INSTRUMENTED_`` variants that ``sys.monitoring`` swaps in (3.12+), and
    opcodes that only CPython's own shims and optimizer execute
    (``ENTER_EXECUTOR``, ``EXIT_INIT_CHECK``, ``INTERPRETER_EXIT``).
    ``dis.get_instructions`` never shows any of them.

    >>> "LOAD_FAST" in executable_opcodes(), "CACHE" in executable_opcodes()
    (True, False)
    """
    import opcode

    return [
        name
        for name, number in opcode.opmap.items()
        if number < 256
        and name not in _NEVER_IN_CODE_OBJECTS
        and not name.startswith("INSTRUMENTED_")
    ]
