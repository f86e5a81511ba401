"""What a code object holds, field by field, and how two code objects differ.

A :class:`types.CodeType` is the compiler's whole output for one scope: the
bytecode and every table the interpreter consults while running it.
:data:`FIELDS` says what each ``co_*`` attribute means (the data), and
:func:`describe` pairs those meanings with one code object's values for
display; :func:`differences` compares two code objects field by field,
recursing into the code objects among their constants, which is how our
compiler's output is judged against CPython's.

>>> def area(r):
...     return 3.14159 * r ** 2
>>> dict(describe(area.__code__))["co_varnames"]
('r',)
>>> differences(area.__code__, area.__code__)
[]
"""

from __future__ import annotations

import dis
from collections.abc import Iterator
from types import CodeType

__all__ = ["FIELDS", "code_objects", "describe", "differences", "flag_names"]

FIELDS = {
    "co_name": "the name of the function, class or '<module>'",
    "co_qualname": "the dotted name from the module, as in tracebacks (3.11+)",
    "co_filename": "the file the code was compiled from",
    "co_firstlineno": "the line of the `def`/`class` (its first decorator)",
    "co_argcount": "positional parameters, positional-only ones included",
    "co_posonlyargcount": "parameters before the `/`",
    "co_kwonlyargcount": "parameters after the `*` or `*args`",
    "co_nlocals": "fast local variables: len(co_varnames)",
    "co_varnames": "fast locals, parameters first (LOAD_FAST's table)",
    "co_cellvars": "locals that inner functions capture (cells)",
    "co_freevars": "names captured from enclosing functions",
    "co_names": "global, builtin and attribute names (LOAD_GLOBAL, LOAD_ATTR…)",
    "co_consts": "constants (LOAD_CONST's table), nested code objects included",
    "co_flags": "CO_* bits: optimized locals, *args, generator, coroutine…",
    "co_stacksize": "the deepest the value stack can get",
    "co_code": "the bytecode: 2-byte code units, opcode then oparg",
    "co_linetable": "the location table: source positions of every code unit",
    "co_exceptiontable": "where control goes when an instruction raises",
}
"""Each field of a code object with what it is for, in the book's order."""


def flag_names(flags: int) -> list[str]:
    """Name the ``CO_*`` bits set in *flags*, as :func:`dis.code_info` does.

    >>> flag_names(0x3 | 0x20)
    ['OPTIMIZED', 'NEWLOCALS', 'GENERATOR']
    """
    return [name for bit, name in dis.COMPILER_FLAG_NAMES.items() if flags & bit]


def describe(code: CodeType) -> list[tuple[str, object]]:
    """List every field of :data:`FIELDS` with its value in *code*."""
    return [(name, getattr(code, name)) for name in FIELDS]


def code_objects(code: CodeType) -> Iterator[CodeType]:
    r"""Yield *code* and every code object nested in it, depth first.

    >>> code = compile("def f():\n    def g(): pass\nclass C: pass", "<d>", "exec")
    >>> [c.co_name for c in code_objects(code)]
    ['<module>', 'f', 'g', 'C']
    """
    yield code
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            yield from code_objects(constant)


def _same_constant(ours: object, theirs: object) -> bool:
    if isinstance(ours, CodeType) or isinstance(theirs, CodeType):
        return isinstance(ours, CodeType) and isinstance(theirs, CodeType)
    if type(ours) is not type(theirs):
        return False
    if isinstance(ours, tuple | frozenset):
        assert isinstance(theirs, tuple | frozenset)
        if len(ours) != len(theirs):
            return False
        if isinstance(ours, frozenset):
            return ours == theirs
        return all(_same_constant(a, b) for a, b in zip(ours, theirs, strict=True))
    return repr(ours) == repr(theirs)


def differences(ours: CodeType, theirs: CodeType, *, path: str = "") -> list[str]:
    """List the fields in which two code objects differ, recursively.

    Constants are compared by type and ``repr`` (so ``0.0`` and ``-0.0``,
    ``1`` and ``True`` differ); nested code objects are compared in the
    same way, their differences named by their qualified name.

    >>> a = compile("x = 10", "<d>", "exec")
    >>> b = compile("x = 1.", "<d>", "exec")
    >>> differences(a, b)
    ['<module>: co_consts']
    """
    where = path or ours.co_qualname
    found = []
    for name in FIELDS:
        if name == "co_consts":
            mine, other = ours.co_consts, theirs.co_consts
            same = len(mine) == len(other) and all(
                _same_constant(a, b) for a, b in zip(mine, other, strict=True)
            )
        else:
            same = getattr(ours, name) == getattr(theirs, name)
        if not same:
            found.append(f"{where}: {name}")
    inner_ours = [c for c in ours.co_consts if isinstance(c, CodeType)]
    inner_theirs = [c for c in theirs.co_consts if isinstance(c, CodeType)]
    for a, b in zip(inner_ours, inner_theirs, strict=False):
        found += differences(a, b, path=f"{where}.{a.co_name}")
    return found
