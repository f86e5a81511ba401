"""Our symbol tables against the standard library's :mod:`symtable`.

Files CPython's parser refuses are judged as :mod:`~.trees` judges them (the
same exception class, on the same line): the symbol-table pass never runs on
them, in CPython or in ours.

:func:`compare` builds both tables for one file and walks them side by side:
every table's type, name, first line, ``is_optimized``, ``is_nested`` and
identifiers; for every symbol all the predicates of :class:`symtable.Symbol`
and the number of namespaces bound to it; for functions the parameter, local,
global, nonlocal and free tuples; for classes the methods. Children are
compared in order.

Both sides get the file's raw bytes, so that each decodes them as Python
does (the coding declaration, a UTF-8 BOM). The order of identifiers within a
table is not compared: CPython appends the names that are only free in a
block by iterating a set, in an order that changes with string hashing from
one process to the next; identifiers and the tuples derived from them are
compared as sorted lists. Errors agree when both raise the same exception
class with the same message at the same line and columns.
"""

import symtable as stdlib_symtable
from collections.abc import Iterator
from typing import Any

from pyinternals.compiler import scopes as ours
from pyinternals.compiler.conformance import trees
from pyinternals.compiler.conformance.verdict import Verdict

__all__ = ["compare"]

_PREDICATES = (
    "is_referenced",
    "is_imported",
    "is_parameter",
    "is_global",
    "is_declared_global",
    "is_local",
    "is_annotated",
    "is_free",
    "is_assigned",
    "is_namespace",
    "is_nonlocal",
)
_FUNCTION_TUPLES = (
    "get_parameters",
    "get_locals",
    "get_globals",
    "get_nonlocals",
    "get_frees",
)


def _differences(mine: Any, theirs: Any, path: str) -> Iterator[str]:
    """Yield a line for each difference between two tables, recursively."""
    where = f"{path}/{theirs.get_name()}"
    for attribute in ("get_type", "get_name", "get_lineno", "is_optimized"):
        a, b = getattr(mine, attribute)(), getattr(theirs, attribute)()
        # 3.13 answers get_type() with a str enum, 3.11 with a str: match both.
        if a != b or type(a).__name__ != type(b).__name__:
            yield f"{where}: {attribute} {a!r} != {b!r}"
    for attribute in ("is_nested", "has_children"):
        a, b = getattr(mine, attribute)(), getattr(theirs, attribute)()
        if a != b:
            yield f"{where}: {attribute} {a!r} != {b!r}"
    names, their_names = (
        sorted(mine.get_identifiers()),
        sorted(theirs.get_identifiers()),
    )
    if names != their_names:
        yield f"{where}: identifiers {names} != {their_names}"
        return
    for name in names:
        symbol, their_symbol = mine.lookup(name), theirs.lookup(name)
        for predicate in _PREDICATES:
            a, b = getattr(symbol, predicate)(), getattr(their_symbol, predicate)()
            if a != b:
                yield f"{where}: {name!r}.{predicate}() {a} != {b}"
        a_count = len(symbol.get_namespaces())
        b_count = len(their_symbol.get_namespaces())
        if a_count != b_count:
            yield f"{where}: {name!r} namespaces {a_count} != {b_count}"
    if isinstance(theirs, stdlib_symtable.Function):
        for attribute in _FUNCTION_TUPLES:
            a, b = getattr(mine, attribute)(), getattr(theirs, attribute)()
            if sorted(a) != sorted(b):
                yield f"{where}: {attribute} {a} != {b}"
    if isinstance(theirs, stdlib_symtable.Class):
        a, b = mine.get_methods(), theirs.get_methods()
        if sorted(a) != sorted(b):
            yield f"{where}: get_methods {a} != {b}"
    children, their_children = mine.get_children(), theirs.get_children()
    if len(children) != len(their_children):
        yield (
            f"{where}: children {[c.get_name() for c in children]} != "
            f"{[c.get_name() for c in their_children]}"
        )
        return
    for child, their_child in zip(children, their_children, strict=True):
        yield from _differences(child, their_child, where)


def _error_key(error: BaseException) -> tuple[object, ...]:
    if isinstance(error, SyntaxError):
        return (
            type(error).__name__,
            error.msg,
            error.lineno,
            error.offset,
            error.end_lineno,
            error.end_offset,
        )
    return (type(error).__name__, str(error))


def compare(source: bytes, filename: str) -> Verdict:
    r"""Compare our symbol tables for *source* with :mod:`symtable`'s.

    >>> compare(b"def f(x):\n    return lambda: x\n", "demo.py")
    Verdict(agrees=True, cpython_accepts=True, detail='')
    >>> compare(b"def f(x):\n    global x\n", "demo.py").agrees
    True
    """
    if trees.cpython_parser_refuses(source, filename):
        return trees.compare(source, filename)
    try:
        theirs = stdlib_symtable.symtable(source, filename, "exec")  # type: ignore[arg-type]
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        their_error: BaseException | None = error
    else:
        their_error = None
    try:
        mine = ours.symtable(source, filename, "exec")
    except Exception as error:
        if their_error is None:
            return Verdict(False, True, f"ours raised {error!r}")
        mine_key, their_key = _error_key(error), _error_key(their_error)
        accepts = False
        if mine_key != their_key:
            return Verdict(False, accepts, f"error {mine_key} != {their_key}")
        return Verdict(True, accepts)
    if their_error is not None:
        return Verdict(False, False, f"CPython raised {their_error!r}, ours did not")
    try:
        first = next(_differences(mine, theirs, ""), None)
    except Exception as error:
        return Verdict(False, True, f"comparison raised {error!r}")
    if first is not None:
        return Verdict(False, True, first)
    return Verdict(True, True)
