import ast
import sys
import types
import warnings

import pytest

from pyinternals.compiler.codegen import (
    generate,
    generate_units,
    oracle,
    placeholder_code,
)
from pyinternals.compiler.codegen.statements import clean_doc
from pyinternals.compiler.codegen.unparse import unparse
from pyinternals.compiler.conformance.corpus import sample, stdlib_files
from pyinternals.compiler.optimizer import optimize
from pyinternals.compiler.parser import parse

PY313 = sys.version_info >= (3, 13)
HAVE_ORACLE = oracle.have_sequence_oracle()
ON_313_ONLY = (
    "needs CPython 3.13's _testinternalcapi.compiler_codegen; "
    "`make test` runs these on the pinned 3.13.5 (nox -s test-pinned)"
)

# Programs chosen for what they exercise: every kind of scope, the frame
# blocks return/break/continue unwind through, and the constructs whose code
# differs most between 3.11 and 3.13.
CASES = {
    "closures": """
def outer(a, *args, b=1, **kw):
    c = a
    def inner(d, /, e):
        nonlocal c
        c += d
        return lambda: (a, c, e)
    return inner
""",
    "class cells": """
class A(B, metaclass=M, **extra):
    '''Doc.'''
    x: int = 1
    def m(self):
        self.y = super().m()
        self.z, self.w = 1, 2
        return __class__
    @staticmethod
    def s(*a):
        return super(A, a[0]).s()
    class Inner:
        def f(self): return __class__
""",
    "generators": """
def gen(x):
    yield x
    y = yield from x
    return y
async def agen(x):
    async for i in x:
        yield i
    async with x as (a, b), y:
        await a
async def coro(x):
    return [i async for i in x] + [await j for j in x]
""",
    "comprehensions": """
def f(xs, ys):
    a = [x for x in xs if x if not x]
    b = {x: y for x in xs for y in [x]}
    c = {x for x in xs for y in ys}
    d = (x for x in xs)
    e = [lambda: x for x in xs]
    return a, b, c, d, e
class C:
    y = 1
    z = [x + y for x in range(3)]
[x for x in range(3)]
""",
    "unwinding": """
def f(xs):
    for x in xs:
        try:
            with open(x) as g:
                if x:
                    break
                elif g:
                    continue
                return g
        except (OSError, ValueError) as e:
            return e
        finally:
            print(x)
        try:
            pass
        except* TypeError as group:
            print(group)
        except* OSError:
            pass
    else:
        return None
    while xs:
        try:
            return xs.pop()
        finally:
            continue
""",
    "match": """
def f(p):
    match p:
        case None | True:
            return 0
        case [1, *rest] if rest:
            return rest
        case [a, *_, b]:
            return a, b
        case {"k": v, **kw}:
            return v, kw
        case Point(x=0, y=yy) | Point(y=yy, x=1):
            return yy
        case str() as s:
            return s
        case -1 | 1.5 | 2j | m.CONST:
            return p
        case _:
            return None
""",
    "calls and displays": """
f(*a, *b, k=1, **c, **d)
f(a, *b)
o.m(1, k=2)
o.m(*a)
x = {**a, 'b': 1, **c}
y = [*a, 1, *b]
z = (*a, 1)
w = {1, 2, 3}
v = f'{a!r:>{width}} {b=} {c:{d}}'
u = a if b else c
t = a < b < c
s = not (a and b or c)
r[1:2], r[::3] = q
p += 1; o.a += 1; o[1] -= 2; o[1:2] *= 3
del a, b.c, d[e]
import a.b.c as d, e.f
from .. import g as h
from i import *
assert x, y
""",
    "future annotations": """
from __future__ import annotations
def f(a: int | None, *b: Ts, c: dict[str, 'X'] = {}, **d: (lambda: 1)) -> f'{x}':
    v: list[int] = []
    return v
class C:
    x: 1e400
    y: -(a ** b)
""",
    "type parameters": """
def f[T: int, *Ts, **P](x: T) -> T: return x
class C[T, U=int](Base, k=1):
    def m(self) -> T: return self
type Alias[K] = dict[K, list[K]]
type Simple = int
""",
    "class and annotation scopes": """
class C:
    x = 1
    type A = x
    type B[T] = list[T | x]
    def f[T](self, a: T = x, *, b: T = x) -> T: return a
    def g[T](self, a=1): pass
    def h[T](self, *, b=1): pass
    class D[T: x, *Ts, **P](Base, metaclass=M): pass
    y = [x for _ in range(3)]
""",
    "comprehension cells": """
[lambda: x for x in y]
class K:
    z = [lambda: x for x in y]
    w = [__class__ for _ in y]
    def m(self):
        return [super().m() for _ in y], [__class__ for _ in y]
def f():
    x = 1
    return [x := i for i in y], x
def g():
    total = 0
    def h():
        nonlocal total
        return [(total := total + v) for v in y]
    return h
""",
    "coroutines": """
async def f(xs):
    a = [x async for x in xs]
    b = {x: await x async for x in xs}
    return a, b, [y for x in xs async for y in x]
async def g():
    async with a as b, c:
        async for x in b:
            if x: break
            continue
        else:
            return 1
    return [await z for z in y if await z]
def gen():
    x = yield
    y = yield from x
    return (yield)
async def agen():
    yield 1
    await x
    async for q in w:
        yield q
""",
    "try star": """
def f(a, /, b, *c, d, e=1, **f) -> None:
    '''doc'''
    global G
    G = a
    del b
    try:
        pass
    except* (A, B) as eg:
        del eg
    except* C:
        raise
    else:
        pass
    finally:
        return
""",
    "match more": """
match x:
    case {**rest}: pass
    case {1: _, 'a': [*_], **rest} if rest: pass
    case [1, [2, *a], (b, c)] | [1, [2, *a], [c, b]]: pass
    case C(1, a, b=[c, *d]): pass
    case (1 | 2 | 3) as z: pass
    case [*_, x]: pass
    case [x, *_]: pass
    case [*_]: pass
    case []: pass
    case {}: pass
    case x.y.z: pass
    case -1j | 1 + 2j | "s" | b"b" | None | True: pass
    case _ if x: pass
""",
    "expressions more": """
x = f'{a:{b}{c!r}}' f'{d!a:>10}' f'{e=!r:^{w}}' f'' f'{{}}'
y = (a < b) < c if (d := e) else not f
z = a[b:c, ::d, ...]
a.b[c] += 1
a[b:c] //= 2
a.b.c **= 3
del a[b:c], a[::2]
print(*[1, 2, 3], *(4, 5), **{'sep': '-'}, end='')
o.m(*a)
o.m(**k)
o.m(a, b=1)
super().m()
(x for x in y)
""",
    "statements more": """
import a.b.c
import a.b.c as d
from . import x
from .a import (b, c as d)
try:
    import q
except ImportError:
    q = None
assert a, (b, c)
assert not (a, b)
raise E from F
with a: pass
with (a as b, c as d): pass
for (a, b) in c: pass
while True:
    if x: break
else:
    pass
while 0:
    pass
if __debug__:
    pass
""",
}
if not PY313:
    del CASES["type parameters"]
    del CASES["class and annotation scopes"]

SNIPPETS = {
    "global declared": "def f():\n    global g\n    g = 1\n    def g(): pass",
    "class in function": "def f(a):\n    class C:\n        b = a\n    return C",
    "docstring only": "def f():\n    '''Only.'''",
    "eval lambda": "lambda: (yield)",
    "empty": "",
    "interactive annotations": "x: int",
    "while else": "while a:\n    b()\nelse:\n    c()",
    "nested try finally return": (
        "def f():\n    try:\n        return 1\n    finally:\n"
        "        try:\n            pass\n        finally:\n            return 2"
    ),
    "walrus in comprehension": "def f(xs):\n    return [y := x for x in xs], y",
    "many arguments": "f(" + ", ".join(f"a{i}" for i in range(40)) + ")",
    "many items": "x = {" + ", ".join(f"'k{i}': {i}" for i in range(40)) + "}",
    "long f-string": "x = f'" + "{a}b" * 40 + "'",
}


def cases():
    for name, source in CASES.items():
        yield pytest.param(source, "exec", id=name)
    for name, source in SNIPPETS.items():
        mode = "eval" if name.startswith("eval") else "exec"
        if name.startswith("interactive"):
            mode = "single"
        yield pytest.param(source, mode, id=name)


def corpus_sample():
    files = sample(stdlib_files(), 60, always=["/ast.py", "/dataclasses.py"])
    return [pytest.param(path, id=path.name) for path in files]


@pytest.mark.parametrize(("source", "mode"), list(cases()))
def test_units_match_compile_metadata(source, mode):
    assert oracle.compare_metadata(source, "<case>", mode=mode) == []


@pytest.mark.parametrize("level", [1, 2])
def test_optimization_levels_match_compile_metadata(level):
    source = CASES["class cells"] + "assert x, 'message'\n"
    assert oracle.compare_metadata(source, "<case>", optimize=level) == []


@pytest.mark.parametrize("path", corpus_sample())
def test_stdlib_units_match_compile_metadata(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        differences = oracle.compare_metadata(path.read_bytes(), str(path))
    assert differences == []


@pytest.mark.skipif(not HAVE_ORACLE, reason=ON_313_ONLY)
@pytest.mark.parametrize(("source", "mode"), list(cases()))
def test_sequences_match_cpython(source, mode):
    units, differences = oracle.compare_sequences(source, "<case>", mode=mode)
    assert units > 0
    assert differences == []


@pytest.mark.skipif(not HAVE_ORACLE, reason=ON_313_ONLY)
@pytest.mark.parametrize("path", corpus_sample())
def test_stdlib_sequences_match_cpython(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, differences = oracle.compare_sequences(path.read_bytes(), str(path))
    assert differences == []


def test_nested_units_come_in_the_order_they_finish():
    top = generate_units(optimize(parse(CASES["closures"], "<case>")), "<case>")
    outer = top.nested[0]
    assert [u.code.qualname for u in outer.nested] == ["outer.<locals>.inner"]
    assert outer.nested[0].nested[0].code.qualname == (
        "outer.<locals>.inner.<locals>.<lambda>"
    )


def test_equal_inner_units_are_one_constant():
    # The test of a while loop is compiled twice, its lambda with it.
    top = generate_units(ast.parse("while (lambda: x)(): pass"), "<case>")
    codes = [c for c in top.code.consts.values if hasattr(c, "co_code")]
    assert len(top.nested) == 2
    assert len(codes) == 1


def test_placeholder_code_stands_in_for_the_unit():
    top = generate_units(ast.parse("def f(): return 1"), "<case>")
    code = placeholder_code(top.nested[0].code)
    assert (code.co_name, code.co_qualname) == ("f", "f")


# CPython's compile-time errors and warnings from the code generator.
ERRORS = [
    "return 1",
    "break",
    "continue",
    "class C:\n    return 1",
    "yield 1",
    "await x",
    "def f():\n    await x",
    "async def f():\n    yield from x",
    "async def f():\n    yield 1\n    return 2",
    "def f():\n    async for x in y: pass",
    "def f():\n    async with x: pass",
    "[x async for x in y]",
    "a, *b, *c = d",
    "f(__debug__=1)",
    "f(a=1, b=2, a=3)",
    "try:\n    pass\nexcept:\n    pass\nexcept E:\n    pass",
    "for x in y:\n    try:\n        pass\n    except* E:\n        break",
    "match x:\n    case a:\n        pass\n    case b:\n        pass",
    "match x:\n    case _:\n        pass\n    case b:\n        pass",
    "match x:\n    case [a, a]:\n        pass",
    "match x:\n    case a | b:\n        pass",
    "match x:\n    case {1: a, 1: b}:\n        pass",
    "match x:\n    case C(x=1, x=2):\n        pass",
    "x = 1\nfrom __future__ import annotations",
    "def f():\n    from __future__ import annotations",
    "\n".join("    " * i + "for x in y:" for i in range(22))
    + "\n"
    + "    " * 22
    + "pass",
    "del __debug__",
    "def f(__debug__): pass",
    "for x in y:\n    def f():\n        break",
    "def f():\n    (yield from x for x in y)",
]
if PY313:
    ERRORS += ["def f[T=int, U](): pass"]

WARNINGS = [
    "assert (a, 'msg')",
    "x is 1",
    "x is not ()",
    "1()",
    "[1, 2]()",
    "'abc'[1.0]",
    "{1}[0]",
    "(lambda: 1)[0]",
    "if x is 1.0: pass",
    "x = y is 'a' is z",
]


def outcome(compiler, source, action):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter(action)
        try:
            compiler(source)
            error = None
        except SyntaxError as exc:
            error = (exc.msg, exc.lineno, exc.offset, exc.end_lineno, exc.end_offset)
    return error, [(str(w.message), w.lineno, w.category) for w in caught]


def theirs(source):
    compile(source, "<case>", "exec", dont_inherit=True)


def ours(source):
    generate_units(optimize(parse(source, "<case>", "exec")), "<case>")


@pytest.mark.parametrize("source", ERRORS)
def test_compile_time_errors_match_cpython(source):
    expected = outcome(theirs, source, "always")
    assert expected[0] is not None
    assert outcome(ours, source, "always") == expected


@pytest.mark.parametrize("action", ["always", "error"])
@pytest.mark.parametrize("source", WARNINGS)
def test_syntax_warnings_match_cpython(source, action):
    expected = outcome(theirs, source, action)
    assert expected != (None, [])
    assert outcome(ours, source, action) == expected


ANNOTATIONS = [
    "int",
    "dict[str, 'X'] | None",
    "(a, b)",
    "()",
    "(a,)",
    "a[1:2, ::3]",
    "a[()]",
    "-(a ** -b) ** c",
    "not a and (b or c)",
    "a if b else c",
    "lambda x, /, y=1, *z, w, **v: x",
    "lambda: (yield)",
    "[x async for x in y if x]",
    "{k: v for k, v in d}",
    "{*a, *b}",
    "{**a, 'b': c}",
    "f(*a, k=1, **b)",
    "f(x for x in y)",
    "1 .real",
    "1e400 + 1e400j",
    "f'{a!r:>{b}} {{c}} {d=}'",
    "b'x' + u'y'",
    "...",
    "lambda: (x := 1)",
    "lambda: await a",
    "a < b is not c not in d",
    "~a @ b // c % d",
]


@pytest.mark.parametrize("text", ANNOTATIONS)
def test_future_annotations_unparse_as_cpython(text):
    source = f"from __future__ import annotations\nx: {text}\n"
    namespace = {}
    exec(compile(source, "<case>", "exec", dont_inherit=True), namespace)
    expected = namespace["__annotations__"]["x"]
    assert unparse(ast.parse(text, mode="eval").body) == expected


DOCSTRINGS = [
    "One line.",
    "  Leading spaces.",
    "Title.\n\n    Body,\n      indented.\n    ",
    "\n    Starts on the second line.\n\n    Blank line kept.\n",
    "Tabs\n\tand spaces\n        mixed.",
    "Only\n   \n  whitespace lines are ignored.",
]


@pytest.mark.parametrize("doc", DOCSTRINGS)
def test_clean_doc_as_3_13_stores_docstrings(doc):
    source = f"def f():\n    {doc!r}\n"
    code = next(c for c in compile(source, "<case>", "exec").co_consts if c)
    if PY313:
        assert clean_doc(doc) == code.co_consts[0]
    else:
        # 3.11 keeps docstrings as written; the cleaned one has the same lines.
        assert code.co_consts[0] == doc
        assert clean_doc(doc).count("\n") == doc.count("\n")


# -- end to end: our code generator and the back end against compile() --

# Everything compile() decides about a code object, our code generator and
# the back end together must decide alike.
FIELDS = [
    "co_code",
    "co_consts",
    "co_names",
    "co_varnames",
    "co_cellvars",
    "co_freevars",
    "co_flags",
    "co_stacksize",
    "co_linetable",
    "co_exceptiontable",
    "co_firstlineno",
    "co_name",
    "co_qualname",
    "co_argcount",
    "co_posonlyargcount",
    "co_kwonlyargcount",
]


def constant_key(value):
    if isinstance(value, types.CodeType):
        return ("code", value.co_qualname)
    if type(value) in (tuple, frozenset):
        return (type(value), type(value)(constant_key(item) for item in value))
    return (type(value), repr(value))


def differences(ours, theirs, where=()):
    where = (*where, theirs.co_qualname)
    for field in FIELDS:
        mine, other = getattr(ours, field), getattr(theirs, field)
        if field == "co_consts":
            mine = [constant_key(value) for value in mine]
            other = [constant_key(value) for value in other]
        if mine != other:
            yield where, field
    inner = [c for c in ours.co_consts if isinstance(c, types.CodeType)]
    real = [c for c in theirs.co_consts if isinstance(c, types.CodeType)]
    for mine, other in zip(inner, real, strict=True):
        yield from differences(mine, other, where)


def compile_both(source, mode="exec", level=0, front_end=parse):
    theirs = compile(source, "<case>", mode, dont_inherit=True, optimize=level)
    tree = optimize(front_end(source, "<case>", mode), level=level)
    ours = generate(tree, "<case>", mode=mode, optimize=level)
    return ours, theirs


def end_to_end_cases():
    params = []
    for name, source in [*CASES.items(), *SNIPPETS.items()]:
        mode = "eval" if name.startswith("eval") else "exec"
        if name.startswith("interactive"):
            mode = "single"
        params.append(pytest.param(source, mode, id=name))
    return params


@pytest.mark.parametrize("level", [0, 1, 2])
@pytest.mark.parametrize(("source", "mode"), end_to_end_cases())
def test_code_objects_equal_compile(source, mode, level):
    ours, theirs = compile_both(source, mode, level)
    assert list(differences(ours, theirs)) == []


def compiles(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except SyntaxError:
            return False
    return True


def end_to_end_sample():
    files = sample(stdlib_files(), 80, always=["/tomllib/_parser.py", "/tarfile.py"])
    return [pytest.param(path, id=path.name) for path in files if compiles(path)]


@pytest.mark.parametrize("path", end_to_end_sample())
def test_stdlib_code_objects_equal_compile(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = compile_both(path.read_bytes(), front_end=ast.parse)
    assert list(differences(ours, theirs)) == []


PROGRAMS = [
    (
        "closures and generators",
        """
def counter():
    n = 0
    def step():
        nonlocal n
        n += 1
        yield n
    return step
out = [next(counter()()) for _ in range(3)]
""",
    ),
    (
        "exceptions and finally",
        """
log = []
def f(x):
    try:
        try:
            return 1 / x
        finally:
            log.append("inner")
    except ZeroDivisionError as e:
        log.append(type(e).__name__)
        return None
    finally:
        log.append("outer")
out = [f(1), f(0), log]
""",
    ),
    (
        "match",
        """
def describe(p):
    match p:
        case (0, 0): return "origin"
        case (x, 0) | (0, x): return f"axis {x}"
        case {"x": x, **rest} if rest: return f"dict {x} {sorted(rest)}"
        case [*items]: return len(items)
        case _: return "other"
out = [describe(v) for v in [(0, 0), (3, 0), (0, 4), {"x": 1, "y": 2}, [1, 2, 3], 5]]
""",
    ),
    (
        "classes",
        """
class Base:
    def hello(self): return "base"
class Child(Base):
    def hello(self): return "child of " + super().hello()
    @property
    def name(self): return __class__.__name__
c = Child()
out = (c.hello(), c.name, Child.__qualname__)
""",
    ),
]


@pytest.mark.parametrize(("name", "program"), PROGRAMS)
def test_programs_run_alike(name, program):
    ours, theirs = compile_both(program)
    results = []
    for code in (ours, theirs):
        namespace = {}
        exec(code, namespace)
        results.append(namespace["out"])
    assert results[0] == results[1]
