"""``python -m pyinternals.vm``: programs on the VM behave as under ``python``.

Each differential test runs the same command twice, as ``python ARGS`` and
as ``python -m pyinternals.vm [--compiler C] ARGS``, with the same standard
input in the same folder, and compares standard output, standard error and
the exit status.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import pyinternals
from pyinternals.vm.cli import Invocation, main, parse_arguments
from pyinternals.vm.runner import (
    CannotRun,
    command_program,
    module_program,
    run_program,
    script_program,
)

SOURCE_FOLDER = str(Path(pyinternals.__file__).resolve().parents[1])
COMPILERS = ["cpython", "ours"]

SAMPLE_JSON = '{"b": [1, 2.5, {"c": null}], "a": "\\u00e9t\\u00e9", "t": true}\n'

SAMPLE_PROGRAM = '''\
"""A small program for tokenize and ast."""
import sys


def area(r: float = 1.0) -> float:
    return 3.14 * r ** 2 if r > 0 else 0.0


print(f"{area(2):.2f}", [x for x in range(3)], {"k": 1}, sys.argv[1:])
'''

INTROSPECT = """\
import sys
print(__name__, repr(__doc__), __package__, __cached__ is None)
print(__file__)
print(type(__loader__).__name__, __spec__ and __spec__.name)
print(sys.argv)
print(sys.path[0])
print(sorted(globals()))
"""

FAILING = """\
def parse(text):
    return int(text) + 1


def total(items):
    result = 0
    for item in items:
        result += parse(item)
    return result


print("start")
print(total(["1", "2", "x3"]))
"""

CHAINED = """\
class Broken(Exception):
    pass


def load(d):
    try:
        return d["key"]
    except KeyError as error:
        raise Broken("no key") from error


try:
    load({})
except Broken:
    [][0]
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("programs")
    (folder / "sample.json").write_text(SAMPLE_JSON)
    (folder / "bad.json").write_text('{"a": [1, 2,]}\n')
    (folder / "sample_program.py").write_text(SAMPLE_PROGRAM)
    (folder / "introspect.py").write_text(INTROSPECT)
    (folder / "failing.py").write_text(FAILING)
    (folder / "chained.py").write_text(CHAINED)
    (folder / "syntax_error.py").write_text("x = (1,\ny = 2\n")
    (folder / "exits.py").write_text(
        "import sys\nprint('out')\nsys.exit(int(sys.argv[1]) if sys.argv[1:] "
        "else 'goodbye')\n"
    )
    (folder / "interrupted.py").write_text("raise KeyboardInterrupt\n")
    sub = folder / "sub"
    sub.mkdir()
    (sub / "link_target.py").write_text(INTROSPECT)
    (folder / "linked.py").symlink_to(sub / "link_target.py")
    package = folder / "shapes"
    package.mkdir()
    (package / "__init__.py").write_text("print('package', __name__)\n")
    (package / "geometry.py").write_text("SIDES = {'triangle': 3, 'square': 4}\n")
    (package / "__main__.py").write_text(
        "from .geometry import SIDES\nimport sys\n"
        "print(__name__, __package__, __spec__.name, sys.argv[1:], SIDES)\n"
    )
    (package / "report.py").write_text(INTROSPECT + "from . import geometry\n")
    (folder / "plain.py").write_text("print('plain module', __name__)\n")
    return folder


def _run(arguments, folder, stdin=""):
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        [SOURCE_FOLDER, *filter(None, [environment.get("PYTHONPATH")])]
    )
    environment.pop("PYTHONSTARTUP", None)
    environment["NO_COLOR"] = "1"
    result = subprocess.run(
        [sys.executable, *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=folder,
        env=environment,
        check=False,
    )
    return result.stdout, result.stderr, result.returncode


def _assert_same_as_python(arguments, folder, compiler, stdin="", vm_options=()):
    expected = _run(arguments, folder, stdin)
    actual = _run(
        ["-m", "pyinternals.vm", "--compiler", compiler, *vm_options, *arguments],
        folder,
        stdin,
    )
    assert actual == expected
    return expected


STDLIB_COMMANDS = [
    # arguments, standard input, whether python fails
    (["json.tool", "sample.json"], "", False),
    (["json.tool", "--sort-keys", "--indent", "2", "sample.json"], "", False),
    (["json.tool", "--compact"], SAMPLE_JSON, False),
    (["json.tool", "bad.json"], "", True),
    (["json.tool", "--no-such-option"], "", True),
    (["calendar", "2024"], "", False),
    (["calendar", "2024", "2"], "", False),
    (["calendar", "-t", "html", "2023"], "", False),
    (["calendar", "2024", "13"], "", True),
    (["base64", "-e", "sample.json"], "", False),
    (["base64", "-d"], "aGVsbG8sIFZNIQ==\n", False),
    (["base64", "-t"], "", sys.version_info >= (3, 13)),  # -t went in 3.13
    (["tokenize", "sample_program.py"], "", False),
    (["tokenize", "-e", "sample_program.py"], "", False),
    (["tokenize", "syntax_error.py"], "", True),
    (["ast", "sample_program.py"], "", False),
    (["ast", "-a", "sample_program.py"], "", False),
    (["ast", "-m", "eval"], "[1, 2 + x]\n", False),
    (["ast", "syntax_error.py"], "", True),
]


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize(
    ("arguments", "stdin", "fails"),
    STDLIB_COMMANDS,
    ids=[" ".join(arguments) for arguments, _, _ in STDLIB_COMMANDS],
)
def test_standard_library_modules_agree(arguments, stdin, fails, compiler, folder):
    out, _, status = _assert_same_as_python(["-m", *arguments], folder, compiler, stdin)
    assert (status != 0) == fails
    assert out or fails


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize(
    "arguments",
    [["json.tool", "sample.json"], ["calendar", "2024", "2"], ["base64", "-t"]],
    ids=lambda arguments: " ".join(arguments),
)
def test_module_bodies_on_the_vm_agree(arguments, compiler, folder):
    _assert_same_as_python(
        ["-m", *arguments], folder, compiler, vm_options=["--vm-imports"]
    )


PROGRAMS = [
    ["sample_program.py", "one", "--two"],
    ["introspect.py", "a", "b"],
    ["linked.py"],
    ["sub/../introspect.py"],
    ["failing.py"],
    ["chained.py"],
    ["syntax_error.py"],
    ["exits.py"],
    ["exits.py", "3"],
    ["exits.py", "0"],
    ["no_such_file.py"],
    ["-m", "introspect", "x"],
    ["-m", "shapes", "arg"],
    ["-m", "shapes.report", "y"],
    ["-m", "shapes.nothing"],
    ["-m", "plain.inner"],
    ["-m", "no_such_module"],
    ["-m", "introspect.py"],
    ["-c", "import sys; print(sys.argv, __name__, sys.path[0]); 1/0", "z"],
]


@pytest.mark.parametrize("compiler", COMPILERS)
@pytest.mark.parametrize("arguments", PROGRAMS, ids=" ".join)
def test_programs_run_as_under_python(arguments, compiler, folder):
    _assert_same_as_python(arguments, folder, compiler)


def test_the_failing_program_prints_the_traceback_of_its_own_frames(folder):
    out, err, status = _run(["-m", "pyinternals.vm", "failing.py"], folder)
    assert (out, status) == ("start\n", 1)
    assert "pyinternals" not in err
    assert err.startswith("Traceback (most recent call last):\n")
    assert "    return int(text) + 1\n           ~~~^^^^^^\n" in err or (
        "    return int(text) + 1\n           ^^^^^^^^^\n" in err  # 3.11's carets
    )
    assert err.endswith("ValueError: invalid literal for int() with base 10: 'x3'\n")


def test_an_uncaught_interrupt_ends_the_process_by_sigint(folder):
    expected = _run(["interrupted.py"], folder)
    assert expected[2] == -signal.SIGINT
    assert _run(["-m", "pyinternals.vm", "interrupted.py"], folder) == expected


def test_parse_arguments_stops_at_the_program():
    assert parse_arguments(["-m", "calendar", "-m", "x"]) == Invocation(
        "module", "calendar", ("-m", "x"), "cpython", False
    )
    assert parse_arguments(["--vm-imports", "-cprint(1)", "a"]) == Invocation(
        "command", "print(1)", ("a",), "cpython", True
    )
    assert parse_arguments(["--compiler=ours", "prog.py", "-c", "x"]) == Invocation(
        "script", "prog.py", ("-c", "x"), "ours", False
    )
    assert parse_arguments(["--compiler", "ours"]).kind == "repl"


def test_parse_arguments_rejects_an_unknown_compiler(capsys):
    with pytest.raises(SystemExit) as stopped:
        parse_arguments(["--compiler", "pypy", "x.py"])
    assert stopped.value.code == 2
    assert "invalid choice: 'pypy'" in capsys.readouterr().err


@pytest.mark.parametrize("compiler", COMPILERS)
def test_script_program_and_run_program_in_process(compiler, folder, capsys):
    program = script_program(str(folder / "sample_program.py"), compiler)
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    assert run_program(program, ["k"]) == 0
    assert capsys.readouterr().out == "12.56 [0, 1, 2] {'k': 1} ['k']\n"
    assert (sys.argv, sys.path) == (saved_argv, saved_path)
    assert program.attributes["__file__"] == str(folder / "sample_program.py")
    assert program.path0 == str(folder)


def test_system_exit_propagates_from_run_program(folder, capsys):
    with pytest.raises(SystemExit) as stopped:
        run_program(script_program(str(folder / "exits.py")), ["7"])
    assert stopped.value.code == 7


def test_a_syntax_error_is_the_programs_failure(folder, capsys):
    program = command_program("1 +")
    assert program.code is None
    assert isinstance(program.failure, SyntaxError)
    assert run_program(program) == 1
    assert capsys.readouterr().err.endswith("SyntaxError: invalid syntax\n")


def test_module_program_names_a_package_main(folder, monkeypatch):
    monkeypatch.syspath_prepend(str(folder))
    program = module_program("shapes", "ours")
    assert program.attributes["__spec__"].name == "shapes.__main__"
    assert program.attributes["__package__"] == "shapes"
    assert program.argv0 == str(folder / "shapes" / "__main__.py")
    with pytest.raises(CannotRun, match=r"No module named shapes\.nothing"):
        module_program("shapes.nothing")


def test_main_runs_a_command(capsys):
    assert main(["--compiler", "ours", "-c", "print(sum(range(5)))"]) == 0
    assert capsys.readouterr().out == "10\n"
