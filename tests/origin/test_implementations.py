import platform
import sys

from pyinternals.origin.implementations import (
    IMPLEMENTATIONS,
    Implementation,
    observe,
    rows,
    running,
)


def test_running_implementation_is_the_one_platform_reports() -> None:
    assert running().name == platform.python_implementation()
    assert running().sys_name == sys.implementation.name


def test_observation_agrees_with_the_interpreter() -> None:
    seen = observe()
    assert seen.sys_name == sys.implementation.name
    assert seen.platform_name == platform.python_implementation()
    assert seen.version == ".".join(map(str, sys.version_info[:3]))
    assert seen.cache_tag == sys.implementation.cache_tag
    gil_probe = getattr(sys, "_is_gil_enabled", None)
    assert seen.gil_enabled == (True if gil_probe is None else gil_probe())


def test_cpython_counts_references() -> None:
    assert observe().counts_references is (sys.implementation.name == "cpython")


def test_every_record_names_its_sources() -> None:
    for implementation in IMPLEMENTATIONS:
        assert implementation.sources
        assert all(s.startswith("https://") for s in implementation.sources)


def test_sys_names_are_unique_and_lower_case() -> None:
    names = [i.sys_name for i in IMPLEMENTATIONS]
    assert len(set(names)) == len(names)
    assert all(name == name.lower() for name in names)


def test_rows_transpose_the_records() -> None:
    table = rows()
    assert all(len(row) == len(IMPLEMENTATIONS) + 1 for row in table)
    global_lock = next(row for row in table if row[0] == "global lock")
    assert global_lock[1:] == tuple(i.global_lock for i in IMPLEMENTATIONS)
    assert rows((IMPLEMENTATIONS[0],))[0] == ("", "CPython")
    assert isinstance(IMPLEMENTATIONS[0], Implementation)
