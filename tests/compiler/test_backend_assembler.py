import dis
import sys

import pytest

from pyinternals.compiler import exceptiontable, linetable, opcodes
from pyinternals.compiler.assembler import assemble
from pyinternals.compiler.instructions import CodeUnit, Instr, Label, Location

CO_OPTIMIZED, CO_NEWLOCALS, CO_GENERATOR = 0x1, 0x2, 0x20


def truth_test(here):
    # 3.13's conditional jumps take a bool: TO_BOOL makes one.
    return [Instr("TO_BOOL", None, here)] if "TO_BOOL" in opcodes.REAL else []


def line(number, start=4, end=9):
    return Location(number, number, start, end)


def function_unit(**fields):
    defaults = {"flags": CO_OPTIMIZED | CO_NEWLOCALS, "firstlineno": 1}
    return CodeUnit("f", "f", "<test>", **(defaults | fields))


def test_a_long_forward_jump_gets_extended_arguments():
    unit = function_unit(argcount=1, varnames=["x", "y"])
    end = Label()
    unit.body = [
        Instr("RESUME", 0, Location(1, 1, 0, 0)),
        Instr("LOAD_FAST", 0, line(2)),
        *truth_test(line(2)),
        Instr("POP_JUMP_IF_FALSE", end, line(2)),
    ]
    for number in range(3, 303):
        unit.body += [
            Instr("LOAD_FAST", 0, line(number)),
            Instr("STORE_FAST", 1, line(number)),
        ]
    none = unit.consts.add(None)
    unit.body += [
        end,
        Instr("LOAD_CONST", none, line(303)),
        Instr("RETURN_VALUE", None, line(303)),
    ]
    code = assemble(unit)
    instructions = list(dis.get_instructions(code))
    jump = next(i for i in instructions if i.opname.startswith("POP_JUMP"))
    landing = next(i for i in instructions if i.positions.lineno == 303)
    assert jump.argval == landing.offset
    assert "EXTENDED_ARG" in {i.opname for i in instructions}
    function = type(test_a_long_forward_jump_gets_extended_arguments)(code, {})
    assert function(0) is None
    assert function(1) is None


def test_a_backward_loop_runs():
    unit = function_unit(argcount=1, varnames=["n", "total"])
    top, done = Label(), Label()
    zero, one = unit.consts.add(0), unit.consts.add(1)
    unit.body = [
        Instr("RESUME", 0, Location(1, 1, 0, 0)),
        Instr("LOAD_CONST", zero, line(2)),
        Instr("STORE_FAST", 1, line(2)),
        top,
        Instr("LOAD_FAST", 0, line(3)),
        *truth_test(line(3)),
        Instr("POP_JUMP_IF_FALSE", done, line(3)),
        Instr("LOAD_FAST", 1, line(4)),
        Instr("LOAD_FAST", 0, line(4)),
        Instr("BINARY_OP", 0, line(4)),
        Instr("STORE_FAST", 1, line(4)),
        Instr("LOAD_FAST", 0, line(5)),
        Instr("LOAD_CONST", one, line(5)),
        Instr("BINARY_OP", 10, line(5)),
        Instr("STORE_FAST", 0, line(5)),
        Instr("JUMP", top, line(5)),
        done,
        Instr("LOAD_FAST", 1, line(6)),
        Instr("RETURN_VALUE", None, line(6)),
    ]
    code = assemble(unit)
    function = type(test_a_backward_loop_runs)(code, {})
    assert function(10) == 55
    names = {i.opname for i in dis.get_instructions(code)}
    assert "JUMP_BACKWARD" in names or "POP_JUMP_BACKWARD_IF_TRUE" in names


def test_the_exception_table_sends_errors_to_the_handler():
    unit = function_unit(argcount=1, varnames=["x"])
    handler, cleanup = Label(), Label()
    fallback = unit.consts.add("caught")
    here = line(2)
    unit.body = [
        Instr("RESUME", 0, Location(1, 1, 0, 0)),
        Instr("SETUP_FINALLY", handler, here),
        Instr("LOAD_FAST", 0, line(3)),
        Instr("LOAD_FAST", 0, line(3)),
        Instr("BINARY_OP", 11, line(3)),
        Instr("POP_BLOCK", None, line(3)),
        Instr("RETURN_VALUE", None, line(3)),
        handler,
        Instr("SETUP_CLEANUP", cleanup, here),
        Instr("PUSH_EXC_INFO", None, line(4)),
        Instr("POP_TOP", None, line(4)),
        Instr("POP_BLOCK", None, line(4)),
        Instr("POP_EXCEPT", None, line(5)),
        Instr("LOAD_CONST", fallback, line(5)),
        Instr("RETURN_VALUE", None, line(5)),
        cleanup,
        Instr("COPY", 3, line(4)),
        Instr("POP_EXCEPT", None, line(4)),
        Instr("RERAISE", 1, line(4)),
    ]
    code = assemble(unit)
    function = type(test_the_exception_table_sends_errors_to_the_handler)(code, {})
    assert function(0) == "caught"
    assert function(2) == 1.0
    entries = exceptiontable.decode(code.co_exceptiontable)
    assert len(entries) == 2
    assert not entries[0].lasti
    assert entries[1].lasti


def test_the_location_table_gives_each_instruction_its_location():
    unit = function_unit(argcount=1, varnames=["x"])
    unit.body = [
        Instr("RESUME", 0, Location(1, 1, 0, 0)),
        Instr("LOAD_FAST", 0, Location(2, 3, 11, 5)),
        Instr("RETURN_VALUE", None, Location(2, 3, 4, 5)),
    ]
    code = assemble(unit)
    assert linetable.positions(code) == list(code.co_positions())
    assert (2, 3, 11, 5) in list(code.co_positions())


def test_cells_of_parameters_share_the_parameter_slot():
    outer = compile(
        "def f(a):\n    b = 1\n    def g():\n        return a + b\n", "", "exec"
    )
    inner = next(c for c in outer.co_consts[0].co_consts if hasattr(c, "co_freevars"))
    unit = function_unit(argcount=1, varnames=["a"], cellvars=["a", "b"])
    code_index, one = unit.consts.add(inner), unit.consts.add(1)
    here = line(2)
    closure = [Instr("LOAD_CLOSURE", 0, here), Instr("LOAD_CLOSURE", 1, here)]
    make = (
        [Instr("MAKE_FUNCTION", 8, here)]
        if sys.version_info < (3, 12)
        else [
            Instr("MAKE_FUNCTION", None, here),
            Instr("SET_FUNCTION_ATTRIBUTE", 8, here),
        ]
    )
    unit.body = [
        Instr("RESUME", 0, Location(1, 1, 0, 0)),
        Instr("LOAD_CONST", one, here),
        Instr("STORE_DEREF", 1, here),
        *closure,
        Instr("BUILD_TUPLE", 2, here),
        Instr("LOAD_CONST", code_index, here),
        *make,
        Instr("RETURN_VALUE", None, here),
    ]
    code = assemble(unit)
    assert code.co_cellvars == ("a", "b")
    assert code.co_nlocals == 1
    assert [i.opname for i in dis.get_instructions(code)][:2] == [
        "MAKE_CELL",
        "MAKE_CELL",
    ]
    function = type(test_cells_of_parameters_share_the_parameter_slot)(code, {})
    assert function(41)() == 42


def test_a_generator_gets_its_prefix():
    unit = function_unit(flags=CO_OPTIMIZED | CO_NEWLOCALS | CO_GENERATOR)
    value = unit.consts.add(5)
    none = unit.consts.add(None)
    here = line(2)
    unit.body = [
        Instr("RESUME", 0, Location(1, 1, 0, 0)),
        Instr("LOAD_CONST", value, here),
        Instr("YIELD_VALUE", None if sys.version_info < (3, 12) else 0, here),
        Instr("RESUME", 1, here),
        Instr("POP_TOP", None, here),
        Instr("LOAD_CONST", none, here),
        Instr("RETURN_VALUE", None, here),
    ]
    code = assemble(unit)
    names = [i.opname for i in dis.get_instructions(code)]
    assert names[:3] == ["RETURN_GENERATOR", "POP_TOP", "RESUME"]
    generator = type(test_a_generator_gets_its_prefix)(code, {})
    assert list(generator()) == [5]


@pytest.mark.parametrize("name", ["LOAD_METHOD", "LOAD_ATTR"])
def test_method_loads_take_their_real_form(name):
    unit = function_unit(argcount=1, varnames=["items"], names=["append"])
    one = unit.consts.add(1)
    here = line(2)
    if sys.version_info >= (3, 12):
        load = Instr(name, 0 if name == "LOAD_METHOD" else 1, here)
        call = [Instr("LOAD_CONST", one, here), Instr("CALL", 1, here)]
    else:
        load = Instr("LOAD_METHOD", 0, here)
        call = [
            Instr("LOAD_CONST", one, here),
            Instr("PRECALL", 1, here),
            Instr("CALL", 1, here),
        ]
    unit.body = [
        Instr("RESUME", 0, Location(1, 1, 0, 0)),
        Instr("LOAD_FAST", 0, here),
        load,
        *call,
        Instr("RETURN_VALUE", None, here),
    ]
    code = assemble(unit)
    loads = [i for i in dis.get_instructions(code) if i.argval == "append"]
    assert len(loads) == 1
    items = []
    type(test_method_loads_take_their_real_form)(code, {})(items)
    assert items == [1]
