import colorsys
import dis as cpython_dis
import io
import re
import sys
import textwrap
import types
from pathlib import Path

import pytest

from pyinternals.compiler import disassembler
from pyinternals.compiler.conformance import disasm
from pyinternals.compiler.conformance.corpus import sample, stdlib_files

HARD_FILES = [
    "typing.py",
    "test/test_patma.py",
    "test/test_grammar.py",
    "test/test_except_star.py",
    "asyncio/tasks.py",
    "dataclasses.py",
    "pydoc_data/topics.py",
]


def ours(x: object, **options: object) -> str:
    out = io.StringIO()
    disassembler.dis(x, file=out, **options)  # type: ignore[arg-type]
    return out.getvalue()


def theirs(x: object, **options: object) -> str:
    out = io.StringIO()
    cpython_dis.dis(x, file=out, **options)  # type: ignore[arg-type]
    return out.getvalue()


def assert_same_text(x: object, **options: object) -> str:
    expected = theirs(x, **options)
    assert ours(x, **options) == expected
    return expected


def without_addresses(text: str) -> str:
    return re.sub(r" at 0x[0-9a-f]+", " at 0x...", text)


def assert_same_records(x: object, **options: object) -> None:
    mine = [tuple(i) for i in disassembler.get_instructions(x, **options)]  # type: ignore[arg-type]
    real = [tuple(i) for i in cpython_dis.get_instructions(x, **options)]  # type: ignore[arg-type]
    assert mine == real


@pytest.mark.parametrize(
    "path", sample(stdlib_files(), 60, always=HARD_FILES), ids=lambda p: p.name
)
def test_stdlib_sample_agrees(path: Path) -> None:
    verdict = disasm.compare(path.read_bytes(), str(path))
    assert verdict.agrees, verdict.detail


HARD_SOURCE = textwrap.dedent(
    """
    import asyncio

    class Outer:
        class Inner:
            def method(self):
                return super().method()

            @classmethod
            def build(cls, *args, **kwargs):
                return cls(*args, **kwargs)

        squares = [i * i for i in range(3)]

    def gen(n):
        yield from range(n)
        x = yield n
        return x

    async def agen(ctx):
        async with ctx() as c:
            async for i in c:
                yield i
        await asyncio.sleep(0)

    def matcher(p):
        match p:
            case {"k": [1, *rest]} if rest:
                return rest
            case Point(x=0, y=y) | Point(x=y, y=0):
                return y
            case str() | bytes():
                return "s"
            case [a, b, *_] if a > b:
                return a
            case _:
                return None

    def fstrings(a, b):
        return f"{a!r:>{b}} {a!s} {a!a} {b=} {a:{b}.{b}} {a}"

    def groups():
        try:
            raise ExceptionGroup("g", [ValueError()])
        except* ValueError as e:
            print(e)
        except* TypeError:
            raise

    def handlers(path):
        try:
            with open(path) as f, open(path) as g:
                return f.read() + g.read()
        except (OSError, ValueError) as error:
            raise RuntimeError from error
        finally:
            print("done")

    def closures():
        x = 1
        def inner():
            nonlocal x
            x += 1
            return x
        return inner

    def loops(n):
        while n:
            if n % 2:
                continue
            n -= 1
        else:
            pass
        for i in range(n):
            break
        return {k: v for k, v in zip("ab", "cd")}, {i for i in range(n)}

    def operators(a, b):
        a += b; a @= b; a **= 2
        return a < b, a is not b, a not in b, not a == b, -a, ~b, a[1:2], a[::3]

    def calls(*args, **kwargs):
        global G
        G = obj.attr.method(1, key=2)
        del obj.attr
        return f(*args, **kwargs), [*args], {**kwargs}, (lambda x=1, *, y=2: x + y)

    def imports():
        from os import path as p, sep
        import os.path
        return p, sep, os

    x: int = 1
    y = ...
    """
)


def hard_code() -> types.CodeType:
    return compile(HARD_SOURCE, "<hard>", "exec")


def test_hard_cases_text_and_records() -> None:
    code = hard_code()
    verdict = disasm.compare(HARD_SOURCE.encode(), "<hard>")
    assert verdict.agrees, verdict.detail
    text = assert_same_text(code)
    assert text.count("Disassembly of <code object") >= 15
    assert_same_text(code, show_caches=True)
    assert_same_text(code, depth=1)
    assert_same_text(code, depth=0)
    # Source text is compiled on each call: the code objects' addresses differ.
    assert without_addresses(ours(HARD_SOURCE)) == without_addresses(
        theirs(HARD_SOURCE)
    )


def huge_source() -> str:
    """A function long and wide enough to need EXTENDED_ARG and wide columns."""
    body = [f"    v{i} = x.a{i} + {i}" for i in range(300)]
    loop = ["    while x:"] + [f"        x = x.b{i}(v{i})" for i in range(150)]
    ending = ["    if x:", "        return " + " + ".join(f"v{i}" for i in range(300))]
    return "\n" * 995 + "\n".join(["def huge(x):", *body, *loop, *ending]) + "\n"


def test_huge_function_with_extended_args() -> None:
    code = compile(huge_source(), "<huge>", "exec")
    function = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    names = [i.opname for i in disassembler.get_instructions(function)]
    assert "EXTENDED_ARG" in names
    assert len(function.co_code) > 10000
    assert function.co_firstlineno + 450 > 1000
    assert disasm.compare_code(function) == ""
    assert_same_text(code)
    assert_same_records(function)
    assert_same_records(function, first_line=1)


def test_first_line_shifts_line_numbers() -> None:
    code = hard_code()
    for first_line in (1, 500, None):
        assert_same_records(code, first_line=first_line)


def warmed_up() -> types.FunctionType:
    namespace: dict[str, object] = {}
    exec(
        textwrap.dedent(
            """
            class Point:
                def __init__(self, x):
                    self.x = x

            def hot(points, total=0):
                for p in points:
                    total += p.x * 2 + len(str(p.x))
                    if p.x > 3 and isinstance(p, Point):
                        total -= abs(p.x)
                return total
            """
        ),
        namespace,
    )
    hot: types.FunctionType = namespace["hot"]  # type: ignore[assignment]
    points = [namespace["Point"](i) for i in range(10)]  # type: ignore[operator]
    for _ in range(200):
        hot(points)
    return hot


def test_adaptive_and_show_caches_after_warm_up() -> None:
    hot = warmed_up()
    adaptive = assert_same_text(hot, adaptive=True, show_caches=True)
    plain = assert_same_text(hot, show_caches=True)
    assert adaptive != plain  # the warm-up specialized something
    assert_same_text(hot, adaptive=True)
    assert_same_records(hot, adaptive=True)
    assert_same_records(hot, adaptive=True, show_caches=True)


def test_show_caches_before_warm_up() -> None:
    code = hard_code()
    text = assert_same_text(code, show_caches=True)
    assert "CACHE" in text
    assert_same_records(code, show_caches=True)


def test_objects_that_hold_code() -> None:
    namespace: dict[str, object] = {}
    exec(hard_code(), namespace)
    outer = namespace["Outer"]
    assert_same_text(outer)  # a class: each method by name, nested classes
    assert_same_text(outer.Inner.build)  # type: ignore[attr-defined]
    assert_same_text(outer.Inner().method)  # type: ignore[attr-defined]
    generator = namespace["gen"](3)  # type: ignore[operator]
    assert_same_text(generator)
    async_generator = namespace["agen"](None)  # type: ignore[operator]
    assert_same_text(async_generator)

    async def coroutine_function() -> None:
        pass

    coroutine = coroutine_function()
    assert_same_text(coroutine)
    coroutine.close()
    assert_same_text(colorsys)  # a module
    assert_same_text(namespace["fstrings"].__code__.co_code)  # type: ignore[attr-defined]
    assert_same_text(bytearray(namespace["groups"].__code__.co_code))  # type: ignore[attr-defined]
    assert_same_text("a if b else c")  # an expression
    assert_same_records("a if b else c")


def test_member_that_cannot_be_shown() -> None:
    class Odd:
        number = staticmethod(42)  # type: ignore[var-annotated]

        def method(self) -> int:
            return 1

    text = assert_same_text(Odd)
    assert "Sorry:" in text


def test_refuses_what_dis_refuses() -> None:
    with pytest.raises(TypeError) as mine:
        disassembler.dis(42)
    with pytest.raises(TypeError) as real:
        cpython_dis.dis(42)
    assert str(mine.value) == str(real.value)
    with pytest.raises(TypeError, match="don't know how"):
        list(disassembler.get_instructions(3.5))


def test_last_traceback_and_current_instruction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def failing() -> float:
        values = [1, 2]
        return values[0] / (values[1] - 2)

    try:
        failing()
    except ZeroDivisionError as error:
        caught = error
    trace = caught.__traceback__
    assert trace is not None
    monkeypatch.setattr(sys, "last_traceback", trace, raising=False)
    monkeypatch.setattr(sys, "last_exc", caught, raising=False)
    text = assert_same_text(None)
    assert "-->" in text
    while trace.tb_next:
        trace = trace.tb_next
    ours_text = disassembler.format_listing(
        disassembler.listing(trace.tb_frame.f_code, lasti=trace.tb_lasti)
    )
    real = io.StringIO()
    cpython_dis.disassemble(trace.tb_frame.f_code, trace.tb_lasti, file=real)
    assert ours_text == real.getvalue()


def test_show_offsets() -> None:
    code = hard_code()
    if sys.version_info >= (3, 13):
        assert_same_text(code, show_offsets=True)
    else:  # 3.11 always shows offsets and has no such option
        assert ours(code, show_offsets=True) == theirs(code)


def test_listing_records_and_text_are_apart() -> None:
    code = compile("for i in x:\n    if i: break", "<loop>", "exec")
    item = disassembler.listing(code)
    assert item.code is code
    assert [i.opname for i in item.instructions] == [
        i.opname for i in cpython_dis.get_instructions(code)
    ]
    assert disassembler.format_listing(item) == theirs(code, depth=0)
    shown = [i for i in item.instructions if i.opname.startswith("JUMP_BACKWARD")]
    assert shown
    assert all(isinstance(i.argval, int) and i.argval < i.offset for i in shown)


def test_jump_targets_and_line_starts_match_dis() -> None:
    code = compile(HARD_SOURCE, "<hard>", "exec")
    for inner in [code, *(c for c in code.co_consts if isinstance(c, types.CodeType))]:
        assert disassembler.jump_targets(inner.co_code) == cpython_dis.findlabels(
            inner.co_code
        )
        assert disassembler.line_starts(inner) == dict(
            cpython_dis.findlinestarts(inner)
        )


def test_record_properties_and_str() -> None:
    hot = warmed_up()
    properties = (
        "oparg",
        "baseopcode",
        "baseopname",
        "cache_offset",
        "end_offset",
        "jump_target",
        "is_jump_target",
    )
    for adaptive in (False, True):
        pairs = zip(
            disassembler.get_instructions(hot, adaptive=adaptive),
            cpython_dis.get_instructions(hot, adaptive=adaptive),
            strict=True,
        )
        for mine, real in pairs:
            for name in properties:
                if hasattr(real, name):
                    assert getattr(mine, name) == getattr(real, name), name
            if sys.version_info >= (3, 13):
                assert str(mine) == str(real)
