"""The opcode tracer: CPython's f_trace_opcodes sequence equals the VM's."""

import textwrap
from pathlib import Path

import pytest

from pyinternals.compiler.programs import PROGRAMS
from pyinternals.vm.trace import TraceStep, main, render_step, trace_source


def _sequence(steps: list[TraceStep]) -> list[tuple[str, int, str]]:
    return [(step.code_name, step.offset, step.opname) for step in steps]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_instruction_sequences_agree(name: str) -> None:
    expected = trace_source(PROGRAMS[name])
    assert len(expected) > 10
    actual = trace_source(PROGRAMS[name], vm=True)
    assert _sequence(actual) == _sequence(expected)
    assert [step.line for step in actual] == [step.line for step in expected]


def test_cpython_shows_no_stack_and_the_vm_does() -> None:
    source = "def f(a, b):\n    return a + b\nf(1, 2)\n"
    on_cpython = trace_source(source)
    on_vm = trace_source(source, vm=True)
    assert all(step.stack is None for step in on_cpython)
    adds = [step for step in on_vm if step.opname in ("BINARY_OP", "BINARY_ADD")]
    assert [step.stack for step in adds] == [("1", "2")]


def test_specialized_instructions_are_reported_by_base_name() -> None:
    source = textwrap.dedent("""
        class P:
            def __init__(self):
                self.x = 1
        p = P()
        total = 0
        for _ in range(100):
            total += p.x
    """)
    names = {step.opname for step in trace_source(source)}
    assert "LOAD_ATTR" in names
    assert not any("INSTANCE" in name or "ADAPTIVE" in name for name in names)


def test_render_step_shows_line_and_stack() -> None:
    step = TraceStep("f", 4, "BINARY_OP", "+", 2, ("1", "2"))
    assert render_step(step).split() == [
        "f",
        "4",
        "BINARY_OP",
        "+",
        "line",
        "2",
        "stack:",
        "[1,",
        "2]",
    ]


def test_command_line_on_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "script.py"
    script.write_text("import sys\nprint(sys.argv[1:])\nx = len(sys.argv)\n")
    outputs = []
    for flags in ([], ["--vm"]):
        assert main([*flags, str(script), "one"]) == 0
        outputs.append(capsys.readouterr().out)
    on_cpython, on_vm = outputs
    assert "['one']" in on_cpython
    assert "['one']" in on_vm
    assert "--- <module> line 3: x = len(sys.argv)" in on_vm
    assert "stack:" in on_vm
    assert "stack:" not in on_cpython
    strip = [line.split(" stack:")[0].rstrip() for line in on_vm.splitlines()]
    assert strip == on_cpython.splitlines()


def test_command_line_exit_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "fail.py"
    script.write_text("raise SystemExit(3)\n")
    assert main(["--vm", str(script)]) == 3
    script.write_text("1 / 0\n")
    assert main([str(script)]) == 1
    assert "ZeroDivisionError" in capsys.readouterr().err
