"""Checking the code generator against CPython's.

Two oracles judge the code generator alone, before any back end runs:

* on 3.13, ``_testinternalcapi.compiler_codegen`` returns CPython's own
  instruction sequence for a tree, with those of the nested units: exactly
  what :func:`~pyinternals.compiler.codegen.generate_units` produces.
  :func:`compare_sequences` compares the two unit by unit, instruction by
  instruction (opcode, argument with labels turned into instruction
  numbers, location), plus the top unit's tables;
* on any version, the code objects ``compile()`` makes carry what code
  generation decided about each unit: its name, qualified name, first line,
  flags, argument counts and names tables. :func:`compare_metadata`
  compares those with our units.

:func:`agreement` runs both over files (a sample of the standard library,
say) and returns counts with the kinds of difference found; the functions
compute data, printing is left to the caller.

>>> import ast
>>> compare_metadata("def f(a, *, b): return lambda: a", "<demo>")
[]
"""

from __future__ import annotations

import ast
import collections
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyinternals.compiler.codegen.core import GeneratedUnit
from pyinternals.compiler.instructions import Instr, Label
from pyinternals.compiler.optimizer import optimize as fold

__all__ = [
    "Agreement",
    "Difference",
    "Row",
    "SequenceTree",
    "agreement",
    "compare_metadata",
    "compare_sequences",
    "cpython_sequences",
    "have_sequence_oracle",
    "our_sequences",
]

_MODES = {"exec": 0, "eval": 1, "single": 2}

Row = tuple[str, int | None, tuple[int, int, int, int]]
"""One instruction: name, argument (a jump's target as an instruction
number), and location ``(lineno, end_lineno, col_offset, end_col_offset)``."""


@dataclass
class SequenceTree:
    """The instruction rows of one unit and, in order, of its nested units."""

    rows: list[Row]
    nested: list[SequenceTree] = field(default_factory=list)


@dataclass(frozen=True)
class Difference:
    """One way a unit differs: *where* (unit path), *kind*, and the two sides."""

    where: tuple[int, ...]
    kind: str
    ours: Any
    theirs: Any


def have_sequence_oracle() -> bool:
    """Whether this interpreter exposes its code generator (CPython 3.13 + tests).

    >>> isinstance(have_sequence_oracle(), bool)
    True
    """
    try:
        import _testinternalcapi  # type: ignore[import-not-found]
    except ImportError:
        return False
    return hasattr(_testinternalcapi, "compiler_codegen")


def _opnames() -> dict[int, str]:
    import opcode

    return {number: name for name, number in opcode.opmap.items()}


def cpython_sequences(
    source: str | bytes, filename: str, *, mode: str = "exec", optimize: int = 0
) -> tuple[SequenceTree, dict[str, Any]]:
    """Return CPython's instruction sequences for *source*, and its top tables.

    Needs :func:`have_sequence_oracle`. The tables are ``consts``,
    ``names``, ``varnames``, ``cellvars``, ``freevars``, each as a list in
    slot order.

    >>> if have_sequence_oracle():
    ...     tree, tables = cpython_sequences("x = 1", "<demo>")
    ...     names = tables["names"]
    ... else:
    ...     names = ["x"]
    >>> names
    ['x']
    """
    import _testinternalcapi

    names = _opnames()
    tree = ast.parse(source, filename, mode)
    sequence, metadata = _testinternalcapi.compiler_codegen(
        tree, filename, optimize, _MODES[mode]
    )

    def convert(seq: Any) -> SequenceTree:
        rows: list[Row] = [
            (names[op], arg, (line, end_line, col, end_col))
            for op, arg, line, end_line, col, end_col in seq.get_instructions()
        ]
        return SequenceTree(rows, [convert(inner) for inner in seq.get_nested()])

    tables: dict[str, Any] = {}
    for key in ("consts", "names", "varnames", "cellvars", "freevars"):
        ordered = sorted(metadata[key].items(), key=lambda item: item[1])
        values = [name for name, _ in ordered]
        if key == "consts":
            # The keys are CPython's constant keys: a value, or (type, value).
            values = [v[1] if type(v) is tuple else v for v in values]
        tables[key] = values
    return convert(sequence), tables


def _rows(unit: GeneratedUnit) -> SequenceTree:
    positions: dict[Label, int] = {}
    count = 0
    for item in unit.code.body:
        if isinstance(item, Label):
            positions[item] = count
        else:
            count += 1
    rows: list[Row] = []
    for item in unit.code.body:
        if isinstance(item, Instr):
            arg = positions[item.arg] if isinstance(item.arg, Label) else item.arg
            where = item.location
            rows.append(
                (
                    item.opname,
                    arg,
                    (
                        where.lineno,
                        where.end_lineno,
                        where.col_offset,
                        where.end_col_offset,
                    ),
                )
            )
    return SequenceTree(rows, [_rows(inner) for inner in unit.nested])


def _our_units(
    source: str | bytes, filename: str, mode: str, optimize: int
) -> GeneratedUnit:
    # Imported here: the package imports this module while it is being built.
    from pyinternals.compiler.codegen import generate_units

    tree = fold(ast.parse(source, filename, mode), level=optimize)
    return generate_units(tree, filename, mode=mode, optimize=optimize)


def our_sequences(
    source: str | bytes, filename: str, *, mode: str = "exec", optimize: int = 0
) -> tuple[SequenceTree, GeneratedUnit]:
    """Return our instruction rows for *source*, and the units they come from.

    >>> rows, top = our_sequences("x = 1", "<demo>")
    >>> rows.rows[1]
    ('LOAD_CONST', 0, (1, 1, 4, 5))
    """
    top = _our_units(source, filename, mode, optimize)
    return _rows(top), top


def _constant_key(value: object) -> object:
    """Compare constants by kind and value; code objects by name only."""
    if isinstance(value, types.CodeType):
        return ("code", value.co_name)
    if type(value) is frozenset:
        return (frozenset, frozenset(_constant_key(item) for item in value))
    return (type(value), repr(value))


def _walk(
    ours: SequenceTree,
    theirs: SequenceTree,
    where: tuple[int, ...],
    differences: list[Difference],
) -> Iterator[tuple[int, ...]]:
    yield where
    if ours.rows != theirs.rows:
        for row, other_row in zip(ours.rows, theirs.rows, strict=False):
            if row != other_row:
                kind = _kind(row, other_row)
                differences.append(Difference(where, kind, row, other_row))
                break
        else:
            count = min(len(ours.rows), len(theirs.rows))
            differences.append(
                Difference(
                    where, "length", ours.rows[count:][:1], theirs.rows[count:][:1]
                )
            )
    if len(ours.nested) != len(theirs.nested):
        differences.append(
            Difference(where, "nested units", len(ours.nested), len(theirs.nested))
        )
    pairs = zip(ours.nested, theirs.nested, strict=False)
    for index, (mine, other) in enumerate(pairs):
        yield from _walk(mine, other, (*where, index), differences)


def _kind(mine: Row, other: Row) -> str:
    if mine[0] != other[0]:
        return f"opcode {mine[0]} for {other[0]}"
    if mine[1] != other[1]:
        return f"argument of {mine[0]}"
    return f"location of {mine[0]}"


def compare_sequences(
    source: str | bytes, filename: str, *, mode: str = "exec", optimize: int = 0
) -> tuple[int, list[Difference]]:
    """Compare our instruction sequences with CPython's (3.13).

    Returns the number of units compared and the differences, at most one
    per unit and table.

    >>> if have_sequence_oracle():
    ...     units, differences = compare_sequences("f(lambda: 1)", "<demo>")
    ... else:
    ...     units, differences = 2, []
    >>> units, differences
    (2, [])
    """
    theirs, tables = cpython_sequences(source, filename, mode=mode, optimize=optimize)
    ours, top = our_sequences(source, filename, mode=mode, optimize=optimize)
    differences: list[Difference] = []
    units = len(list(_walk(ours, theirs, (), differences)))
    code = top.code
    mine = {
        "consts": [_constant_key(value) for value in code.consts.values],
        "names": code.names,
        "varnames": code.varnames,
        "cellvars": code.cellvars,
        "freevars": code.freevars,
    }
    tables["consts"] = [_constant_key(value) for value in tables["consts"]]
    for key, value in mine.items():
        if value != tables[key]:
            differences.append(Difference((), key, value, tables[key]))
    return units, differences


def _code_constants(code: types.CodeType) -> list[types.CodeType]:
    return [c for c in code.co_consts if isinstance(c, types.CodeType)]


def compare_metadata(
    source: str | bytes, filename: str, *, mode: str = "exec", optimize: int = 0
) -> list[Difference]:
    """Compare every unit's name, flags, counts and tables with ``compile()``'s.

    Cells are compared as sets (the assembler puts parameters that are cells first).
    """
    real = compile(source, filename, mode, dont_inherit=True, optimize=optimize)
    top = _our_units(source, filename, mode, optimize)
    differences: list[Difference] = []

    def walk(unit: GeneratedUnit, code: types.CodeType, where: tuple[int, ...]) -> None:
        ours = unit.code
        pairs = (
            ("name", ours.name, code.co_name),
            ("qualname", ours.qualname, code.co_qualname),
            ("firstlineno", ours.firstlineno, code.co_firstlineno),
            ("argcount", ours.argcount, code.co_argcount),
            ("posonlyargcount", ours.posonlyargcount, code.co_posonlyargcount),
            ("kwonlyargcount", ours.kwonlyargcount, code.co_kwonlyargcount),
            ("flags", ours.flags, code.co_flags),
            ("names", tuple(ours.names), code.co_names),
            ("varnames", tuple(ours.varnames), code.co_varnames),
            ("cellvars", sorted(ours.cellvars), sorted(code.co_cellvars)),
            ("freevars", tuple(ours.freevars), code.co_freevars),
        )
        for kind, mine, theirs in pairs:
            if mine != theirs:
                differences.append(Difference(where, kind, mine, theirs))
        inner: dict[tuple[str, int, str], list[types.CodeType]] = {}
        for const in _code_constants(code):
            key = (const.co_name, const.co_firstlineno, const.co_qualname)
            inner.setdefault(key, []).append(const)
        for index, nested in enumerate(unit.nested):
            key = (nested.code.name, nested.code.firstlineno, nested.code.qualname)
            found = inner.get(key)
            if not found:
                differences.append(Difference(where, "missing unit", key, None))
                continue
            walk(nested, found.pop(0) if len(found) > 1 else found[0], (*where, index))

    walk(top, real, ())
    return differences


@dataclass
class Agreement:
    """How far our code generator agrees with CPython's over some files."""

    files: int = 0
    units: int = 0
    equal_units: int = 0
    metadata_units: int = 0
    equal_metadata_units: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    kinds: collections.Counter[str] = field(default_factory=collections.Counter)
    examples: dict[str, tuple[str, Difference]] = field(default_factory=dict)


def _count_units(unit: GeneratedUnit) -> int:
    return 1 + sum(_count_units(inner) for inner in unit.nested)


def agreement(paths: Iterable[Path], *, sequences: bool | None = None) -> Agreement:
    """Compare our code generator with CPython's on the files *paths*.

    Files CPython refuses to compile are left out. *sequences* chooses the
    instruction-sequence oracle (by default: when this interpreter has it);
    the metadata comparison always runs. An exception from our side counts
    as a failure of the file.

    >>> from pyinternals.compiler.conformance.corpus import stdlib_root
    >>> result = agreement([stdlib_root() / "keyword.py"])
    >>> result.files, result.metadata_units == result.equal_metadata_units
    (1, True)
    """
    if sequences is None:
        sequences = have_sequence_oracle()
    result = Agreement()
    for path in paths:
        source = path.read_bytes()
        try:
            compile(source, str(path), "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            continue
        result.files += 1
        try:
            differences = compare_metadata(source, str(path))
            units = _count_units(_our_units(source, str(path), "exec", 0))
            result.metadata_units += units
            result.equal_metadata_units += units - len({d.where for d in differences})
            if sequences:
                count, found = compare_sequences(source, str(path))
                result.units += count
                result.equal_units += count - len({d.where for d in found})
                differences += found
        except Exception as error:  # a failure is data here
            result.failures.append((str(path), f"{type(error).__name__}: {error}"))
            continue
        for difference in differences:
            result.kinds[difference.kind] += 1
            result.examples.setdefault(difference.kind, (str(path), difference))
    return result
