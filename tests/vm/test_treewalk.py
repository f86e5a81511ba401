"""The tree-walking interpreter: differential runs against CPython, the subset check."""

import ast
import textwrap

import pytest

from pyinternals.compiler.differential import run as run_on_cpython
from pyinternals.vm.treewalk import Function, Interpreter, assert_same, outcome, run
from pyinternals.vm.treewalk_subset import UnsupportedSyntaxError, check_subset

PROGRAMS = {
    "arithmetic": """
        a, b = 7, 3
        print(a + b, a - b, a * b, a / b, a // b, a % b, a ** b, -a, ~a, +b, not a)
        print(a << 2, a >> 1, a & b, a | b, a ^ b, 1 < a < 10, 1 < a > 10)
        x = 10
        x += 1; x -= 2; x *= 3; x //= 2; x **= 2; x %= 7; x <<= 3; x |= 1
        print(x, a == b or a != b, a and b, 0 or b, 0 and 1, "" or None)
        print(f"{a!r:>4}|{b * 2:03d}|{'s'!s}|{a / b:.2f}", 7 if a > b else 8)
        print(1 / 0)
    """,
    "recursion": """
        def fib(n):
            if n < 2:
                return n
            return fib(n - 1) + fib(n - 2)
        def factorial(n):
            return 1 if n <= 1 else n * factorial(n - 1)
        def hanoi(n, source, target, spare, moves):
            if n:
                hanoi(n - 1, source, spare, target, moves)
                moves.append((source, target))
                hanoi(n - 1, spare, target, source, moves)
            return moves
        print([fib(i) for i in range(15)], factorial(20))
        print(len(hanoi(6, "a", "c", "b", [])))
        def even(n):
            return True if n == 0 else odd(n - 1)
        def odd(n):
            return False if n == 0 else even(n - 1)
        print(even(40), odd(7))
    """,
    "loops": """
        total = 0
        for i in range(20):
            if i % 2:
                continue
            if i > 14:
                break
            total += i
        else:
            print("no break")
        n = 0
        while n < 5:
            n += 1
            if n == 100:
                break
        else:
            print("while else", n)
        found = None
        for i in range(5):
            for j in range(5):
                if i * j == 6:
                    found = (i, j)
                    break
            else:
                continue
            break
        print(total, found)
        for key, value in {"a": 1, "b": 2}.items():
            print(key, value, end="; ")
        for character in "xyz":
            print(character, end="")
        print()
    """,
    "closures": """
        def counter():
            count = 0
            def up(step=1):
                nonlocal count
                count += step
                return count
            return up
        c = counter()
        print(c(), c(), c(5), c.__name__, c.__qualname__)
        def outer(x):
            def middle():
                def inner():
                    return x
                return inner
            return middle()()
        print(outer(42))
        adders = [lambda y, i=i: i + y for i in range(3)]
        print([a(10) for a in adders])
        def late():
            fs = [lambda: i for i in range(3)]
            return [f() for f in fs]
        print(late())
        def later():
            def get():
                return value
            value = "assigned after def"
            return get
        print(later()())
        def make_accumulator():
            items = []
            def add(item):
                items.append(item)
                return len(items)
            return add
        add = make_accumulator()
        add(1); add(2)
        print(add(3))
    """,
    "globals_and_unbound": """
        x = 1
        def set_global():
            global x
            x = 2
            temporary = 3
            del temporary
        set_global()
        print(x)
        def unbound():
            print(y)
            y = 1
        unbound()
    """,
    "free_variable_unbound": """
        def outer():
            def inner():
                return late
            value = inner
            try:
                inner()
            except NameError as error:
                print(error)
            late = 1
            return value()
        print(outer())
        del undefined_name_for_test
    """,
    "lists_and_dicts": """
        xs = [5, 3, 8, 1]
        xs.append(7); xs.extend([2, 2]); xs.insert(0, 9); xs.remove(2)
        print(xs, xs[1:4], xs[::-1], xs[-1], xs[::2], len(xs), xs.index(8))
        xs[0] = 0; xs[1:3] = [10, 11, 12]; del xs[-1]; del xs[:1]
        print(xs, sum(xs), min(xs), max(xs), 11 in xs, 4 not in xs)
        d = {"a": 1, **{"b": 2}, "c": 3}
        d["z"] = 0; del d["a"]; d["b"] += 10
        print(d, list(d), sorted(d.values()), d.get("q", "none"), len(d))
        counts = {}
        for word in "the cat and the hat and the bat".split():
            counts[word] = counts.get(word, 0) + 1
        print(counts)
        grid = [[0] * 3 for _ in range(3)]
        grid[1][2] = 5
        print(grid, (1, *xs, 2), {1, 2, *xs} > {1}, [*"ab", *range(2)])
        a, (b, c), *rest = 1, (2, 3), 4, 5, 6
        first, *middle, last = "hello"
        print(a, b, c, rest, first, middle, last)
        print({k: v for k, v in zip("abc", range(3)) if v}, {n % 3 for n in range(10)})
        print(sum(n * n for n in range(10)))
        print([(i, j) for i in range(3) for j in range(i)])
        print(d["missing"])
    """,
    "unpacking_errors": """
        for value in ([1, 2, 3], [1], 5):
            try:
                a, b = value
            except (ValueError, TypeError) as error:
                print(type(error).__name__, error)
        try:
            a, *b, c = [1]
        except ValueError as error:
            print(error)
        a, b = (1, 2, 3)
    """,
    "sorting_with_key_functions": """
        people = [("ann", 31), ("bob", 25), ("cid", 31), ("dee", 19)]
        def by_age(person):
            return person[1]
        print(sorted(people, key=by_age))
        print(sorted(people, key=lambda person: (-person[1], person[0])))
        print(max(people, key=by_age), min(people, key=by_age))
        print(list(map(by_age, people)), list(filter(lambda p: p[1] > 20, people)))
        words = ["banana", "Apple", "cherry"]
        words.sort(key=str.lower, reverse=True)
        print(words)
        def bad_key(item):
            return item[5]
        sorted(people, key=bad_key)
    """,
    "functions_and_arguments": """
        def f(a, b=2, /, c=3, *args, d, e=5, **kwargs):
            return (a, b, c, args, d, e, kwargs)
        print(f(1, d=4))
        print(f(1, 2, 3, 4, 5, d=6, z=7))
        print(f(*[1, 2], **{"d": 0, "q": 1}))
        print((lambda x, *, y=2: x * y)(3), (lambda: None)())
        def g():
            pass
        print(g(), g.__name__, f.__defaults__, f.__kwdefaults__)
        def h(a, b=1, *, c):
            return a, b, c
        calls = [lambda: h(), lambda: h(1), lambda: h(1, 2, 3), lambda: h(1, 2, 3, c=4),
                 lambda: h(1, d=2), lambda: h(1, a=2, c=3), lambda: g(1),
                 lambda: (lambda a, /: a)(a=1)]
        for call in calls:
            try:
                call()
            except TypeError as error:
                print(error)
        def many(a, b, c, d):
            pass
        many()
    """,
    "exceptions": """
        def risky(n):
            if n == 0:
                raise ValueError("zero")
            if n == 1:
                raise KeyError(n)
            return n
        for n in range(3):
            try:
                print(risky(n))
            except ValueError as e:
                print("value", e)
            except (KeyError, TypeError) as e:
                print("key", repr(e))
            else:
                print("else")
        try:
            try:
                1 / 0
            except ZeroDivisionError as e:
                raise RuntimeError("wrapped") from e
        except RuntimeError as e:
            print(type(e.__cause__).__name__, e, e.__context__ is e.__cause__)
        try:
            try:
                [][1]
            except IndexError:
                {}["k"]
        except KeyError as e:
            print("context", type(e.__context__).__name__)
        try:
            raise
        except RuntimeError as e:
            print("bare raise:", e)
        def reraise():
            try:
                raise ValueError("inner")
            except ValueError:
                print("handling")
                raise
        try:
            reraise()
        except ValueError as e:
            print("reraised", e)
        try:
            e
        except NameError as missing:
            print("e was deleted:", missing)
        class MyError(Exception):
            pass
        try:
            raise MyError("mine")
        except Exception as e:
            print(type(e).__name__, e, isinstance(e, MyError))
        raise LookupError("the end")
    """,
    "finally": """
        def f(x):
            try:
                if x:
                    return "try"
            finally:
                print("finally runs")
            return "after"
        print(f(True), f(False))
        def g():
            for i in range(3):
                try:
                    if i == 1:
                        continue
                    if i == 2:
                        break
                finally:
                    print("fin", i)
            return i
        print(g())
        def h():
            try:
                return 1
            finally:
                return 2
        print(h())
        def swallow():
            for i in range(2):
                try:
                    raise ValueError(i)
                finally:
                    continue
            return "swallowed"
        print(swallow())
        def k():
            try:
                raise ValueError("k")
            finally:
                print("k finally")
        k()
    """,
    "assert_and_classes": """
        class Point:
            count = 0
            def __init__(self, x, y):
                self.x, self.y = x, y
                Point.count += 1
            def __repr__(self):
                return f"Point({self.x}, {self.y})"
            def __add__(self, other):
                return Point(self.x + other.x, self.y + other.y)
            def norm2(self):
                return self.x ** 2 + self.y ** 2
        class Labelled(Point):
            def __init__(self, x, y, label):
                Point.__init__(self, x, y)
                self.label = label
        p = Point(1, 2) + Labelled(3, 4, "q")
        print(p, p.norm2(), Point.count, Point.__qualname__, type(p).__name__)
        print(sorted([Point(2, 2), Point(0, 1)], key=Point.norm2))
        p.x += 10
        print(p.x, getattr(p, "y"), hasattr(p, "label"))
        assert p.x == 14, "not reached"
        assert p.x == 0, f"x is {p.x}"
    """,
    "imports": """
        import math
        from collections import Counter, deque as queue
        import os.path
        print(math.sqrt(16), Counter("abca").most_common(1), queue([1, 2]).pop())
        print(os.path.join("a", "b"))
        from math import no_such_name
    """,
    "attribute_error": """
        class Empty:
            pass
        e = Empty()
        e.field = 1
        del e.field
        print(hasattr(e, "field"))
        e.missing
    """,
}

SOURCES = {name: textwrap.dedent(source) for name, source in PROGRAMS.items()}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_program_behaves_as_on_cpython(name: str) -> None:
    assert_same(SOURCES[name])


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_program_prints_something_before_any_error(name: str) -> None:
    result = run_on_cpython(SOURCES[name], compiler="cpython")
    assert result.stdout or result.error


def test_outcome_differs_when_behaviour_differs() -> None:
    with pytest.raises(AssertionError, match="tree walker's"):
        # the interpreter's own Python frame is not the program's frame
        assert_same("import sys\nprint(sys._getframe().f_code.co_filename)\n")


def test_error_line_is_the_innermost_statement() -> None:
    source = "def f(x):\n    y = 1\n    return x / 0\n\nf(1)\n"
    assert outcome(source).line == 3 == run_on_cpython(source, compiler="cpython").line


def test_functions_are_python_callables() -> None:
    namespace = run("def add(a, b=10):\n    return a + b\n")
    add = namespace["add"]
    assert isinstance(add, Function)
    assert add(1) == 11
    assert add(1, b=2) == 3
    assert sorted([3, 1, 2], key=lambda n: add(-n)) == [3, 2, 1]


def test_namespace_is_returned_and_can_be_given() -> None:
    namespace = run("y = x * 2\n", namespace={"x": 21})
    assert namespace["y"] == 42


def test_deep_user_recursion_within_python_limit() -> None:
    source = (
        "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\nd = depth(60)\n"
    )
    assert run(source)["d"] == 60


@pytest.mark.parametrize(
    ("source", "construct", "line", "column"),
    [
        ("with x:\n    pass\n", "the 'with' statement", 1, 1),
        ("x = 1\ndef g():\n    yield 1\n", "'yield'", 3, 5),
        ("async def f():\n    pass\n", "'async def'", 1, 1),
        ("x = 1\nif (y := 2):\n    pass\n", "the walrus operator ':='", 2, 5),
        ("match x:\n    case 1:\n        pass\n", "the 'match' statement", 1, 1),
        ("x: int = 1\n", "an annotated assignment", 1, 1),
        ("def f(a: int):\n    pass\n", "an annotation", 1, 7),
        ("from . import x\n", "a relative import", 1, 1),
        ("class C(metaclass=type):\n    pass\n", "a class keyword argument", 1, 1),
    ],
)
def test_outside_the_subset_is_a_syntax_error(
    source: str, construct: str, line: int, column: int
) -> None:
    with pytest.raises(UnsupportedSyntaxError) as caught:
        run(source, "prog.py")
    error = caught.value
    assert isinstance(error, SyntaxError)
    assert error.construct == construct
    assert (error.filename, error.lineno, error.offset) == ("prog.py", line, column)
    assert error.text == source.splitlines()[line - 1]


def test_nothing_runs_when_a_later_construct_is_unsupported() -> None:
    namespace: dict[str, object] = {}
    with pytest.raises(UnsupportedSyntaxError):
        run("ran = True\nwith x:\n    pass\n", namespace=namespace)
    assert "ran" not in namespace


@pytest.mark.parametrize(
    "source",
    [
        "break\n",
        "while True:\n    pass\nelse:\n    continue\n",
        "for x in y:\n    def f():\n        break\n",
        "return 1\n",
        "class C:\n    return 1\n",
    ],
)
def test_compile_time_errors_match_cpython(source: str) -> None:
    with pytest.raises(SyntaxError) as expected:
        compile(source, "<p>", "exec")
    with pytest.raises(SyntaxError) as actual:
        check_subset(ast.parse(source))
    assert type(actual.value) is SyntaxError
    assert (actual.value.msg, actual.value.lineno) == (
        expected.value.msg,
        expected.value.lineno,
    )


def test_every_supported_node_type_has_a_method_or_is_structural() -> None:
    interpreter = Interpreter()
    handled = set(interpreter._dispatch)
    structural = (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
    others = {ast.Module, ast.arguments, ast.arg, ast.keyword, ast.alias}
    others |= {ast.comprehension, ast.ExceptHandler}
    others |= {ast.Starred}  # only inside calls, displays and targets, which unpack it
    from pyinternals.vm.treewalk_subset import SUPPORTED_NODES

    for node_type in SUPPORTED_NODES:
        assert (
            node_type in handled
            or issubclass(node_type, structural)
            or node_type in others
        ), node_type
