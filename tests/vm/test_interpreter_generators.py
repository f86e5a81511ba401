"""Generators on the VM against CPython's: the protocol's corners, compared."""

import textwrap

import pytest

from pyinternals.vm.differential import compare

GENERATOR_PROGRAMS = {
    "send_to_a_just_started_generator": """
        def g():
            yield 1
        gen = g()
        gen.send(5)
    """,
    "exhausted_generator_keeps_stopping": """
        def g():
            return 7
            yield
        gen = g()
        for attempt in range(2):
            try:
                next(gen)
            except StopIteration as stop:
                print("stop", stop.value)
    """,
    "throw_into_an_unstarted_generator": """
        def g():
            try:
                yield 1
            finally:
                print("never printed")
        gen = g()
        try:
            gen.throw(ValueError("early"))
        except ValueError as e:
            print("propagated", e)
        print(next(gen, "finished"))
    """,
    "close_runs_finally_and_ignoring_exit_fails": """
        def polite():
            try:
                yield 1
            finally:
                print("closing")
        gen = polite()
        next(gen)
        print(gen.close(), gen.close())
        def stubborn():
            try:
                yield
            except GeneratorExit:
                print("ignoring")
            yield "again"
        gen = stubborn()
        next(gen)
        try:
            gen.close()
        except RuntimeError as e:
            print(e)
        gen.close()
        print(next(gen, "closed"))
    """,
    "yield_from_delegates_throw_and_close": """
        def inner():
            try:
                while True:
                    got = yield "inner"
                    print("inner got", got)
            except KeyError:
                print("inner handles KeyError")
                return "inner result"
            finally:
                print("inner finally")
        def outer():
            result = yield from inner()
            print("outer got", result)
            yield "after"
        gen = outer()
        print(next(gen), gen.send("x"), gen.throw(KeyError))
        gen = outer()
        next(gen)
        gen.close()
        gen = outer()
        next(gen)
        try:
            gen.throw(ValueError("through"))
        except ValueError as e:
            print("outer propagated", e)
    """,
    "yield_from_an_iterator_without_throw": """
        def outer():
            try:
                yield from iter([1, 2, 3])
            except RuntimeError as e:
                yield f"caught {e}"
        gen = outer()
        print(next(gen), gen.throw(RuntimeError("r")))
    """,
    "stop_iteration_inside_becomes_runtime_error": """
        def g():
            yield 1
            next(iter([]))
        try:
            list(g())
        except RuntimeError as e:
            print(e, type(e.__cause__).__name__)
    """,
    "exception_state_is_per_generator": """
        import sys
        def g():
            try:
                raise KeyError("in generator")
            except KeyError:
                yield sys.exc_info()[0].__name__
                yield sys.exc_info()[0].__name__
        gen = g()
        print(next(gen), sys.exc_info()[0])
        try:
            raise ValueError("outside")
        except ValueError:
            print(next(gen), sys.exc_info()[0].__name__)
    """,
    "generator_running_itself": """
        def g():
            yield gen.send(None)
        gen = g()
        next(gen)
    """,
    "generator_expressions_and_closures": """
        def scaled(factor):
            return (x * factor for x in range(4) if x != 2)
        print(list(scaled(3)), sum(scaled(1)), max(x for x in "hello"))
        nested = ((i, j) for i in range(2) for j in range(i + 1))
        print(list(nested))
    """,
    "a_delegate_thrown_into_sees_the_delegating_frame": """
        import sys
        def names():
            frame, seen = sys._getframe(1), []
            while frame.f_code.co_name != "<module>":
                seen.append(frame.f_code.co_name)
                frame = frame.f_back
            return seen
        def inner():
            print("sent", names())
            try:
                yield
            except KeyError:
                print("thrown", names())
            yield
        def outer():
            print("outer", names())
            yield from inner()
        gen = outer()
        gen.send(None)
        gen.throw(KeyError)
    """,
    "bad_throw_arguments_leave_the_generator_suspended": """
        def g():
            while True:
                try:
                    print("got", (yield))
                except ValueError as e:
                    print("caught", repr(e))
        gen = g()
        next(gen)
        for arguments in ((ValueError(1), "foo"), (ValueError, "foo", 23), ("abc",),
                          (list,)):
            try:
                gen.throw(*arguments)
            except TypeError as e:
                print("TypeError:", e)
        gen.throw(ValueError, ValueError(2))
        gen.send("still alive")
        print(gen.gi_suspended)
    """,
    "close_gives_the_value_returned_on_generator_exit": """
        def returns_on_exit():
            try:
                yield 1
            except GeneratorExit:
                return "closed"
        def lets_exit_through():
            yield 1
            return "never"
        def yields_on_exit():
            try:
                yield 1
            except GeneratorExit:
                yield 2
        for function in (returns_on_exit, lets_exit_through, yields_on_exit):
            gen = function()
            next(gen)
            try:
                print(function.__name__, repr(gen.close()), repr(gen.close()))
            except RuntimeError as e:
                print(function.__name__, e)
        gen = returns_on_exit()
        next(gen)
        try:
            gen.throw(GeneratorExit("by hand"))
        except StopIteration as stop:
            print("returned", stop.value)
        gen = lets_exit_through()
        next(gen)
        try:
            gen.throw(GeneratorExit("by hand"))
        except GeneratorExit as e:
            print("propagated", repr(e))
    """,
    "trampolines_do_not_read_the_module_s_builtins": """
        StopIteration = BaseException = None
        def g():
            try:
                yield 1
            except KeyError:
                yield "caught"
            return 3
        gen = g()
        print(next(gen), gen.throw(KeyError))
        print(next(gen, "done"))
    """,
    "throw_before_the_start_has_the_generator_s_frame_in_the_traceback": """
        def f(a):
            try:
                yield
            except:
                raise
        g = f(1)
        try:
            1/0
        except ZeroDivisionError as v:
            try:
                g.throw(v)
            except Exception as w:
                tb = w.__traceback__
        while tb:
            frame = tb.tb_frame
            print(frame.f_code.co_name, tb.tb_lineno, frame.f_locals.get("a"))
            tb = tb.tb_next
    """,
    "pipeline_of_generators": """
        def numbers():
            n = 0
            while True:
                yield n
                n += 1
        def evens(source):
            for n in source:
                if n % 2 == 0:
                    yield n
        def take(source, count):
            for _ in range(count):
                yield next(source)
        print(list(take(evens(numbers()), 5)))
    """,
}


@pytest.mark.parametrize("name", sorted(GENERATOR_PROGRAMS))
def test_generator_program_agrees(name: str) -> None:
    result = compare(textwrap.dedent(GENERATOR_PROGRAMS[name]).lstrip())
    assert result.agree, f"\nCPython: {result.expected}\nVM:      {result.actual}"
