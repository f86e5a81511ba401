"""The bytecode VM against CPython's own loop: same output, value, exception."""

import textwrap

import pytest

from pyinternals.compiler.programs import PROGRAMS
from pyinternals.vm.differential import compare, run_on_vm

SNIPPETS = {
    "straight_line": """
        x = 2 ** 10 - 3 * 7 // 2 % 5
        y = -x + ~x, x << 3, x >> 1, x & 6 | 1 ^ 3, 7 / 2, 3 @ 4 if False else 0
        print(x, y, 1 < x <= 1000 != 3, not x, x and 0, 0 or x)
    """,
    "names_everywhere": """
        g = 1
        def f(a):
            global g
            g += a
            local = g * 2
            return local, len([a])
        print(f(3), g, __name__)
        del g
        try:
            g
        except NameError as e:
            print(e)
        undefined_name
    """,
    "control_flow": """
        out = []
        for i in range(10):
            if i % 3 == 0:
                continue
            elif i == 8:
                break
            out.append(i)
        else:
            out.append("no")
        n = 0
        while True:
            n += 1
            if n > 4:
                break
        print(out, n, [j for j in range(5) if j % 2], "y" if out else "n")
    """,
    "argument_binding": """
        def f(a, b=2, /, c=3, *args, d, e=5, **kwargs):
            return a, b, c, args, d, e, kwargs
        print(f(1, d=4), f(1, 2, 3, 4, 5, d=6, z=7), f(*[1, 2], **{"d": 0}))
        def g(x, *, y):
            return x, y
        print(g(y=1, x=2))
        g(1, 2)
    """,
    "missing_arguments": """
        def h(a, b, c, *, k):
            pass
        for call in (lambda: h(), lambda: h(1, 2, 3), lambda: h(1, 2, 3, 4, k=1),
                     lambda: h(1, a=1), lambda: h(1, 2, 3, k=1, z=2)):
            try:
                call()
            except TypeError as e:
                print(e)
    """,
    "closures_and_cells": """
        def make():
            total = 0
            def add(v):
                nonlocal total
                total += v
                return total
            def peek():
                return total
            return add, peek
        add, peek = make()
        add(2); add(5)
        print(peek(), [f() for f in [lambda i=i: i * i for i in range(4)]])
        def arg_cell(x):
            return lambda: x
        print(arg_cell(9)())
    """,
    "try_except_finally": """
        def f(kind):
            try:
                try:
                    if kind == 1:
                        raise ValueError("v")
                    if kind == 2:
                        return "early"
                    return {}[kind]
                except ValueError as e:
                    print("caught", e)
                    raise TypeError("t") from e
                finally:
                    print("finally", kind)
            except TypeError as e:
                return f"outer {e} cause={e.__cause__!r}"
            except KeyError as e:
                return f"key {e} context={e.__context__!r}"
        print(f(1)); print(f(2)); print(f(3))
        def chained():
            try:
                1 / 0
            except ZeroDivisionError:
                [][1]
        try:
            chained()
        except IndexError as e:
            print(type(e.__context__).__name__, e.__suppress_context__)
        def bare():
            try:
                raise KeyError("k")
            except KeyError:
                raise
        bare()
    """,
    "return_in_finally_and_loops": """
        def f():
            for i in range(3):
                try:
                    if i == 1:
                        continue
                    return i * 10
                finally:
                    print("fin", i)
        def g():
            try:
                return 1
            finally:
                return 2
        print(f(), g())
    """,
    "with_statements": """
        class CM:
            def __init__(self, name, swallow=False):
                self.name, self.swallow = name, swallow
            def __enter__(self):
                print("enter", self.name)
                return self.name
            def __exit__(self, kind, value, tb):
                print("exit", self.name, kind.__name__ if kind else None)
                return self.swallow
        with CM("a") as a, CM("b") as b:
            print(a, b)
        with CM("c", swallow=True):
            raise ValueError
        with CM("d"):
            1 / 0
    """,
    "generators_protocol": """
        def gen():
            try:
                x = yield 1
                print("got", x)
                yield x * 2
            except KeyError as e:
                print("thrown", e)
                yield "recovered"
            finally:
                print("cleanup")
        g = gen()
        print(next(g), g.send(21), g.throw(KeyError("k")))
        g.close()
        def inner():
            try:
                yield "i1"
                yield "i2"
            except ValueError:
                yield "inner caught"
            return "inner done"
        def outer():
            result = yield from inner()
            yield result
        o = outer()
        print(next(o), o.throw(ValueError), next(o))
        def stopper():
            yield 1
            raise StopIteration
        list(stopper())
    """,
    "classes_and_super": """
        class Meta(type):
            def __new__(mcls, name, bases, ns, **kw):
                ns["tag"] = kw.get("tag", "none")
                return super().__new__(mcls, name, bases, ns)
        class Base(metaclass=Meta, tag="base"):
            count = 0
            def __init__(self):
                Base.count += 1
            def who(self):
                return "base"
            def __init_subclass__(cls, **kw):
                cls.registered = True
        class Child(Base):
            def who(self):
                return "child>" + super().who()
            @property
            def me(self):
                return __class__.__name__
        c = Child()
        print(c.who(), c.me, Child.tag, Child.registered, Base.count)
        print(type(Child).__name__, Child.__qualname__, Child.who.__qualname__)
    """,
    "comprehensions": """
        xs = range(6)
        print([x * y for x in xs if x % 2 for y in xs if y < x])
        print({x: x * x for x in xs}, {x % 3 for x in xs}, list(x + 1 for x in xs))
        def nested():
            base = 10
            return [[base + i + j for j in range(2)] for i in range(2)]
        print(nested(), sorted(xs, key=lambda v: -v), max(xs, key=lambda v: v % 4))
    """,
    "builtins_reading_frames": """
        import sys
        def f(a, b=2):
            c = a + b
            return sorted(locals().items())
        print(f(1), "f" in globals(), eval("a * 3", {"a": 2}))
        def g():
            x = 5
            return eval("x + 1")
        try:
            raise ValueError("inside")
        except ValueError:
            print(sys.exc_info()[1], g())
        print(sys.exc_info())
    """,
    "imports_and_strings": """
        import os.path
        from collections import OrderedDict as OD, namedtuple
        from math import *
        P = namedtuple("P", "x y")
        print(os.path.join("a", "b"), OD(a=1), P(1, 2), floor(2.5))
        print(f"{pi:.3f}|{'s'!r:>5}|{3!a}|{'x':{'^'}{5}}|")
        assert 1 == 2, "assertion message"
    """,
    "unpacking_errors": """
        for value in ([1, 2, 3], [1], 5):
            try:
                a, b = value
            except (ValueError, TypeError) as e:
                print(type(e).__name__, e)
        first, *rest = range(4)
        *init, last = "ab"
        print(first, rest, init, last)
        a, *b, c = [1]
    """,
    "match_statements": """
        from dataclasses import dataclass
        @dataclass
        class Point:
            x: int
            y: int
        def describe(subject):
            match subject:
                case Point(0, y=0):
                    return "origin"
                case Point(x, y) if x == y:
                    return f"diagonal {x}"
                case {"kind": "circle", "r": r, **rest}:
                    return f"circle {r} {rest}"
                case [1, *middle, last]:
                    return f"list {middle} {last}"
                case int(n) | float(n):
                    return f"number {n}"
                case str() as text:
                    return f"text {text}"
                case _:
                    return "other"
        for subject in (Point(0, 0), Point(2, 2), {"kind": "circle", "r": 1, "c": 0},
                        [1, 2, 3, 4], 5, 2.5, "s", None):
            print(describe(subject))
        match Point(1, 2):
            case Point(1, 2, 3):
                pass
    """,
    "except_star": """
        def boom():
            raise ExceptionGroup("many", [ValueError(1), KeyError(2), TypeError(3)])
        try:
            try:
                boom()
            except* ValueError as group:
                print("values", group.exceptions)
            except* KeyError:
                print("keys")
                raise
        except ExceptionGroup as rest:
            print("rest", [type(e).__name__ for e in rest.exceptions])
        try:
            raise OSError("naked")
        except* OSError as group:
            print(type(group).__name__, group.exceptions, repr(group))
        try:
            raise ExceptionGroup("g", [ValueError(1)])
        except* ValueError:
            raise RuntimeError("new")
    """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_corpus_program_agrees(name: str) -> None:
    result = compare(PROGRAMS[name])
    assert result.agree, f"\nCPython: {result.expected}\nVM:      {result.actual}"


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_corpus_program_compiled_by_our_compiler_agrees(name: str) -> None:
    result = compare(PROGRAMS[name], compiler="ours")
    assert result.agree, f"\nCPython: {result.expected}\nVM:      {result.actual}"


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet_agrees(name: str) -> None:
    result = compare(textwrap.dedent(SNIPPETS[name]).lstrip())
    assert result.agree, f"\nCPython: {result.expected}\nVM:      {result.actual}"


@pytest.mark.parametrize(
    "expression",
    ["1 + 2 * 3", "[x for x in 'ab']", "(lambda *a, **k: (a, k))(1, z=2)", "{}['x']"],
)
def test_eval_mode_agrees(expression: str) -> None:
    result = compare(expression, "eval")
    assert result.agree, f"\nCPython: {result.expected}\nVM:      {result.actual}"


def test_outcome_of_a_failing_program_names_the_line() -> None:
    outcome = run_on_vm("x = 1\ny = 2\nz = x / (y - 2)\n")
    assert outcome.error == "ZeroDivisionError: division by zero"
    assert outcome.line == 3


LIBRARY_PROGRAMS = {
    "json": """
        import json
        print(json.dumps({"a": [1, 2.5, None]}, indent=1, sort_keys=True))
        print(json.loads('[1, {"b": true}]'))
    """,
    "textwrap": """
        import textwrap
        print(textwrap.fill("hello world " * 10, 30))
    """,
    "dataclass": """
        from dataclasses import dataclass, field
        @dataclass(order=True)
        class P:
            x: int
            y: list = field(default_factory=list)
        print(P(1), P(1) < P(2), P(2) == P(2))
    """,
    "enum": """
        import enum
        class Color(enum.Enum):
            RED = 1
            GREEN = 2
        print(Color.RED, list(Color), Color(2))
    """,
    "functools": """
        import functools
        @functools.lru_cache
        def fib(n):
            return n if n < 2 else fib(n - 1) + fib(n - 2)
        print(fib(30), functools.reduce(lambda a, b: a * b, range(1, 6)))
        @functools.total_ordering
        class V:
            def __init__(self, v):
                self.v = v
            def __eq__(self, other):
                return self.v == other.v
            def __lt__(self, other):
                return self.v < other.v
        print(V(1) >= V(0))
    """,
    "contextlib": """
        import contextlib
        @contextlib.contextmanager
        def cm(x):
            print("in", x)
            try:
                yield x * 2
            finally:
                print("out")
        with cm(3) as v:
            print(v)
        with contextlib.suppress(KeyError):
            {}["a"]
        with cm(1):
            raise ValueError("inside cm")
    """,
    "frame_introspection": """
        import enum
        import inspect
        import sys
        from collections import namedtuple
        from typing import NamedTuple
        P = namedtuple("P", "x")
        class Q(NamedTuple):
            y: int
        E = enum.Enum("E", "A B")
        print(P.__module__, Q.__module__, E.__module__)
        def f():
            frame = inspect.currentframe()
            caller = sys._getframe(1)
            module = frame.f_globals["__name__"]
            return frame.f_code.co_name, module, caller.f_code.co_name
        print(f(), sys._getframe().f_locals is globals())
    """,
    "named_tuples_and_abc": """
        import abc
        from typing import NamedTuple
        class P(NamedTuple):
            x: int
            y: int = 0
        print(P(1), P(1)._replace(y=5))
        class A(abc.ABC):
            @abc.abstractmethod
            def f(self): ...
        class B(A):
            def f(self):
                return 1
        print(B().f())
        A()
    """,
}


@pytest.mark.parametrize("name", sorted(LIBRARY_PROGRAMS))
def test_program_using_the_standard_library_agrees(name: str) -> None:
    result = compare(textwrap.dedent(LIBRARY_PROGRAMS[name]).lstrip())
    assert result.agree, f"\nCPython: {result.expected}\nVM:      {result.actual}"
