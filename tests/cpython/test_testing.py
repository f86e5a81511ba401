from __future__ import annotations

from pathlib import Path

from driver import testing

JUNIT = """\
<?xml version="1.0" encoding="utf-8"?>
<testsuites tests="7" errors="1" failures="1">
  <testsuite start="0" tests="4" errors="1" failures="1">
    <testcase name="test.test_builtin.BuiltinTest.test_abs" status="run"/>
    <testcase name="test.test_builtin.BuiltinTest.test_map_strict" status="run">
      <failure type="AssertionError" message="boom">Traceback</failure>
    </testcase>
    <testcase name="test.test_builtin.PtyTests.test_input_tty" status="run">
      <skipped>no pty</skipped>
    </testcase>
    <testcase name="builtins.hex" status="run">
      <error type="ValueError" message="doctest">Traceback</error>
    </testcase>
  </testsuite>
  <testsuite start="0" tests="2" errors="0" failures="0">
    <testcase name="test.test_grammar.GrammarTests.test_pipe" status="run"/>
    <testcase name="test.test_grammar.GrammarTests.test_del" status="run"/>
  </testsuite>
  <testsuite start="0" tests="1" errors="0" failures="0">
    <testcase name="test.test_unrequested.Tests.test_x" status="run"/>
  </testsuite>
  <testsuite start="0" tests="0" errors="0" failures="0"/>
</testsuites>
"""


def test_parse_junit_counts_per_module_in_the_order_asked(tmp_path: Path) -> None:
    junit = tmp_path / "regrtest.xml"
    junit.write_text(JUNIT)
    results = testing.parse_junit(
        junit, ["test_grammar", "test_builtin", "test_missing"]
    )
    assert results == [
        testing.RegrtestResult("test_grammar", 2, 0, 0, 0),
        testing.RegrtestResult("test_builtin", 4, 1, 1, 1),
    ]
    assert results[0].passed
    assert not results[1].passed


def _outcome(name: str, outcome: str) -> testing.TestOutcome:
    return testing.TestOutcome(f"test_0001_x.Tests.{name}", outcome, f"{name} detail")


def test_check_vanilla_holds_when_patched_pass_and_vanilla_fail() -> None:
    patched = [_outcome("test_a", "pass"), _outcome("test_b", "pass")]
    vanilla = [_outcome("test_a", "fail"), _outcome("test_b", "error")]
    assert testing.check_vanilla(patched, vanilla) == []


def test_check_vanilla_reports_a_test_passing_on_vanilla() -> None:
    patched = [_outcome("test_a", "pass"), _outcome("test_b", "pass")]
    vanilla = [_outcome("test_a", "pass"), _outcome("test_b", "skip")]
    assert testing.check_vanilla(patched, vanilla) == [
        "test_0001_x.Tests.test_a: pass on vanilla CPython, "
        "so it does not test the patch",
        "test_0001_x.Tests.test_b: skip on vanilla CPython, "
        "so it does not test the patch",
    ]


def test_check_vanilla_reports_a_test_failing_on_the_patched_build() -> None:
    patched = [_outcome("test_a", "error")]
    vanilla = [_outcome("test_a", "fail")]
    assert testing.check_vanilla(patched, vanilla) == [
        "test_0001_x.Tests.test_a: error on the patched build\ntest_a detail"
    ]


def test_check_vanilla_reports_different_test_sets() -> None:
    patched = [_outcome("test_a", "pass"), _outcome("test_b", "pass")]
    vanilla = [_outcome("test_a", "fail")]
    assert testing.check_vanilla(patched, vanilla) == [
        "the patched and vanilla runs found different tests"
    ]


def test_the_regression_tests_cover_each_patch() -> None:
    assert len(set(testing.REGRTESTS)) == len(testing.REGRTESTS)
    assert {"test_builtin", "test_grammar", "test_sys", "test_fractions"} <= set(
        testing.REGRTESTS
    )
    assert testing.REGRTEST_OPTIONS == ("-u", "cpu")
