import symtable as stdlib_symtable
import sys

import pytest

from pyinternals.compiler import scopes as ours
from pyinternals.compiler.conformance import scopes
from pyinternals.compiler.conformance.corpus import stdlib_root

# Programs whose tables (or errors) must match the stdlib's, whichever version
# runs: on 3.11 the 3.12+ syntax is a parse error on both sides.
VALID = [
    "x = 1\ndef f(a, /, b, *c, d=2, **e):\n    return a + x\n",
    "def f():\n    x = 1\n    def g():\n        return x\n    return g\n",
    "def f():\n    x = 1\n    def g():\n        nonlocal x\n        x = 2\n",
    "def f():\n    global y\n    y = 1\n",
    "class C:\n    x = 1\n    def m(self):\n        return x, __class__\n",
    "class C:\n    def m(self):\n        super().m()\n",
    "class C:\n    __private = 1\n    def __m(self, __a):\n        return __b\n",
    "class _:\n    __kept = 1\n",
    "class C:\n    [__x for __y in z]\n",
    "def f():\n    x = 1\n    class C:\n        x = 2\n        def g(self):\n"
    "            return x\n",
    "[i for i in range(3) if (j := i)]\n",
    "def f():\n    return [(j := i) for i in range(3)], j\n",
    "def f():\n    return [lambda: i for i in range(3)]\n",
    "def f(x):\n    return [[x + i for i in r] for r in x]\n",
    "def f():\n    return (y for y in z), {k: v for k, v in d}, {s for s in t}\n",
    "class C:\n    y = [x for x in range(3)]\n    z = [lambda: x for x in range(3)]\n",
    "class C:\n    def f(self):\n        return [super() for _ in ()]\n",
    "from __future__ import annotations\ndef f(x: int) -> y: pass\nz: q = 1\n",
    "def f(x: int, *a: A, **k: K) -> R:\n    v: V = 1\n    (w): W = 2\n    u.t: T\n",
    "import os.path, a.b as c\nfrom m import n as o, p\nfrom q import *\n",
    "try:\n    pass\nexcept E as e:\n    def h(): pass\nelse:\n    def h(): pass\n",
    "match v:\n    case [a, *rest, {'k': b, **kw}] | C(d, e=f) if g:\n        pass\n",
    "with open(p) as (f, g):\n    del f\n",
    "async def f():\n    async with a as b:\n        async for c in d:\n"
    "            await e\n    return [x async for x in y]\n",
    "def gen():\n    yield 1\n    yield from g\n",
    "lambda x, *y, z=1, **w: (x, y, z, w, q)\n",
    "def top():\n    pass\n",
    "__debug__\n",
    "def f():\n    def g():\n        def h():\n            return a\n    a = 1\n",
    "type A = int\n",
    "type A[T] = list[T]\n",
    "def f[T: int, *Ts, **P](x: T) -> T: pass\n",
    "class C[T](Base[T]):\n    def m[U](self, u: U = 1, *, k=2) -> T: pass\n"
    "    type A[V] = list[V]\n",
    "class C:\n    x = 1\n    def f[T: x](self): pass\n",
    "class C[__T]:\n    def m(self, a: __T): pass\n",
    "def f[T = int, *Ts = (), **P = []](): pass\n",
]

INVALID = [
    "def f():\n    x = 1\n    global x\n",
    "def f():\n    print(x)\n    global x\n",
    "def f(x):\n    global x\n",
    "def f():\n    x: int\n    global x\n",
    "def f():\n    global x\n    x: int\n",
    "def f():\n    x = 1\n    def g():\n        x = 2\n        nonlocal x\n",
    "def f():\n    x = 1\n    def g():\n        print(x)\n        nonlocal x\n",
    "def f(x):\n    nonlocal x\n",
    "nonlocal x\n",
    "def f():\n    def g():\n        nonlocal x\n",
    "def f():\n    x = 1\n    def g():\n        global x\n        nonlocal x\n",
    "def f():\n    from os import *\n",
    "def f():\n    [(yield 1) for x in y]\n",
    "def f():\n    {(yield 1) for x in y}\n",
    "def f():\n    {x: (yield) for x in y}\n",
    "def f():\n    ((yield from z) for x in y)\n",
    "[x for x in (y := [1])]\n",
    "[x for x in [1] for x in (lambda: (z := 1))()]\n",
    "[(i := 0) for i in y]\n",
    "[[(i := 0) for j in z] for i in y]\n",
    "[i for i in y if [(i := 0) for j in z]]\n",
    "class C:\n    [(j := i) for i in y]\n",
    "def f(x, x): pass\n",
    "lambda a, *, b, **a: 1\n",
    "from __future__ import nope\n",
    "from __future__ import braces\n",
    "from __future__ import annotations, nope\n",
    "from __future__ import annotations\ndef f(x: (y := 1)): pass\n",
    "from __future__ import annotations\ndef f() -> (yield): pass\n",
    "from __future__ import annotations\nx: await y\n",
    "def f[T, T](): pass\n",
    "def f[__classdict__](): pass\n",
    "def f[T: (yield)](): pass\n",
    "def f[T = (x := 1)](): pass\n",
    "type A = (yield)\n",
    "class C[T]((yield)): pass\n",
    "def f[T](x: [(y := 1) for _ in z]): pass\n",
    "type A = [(y := 1) for _ in z]\n",
    "def f():\n    x = 1\n    def g[T]():\n        def h():\n            nonlocal T\n",
]

# 3.11's future scan rejects a future import after ';' on the same line; 3.12+
# leave it to the compiler.
LATE_FUTURE = "import os; from __future__ import annotations\n"
(INVALID if sys.version_info < (3, 12) else VALID).append(LATE_FUTURE)


def agree(source):
    verdict = scopes.compare(source.encode(), "snippet.py")
    return verdict


@pytest.mark.parametrize("source", VALID)
def test_valid_programs_have_the_stdlib_tables(source):
    verdict = agree(source)
    assert verdict.agrees, verdict.detail


@pytest.mark.parametrize("source", INVALID)
def test_errors_match_the_stdlib(source):
    try:
        stdlib_symtable.symtable(source, "bad.py", "exec")
    except SyntaxError as error:
        expected = error
    else:
        pytest.fail("the stdlib accepted the snippet; it belongs in VALID")
    with pytest.raises(SyntaxError) as raised:
        ours.symtable(source, "bad.py", "exec")
    mine = raised.value
    assert type(mine) is type(expected)
    assert mine.msg == expected.msg
    assert mine.filename == expected.filename
    positions = (mine.lineno, mine.offset, mine.end_lineno, mine.end_offset)
    assert positions == (
        expected.lineno,
        expected.offset,
        expected.end_lineno,
        expected.end_offset,
    )


def test_conformance_reports_a_real_difference(monkeypatch):
    # Break the analysis on purpose: every cell becomes a plain local.
    monkeypatch.setattr(ours._Analyzer, "analyze_cells", staticmethod(lambda *a: None))
    verdict = agree("def f():\n    x = 1\n    return lambda: x\n")
    assert not verdict.agrees
    assert "'x'" in verdict.detail


@pytest.mark.parametrize("mode", ["exec", "eval", "single"])
def test_modes(mode):
    source = {"exec": "x = y", "eval": "[a for a in b]", "single": "c = d\n"}[mode]
    mine = ours.symtable(source, "m.py", mode)
    theirs = stdlib_symtable.symtable(source, "m.py", mode)
    assert sorted(mine.get_identifiers()) == sorted(theirs.get_identifiers())
    assert len(mine.get_children()) == len(theirs.get_children())


def test_func_type_mode_is_refused():
    with pytest.raises(ValueError, match="arg 3"):
        ours.symtable("(int) -> int", "m.py", "func_type")


def test_interface_values_and_types():
    source = "import os\ndef f(a):\n    return a\ndef f(b): pass\nclass C:\n    pass\n"
    mine = ours.symtable(source, "m.py", "exec")
    theirs = stdlib_symtable.symtable(source, "m.py", "exec")
    assert mine.get_type() == theirs.get_type()
    assert type(mine.get_type()).__name__ == type(theirs.get_type()).__name__
    assert repr(mine) == repr(theirs)
    assert isinstance(mine.lookup("C").get_namespace(), ours.Class)
    assert isinstance(mine.get_children()[0], ours.Function)
    with pytest.raises(ValueError, match="multiple"):
        mine.lookup("f").get_namespace()
    with pytest.raises(ValueError, match="not bound"):
        mine.lookup("os").get_namespace()
    with pytest.raises(KeyError):
        mine.lookup("missing")
    assert mine.lookup("os").is_imported()
    assert mine.has_children()
    assert not mine.get_children()[0].has_children()


def test_the_data_layer_records_cells_and_frees():
    top = ours.build(ours.parse("def f():\n    x = 1\n    return lambda: x\n"))
    (f,) = top.children
    (inner,) = f.children
    assert f.scopes["x"] is ours.Scope.CELL
    assert inner.scopes["x"] is ours.Scope.FREE
    assert f.symbols["x"] & ours.Def.LOCAL


def test_mangle():
    assert ours.mangle("__Spam", "__egg") == "_Spam__egg"
    assert ours.mangle("Spam", "__egg__") == "__egg__"
    assert ours.mangle("Spam", "__a.b") == "__a.b"
    assert ours.mangle(None, "__egg") == "__egg"
    assert ours.mangle("Spam", "_egg") == "_egg"


def _stdlib_sample():
    root = stdlib_root()
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    picked = files[::60]
    hard = [
        "test/test_named_expressions.py",
        "test/test_scope.py",
        "test/test_listcomps.py",
        "test/test_syntax.py",
        "test/test_type_params.py",
        "test/test_future_stmt/test_future.py",
        "test/test_grammar.py",
        "test/test_io.py",
        "typing.py",
        "dataclasses.py",
    ]
    picked += [root / name for name in hard if (root / name).exists()]
    return picked


@pytest.mark.parametrize("path", _stdlib_sample(), ids=str)
def test_stdlib_sample(path):
    verdict = scopes.compare(path.read_bytes(), str(path))
    assert verdict.agrees, verdict.detail


def test_sample_is_not_empty():
    assert len(_stdlib_sample()) > 20
    assert sys.version_info >= (3, 11)
