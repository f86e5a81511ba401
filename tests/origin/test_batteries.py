import _imp
import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

from pyinternals.origin.batteries import (
    PRIVATE_TOPIC,
    REMOVED,
    TOPICS,
    Kind,
    StdlibModule,
    classify,
    count_by,
    survey,
)


@pytest.fixture(scope="module")
def modules() -> list[StdlibModule]:
    return survey()


def test_survey_covers_exactly_stdlib_module_names(modules: list[StdlibModule]) -> None:
    assert [m.name for m in modules] == sorted(sys.stdlib_module_names)


def test_counts_add_up(modules: list[StdlibModule]) -> None:
    for key in (lambda m: m.kind, lambda m: m.topic, lambda m: m.private):
        assert sum(count_by(modules, key).values()) == len(sys.stdlib_module_names)


def test_private_means_a_leading_underscore(modules: list[StdlibModule]) -> None:
    for module in modules:
        assert module.private == (
            module.name.startswith("_") and not module.name.startswith("__")
        )
        assert (module.topic == PRIVATE_TOPIC) == module.private


def test_builtin_modules_are_those_compiled_into_the_interpreter(
    modules: list[StdlibModule],
) -> None:
    builtin = {m.name for m in modules if m.kind is Kind.BUILTIN}
    assert builtin == sys.stdlib_module_names & set(sys.builtin_module_names)


def test_frozen_modules_are_frozen(modules: list[StdlibModule]) -> None:
    for module in modules:
        if module.kind is Kind.FROZEN:
            assert _imp.is_frozen(module.name)


def test_file_backed_modules_exist_on_disk(modules: list[StdlibModule]) -> None:
    for module in modules:
        if module.kind in {Kind.SOURCE, Kind.EXTENSION, Kind.PACKAGE}:
            spec = importlib.util.find_spec(module.name)
            assert spec is not None
            assert spec.origin is not None
            assert Path(spec.origin).exists(), module.name


def test_absent_modules_cannot_be_imported(modules: list[StdlibModule]) -> None:
    absent = [m.name for m in modules if m.kind is Kind.ABSENT]
    assert absent, "some stdlib modules belong to other platforms"
    for name in absent:
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(name)


def test_every_public_module_has_exactly_one_topic() -> None:
    public = {m.name for m in survey() if not m.private}
    assert "__future__" in public
    for name in public:
        homes = [topic for topic, names in TOPICS.items() if name in names]
        assert len(homes) == 1, (name, homes)


def test_topic_table_names_only_real_modules() -> None:
    listed = frozenset().union(*TOPICS.values())
    assert listed - sys.stdlib_module_names <= set(REMOVED)
    assert not any(classify(name).private for name in listed)


def test_classify_reads_kinds_of_known_modules() -> None:
    assert classify("sys").kind is Kind.BUILTIN
    assert classify("json").kind is Kind.PACKAGE
    assert classify("textwrap").kind is Kind.SOURCE
    assert classify("_json").private


def test_count_by_orders_most_common_first(modules: list[StdlibModule]) -> None:
    counts = list(count_by(modules, lambda m: m.topic).values())
    assert counts == sorted(counts, reverse=True)


def test_removed_modules_are_gone_exactly_from_their_release_on() -> None:
    running = sys.version_info[:2]
    for name, removed_in in REMOVED.items():
        assert (name in sys.stdlib_module_names) == (running < removed_in), name
