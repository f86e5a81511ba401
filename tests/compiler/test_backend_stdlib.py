"""The back end on a deterministic sample of the standard library.

On 3.13 every code object is assembled from CPython's own code generation
(pyinternals.compiler.oracle) and must come out identical. On 3.11, which
has no such hook, every code object is read back into a unit
(pyinternals.compiler.unassembler) and assembled again.
"""

import collections
import functools
import types

import pytest

from pyinternals.compiler import oracle, unassembler
from pyinternals.compiler.assembler import assemble
from pyinternals.compiler.conformance.corpus import sample, stdlib_files

HARD_CASES = [
    "test/test_patma.py",
    "test/test_grammar.py",
    "test/test_coroutines.py",
    "test/test_generators.py",
    "test/test_exceptions.py",
    "test/test_with.py",
    "test/test_float.py",
    "test/test_compile.py",
    "asyncio/tasks.py",
    "typing.py",
    "dataclasses.py",
]
FILES = sample(stdlib_files(), 60, always=HARD_CASES)


def _compiled(path):
    source = path.read_bytes()
    try:
        return source, compile(source, str(path), "exec", dont_inherit=True)
    except SyntaxError:
        return source, None


def _code_objects(code):
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _code_objects(constant)


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_sampled_stdlib_file(path):
    source, code = _compiled(path)
    if code is None:
        return
    if oracle.available():
        _check_against_cpython_code_generation(source, path)
    else:
        _check_round_trip(code)


def _check_against_cpython_code_generation(source, path):
    report = oracle.check_source(source, str(path))
    assert report.failures == []
    assert report.examples == []
    assert report.agreeing == report.total


def _check_round_trip(code):
    # What CPython's optimizer did is not undone, so running ours again on
    # its output must keep the tables, sizes, names and constants wherever
    # it keeps the bytecode.
    for kind, differences in _round_trip(code):
        if kind == "differ":
            assert "co_code" in differences


@functools.cache
def _round_trip(code):
    outcomes = []
    for original in _code_objects(code):
        try:
            unit = unassembler.unassemble(original)
        except unassembler.Unassemblable:
            outcomes.append(("unassemblable", frozenset()))
            continue
        differences = frozenset(oracle.code_differences(assemble(unit), original))
        outcomes.append(("differ" if differences else "same", differences))
    return outcomes


def test_round_trips_mostly_keep_the_bytecode():
    # The bytecode changes only where CPython's optimizer saw a different
    # graph than ours sees now: a jump that had no line yet (3.11 then
    # threads jumps through it), blocks merged since (a constant tuple
    # folds), a handler that covers nothing. Those stay few.
    kinds = collections.Counter()
    for path in FILES:
        _, code = _compiled(path)
        if code is not None:
            kinds.update(kind for kind, _ in _round_trip(code))
    assert kinds["same"] >= 9 * (kinds["differ"] + kinds["unassemblable"])


def test_the_sample_covers_the_hard_cases():
    names = {path.as_posix() for path in FILES}
    assert all(any(name.endswith(case) for name in names) for case in HARD_CASES)


def test_a_file_gets_a_verdict():
    verdict = oracle.compare(b"def f(x):\n    return x or 1\n", "verdict.py")
    assert verdict.cpython_accepts
    assert verdict.agrees == oracle.available()
    assert oracle.compare(b"def (", "refused.py").agrees
