"""The VM's sys.settrace against CPython's: the same events, in the same order."""

import io
import re
import sys
import textwrap
import weakref
from contextlib import redirect_stdout
from typing import Any

import pytest

from pyinternals.compiler.programs import PROGRAMS
from pyinternals.vm.machine import VirtualMachine
from pyinternals.vm.tracing import TracedFrame, line_starts

LINE_RULES = {
    "one_line_loops": """
        total = 0
        for i in range(3): total += i
        while total: total -= 1
        print(total)
    """,
    "same_line_bodies": """
        f = lambda: 1
        f()
        squares = [x * x for x in range(3)]
        print(sum(x for x in squares), squares)
    """,
    "yield_from_returns": """
        def inner(value):
            yield 1
            return value
        def outer():
            yield from inner(None)
            got = yield from inner("done")
            yield from [2, 3]
            yield got
        print(list(outer()))
    """,
    "nested_handlers": """
        def f(n):
            for i in range(n):
                try:
                    try:
                        if i % 2:
                            raise KeyError(i)
                        continue
                    finally:
                        n -= 1
                except KeyError:
                    pass
                else:
                    break
            return n
        print(f(4))
    """,
    "loops_with_break": """
        i = 0
        while True:
            i += 1
            if i > 3:
                break
        for j in range(5):
            if j == 1:
                continue
            if j == 3:
                break
        print(i, j)
    """,
    "multi_line_expressions": """
        values = [
            1,
            2,
        ]
        total = (values[0]
                 + values[1])
        print(total, {
            "a": total,
        })
    """,
    "uncaught": """
        def fail():
            raise ValueError("no")
        fail()
    """,
}


def _summary(arg: Any, event: str) -> str | None:
    if event == "exception":
        message = re.sub(" at 0x[0-9a-f]+", "", str(arg[1]))
        return f"{arg[0].__name__}: {message}"
    if event == "return":
        return repr(arg) if type(arg) in (int, str, bool, type(None)) else "<object>"
    return None


def events(source: str, *, vm: bool, opcodes: bool = False) -> list[tuple[Any, ...]]:
    """Every trace event of the program's own frames: what it says and where."""
    code = compile(source, "<program>", "exec", dont_inherit=True)
    seen: list[tuple[Any, ...]] = []

    def local(frame: Any, event: str, arg: Any) -> Any:
        where = frame.f_lasti if event == "opcode" else frame.f_lineno
        seen.append((event, frame.f_code.co_name, where, _summary(arg, event)))
        return local

    def global_(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != "<program>":
            return None
        seen.append((event, frame.f_code.co_name, frame.f_lineno, None))
        frame.f_trace = local
        frame.f_trace_opcodes = opcodes
        return local

    namespace = {"__name__": "__main__"}
    try:
        with redirect_stdout(io.StringIO()):
            if vm:
                machine = VirtualMachine()
                machine.tracer.settrace(global_)
                machine.run_code(code, namespace)
            else:
                sys.settrace(global_)
                try:
                    exec(code, namespace)
                finally:
                    sys.settrace(None)
    except Exception:
        pass
    return seen


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_events_of_the_corpus_agree(name: str) -> None:
    expected = events(PROGRAMS[name], vm=False)
    assert len(expected) > 3
    assert events(PROGRAMS[name], vm=True) == expected


@pytest.mark.parametrize("name", sorted(LINE_RULES))
def test_line_events_agree(name: str) -> None:
    source = textwrap.dedent(LINE_RULES[name])
    expected = events(source, vm=False)
    assert any(event[0] == "line" for event in expected)
    assert events(source, vm=True) == expected


@pytest.mark.parametrize("name", sorted(LINE_RULES))
def test_events_with_opcodes_agree(name: str) -> None:
    source = textwrap.dedent(LINE_RULES[name])
    expected = events(source, vm=False, opcodes=True)
    assert any(event[0] == "opcode" for event in expected)
    assert events(source, vm=True, opcodes=True) == expected


def test_line_starts_include_handlers_and_loop_heads() -> None:
    source = (
        "for x in range(2):\n    try:\n        y = x\n    except E:\n        pass\n"
    )
    code = compile(source, "<demo>", "exec")
    starts = line_starts(code)
    lines = {instruction.line for instruction in _instructions(code, starts)}
    assert {1, 2, 3, 4} <= lines


def _instructions(code: Any, indexes: frozenset[int]) -> list[Any]:
    from pyinternals.vm.frame import decode_code

    return [decode_code(code).instructions[index] for index in sorted(indexes)]


def test_local_trace_returning_none_keeps_f_trace() -> None:
    # trace_trampoline keeps f_trace when the local function returns None
    source = "a = 1\nb = 2\nc = 3\n"
    lines = []

    def local(frame: Any, event: str, arg: Any) -> None:
        lines.append((event, frame.f_lineno))

    machine = VirtualMachine()
    machine.tracer.settrace(lambda frame, event, arg: local)
    machine.run_code(compile(source, "<demo>", "exec"), {})
    assert lines == [("line", 1), ("line", 2), ("line", 3), ("return", 3)]


def test_a_failing_trace_function_is_removed_and_its_error_raised() -> None:
    def broken(frame: Any, event: str, arg: Any) -> Any:
        raise RuntimeError("trace failed")

    machine = VirtualMachine()
    machine.tracer.settrace(broken)
    with pytest.raises(RuntimeError, match="trace failed"):
        machine.run_code(compile("x = 1\n", "<demo>", "exec"), {})
    assert machine.tracer.gettrace() is None


def test_frame_view_attributes() -> None:
    source = "def f(a):\n    b = a * 2\n    return b\nf(5)\n"
    seen: list[tuple[Any, ...]] = []

    def local(frame: TracedFrame, event: str, arg: Any) -> Any:
        if event == "return" and frame.f_code.co_name == "f":
            caller = frame.f_back
            assert caller is not None
            seen.append(
                (
                    frame.f_locals,
                    frame.f_lineno,
                    frame.f_lasti >= 0,
                    caller.f_code.co_name,
                    caller.f_back,
                    frame.f_globals is caller.f_globals,
                    frame.value_stack,
                )
            )
        return local

    machine = VirtualMachine()
    machine.tracer.settrace(lambda frame, event, arg: local)
    machine.run_code(compile(source, "<demo>", "exec"), {})
    assert seen == [({"a": 5, "b": 10}, 3, True, "<module>", None, True, (10,))]


def test_vm_code_calling_sys_settrace_sets_the_machines_hook() -> None:
    source = textwrap.dedent("""
        import sys
        seen = []
        def tracer(frame, event, arg):
            seen.append((event, frame.f_code.co_name))
        def f():
            return 1
        sys.settrace(tracer)
        f()
        same = sys.gettrace() is tracer
        sys.settrace(None)
        f()
    """)
    namespace: dict[str, Any] = {}
    machine = VirtualMachine()
    machine.run_code(compile(source, "<demo>", "exec"), namespace)
    assert namespace["seen"] == [("call", "f")]
    assert namespace["same"] is True
    assert sys.gettrace() is None or sys.gettrace() is not namespace["tracer"]


def test_trace_functions_do_not_trace_themselves() -> None:
    source = "def f():\n    return 1\nx = f()\n"
    namespace: dict[str, Any] = {}
    machine = VirtualMachine()
    machine.run_code(compile(source, "<demo>", "exec"), namespace)
    calls = []

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        calls.append(frame.f_code.co_name)
        machine.call_object(namespace["f"], (), None)  # VM code, not traced
        return None

    machine.tracer.settrace(tracer)
    machine.call_object(namespace["f"], (), None)
    assert calls == ["f"]


def test_f_locals_written_by_a_trace_function_reach_the_frame() -> None:
    source = "def f():\n    x = 1\n    y = 2\n    return x\nresult = f()\n"

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == "line" and frame.f_lineno == 3:
            frame.f_locals["x"] = 42
        return local

    def run(vm: bool) -> Any:
        namespace: dict[str, Any] = {}
        code = compile(source, "<program>", "exec")
        tracer = lambda frame, event, arg: local  # noqa: E731
        if vm:
            machine = VirtualMachine()
            machine.tracer.settrace(tracer)
            machine.run_code(code, namespace)
        else:
            sys.settrace(tracer)
            try:
                exec(code, namespace)
            finally:
                sys.settrace(None)
        return namespace["result"]

    expected = run(vm=False)
    assert expected == 42  # 3.11 writes the copy back, 3.13's view writes through
    assert run(vm=True) == expected


def test_every_event_of_a_call_sees_the_same_frame_object() -> None:
    # Only weak references are kept here: the frame object must live on its own
    # while the call runs, as CPython's does.
    source = "def f(a):\n    b = a + 1\n    return b\nf(1)\n"
    first: list[weakref.ref[Any]] = []
    same: list[bool] = []

    def trace(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_name == "f":
            if not first:
                first.append(weakref.ref(frame))
            same.append(first[0]() is frame)
        return trace

    machine = VirtualMachine()
    machine.tracer.settrace(trace)
    machine.run_code(compile(source, "<frames>", "exec"), {})
    assert len(same) >= 3  # call, lines, return
    assert all(same)
