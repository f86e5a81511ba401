from __future__ import annotations

from pathlib import Path

from driver import testing
from driver.report import Report, render_report


def _outcome(test_id: str, outcome: str) -> testing.TestOutcome:
    return testing.TestOutcome(test_id, outcome, "")


def test_render_report_full() -> None:
    report = Report(
        interpreter=Path("/repo/_build/cpython/patched/python"),
        series="01dd4cb733c8",
        timings={"make": 0.44, "regrtest": 0.0, "total": 1.06},
        patched=[
            _outcome("test_0001_map_strict.MapStrict.test_equal_lengths", "pass"),
            _outcome("test_0001_map_strict.MapStrict.test_shorter_first", "pass"),
            _outcome("test_0005_from_number.FromNumber.test_rationals", "fail"),
        ],
        vanilla=[
            _outcome("test_0001_map_strict.MapStrict.test_equal_lengths", "error"),
            _outcome("test_0001_map_strict.MapStrict.test_shorter_first", "pass"),
            _outcome("test_0005_from_number.FromNumber.test_rationals", "fail"),
        ],
        regrtests=[
            testing.RegrtestResult("test_builtin", 141, 0, 0, 6),
            testing.RegrtestResult("test_grammar", 80, 1, 2, 0),
        ],
        regrtests_cached=True,
    )
    assert render_report(report) == "\n".join(
        [
            "",
            "== CPython build summary ==",
            "time: make 0.4s, regrtest 0.0s, total 1.1s",
            "",
            "test_0001_map_strict: 2/2 pass on the patched build, "
            "1/2 fail on vanilla 3.13.5",
            "  test_equal_lengths" + " " * 34 + " patched: pass  vanilla: error",
            "  test_shorter_first" + " " * 34 + " patched: pass  vanilla: pass",
            "",
            "test_0005_from_number: 0/1 pass on the patched build, "
            "1/1 fail on vanilla 3.13.5",
            "  test_rationals" + " " * 38 + " patched: fail  vanilla: fail",
            "",
            "CPython regression tests (cached: this build already passed them):",
            "  test_builtin     ok     141 tests, 0 failures, 0 errors, 6 skipped",
            "  test_grammar     FAILED 80 tests, 1 failures, 2 errors, 0 skipped",
            "",
            "interpreter: /repo/_build/cpython/patched/python "
            "(patch series 01dd4cb733c8)",
        ]
    )


def test_render_report_without_vanilla_or_regression_tests() -> None:
    report = Report(
        interpreter=Path("/p/python"),
        patched=[_outcome("test_0002_pipe.Pipe.test_token", "pass")],
    )
    assert render_report(report) == "\n".join(
        [
            "",
            "== CPython build summary ==",
            "",
            "test_0002_pipe: 1/1 pass on the patched build, vanilla not run",
            "  test_token" + " " * 42 + " patched: pass  vanilla: -",
            "",
            "interpreter: /p/python (patch series none)",
        ]
    )


def test_render_report_says_when_regression_tests_ran() -> None:
    report = Report(
        interpreter=Path("/p/python"),
        regrtests=[testing.RegrtestResult("test_sys", 80, 0, 0, 9)],
    )
    text = render_report(report)
    assert "CPython regression tests:\n  test_sys " in text
    assert "cached" not in text
