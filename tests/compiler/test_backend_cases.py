"""Hand-picked programs: our back end must make the code object compile() makes.

Each case is a source whose first function we assemble from a code unit:
on 3.13 the unit is CPython's own code generation of the source
(pyinternals.compiler.oracle); on 3.11, which has no such hook, it is written
here by hand, instruction by instruction, as 3.11's Python/compile.c emits it
(labels created in the order it allocates blocks).
"""

import types

import pytest

from pyinternals.compiler import oracle, unassembler
from pyinternals.compiler.assembler import assemble
from pyinternals.compiler.instructions import CodeUnit, Instr, Label, Location

NOWHERE = Location(-1, -1, -1, -1)


def at(*where):
    return Location(*where)


def first_function(source):
    module = compile(source, "case.py", "exec", dont_inherit=True)
    return next(c for c in module.co_consts if isinstance(c, types.CodeType))


def unit_from_code(code, body, consts):
    unit = CodeUnit(
        code.co_name,
        code.co_qualname,
        code.co_filename,
        code.co_firstlineno,
        code.co_flags,
        code.co_argcount,
        code.co_posonlyargcount,
        code.co_kwonlyargcount,
        names=list(code.co_names),
        varnames=list(code.co_varnames),
        cellvars=sorted(code.co_cellvars),
        freevars=list(code.co_freevars),
    )
    for value in consts:
        unit.consts.add(value)
    unit.body = body
    return unit


# -- the cases, with 3.11's code generation written out -------------------------


def if_return(code):
    otherwise = Label()
    return [
        Instr("RESUME", 0, at(1, 1, 0, 0)),
        Instr("LOAD_FAST", 0, at(2, 2, 7, 8)),
        Instr("POP_JUMP_IF_FALSE", otherwise, at(2, 3, 4, 16)),
        Instr("NOP", None, at(3, 3, 15, 16)),
        Instr("LOAD_CONST", 1, at(3, 3, 15, 16)),
        Instr("RETURN_VALUE", None, at(3, 3, 15, 16)),
        otherwise,
        Instr("NOP", None, at(4, 4, 11, 12)),
        Instr("LOAD_CONST", 2, at(4, 4, 11, 12)),
        Instr("RETURN_VALUE", None, at(4, 4, 11, 12)),
    ], [None, 1, 2]


def loop_continue(code):
    start, body, cleanup, end, if_end = Label(), Label(), Label(), Label(), Label()
    loop = at(2, 5, 4, 12)
    return [
        Instr("RESUME", 0, at(1, 1, 0, 0)),
        Instr("PUSH_NULL", None, at(2, 2, 13, 21)),
        Instr("LOAD_GLOBAL", 0, at(2, 2, 13, 18)),
        Instr("LOAD_FAST", 0, at(2, 2, 19, 20)),
        Instr("PRECALL", 1, at(2, 2, 13, 21)),
        Instr("CALL", 1, at(2, 2, 13, 21)),
        Instr("GET_ITER", None, loop),
        start,
        Instr("FOR_ITER", cleanup, loop),
        body,
        Instr("STORE_FAST", 1, at(2, 2, 8, 9)),
        Instr("LOAD_FAST", 1, at(3, 3, 11, 12)),
        Instr("POP_JUMP_IF_FALSE", if_end, at(3, 4, 8, 20)),
        Label(),
        Instr("NOP", None, at(4, 4, 12, 20)),
        Instr("JUMP", start, at(4, 4, 12, 20)),
        Label(),
        if_end,
        Instr("PUSH_NULL", None, at(5, 5, 8, 12)),
        Instr("LOAD_GLOBAL", 2, at(5, 5, 8, 9)),
        Instr("LOAD_FAST", 1, at(5, 5, 10, 11)),
        Instr("PRECALL", 1, at(5, 5, 8, 12)),
        Instr("CALL", 1, at(5, 5, 8, 12)),
        Instr("POP_TOP", None, at(5, 5, 8, 12)),
        Instr("JUMP", start, NOWHERE),
        cleanup,
        end,
        Instr("LOAD_CONST", 0, NOWHERE),
        Instr("RETURN_VALUE", None, NOWHERE),
    ], [None]


def try_except(code):
    body, handler, end, cleanup = Label(), Label(), Label(), Label()
    no_match, cleanup_body = Label(), Label()
    statement, clause = at(2, 5, 4, 12), at(4, 5, 4, 12)
    return [
        Instr("RESUME", 0, at(1, 1, 0, 0)),
        Instr("SETUP_FINALLY", handler, statement),
        body,
        Instr("PUSH_NULL", None, at(3, 3, 8, 11)),
        Instr("LOAD_GLOBAL", 0, at(3, 3, 8, 9)),
        Instr("PRECALL", 0, at(3, 3, 8, 11)),
        Instr("CALL", 0, at(3, 3, 8, 11)),
        Instr("POP_TOP", None, at(3, 3, 8, 11)),
        Instr("POP_BLOCK", None, NOWHERE),
        Instr("JUMP", end, NOWHERE),
        handler,
        Instr("SETUP_CLEANUP", cleanup, NOWHERE),
        Instr("PUSH_EXC_INFO", None, NOWHERE),
        Instr("LOAD_GLOBAL", 2, at(4, 4, 11, 12)),
        Instr("CHECK_EXC_MATCH", None, clause),
        Instr("POP_JUMP_IF_FALSE", no_match, clause),
        Label(),
        Instr("POP_TOP", None, clause),
        cleanup_body,
        Instr("NOP", None, at(5, 5, 8, 12)),
        Instr("POP_BLOCK", None, NOWHERE),
        Instr("POP_EXCEPT", None, NOWHERE),
        Instr("JUMP", end, NOWHERE),
        no_match,
        Instr("RERAISE", 0, NOWHERE),
        cleanup,
        Instr("COPY", 3, NOWHERE),
        Instr("POP_EXCEPT", None, NOWHERE),
        Instr("RERAISE", 1, NOWHERE),
        end,
        Instr("LOAD_CONST", 0, NOWHERE),
        Instr("RETURN_VALUE", None, NOWHERE),
    ], [None]


def generator(code):
    expression = at(2, 2, 4, 11)
    return [
        Instr("RESUME", 0, at(1, 1, 0, 0)),
        Instr("LOAD_FAST", 0, at(2, 2, 10, 11)),
        Instr("YIELD_VALUE", None, expression),
        Instr("RESUME", 1, expression),
        Instr("POP_TOP", None, expression),
        Instr("LOAD_CONST", 0, NOWHERE),
        Instr("RETURN_VALUE", None, NOWHERE),
    ], [None]


def closure(code):
    inner = code.co_consts[2]
    definition = at(3, 4, 4, 20)
    return [
        Instr("RESUME", 0, at(1, 1, 0, 0)),
        Instr("LOAD_CONST", 1, at(2, 2, 8, 9)),
        Instr("STORE_DEREF", 1, at(2, 2, 4, 5)),
        Instr("LOAD_CLOSURE", 0, definition),
        Instr("LOAD_CLOSURE", 1, definition),
        Instr("BUILD_TUPLE", 2, definition),
        Instr("LOAD_CONST", 2, definition),
        Instr("MAKE_FUNCTION", 8, definition),
        Instr("STORE_FAST", 1, definition),
        Instr("LOAD_FAST", 1, at(5, 5, 11, 12)),
        Instr("RETURN_VALUE", None, at(5, 5, 4, 12)),
    ], [None, 1, inner]


def with_statement(code):
    block, final, exit_, cleanup, handled = Label(), Label(), Label(), Label(), Label()
    statement = at(2, 3, 4, 12)
    exit_call = [Instr("LOAD_CONST", 0, statement) for _ in range(3)]
    return [
        Instr("RESUME", 0, at(1, 1, 0, 0)),
        Instr("PUSH_NULL", None, at(2, 2, 9, 12)),
        Instr("LOAD_GLOBAL", 0, at(2, 2, 9, 10)),
        Instr("PRECALL", 0, at(2, 2, 9, 12)),
        Instr("CALL", 0, at(2, 2, 9, 12)),
        Instr("BEFORE_WITH", None, statement),
        Instr("SETUP_WITH", final, statement),
        block,
        Instr("STORE_FAST", 0, at(2, 2, 16, 17)),
        Instr("PUSH_NULL", None, at(3, 3, 8, 12)),
        Instr("LOAD_GLOBAL", 2, at(3, 3, 8, 9)),
        Instr("LOAD_FAST", 0, at(3, 3, 10, 11)),
        Instr("PRECALL", 1, at(3, 3, 8, 12)),
        Instr("CALL", 1, at(3, 3, 8, 12)),
        Instr("POP_TOP", None, at(3, 3, 8, 12)),
        Instr("POP_BLOCK", None, NOWHERE),
        *exit_call,
        Instr("PRECALL", 2, statement),
        Instr("CALL", 2, statement),
        Instr("POP_TOP", None, statement),
        Instr("JUMP", exit_, statement),
        final,
        Instr("SETUP_CLEANUP", cleanup, statement),
        Instr("PUSH_EXC_INFO", None, statement),
        Instr("WITH_EXCEPT_START", None, statement),
        Instr("POP_JUMP_IF_TRUE", handled, NOWHERE),
        Label(),
        Instr("RERAISE", 2, NOWHERE),
        cleanup,
        Instr("COPY", 3, NOWHERE),
        Instr("POP_EXCEPT", None, NOWHERE),
        Instr("RERAISE", 1, NOWHERE),
        handled,
        Instr("POP_TOP", None, NOWHERE),
        Instr("POP_BLOCK", None, NOWHERE),
        Instr("POP_EXCEPT", None, NOWHERE),
        Instr("POP_TOP", None, NOWHERE),
        Instr("POP_TOP", None, NOWHERE),
        exit_,
        Instr("LOAD_CONST", 0, NOWHERE),
        Instr("RETURN_VALUE", None, NOWHERE),
    ], [None]


def constant_test(code):
    end, otherwise = Label(), Label()
    expression = at(2, 2, 8, 21)
    return [
        Instr("RESUME", 0, at(1, 1, 0, 0)),
        Instr("LOAD_CONST", 1, at(2, 2, 13, 14)),
        Instr("POP_JUMP_IF_FALSE", otherwise, expression),
        Label(),
        Instr("LOAD_CONST", 2, at(2, 2, 8, 9)),
        Instr("JUMP", end, NOWHERE),
        otherwise,
        Instr("LOAD_CONST", 3, at(2, 2, 20, 21)),
        end,
        Instr("STORE_FAST", 0, at(2, 2, 4, 5)),
        Instr("LOAD_FAST", 0, at(3, 3, 11, 12)),
        Instr("RETURN_VALUE", None, at(3, 3, 4, 12)),
    ], [None, 3, 5, 6]


def short_circuits(code):
    after_and, after_or = Label(), Label()
    return [
        Instr("RESUME", 0, at(1, 1, 0, 0)),
        Instr("LOAD_FAST", 0, at(2, 2, 11, 12)),
        Instr("JUMP_IF_FALSE_OR_POP", after_and, at(2, 2, 11, 18)),
        Label(),
        Instr("LOAD_FAST", 1, at(2, 2, 17, 18)),
        after_and,
        Instr("JUMP_IF_TRUE_OR_POP", after_or, at(2, 2, 11, 23)),
        Label(),
        Instr("LOAD_FAST", 2, at(2, 2, 22, 23)),
        after_or,
        Instr("RETURN_VALUE", None, at(2, 2, 4, 23)),
    ], [None]


CASES = {
    "if_return": ("def f(x):\n    if x:\n        return 1\n    return 2\n", if_return),
    "loop_continue": (
        "def f(n):\n    for i in range(n):\n        if i:\n            continue\n"
        "        g(i)\n",
        loop_continue,
    ),
    "try_except": (
        "def f():\n    try:\n        g()\n    except E:\n        pass\n",
        try_except,
    ),
    "generator": ("def g(x):\n    yield x\n", generator),
    "closure": (
        "def f(a):\n    b = 1\n    def g():\n        return a + b\n    return g\n",
        closure,
    ),
    "with_statement": ("def f():\n    with m() as x:\n        g(x)\n", with_statement),
    "constant_test": ("def f():\n    x = 5 if 3 else 6\n    return x\n", constant_test),
    "short_circuits": ("def f(a, b, c):\n    return a and b or c\n", short_circuits),
}


def unit_for(source, written_out):
    if oracle.available():
        pair = oracle.units_of(source, "case.py")
        return pair.children[0].unit, pair.children[0].expected
    code = first_function(source)
    return unit_from_code(code, *written_out(code)), code


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_compile(name):
    source, written_out = CASES[name]
    unit, code = unit_for(source, written_out)
    assert oracle.code_differences(assemble(unit), code) == []


HARD_SOURCES = {
    "extended_args": "def f(x):\n    while x:\n" + "        x = x + 1\n" * 300,
    "many_constants": "def f():\n    return ["
    + ", ".join(f"'s{i}'" for i in range(300))
    + "]\n",
    "many_locals": "def f():\n"
    + "".join(f"    v{i} = {i}\n" for i in range(70))
    + "    del v3\n    return v3 + v69\n",
    "return_in_finally": """
def f():
    try:
        return g()
    finally:
        h()
""",
    "nested_try": """
def f():
    try:
        try:
            a()
        except A as e:
            b(e)
    finally:
        c()
""",
    "async": """
async def f(a):
    async with a as b:
        async for c in b:
            await c
""",
    "yield_in_try": """
def g():
    try:
        yield 1
    except E:
        yield 2
""",
    "match": """
def f(p):
    match p:
        case [1, *rest]:
            return rest
        case {'k': v, **kw} if v:
            return kw
        case C(a=1) | D():
            return 0
""",
    "class_cell": """
class C:
    def f(self):
        return __class__
""",
    "comprehensions": """
def f(xs):
    return [x for x in xs if x], {x: y for x, y in xs}, (x for x in xs)
""",
    "swaps": """
def f(a, b, c):
    a, b, c = c, a, b
    x, x = a, b
    return x
""",
}


def _code_objects(code):
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _code_objects(constant)


@pytest.mark.parametrize("name", sorted(HARD_SOURCES))
def test_hard_source(name):
    source = HARD_SOURCES[name]
    if oracle.available():
        report = oracle.check_source(source, "hard.py")
        assert (report.agreeing, report.failures) == (report.total, [])
        return
    # Without CPython's code generation, check that our back end is at a
    # fixed point on what it makes from CPython's compiled code, keeping its
    # stack size, constants and names.
    for code in _code_objects(compile(source, "hard.py", "exec", dont_inherit=True)):
        try:
            once = assemble(unassembler.unassemble(code))
        except unassembler.Unassemblable:
            continue
        twice = assemble(unassembler.unassemble(once))
        assert oracle.code_differences(twice, once) == [], code.co_qualname
        for name in ("co_stacksize", "co_consts", "co_names", "co_varnames"):
            assert name not in oracle.code_differences(once, code)
