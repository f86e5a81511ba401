"""The optimizer of the control-flow graph, pass by pass and as a whole."""

import ast
import dis
import opcode
import sys

import pytest

from pyinternals.compiler import flowgraph, opcodes, oracle, unassembler
from pyinternals.compiler.assembler import assemble
from pyinternals.compiler.cfg import build
from pyinternals.compiler.conformance.corpus import sample, stdlib_files
from pyinternals.compiler.instructions import CodeUnit, Instr, Label, Location

NEW_OPTIMIZER = sys.version_info >= (3, 12)


def line(number):
    return Location(number, number, 4, 9)


def truth_test(here):
    return [Instr("TO_BOOL", None, here)] if "TO_BOOL" in opcodes.REAL else []


def function_unit(**fields):
    return CodeUnit("f", "f", "<test>", **({"flags": 0x3} | fields))


def _flatten(graph):
    """Our graph as CPython's optimize_cfg returns its own: jumps to indices."""
    start, index = {}, 0
    for block in graph:
        start[block] = index
        index += len(block.instructions)
    flat = []
    for instr in graph.instructions():
        if instr.target is not None and instr.opname in opcodes.HAS_TARGET:
            arg = start[instr.target]
        elif opcodes.has_arg(instr.opname):
            arg = instr.arg
        else:
            arg = None
        where = instr.location
        flat.append(
            (
                opcode.opmap[instr.opname],
                arg,
                where.lineno,
                where.end_lineno,
                where.col_offset,
                where.end_col_offset,
            )
        )
    return flat


def _optimizer_alone_agrees(path):
    # CPython's _testinternalcapi.optimize_cfg runs only the optimizer, on
    # the top unit's code generation, with no parameters and first line 1.
    source = path.read_bytes()
    capi = oracle._capi()
    tree = ast.parse(source)
    seq, metadata = capi.compiler_codegen(tree, str(path), 0, 0)
    pair = oracle.units_of(source, str(path))
    theirs_consts = list(pair.unit.consts.values)
    ours_consts = list(theirs_consts)
    theirs = capi.optimize_cfg(seq, theirs_consts, len(metadata["varnames"]))
    graph = build(pair.unit.body)
    flowgraph.optimize_code_unit(
        graph, ours_consts, nlocals=len(metadata["varnames"]), nparams=0, firstlineno=1
    )
    return _flatten(graph) == theirs.get_instructions() and len(ours_consts) == len(
        theirs_consts
    )


FILES = sample(stdlib_files(), 150, always=["test/test_patma.py", "inspect.py"])


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_the_optimizer_alone(path):
    try:
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
    except SyntaxError:
        return
    if oracle.available():
        assert _optimizer_alone_agrees(path)
    else:
        # 3.11 has no hook for its optimizer alone: the hand-written units of
        # test_backend_cases check it; here, the optimizer must be stable on
        # its own output.
        module = compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        for code in [module, *(c for c in module.co_consts if hasattr(c, "co_code"))]:
            try:
                once = assemble(unassembler.unassemble(code))
            except unassembler.Unassemblable:
                continue
            twice = assemble(unassembler.unassemble(once))
            assert oracle.code_differences(twice, once) == []


def _choice_unit():
    """``x = 5 if 3 else 6; return x``, generated without folding."""
    unit = function_unit(varnames=["x"])
    for value in (None, 3, 5, 6):
        unit.consts.add(value)
    end, otherwise = Label(), Label()
    unit.body = [
        Instr("RESUME", 0, Location(1, 1, 0, 0)),
        Instr("LOAD_CONST", 1, line(2)),
        *truth_test(line(2)),
        Instr("POP_JUMP_IF_FALSE", otherwise, line(2)),
        Label(),
        Instr("LOAD_CONST", 2, line(2)),
        Instr("JUMP", end, line(2)),
        otherwise,
        Instr("LOAD_CONST", 3, line(2)),
        end,
        Instr("STORE_FAST", 0, line(2)),
        Instr("LOAD_FAST", 0, line(3)),
        Instr("RETURN_VALUE", None, line(3)),
    ]
    return unit


def test_a_constant_test_decides_its_jump_and_unused_constants_go():
    code = assemble(_choice_unit())
    function = type(test_a_constant_test_decides_its_jump_and_unused_constants_go)(
        code, {}
    )
    assert function() == 5
    # 3.12+ compacts the table; 3.11 drops only the constants after the last
    # one used, keeping the 3 that the folded test no longer loads.
    assert code.co_consts == ((None, 5) if NEW_OPTIMIZER else (None, 3, 5))


def _threading_unit(same_line):
    """A conditional jump to an unconditional one, to a long tail."""
    unit = function_unit(argcount=1, varnames=["x"])
    unit.consts.add(None)
    middle, after, end = Label(), Label(), Label()
    second_line = line(2) if same_line else Location(-1, -1, -1, -1)
    tail = []
    for number in range(5, 10):
        tail += [
            Instr("LOAD_FAST", 0, line(number)),
            Instr("POP_TOP", None, line(number)),
        ]
    unit.body = [
        Instr("RESUME", 0, Location(1, 1, 0, 0)),
        Instr("LOAD_FAST", 0, line(2)),
        *truth_test(line(2)),
        Instr("POP_JUMP_IF_FALSE", middle, line(2)),
        Instr("LOAD_FAST", 0, line(3)),
        Instr("POP_TOP", None, line(3)),
        Instr("JUMP", after, line(3)),
        middle,
        Instr("JUMP", end, second_line),
        after,
        Instr("LOAD_FAST", 0, line(4)),
        Instr("POP_TOP", None, line(4)),
        end,
        *tail,
        Instr("LOAD_CONST", 0, line(10)),
        Instr("RETURN_VALUE", None, line(10)),
    ]
    return unit


@pytest.mark.parametrize("same_line", [True, False])
def test_jump_threading(same_line):
    instructions = list(dis.get_instructions(assemble(_threading_unit(same_line))))
    first_jump = next(i for i in instructions if "JUMP" in i.opname)
    tail = next(i for i in instructions if i.positions.lineno == 5)
    # 3.12+ threads whatever the lines; 3.11 only jumps on the same line.
    assert (first_jump.argval == tail.offset) == (NEW_OPTIMIZER or same_line)


def test_superinstructions_are_3_12_and_later():
    unit = function_unit(argcount=2, varnames=["a", "b"])
    here = line(2)
    unit.body = [
        Instr("RESUME", 0, Location(1, 1, 0, 0)),
        Instr("LOAD_FAST", 0, here),
        Instr("LOAD_FAST", 1, here),
        Instr("BINARY_OP", 0, here),
        Instr("RETURN_VALUE", None, here),
    ]
    names = [i.opname for i in dis.get_instructions(assemble(unit))]
    expected = "LOAD_FAST_LOAD_FAST" in opcodes.REAL
    assert ("LOAD_FAST_LOAD_FAST" in names) == expected
    assert ("LOAD_FAST" in names) != expected


def test_a_local_that_may_be_unbound_is_checked():
    unit = function_unit(argcount=1, varnames=["flag", "x"])
    unit.consts.add(None)
    one = unit.consts.add(1)
    skip = Label()
    unit.body = [
        Instr("RESUME", 0, Location(1, 1, 0, 0)),
        Instr("LOAD_FAST", 0, line(2)),
        *truth_test(line(2)),
        Instr("POP_JUMP_IF_FALSE", skip, line(2)),
        Instr("LOAD_CONST", one, line(3)),
        Instr("STORE_FAST", 1, line(3)),
        skip,
        Instr("LOAD_FAST", 1, line(4)),
        Instr("RETURN_VALUE", None, line(4)),
    ]
    code = assemble(unit)
    function = type(test_a_local_that_may_be_unbound_is_checked)(code, {})
    assert function(True) == 1
    with pytest.raises(UnboundLocalError):
        function(False)
    names = {i.opname for i in dis.get_instructions(code)}
    assert ("LOAD_FAST_CHECK" in names) == ("LOAD_FAST_CHECK" in opcodes.REAL)
