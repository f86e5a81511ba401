r"""CPython's own code generator as a front end for our back end (3.13).

CPython 3.13's test-only module ``_testinternalcapi`` exposes the stages of
its compiler: ``compiler_codegen`` returns the instruction sequence that code
generation makes for a module, before any optimization, with the nested
sequences of its functions and classes. Read into our
:class:`~pyinternals.compiler.instructions.CodeUnit` form, that output lets
our back end (:func:`~pyinternals.compiler.assembler.assemble`) be checked
on its own: given exactly what CPython's back end was given, do we make the
same code object?

Only the top unit comes with its metadata (constants, names…). A nested
unit's names and flags are read from the code object CPython made for it;
its constants table *before* optimization is rebuilt: constants that survive
optimization are matched with the code object's ``co_consts`` by running
CPython's own optimizer (``_testinternalcapi.optimize_cfg``) on stand-ins,
and the others are read from the constants of the syntax tree at the
location that loads them.

The hooks exist on 3.13 only (:func:`available`); there, our back end must
agree with CPython's on both code objects of this source (the module and
``f``). On 3.11 the example has nothing to run, and prints nothing either way:

>>> if available():
...     report = check_source("def f(x):\n    return x + 1\n", "<demo>")
...     assert (report.agreeing, report.total) == (2, 2), report
"""

from __future__ import annotations

import ast
import importlib
import math
import opcode
import sys
import types
from dataclasses import dataclass, field
from typing import Any

from pyinternals.compiler import opcodes
from pyinternals.compiler.assembler import assemble
from pyinternals.compiler.conformance.verdict import Verdict
from pyinternals.compiler.instructions import (
    CodeUnit,
    Instr,
    Label,
    Location,
    constant_key,
)
from pyinternals.compiler.unassembler import code_unit, constants_table

__all__ = [
    "Report",
    "UnitPair",
    "available",
    "check_source",
    "code_differences",
    "compare",
    "units_of",
]

_MODES = {"exec": 0, "eval": 1, "single": 2}
_FUTURE_ANNOTATIONS = 0x1000000
_OPTIMIZED_AST = getattr(ast, "PyCF_OPTIMIZED_AST", ast.PyCF_ONLY_AST)


def available() -> bool:
    """Return whether the running CPython has the hooks this module reads.

    >>> available() == (sys.version_info >= (3, 13))
    True
    """
    try:
        capi = importlib.import_module("_testinternalcapi")
    except ImportError:
        return False
    return hasattr(capi, "compiler_codegen") and sys.version_info >= (3, 13)


def _capi() -> Any:
    return importlib.import_module("_testinternalcapi")


@dataclass
class UnitPair:
    """A unit read from CPython's code generator and the code CPython made.

    *children* are the nested units, in the order their code objects appear
    in *expected*'s constants; *reconstructed* is False when the constants
    of a nested unit could not be rebuilt with certainty; *unmatched* counts
    the nested units whose code the optimizer dropped (dead code).
    """

    unit: CodeUnit
    expected: types.CodeType
    children: list[UnitPair] = field(default_factory=list)
    reconstructed: bool = True
    unmatched: int = 0


class _Unknown:
    """A constant whose value is not known: truthy, not None, unique."""

    def __init__(self, index: int, truth: bool = True) -> None:
        self.index = index
        self.truth = truth

    def __bool__(self) -> bool:
        return self.truth

    def __repr__(self) -> str:
        return f"<constant {self.index}>"


Known = dict[Location, list[object]]
"""Constants of the optimized tree, by the location of their node."""

_OPNAMES = {number: name for name, number in opcode.opmap.items()}


def _body(seq: Any) -> list[Instr | Label]:
    """Turn an instruction sequence into our body: names, labels, locations."""
    raw = seq.get_instructions()
    labels: dict[int, Label] = {}
    for opnum, oparg, *_ in raw:
        if _OPNAMES[opnum] in opcodes.HAS_TARGET:
            labels.setdefault(oparg, Label())
    body: list[Instr | Label] = []
    for index, (opnum, oparg, lineno, end_lineno, col, end_col) in enumerate(raw):
        if index in labels:
            body.append(labels[index])
        name = _OPNAMES[opnum]
        location = Location(lineno, end_lineno, col, end_col)
        arg: int | Label | None
        if name in opcodes.HAS_TARGET:
            arg = labels[oparg]
        elif opcodes.has_arg(name):
            arg = oparg
        else:
            arg = None
        body.append(Instr(name, arg, location))
    return body


def _annotations(tree: ast.AST) -> set[int]:
    """Return the ids of the nodes inside annotations."""
    roots: list[ast.AST | None] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            roots.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            roots.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
    return {id(inner) for root in roots if root for inner in ast.walk(root)}


def _constant_locations(tree: ast.AST, *, stringized: bool) -> Known:
    """Map each source location to the constants of the (optimized) tree there.

    With *stringized* annotations (``from __future__ import annotations``)
    the constants inside annotations are not loaded: the annotation's text is.
    """
    skipped = _annotations(tree) if stringized else set()
    found: Known = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in skipped:
            found.setdefault(Location.of(node), []).append(node.value)
    return found


def _const_index(instr: Instr) -> int:
    assert isinstance(instr.arg, int)
    return instr.arg


def _guess_consts(body: list[Instr | Label], known: Known) -> list[object]:
    """Guess a unit's constants: from the tree where a load's location says."""
    loads = [
        item
        for item in body
        if isinstance(item, Instr) and item.opname in opcodes.CONST_USERS
    ]
    size = max((_const_index(item) for item in loads), default=0) + 1
    guesses: list[object] = [_Unknown(index) for index in range(size)]
    for item in loads:
        index = _const_index(item)
        if not isinstance(guesses[index], _Unknown):
            continue
        values = known.get(item.location, [])
        if len(values) == 1:
            guesses[index] = values[0]
    return guesses


def _rebuild_consts(
    seq: Any, body: list[Instr | Label], expected: types.CodeType, known: Known
) -> tuple[list[object], bool]:
    """Rebuild a nested unit's constants table as code generation left it.

    CPython's optimizer runs on the guesses (stand-ins where nothing is
    known); the constants it keeps come out first and in their original
    order, so matching them with the real ``co_consts`` in order gives their
    values, and the items of tuples it folded give those of the stand-ins in
    them. What is learnt feeds another run, until the tables agree in length.
    """
    values = _guess_consts(body, known)
    for _ in range(3):
        trial = list(values)
        _capi().optimize_cfg(seq, trial, len(expected.co_varnames))
        trial = _merge_folded(trial, values)
        learnt = _learn(values, trial, expected.co_consts)
        if len(trial) == len(expected.co_consts):
            return _finish(learnt), True
        values = learnt
    return _finish(values), False


def _learn(
    guesses: list[object], trial: list[object], real: tuple[object, ...]
) -> list[object]:
    """Return *guesses* with the values *real* gives the survivors in *trial*."""
    values = list(guesses)
    unknown = {
        id(item): index
        for index, item in enumerate(guesses)
        if isinstance(item, _Unknown)
    }

    def learn_items(folded: object, real_value: object) -> None:
        if (
            isinstance(folded, tuple)
            and isinstance(real_value, tuple)
            and len(folded) == len(real_value)
        ):
            for item, real_item in zip(folded, real_value, strict=True):
                index = unknown.get(id(item))
                if index is not None:
                    values[index] = real_item
                else:
                    learn_items(item, real_item)

    position = 0
    folded = False
    for survivor, real_value in zip(trial, real, strict=False):
        match = None
        if not folded:
            match = next(
                (k for k in range(position, len(guesses)) if guesses[k] is survivor),
                None,
            )
        if match is not None:
            values[match] = real_value
            position = match + 1
        else:
            folded = True
            if len(trial) == len(real):
                learn_items(survivor, real_value)
    return values


def _merge_folded(trial: list[object], originals: list[object]) -> list[object]:
    """Drop folded constants equal to one already in the table.

    ``optimize_cfg`` starts from an empty cache of constants, so a tuple it
    folds is never found equal to one already in the table, as it is when
    CPython compiles for real. Folded constants are the ones that are not
    among the *originals*.
    """
    original_ids = {id(value) for value in originals}
    keys = {constant_key(value) for value in originals}
    kept = []
    for value in trial:
        if id(value) not in original_ids:
            key = constant_key(value)
            if key in keys:
                continue
            keys.add(key)
        kept.append(value)
    return kept


def _finish(values: list[object]) -> list[object]:
    return [None if isinstance(value, _Unknown) else value for value in values]


def _first_line(seq: Any) -> int:
    """Return the line of a unit's ``RESUME``: the code object's first line."""
    resume = opcode.opmap["RESUME"]
    for opnum, _, lineno, *_ in seq.get_instructions():
        if opnum == resume:
            return int(lineno)
    return -1


def _pair_children(
    seq: Any, expected: types.CodeType, known: Known
) -> tuple[list[UnitPair], int]:
    """Match nested sequences with the code objects among *expected*'s constants.

    Both come in the order the nested units were finished; a unit whose code
    object the optimizer dropped (dead code) has no match and is counted.
    """
    codes = [value for value in expected.co_consts if isinstance(value, types.CodeType)]
    children = []
    unmatched = 0
    position = 0
    for nested in seq.get_nested():
        for candidate in range(position, len(codes)):
            if codes[candidate].co_firstlineno == _first_line(nested):
                children.append(_nested_pair(nested, codes[candidate], known))
                position = candidate + 1
                break
        else:
            unmatched += 1
    return children, unmatched


def _nested_pair(seq: Any, expected: types.CodeType, known: Known) -> UnitPair:
    body = _body(seq)
    values, certain = _rebuild_consts(seq, body, expected, known)
    unit = code_unit(expected, body, values)
    children, unmatched = _pair_children(seq, expected, known)
    return UnitPair(unit, expected, children, certain, unmatched)


def _in_order(table: dict[Any, int]) -> list[Any]:
    return [key for key, _ in sorted(table.items(), key=lambda item: item[1])]


def units_of(
    source: str | bytes, filename: str, *, mode: str = "exec", optimize: int = 0
) -> UnitPair:
    """Read CPython's code generation of *source* into our units.

    The top unit's constants come straight from CPython; nested ones are
    rebuilt (see the module's docstring). Requires :func:`available`.

    >>> if available():  # 3.13: the module unit and the unit of ``f`` in it
    ...     pair = units_of("def f(): pass", "<demo>")
    ...     assert [child.unit.name for child in pair.children] == ["f"], pair
    """
    tree = ast.parse(source, filename, mode)
    expected = compile(source, filename, mode, dont_inherit=True, optimize=optimize)
    seq, metadata = _capi().compiler_codegen(tree, filename, optimize, _MODES[mode])
    consts = [
        key[1] if type(key) is tuple else key for key in _in_order(metadata["consts"])
    ]
    optimized = compile(
        source,
        filename,
        mode,
        flags=_OPTIMIZED_AST,
        optimize=optimize,
        dont_inherit=True,
    )
    unit = CodeUnit(
        name=metadata["name"],
        qualname=metadata.get("qualname", metadata["name"]),
        filename=filename,
        firstlineno=expected.co_firstlineno,
        flags=expected.co_flags,
        argcount=metadata["argcount"] + metadata["posonlyargcount"],
        posonlyargcount=metadata["posonlyargcount"],
        kwonlyargcount=metadata["kwonlyargcount"],
        consts=constants_table(consts),
        names=_in_order(metadata["names"]),
        varnames=_in_order(metadata["varnames"]),
        cellvars=_in_order(metadata["cellvars"]),
        freevars=_in_order(metadata["freevars"]),
        body=_body(seq),
    )
    known = _constant_locations(
        optimized, stringized=bool(expected.co_flags & _FUTURE_ANNOTATIONS)
    )
    children, unmatched = _pair_children(seq, expected, known)
    return UnitPair(unit, expected, children, unmatched=unmatched)


_FIELDS = (
    "co_code",
    "co_consts",
    "co_names",
    "co_varnames",
    "co_cellvars",
    "co_freevars",
    "co_flags",
    "co_stacksize",
    "co_linetable",
    "co_exceptiontable",
    "co_firstlineno",
    "co_argcount",
    "co_posonlyargcount",
    "co_kwonlyargcount",
    "co_nlocals",
    "co_name",
    "co_qualname",
    "co_filename",
)


def _same_constant(ours: object, theirs: object) -> bool:
    if isinstance(ours, types.CodeType) and isinstance(theirs, types.CodeType):
        return not code_differences(ours, theirs)
    if type(ours) is not type(theirs):
        return False
    if isinstance(ours, tuple) and isinstance(theirs, tuple):
        return len(ours) == len(theirs) and all(
            _same_constant(a, b) for a, b in zip(ours, theirs, strict=True)
        )
    if isinstance(ours, float | complex) and isinstance(theirs, float | complex):
        # Bit for bit: -0.0 is not 0.0, and a NaN is the same NaN.
        return repr(ours) == repr(theirs) and _signs(ours) == _signs(theirs)
    return constant_key(ours) == constant_key(theirs) or ours is theirs


def _signs(value: float | complex) -> tuple[float, ...]:
    parts = (value.real, value.imag) if isinstance(value, complex) else (value,)
    return tuple(math.copysign(1.0, part) for part in parts)


def code_differences(ours: types.CodeType, theirs: types.CodeType) -> list[str]:
    """Name the fields in which two code objects differ (nested code compared too).

    Constants are compared by type and value, as the compiler tells them
    apart (``1``, ``1.0`` and ``True`` differ; ``-0.0`` is not ``0.0``).

    >>> code_differences(compile("1", "", "eval"), compile("2", "", "eval"))
    ['co_consts']
    """
    found = []
    for name in _FIELDS:
        mine, real = getattr(ours, name), getattr(theirs, name)
        if name == "co_consts":
            same = len(mine) == len(real) and all(
                _same_constant(a, b) for a, b in zip(mine, real, strict=True)
            )
        else:
            same = mine == real
        if not same:
            found.append(name)
    return found


@dataclass
class Report:
    """How many code objects of a source our back end makes identically.

    *differences* maps each differing field to how many code objects differ
    in it; *failures* lists the exceptions our back end raised; *uncertain*
    counts nested units whose constants could not be rebuilt for sure;
    *dead* counts nested units with no code object to compare with.
    """

    total: int = 0
    agreeing: int = 0
    uncertain: int = 0
    dead: int = 0
    differences: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    examples: list[tuple[str, str]] = field(default_factory=list)

    def add(self, other: Report) -> None:
        """Add another report's counts to this one."""
        self.total += other.total
        self.agreeing += other.agreeing
        self.uncertain += other.uncertain
        self.dead += other.dead
        for name, count in other.differences.items():
            self.differences[name] = self.differences.get(name, 0) + count
        self.failures += other.failures
        self.examples += other.examples


def _assemble_each(pair: UnitPair, report: Report) -> None:
    """Assemble every unit of *pair* and compare it with CPython's code.

    Nested code objects in the constants stay CPython's, so that each unit
    is judged on its own.
    """
    for child in pair.children:
        _assemble_each(child, report)
    report.total += 1
    report.uncertain += not pair.reconstructed
    report.dead += pair.unmatched
    try:
        ours = assemble(pair.unit)
    except Exception as error:
        report.failures.append(f"{pair.unit.qualname}: {type(error).__name__}: {error}")
        return
    differing = code_differences(ours, pair.expected)
    if not differing:
        report.agreeing += 1
    for name in differing[:1]:
        report.differences[name] = report.differences.get(name, 0) + 1
        report.examples.append((pair.unit.qualname, name))


def check_source(source: str | bytes, filename: str, *, optimize: int = 0) -> Report:
    """Compare our back end with CPython's on every code object of *source*.

    Each unit is assembled from CPython's code generation of it; its code
    object is compared with CPython's (:func:`code_differences`). Requires
    :func:`available`; see the module's example.
    """
    report = Report()
    _assemble_each(units_of(source, filename, optimize=optimize), report)
    return report


def compare(source: bytes, filename: str) -> Verdict:
    """Judge our back end on one file, for the conformance runner (3.13).

    The file agrees when every code object our back end makes from CPython's
    code generation equals CPython's; a file CPython refuses agrees (there is
    no code to generate). Never raises: an error of ours is a disagreement
    that names it.

    >>> compare(b"x = (", "<demo>")
    Verdict(agrees=True, cpython_accepts=False, detail='')
    """
    try:
        compile(source, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return Verdict(agrees=True, cpython_accepts=False)
    if not available():
        return Verdict(False, True, "needs CPython 3.13's _testinternalcapi")
    try:
        report = check_source(source, filename)
    except Exception as error:  # reported, not raised
        return Verdict(False, True, f"{type(error).__name__}: {error}")
    if report.failures:
        return Verdict(False, True, report.failures[0])
    if report.examples:
        qualname, name = report.examples[0]
        return Verdict(False, True, f"{qualname}: {name} differs")
    return Verdict(True, True)
