"""``python -m pyinternals.compiler``: tokens, trees and scopes of a file."""

import ast
import io
import subprocess
import symtable
import sys

import pytest

from pyinternals.compiler.__main__ import main
from pyinternals.compiler.render import format_scopes
from pyinternals.compiler.speed import PAIRS, RUN_PROGRAMS

PROGRAM = "def area(r):\n    return 3.14 * r ** 2\n"


@pytest.fixture
def program(tmp_path):
    path = tmp_path / "area.py"
    path.write_text(PROGRAM)
    return path


def test_tokens_are_listed_like_python_m_tokenize(program, capsys):
    assert main(["tokens", str(program)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[1:] == ["ENCODING", "'utf-8'"]
    assert lines[1].split()[1:] == ["NAME", "'def'"]
    assert lines[-1].split()[1] == "ENDMARKER"


def test_ast_is_the_indented_dump_of_the_tree(program, capsys):
    assert main(["ast", str(program)]) == 0
    assert capsys.readouterr().out == ast.dump(ast.parse(PROGRAM), indent=2) + "\n"


def test_ast_with_positions(program, capsys):
    assert main(["ast", "--positions", str(program)]) == 0
    out = capsys.readouterr().out
    assert out == ast.dump(ast.parse(PROGRAM), indent=2, include_attributes=True) + "\n"


def test_symtable_outline_matches_the_stdlib_tables(program, capsys):
    assert main(["symtable", str(program)]) == 0
    expected = format_scopes(symtable.symtable(PROGRAM, str(program), "exec"))
    assert capsys.readouterr().out == expected + "\n"


def test_standard_input(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x = 1\n")))
    assert main(["ast", "-"]) == 0
    assert "Assign" in capsys.readouterr().out


def test_syntax_error_is_reported_as_cpython_reports_it(tmp_path, capsys):
    bad = tmp_path / "bad.py"
    bad.write_text("x = (1,\n")
    assert main(["ast", str(bad)]) == 1
    err = capsys.readouterr().err
    with pytest.raises(SyntaxError) as caught:
        compile(bad.read_text(), str(bad), "exec")
    assert err.splitlines()[-1] == f"SyntaxError: {caught.value.msg}"
    assert f'File "{bad}", line {caught.value.lineno}' in err


def test_missing_file_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "pyinternals.compiler", "ast", str(tmp_path / "no.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "No such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_speed_prints_a_ratio_per_part(capsys):
    assert main(["speed", "400"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Python ")
    parts = out[1:5]
    assert [line.split()[0] for line in parts] == [*PAIRS]
    assert out[5].startswith("Running the code each compiler produced")
    programs = out[6:]
    assert [line.split()[0] for line in programs] == list(RUN_PROGRAMS)
    assert all("ratio" in line for line in parts + programs)
