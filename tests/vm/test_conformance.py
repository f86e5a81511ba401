"""CPython's test modules on the VM: the harness runs them there, and reports."""

import json
import subprocess
import sys
import textwrap

from pyinternals.compiler.testsuite import Comparison, SuiteResult
from pyinternals.vm import conformance


def _in_fresh_python(script: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


def test_a_test_module_passes_on_the_vm_as_on_cpython() -> None:
    (comparison,) = conformance.compare(["test_augassign"])
    assert comparison.cpython.count("pass") >= 7
    assert not comparison.ours.crash
    assert comparison.regressions == {}
    assert conformance.shortfalls([comparison]) == []


def test_the_module_compiled_by_our_compiler_passes_on_the_vm() -> None:
    (comparison,) = conformance.compare(["test_augassign"], compiler="ours")
    assert comparison.ours.compiler == "ours"
    assert comparison.ours.count("pass") == comparison.cpython.count("pass")


def test_the_tests_really_run_on_the_vm() -> None:
    # Break one opcode of the VM: the tests that use it must now fail, with
    # the VM's error as their reason.
    output = _in_fresh_python(
        """
        import json
        from pyinternals.vm import conformance
        from pyinternals.vm.machine import VirtualMachine

        def broken(self, frame, instruction):
            raise RuntimeError("no augmented assignment today")

        VirtualMachine.op_BINARY_OP = broken
        result = conformance.run_module("test_augassign")
        print(json.dumps([result.count("pass"), sorted(set(result.reasons.values()))]))
        """
    )
    passes, reasons = json.loads(output)
    assert passes < 7
    assert reasons == ["RuntimeError: no augmented assignment today"]


def test_doctest_examples_run_on_the_vm() -> None:
    output = _in_fresh_python(
        """
        import doctest
        import sys

        from pyinternals.vm import conformance
        from pyinternals.vm.machine import VirtualMachine

        files = []
        run_code = VirtualMachine.run_code

        def recording(self, code, *namespaces):
            files.append(code.co_filename)
            return run_code(self, code, *namespaces)

        VirtualMachine.run_code = recording
        result = conformance.run_module("test_unpack")
        module = sys.modules["test.test_unpack"]
        examples = sum(len(t.examples) for t in doctest.DocTestFinder().find(module))
        print(result.outcomes, examples, sum(f.startswith("<doctest ") for f in files))
        """
    )
    outcomes, examples, examples_on_the_vm = output.rsplit(maxsplit=2)
    assert "'test.test_unpack.__test__.doctests': 'pass'" in outcomes
    assert int(examples) > 10
    assert int(examples_on_the_vm) == int(examples)


def test_the_module_object_is_the_one_in_sys_modules() -> None:
    output = _in_fresh_python(
        """
        import sys
        from pyinternals.vm.conformance import load_on_vm
        from pyinternals.vm.machine import VirtualMachine
        from pyinternals.vm.trampolines import trampoline_entry

        module = load_on_vm("test_keywordonlyarg", VirtualMachine())
        print(sys.modules[module.__name__] is module, module.__spec__.name)
        test = module.KeywordOnlyArgTestCase.testFunctionCall
        print(trampoline_entry(test) is not None)
        """
    )
    assert output.split() == ["True", "test.test_keywordonlyarg", "True"]


def test_a_module_that_cannot_load_is_a_crash_and_a_shortfall() -> None:
    (comparison,) = conformance.compare(["test_no_such_module_here"])
    assert comparison.ours.crash.startswith("ModuleNotFoundError")
    assert conformance.shortfalls([comparison])


def test_check_fails_below_the_required_share() -> None:
    passing = {f"t{i}": "pass" for i in range(20)}
    one_lost = dict(passing, t0="fail")
    two_lost = dict(one_lost, t1="error")
    cpython = SuiteResult("m", "cpython", passing)
    assert (
        conformance.shortfalls(
            [Comparison("m", cpython, SuiteResult("m", "cpython", one_lost))]
        )
        == []
    )
    missed = conformance.shortfalls(
        [Comparison("m", cpython, SuiteResult("m", "cpython", two_lost))]
    )
    assert missed == ["m: 18 of 20 CPython-passing tests pass on the VM (90.0%)"]


def test_the_command_line_writes_json_and_checks(tmp_path) -> None:
    report = tmp_path / "report.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pyinternals.vm.conformance",
            "--modules",
            "test_augassign",
            "test_no_such_module_here",
            "--check",
            "--json",
            str(report),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    assert "below 95%: test_no_such_module_here" in completed.stdout
    first, second = json.loads(report.read_text())
    assert first["module"] == "test_augassign"
    assert first["vm"]["outcomes"] == first["outcomes"]
    assert second["vm"]["crash"]
