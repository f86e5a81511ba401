import ast
import copy
import sys
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyinternals.compiler import optimizer
from pyinternals.compiler.conformance import constants
from pyinternals.compiler.conformance.corpus import stdlib_root
from pyinternals.compiler.optimizer import eliminate_dead_branches, optimize


def folded_expr(source, **options):
    tree = optimize(ast.parse(source, mode="eval"), **options)
    return tree.body


def is_folded(source):
    return isinstance(folded_expr(source), ast.Constant)


def cpython_folds(source):
    # CPython's own answer: compiling the expression alone leaves nothing but a
    # LOAD_CONST when its optimizer folded it (compile() always optimizes).
    code = compile(source, "<probe>", "eval", dont_inherit=True, optimize=0)
    import dis

    names = [i.opname for i in dis.get_instructions(code)]
    return names[-2] in ("LOAD_CONST", "RETURN_CONST") or names[-1] == "RETURN_CONST"


# The limits at their boundaries, and operations that must not fold.
BOUNDARIES = [
    "'a' * 4096",
    "'a' * 4097",
    "4096 * 'a'",
    "b'ab' * 2048",
    "b'ab' * 2049",
    "'ab' * -1",
    "2 ** 64",
    "2 ** 128",
    "3 ** 80",
    "3 ** 81",
    "(-2) ** 64",
    "2 ** -1",
    "0 ** 1000",
    "1 ** 1000",
    "True ** 200",
    "(1,) * 256",
    "(1,) * 257",
    "(1, 2) * 128",
    "(1, 2) * 129",
    "((1, 2, 3, 4),) * 204",
    "((1, 2, 3, 4),) * 205",
    "(2 ** 64) * (2 ** 63)",
    "(2 ** 64) * (2 ** 64)",
    "(2 ** 100) * 0",
    "1 << 127",
    "1 << 128",
    "3 << 126",
    "3 << 127",
    "1 << -1",
    "0 << 1000",
    "1 >> 1000",
    "1 / 0",
    "1 // 0",
    "1 % 0",
    "'%s' % 1",
    "b'%d' % 1",
    "7 % 3",
    "1e308 * 10",
    "10.0 ** 400",
    "(-1) ** 0.5",
    "'abc'[1]",
    "'abc'[5]",
    "(1, 2)[True]",
    "b'ab'[0]",
    "~True",
    "not 0",
    "-(1,)",
    "'a' + 1",
    "(1, 2) + (3,)",
    "1 @ 2",
    "2 ** 2 ** 2 ** 2",
    "- - - 1",
]


@pytest.mark.parametrize("source", BOUNDARIES)
def test_folds_exactly_where_cpython_folds(source):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cpython_folds(source)
        mine = is_folded(source)
    assert mine == expected


@pytest.mark.parametrize(
    ("source", "folded"),
    [
        ("'a' * 4096", True),
        ("'a' * 4097", False),
        ("2 ** 64", True),
        ("2 ** 128", False),
        ("(1,) * 256", True),
        ("(1,) * 257", False),
        ("1 / 0", False),
        ("1 << 128", False),
    ],
)
def test_documented_limits(source, folded):
    assert is_folded(source) is folded


def test_folded_values_and_positions():
    node = folded_expr("x + (2 * 3)")
    right = node.right
    assert isinstance(right, ast.Constant)
    assert right.value == 6
    assert (right.col_offset, right.end_col_offset) == (5, 10)
    assert folded_expr("'a' * 3").value == "aaa"
    assert folded_expr("(1, (2, 3))").value == (1, (2, 3))


def test_not_into_comparison():
    assert isinstance(folded_expr("not a is b").ops[0], ast.IsNot)
    assert isinstance(folded_expr("not a in b").ops[0], ast.NotIn)
    assert isinstance(folded_expr("not a == b"), ast.UnaryOp)
    assert isinstance(folded_expr("not a < b < c"), ast.UnaryOp)


def test_iterables_become_constants():
    compare = folded_expr("x in [1, 2]")
    assert compare.comparators[0].value == (1, 2)
    assert folded_expr("x in {1, 2}").comparators[0].value == frozenset({1, 2})
    assert isinstance(folded_expr("x in [y, 2]").comparators[0], ast.Tuple)
    assert isinstance(folded_expr("x in [*y]").comparators[0], ast.List)
    loop = optimize(ast.parse("for x in [1, 2]: pass")).body[0]
    assert loop.iter.value == (1, 2)
    comp = folded_expr("[x for x in {1, 2} if x]")
    assert comp.generators[0].iter.value == frozenset({1, 2})
    assert isinstance(folded_expr("[1, 2]"), ast.List)


def test_percent_format_becomes_fstring():
    node = folded_expr("'a%sb%-5.2r%%' % (x, y)")
    assert isinstance(node, ast.JoinedStr)
    assert ast.unparse(node) == "f'a{x!s}b{y!r:5.2}%'"
    assert isinstance(folded_expr("'%d' % (x,)"), ast.BinOp)
    assert isinstance(folded_expr("'%s %s' % (x,)"), ast.BinOp)
    assert isinstance(folded_expr("'%s' % (x, y)"), ast.BinOp)
    assert isinstance(folded_expr("'%123s' % (x,)"), ast.BinOp)


def test_debug_follows_the_level():
    assert folded_expr("__debug__").value is True
    assert folded_expr("__debug__", level=1).value is False


def test_a_folded_string_does_not_become_a_docstring():
    tree = optimize(ast.parse("'a' + 'b'\n"))
    assert isinstance(tree.body[0].value, ast.JoinedStr)
    tree = optimize(ast.parse("'doc'\n'a' + 'b'\n"))
    assert tree.body[1].value.value == "ab"


def test_future_annotations_are_not_folded():
    source = (
        "from __future__ import annotations\ndef f(x: 1 + 1) -> 2 * 2:\n    y: 3 - 1\n"
    )
    tree = optimize(ast.parse(source))
    function = tree.body[1]
    assert isinstance(function.args.args[0].annotation, ast.BinOp)
    assert isinstance(function.returns, ast.BinOp)
    assert isinstance(function.body[0].annotation, ast.BinOp)
    plain = optimize(ast.parse(source.split("\n", 1)[1]))
    assert isinstance(plain.body[0].returns, ast.Constant)


def test_the_callers_tree_is_not_changed():
    tree = ast.parse("x = 1 + 2\nfor a in [1, 2]: pass\n")
    before = ast.dump(tree, include_attributes=True)
    result = optimize(tree)
    assert ast.dump(tree, include_attributes=True) == before
    assert result is not tree


def test_dead_branches():
    tree = optimize(ast.parse("if 0:\n    a()\nelse:\n    b()\nwhile 0:\n    c()\n"))
    assert ast.unparse(eliminate_dead_branches(tree)) == "b()"
    # A branch that binds a name is kept: it makes the name local.
    kept = optimize(ast.parse("def f():\n    if 0:\n        x = 1\n    return x\n"))
    assert ast.dump(eliminate_dead_branches(kept)) == ast.dump(kept)
    # So is one with a yield: it makes the function a generator.
    gen = optimize(ast.parse("def g():\n    if 0:\n        yield\n"))
    assert ast.dump(eliminate_dead_branches(gen)) == ast.dump(gen)
    empty = eliminate_dead_branches(
        optimize(ast.parse("def h():\n    if 0:\n        a()\n"))
    )
    assert isinstance(empty.body[0].body[0], ast.Pass)
    compile(empty, "<test>", "exec")


def test_dead_branch_elimination_keeps_behaviour():
    source = (
        "out = []\nif __debug__:\n    out.append(1)\n"
        "if not __debug__:\n    out.append(2)\n"
    )
    for level in (0, 1):
        pruned = eliminate_dead_branches(optimize(ast.parse(source), level=level))
        namespace = {}
        exec(compile(pruned, "<test>", "exec", optimize=level), namespace)
        assert namespace["out"] == ([1] if level == 0 else [2])


SNIPPETS = [
    "x = (1 + 2, 2 ** 200, 'a' * 4097, -1, ~5, not 0)\n",
    "def f(a=1 + 1, *, b=[1, 2][0]) -> 3 * 3:\n    return a in [1, 2, b]\n",
    "for i in [1, 2, 3]:\n    print('%s:%r' % (i, i))\n",
    "y = [x for x in {1, 2} if not x is None]\n",
    "'a' 'b'\n'c' + 'd'\n",
    "match v:\n    case -1 | 1 + 2j:\n        pass\n",
    "class C:\n    '%s' % (x,)\n    z = __debug__\n",
    "from __future__ import annotations\nx: 1 + 2 = 3 + 4\n",
]


@pytest.mark.parametrize("source", SNIPPETS)
def test_snippets_agree_with_cpython(source):
    verdict = constants.compare(source.encode(), "snippet.py")
    assert verdict.agrees, verdict.detail


def test_conformance_sees_too_much_folding(monkeypatch):
    monkeypatch.setattr(optimizer, "MAX_INT_SIZE", 1000)
    verdict = constants.compare(b"x = 2 ** 200\n", "over.py")
    assert not verdict.agrees


def test_conformance_sees_too_little_folding(monkeypatch):
    monkeypatch.delitem(optimizer._BINARY, ast.Add)
    verdict = constants.compare(b"x = 1 + 2\n", "under.py")
    assert not verdict.agrees
    # 3.11 compares folded constants and names the expression left unfolded;
    # 3.13 compares the optimized trees and shows ours with its BinOp.
    unfolded = "1 + 2" if sys.version_info < (3, 13) else "value=BinOp(left=Constant"
    assert unfolded in verdict.detail


def test_conformance_sees_a_wrong_value(monkeypatch):
    monkeypatch.setitem(optimizer._BINARY, ast.Sub, lambda a, b: a + b)
    verdict = constants.compare(b"x = 5 - 3\n", "wrong.py")
    assert not verdict.agrees


def test_conformance_agrees_on_rejected_files():
    verdict = constants.compare(b"x = (\n", "bad.py")
    assert verdict == constants.Verdict(agrees=True, cpython_accepts=False)


def _stdlib_sample():
    root = stdlib_root()
    files = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    hard = ["test/test_float.py", "test/test_peepholer.py", "test/test_ast.py"]
    return files[::120] + [root / h for h in hard if (root / h).exists()]


@pytest.mark.parametrize("path", _stdlib_sample(), ids=str)
def test_stdlib_sample(path):
    verdict = constants.compare(path.read_bytes(), str(path))
    assert verdict.agrees, verdict.detail


# -- folding preserves values -------------------------------------------------

SMALL_INTS = st.integers(-9, 9)
NUMBERS = st.one_of(
    SMALL_INTS,
    st.sampled_from([2**100, -(2**70), 0, 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.complex_numbers(max_magnitude=1e6),
)
SEQUENCES = st.one_of(
    st.text(max_size=5),
    st.binary(max_size=5),
    st.tuples(SMALL_INTS, st.text(max_size=2)),
)
NUMERIC_OPS = [
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.BitOr,
    ast.BitXor,
    ast.BitAnd,
    ast.MatMult,
]


def constant(value):
    return ast.Constant(value=value)


def numeric_trees():
    leaves = NUMBERS.map(constant)

    def extend(children):
        return st.one_of(
            st.builds(
                lambda left, op, right: ast.BinOp(left, op(), right),
                children,
                st.sampled_from(NUMERIC_OPS),
                children,
            ),
            st.builds(
                lambda left, op, right: ast.BinOp(left, op(), constant(right)),
                children,
                st.sampled_from([ast.Pow, ast.LShift, ast.RShift]),
                st.integers(-3, 9),
            ),
            st.builds(
                lambda op, x: ast.UnaryOp(op(), x),
                st.sampled_from([ast.USub, ast.UAdd, ast.Invert, ast.Not]),
                children,
            ),
            st.builds(
                lambda xs: ast.Tuple(xs, ast.Load()), st.lists(children, max_size=3)
            ),
        )

    return st.recursive(leaves, extend, max_leaves=6)


def sequence_trees():
    return st.one_of(
        st.builds(
            lambda s, n: ast.BinOp(constant(s), ast.Mult(), constant(n)),
            SEQUENCES,
            st.integers(-2, 5000),
        ),
        st.builds(
            lambda s, t: ast.BinOp(constant(s), ast.Add(), constant(t)),
            SEQUENCES,
            SEQUENCES,
        ),
        st.builds(
            lambda s, i: ast.Subscript(constant(s), constant(i), ast.Load()),
            SEQUENCES,
            st.integers(-6, 6),
        ),
        st.builds(
            lambda s, t: ast.BinOp(constant(s), ast.Mod(), constant(t)),
            SEQUENCES,
            st.one_of(NUMBERS, SEQUENCES),
        ),
    )


def evaluate(tree):
    expression = ast.fix_missing_locations(ast.Expression(body=tree))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = eval(compile(expression, "<hypothesis>", "eval", dont_inherit=True))
    except Exception as error:  # the outcome is the exception's type
        return ("raises", type(error).__name__)
    return ("value", constants._const_key(value))


@settings(max_examples=300, deadline=None)
@given(st.one_of(numeric_trees(), sequence_trees()))
def test_folding_preserves_values(tree):
    expected = evaluate(copy.deepcopy(tree))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        folded = optimize(ast.fix_missing_locations(ast.Expression(body=tree)))
    assert evaluate(folded.body) == expected
