import gc
import sys

from hypothesis import given
from hypothesis import strategies as st

from pyinternals.runtime.examination import deep_size, examine, owned_objects


def test_examination_agrees_with_the_oracles(samples):
    for obj in samples:
        expected_refcount = sys.getrefcount(obj)
        report = examine(obj)
        assert report.refcount == expected_refcount, obj
        assert report.address == id(obj)
        assert report.type_name == type(obj).__qualname__
        assert report.size == sys.getsizeof(obj)
        assert report.gc_tracked == gc.is_tracked(obj)
        by_gc = gc.get_referents(obj)
        reported = [r for r in report.referents if r.from_gc]
        assert [r.address for r in reported] == [id(r) for r in by_gc]
        assert [r.gc_tracked for r in reported] == [gc.is_tracked(r) for r in by_gc]
        extra = {r.address for r in report.referents if not r.from_gc}
        if isinstance(obj, dict):
            assert extra == {id(k) for k in obj} - {id(r) for r in by_gc}
        else:
            assert not extra
        assert report.deep_size >= report.size


def test_string_keys_are_referents_too():
    table = {"alpha": 1.5, "beta": [2]}
    report = examine(table)
    hidden = [r for r in report.referents if not r.from_gc]
    assert {r.address for r in hidden} == {id(k) for k in table}
    assert deep_size(table) == sum(
        map(sys.getsizeof, [table, "alpha", "beta", 1.5, table["beta"], 2])
    )


def test_untracked_contents_are_referents():
    numbers = [1000, 2000.5, "text"]
    report = examine(numbers)
    assert {r.address for r in report.referents} == {id(n) for n in numbers}
    assert not any(r.gc_tracked for r in report.referents)


def test_deep_size_counts_shared_objects_once():
    shared = "x" * 100
    pair = [shared, shared]
    assert deep_size(pair) == sys.getsizeof(pair) + sys.getsizeof(shared)
    assert examine(pair).deep_count == 2


def test_deep_size_respects_depth_and_types():
    leaf = "leaf" * 10
    nested = [[[leaf]]]
    assert deep_size(nested, max_depth=0) == sys.getsizeof(nested)
    assert deep_size(nested, max_depth=1) == sys.getsizeof(nested) * 2
    assert deep_size(nested) == 3 * sys.getsizeof([leaf]) + sys.getsizeof(leaf)
    assert deep_size(nested, types={"str"}) == sys.getsizeof(nested)
    mixed = [leaf, 10**20]
    assert deep_size(mixed, types={"str"}) == sys.getsizeof(mixed) + sys.getsizeof(leaf)
    assert examine(mixed, types={"str"}).types == ("str",)


def test_classes_and_functions_are_not_owned(plain):
    obj = plain
    owned = list(owned_objects(obj))
    assert type(obj) not in owned
    assert any(o is obj.items for o in owned)
    expected = {id(obj), id(obj.name), id(obj.items), *map(id, obj.items)}
    assert {id(o) for o in owned} == expected


def test_slots_are_owned(slotted):
    obj = slotted
    ids = {id(o) for o in owned_objects(obj)}
    assert {id(obj.x), id(obj.y), id(obj._Slotted__hidden)} <= ids


def test_cycles_terminate():
    cycle = []
    cycle.append(cycle)
    assert deep_size(cycle) == sys.getsizeof(cycle)


def _structural_owned(value, seen):
    """Independent oracle: walk the data by its own structure."""
    if id(value) in seen:
        return
    seen[id(value)] = value
    if isinstance(value, list | tuple):
        for item in value:
            _structural_owned(item, seen)
    elif isinstance(value, dict):
        for key, item in value.items():
            _structural_owned(key, seen)
            _structural_owned(item, seen)


data = st.recursive(
    st.integers() | st.text(max_size=5) | st.floats(allow_nan=False) | st.none(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=20,
)


@given(data)
def test_deep_size_matches_a_structural_walk(value):
    seen = {}
    _structural_owned(value, seen)
    assert {id(o) for o in owned_objects(value)} == set(seen)
    assert deep_size(value) == sum(sys.getsizeof(o) for o in seen.values())
