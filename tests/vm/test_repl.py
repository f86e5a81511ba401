"""The VM's REPL, driven through a pipe, and its pure helpers."""

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

import pyinternals
from pyinternals.vm.repl import (
    STYLES,
    VMConsole,
    completions,
    highlight,
    history_path,
    render_ansi,
    repaint_line,
    wants_colour,
)

SOURCE_FOLDER = str(Path(pyinternals.__file__).resolve().parents[1])
COMPILERS = ["cpython", "ours"]


def _session(lines, *options):
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [SOURCE_FOLDER, *filter(None, [environment.get("PYTHONPATH")])]
    )
    result = subprocess.run(
        [sys.executable, "-m", "pyinternals.vm", *options],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )
    return result.stdout, result.stderr, result.returncode


@pytest.mark.parametrize("compiler", COMPILERS)
def test_a_piped_session_echoes_values_and_survives_errors(compiler):
    out, err, status = _session(
        [
            "x = 6",
            "x * 7",
            "def fact(n):",
            "    if n < 2:",
            "        return 1",
            "    return n * fact(n - 1)",
            "",
            "fact(10)",
            "fact('a') + 1",
            "undefined_name",
            "1 +",
            "[x for x in 'ab']",
            "None",
            "print('still here', x)",
        ],
        "--compiler",
        compiler,
    )
    assert status == 0
    assert out == "42\n3628800\n['a', 'b']\nstill here 6\n"
    assert "NameError: name 'undefined_name' is not defined" in err
    assert "TypeError" in err
    assert "SyntaxError: invalid syntax" in err
    assert 'File "<stdin>", line 1, in <module>' in err
    assert "pyinternals" not in err.split("\n", 2)[2]  # past the banner


def test_exit_ends_the_session_with_its_status():
    out, _, status = _session(["print('before')", "exit(3)", "print('after')"])
    assert (out, status) == ("before\n", 3)


def test_end_of_input_ends_the_session_normally():
    out, err, status = _session(["for i in range(3):", "    print(i)"])
    assert (out, status) == ("0\n1\n2\n", 0)
    assert ">>> ... ... " in err  # the prompts go to stderr without a terminal


def test_the_console_keeps_future_imports_with_our_compiler():
    console = VMConsole("ours")
    with redirect_stdout(io.StringIO()) as out:
        console.push("from __future__ import annotations")
        console.push("def f(x: undefined) -> None: pass")
        console.push("")
        console.push("f.__annotations__")
    assert out.getvalue() == "{'x': 'undefined', 'return': 'None'}\n"


def test_the_console_runs_its_inputs_on_the_vm():
    console = VMConsole()
    ran = []
    original = console.machine.run_code
    console.machine.run_code = lambda code, namespace: (
        ran.append(code) or original(code, namespace)
    )
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()) as err:
        assert console.push("y = 1 / 0") is False
    assert [code.co_filename for code in ran] == ["<stdin>"]
    assert "ZeroDivisionError" in err.getvalue()


@pytest.mark.parametrize(
    "source",
    [
        "def f(x): return x  # comment",
        "class A(B): pass",
        "print(f'{a!r:>{w}} and {b}', 0x1F, 3.5j, ...)",
        "s = '''open string",
        "x = [1, (2,",
        "match point:\n    case (0, 0):\n        pass\n",
        "é = 'unicode' + \"text\"",
    ],
)
def test_highlight_pieces_join_back_into_the_source(source):
    pieces = highlight(source)
    assert "".join(text for text, _ in pieces) == source
    assert all(style is None or style in STYLES for _, style in pieces)


def test_highlight_names_the_kinds():
    styles = dict(highlight("import os\nlen(os.sep) + 12 # n\nclass Point: ..."))
    assert styles["import"] == "keyword"
    assert styles["len"] == "builtin"
    assert styles["12"] == "number"
    assert styles["# n"] == "comment"
    assert styles["Point"] == "definition"
    assert styles["+"] == "operator"
    assert "os" not in styles or styles["os"] is None


def test_soft_keywords_are_keywords():
    styles = dict(highlight("match x:"))
    assert styles["match"] == "keyword"


def test_render_and_repaint():
    painted = render_ansi([("if", "keyword"), (" x", None)])
    assert painted == STYLES["keyword"] + "if\x1b[0m x"
    long_line = "x" * 100
    assert repaint_line(">>> ", long_line, 80).startswith("\x1b[2A\r\x1b[J>>> ")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_colour_only_on_a_terminal_without_no_color():
    assert wants_colour(_Terminal(), {"TERM": "xterm"})
    assert not wants_colour(_Terminal(), {"NO_COLOR": "1"})
    assert not wants_colour(_Terminal(), {"TERM": "dumb"})
    assert not wants_colour(io.StringIO(), {})


def test_completions_come_from_the_session_namespace():
    console = VMConsole()
    with redirect_stdout(io.StringIO()):
        console.push("import math")
        console.push("gravity = 9.81")
    assert completions(console.locals, "grav") == ["gravity"]
    assert "math.sqrt(" in completions(console.locals, "math.sq")
    assert "while " in completions(console.locals, "whil")


def test_history_path_honours_xdg_cache_home(tmp_path):
    assert history_path({"XDG_CACHE_HOME": str(tmp_path)}) == (
        tmp_path / "pyinternals" / "vm_history"
    )
    home = history_path({})
    assert home.parts[-3:] == (".cache", "pyinternals", "vm_history")
