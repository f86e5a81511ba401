r"""The virtual machine: the evaluation loop with every opcode handler.

:class:`VirtualMachine` puts together the evaluation loop
(:class:`~pyinternals.vm.interpreter.EvalLoop`) and the handler classes
(async, type parameters, names, data, calls, flow, patterns); :func:`run_code` and
:func:`exec_source` are the entry points, the VM's ``exec``.

>>> exec_source("x = [n * n for n in range(4)]\n")["x"]
[0, 1, 4, 9]
>>> run_code(compile("len('four')", "<demo>", "eval"))
4
"""

from __future__ import annotations

import builtins
from types import CodeType
from typing import Any

from pyinternals.vm.handlers_async import AsyncHandlers
from pyinternals.vm.handlers_data import DataHandlers
from pyinternals.vm.handlers_flow import FlowHandlers
from pyinternals.vm.handlers_patterns import PatternHandlers
from pyinternals.vm.handlers_typeparams import TypeParamHandlers
from pyinternals.vm.quickening import SpecializingHandlers

__all__ = ["VirtualMachine", "exec_source", "run_code"]


class VirtualMachine(
    AsyncHandlers,
    TypeParamHandlers,
    SpecializingHandlers,
    DataHandlers,
    FlowHandlers,
    PatternHandlers,
):
    """A bytecode interpreter for the running CPython's code objects.

    One machine runs one thread of VM frames; its dispatch table has a
    handler for every opcode it implements. With *specialize* (the default)
    it quickens calls as CPython does (:mod:`~pyinternals.vm.quickening`);
    ``VirtualMachine(specialize=False)`` runs the generic handlers only.

    >>> machine = VirtualMachine()
    >>> machine.handlers["BINARY_OP"].__name__
    'op_BINARY_OP'
    >>> machine.handlers["CALL"].__name__, VirtualMachine(specialize=False).handlers[
    ...     "CALL"].__name__
    ('op_CALL_ADAPTIVE', 'op_CALL')
    """

    def __init__(self, *, specialize: bool = True) -> None:
        super().__init__(specialize)


def run_code(code: CodeType, globals_: dict[str, Any] | None = None) -> Any:
    """Run a module-level (or ``eval``) code object on a new VM; return its value.

    *globals_* is the namespace, used as both globals and locals, as
    ``exec(code, globals_)`` uses it; ``__builtins__`` is added if missing.

    >>> namespace = {}
    >>> run_code(compile("a = 2 + 3", "<demo>", "exec"), namespace)
    >>> namespace["a"]
    5
    """
    return VirtualMachine().run_code(code, globals_)


def exec_source(source: str, filename: str = "<string>") -> dict[str, Any]:
    r"""Compile *source* with CPython's compiler, run it on the VM, give the namespace.

    >>> exec_source("def f():\n    return 'hi'\nresult = f()\n")["result"]
    'hi'
    """
    namespace: dict[str, Any] = {"__name__": "__main__"}
    code = builtins.compile(source, filename, "exec", dont_inherit=True)
    run_code(code, namespace)
    return namespace
