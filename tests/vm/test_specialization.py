"""Adaptive specialization: CPython's observed, and the VM's own against CPython."""

import builtins
import dis
import io
import sys
import textwrap
from contextlib import redirect_stdout

import pytest

from pyinternals.compiler.differential import Outcome, describe_failure
from pyinternals.compiler.differential import run as run_on_cpython
from pyinternals.compiler.programs import PROGRAMS
from pyinternals.vm.frame import decode_code
from pyinternals.vm.machine import VirtualMachine
from pyinternals.vm.quickening import (
    COOLDOWN,
    WARMUP,
    QuickenedInstruction,
    adaptive_sites,
)
from pyinternals.vm.specialization import (
    adaptive_instructions,
    attribute_scenario,
    base_opname,
    binary_op_scenario,
    decode_backoff_counter,
    render_history,
    render_instructions,
    transitions,
)
from pyinternals.vm.trampolines import vm_code

AFTER_311 = sys.version_info >= (3, 12)

# --- CPython's specialization, observed -------------------------------------


def _warmed(source, name, calls):
    namespace = {}
    exec(compile(textwrap.dedent(source), "<test>", "exec"), namespace)
    for arguments in calls:
        namespace[name](*arguments)
    return namespace[name]


def test_warm_int_addition_is_specialized():
    add = _warmed("def add(a, b):\n    return a + b\n", "add", [(1, 2)] * 20)
    specialized = [i for i in adaptive_instructions(add) if i.is_specialized]
    assert [i.opname for i in specialized] == ["BINARY_OP_ADD_INT"]
    assert specialized[0].base_opname == "BINARY_OP"
    assert [entry.name for entry in specialized[0].caches] == ["counter"]


def test_cold_code_is_not_specialized():
    add = _warmed("def add(a, b):\n    return a + b\n", "add", [])
    assert not [i for i in adaptive_instructions(add) if i.is_specialized]


def test_records_follow_dis_listing():
    get = _warmed(
        """
        class P:
            def __init__(self):
                self.x = 1
        def get(p, d):
            return p.x + d[0] + len(d)
        """,
        "get",
        [],
    )
    namespace = get.__globals__
    for _ in range(20):
        get(namespace["P"](), [1])
    ours = adaptive_instructions(get)
    theirs = list(dis.get_instructions(get, adaptive=True))
    assert [(i.offset, i.opname) for i in ours] == [
        (i.offset, i.opname) for i in theirs
    ]
    assert "LOAD_ATTR_INSTANCE_VALUE" in [i.opname for i in ours]


def test_cache_values_agree_with_dis_show_caches():
    get = _warmed(
        """
        class P:
            def __init__(self):
                self.x = 1
        def get(p):
            return p.x + 1
        """,
        "get",
        [],
    )
    for _ in range(20):
        get(get.__globals__["P"]())
    ours = {i.offset: i for i in adaptive_instructions(get)}
    listing = list(dis.get_instructions(get, adaptive=True, show_caches=True))
    checked = 0
    if AFTER_311:
        # 3.13.5's dis slices every field's bytes from the start of the cache
        # (Lib/dis.py, _get_instructions_bytes: the offset does not advance),
        # so only the first field's value can be compared; names and sizes all.
        for instruction in listing:
            info = instruction.cache_info or []
            fields = ours[instruction.offset].caches
            assert [(name, units) for name, units, _ in info] == [
                (entry.name, entry.units) for entry in fields
            ][: len(info)]
            if info:
                assert fields[0].value == int.from_bytes(info[0][2], "little")
                checked += 1
    else:
        owner = None
        for instruction in listing:
            if instruction.opname != "CACHE":
                owner = ours[instruction.offset]
                position = instruction.offset + 2
                fields = iter(owner.caches)
                continue
            if position == instruction.offset:
                entry = next(fields)
                position += 2 * entry.units
                if entry.name and entry.value < 1 << 16:
                    assert instruction.argrepr == f"{entry.name}: {entry.value}"
                    checked += 1
    assert checked >= 2


def test_base_opnames_and_counters():
    assert base_opname("BINARY_OP_ADD_FLOAT") == "BINARY_OP"
    assert base_opname("CALL_PY_EXACT_ARGS") == "CALL"
    assert decode_backoff_counter((52 << 4) | 3) == (52, 3)


def test_attribute_site_deoptimizes_when_the_class_changes():
    history = attribute_scenario()
    opnames = [snapshot.instruction.opname for snapshot in history]
    assert opnames[0] == "LOAD_ATTR"
    changed = next(n for n, s in enumerate(history) if s.step.startswith("class"))
    assert opnames[changed - 1] == "LOAD_ATTR_INSTANCE_VALUE"
    before = history[changed - 1].instruction
    missed = history[changed].instruction
    assert missed.opname == "LOAD_ATTR_INSTANCE_VALUE"  # the miss is only counted
    assert missed.cache_value("counter") < before.cache_value("counter")
    later = [s.instruction for s in history[changed:]]
    if AFTER_311:
        # 3.13 specializes again, for the class's new version
        assert any(
            i.opname == "LOAD_ATTR_INSTANCE_VALUE"
            and i.cache_value("version") != before.cache_value("version")
            for i in later
        )
    else:
        assert "LOAD_ATTR_ADAPTIVE" in [i.opname for i in later]
    assert later[-1].opname == "LOAD_ATTR_INSTANCE_VALUE"


def test_int_addition_site_fed_floats_respecializes():
    history = binary_op_scenario()
    kept = [snapshot.instruction.opname for snapshot in transitions(history)]
    assert kept[0] == "BINARY_OP"
    assert kept[1] == "BINARY_OP_ADD_INT"
    assert kept[-1] == "BINARY_OP_ADD_FLOAT"
    assert ("BINARY_OP_ADAPTIVE" in kept) == (not AFTER_311)
    text = render_history(transitions(history))
    assert "BINARY_OP_ADD_FLOAT" in text.splitlines()[-1]


def test_render_instructions_names_the_compiler_opcode():
    add = _warmed("def add(a, b):\n    return a + b\n", "add", [(1, 2)] * 20)
    text = render_instructions(adaptive_instructions(add))
    assert "BINARY_OP_ADD_INT  (from BINARY_OP)  [counter=" in text


# --- the VM's specialization -------------------------------------------------


def run_on_machine(source, *, specialize):
    output = io.StringIO()
    error, line = "", None
    code = builtins.compile(textwrap.dedent(source), "<program>", "exec")
    try:
        with redirect_stdout(output):
            VirtualMachine(specialize=specialize).run_code(
                code, {"__name__": "__program__"}
            )
    except Exception as exception:
        error, line = describe_failure(exception)
    return Outcome(output.getvalue(), None, error, line)


GUARD_PROGRAMS = {
    "function_rebound": """
        def f(a):
            return a + 1
        def g(a):
            return a * 2
        for i in range(12):
            if i == 6:
                f = g
            print(f(i))
    """,
    "code_replaced": """
        def f(a):
            return a + 1
        def g(a):
            return a * 2
        out = []
        for i in range(12):
            if i == 6:
                f.__code__ = g.__code__
            out.append(f(i))
        print(out)
    """,
    "argument_count_changes": """
        def one(a):
            return a
        def two(a, b=10):
            return a + b
        def star(*a):
            return len(a)
        def kw(a, *, k=3):
            return a * k
        print([(one, two, star, kw)[i % 4](i) for i in range(20)])
        print([(one if i < 10 else two)(i) for i in range(20)])
    """,
    "method_replaced_on_the_class": """
        class A:
            def m(self, x):
                return x + 1
        a = A()
        out = []
        for i in range(80):
            if i == 30:
                A.m = lambda self, x: x * 100
            if i == 60:
                a.m = lambda x: -x
            out.append(a.m(i))
        print(out)
    """,
    "closures_share_code": """
        def make(k):
            def inner(v):
                return v + k
            return inner
        adders = [make(k) for k in range(5)]
        print([adders[i % 5](i) for i in range(40)])
    """,
    "globals_of_each_function": """
        import types
        def f():
            return WHO
        WHO = "module"
        g = types.FunctionType(f.__code__, {"WHO": "other"})
        print([(f, g)[i % 2]() for i in range(10)])
    """,
    "callee_raises": """
        def inverse(x):
            return 1 / x
        total = 0
        for x in [4, 2, 1, 5, 8, 0, 3]:
            total += inverse(x)
    """,
    "generators_and_recursion": """
        def fib(n):
            return n if n < 2 else fib(n - 1) + fib(n - 2)
        def upto(n):
            for i in range(n):
                yield fib(i)
        print(list(upto(15)), sum(upto(10)))
    """,
    "keywords_at_a_site": """
        def f(a, b):
            return a - b
        print([f(i, b=1) for i in range(5)], [f(b=i, a=1) for i in range(5)])
    """,
    "many_misses_then_stable": """
        def f(a):
            return a
        def g(a):
            return -a
        print(sum((f if i < 100 else g)(i) for i in range(300)))
    """,
}


@pytest.mark.parametrize("name", sorted(GUARD_PROGRAMS))
@pytest.mark.parametrize("specialize", [True, False])
def test_guard_programs_agree_with_cpython(name, specialize):
    source = textwrap.dedent(GUARD_PROGRAMS[name])
    expected = run_on_cpython(source, compiler="cpython")
    assert run_on_machine(source, specialize=specialize) == expected


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_corpus_agrees_with_specialization_off(name):
    source = PROGRAMS[name]
    expected = run_on_cpython(source, compiler="cpython")
    assert run_on_machine(source, specialize=False) == expected


def _machine_after(source):
    machine = VirtualMachine()
    namespace = {"__name__": "__program__"}
    machine.run_code(compile(textwrap.dedent(source), "<program>", "exec"), namespace)
    return machine, namespace


def test_warm_call_site_is_specialized_and_cold_one_is_not():
    machine, namespace = _machine_after(
        f"""
        def f(a):
            return a
        def caller(n):
            for i in range(n):
                f(i)
        caller({WARMUP})
        caller(1)
        """
    )
    sites = list(adaptive_sites(machine, vm_code(namespace["caller"])))
    # range() is a class, not a Python function: its site stays generic
    assert [site.opname for site in sites] == ["CALL", "CALL_PY_EXACT_ARGS"]
    module_sites = [
        s.opname for s in adaptive_sites(machine) if s.code_name == "<module>"
    ]
    assert module_sites == ["CALL", "CALL"]  # each ran once: still warming up
    assert machine.specialization_stats.specialized == 1
    assert machine.specialization_stats.failed == 1


def test_bound_method_site_is_specialized():
    machine, _ = _machine_after(
        """
        class A:
            def m(self, x):
                return x
        a = A()
        for i in range(5):
            a.m(i)
        """
    )
    assert "CALL_BOUND_METHOD_EXACT_ARGS" in [s.opname for s in adaptive_sites(machine)]


def test_site_goes_back_to_adaptive_after_cooldown_misses():
    machine, _ = _machine_after(
        f"""
        def f(a):
            return a
        def g(a):
            return a
        for i in range({WARMUP + COOLDOWN}):
            (f if i < {WARMUP} else g)(i)
        """
    )
    stats = machine.specialization_stats
    assert stats.misses == COOLDOWN
    assert stats.deoptimized == 1
    module = [s for s in adaptive_sites(machine) if s.code_name == "<module>"]
    assert "CALL" in [s.opname for s in module]
    assert "CALL_PY_EXACT_ARGS" not in [s.opname for s in module]


def test_unspecializable_site_backs_off():
    machine, _ = _machine_after(
        """
        def f(*args):
            return args
        for i in range(40):
            f(i)
        """
    )
    stats = machine.specialization_stats
    assert stats.specialized == 0
    assert 1 <= stats.failed < 10  # exponential backoff: few attempts in 40 calls


def test_specialize_false_quickens_nothing():
    machine = VirtualMachine(specialize=False)
    machine.run_code(
        compile(
            "def f(a):\n    return a\nfor i in range(9):\n    f(i)\n", "<p>", "exec"
        ),
        {},
    )
    assert list(adaptive_sites(machine)) == []
    assert machine.specialization_stats.specialized == 0


def test_quickened_instructions_are_per_machine():
    code = compile(
        "def f(a):\n    return a\nfor i in range(9):\n    f(i)\n", "<p>", "exec"
    )
    first = VirtualMachine()
    first.run_code(code, {})
    assert "CALL_PY_EXACT_ARGS" in [site.opname for site in adaptive_sites(first)]
    second = VirtualMachine(specialize=False)
    second.run_code(code, {})
    assert list(adaptive_sites(second)) == []
    shared = decode_code(code).instructions
    assert second.instructions_for(decode_code(code)) is shared
    assert first.instructions_for(decode_code(code)) is not shared
    assert not any(isinstance(i, QuickenedInstruction) for i in shared)
    assert any(
        isinstance(i, QuickenedInstruction) for i in first.quickened[id(code)][1]
    )
