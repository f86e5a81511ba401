"""VM-made functions called back from C, tracebacks, and what the VM really ran."""

import functools
import inspect
import textwrap
import traceback
from typing import Any

from pyinternals.vm.frame import Frame, Instruction
from pyinternals.vm.machine import VirtualMachine, exec_source
from pyinternals.vm.trampolines import trampoline_entry, vm_code


class CountingMachine(VirtualMachine):
    """Counts the BINARY_OP instructions the VM itself executed."""

    def __init__(self) -> None:
        super().__init__()
        self.binary_ops = 0

    def op_BINARY_OP(self, frame: Frame, instruction: Instruction) -> None:
        self.binary_ops += 1
        super().op_BINARY_OP(frame, instruction)


def _run(source: str) -> tuple[CountingMachine, dict[str, Any]]:
    machine = CountingMachine()
    namespace: dict[str, Any] = {"__name__": "__program__"}
    code = compile(textwrap.dedent(source), "<program>", "exec", dont_inherit=True)
    machine.run_code(code, namespace)
    return machine, namespace


def test_a_key_function_called_by_sorted_runs_on_the_vm() -> None:
    machine, namespace = _run(
        """
        def key(x):
            return x * -1
        result = sorted([1, 3, 2], key=key)
        """
    )
    assert namespace["result"] == [3, 2, 1]
    assert machine.binary_ops == 3


def test_init_called_by_type_call_runs_on_the_vm() -> None:
    machine, namespace = _run(
        """
        class Point:
            def __init__(self, x):
                self.double = x + x
        p = Point(21)
        """
    )
    assert namespace["p"].double == 42
    assert machine.binary_ops == 1


def test_calling_a_vm_function_from_python_runs_it_on_the_vm() -> None:
    machine, namespace = _run("def add(a, b=10, *, c=100):\n    return a + b + c\n")
    assert machine.binary_ops == 0
    assert namespace["add"](1, c=1) == 12
    assert list(map(namespace["add"], [1, 2])) == [111, 112]
    assert machine.binary_ops == 6


def test_vm_functions_look_like_functions_to_inspect() -> None:
    source = "def f(a, b=2, /, c=3, *args, d, e=5, **kwargs) -> int:\n    x = a\n"
    namespace = exec_source(source)
    expected: dict[str, Any] = {}
    exec(source, expected)
    vm_function = namespace["f"]
    assert inspect.signature(vm_function) == inspect.signature(expected["f"])
    assert vm_function.__qualname__ == "f"
    assert vm_code(vm_function).co_varnames == expected["f"].__code__.co_varnames
    assert trampoline_entry(vm_function) is not None
    assert trampoline_entry(expected["f"]) is None


def test_a_vm_generator_function_called_from_c_gives_a_generator() -> None:
    machine, namespace = _run(
        """
        def squares(n):
            for i in range(n):
                yield i * i
            return "done"
        """
    )
    made = functools.partial(namespace["squares"], 3)()
    assert inspect.isgenerator(made)
    assert inspect.isgeneratorfunction(namespace["squares"])
    assert list(made) == [0, 1, 4]
    assert machine.binary_ops == 3
    # Called by VM code it is the same kind of generator, run by the VM.
    direct = machine.call_object(namespace["squares"], (2,), None)
    assert inspect.isgenerator(direct)
    assert list(direct) == [0, 1]
    assert machine.binary_ops == 5


def test_closures_survive_the_trampoline() -> None:
    machine, namespace = _run(
        """
        def counter():
            count = 0
            def up():
                nonlocal count
                count += 1
                return count
            return up
        up = counter()
        """
    )
    up = namespace["up"]
    assert [up(), up(), up()] == [1, 2, 3]
    assert up.__closure__[0].cell_contents == 3
    assert machine.binary_ops == 3


PROGRAM_WITH_DEEP_FAILURE = """
def parse(text):
    return int(text)

def load(items):
    return [parse(item) for item in items]

def main():
    values = load(["1", "2"])
    values += sorted(["x"], key=parse)
    return values

main()
"""


def _frames(error: BaseException) -> list[tuple[str, int | None, str]]:
    summary = traceback.extract_tb(error.__traceback__)
    return [(frame.name, frame.lineno, frame.filename) for frame in summary]


def test_traceback_names_the_same_program_frames_and_lines() -> None:
    code = compile(PROGRAM_WITH_DEEP_FAILURE, "<program>", "exec")
    try:
        exec(code, {"__name__": "__program__"})
    except ValueError as error:
        expected = [frame for frame in _frames(error) if frame[2] == "<program>"]
    try:
        VirtualMachine().run_code(code, {"__name__": "__program__"})
    except ValueError as error:
        actual = [frame for frame in _frames(error) if frame[2] == "<program>"]
    assert actual == expected
    assert [name for name, _, _ in actual] == ["<module>", "main", "parse"]


def test_traceback_has_no_frames_of_the_machinery() -> None:
    code = compile(PROGRAM_WITH_DEEP_FAILURE, "<program>", "exec")
    try:
        VirtualMachine().run_code(code, {"__name__": "__program__"})
    except ValueError as error:
        frames = _frames(error)
    machinery = [name for name, _, filename in frames if "pyinternals/vm" in filename]
    assert machinery == []
    assert [name for name, _, _ in frames][1:] == ["<module>", "main", "parse"]


GENERATOR_FAILING_UNDER_FOR = """
def numbers():
    yield 1
    raise ValueError("no more")

def main():
    for number in numbers():
        pass

main()
"""


def test_traceback_through_a_generator_has_the_same_entries() -> None:
    code = compile(GENERATOR_FAILING_UNDER_FOR, "<program>", "exec")
    runs = {}
    for name, run in (("cpython", exec), ("vm", VirtualMachine().run_code)):
        try:
            run(code, {"__name__": "__program__"})
        except ValueError as error:
            runs[name] = _frames(error)[1:]
    assert runs["vm"] == runs["cpython"]
    assert [name for name, _, _ in runs["vm"]] == ["<module>", "main", "numbers"]
