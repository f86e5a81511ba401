"""The whole compiler: differential runs, the import hook, the CLI, test modules."""

import dis as cpython_dis
import io
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pyinternals.compiler import testsuite
from pyinternals.compiler.codeinfo import differences
from pyinternals.compiler.differential import assert_same, run
from pyinternals.compiler.importer import OurLoader, compiled_by_us
from pyinternals.compiler.pipeline import compile as our_compile
from pyinternals.compiler.programs import PROGRAMS


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_behaves_the_same(name: str) -> None:
    assert_same(PROGRAMS[name])


@pytest.mark.parametrize(
    "expression", ["1 + 2 * 3", "[x for x in 'ab']", "{**{}, 'k': (lambda: 7)()}"]
)
def test_eval_mode_gives_the_same_value(expression: str) -> None:
    assert_same(expression, "eval")


def test_assert_same_notices_a_difference() -> None:
    ours = run("print(1)", compiler="ours")
    assert ours != run("print(2)", compiler="cpython")
    with pytest.raises(AssertionError):
        assert_same("import random; print(random.random())")


def test_both_frontends_give_the_same_code() -> None:
    source = PROGRAMS["closures"]
    ours = our_compile(source, "<p>", "exec")
    from_ast = our_compile(source, "<p>", "exec", frontend="ast")
    assert differences(ours, from_ast) == []


def test_syntax_errors_carry_file_line_and_column() -> None:
    with pytest.raises(SyntaxError) as caught:
        our_compile("def f():\n    pass\nbreak\n", "prog.py", "exec")
    error = caught.value
    assert (error.filename, error.lineno, error.offset) == ("prog.py", 3, 1)
    assert error.msg == "'break' outside loop"


def test_unsupported_flags_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported flags"):
        our_compile("x", "<p>", "eval", flags=0x400)


def test_import_hook_compiles_with_ours(tmp_path: Path) -> None:
    (tmp_path / "hooked_module.py").write_text("def twice(x):\n    return 2 * x\n")
    sys.path.insert(0, str(tmp_path))
    try:
        with compiled_by_us(lambda name: name == "hooked_module"):
            import hooked_module  # type: ignore[import-not-found]
        assert isinstance(hooked_module.__loader__, OurLoader)
        assert hooked_module.twice(21) == 42
        assert not (tmp_path / "__pycache__").exists()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("hooked_module", None)


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pyinternals.compiler", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def test_run_behaves_like_python_file(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            print(__name__, sys.argv[1:], sys.path[0] == {str(tmp_path)!r})
            def fail():
                raise KeyError("missing")
            fail()
            """
        )
    )
    ours = _cli("run", str(script), "a", "b")
    theirs = subprocess.run(
        [sys.executable, str(script), "a", "b"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ours.returncode == theirs.returncode == 1
    assert ours.stdout == theirs.stdout == "__main__ ['a', 'b'] True\n"
    assert ours.stderr == theirs.stderr


def test_run_reports_syntax_errors(tmp_path: Path) -> None:
    script = tmp_path / "bad.py"
    script.write_text("x = (1,\n")
    result = _cli("run", str(script))
    assert result.returncode == 1
    assert "SyntaxError" in result.stderr
    assert str(script) in result.stderr


def test_dis_command_prints_our_code_as_dis_would(tmp_path: Path) -> None:
    script = tmp_path / "sample.py"
    script.write_text(PROGRAMS["finally"])
    ours = _cli("dis", str(script))
    expected = io.StringIO()
    code = our_compile(script.read_bytes(), str(script), "exec")
    cpython_dis.dis(code, file=expected)
    assert ours.returncode == 0
    # Nested code objects are shown with their addresses, which differ.
    address = re.compile(r" at 0x[0-9a-f]+")
    assert address.sub("", ours.stdout) == address.sub("", expected.getvalue())


def test_a_cpython_test_module_passes_under_our_compiler() -> None:
    (comparison,) = testsuite.compare(["test_keywordonlyarg"])
    assert comparison.cpython.count("pass") > 10
    assert not comparison.ours.crash
    assert comparison.regressions == {}


def test_a_test_module_not_loaded_by_our_loader_is_a_crash() -> None:
    # Imported before the hook is installed: CPython's bytecode, not ours.
    script = (
        "import test.test_keywordonlyarg\n"
        "from pyinternals.compiler.testsuite import run_module\n"
        "result = run_module('test_keywordonlyarg', 'ours')\n"
        "print(result.outcomes == {}, result.crash)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert completed.stdout.startswith("True NotOurBytecode: test.test_keywordonlyarg")
    assert "not by pyinternals.compiler.importer.OurLoader" in completed.stdout
