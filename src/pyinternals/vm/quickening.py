r"""Quickening and one adaptive specialization in our VM: calls of Python functions.

CPython 3.11+ rewrites its own bytecode while it runs (PEP 659,
``Python/specialize.c``): an instruction counts its executions in an
inline cache, and once warm it is replaced by a *specialized* form that
assumes what it saw (the types, the function called) behind a cheap
*guard*; when the guard fails the specialized form *deoptimizes*: it runs
the generic code, and after enough misses the site goes back to its
adaptive form to be specialized again, perhaps differently.

The profile of our VM says where specialization pays: a Python-to-Python
``CALL`` goes through :meth:`~pyinternals.vm.interpreter.EvalLoop.call_object`
(what kind of callable is this?) and
:func:`~pyinternals.vm.binding.bind_arguments` (defaults, keywords,
``*args``) before the new frame runs. CPython's answer is
``CALL_PY_EXACT_ARGS`` (``Python/bytecodes.c``): when the callee is a
Python function that takes exactly the positional arguments given, copy
them into the new frame's first slots and go. Ours specializes the same
way, with CPython's names:

* ``CALL`` in its adaptive form (:meth:`SpecializingHandlers.op_CALL_ADAPTIVE`,
  3.11's ``CALL_ADAPTIVE``; 3.13 keeps the counter in ``CALL`` itself)
  counts down :data:`WARMUP` executions, then tries to specialize;
* ``CALL_PY_EXACT_ARGS`` guards that the callee is a function whose
  ``__code__`` is the one seen (the code fixes the parameters, so the
  argument count stays right) and that no keywords are passed;
  ``CALL_BOUND_METHOD_EXACT_ARGS`` does the same for a bound method, with
  ``self`` as the first argument (3.12's name: 3.11 unpacks the method in
  ``PRECALL_BOUND_METHOD``, then runs ``CALL_PY_EXACT_ARGS``);
* a failed guard counts a miss and runs the generic ``CALL``; after
  :data:`COOLDOWN` misses the site is adaptive again. A failed attempt to
  specialize backs off exponentially, as 3.13's counters do
  (``Include/internal/pycore_backoff.h``).

Python has no cheap "has this object changed?" check for functions, but the
code object is one: a function's parameters, flags and body are its
``__code__``, and assigning a new one is seen by the identity guard.

Quickened instructions are kept per machine (``VirtualMachine(specialize=
False)`` never sees them) and per code object: the decoded
:class:`~pyinternals.vm.frame.Instruction` list is copied and each
``CALL`` becomes a :class:`QuickenedInstruction` carrying its
:class:`InlineCache`, the counterpart of CPython's ``CACHE`` code units.

>>> from pyinternals.vm.machine import VirtualMachine
>>> source = "def add(a, b):\n    return a + b\nfor i in range(5):\n    add(i, 1)\n"
>>> machine = VirtualMachine()
>>> machine.run_code(compile(source, "<demo>", "exec"), {})
>>> [site.opname for site in adaptive_sites(machine)]  # range(5), then add(i, 1)
['CALL', 'CALL_PY_EXACT_ARGS']
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import CodeType, FunctionType, MethodType
from typing import Any

from pyinternals.vm.frame import NULL, DecodedCode, Frame, Instruction, decode_code
from pyinternals.vm.handlers_calls import CallHandlers
from pyinternals.vm.interpreter import runs_on_the_vm
from pyinternals.vm.trampolines import trampoline_entry

__all__ = [
    "COOLDOWN",
    "SPECIALIZED_CALLS",
    "WARMUP",
    "AdaptiveSite",
    "InlineCache",
    "QuickenedInstruction",
    "SpecializationStats",
    "SpecializingHandlers",
    "adaptive_sites",
    "unspecialized_opname",
]

_AFTER_311 = sys.version_info >= (3, 12)

WARMUP = 2
"""Executions of an adaptive ``CALL`` before it tries to specialize.

3.13 starts its counters at ``ADAPTIVE_WARMUP_VALUE`` 1: the second
execution specializes.
"""

COOLDOWN = 53
"""Guard failures a specialized ``CALL`` takes before going back to adaptive.

3.11's ``miss_counter_start()`` and 3.13's ``ADAPTIVE_COOLDOWN_VALUE`` (52,
counted down to zero) are this figure.
"""

_MAX_BACKOFF = 12
_SIMPLE_PARAMETERS_ONLY = 0x04 | 0x08  # CO_VARARGS | CO_VARKEYWORDS

SPECIALIZED_CALLS = ("CALL_PY_EXACT_ARGS", "CALL_BOUND_METHOD_EXACT_ARGS")
"""The specialized forms of ``CALL`` our VM has, named as CPython names them."""


def unspecialized_opname(opname: str) -> str:
    """Return the compiler's name for an instruction the VM may have quickened.

    What a tracer shows, to agree with CPython's own listing.

    >>> unspecialized_opname("CALL_PY_EXACT_ARGS"), unspecialized_opname("LOAD_FAST")
    ('CALL', 'LOAD_FAST')
    """
    return "CALL" if opname in SPECIALIZED_CALLS else opname


@dataclass(slots=True)
class InlineCache:
    """What one ``CALL`` site remembers: its counter and, specialized, its guard.

    *counter* counts down executions (adaptive) or misses (specialized);
    *backoff* grows with each failed attempt to specialize. A specialized
    site keeps *guard_code* (the callee's ``__code__`` it saw: a
    trampoline for VM-made functions), *code* (the code to run) and
    *unbound_slots* (``NULL`` for the callee's slots past its arguments).
    """

    counter: int
    backoff: int = 0
    guard_code: CodeType | None = None
    code: CodeType | None = None
    unbound_slots: list[Any] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class QuickenedInstruction(Instruction):
    """An instruction of a quickened code object, with its inline cache."""

    cache: InlineCache


@dataclass
class SpecializationStats:
    """How often sites specialized, failed to, and missed their guard.

    The counterpart of CPython's ``--enable-pystats`` counters
    (``Python/specialize.c``): counted on the slow paths only, so the
    specialized fast path pays nothing for them.
    """

    specialized: int = 0
    failed: int = 0
    misses: int = 0
    deoptimized: int = 0


def _quicken(instruction: Instruction | None) -> Instruction | None:
    if instruction is None or instruction.opname != "CALL":
        return instruction
    return _with_opname(instruction, "CALL", InlineCache(WARMUP))


def _with_opname(
    instruction: Instruction, opname: str, cache: InlineCache
) -> QuickenedInstruction:
    return QuickenedInstruction(
        opname,
        instruction.arg,
        instruction.argval,
        instruction.index,
        instruction.next_index,
        instruction.target,
        instruction.line,
        cache,
    )


def _callable_and_self(stack: list[Any], count: int) -> tuple[Any, Any]:
    """Return a call's callable and its ``self``-or-``NULL`` slot.

    3.11 pushes ``NULL`` (or a method) *below* the callable (or ``self``);
    3.13 pushes the callable, then ``self``-or-``NULL``.
    """
    below, above = stack[-count - 2], stack[-count - 1]
    if _AFTER_311:
        return below, above
    if below is NULL:
        return above, NULL
    return below, above


def _runnable_code(function: FunctionType) -> CodeType | None:
    """Return the code the VM runs for *function*, or ``None`` if not on the VM."""
    entry = trampoline_entry(function)
    if entry is not None:
        return entry.code
    return function.__code__ if runs_on_the_vm(function) else None


class SpecializingHandlers(CallHandlers):
    """The adaptive ``CALL`` and its specialized forms, with quickening.

    With *specialize* false the machine runs the code objects as decoded,
    with the generic handlers only.
    """

    def __init__(self, specialize: bool = True) -> None:
        super().__init__()
        self.specialize = specialize
        self.specialization_stats = SpecializationStats()
        self.quickened: dict[int, tuple[CodeType, list[Instruction | None]]] = {}
        for name in SPECIALIZED_CALLS:
            self.handlers[name] = getattr(self, f"op_{name}")
        if specialize:
            self.handlers["CALL"] = self.op_CALL_ADAPTIVE  # type: ignore[assignment]

    def instructions_for(self, decoded: DecodedCode) -> list[Instruction | None]:
        """Return the instructions this machine runs: quickened, when specializing."""
        if not self.specialize:
            return decoded.instructions
        code = decoded.code
        cached = self.quickened.get(id(code))
        if cached is None or cached[0] is not code:
            cached = (code, [_quicken(i) for i in decoded.instructions])
            self.quickened[id(code)] = cached
        return cached[1]

    def _rewrite(self, frame: Frame, instruction: QuickenedInstruction) -> None:
        """Put *instruction* in place of the one at its index (quickening)."""
        self.quickened[id(frame.code)][1][instruction.index] = instruction

    # --- the adaptive form ------------------------------------------------------

    def op_CALL_ADAPTIVE(self, frame: Frame, instruction: QuickenedInstruction) -> None:
        """``CALL`` with a warm-up counter: at zero, try to specialize; then call."""
        cache = instruction.cache
        cache.counter -= 1
        if cache.counter <= 0:
            self._specialize_call(frame, instruction)
        self.op_CALL(frame, instruction)

    def _specialize_call(self, frame: Frame, instruction: QuickenedInstruction) -> None:
        """Replace the site by a specialized form, or back off if none fits."""
        count = instruction.arg
        function, self_or_null = _callable_and_self(frame.stack, count)
        opname = "CALL_PY_EXACT_ARGS"
        if type(function) is MethodType:
            opname = "CALL_BOUND_METHOD_EXACT_ARGS"
            function = function.__func__
            count += 1
        code = None
        if (
            type(function) is FunctionType
            and self_or_null is NULL
            and not frame.kwnames
        ):
            code = _runnable_code(function)
        if (
            code is None
            or code.co_flags & _SIMPLE_PARAMETERS_ONLY
            or code.co_kwonlyargcount
            or code.co_argcount != count
        ):
            self.specialization_stats.failed += 1
            cache = instruction.cache
            cache.backoff = min(cache.backoff + 1, _MAX_BACKOFF)
            cache.counter = 1 << cache.backoff
            return
        slots = len(decode_code(code).names)
        cache = InlineCache(
            COOLDOWN,
            guard_code=function.__code__,
            code=code,
            unbound_slots=[NULL] * (slots - count),
        )
        self._rewrite(frame, _with_opname(instruction, opname, cache))
        self.specialization_stats.specialized += 1

    def _deoptimize(self, frame: Frame, instruction: QuickenedInstruction) -> None:
        """Count a failed guard, maybe go back to adaptive; run the generic ``CALL``."""
        self.specialization_stats.misses += 1
        cache = instruction.cache
        cache.counter -= 1
        if cache.counter <= 0:
            self.specialization_stats.deoptimized += 1
            self._rewrite(frame, _with_opname(instruction, "CALL", InlineCache(WARMUP)))
        self.op_CALL(frame, instruction)

    # --- the specialized forms ---------------------------------------------------

    def _run_exact(
        self,
        frame: Frame,
        function: FunctionType,
        arguments: list[Any],
        cache: InlineCache,
    ) -> None:
        """Run *function* in a new frame whose first slots are *arguments*."""
        assert cache.code is not None, "a specialized site knows its code"
        callee = Frame(
            cache.code,
            function.__globals__,
            function.__builtins__,
            closure=function.__closure__ or (),
            localsplus=arguments + cache.unbound_slots,
            function=function,
        )
        frame.stack.append(self.run_frame(callee))

    def op_CALL_PY_EXACT_ARGS(
        self, frame: Frame, instruction: QuickenedInstruction
    ) -> None:
        """``CALL`` of the function seen before, with exactly its positional arguments.

        Guard: a function with the same ``__code__``, no ``self`` slot, no
        keywords. The arguments become the callee's first slots; nothing to
        bind.
        """
        stack = frame.stack
        count = instruction.arg
        cache = instruction.cache
        function, self_or_null = _callable_and_self(stack, count)
        if (
            type(function) is not FunctionType
            or function.__code__ is not cache.guard_code
            or self_or_null is not NULL
            or frame.kwnames
        ):
            self._deoptimize(frame, instruction)
            return
        arguments = stack[len(stack) - count :]
        del stack[-count - 2 :]
        self._run_exact(frame, function, arguments, cache)

    def op_CALL_BOUND_METHOD_EXACT_ARGS(
        self, frame: Frame, instruction: QuickenedInstruction
    ) -> None:
        """``CALL`` of a bound method of the function seen before, exact arguments.

        Guard: a bound method whose function has the same ``__code__``;
        ``self`` becomes the first argument.
        """
        stack = frame.stack
        count = instruction.arg
        cache = instruction.cache
        method, self_or_null = _callable_and_self(stack, count)
        if (
            type(method) is not MethodType
            or type(method.__func__) is not FunctionType
            or method.__func__.__code__ is not cache.guard_code
            or self_or_null is not NULL
            or frame.kwnames
        ):
            self._deoptimize(frame, instruction)
            return
        arguments = [method.__self__, *stack[len(stack) - count :]]
        del stack[-count - 2 :]
        self._run_exact(frame, method.__func__, arguments, cache)


@dataclass(frozen=True)
class AdaptiveSite:
    """One quickened ``CALL`` site: where, in which form, its counter."""

    code_name: str
    offset: int
    opname: str
    counter: int


def adaptive_sites(
    machine: SpecializingHandlers, code: CodeType | None = None
) -> Iterator[AdaptiveSite]:
    """Yield the ``CALL`` sites *machine* has quickened (of *code*, or of all code).

    The VM's counterpart of ``dis.get_instructions(..., adaptive=True)``:
    which calls are still adaptive and which are specialized.
    """
    for original, instructions in machine.quickened.values():
        if code is not None and original is not code:
            continue
        for instruction in instructions:
            # read by name, not isinstance: the class may come from another
            # import of this module (pytest's doctests import the file anew)
            cache = getattr(instruction, "cache", None)
            if instruction is not None and cache is not None:
                yield AdaptiveSite(
                    original.co_name,
                    2 * instruction.index,
                    instruction.opname,
                    cache.counter,
                )
