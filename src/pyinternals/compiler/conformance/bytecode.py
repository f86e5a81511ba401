"""Our compiler against ``compile()``: the same code objects, file by file.

A file is compiled twice, by the builtin :func:`compile` and by
:func:`pyinternals.compiler.pipeline.compile`. If CPython refuses it, ours
must refuse it too, with the same error class. If CPython accepts it, ours
must accept it, and the two trees of code objects are walked side by side
(each code object's nested code objects are in its constants, in the same
order when the two compilers agree):

* a code object whose **instruction sequence** differs (``co_code``:
  opcode and argument of every instruction) gets as reason the first
  differing pair of instructions, CPython's first (``LOAD_FAST / ours
  LOAD_FAST_CHECK``), or the opcode whose argument differs (``FOR_ITER:
  another argument (63 / ours 64)``); the report counts reasons without the
  numbers, so that many functions fall into few kinds;
* one whose bytecode is identical but some other field differs gets the
  field's name as reason: ``co_stacksize``, ``co_linetable``…

The verdict counts code objects; the file agrees when all of them do.
"""

import dis
import warnings
from types import CodeType

from pyinternals.compiler.codeinfo import FIELDS
from pyinternals.compiler.conformance.verdict import Verdict
from pyinternals.compiler.pipeline import compile as our_compile

__all__ = ["compare", "compare_code", "instruction_difference"]

_FAILURES = (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError)


def _instructions(code: CodeType) -> list[tuple[str, int | None]]:
    return [
        (instruction.opname, instruction.arg)
        for instruction in dis.get_instructions(code)
    ]


def instruction_difference(ours: CodeType, theirs: CodeType) -> str:
    """Describe the first instruction where two code objects' bytecode differs.

    >>> a = compile("x = 1", "<d>", "exec")
    >>> b = compile("x = y", "<d>", "exec")
    >>> instruction_difference(a, b)
    'LOAD_NAME / ours LOAD_CONST'
    """
    mine, real = _instructions(ours), _instructions(theirs)
    for (our_name, our_arg), (name, arg) in zip(mine, real, strict=False):
        if our_name != name:
            return f"{name} / ours {our_name}"
        if our_arg != arg:
            return f"{name}: another argument ({arg} / ours {our_arg})"
    if len(mine) < len(real):
        return f"{real[len(mine)][0]} / ours ends"
    return f"ends / ours {mine[len(real)][0]}"


def compare_code(ours: CodeType, theirs: CodeType) -> list[str]:
    r"""Compare two trees of code objects; return one reason per differing one.

    The list has one entry per code object of CPython's tree that ours does
    not reproduce exactly; an empty list means the trees are identical.

    >>> source = "def f(a):\n    return a + 1\n"
    >>> compare_code(compile(source, "<d>", "exec"), compile(source, "<d>", "exec"))
    []
    """
    reasons = []
    if ours.co_code != theirs.co_code:
        reasons.append(instruction_difference(ours, theirs))
    else:
        reasons += [
            name
            for name in FIELDS
            if name not in ("co_code", "co_consts")
            and getattr(ours, name) != getattr(theirs, name)
        ][:1]
    inner_ours = [c for c in ours.co_consts if isinstance(c, CodeType)]
    inner_theirs = [c for c in theirs.co_consts if isinstance(c, CodeType)]
    if len(inner_ours) != len(inner_theirs) and not reasons:
        reasons.append("nested code objects")
    for mine, real in zip(inner_ours, inner_theirs, strict=False):
        reasons += compare_code(mine, real)
    for missing in inner_theirs[len(inner_ours) :]:
        reasons += ["missing code object"] * _count(missing)
    return reasons


def _count(code: CodeType) -> int:
    return 1 + sum(_count(c) for c in code.co_consts if isinstance(c, CodeType))


def compare(source: bytes, filename: str) -> Verdict:
    """Compile one file both ways and compare the code objects.

    >>> import json, pathlib
    >>> verdict = compare(pathlib.Path(json.__file__).read_bytes(), json.__file__)
    >>> verdict.code_objects > 0, verdict.cpython_accepts
    (True, True)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            theirs = compile(source, filename, "exec", dont_inherit=True)
        except _FAILURES as error:
            return _both_refuse(source, filename, error)
        try:
            ours = our_compile(source, filename, "exec")
        except Exception as error:  # a failure of ours is a finding
            total = _count(theirs)
            reason = f"ours raised {type(error).__name__}"
            return Verdict(
                False, True, f"{reason}: {error}", total, 0, (reason,) * total
            )
    total = _count(theirs)
    try:
        reasons = compare_code(ours, theirs)
    except Exception as error:  # never raise: a crash of ours is a finding
        reason = f"ours: comparison raised {type(error).__name__}"
        return Verdict(False, True, f"{reason}: {error}", total, 0, (reason,) * total)
    if not reasons:
        return Verdict(True, True, "", total, total)
    detail = f"{len(reasons)} of {total} code objects differ: {reasons[0]}"
    kinds = tuple(reason.split(" (", 1)[0] for reason in reasons)
    return Verdict(False, True, detail, total, total - len(reasons), kinds)


def _both_refuse(source: bytes, filename: str, expected: Exception) -> Verdict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            our_compile(source, filename, "exec")
        except Exception as error:
            same = type(error) is type(expected)
            detail = "" if same else f"{type(error).__name__} / CPython {expected!r}"
            return Verdict(same, False, detail)
    return Verdict(False, False, f"ours accepted; CPython: {expected!r}")
