"""The tiny VM: its opcodes, its compiler's refusals, and programs run on CPython."""

from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyinternals.compiler.differential import run as run_on_cpython
from pyinternals.vm.tiny import (
    BINARY_OPERATORS,
    COMPARISON_OPERATORS,
    OPNAMES,
    UNARY_OPERATORS,
    Frame,
    Instruction,
    TinyCode,
    TinyFunction,
    TinyMachine,
    disassemble,
)
from pyinternals.vm.tinycompiler import TinySubsetError, compile_tiny, run

PROGRAMS = {
    "factorial": """
        def factorial(n):
            if n <= 1:
                return 1
            return n * factorial(n - 1)
        print(factorial(0), factorial(5), factorial(30))
    """,
    "fibonacci": """
        def fib(n):
            if n < 2:
                return n
            return fib(n - 1) + fib(n - 2)
        i = 0
        while i < 15:
            print(i, fib(i))
            i += 1
    """,
    "loops_break_continue": """
        total = 0
        n = 0
        while True:
            n = n + 1
            if n % 3 == 0:
                continue
            if n > 20:
                break
            inner = 0
            while inner < n:
                inner += 2
                if inner == 6:
                    break
            total += inner * n
        print(total, n, inner)
    """,
    "mutual_recursion": """
        def is_even(n):
            if n == 0:
                return True
            return is_odd(n - 1)
        def is_odd(n):
            if n == 0:
                return False
            return is_even(n - 1)
        print(is_even(10), is_odd(7), is_even(7))
    """,
    "nested_functions": """
        def outer(x):
            def helper(y):
                return y * 10 + offset
            result = helper(x) + helper(x + 1)
            return result
        offset = 3
        print(outer(1), outer(-2))
    """,
    "locals_shadow_globals": """
        x = "global"
        def f(x):
            y = x + "!"
            return y
        def g():
            return x
        print(f("local"), g(), x)
    """,
    "operators": """
        a = 17
        b = 5
        print(a + b, a - b, a * b, a / b, a // b, a % b, a ** b, -a, not a)
        print(-a // b, -a % b, 7.5 // 2, 7.5 % -2, 2 ** -1, 1e308 * 10)
        print(a == b, a != b, a < b, a <= b, a > b, a >= b, 1 == 1.0)
        print("ab" + "cd", "ab" * 3, "b" < "ab", True + True, None == 0)
    """,
    "and_or_values": """
        print(1 and 2, 0 and 2, 1 or 2, 0 or "", None or 0 or "x", 1 and 0 or 5)
        print(not None, not "", 3 > 2 and "yes", 3 < 2 or "no")
        def loud(x):
            print("evaluated", x)
            return x
        print(loud(0) and loud(1), loud(2) or loud(3))
    """,
    "if_elif_else": """
        def sign(n):
            if n < 0:
                return "negative"
            elif n == 0:
                return "zero"
            elif n < 10:
                return "small"
            else:
                return "large"
        print(sign(-5), sign(0), sign(7), sign(70))
    """,
    "exception_caught": """
        def divide(a, b):
            return a / b
        try:
            print(divide(1, 0))
        except ZeroDivisionError as error:
            print("caught:", error)
        try:
            raise ValueError("bad value")
        except Exception as error:
            print("caught", error)
        try:
            print("no error")
        except ValueError:
            print("not printed")
        print("after")
    """,
    "exception_across_frames": """
        def inner(n):
            if n == 0:
                raise KeyError("bottom")
            return 1 + inner(n - 1)
        def middle():
            total = 100
            try:
                total = total + inner(5)
            except KeyError as error:
                print("middle caught", error, total)
            return total
        print(1 + middle())
    """,
    "exception_not_matching_propagates": """
        def f():
            try:
                return 1 // 0
            except ValueError:
                print("wrong handler")
        try:
            f()
        except ArithmeticError as error:
            print("outer caught", error)
    """,
    "handler_left_by_break_and_return": """
        n = 0
        while n < 5:
            n += 1
            try:
                if n == 3:
                    break
            except ZeroDivisionError:
                print("not here")
        def early():
            try:
                return "early"
            except ZeroDivisionError:
                return "not here"
        print(n, early())
        1 / 0
    """,
    "exception_in_handler": """
        try:
            raise ValueError("first")
        except ValueError:
            print("handling")
            raise TypeError("second")
    """,
    "raise_class": """
        try:
            raise RuntimeError
        except RuntimeError as error:
            print("caught", error)
        raise NotImplementedError
    """,
    "bare_except": """
        try:
            undefined_name
        except:
            print("caught something")
        print("done")
    """,
    "uncaught_division_by_zero": """
        def average(total, count):
            return total / count
        print(average(10, 4))
        print(average(1, 0))
    """,
    "uncaught_raise": """
        def check(n):
            if n > 2:
                raise ValueError("too big: " + str(n))
            return n
        print(check(1))
        print(check(2))
        check(3)
    """,
    "name_error": """
        print("before")
        print(missing)
    """,
    "unbound_local": """
        def f():
            print(y)
            y = 1
        f()
    """,
    "too_many_arguments": """
        def f(a, b):
            return a
        f(1, 2, 3)
    """,
    "missing_arguments": """
        def f(a, b, c):
            return a
        f(1)
    """,
    "raise_non_exception": """
        raise 42
    """,
    "type_error_in_operator": """
        print("a" < 1)
    """,
    "calling_non_callable": """
        x = 5
        x(1)
    """,
    "catching_non_class": """
        try:
            1 / 0
        except 3:
            pass
    """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_runs_as_on_cpython(name: str) -> None:
    source = dedent(PROGRAMS[name]).lstrip()
    expected = run_on_cpython(source, compiler="cpython")
    assert run(source) == expected


def test_corpus_covers_printing_and_escaping_exceptions() -> None:
    outcomes = [run(dedent(source).lstrip()) for source in PROGRAMS.values()]
    assert sum(bool(outcome.error) for outcome in outcomes) >= 10
    assert sum(bool(outcome.stdout) for outcome in outcomes) >= 15


def test_differing_programs_give_differing_outcomes() -> None:
    assert run("print(1)") != run_on_cpython("print(2)", compiler="cpython")
    assert run("1 / 0") != run_on_cpython("1 // 0", compiler="cpython")


def test_uncaught_exception_names_its_line() -> None:
    outcome = run("x = 1\n\ndef f():\n    return 1 / 0\nf()\n")
    assert outcome.error == "ZeroDivisionError: division by zero"
    assert outcome.line == 4


@pytest.mark.parametrize(
    "expression",
    ["1 + 2 * 3", "2 ** 100", "7 // -2", "-7 % 3", "1 / 3", "'x' * 3 + 'y'", "10 % 0"],
)
def test_expression_gives_cpythons_value(expression: str) -> None:
    assert run(expression, "eval") == run_on_cpython(
        expression, "eval", compiler="cpython"
    )


_LEAVES = st.sampled_from(
    ["0", "1", "2", "3", "7", "-4", "0.5", "2.0", "-1.5", "0.0", "True", "False"]
)


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "//", "%"]), inner)
    comparison = st.tuples(inner, st.sampled_from(COMPARISON_OPERATORS), inner)
    boolean = st.tuples(inner, st.sampled_from(["and", "or"]), inner)
    power = st.tuples(inner, st.just("**"), st.sampled_from(["0", "1", "2", "3"]))
    return st.one_of(
        st.builds(lambda parts: "({} {} {})".format(*parts), binary),
        st.builds(lambda parts: "({} {} {})".format(*parts), comparison),
        st.builds(lambda parts: "({} {} {})".format(*parts), boolean),
        st.builds(lambda parts: "({} {} {})".format(*parts), power),
        st.builds(lambda operand: f"(-{operand})", inner),
        st.builds(lambda operand: f"(not {operand})", inner),
    )


@settings(max_examples=150, deadline=None)
@given(st.recursive(_LEAVES, _combine, max_leaves=12))
def test_generated_arithmetic_agrees_with_cpython(expression: str) -> None:
    assert run(expression, "eval") == run_on_cpython(
        expression, "eval", compiler="cpython"
    )


# Individual opcodes, on code objects built by hand.


def _execute(
    constants: tuple[object, ...],
    *instructions: tuple[str, int],
    names: tuple[str, ...] = (),
    machine: TinyMachine | None = None,
) -> object:
    code = TinyCode(
        "<test>",
        (),
        (),
        constants,
        names,
        tuple(Instruction(opname, arg) for opname, arg in instructions),
    )
    return (machine or TinyMachine()).execute(code)


def test_dispatch_has_one_method_per_opcode() -> None:
    assert sorted(TinyMachine().dispatch) == sorted(OPNAMES)


@pytest.mark.parametrize(
    ("symbol", "left", "right", "expected"),
    [("+", 2, 3, 5), ("-", 2, 3, -1), ("**", 2, 10, 1024), ("//", -7, 2, -4)],
)
def test_binary_op(symbol: str, left: int, right: int, expected: int) -> None:
    index = BINARY_OPERATORS.index(symbol)
    program = [("PUSH_CONST", 0), ("PUSH_CONST", 1), ("BINARY_OP", index)]
    assert _execute((left, right), *program, ("RETURN", 0)) == expected


def test_compare_and_unary_ops() -> None:
    less = COMPARISON_OPERATORS.index("<")
    negate = UNARY_OPERATORS.index("-")
    program = [("PUSH_CONST", 0), ("PUSH_CONST", 1), ("COMPARE_OP", less)]
    assert _execute((1, 2), *program, ("RETURN", 0)) is True
    negated = [("PUSH_CONST", 0), ("UNARY_OP", negate), ("RETURN", 0)]
    assert _execute((5,), *negated) == -5


def test_stack_operations_and_globals() -> None:
    machine = TinyMachine()
    program = [
        ("PUSH_CONST", 0),
        ("DUP", 0),
        ("STORE_GLOBAL", 0),
        ("PUSH_CONST", 1),
        ("POP", 0),
        ("LOAD_GLOBAL", 0),
        ("BINARY_OP", BINARY_OPERATORS.index("*")),
        ("RETURN", 0),
    ]
    assert _execute((6, "dropped"), *program, names=("x",), machine=machine) == 36
    assert machine.globals == {"x": 6}


@pytest.mark.parametrize(("condition", "expected"), [(True, "taken"), (0, "fell")])
def test_conditional_jumps(condition: object, expected: str) -> None:
    for opname, taken_when in [("JUMP_IF_TRUE", True), ("JUMP_IF_FALSE", False)]:
        program = [
            ("PUSH_CONST", 0),
            (opname, 4),
            ("PUSH_CONST", 2),
            ("RETURN", 0),
            ("PUSH_CONST", 1),
            ("RETURN", 0),
        ]
        result = _execute((condition, "taken", "fell"), *program)
        assert (result == "taken") == (bool(condition) == taken_when)
    jump = [("JUMP", 2), ("PUSH_CONST", 0), ("PUSH_CONST", 1), ("RETURN", 0)]
    assert _execute(("skipped", expected), *jump) == expected


def _adder() -> TinyCode:
    return TinyCode(
        "add",
        ("a", "b"),
        ("a", "b", "total"),
        (),
        (),
        (
            Instruction("LOAD_LOCAL", 0),
            Instruction("LOAD_LOCAL", 1),
            Instruction("BINARY_OP", BINARY_OPERATORS.index("+")),
            Instruction("STORE_LOCAL", 2),
            Instruction("LOAD_LOCAL", 2),
            Instruction("RETURN"),
        ),
    )


def test_make_function_call_and_return() -> None:
    program = [
        ("PUSH_CONST", 0),
        ("MAKE_FUNCTION", 0),
        ("PUSH_CONST", 1),
        ("PUSH_CONST", 2),
        ("CALL", 2),
        ("RETURN", 0),
    ]
    assert _execute((_adder(), 40, 2), *program) == 42


def test_call_of_a_host_function() -> None:
    program = [("PUSH_CONST", 0), ("PUSH_CONST", 1), ("CALL", 1), ("RETURN", 0)]
    assert _execute((abs, -3), *program) == 3


def test_new_frame_links_to_its_caller() -> None:
    caller = Frame(_adder())
    callee = Frame(_adder(), caller, 1, local_values=[1, 2])
    assert callee.caller is caller
    assert callee.local_values[:2] == [1, 2]
    assert repr(callee.local_values[2]) == "<unbound>"


def test_handler_catches_and_restores_the_stack() -> None:
    program = [
        ("PUSH_CONST", 2),
        ("SETUP_HANDLER", 7),
        ("PUSH_CONST", 3),
        ("PUSH_CONST", 0),
        ("RAISE", 0),
        ("POP_HANDLER", 0),
        ("RETURN", 0),
        ("PUSH_CONST", 1),
        ("MATCH_EXCEPTION", 0),
        ("JUMP_IF_FALSE", 12),
        ("POP", 0),
        ("RETURN", 0),
        ("RERAISE", 0),
    ]
    machine = TinyMachine()
    constants = (ValueError("x"), ValueError, "below", "pushed after setup")
    assert _execute(constants, *program, machine=machine) == "below"
    assert machine.frame is None
    with pytest.raises(ValueError, match="x"):
        _execute((ValueError("x"), KeyError, "below", "after"), *program)


def test_pop_handler_stops_catching() -> None:
    program = [
        ("SETUP_HANDLER", 4),
        ("POP_HANDLER", 0),
        ("PUSH_CONST", 0),
        ("RAISE", 0),
        ("RETURN", 0),
    ]
    with pytest.raises(KeyError):
        _execute((KeyError("k"),), *program)


def test_reraise_raises_the_same_exception() -> None:
    error = OSError("disk")
    machine = TinyMachine()
    program = [("PUSH_CONST", 0), ("RERAISE", 0)]
    with pytest.raises(OSError, match="disk") as raised:
        _execute((error,), *program, machine=machine)
    assert raised.value is error
    assert machine.raised_at == (error, 0)


def test_recursion_limit_is_the_machines_own() -> None:
    code = compile_tiny("def f(n):\n    return f(n + 1)\nf(0)\n")
    machine = TinyMachine(recursion_limit=50)
    with pytest.raises(RecursionError):
        machine.execute(code)
    deep = compile_tiny(
        "def f(n):\n    if n == 0:\n        return 0\n    return f(n - 1)\n"
    )
    machine = TinyMachine(recursion_limit=5000)
    machine.execute(deep)
    call = compile_tiny("f(3000)", mode="eval")
    assert machine.execute(call) == 0


def test_functions_made_by_the_machine() -> None:
    machine = TinyMachine()
    machine.execute(compile_tiny("def double(x):\n    return x + x\n"))
    double = machine.globals["double"]
    assert isinstance(double, TinyFunction)
    assert double.code.parameters == ("x",)
    assert repr(double) == "<tiny function double>"


# The compiler.


def test_compiler_uses_locals_in_functions_and_globals_at_module_level() -> None:
    code = compile_tiny("x = 1\ndef f(a):\n    b = a + x\n    return b\n")
    function = next(c for c in code.constants if isinstance(c, TinyCode))
    assert function.local_names == ("a", "b")
    assert function.names == ("x",)
    opnames = {instruction.opname for instruction in code.instructions}
    assert "STORE_GLOBAL" in opnames
    assert "STORE_LOCAL" not in opnames


def test_equal_constants_of_different_types_stay_apart() -> None:
    code = compile_tiny("print(1, 1.0, True, 0.0, 1, 1.0)\n")
    assert [repr(constant) for constant in code.constants] == [
        "1",
        "1.0",
        "True",
        "0.0",
        "None",
    ]


@pytest.mark.parametrize(
    ("source", "construct", "lineno", "offset"),
    [
        ("for i in x:\n    pass\n", "'for' loop", 1, 1),
        ("x = 1\ny = [x]\n", "list display", 2, 5),
        ("x = a.b\n", "attribute access", 1, 5),
        ("x = 1 << 2\n", "the '<<' operator", 1, 5),
        ("x = ~1\n", "the '~' operator", 1, 5),
        ("print(1 < 2 < 3)\n", "chained comparison", 1, 7),
        ("print(1 is 2)\n", "the 'is' operator", 1, 7),
        ("print(1, end='')\n", "keyword argument", 1, 10),
        ("def f(a=1):\n    pass\n", "parameter other than positional", 1, 1),
        (
            "def f():\n    x = 1\n    def g():\n        return x\n",
            "the closure variable 'x'",
            4,
            16,
        ),
        (
            "try:\n    pass\nfinally:\n    pass\n",
            "'try' with 'else' or 'finally'",
            1,
            1,
        ),
        ("while x:\n    pass\nelse:\n    pass\n", "'else' on a 'while' loop", 4, 5),
        ("a = b = 1\n", "assignment to several targets", 1, 1),
        ("class C:\n    pass\n", "class definition", 1, 1),
        ("x = b'bytes'\n", "bytes constant", 1, 5),
        ("raise\n", "bare 'raise'", 1, 1),
        ("x = 1 if y else 2\n", "conditional expression", 1, 5),
    ],
)
def test_construct_outside_the_subset_is_named_and_located(
    source: str, construct: str, lineno: int, offset: int
) -> None:
    with pytest.raises(TinySubsetError) as raised:
        compile_tiny(source, "<subset>")
    error = raised.value
    assert isinstance(error, SyntaxError)
    assert error.construct == construct
    assert error.msg == f"{construct} is not in the tiny subset"
    assert (error.filename, error.lineno, error.offset) == ("<subset>", lineno, offset)
    assert error.text == source.splitlines()[lineno - 1]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("break\n", "'break' outside loop"),
        ("continue\n", "'continue' not properly in loop"),
        ("return 1\n", "'return' outside function"),
    ],
)
def test_misplaced_statements_are_refused_as_cpython_refuses_them(
    source: str, message: str
) -> None:
    with pytest.raises(SyntaxError, match=message):
        compile(source, "<cpython>", "exec")
    with pytest.raises(SyntaxError, match=message) as raised:
        compile_tiny(source)
    assert not isinstance(raised.value, TinySubsetError)


def test_invalid_python_is_a_plain_syntax_error() -> None:
    with pytest.raises(SyntaxError) as raised:
        compile_tiny("x = (\n")
    assert not isinstance(raised.value, TinySubsetError)


# The disassembler.


def test_disassembly_lists_every_instruction_and_nested_functions() -> None:
    code = compile_tiny("def f(n):\n    return -n\nprint(f(2))\n")
    lines = disassemble(code)
    function = next(c for c in code.constants if isinstance(c, TinyCode))
    assert lines[0] == "Disassembly of <module>:"
    assert "Disassembly of f:" in lines
    instruction_lines = [line for line in lines if line and "Disassembly" not in line]
    assert len(instruction_lines) == len(code.instructions) + len(function.instructions)
    for line, instruction in zip(
        instruction_lines, code.instructions + function.instructions, strict=True
    ):
        assert instruction.opname in line.split()
    assert any("(<tiny code f>)" in line for line in lines)
    assert any(line.endswith("(n)") and "LOAD_LOCAL" in line for line in lines)
    assert any(
        line.split() == ["1", "0", "PUSH_CONST", "0", "(<tiny", "code", "f>)"]
        for line in lines
    )
