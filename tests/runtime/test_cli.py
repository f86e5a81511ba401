import doctest
import re
import subprocess
import sys

import pytest

from pyinternals.runtime import __main__ as cli


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "pyinternals.runtime", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_examine_prints_a_report():
    result = run_cli("examine", "[1, 'a', {'k': (2, 3)}]")
    assert result.returncode == 0, result.stderr
    assert re.match(r"list at 0x[0-9a-f]+\n", result.stdout)
    assert "referents   3" in result.stdout
    assert result.stderr == ""


def test_sizes_match_the_interpreter():
    result = run_cli("examine", "(1.5, 'x')")
    expected = sys.getsizeof((1.5, "x"))
    assert f"size        {expected} bytes" in result.stdout


def test_graph_files(tmp_path):
    dot = tmp_path / "g.dot"
    result = run_cli("examine", "[[1, [2, [3]]]]", "--graph", str(dot), "--depth", "2")
    assert result.returncode == 0, result.stderr
    assert "object graph of 4 objects written" in result.stdout
    assert dot.read_text().count("[label=") == 4 + 3
    svg = tmp_path / "g.svg"
    assert run_cli("examine", "{'a': [1]}", "--graph", str(svg)).returncode == 0
    assert b"<svg" in svg.read_bytes()


def test_type_filter(tmp_path):
    dot = tmp_path / "g.dot"
    result = run_cli("examine", "[1, 'a', 2.5]", "--type", "str", "--graph", str(dot))
    assert result.returncode == 0, result.stderr
    assert "types str" in result.stdout
    assert dot.read_text().count("[label=") == 2 + 1


@pytest.mark.parametrize(
    ("expr", "status", "message"),
    [
        ("[1,", 2, "EXPR is not a Python expression: '[' was never closed"),
        ("x = 1", 2, "EXPR is not a Python expression"),
        ("1/0", 1, "evaluating EXPR raised ZeroDivisionError: division by zero"),
        ("undefined_name", 1, "raised NameError"),
        ("__import__('os').kill", 0, ""),
    ],
)
def test_bad_expressions_fail_cleanly(expr, status, message):
    result = run_cli("examine", expr)
    assert result.returncode == status
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_namespace_is_fresh():
    assert "NameError" in run_cli("examine", "sys").stderr
    assert "NameError" in run_cli("examine", "run_cli").stderr


def test_unwritable_graph_fails_cleanly(tmp_path):
    result = run_cli("examine", "[]", "--graph", str(tmp_path / "g.gif"))
    assert result.returncode == 1
    assert "error: cannot write" in result.stderr
    assert "Traceback" not in result.stderr
    missing = tmp_path / "no" / "such" / "dir" / "g.dot"
    assert run_cli("examine", "[]", "--graph", str(missing)).returncode == 1


def test_usage_errors():
    assert run_cli().returncode == 2
    assert run_cli("examine", "[]", "--depth", "-1").returncode == 2
    assert run_cli("examine", "[]", "--depth", "two").returncode == 2


def test_help_says_the_expression_is_evaluated():
    result = run_cli("examine", "--help")
    assert result.returncode == 0
    assert "EVALUATE" in result.stdout
    assert "trust" in result.stdout


def test_docstring_examples_of_main():
    # pytest's doctest collection skips __main__.py, so run its examples here.
    results = doctest.testmod(cli, optionflags=doctest.ELLIPSIS)
    assert results.attempted >= 2
    assert results.failed == 0
