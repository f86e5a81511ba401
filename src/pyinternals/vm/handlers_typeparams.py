r"""The intrinsics of PEP 695 type parameters (3.12+): ``type X = ...``, ``f[T]``.

A generic function or class, or a ``type`` statement, compiles to a hidden
function ("<generic parameters of f>") that makes the type parameters with
``CALL_INTRINSIC_1`` (``INTRINSIC_TYPEVAR``, ``INTRINSIC_PARAMSPEC``,
``INTRINSIC_TYPEVARTUPLE``) or ``CALL_INTRINSIC_2`` (a ``TypeVar`` with a
bound or constraints, a default), then the object itself, and gives it its
``__type_params__`` (``INTRINSIC_SET_FUNCTION_TYPE_PARAMS``); a generic
class gets ``Generic[...]`` as a base (``INTRINSIC_SUBSCRIPT_GENERIC``) and
a ``type`` statement a ``TypeAliasType`` (``INTRINSIC_TYPEALIAS``). The C
side is ``Python/intrinsics.c`` and ``Objects/typevarobject.c``.

CPython evaluates bounds, constraints and defaults lazily, on first access;
the constructors :mod:`typing` offers to Python code take them as values,
so here they are evaluated when the parameter is made. An alias without
type parameters stays lazy: it is made by a ``type`` statement compiled for
its name, whose value calls the VM's function when first read.

>>> import sys
>>> from pyinternals.vm.machine import exec_source
>>> source = "type Pair = tuple[int, int]\nresult = Pair.__value__\n"
>>> sys.version_info < (3, 12) or exec_source(source)["result"] == tuple[int, int]
True
>>> source = "def first[T](xs):\n    return xs[0]\nfound = first.__type_params__"
>>> found = () if sys.version_info < (3, 12) else exec_source(source)["found"]
>>> sys.version_info < (3, 12) or [t.__name__ for t in found] == ["T"]
True
"""

from __future__ import annotations

import typing
from types import CodeType, FunctionType
from typing import Any

from pyinternals.vm.frame import Frame, Instruction
from pyinternals.vm.interpreter import EvalLoop

__all__ = ["TypeParamHandlers"]

_TYPEVAR, _PARAMSPEC, _TYPEVARTUPLE, _SUBSCRIPT_GENERIC, _TYPEALIAS = 7, 8, 9, 10, 11
_WITH_BOUND, _WITH_CONSTRAINTS, _SET_PARAMS, _SET_DEFAULT = 2, 3, 4, 5
_TYPING: Any = typing
"""The module, untyped: its constructors are called with names known at run time."""

_ALIAS_MAKERS: dict[str, CodeType] = {}


def _alias_maker(name: str) -> CodeType:
    """Return code of ``def make(compute): type NAME = compute(); return NAME``."""
    code = _ALIAS_MAKERS.get(name)
    if code is None:
        source = f"def make(compute):\n    type {name} = compute()\n    return {name}\n"
        module = compile(source, "<type alias>", "exec", dont_inherit=True)
        code = next(c for c in module.co_consts if isinstance(c, CodeType))
        _ALIAS_MAKERS[name] = code
    return code


def _unpacked(parameters: tuple[Any, ...]) -> tuple[Any, ...]:
    """Unpack each ``TypeVarTuple`` (``*Ts``), as ``Generic[...]`` wants them."""
    return tuple(
        next(iter(parameter))
        if isinstance(parameter, _TYPING.TypeVarTuple)
        else parameter
        for parameter in parameters
    )


def _with_default(parameter: Any, default: Any) -> Any:
    """Remake *parameter* with a default (PEP 696), as it has none yet."""
    kind = type(parameter)
    if kind is _TYPING.TypeVar:
        return _TYPING.TypeVar(
            parameter.__name__,
            *parameter.__constraints__,
            bound=parameter.__bound__,
            infer_variance=True,
            default=default,
        )
    if kind is _TYPING.ParamSpec:
        return _TYPING.ParamSpec(
            parameter.__name__,
            infer_variance=True,
            default=default,
        )
    return kind(parameter.__name__, default=default)


class TypeParamHandlers(EvalLoop):
    """The type-parameter intrinsics; the others go on to the next handler class."""

    def op_CALL_INTRINSIC_1(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: make a type parameter, a ``Generic[...]`` base or a type alias."""
        operation = instruction.arg
        if operation not in (
            _TYPEVAR,
            _PARAMSPEC,
            _TYPEVARTUPLE,
            _SUBSCRIPT_GENERIC,
            _TYPEALIAS,
        ):
            super().op_CALL_INTRINSIC_1(frame, instruction)  # type: ignore[misc]
            return
        value = frame.stack.pop()
        result: Any
        if operation == _TYPEVAR:
            result = _TYPING.TypeVar(value, infer_variance=True)
        elif operation == _PARAMSPEC:
            result = _TYPING.ParamSpec(value, infer_variance=True)
        elif operation == _TYPEVARTUPLE:
            result = _TYPING.TypeVarTuple(value)
        elif operation == _SUBSCRIPT_GENERIC:
            result = _TYPING.Generic[_unpacked(value)]
        else:
            result = self._type_alias(frame, *value)
        frame.stack.append(result)

    def _type_alias(
        self, frame: Frame, name: str, parameters: Any, compute: FunctionType
    ) -> Any:
        """Make the ``TypeAliasType`` of ``type name[parameters] = ...``."""
        if parameters is None:
            maker = FunctionType(_alias_maker(name), frame.globals)
            return maker(compute)
        value = self.call_object(compute, (), None)
        return _TYPING.TypeAliasType(name, value, type_params=parameters)

    def op_CALL_INTRINSIC_2(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: make a bounded or constrained ``TypeVar``; set a default or params."""
        operation = instruction.arg
        if operation not in (
            _WITH_BOUND,
            _WITH_CONSTRAINTS,
            _SET_PARAMS,
            _SET_DEFAULT,
        ):
            super().op_CALL_INTRINSIC_2(frame, instruction)  # type: ignore[misc]
            return
        second = frame.stack.pop()
        first = frame.stack.pop()
        result: Any
        if operation == _SET_PARAMS:
            first.__type_params__ = second
            result = first
        else:
            evaluated = self.call_object(second, (), None)
            if operation == _WITH_BOUND:
                result = _TYPING.TypeVar(first, bound=evaluated, infer_variance=True)
            elif operation == _WITH_CONSTRAINTS:
                result = _TYPING.TypeVar(first, *evaluated, infer_variance=True)
            else:
                result = _with_default(first, evaluated)
        frame.stack.append(result)
