"""The benchmark's programs give CPython's result on every engine (no timing)."""

import pytest

from pyinternals.vm.bench import ENGINES, ProgramTimings, main, measure, render
from pyinternals.vm.bench_programs import PROGRAMS


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_every_engine_computes_cpythons_result(name):
    timings = measure(name, size=PROGRAMS[name].test_size, repeat=1)
    assert timings.agree
    expected = timings.results["cpython"]
    for engine in ("vm", "vm-generic"):
        assert timings.results[engine] == expected
    assert set(timings.seconds) == set(timings.results)


def test_tree_walker_runs_what_is_in_its_subset():
    runs = {
        name: measure(name, size=p.test_size, repeat=1) for name, p in PROGRAMS.items()
    }
    assert "treewalk" not in runs["generators"].seconds  # yield is outside the subset
    assert all("treewalk" in runs[name].seconds for name in ("recursion", "richards"))


def test_results_depend_on_size():
    small = measure("loops", size=3, repeat=1, engines=["cpython"])
    larger = measure("loops", size=4, repeat=1, engines=["cpython"])
    assert small.results["cpython"] != larger.results["cpython"]


def test_disagreement_is_reported():
    timings = ProgramTimings(
        "demo", 1, {"cpython": 1.0, "vm": 2.0}, {"cpython": "1", "vm": "2"}
    )
    assert not timings.agree
    assert timings.ratio("vm") == 2.0


def test_render_shows_ratios_and_missing_engines():
    timings = [
        ProgramTimings(
            "a", 5, {"cpython": 0.01, "vm": 0.5}, {"cpython": "1", "vm": "1"}
        ),
        ProgramTimings(
            "b",
            7,
            {"cpython": 0.02, "vm": 0.4, "treewalk": 0.1},
            {"cpython": "2", "vm": "2", "treewalk": "2"},
        ),
    ]
    lines = render(timings).splitlines()
    assert lines[0].split() == ["program", "size", "CPython", "vm", "treewalk"]
    assert lines[1].split() == ["a", "5", "10.0ms", "50.0x", "-"]
    assert lines[2].split() == ["b", "7", "20.0ms", "20.0x", "5.0x"]


def test_command_line(capsys):
    assert main(["recursion", "nbody", "--scale", "0.01", "--repeat", "1"]) == 0
    output = capsys.readouterr().out
    assert output.startswith("Python ")
    assert [line.split()[0] for line in output.splitlines()[2:]] == [
        "recursion",
        "nbody",
    ]


def test_command_line_rejects_unknown_programs(capsys):
    with pytest.raises(SystemExit):
        main(["no-such-program"])
    assert "unknown programs" in capsys.readouterr().err


def test_engines_start_with_cpython():
    assert next(iter(ENGINES)) == "cpython"
