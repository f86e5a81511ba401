r"""Small programs that exercise one compiler feature each.

The differential tests (:mod:`~pyinternals.compiler.differential`) run every
program here compiled by CPython and by us and demand the same behaviour.
They are ordered as a compiler is built: straight-line code first, then
control flow, functions and closures, generators, exceptions and
``finally`` (where compilers break first), classes, comprehensions,
``async``, ``match`` and the corners. Each prints enough to show that the
feature did its job; several end in an uncaught exception on purpose, since
the exception's type and message are part of the behaviour compared.

>>> len(PROGRAMS) > 40, all(source.endswith("\n") for source in PROGRAMS.values())
(True, True)
"""

from textwrap import dedent

__all__ = ["PROGRAMS"]

_SOURCES = {
    "arithmetic": """
        a, b = 7, 3
        print(a + b, a - b, a * b, a / b, a // b, a % b, a ** b, -a, ~a, +b)
        print(a << 2, a >> 1, a & b, a | b, a ^ b, a @ b if False else 0)
        x = 10
        x += 1; x -= 2; x *= 3; x //= 2; x **= 2; x %= 7; x <<= 3; x |= 1
        print(x, 1 < a < 10, a == b or a != b, not a, a and b, 0 or b)
    """,
    "containers": """
        xs = [1, 2, *range(3), 4]
        t = (1, *xs, 2)
        s = {1, 2, *xs}
        d = {"a": 1, **{"b": 2}, "c": 3}
        print(xs, t, sorted(s), d, xs[1:4], xs[::-1], xs[-1], t[2:])
        xs[0] = 9; xs[1:3] = [7, 7, 7]; del xs[-1]; d["z"] = 0; del d["a"]
        print(xs, d, [1, 2] + [3], (1,) * 3, "ab" in "cabd")
    """,
    "unpacking": """
        a, (b, c), *rest = 1, (2, 3), 4, 5, 6
        first, *middle, last = "hello"
        print(a, b, c, rest, first, middle, last)
        a, b = b, a
        x = y = z = [0]
        print(a, b, x is y is z)
        (p, q), r = "xy", 0
        print(p, q, r)
        a, b = [1, 2, 3]
    """,
    "if_while_for": """
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
        else:
            print("while done", n)
        print(total, "big" if total > 10 else "small")
    """,
    "nested_loops_break": """
        found = None
        for i in range(5):
            for j in range(5):
                if i * j == 6:
                    found = (i, j)
                    break
            else:
                continue
            break
        print(found)
    """,
    "functions": """
        def f(a, b=2, /, c=3, *args, d, e=5, **kwargs):
            return (a, b, c, args, d, e, kwargs)
        print(f(1, d=4))
        print(f(1, 2, 3, 4, 5, d=6, z=7))
        print(f(*[1, 2], **{"d": 0, "q": 1}))
        print((lambda x, *, y=2: x * y)(3), (lambda: None)())
        def g(): pass
        print(g(), g.__name__, f.__defaults__, f.__kwdefaults__)
        f(1)
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
        print(c(), c(), c(5))
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
    """,
    "globals": """
        x = 1
        def set_global():
            global x
            x = 2
            del_me = 3
            del del_me
        set_global()
        print(x)
        def unbound():
            print(y)
            y = 1
        unbound()
    """,
    "generators": """
        def gen(n):
            for i in range(n):
                got = yield i
                if got:
                    print("got", got)
            return "done"
        g = gen(3)
        print(next(g), g.send("a"), next(g))
        try:
            next(g)
        except StopIteration as stop:
            print("stop", stop.value)
        def delegate():
            result = yield from gen(2)
            print("result", result)
            yield from [10, 20]
        print(list(delegate()))
        print(sum(x * x for x in range(10)))
    """,
    "generator_close_throw": """
        def gen():
            try:
                yield 1
                yield 2
            except ValueError as e:
                print("caught", e)
                yield 3
            finally:
                print("cleanup")
        g = gen()
        print(next(g), g.throw(ValueError("boom")))
        g.close()
        h = gen(); next(h); h.close()
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
            print(type(e.__cause__).__name__, e)
        try:
            raise
        except RuntimeError as e:
            print("bare raise:", e)
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
        def k():
            try:
                raise ValueError
            finally:
                print("k finally")
        k()
    """,
    "nested_finally": """
        def f():
            try:
                try:
                    raise KeyError("inner")
                finally:
                    print("inner finally")
            except KeyError as e:
                print("outer caught", e)
                try:
                    return "from except"
                finally:
                    print("nested finally in except")
            finally:
                print("outermost")
        print(f())
        def g():
            while True:
                try:
                    try:
                        break
                    finally:
                        print("A")
                finally:
                    print("B")
            return "out"
        print(g())
    """,
    "exception_variables": """
        try:
            raise ValueError("v")
        except ValueError as e:
            err = e
        print(repr(err))
        try:
            e
        except NameError as missing:
            print("e was deleted:", missing)
    """,
    "with": """
        class CM:
            def __init__(self, name, swallow=False):
                self.name, self.swallow = name, swallow
            def __enter__(self):
                print("enter", self.name)
                return self.name.upper()
            def __exit__(self, kind, value, tb):
                print("exit", self.name, kind.__name__ if kind else None)
                return self.swallow
        with CM("a") as a, CM("b") as b:
            print(a, b)
        with CM("c", swallow=True):
            raise ValueError
        def f():
            with CM("d"):
                return "returned"
        print(f())
        for i in range(2):
            with CM(str(i)):
                if i:
                    break
        with CM("e"):
            raise KeyError("escapes")
    """,
    "exception_groups": """
        try:
            raise ExceptionGroup("eg", [ValueError(1), TypeError(2), ValueError(3)])
        except* ValueError as e:
            print("values", [str(x) for x in e.exceptions])
        except* TypeError as e:
            print("types", len(e.exceptions))
        try:
            try:
                raise ExceptionGroup("g", [KeyError("k"), OSError("o")])
            except* KeyError:
                print("handled key")
        except ExceptionGroup as rest:
            print("rest", [type(x).__name__ for x in rest.exceptions])
    """,
    "classes": """
        class Base:
            kind = "base"
            def __init__(self, x):
                self.x = x
            def describe(self):
                return f"{self.kind}:{self.x}"
            @classmethod
            def make(cls):
                return cls(0)
            @staticmethod
            def helper():
                return "static"
            @property
            def double(self):
                return self.x * 2
        class Child(Base):
            kind = "child"
            def describe(self):
                return "child+" + super().describe()
        c = Child(5)
        print(c.describe(), Child.make().x, c.helper(), c.double)
        print(Child.__qualname__, Child.describe.__qualname__, Child.__mro__[1])
    """,
    "class_cells": """
        class A:
            def who(self):
                return __class__.__name__
            def sup(self):
                return super().__repr__()[:3]
        print(A().who(), A().sup())
        def make():
            x = 1
            class B:
                y = x + 1
                def get(self):
                    return x
            return B
        B = make()
        print(B.y, B().get())
        class C:
            x = 1
            xs = [x for _ in range(2)] if False else None
            def __init_subclass__(cls, **kw):
                print("sub", cls.__name__, kw)
        class D(C, flag=True):
            pass
    """,
    "private_names": """
        class K:
            __secret = 1
            def __init__(self):
                self.__value = 2
            def show(self):
                return self.__secret, self.__value, K._K__secret
        k = K()
        print(k.show(), sorted(n for n in vars(k)))
    """,
    "decorators": """
        def trace(label):
            def deco(f):
                def wrapper(*args, **kwargs):
                    print("call", label, f.__name__, args, kwargs)
                    return f(*args, **kwargs)
                return wrapper
            return deco
        @trace("one")
        @trace("two")
        def add(a, b=1):
            return a + b
        print(add(2, b=3))
        def cls_deco(cls):
            cls.tag = "decorated"
            return cls
        @cls_deco
        class T:
            pass
        print(T.tag)
    """,
    "comprehensions": """
        xs = range(6)
        print([x * y for x in xs if x % 2 for y in range(x) if y])
        print({x: x * x for x in xs}, {x % 3 for x in xs})
        print(list((x, y) for x in "ab" for y in (1, 2)))
        x = "outer"
        print([x for x in "in"], x)
        print([[j for j in range(i)] for i in range(3)])
        print([y := 5, y ** 2], [z for z in range(3) if (w := z) > 0], w)
    """,
    "fstrings": """
        name, width, value = "pi", 10, 3.14159
        print(f"{name!r:>{width}} = {value:.3f} {value!s} {value!a}")
        print(f"{'nested ' + f'{name}'} {{braces}} {3 + 4=}")
        print(f"{[1, 2]!r:^12}|{ {'k': 1}['k'] }")
        print("%s and %d and %r" % ("x", 3, "y"), "%(a)s" % {"a": 1})
    """,
    "calls": """
        def show(*args, **kwargs):
            return args, kwargs
        args, kwargs = (1, 2), {"a": 3}
        print(show(*args, 0, *args, **kwargs, b=4, **{"c": 5}))
        print(show(), show(1, x=2), len("abc"), "x".join(["a", "b"]))
        print(max(3, 1, key=lambda v: -v), sorted([3, 1, 2], reverse=True))
        obj = type("O", (), {"m": lambda self, v: v * 2})()
        print(obj.m(21), getattr(obj, "m")(1))
    """,
    "attributes_subscripts": """
        class Box:
            pass
        b = Box()
        b.items = {"k": [0, 1, 2]}
        b.items["k"][1] += 10
        b.count = 1
        b.count += 1
        del b.items["k"][0]
        print(b.items, b.count, hasattr(b, "count"))
        matrix = [[0] * 3 for _ in range(3)]
        matrix[1][2] = 5
        matrix[0][0:2] = [7, 8]
        print(matrix)
    """,
    "assert_del_pass": """
        x = 1
        assert x == 1, "never"
        del x
        pass
        try:
            assert False, "assertion message"
        except AssertionError as e:
            print("assert:", e)
        assert 0
    """,
    "imports": """
        import os.path
        import collections.abc as cabc
        from math import pi as PI, floor
        from itertools import *
        print(os.path.basename("/a/b.txt"), cabc.Mapping.__name__, floor(PI))
        print(list(islice(count(3), 2)))
        def local_import():
            from json import dumps
            return dumps([1])
        print(local_import())
    """,
    "async_basics": """
        import asyncio
        async def double(x):
            await asyncio.sleep(0)
            return x * 2
        async def agen(n):
            for i in range(n):
                yield i
                await asyncio.sleep(0)
        class ACM:
            async def __aenter__(self):
                print("aenter")
                return self
            async def __aexit__(self, *exc):
                print("aexit", exc[0])
        async def main():
            results = [await double(i) for i in range(3)]
            collected = [i async for i in agen(3)]
            async with ACM():
                async for i in agen(2):
                    print("i", i)
            return results, collected, await asyncio.gather(double(5), double(6))
        print(asyncio.run(main()))
    """,
    "coroutine_protocol": """
        import types
        @types.coroutine
        def suspend():
            received = yield "suspended"
            return received
        async def task():
            value = await suspend()
            return value * 2
        t = task()
        print(t.send(None))
        try:
            t.send(21)
        except StopIteration as e:
            print("result", e.value)
    """,
    "match_literals_and_captures": """
        def describe(value):
            match value:
                case 0 | 1:
                    return "bit"
                case int(n) if n < 0:
                    return f"negative {n}"
                case str() as s:
                    return "string " + s
                case None:
                    return "none"
                case [x, y, *rest]:
                    return f"seq {x} {y} {rest}"
                case {"k": v, **others}:
                    return f"map {v} {others}"
                case _:
                    return "other"
        for v in [0, -3, "hi", None, [1, 2, 3, 4], {"k": 1, "j": 2}, 2.5, (1,)]:
            print(describe(v))
    """,
    "match_classes": """
        from dataclasses import dataclass
        @dataclass
        class Point:
            x: int
            y: int
        def where(p):
            match p:
                case Point(x=0, y=0):
                    return "origin"
                case Point(0, y):
                    return f"on y at {y}"
                case Point(x, y) if x == y:
                    return "diagonal"
                case Point(x=x):
                    return f"x={x}"
                case (1, 2) | [3, 4]:
                    return "pair"
        for p in [Point(0, 0), Point(0, 5), Point(2, 2), Point(3, 1), (1, 2), [3, 4]]:
            print(where(p))
        import enum
        class Color(enum.Enum):
            RED = 1
        match Color.RED:
            case Color.RED:
                print("red")
    """,
    "walrus_and_conditional": """
        data = [1, 5, 12, 3]
        if (n := len(data)) > 3:
            print("long", n)
        while (item := data.pop()) != 5:
            print("popped", item)
        print([y for x in data if (y := x * 2) > 1], "yes" if data else "no")
    """,
    "chained_comparisons": """
        def check(a, b, c):
            return a < b <= c, a == b == c, a is not b, a not in [b, c], a in (a,)
        print(check(1, 2, 2), check(1, 1, 1))
        print(1 < 2 > 0 != 5, "a" < "b" < "c" < "a")
    """,
    "boolean_short_circuit": """
        def t(label, value):
            print("eval", label)
            return value
        print(t("a", 0) and t("b", 1), t("c", 1) or t("d", 0))
        print(not (t("e", 1) and t("f", 0)) or t("g", 1))
        if t("h", 1) and (t("i", 0) or t("j", 2)):
            print("branch taken")
    """,
    "annotations": """
        x: int = 5
        y: "list[str]"
        class A:
            a: int
            b: str = "s"
        def f(p: int, *args: str, q: float = 1.0, **kw: bool) -> None:
            pass
        print(__annotations__, A.__annotations__, f.__annotations__)
    """,
    "future_annotations": """
        from __future__ import annotations
        def f(a: list[int], b: Undefined = 1) -> dict[str, Whatever]:
            return a
        print(f.__annotations__)
        class C:
            field: SomeType
        print(C.__annotations__)
    """,
    "recursion_and_defaults": """
        def fib(n, memo={}):
            if n < 2:
                return n
            if n not in memo:
                memo[n] = fib(n - 1) + fib(n - 2)
            return memo[n]
        print(fib(60), len(fib.__defaults__[0]))
        def factorial(n):
            return 1 if n <= 1 else n * factorial(n - 1)
        print(factorial(20))
    """,
    "big_constants_and_jumps": """
        values = [{}]
        total = 0
        for v in values:
            if v % 3 == 0:
                total += v
            elif v % 3 == 1:
                total -= v
            else:
                total ^= v
        print(total, len(values))
    """.format(", ".join(str(i * 7) for i in range(400))),
    "long_function_extended_args": "def big(x):\n"
    + "".join(f"    v{i} = x + {i}\n" for i in range(300))
    + "    return "
    + " + ".join(f"v{i}" for i in range(0, 300, 7))
    + "\n"
    "print(big(1))\n",
    "string_methods_and_slices": """
        s = "Hello, World"
        print(s.lower(), s[7:], s[::-2], s.split(", "), s.find("o"), s * 2)
        b = b"bytes\\x00"
        print(b, len(b), b[0], bytes(reversed(b)))
        print(f"{s:*^20}", format(3.5, "08.2f"), str(1e100), 0.1 + 0.2, 2 ** 100)
    """,
    "star_expressions_everywhere": """
        def f(*a, **k):
            return a, k
        first, *rest = [*"ab", *range(2)]
        print(first, rest, f(*rest, *rest), {**{"a": 1}, "b": 2}, [*{}])
        print(*[1, 2], sep="-")
    """,
    "try_in_loops_and_generators": """
        def gen():
            for i in range(4):
                try:
                    if i == 2:
                        raise ValueError(i)
                    yield i
                except ValueError as e:
                    yield f"error {e}"
                finally:
                    print("finally", i)
        print(list(gen()))
    """,
    "del_and_unbound": """
        def f():
            x = 1
            del x
            return x
        try:
            f()
        except UnboundLocalError as e:
            print(type(e).__name__, e)
        def g():
            x = 1
            def h():
                return x
            del x
            return h()
        g()
    """,
    "global_statements_in_class": """
        counter = 0
        class Counter:
            global counter
            counter += 1
            local = counter * 10
        print(counter, Counter.local)
        def nonlocal_in_loop():
            total = 0
            def add(v):
                nonlocal total
                total += v
            for v in range(5):
                add(v)
            return total
        print(nonlocal_in_loop())
    """,
    "conditional_imports_and_return_in_finally_loop": """
        def search(items, target):
            for index, item in enumerate(items):
                try:
                    if item == target:
                        return index
                finally:
                    if index > 10:
                        break
            return -1
        print(search("abcdef", "d"), search("abc", "z"))
    """,
}

PROGRAMS: dict[str, str] = {
    name: dedent(source).lstrip("\n") for name, source in _SOURCES.items()
}
"""The corpus, by name: source text ending in a newline."""
