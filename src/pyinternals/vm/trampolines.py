r"""Functions made by the VM stay on the VM when CPython calls them.

A function object runs whatever its ``__code__`` holds, so a function the
VM creates with its real code would run on CPython whenever C code calls it:
``sorted(key=f)``, ``map(f, xs)``, ``type.__call__`` calling ``__init__``.
Instead the VM gives such a function a *trampoline* as ``__code__``: a code
object with the same parameters, free variables, name, file and flags,
whose only statement passes the bound arguments to a :class:`VMEntry`,
which runs the real code on the VM. CPython binds the arguments (defaults
and all) before the trampoline starts. A generator function's trampoline
is a generator that passes each ``send``, ``throw`` and ``close`` on to
the VM's generator (``_GENERATOR_BODY``), so CPython sees a generator
function; a coroutine function's is an ``async def`` that awaits the VM's
coroutine (through its ``coroutine_wrapper``, which passes each ``send``,
``throw`` and ``close`` on), so ``inspect.iscoroutinefunction`` holds and
callers (``asyncio.gather(*map(f, xs))``, a C ``Task``) get a real
coroutine whose frames are the VM's; an async generator function's is an
async generator that forwards each step to the VM's (there is no ``yield
from`` for them). The VM's objects are not handed to CPython callers
directly because the type of the function decides what ``inspect`` and
``asyncio`` think of it. When VM code calls the function, the VM skips the
trampoline and runs the real code directly -- except a generator or
coroutine function's: VM code gets the real generator or coroutine object
too (``type``, C's error messages, ``copy``, ``weakref``, the
never-awaited warning and finalization are then CPython's own), and the
VM's generator or coroutine runs inside.

What stays visible: ``f.__code__`` is the trampoline (its ``co_code``,
``co_consts`` and local names are not the source's).

>>> from pyinternals.vm.machine import exec_source
>>> namespace = exec_source("def twice(x):\n    return 2 * x\n")
>>> sorted([3, 1, 2], key=namespace["twice"])
[1, 2, 3]
>>> vm_code(namespace["twice"]).co_name, trampoline_entry(namespace["twice"]) is None
('twice', False)
"""

from __future__ import annotations

import dis
import inspect
import keyword
import sys
import warnings
import weakref
from types import CellType, CodeType, FunctionType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyinternals.vm.interpreter import EvalLoop

__all__ = [
    "VMEntry",
    "entered_the_vm",
    "is_trampoline",
    "make_function",
    "trampoline_entry",
    "vm_code",
    "vm_suspended_frame",
]

_MARKER = "<vm entry>"
_SIGNATURE_FLAGS = (
    inspect.CO_VARARGS
    | inspect.CO_VARKEYWORDS
    | inspect.CO_GENERATOR
    | inspect.CO_COROUTINE
    | inspect.CO_ASYNC_GENERATOR
)
_FORWARDING_NAMES = ("_vm_inner", "_vm_step", "_vm_item", "_vm_sent", "_vm_error")
"""The locals of a generator's trampoline, which parameters must not use."""

_GENERATOR_BODY = """\
        "{marker}"
        {declare}
        _vm_inner = "{marker}"({arguments})
        {drop}
        _vm_step, _vm_sent = _vm_inner.send, None
        while True:
            try:
                _vm_item = _vm_step(_vm_sent)
            except "{stop}" as _vm_error:
                return _vm_error.value
            _vm_sent = None
            try:
                _vm_sent = yield _vm_item
            except "{anything}" as _vm_error:
                _vm_step, _vm_sent = _vm_inner.throw, _vm_error
            else:
                _vm_step = _vm_inner.send
"""
"""A generator's trampoline forwards every step to the VM's generator.

Not with ``yield from``: a generator delegating with it hands ``throw``'s
arguments to its delegate unchecked and is itself ended by the error they
raise, and it drops the value the delegate returns on ``close``. Waiting at
a plain ``yield``, the trampoline is a generator like the VM's: CPython
checks a ``throw``'s arguments before the frame sees them, every exception
thrown in (``GeneratorExit`` from ``close`` too) goes on to the VM's
generator, and what that one returns is returned. The arguments are
deleted once passed on: the VM's frame owns them, and may drop them. The
marker is the docstring, the first constant, as in an async generator's;
the exception classes are constants too (``_CLASS_CONSTANTS``), not
global names a module could shadow.
"""

_CLASS_CONSTANTS = {
    "<vm StopIteration>": StopIteration,
    "<vm BaseException>": BaseException,
}
"""The classes a generator's trampoline catches, by the string standing for each."""

_ASYNC_GENERATOR_BODY = """\
        "{marker}"
        {declare}
        _vm_inner = "{marker}"({arguments})
        _vm_step = _vm_inner.__anext__()
        while True:
            try:
                _vm_item = await _vm_step
            except StopAsyncIteration:
                return
            try:
                _vm_sent = yield _vm_item
            except GeneratorExit:
                await _vm_inner.aclose()
                raise
            except BaseException as _vm_error:
                _vm_step = _vm_inner.athrow(_vm_error)
            else:
                _vm_step = _vm_inner.asend(_vm_sent)
"""
"""An async generator's trampoline forwards every step to the VM's generator.

There is no ``yield from`` for async generators: each ``asend``, ``athrow``
and ``aclose`` made on the trampoline is made on the VM's generator in turn.
The marker is the docstring too, so that it is the first constant.
"""


class VMEntry:
    """The constant a trampoline calls: it runs the real code on the VM."""

    __slots__ = ("_function", "code", "machine")

    def __init__(self, machine: EvalLoop, code: CodeType) -> None:
        self.machine = machine
        self.code = code
        self._function: weakref.ref[FunctionType] | None = None

    def function(self) -> FunctionType | None:
        """Return the function whose trampoline calls this entry, if alive.

        It is held weakly: the function holds its code, the code this entry,
        and code objects are not tracked by the cycle collector, so a strong
        reference back would keep every VM-made function (and its closure)
        alive forever.
        """
        return None if self._function is None else self._function()

    def attach(self, function: FunctionType) -> None:
        """Make *function* the one this entry runs the code of."""
        self._function = weakref.ref(function)

    def __call__(self, *arguments: Any) -> Any:
        """Run the real code with the parameter slots CPython bound.

        If the function is gone, the trampoline runs for a function made
        from its code (``FunctionType(f.__code__, namespace)``): the real
        code runs with that function's globals, read from the trampoline's
        frame.
        """
        function = self.function()
        if function is None:
            function = FunctionType(self.code, sys._getframe(1).f_globals)
        return self.machine.run_with_arguments(function, self.code, arguments)


def trampoline_entry(function: Any) -> VMEntry | None:
    """Return the :class:`VMEntry` of a VM-made function, else ``None``.

    It is the last constant of a trampoline (the first of an async
    generator's).
    """
    constants = function.__code__.co_consts
    if constants:
        if type(constants[-1]) is VMEntry:
            return constants[-1]
        if type(constants[0]) is VMEntry:
            return constants[0]
    return None


def is_trampoline(code: CodeType) -> bool:
    """Say whether *code* is the trampoline of a VM-made function."""
    constants = code.co_consts
    return bool(constants) and VMEntry in (type(constants[-1]), type(constants[0]))


_LOAD_CONST = dis.opmap["LOAD_CONST"]


def entered_the_vm(code: CodeType, lasti: int) -> bool:
    r"""Say whether the trampoline *code*, at byte offset *lasti*, had called the VM.

    Before the call, the trampoline's frame is where CPython would have
    the function's own: an exception thrown into a generator or a
    coroutine not yet started is raised there, and CPython's traceback
    has an entry for the function's frame, at its first line. After it,
    the trampoline is only the way into the VM.

    >>> from pyinternals.vm.machine import exec_source
    >>> code = exec_source("def g():\n    yield 1\n")["g"].__code__
    >>> entered_the_vm(code, 0), entered_the_vm(code, len(code.co_code) - 2)
    (False, True)
    """
    constants = code.co_consts
    index = len(constants) - 1 if type(constants[-1]) is VMEntry else 0
    instructions = code.co_code
    for offset in range(0, len(instructions), 2):
        if instructions[offset] == _LOAD_CONST and instructions[offset + 1] == index:
            return lasti >= offset
    return True


def vm_code(function: FunctionType) -> CodeType:
    """Return the code the VM runs for *function*: the real one, not a trampoline."""
    entry = trampoline_entry(function)
    return entry.code if entry is not None else function.__code__


def vm_suspended_frame(made: Any) -> Any:
    r"""Return the VM's generator or coroutine behind a trampoline's *made*.

    Calling a VM-made generator or coroutine function gives CPython's own
    generator or coroutine object, its trampoline's, which passes every
    ``send``, ``throw`` and ``close`` on to the VM's (a
    :class:`~pyinternals.vm.generators.VMGenerator` or
    :class:`~pyinternals.vm.coroutines.VMCoroutine`), where the program's
    frame is. This finds that one, while *made* is suspended; ``None`` for
    anything else (not started, finished, not a trampoline's).

    >>> from pyinternals.vm.machine import exec_source
    >>> numbers = exec_source("def numbers():\n    yield 1\n    yield 2\n")["numbers"]
    >>> made = numbers()
    >>> next(made), type(made).__name__, vm_suspended_frame(made) is None
    (1, 'generator', False)
    >>> vm_suspended_frame(made).gi_frame.f_lineno
    2
    """
    frame = getattr(made, "gi_frame", None) or getattr(made, "cr_frame", None)
    if frame is None or not is_trampoline(frame.f_code):
        return None
    return frame.f_locals.get("_vm_inner")


def _parameter_count(code: CodeType) -> int:
    flags = code.co_flags
    return (
        code.co_argcount
        + code.co_kwonlyargcount
        + bool(flags & inspect.CO_VARARGS)
        + bool(flags & inspect.CO_VARKEYWORDS)
    )


def _spelled_signature(code: CodeType) -> str:
    """Return the parameter list of *code* as source text, without defaults."""
    names = code.co_varnames
    positional = list(names[: code.co_argcount])
    keyword_only = list(
        names[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
    )
    rest = code.co_argcount + code.co_kwonlyargcount
    parts = positional[: code.co_posonlyargcount]
    if code.co_posonlyargcount:
        parts.append("/")
    parts += positional[code.co_posonlyargcount :]
    if code.co_flags & inspect.CO_VARARGS:
        parts.append("*" + names[rest])
        rest += 1
    elif keyword_only:
        parts.append("*")
    parts += keyword_only
    if code.co_flags & inspect.CO_VARKEYWORDS:
        parts.append("**" + names[rest])
    return ", ".join(parts)


_TEMPLATES: dict[tuple[Any, ...], CodeType | None] = {}


def _template(code: CodeType) -> CodeType | None:
    """Return a trampoline template for *code*'s shape, or ``None`` if it has none."""
    count = _parameter_count(code)
    key = (
        code.co_varnames[:count],
        code.co_argcount,
        code.co_posonlyargcount,
        code.co_kwonlyargcount,
        code.co_flags & _SIGNATURE_FLAGS,
        code.co_freevars,
    )
    if key in _TEMPLATES:
        return _TEMPLATES[key]
    names = (*code.co_varnames[:count], *code.co_freevars)
    template = None
    if all(name.isidentifier() and not keyword.iskeyword(name) for name in names):
        template = _compile_template(code, count)
    _TEMPLATES[key] = template
    return template


def _compile_template(code: CodeType, count: int) -> CodeType | None:
    free = code.co_freevars
    outer = f"    {' = '.join(free)} = None\n" if free else "    pass\n"
    declare = f"nonlocal {', '.join(free)}; " if free else ""
    parameters = code.co_varnames[:count]
    arguments = ", ".join(parameters)
    call = f'"{_MARKER}"({arguments})'
    header = "def"
    signature = _spelled_signature(code)
    if code.co_flags & inspect.CO_ASYNC_GENERATOR:
        if set(_FORWARDING_NAMES) & {*parameters, *free}:
            return None
        body = _ASYNC_GENERATOR_BODY.format(
            marker=_MARKER, declare=declare or "pass", arguments=arguments
        )
        definition = f"    async def trampoline({signature}):\n{body}"
    elif code.co_flags & inspect.CO_GENERATOR:
        if set(_FORWARDING_NAMES) & {*parameters, *free}:
            return None
        body = _GENERATOR_BODY.format(
            marker=_MARKER,
            declare=declare or "pass",
            arguments=arguments,
            drop=f"del {arguments}" if parameters else "pass",
            stop="<vm StopIteration>",
            anything="<vm BaseException>",
        )
        definition = f"    def trampoline({signature}):\n{body}"
    else:
        statement = f"return {call}"
        if code.co_flags & inspect.CO_COROUTINE:
            if "_vm_inner" in {*parameters, *free}:
                return None
            header = "async def"
            drop = f"; del {arguments}" if parameters else ""
            statement = f"_vm_inner = {call}{drop}; return await _vm_inner"
        definition = f"    {header} trampoline({signature}): {declare}{statement}\n"
    source = f"def outer():\n{outer}{definition}    return trampoline\n"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # calling a str literal
        module = compile(source, "<trampoline>", "exec", dont_inherit=True)
    outer_code = next(c for c in module.co_consts if isinstance(c, CodeType))
    template = next(c for c in outer_code.co_consts if isinstance(c, CodeType))
    constants = template.co_consts
    if _MARKER not in (constants[0], constants[-1]):
        return None
    if any(type(c) is str and c in _CLASS_CONSTANTS for c in constants):
        template = template.replace(
            co_consts=tuple(
                _CLASS_CONSTANTS.get(c, c) if type(c) is str else c for c in constants
            )
        )
    if template.co_freevars != code.co_freevars:
        return None
    return template


def make_function(
    machine: EvalLoop,
    code: CodeType,
    globals_: dict[str, Any],
    closure: tuple[CellType, ...],
) -> FunctionType:
    """Create the function ``MAKE_FUNCTION`` makes, with a trampoline if it can.

    Class bodies and code whose parameters cannot be spelled (a
    comprehension's ``.0``) keep their real code: only the VM calls them.
    The function's docstring is the real code's, as ``MAKE_FUNCTION`` finds
    it (the first constant, if a string).
    """
    template = None
    if code.co_flags & inspect.CO_OPTIMIZED:
        template = _template(code)
    if template is None:
        return FunctionType(code, globals_, None, None, closure)
    entry = VMEntry(machine, code)
    constants = list(template.co_consts)
    constants[-1 if constants[-1] == _MARKER else 0] = entry
    trampoline = template.replace(
        co_consts=tuple(constants),
        co_name=code.co_name,
        co_qualname=code.co_qualname,
        co_filename=code.co_filename,
        co_firstlineno=code.co_firstlineno,
    )
    function = FunctionType(trampoline, globals_, None, None, closure)
    # CPython takes __doc__ from the code's first constant; the real code's.
    first = code.co_consts[0] if code.co_consts else None
    function.__doc__ = first if isinstance(first, str) else None
    entry.attach(function)
    return function
