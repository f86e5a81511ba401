"""What the back end must know about each instruction of the running CPython.

The compiler's back end treats instructions by *kind* more than by name: a
jump ends a basic block and names a target; a *scope exit* (``RETURN_VALUE``,
``RAISE_VARARGS``…) ends it with no successor; a *pseudo-instruction* only
exists inside the compiler and becomes a real one, or nothing, before the
bytes are written. This module gathers those facts for the interpreter it
runs on (3.11 or 3.13), so that the other back-end modules can ask questions
such as ``"FOR_ITER" in JUMPS`` without branching on the version themselves.

Real opcodes and inline-cache sizes are read from the :mod:`opcode` module;
what CPython keeps in C (``Include/internal/pycore_opcode_utils.h`` and the
metadata generated from ``Python/bytecodes.c`` on 3.13, ``Python/compile.c``
on 3.11) is written out here: the pseudo-instructions and what each may
become, the kinds above, and a table of stack effects.

>>> "JUMP" in PSEUDO and "JUMP" in UNCONDITIONAL_JUMPS
True
>>> stack_effect("BUILD_TUPLE", 3)
-2
>>> [stack_effect("SETUP_FINALLY", 0, jump=jump) for jump in (True, False)]
[1, 0]
"""

from __future__ import annotations

import opcode
import sys
from collections.abc import Callable

__all__ = [
    "BACKWARD_JUMPS",
    "BLOCK_PUSHES",
    "CONDITIONAL_JUMPS",
    "CONST_USERS",
    "EVAL_BREAKS",
    "HAS_TARGET",
    "JUMPS",
    "PSEUDO",
    "REAL",
    "SCOPE_EXITS",
    "TERMINATORS",
    "UNCONDITIONAL_JUMPS",
    "cache_entries",
    "has_arg",
    "stack_effect",
]

REAL: dict[str, int] = {name: op for name, op in opcode.opmap.items() if op < 256}
"""The real instructions of the running interpreter: name → opcode byte."""

PSEUDO: dict[str, tuple[str, ...]]
if sys.version_info >= (3, 12):
    PSEUDO = {
        "JUMP": ("JUMP_FORWARD", "JUMP_BACKWARD"),
        "JUMP_NO_INTERRUPT": ("JUMP_FORWARD", "JUMP_BACKWARD_NO_INTERRUPT"),
        "LOAD_CLOSURE": ("LOAD_FAST",),
        "LOAD_METHOD": ("LOAD_ATTR",),
        "LOAD_SUPER_METHOD": ("LOAD_SUPER_ATTR",),
        "LOAD_ZERO_SUPER_ATTR": ("LOAD_SUPER_ATTR",),
        "LOAD_ZERO_SUPER_METHOD": ("LOAD_SUPER_ATTR",),
        "POP_BLOCK": ("NOP",),
        "SETUP_CLEANUP": ("NOP",),
        "SETUP_FINALLY": ("NOP",),
        "SETUP_WITH": ("NOP",),
        "STORE_FAST_MAYBE_NULL": ("STORE_FAST",),
    }
else:
    PSEUDO = {
        "JUMP": ("JUMP_FORWARD", "JUMP_BACKWARD"),
        "JUMP_NO_INTERRUPT": ("JUMP_FORWARD", "JUMP_BACKWARD_NO_INTERRUPT"),
        "POP_BLOCK": ("NOP",),
        "POP_JUMP_IF_FALSE": (
            "POP_JUMP_FORWARD_IF_FALSE",
            "POP_JUMP_BACKWARD_IF_FALSE",
        ),
        "POP_JUMP_IF_NONE": ("POP_JUMP_FORWARD_IF_NONE", "POP_JUMP_BACKWARD_IF_NONE"),
        "POP_JUMP_IF_NOT_NONE": (
            "POP_JUMP_FORWARD_IF_NOT_NONE",
            "POP_JUMP_BACKWARD_IF_NOT_NONE",
        ),
        "POP_JUMP_IF_TRUE": ("POP_JUMP_FORWARD_IF_TRUE", "POP_JUMP_BACKWARD_IF_TRUE"),
        "SETUP_CLEANUP": ("NOP",),
        "SETUP_FINALLY": ("NOP",),
        "SETUP_WITH": ("NOP",),
    }
"""Pseudo-instructions: name → the real instructions it may become.

A jump becomes its forward or backward form once the layout is known; the
exception-handler setups and ``POP_BLOCK`` become exception-table entries
and vanish (as ``NOP``); the others are renamed (with a new argument for
``LOAD_METHOD`` and the ``super()`` family on 3.12+).
"""

BLOCK_PUSHES = frozenset({"SETUP_FINALLY", "SETUP_CLEANUP", "SETUP_WITH"})
"""Pseudo-instructions that push an exception handler (their target)."""

UNCONDITIONAL_JUMPS = frozenset(
    {
        "JUMP",
        "JUMP_NO_INTERRUPT",
        "JUMP_FORWARD",
        "JUMP_BACKWARD",
        "JUMP_BACKWARD_NO_INTERRUPT",
    }
)
"""Jumps that always jump: the code after them is reached only by a label."""

JUMPS: frozenset[str]
SCOPE_EXITS: frozenset[str]
CONST_USERS: frozenset[str]
EVAL_BREAKS: frozenset[str]
if sys.version_info >= (3, 12):
    JUMPS = frozenset(opcode.opname[op] for op in opcode.hasjump if op < 256) | {
        "JUMP",
        "JUMP_NO_INTERRUPT",
    }
    SCOPE_EXITS = frozenset(
        {"RETURN_VALUE", "RETURN_CONST", "RAISE_VARARGS", "RERAISE"}
    )
    CONST_USERS = frozenset({"LOAD_CONST", "RETURN_CONST"})
    EVAL_BREAKS = frozenset(
        {"CALL", "CALL_FUNCTION_EX", "CALL_KW", "JUMP_BACKWARD", "RESUME", "JUMP"}
    )
else:
    JUMPS = frozenset(opcode.opname[op] for op in opcode.hasjrel) | {
        "JUMP",
        "JUMP_NO_INTERRUPT",
        "POP_JUMP_IF_FALSE",
        "POP_JUMP_IF_TRUE",
        "POP_JUMP_IF_NONE",
        "POP_JUMP_IF_NOT_NONE",
    }
    SCOPE_EXITS = frozenset({"RETURN_VALUE", "RAISE_VARARGS", "RERAISE"})
    CONST_USERS = frozenset({"LOAD_CONST", "KW_NAMES"})
    # 3.11's optimizer never asks which instructions check the eval breaker.
    EVAL_BREAKS = frozenset()


CONDITIONAL_JUMPS = JUMPS - UNCONDITIONAL_JUMPS
"""Jumps that may also fall through to the next instruction."""

HAS_TARGET = JUMPS | BLOCK_PUSHES
"""Instructions whose argument is a :class:`~.instructions.Label`."""

TERMINATORS = JUMPS | SCOPE_EXITS
"""Instructions that must end a basic block."""

BACKWARD_JUMPS = frozenset(
    name for name in REAL if "BACKWARD" in name and name in JUMPS
)
"""Real jumps whose offset counts backwards from the next instruction."""


def has_arg(opname: str) -> bool:
    """Return whether *opname* takes an argument (real or pseudo).

    >>> has_arg("LOAD_FAST"), has_arg("POP_TOP"), has_arg("SETUP_WITH")
    (True, False, True)
    """
    if opname in PSEUDO:
        return opname != "POP_BLOCK"
    if sys.version_info >= (3, 12):
        return REAL[opname] in opcode.hasarg
    return REAL[opname] >= opcode.HAVE_ARGUMENT


def cache_entries(opname: str) -> int:
    """Return how many inline-cache code units follow *opname* in ``co_code``.

    >>> cache_entries("LOAD_GLOBAL") > 0, cache_entries("NOP")
    (True, 0)
    """
    entries = getattr(opcode, "_inline_cache_entries")  # noqa: B009  (private)
    if isinstance(entries, dict):
        return int(entries.get(opname, 0))
    return int(entries[REAL[opname]])


Effect = int | Callable[[int], int]


def _popcount(value: int) -> int:
    return bin(value).count("1")


# Net stack effects, in our own words. Entries are an int, or a function of
# the oparg. Where the effect differs when the instruction jumps, the jumping
# effect is in _JUMP_EFFECTS.
_EFFECTS: dict[str, Effect]
_JUMP_EFFECTS: dict[str, Effect]
# The effects that are the same on 3.11 and 3.12+; each version's table adds
# its own instructions and the effects that changed.
_SHARED_EFFECTS: dict[str, Effect] = {
    "CACHE": 0,
    "NOP": 0,
    "EXTENDED_ARG": 0,
    "RESUME": 0,
    "MAKE_CELL": 0,
    "COPY_FREE_VARS": 0,
    "SETUP_ANNOTATIONS": 0,
    "POP_TOP": -1,
    "PUSH_NULL": 1,
    "END_ASYNC_FOR": -2,
    "BEFORE_WITH": 1,
    "BEFORE_ASYNC_WITH": 1,
    "WITH_EXCEPT_START": 1,
    "PUSH_EXC_INFO": 1,
    "POP_EXCEPT": -1,
    "CHECK_EXC_MATCH": 0,
    "CHECK_EG_MATCH": 0,
    "UNARY_NOT": 0,
    "UNARY_NEGATIVE": 0,
    "UNARY_INVERT": 0,
    "BINARY_OP": -1,
    "BINARY_SUBSCR": -1,
    "STORE_SUBSCR": -3,
    "DELETE_SUBSCR": -2,
    "COMPARE_OP": -1,
    "CONTAINS_OP": -1,
    "IS_OP": -1,
    "GET_ITER": 0,
    "GET_YIELD_FROM_ITER": 0,
    "GET_AITER": 0,
    "GET_ANEXT": 1,
    "GET_AWAITABLE": 0,
    "GET_LEN": 1,
    "FOR_ITER": 1,
    "SEND": 0,
    "YIELD_VALUE": 0,
    "RETURN_VALUE": -1,
    "RAISE_VARARGS": lambda n: -n,
    "RERAISE": -1,
    "LOAD_ASSERTION_ERROR": 1,
    "LOAD_BUILD_CLASS": 1,
    "LOAD_CONST": 1,
    "LOAD_NAME": 1,
    "STORE_NAME": -1,
    "DELETE_NAME": 0,
    "LOAD_GLOBAL": lambda n: 1 + (n & 1),
    "STORE_GLOBAL": -1,
    "DELETE_GLOBAL": 0,
    "LOAD_FAST": 1,
    "STORE_FAST": -1,
    "DELETE_FAST": 0,
    "LOAD_DEREF": 1,
    "STORE_DEREF": -1,
    "DELETE_DEREF": 0,
    "STORE_ATTR": -2,
    "DELETE_ATTR": -1,
    "IMPORT_NAME": -1,
    "IMPORT_FROM": 1,
    "BUILD_TUPLE": lambda n: 1 - n,
    "BUILD_LIST": lambda n: 1 - n,
    "BUILD_SET": lambda n: 1 - n,
    "BUILD_STRING": lambda n: 1 - n,
    "BUILD_MAP": lambda n: 1 - 2 * n,
    "BUILD_CONST_KEY_MAP": lambda n: -n,
    "BUILD_SLICE": lambda n: -2 if n == 3 else -1,
    "LIST_APPEND": -1,
    "SET_ADD": -1,
    "MAP_ADD": -2,
    "LIST_EXTEND": -1,
    "SET_UPDATE": -1,
    "DICT_UPDATE": -1,
    "DICT_MERGE": -1,
    "UNPACK_SEQUENCE": lambda n: n - 1,
    "UNPACK_EX": lambda n: (n & 0xFF) + (n >> 8),
    "COPY": 1,
    "SWAP": 0,
    "CALL_FUNCTION_EX": lambda n: -2 - (n & 1),
    "MATCH_CLASS": -2,
    "MATCH_KEYS": 1,
    "MATCH_MAPPING": 1,
    "MATCH_SEQUENCE": 1,
    "JUMP_FORWARD": 0,
    "JUMP_BACKWARD": 0,
    "JUMP_BACKWARD_NO_INTERRUPT": 0,
    # Real on 3.12+, pseudo-instructions on 3.11: the same effect either way.
    "POP_JUMP_IF_FALSE": -1,
    "POP_JUMP_IF_TRUE": -1,
    "POP_JUMP_IF_NONE": -1,
    "POP_JUMP_IF_NOT_NONE": -1,
    # Pseudo-instructions (Python/compile.c, stack_effect).
    "JUMP": 0,
    "JUMP_NO_INTERRUPT": 0,
    "POP_BLOCK": 0,
    "SETUP_FINALLY": 0,
    "SETUP_CLEANUP": 0,
    "SETUP_WITH": 0,
    "LOAD_CLOSURE": 1,
    "LOAD_METHOD": 1,
}
# When a handler setup "jumps" (an exception reaches its handler), the handler
# finds the exception pushed (and, for SETUP_CLEANUP, the offset of the
# raising instruction under it); the same on every version.
_HANDLER_EFFECTS: dict[str, Effect] = {
    "SETUP_FINALLY": 1,
    "SETUP_CLEANUP": 2,
    "SETUP_WITH": 1,
}
if sys.version_info >= (3, 12):
    _EFFECTS = {
        **_SHARED_EFFECTS,
        "RESERVED": 0,
        "ENTER_EXECUTOR": 0,
        "INTERPRETER_EXIT": -1,
        "EXIT_INIT_CHECK": -1,
        "END_FOR": -1,
        "END_SEND": -1,
        "CLEANUP_THROW": -1,
        "TO_BOOL": 0,
        "BINARY_SLICE": -2,
        "STORE_SLICE": -4,
        "RETURN_CONST": 0,
        "RETURN_GENERATOR": 1,
        "LOAD_LOCALS": 1,
        "LOAD_FAST_CHECK": 1,
        "LOAD_FAST_AND_CLEAR": 1,
        "LOAD_FAST_LOAD_FAST": 2,
        "STORE_FAST_LOAD_FAST": 0,
        "STORE_FAST_STORE_FAST": -2,
        "LOAD_FROM_DICT_OR_DEREF": 0,
        "LOAD_FROM_DICT_OR_GLOBALS": 0,
        "LOAD_ATTR": lambda n: n & 1,
        "LOAD_SUPER_ATTR": lambda n: (n & 1) - 2,
        "FORMAT_SIMPLE": 0,
        "FORMAT_WITH_SPEC": -1,
        "CONVERT_VALUE": 0,
        "MAKE_FUNCTION": 0,
        "SET_FUNCTION_ATTRIBUTE": -1,
        "CALL": lambda n: -1 - n,
        "CALL_KW": lambda n: -2 - n,
        "CALL_INTRINSIC_1": 0,
        "CALL_INTRINSIC_2": -1,
        # The instrumented twins that sys.monitoring swaps in at run time.
        "INSTRUMENTED_RESUME": 0,
        "INSTRUMENTED_END_FOR": -1,
        "INSTRUMENTED_END_SEND": -1,
        "INSTRUMENTED_RETURN_VALUE": -1,
        "INSTRUMENTED_RETURN_CONST": 0,
        "INSTRUMENTED_YIELD_VALUE": 0,
        "INSTRUMENTED_LOAD_SUPER_ATTR": lambda n: (n & 1) - 2,
        "INSTRUMENTED_FOR_ITER": 0,
        "INSTRUMENTED_CALL": 0,
        "INSTRUMENTED_CALL_KW": 0,
        "INSTRUMENTED_CALL_FUNCTION_EX": 0,
        "INSTRUMENTED_INSTRUCTION": 0,
        "INSTRUMENTED_JUMP_FORWARD": 0,
        "INSTRUMENTED_JUMP_BACKWARD": 0,
        "INSTRUMENTED_POP_JUMP_IF_TRUE": 0,
        "INSTRUMENTED_POP_JUMP_IF_FALSE": 0,
        "INSTRUMENTED_POP_JUMP_IF_NONE": 0,
        "INSTRUMENTED_POP_JUMP_IF_NOT_NONE": 0,
        # Pseudo-instructions (Python/compile.c, stack_effect).
        "STORE_FAST_MAYBE_NULL": -1,
        "LOAD_SUPER_METHOD": -1,
        "LOAD_ZERO_SUPER_METHOD": -1,
        "LOAD_ZERO_SUPER_ATTR": -1,
    }
    # On 3.12+ a real jump leaves the same stack whichever way it goes; only
    # the handler setups differ.
    _JUMP_EFFECTS = dict(_HANDLER_EFFECTS)
else:
    _EFFECTS = {
        **_SHARED_EFFECTS,
        "PREP_RERAISE_STAR": -1,
        "UNARY_POSITIVE": 0,
        "ASYNC_GEN_WRAP": 0,
        "RETURN_GENERATOR": 0,
        "PRINT_EXPR": -1,
        "IMPORT_STAR": -1,
        "LIST_TO_TUPLE": 0,
        "LOAD_CLASSDEREF": 1,
        "LOAD_ATTR": 0,
        "FORMAT_VALUE": lambda n: -1 if (n & 0x04) == 0x04 else 0,
        "MAKE_FUNCTION": lambda n: -_popcount(n & 0x0F),
        "PRECALL": lambda n: -n,
        "KW_NAMES": 0,
        "CALL": -1,
        "JUMP_IF_FALSE_OR_POP": -1,
        "JUMP_IF_TRUE_OR_POP": -1,
        "POP_JUMP_FORWARD_IF_FALSE": -1,
        "POP_JUMP_FORWARD_IF_TRUE": -1,
        "POP_JUMP_FORWARD_IF_NONE": -1,
        "POP_JUMP_FORWARD_IF_NOT_NONE": -1,
        "POP_JUMP_BACKWARD_IF_FALSE": -1,
        "POP_JUMP_BACKWARD_IF_TRUE": -1,
        "POP_JUMP_BACKWARD_IF_NONE": -1,
        "POP_JUMP_BACKWARD_IF_NOT_NONE": -1,
    }
    # On 3.11 the loop and short-circuit jumps leave a different stack when
    # they jump: FOR_ITER and SEND pop their iterator, JUMP_IF_*_OR_POP keep
    # the tested value.
    _JUMP_EFFECTS = {
        **_HANDLER_EFFECTS,
        "FOR_ITER": -1,
        "SEND": -1,
        "JUMP_IF_FALSE_OR_POP": 0,
        "JUMP_IF_TRUE_OR_POP": 0,
    }


def _evaluate(effect: Effect, oparg: int) -> int:
    return effect if isinstance(effect, int) else effect(oparg)


def stack_effect(
    opname: str, oparg: int | None = None, *, jump: bool | None = None
) -> int:
    """Return how much *opname* with *oparg* changes the depth of the stack.

    *jump* chooses the effect when the instruction jumps (``True``), when it
    falls through (``False``), or the larger of the two (``None``), as
    :func:`dis.stack_effect` does. Instructions without an argument take
    ``oparg=None``. :exc:`ValueError` for an unknown name or a missing or
    unexpected argument.

    >>> stack_effect("FOR_ITER", 0, jump=False)
    1
    >>> stack_effect("POP_TOP")
    -1
    """
    effect = _EFFECTS.get(opname)
    if effect is None:
        raise ValueError(f"no stack effect for {opname}")
    if has_arg(opname) != (oparg is not None):
        raise ValueError(f"{opname}: argument {oparg!r} does not fit")
    value = oparg or 0
    fallthrough = _evaluate(effect, value)
    jumping = _evaluate(_JUMP_EFFECTS.get(opname, effect), value)
    if jump is None:
        return max(fallthrough, jumping)
    return jumping if jump else fallthrough
