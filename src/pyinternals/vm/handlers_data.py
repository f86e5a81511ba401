"""Opcode handlers that move and compute values: the stack, operators, containers.

One method per opcode, named after it, each a few lines: what
``Python/bytecodes.c`` does for that instruction, on Python objects. Where
3.11 and 3.13 spell an instruction differently (``COMPARE_OP``'s argument,
``FORMAT_VALUE`` against ``CONVERT_VALUE`` and ``FORMAT_SIMPLE``) the
handler follows the running version; a handler for an opcode the running
version lacks is simply never dispatched.

>>> from pyinternals.vm.machine import run_code
>>> run_code(compile("(lambda a, b: a ** b + 1)(2, 10)", "<demo>", "eval"))
1025
"""

from __future__ import annotations

import dis
import operator
import sys
from collections.abc import Callable
from typing import Any

from pyinternals.vm.frame import NULL, Frame, Instruction
from pyinternals.vm.interpreter import EvalLoop

__all__ = ["DataHandlers"]

_AFTER_311 = sys.version_info >= (3, 12)

_OPERATOR_NAMES = {
    "ADD": "add",
    "AND": "and_",
    "FLOOR_DIVIDE": "floordiv",
    "LSHIFT": "lshift",
    "MATRIX_MULTIPLY": "matmul",
    "MULTIPLY": "mul",
    "REMAINDER": "mod",
    "OR": "or_",
    "POWER": "pow",
    "RSHIFT": "rshift",
    "SUBTRACT": "sub",
    "TRUE_DIVIDE": "truediv",
    "XOR": "xor",
}


def _binary_operator(nb_name: str) -> Callable[[Any, Any], Any]:
    """Return the :mod:`operator` function for one of ``BINARY_OP``'s ``NB_*`` names."""
    if nb_name.startswith("NB_INPLACE_"):
        plain = _OPERATOR_NAMES[nb_name.removeprefix("NB_INPLACE_")]
        return getattr(operator, "i" + plain.rstrip("_"))  # type: ignore[no-any-return]
    return getattr(operator, _OPERATOR_NAMES[nb_name.removeprefix("NB_")])  # type: ignore[no-any-return]


_BINARY_OPERATORS = [_binary_operator(name) for name, _ in dis._nb_ops]  # type: ignore[attr-defined]
"""``BINARY_OP``'s argument indexes this list (``dis._nb_ops`` order)."""

_COMPARISONS: list[Callable[[Any, Any], Any]] = [
    operator.lt,
    operator.le,
    operator.eq,
    operator.ne,
    operator.gt,
    operator.ge,
]

_COMPARISON_SHIFT = 5 if _AFTER_311 else 0
"""3.13 keeps the comparison in ``COMPARE_OP``'s argument above five low bits."""
_TO_BOOL_BIT = 16 if _AFTER_311 else 0
"""3.13: this bit of ``COMPARE_OP``'s argument asks for a bool (0: never on 3.11)."""

_EXHAUSTED: Any = object()
_CONVERSIONS: dict[int, Callable[[Any], str]] = {1: str, 2: repr, 3: ascii}


def _iterate_for_unpacking(value: Any) -> Any:
    try:
        return iter(value)
    except TypeError:
        if not hasattr(type(value), "__iter__") and not hasattr(
            type(value), "__getitem__"
        ):
            raise TypeError(
                f"cannot unpack non-iterable {type(value).__name__} object"
            ) from None
        raise


class DataHandlers(EvalLoop):
    """Handlers for stack shuffling, names, attributes, operators, containers."""

    # --- the stack ---------------------------------------------------------

    def op_NOP(self, frame: Frame, instruction: Instruction) -> None:
        """Do nothing (also ``RESUME`` and ``EXTENDED_ARG``, already folded in)."""
        pass

    op_RESUME = op_NOP
    op_EXTENDED_ARG = op_NOP

    def op_POP_TOP(self, frame: Frame, instruction: Instruction) -> None:
        """Discard the top of the stack."""
        frame.stack.pop()

    def op_PUSH_NULL(self, frame: Frame, instruction: Instruction) -> None:
        """Push ``NULL`` (the slot a call expects below or above the callable)."""
        frame.stack.append(NULL)

    def op_COPY(self, frame: Frame, instruction: Instruction) -> None:
        """Push a copy of the ``arg``-th item from the top (1 is the top)."""
        frame.stack.append(frame.stack[-instruction.arg])

    def op_SWAP(self, frame: Frame, instruction: Instruction) -> None:
        """Swap the top with the ``arg``-th item from the top."""
        stack = frame.stack
        stack[-1], stack[-instruction.arg] = stack[-instruction.arg], stack[-1]

    def op_LOAD_CONST(self, frame: Frame, instruction: Instruction) -> None:
        """Push ``co_consts[arg]`` (decoded already: the instruction's ``argval``)."""
        frame.stack.append(instruction.argval)

    # --- operators -----------------------------------------------------------------

    def op_BINARY_OP(self, frame: Frame, instruction: Instruction) -> None:
        """Apply the binary (or augmented) operator ``arg`` names."""
        stack = frame.stack
        right = stack.pop()
        stack[-1] = _BINARY_OPERATORS[instruction.arg](stack[-1], right)

    def op_COMPARE_OP(self, frame: Frame, instruction: Instruction) -> None:
        """Compare the two items on top (3.13: bit 16 asks for a bool)."""
        stack = frame.stack
        right = stack.pop()
        result = _COMPARISONS[instruction.arg >> _COMPARISON_SHIFT](stack[-1], right)
        stack[-1] = bool(result) if instruction.arg & _TO_BOOL_BIT else result

    def op_IS_OP(self, frame: Frame, instruction: Instruction) -> None:
        """``is`` (``arg`` 1: ``is not``)."""
        right = frame.stack.pop()
        left = frame.stack.pop()
        frame.stack.append((left is right) != bool(instruction.arg))

    def op_CONTAINS_OP(self, frame: Frame, instruction: Instruction) -> None:
        """``in`` (``arg`` 1: ``not in``)."""
        container = frame.stack.pop()
        item = frame.stack.pop()
        frame.stack.append((item in container) != bool(instruction.arg))

    def op_UNARY_NEGATIVE(self, frame: Frame, instruction: Instruction) -> None:
        """``-top``."""
        frame.stack.append(-frame.stack.pop())

    def op_UNARY_POSITIVE(self, frame: Frame, instruction: Instruction) -> None:
        """3.11: ``+top``."""
        frame.stack.append(+frame.stack.pop())

    def op_UNARY_INVERT(self, frame: Frame, instruction: Instruction) -> None:
        """``~top``."""
        frame.stack.append(~frame.stack.pop())

    def op_UNARY_NOT(self, frame: Frame, instruction: Instruction) -> None:
        """``not top``."""
        frame.stack.append(not frame.stack.pop())

    def op_TO_BOOL(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: convert the top to a bool."""
        frame.stack.append(bool(frame.stack.pop()))

    # --- subscripts and slices ----------------------------------------------------

    def op_BINARY_SUBSCR(self, frame: Frame, instruction: Instruction) -> None:
        """``container[key]``."""
        key = frame.stack.pop()
        container = frame.stack.pop()
        frame.stack.append(container[key])

    def op_STORE_SUBSCR(self, frame: Frame, instruction: Instruction) -> None:
        """``container[key] = value``."""
        key = frame.stack.pop()
        container = frame.stack.pop()
        container[key] = frame.stack.pop()

    def op_DELETE_SUBSCR(self, frame: Frame, instruction: Instruction) -> None:
        """``del container[key]``."""
        key = frame.stack.pop()
        del frame.stack.pop()[key]

    def op_BUILD_SLICE(self, frame: Frame, instruction: Instruction) -> None:
        """Build a slice of the top ``arg`` (2 or 3) items."""
        bounds = frame.stack[-instruction.arg :]
        del frame.stack[-instruction.arg :]
        frame.stack.append(slice(*bounds))

    def op_BINARY_SLICE(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: ``container[start:stop]``."""
        stop = frame.stack.pop()
        start = frame.stack.pop()
        container = frame.stack.pop()
        frame.stack.append(container[start:stop])

    def op_STORE_SLICE(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: ``container[start:stop] = value``."""
        stop = frame.stack.pop()
        start = frame.stack.pop()
        container = frame.stack.pop()
        container[start:stop] = frame.stack.pop()

    # --- building containers ----------------------------------------------------------

    def _pop_many(self, frame: Frame, count: int) -> list[Any]:
        if not count:
            return []
        items = frame.stack[-count:]
        del frame.stack[-count:]
        return items

    def op_BUILD_TUPLE(self, frame: Frame, instruction: Instruction) -> None:
        """Pop ``arg`` items into a tuple."""
        frame.stack.append(tuple(self._pop_many(frame, instruction.arg)))

    def op_BUILD_LIST(self, frame: Frame, instruction: Instruction) -> None:
        """Pop ``arg`` items into a list."""
        frame.stack.append(self._pop_many(frame, instruction.arg))

    def op_BUILD_SET(self, frame: Frame, instruction: Instruction) -> None:
        """Pop ``arg`` items into a set."""
        frame.stack.append(set(self._pop_many(frame, instruction.arg)))

    def op_BUILD_MAP(self, frame: Frame, instruction: Instruction) -> None:
        """Pop ``arg`` key-value pairs into a dict."""
        items = self._pop_many(frame, 2 * instruction.arg)
        frame.stack.append(dict(zip(items[::2], items[1::2], strict=True)))

    def op_BUILD_CONST_KEY_MAP(self, frame: Frame, instruction: Instruction) -> None:
        """Pop a tuple of keys and ``arg`` values into a dict."""
        keys = frame.stack.pop()
        values = self._pop_many(frame, instruction.arg)
        frame.stack.append(dict(zip(keys, values, strict=True)))

    def op_BUILD_STRING(self, frame: Frame, instruction: Instruction) -> None:
        """Concatenate the top ``arg`` strings."""
        frame.stack.append("".join(self._pop_many(frame, instruction.arg)))

    def op_LIST_APPEND(self, frame: Frame, instruction: Instruction) -> None:
        """Append the top to the list ``arg`` items down (comprehensions)."""
        item = frame.stack.pop()
        frame.stack[-instruction.arg].append(item)

    def op_SET_ADD(self, frame: Frame, instruction: Instruction) -> None:
        """Add the top to the set ``arg`` items down."""
        item = frame.stack.pop()
        frame.stack[-instruction.arg].add(item)

    def op_MAP_ADD(self, frame: Frame, instruction: Instruction) -> None:
        """Add the top key-value pair to the dict ``arg`` items down."""
        value = frame.stack.pop()
        key = frame.stack.pop()
        frame.stack[-instruction.arg][key] = value

    def op_LIST_EXTEND(self, frame: Frame, instruction: Instruction) -> None:
        """Extend the list ``arg`` items down by the popped iterable (``*x``)."""
        iterable = frame.stack.pop()
        try:
            frame.stack[-instruction.arg].extend(iterable)
        except TypeError:
            if hasattr(type(iterable), "__iter__") or hasattr(
                type(iterable), "__getitem__"
            ):
                raise
            raise TypeError(
                f"Value after * must be an iterable, not {type(iterable).__name__}"
            ) from None

    def op_SET_UPDATE(self, frame: Frame, instruction: Instruction) -> None:
        """Update the set ``arg`` items down with the popped iterable."""
        iterable = frame.stack.pop()
        frame.stack[-instruction.arg].update(iterable)

    def op_DICT_UPDATE(self, frame: Frame, instruction: Instruction) -> None:
        """Update the dict ``arg`` items down with the popped mapping (``**x``)."""
        mapping = frame.stack.pop()
        if not hasattr(type(mapping), "keys"):
            raise TypeError(f"'{type(mapping).__name__}' object is not a mapping")
        frame.stack[-instruction.arg].update(mapping)

    def op_DICT_MERGE(self, frame: Frame, instruction: Instruction) -> None:
        """As ``DICT_UPDATE`` for call keywords: a repeated key is an error."""
        mapping = frame.stack.pop()
        target = frame.stack[-instruction.arg]
        if not hasattr(type(mapping), "keys"):
            raise TypeError(
                f"argument after ** must be a mapping, not {type(mapping).__name__}"
            )
        for key in mapping.keys():  # noqa: SIM118 (the mapping protocol's own call)
            if key in target:
                raise TypeError(f"got multiple values for keyword argument '{key}'")
            target[key] = mapping[key]

    def op_LIST_TO_TUPLE(self, frame: Frame, instruction: Instruction) -> None:
        """3.11: replace the list on top by a tuple."""
        frame.stack.append(tuple(frame.stack.pop()))

    # --- unpacking -------------------------------------------------------------------

    def op_UNPACK_SEQUENCE(self, frame: Frame, instruction: Instruction) -> None:
        """Replace the top by its ``arg`` items, first item on top."""
        iterator = _iterate_for_unpacking(frame.stack.pop())
        count = instruction.arg
        items: list[Any] = []
        for item in iterator:
            if len(items) == count:
                raise ValueError(f"too many values to unpack (expected {count})")
            items.append(item)
        if len(items) < count:
            raise ValueError(
                f"not enough values to unpack (expected {count}, got {len(items)})"
            )
        frame.stack.extend(reversed(items))

    def op_UNPACK_EX(self, frame: Frame, instruction: Instruction) -> None:
        """Star unpacking: ``arg & 0xFF`` items before the list, ``arg >> 8`` after."""
        before, after = instruction.arg & 0xFF, instruction.arg >> 8
        iterator = _iterate_for_unpacking(frame.stack.pop())
        leading: list[Any] = []
        while len(leading) < before:
            item = next(iterator, _EXHAUSTED)
            if item is _EXHAUSTED:
                break
            leading.append(item)
        if len(leading) < before:
            raise ValueError(
                f"not enough values to unpack (expected at least {before + after}, "
                f"got {len(leading)})"
            )
        rest = list(iterator)
        if len(rest) < after:
            raise ValueError(
                f"not enough values to unpack (expected at least {before + after}, "
                f"got {before + len(rest)})"
            )
        trailing = rest[len(rest) - after :]
        del rest[len(rest) - after :]
        frame.stack.extend(reversed([*leading, rest, *trailing]))

    # --- formatting ----------------------------------------------------------------

    def op_FORMAT_VALUE(self, frame: Frame, instruction: Instruction) -> None:
        """3.11: an f-string field: convert (``arg & 3``), then format."""
        spec = frame.stack.pop() if instruction.arg & 4 else ""
        value = frame.stack.pop()
        conversion = _CONVERSIONS.get(instruction.arg & 3)
        if conversion is not None:
            value = conversion(value)
        frame.stack.append(format(value, spec))

    def op_CONVERT_VALUE(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: ``str``, ``repr`` or ``ascii`` of the top (``arg`` 1, 2, 3)."""
        frame.stack.append(_CONVERSIONS[instruction.arg](frame.stack.pop()))

    def op_FORMAT_SIMPLE(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: ``format(top)``."""
        frame.stack.append(format(frame.stack.pop()))

    def op_FORMAT_WITH_SPEC(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: ``format(value, spec)``."""
        spec = frame.stack.pop()
        frame.stack.append(format(frame.stack.pop(), spec))

    def op_PRINT_EXPR(self, frame: Frame, instruction: Instruction) -> None:
        """3.11: show an interactive expression's value (``sys.displayhook``)."""
        sys.displayhook(frame.stack.pop())

    def op_GET_LEN(self, frame: Frame, instruction: Instruction) -> None:
        """Push ``len(top)`` (pattern matching)."""
        frame.stack.append(len(frame.stack[-1]))
