import dis
import types
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyinternals.compiler import exceptiontable, linetable
from pyinternals.compiler.conformance.corpus import sample, stdlib_files
from pyinternals.compiler.instructions import NO_LOCATION, Location

HARD_FILES = [
    "typing.py",
    "test/test_patma.py",
    "test/test_grammar.py",
    "asyncio/tasks.py",
    "test/test_except_star.py",
    "pydoc_data/topics.py",
]


def code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from code_objects(const)


def compiled(path: Path) -> list[types.CodeType]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            top = compile(path.read_bytes(), str(path), "exec")
        except (SyntaxError, ValueError):
            return []
    return list(code_objects(top))


SAMPLE = sample(stdlib_files(), 40, always=HARD_FILES)


@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: p.name)
def test_stdlib_location_tables_round_trip(path: Path) -> None:
    for code in compiled(path):
        spans = linetable.decode(code.co_linetable, code.co_firstlineno)
        assert linetable.encode(spans, code.co_firstlineno) == code.co_linetable
        assert linetable.positions(code) == list(code.co_positions())
        assert linetable.lines(code) == list(code.co_lines())


@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: p.name)
def test_stdlib_exception_tables_round_trip(path: Path) -> None:
    for code in compiled(path):
        entries = exceptiontable.decode(code.co_exceptiontable)
        assert exceptiontable.encode(entries) == code.co_exceptiontable
        theirs = [tuple(entry) for entry in dis._parse_exception_table(code)]  # type: ignore[attr-defined]
        ours = [
            (2 * e.start, 2 * e.end, 2 * e.target, e.depth, e.lasti) for e in entries
        ]
        assert ours == theirs


def test_sample_covers_every_entry_kind() -> None:
    kinds = set()
    for path in SAMPLE:
        for code in compiled(path):
            kinds.update(
                linetable.kind_name(entry.kind)
                for entry in linetable.entries(code.co_linetable, code.co_firstlineno)
            )
    assert kinds == {"short", "one-line", "no-columns", "long", "none"}


# -- generated tables, with CPython's own decoders as the oracle -------------


def host(units: int, **fields: bytes) -> types.CodeType:
    """A code object of *units* NOPs carrying the given tables (never run)."""
    nop = dis.opmap["NOP"]
    return compile("pass", "<host>", "exec").replace(
        co_code=bytes([nop, 0] * max(units, 1)), **fields
    )


lines_ = st.integers(min_value=1, max_value=3000)
columns = st.integers(min_value=-1, max_value=300)


@st.composite
def locations(draw: st.DrawFn) -> Location | None:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from([None, NO_LOCATION]))
    line = draw(lines_)
    end_line = line + draw(st.sampled_from([0, 0, 0, 1, draw(st.integers(0, 500))]))
    column = draw(columns)
    end_column = draw(st.one_of(columns, st.integers(column, column + 20)))
    return Location(line, end_line, column, end_column)


spans_ = st.lists(st.tuples(st.integers(1, 20), locations()), max_size=40)


@given(spans_, lines_, st.booleans())
def test_generated_location_tables_decode_as_cpython_does(
    spans: list[tuple[int, Location | None]], firstlineno: int, merge: bool
) -> None:
    table = linetable.encode(spans, firstlineno, merge=merge)
    units = sum(count for count, _ in spans)
    code = host(units, co_linetable=table, co_firstlineno=firstlineno)
    assert linetable.positions(code) == list(code.co_positions())
    assert linetable.lines(code) == list(code.co_lines())
    decoded = linetable.decode(table, firstlineno)
    assert sum(count for count, _ in decoded) == units
    assert linetable.encode(decoded, firstlineno, merge=False) == table


@given(spans_, lines_)
def test_merging_keeps_positions(
    spans: list[tuple[int, Location | None]], firstlineno: int
) -> None:
    merged = linetable.encode(spans, firstlineno, merge=True)
    separate = linetable.encode(spans, firstlineno, merge=False)
    assert len(merged) <= len(separate)
    assert linetable.positions(merged, firstlineno) == linetable.positions(
        separate, firstlineno
    )


def test_runs_longer_than_eight_units_are_cut() -> None:
    here = Location(1, 1, 0, 3)
    table = linetable.encode([(20, here)], 1, merge=True)
    assert [e.code_units for e in linetable.entries(table, 1)] == [8, 8, 4]


def test_kind_choice_follows_cpython() -> None:
    def kind(location: Location, line: int = 10) -> str:
        (entry,) = linetable.entries(linetable.encode([(1, location)], line), line)
        return linetable.kind_name(entry.kind)

    assert kind(Location(10, 10, 79, 94)) == "short"
    assert kind(Location(10, 10, 80, 81)) == "one-line"
    assert kind(Location(10, 10, 5, 4)) == "one-line"  # a negative width
    assert kind(Location(12, 12, 0, 127)) == "one-line"
    assert kind(Location(13, 13, 0, 1)) == "long"
    assert kind(Location(9, 9, 0, 1)) == "long"
    assert kind(Location(10, 10, 0, 128)) == "long"
    assert kind(Location(10, 11, 0, 1)) == "long"
    assert kind(Location(10, 10, -1, 4)) == "no-columns"
    assert kind(Location(10, 11, -1, -1)) == "long"
    assert kind(NO_LOCATION) == "none"


def test_truncated_location_table_is_refused() -> None:
    table = linetable.encode([(1, Location(1, 5, 0, 1))], 1)
    with pytest.raises(ValueError, match="ends inside"):
        linetable.entries(table[:-1], 1)
    with pytest.raises(ValueError, match="no location entry"):
        linetable.entries(table[1:], 1)


entries_ = st.lists(
    st.builds(
        lambda start, length, target, depth, lasti: exceptiontable.ExceptionEntry(
            start, start + length, target, depth, lasti
        ),
        st.integers(0, 2**29),
        st.integers(1, 2**29),
        st.integers(0, 2**29),
        st.integers(0, 2**28),
        st.booleans(),
    ),
    max_size=20,
)


@given(entries_)
def test_generated_exception_tables_decode_as_dis_does(
    entries: list[exceptiontable.ExceptionEntry],
) -> None:
    table = exceptiontable.encode(entries)
    assert exceptiontable.decode(table) == entries
    theirs = dis._parse_exception_table(host(1, co_exceptiontable=table))  # type: ignore[attr-defined]
    assert [tuple(entry) for entry in theirs] == [
        (2 * e.start, 2 * e.end, 2 * e.target, e.depth, e.lasti) for e in entries
    ]


def test_bad_exception_tables_are_refused() -> None:
    table = exceptiontable.encode([exceptiontable.ExceptionEntry(70, 75, 90, 3, True)])
    with pytest.raises(ValueError, match="ends inside"):
        exceptiontable.decode(table[:-1])
    with pytest.raises(ValueError, match="starts wrong"):
        exceptiontable.decode(table[1:])
    with pytest.raises(ValueError, match="empty"):
        exceptiontable.encode([exceptiontable.ExceptionEntry(4, 4, 9, 0, False)])
