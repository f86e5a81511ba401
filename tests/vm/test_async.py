"""Coroutines and async generators on the VM against CPython's, compared."""

import asyncio
import inspect
import sys
import textwrap
import types

import pytest

from pyinternals.vm.coroutines import VMAsyncGenerator, VMCoroutine
from pyinternals.vm.differential import compare
from pyinternals.vm.machine import VirtualMachine, exec_source
from pyinternals.vm.trampolines import trampoline_entry

BY_HAND = {
    "send_until_return": """
        import types
        @types.coroutine
        def pause(value):
            received = yield value
            return received
        async def worker(n):
            total = 0
            for i in range(n):
                total += await pause(i)
            return total
        coroutine = worker(3)
        print(coroutine.send(None))
        print(coroutine.send(10))
        print(coroutine.send(20))
        try:
            coroutine.send(30)
        except StopIteration as stop:
            print("returned", stop.value)
        try:
            coroutine.send(None)
        except RuntimeError as error:
            print(error)
    """,
    "throw_and_close": """
        import types
        @types.coroutine
        def pause():
            yield "paused"
        async def guarded():
            try:
                await pause()
            except KeyError as error:
                print("caught", repr(error))
                await pause()
            finally:
                print("finally")
            return "done"
        coroutine = guarded()
        print(coroutine.send(None))
        print(coroutine.throw(KeyError("k")))
        print(coroutine.close(), coroutine.close())
        fresh = guarded()
        try:
            fresh.send(1)
        except TypeError as error:
            print(error)
        fresh.close()
    """,
    "throw_into_awaited_coroutine": """
        import types
        @types.coroutine
        def pause():
            try:
                yield 1
            except ValueError:
                print("inner caught")
                return "recovered"
        async def middle():
            return await pause()
        async def outer():
            result = await middle()
            print("middle gave", result)
            return result * 2
        coroutine = outer()
        coroutine.send(None)
        try:
            coroutine.throw(ValueError)
        except StopIteration as stop:
            print(stop.value)
    """,
    "stop_iteration_inside_a_coroutine": """
        async def leaky():
            raise StopIteration("oops")
        try:
            leaky().send(None)
        except RuntimeError as error:
            print(error, type(error.__cause__).__name__)
    """,
    "awaiting_the_wrong_things": """
        import types
        async def await_int():
            await 5
        class BadAwait:
            def __await__(self):
                return 5
        async def await_bad():
            await BadAwait()
        async def twice(c):
            await c
        @types.coroutine
        def pause():
            yield
        async def waiting():
            await pause()
        for maker in (await_int, await_bad):
            try:
                maker().send(None)
            except TypeError as error:
                print(error)
        first = waiting()
        first.send(None)
        try:
            twice(first).send(None)
        except RuntimeError as error:
            print(error)
        first.close()
    """,
    "custom_awaitable_and_attributes": """
        class Ready:
            def __init__(self, value):
                self.value = value
            def __await__(self):
                yield "tick"
                return self.value
        async def use():
            return await Ready(7) + await Ready(8)
        coroutine = use()
        print(coroutine.cr_running, coroutine.cr_await, coroutine.cr_suspended)
        print(coroutine.send(None), coroutine.cr_suspended, coroutine.cr_code.co_name)
        print(coroutine.send(None))
        try:
            coroutine.send(None)
        except StopIteration as stop:
            print(stop.value, coroutine.cr_frame)
        print(coroutine.__name__, coroutine.__qualname__)
    """,
    "coroutine_objects_are_cpythons": """
        import copy, pickle, types, weakref
        async def f(x):
            return x
        coroutine = f(1)
        print(type(coroutine) is types.CoroutineType, type(coroutine).__name__)
        print(repr(coroutine).startswith("<coroutine object f at"))
        for attempt in (iter, list, tuple, sum):
            try:
                attempt(coroutine)
            except TypeError as error:
                print(error)
        for attempt in (copy.copy, pickle.dumps):
            try:
                attempt(coroutine)
            except TypeError as error:
                print(error)
        print(weakref.ref(coroutine)() is coroutine)
        try:
            coroutine.send(None)
        except StopIteration as stop:
            print("returned", stop.value)
        try:
            coroutine.send(None)
        except RuntimeError as error:
            print(error)
    """,
    "cr_await_reads_through_the_chain": """
        import inspect, types
        @types.coroutine
        def a():
            print(inspect.getcoroutinestate(coro_b), coro_b.cr_await)
            yield "a"
        async def c():
            await a()
        async def b():
            print(coro_b.cr_await)
            await c()
            print(coro_b.cr_await)
        coro_b = b()
        print(inspect.getcoroutinestate(coro_b), coro_b.cr_await)
        print(coro_b.send(None), inspect.getcoroutinestate(coro_b))
        print(coro_b.cr_await.cr_await.gi_code.co_name)
        print(coro_b.cr_await.cr_code.co_name)
        try:
            coro_b.send(None)
        except StopIteration:
            print(inspect.getcoroutinestate(coro_b), coro_b.cr_await)
    """,
    "never_awaited_is_reported_for_the_coroutine": """
        import gc, sys, warnings
        async def lonely():
            pass
        seen = []
        sys.unraisablehook = seen.append
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            coroutine = lonely()
            text = repr(coroutine)
            coroutine = None
            gc.collect()
        sys.unraisablehook = sys.__unraisablehook__
        print(len(seen), repr(seen[0].object) == text, seen[0].exc_value)
    """,
    "throw_and_close_through_the_chain": """
        import types
        @types.coroutine
        def pause(label):
            try:
                yield label
            except KeyError as error:
                yield f"caught {error}"
        async def inner():
            try:
                await pause("inner")
                return "inner done"
            finally:
                print("inner finally")
        async def outer():
            value = await inner()
            print("outer got", value)
            await pause("outer")
        coroutine = outer()
        print(coroutine.send(None))
        print(coroutine.throw(KeyError("k")))
        try:
            coroutine.throw(1)
        except TypeError as error:
            print(error)
        print(coroutine.send(None))
        print(coroutine.close(), coroutine.cr_frame)
        unstarted = outer()
        try:
            unstarted.throw(ValueError("early"))
        except ValueError as error:
            print("early", error, unstarted.cr_frame)
        try:
            outer().send(1)
        except TypeError as error:
            print(error)
    """,
}

ASYNCIO = {
    "gather_and_sleep": """
        import asyncio
        async def worker(name, rounds):
            for i in range(rounds):
                print(name, i)
                await asyncio.sleep(0)
            return name * rounds
        async def main():
            return await asyncio.gather(worker("a", 2), worker("b", 3))
        print(asyncio.run(main()))
    """,
    "exceptions_through_tasks": """
        import asyncio
        async def fails(n):
            await asyncio.sleep(0)
            raise ValueError(f"bad {n}")
        async def main():
            results = await asyncio.gather(fails(1), asyncio.sleep(0, "ok"),
                                           return_exceptions=True)
            print([repr(r) for r in results])
            try:
                await fails(2)
            except ValueError as error:
                print("caught", error)
            await fails(3)
        asyncio.run(main())
    """,
    "cancellation_runs_finally": """
        import asyncio
        async def sleeper(started):
            try:
                started.set()
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                print("cancelled inside")
                raise
            finally:
                print("finally")
        async def main():
            started = asyncio.Event()
            task = asyncio.create_task(sleeper(started))
            await started.wait()
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                print("task cancelled", task.cancelled())
        asyncio.run(main())
    """,
    "timeouts": """
        import asyncio
        async def slow():
            await asyncio.sleep(10)
        async def main():
            try:
                await asyncio.wait_for(slow(), 0.01)
            except asyncio.TimeoutError:
                print("wait_for timed out")
            try:
                async with asyncio.timeout(0.01):
                    await slow()
            except TimeoutError:
                print("timeout block timed out")
        asyncio.run(main())
    """,
    "queue_producer_consumer": """
        import asyncio
        async def producer(queue):
            for i in range(4):
                await queue.put(i)
            await queue.put(None)
        async def consumer(queue):
            seen = []
            while (item := await queue.get()) is not None:
                seen.append(item * item)
            return seen
        async def main():
            queue = asyncio.Queue(maxsize=1)
            _, seen = await asyncio.gather(producer(queue), consumer(queue))
            print(seen)
        asyncio.run(main())
    """,
    "coroutine_functions_called_by_cpython": """
        import asyncio, functools, inspect
        async def double(x):
            await asyncio.sleep(0)
            return 2 * x
        async def main():
            print(await asyncio.gather(*map(double, range(3))))
            print(await functools.partial(double, 21)())
        print(inspect.iscoroutinefunction(double), asyncio.iscoroutinefunction(double))
        asyncio.run(main())
    """,
    "task_names_and_current_task": """
        import asyncio
        async def named():
            return asyncio.current_task().get_name()
        async def main():
            task = asyncio.create_task(named(), name="worker-1")
            print(await task, task.done())
        asyncio.run(main())
    """,
}

ASYNC_GENERATORS = {
    "iterate_and_finally": """
        import asyncio
        async def ticks(n):
            try:
                for i in range(n):
                    await asyncio.sleep(0)
                    yield i
            finally:
                print("ticks finally")
        async def main():
            async for i in ticks(3):
                print("tick", i)
            async for i in ticks(5):
                if i == 1:
                    break
            print("after break")
        asyncio.run(main())
    """,
    "asend_athrow_aclose": """
        import asyncio
        async def echo():
            received = None
            try:
                while True:
                    try:
                        received = yield received
                    except KeyError as error:
                        received = f"handled {error}"
            finally:
                await asyncio.sleep(0)
                print("echo closing")
        async def main():
            gen = echo()
            print(await gen.asend(None))
            print(await gen.asend("hello"))
            print(await gen.athrow(KeyError("k")))
            print(gen.ag_running, gen.ag_code.co_name)
            print(await gen.aclose())
            try:
                await gen.asend(1)
            except StopAsyncIteration:
                print("exhausted")
            print(await gen.aclose())
        asyncio.run(main())
    """,
    "anext_builtin_and_errors": """
        import asyncio
        async def two():
            yield 1
            yield 2
        async def leaky():
            yield 1
            raise StopAsyncIteration
        async def stubborn():
            try:
                yield 1
            except GeneratorExit:
                yield 2
        async def main():
            gen = two()
            print(await anext(gen), await anext(gen), await anext(gen, "default"))
            gen = leaky()
            await anext(gen)
            try:
                await anext(gen)
            except RuntimeError as error:
                print(error)
            gen = stubborn()
            await anext(gen)
            try:
                await gen.aclose()
            except RuntimeError as error:
                print(error)
        asyncio.run(main())
    """,
    "shutdown_closes_unfinished_generators": """
        import asyncio
        async def forever():
            try:
                i = 0
                while True:
                    yield i
                    i += 1
            finally:
                print("closed by the loop")
        async def main():
            gen = forever()
            print(await anext(gen), await anext(gen))
        asyncio.run(main())
        print("after run")
    """,
    "asynccontextmanager": """
        import asyncio, contextlib
        @contextlib.asynccontextmanager
        async def resource(name):
            print("open", name)
            try:
                yield name.upper()
            finally:
                print("close", name)
        async def main():
            async with resource("db") as handle:
                print("using", handle)
            try:
                async with resource("net"):
                    raise OSError("down")
            except OSError as error:
                print("propagated", error)
        asyncio.run(main())
    """,
}

SYNTAX = {
    "async_with_suppresses_and_reraises": """
        import asyncio
        class Manager:
            def __init__(self, suppress):
                self.suppress = suppress
            async def __aenter__(self):
                await asyncio.sleep(0)
                print("enter")
                return self
            async def __aexit__(self, kind, value, traceback):
                await asyncio.sleep(0)
                print("exit", kind.__name__ if kind else None, value)
                return self.suppress
        async def main():
            async with Manager(True):
                raise KeyError("swallowed")
            try:
                async with Manager(False) as manager:
                    print(manager.suppress)
                    raise KeyError("kept")
            except KeyError as error:
                print("outside", error)
            async with Manager(False):
                pass
        asyncio.run(main())
    """,
    "async_with_and_for_type_errors": """
        import asyncio
        class OnlyEnter:
            async def __aenter__(self):
                return self
        class BadAiter:
            def __aiter__(self):
                return 1
        class BadAnext:
            def __aiter__(self):
                return self
            def __anext__(self):
                return 1
        async def main():
            for body in (lambda: object(), OnlyEnter):
                try:
                    async with body():
                        pass
                except TypeError as error:
                    print(error)
            for iterable in ([1], BadAiter(), BadAnext()):
                try:
                    async for _ in iterable:
                        pass
                except TypeError as error:
                    print(error)
        asyncio.run(main())
    """,
    "async_for_over_a_class_and_exceptions": """
        import asyncio
        class Countdown:
            def __init__(self, n):
                self.n = n
            def __aiter__(self):
                return self
            async def __anext__(self):
                await asyncio.sleep(0)
                if self.n == 0:
                    raise StopAsyncIteration
                if self.n == 2:
                    self.n -= 1
                    raise ValueError("two")
                self.n -= 1
                return self.n
        async def main():
            try:
                async for i in Countdown(4):
                    print(i)
            except ValueError as error:
                print("loop failed", error)
            else:
                print("no")
            async for i in Countdown(1):
                print("single", i)
            else:
                print("else ran")
        asyncio.run(main())
    """,
    "async_comprehensions": """
        import asyncio
        async def numbers(n):
            for i in range(n):
                await asyncio.sleep(0)
                yield i
        async def square(x):
            await asyncio.sleep(0)
            return x * x
        async def main():
            print([i async for i in numbers(4)])
            print({i % 2 async for i in numbers(5)})
            print({i: await square(i) async for i in numbers(3) if i})
            print([await square(i) for i in range(3)])
            gen = (i * 10 async for i in numbers(3))
            print([x async for x in gen])
            print([j async for i in numbers(3) for j in range(i)])
        asyncio.run(main())
    """,
    "await_in_fstrings_and_expressions": """
        import asyncio
        async def value(x):
            await asyncio.sleep(0)
            return x
        async def main():
            print(f"{await value(1)} and {await value('two')!r:>8}")
            print(await value(2) + await value(3), [await value(i) for i in "ab"])
            print(await value(None) or await value("fallback"))
            return {await value("k"): await value("v")}
        print(asyncio.run(main()))
    """,
    "exceptions_chain_and_escape": """
        import asyncio
        async def inner():
            await asyncio.sleep(0)
            raise KeyError("inner")
        async def outer():
            try:
                await inner()
            except KeyError as error:
                raise ValueError("outer") from error
        async def main():
            try:
                await outer()
            except ValueError as error:
                print(error, repr(error.__cause__))
            try:
                raise OSError("handled")
            except OSError:
                await asyncio.sleep(0)
                import sys
                print("still handling", sys.exc_info()[1])
            await inner()
        asyncio.run(main())
    """,
}

PROGRAMS = {**BY_HAND, **ASYNCIO, **ASYNC_GENERATORS, **SYNTAX}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_the_vm_agrees_with_cpython(name: str) -> None:
    comparison = compare(textwrap.dedent(PROGRAMS[name]))
    assert comparison.actual == comparison.expected


def test_programs_exercise_the_async_handlers() -> None:
    names = {
        instruction.opname
        for source in PROGRAMS.values()
        for code in _all_codes(compile(textwrap.dedent(source), "<p>", "exec"))
        for instruction in __import__("dis").get_instructions(code)
    }
    for opname in ("GET_AWAITABLE", "GET_AITER", "GET_ANEXT", "END_ASYNC_FOR"):
        assert opname in names
    assert "BEFORE_ASYNC_WITH" in names


def _all_codes(code):  # type: ignore[no-untyped-def]
    yield code
    for constant in code.co_consts:
        if hasattr(constant, "co_code"):
            yield from _all_codes(constant)


def test_vm_code_calling_a_coroutine_function_gets_a_real_coroutine() -> None:
    namespace = exec_source("async def f(x):\n    return x + 1\n")
    coroutine = VirtualMachine().call_object(namespace["f"], (1,), None)
    assert type(coroutine) is types.CoroutineType
    assert asyncio.run(coroutine) == 2


def test_with_origin_tracking_vm_code_gets_the_vms_coroutine() -> None:
    namespace = exec_source("async def f(x):\n    return x + 1\n")
    previous = sys.get_coroutine_origin_tracking_depth()
    sys.set_coroutine_origin_tracking_depth(1)
    try:
        coroutine = VirtualMachine().call_object(namespace["f"], (1,), None)
    finally:
        sys.set_coroutine_origin_tracking_depth(previous)
    assert type(coroutine) is VMCoroutine
    assert coroutine.cr_origin is not None
    assert asyncio.run(coroutine) == 2


def test_the_vms_coroutines_are_coroutines_to_asyncio() -> None:
    namespace = exec_source("async def f(x):\n    return x + 1\n")
    coroutine = trampoline_entry(namespace["f"])(1)
    assert isinstance(coroutine, VMCoroutine)
    assert asyncio.iscoroutine(coroutine)
    assert inspect.isawaitable(coroutine)
    assert asyncio.run(coroutine) == 2


def test_coroutine_functions_called_by_cpython_run_on_the_vm() -> None:
    namespace = exec_source(
        "import sys\nasync def where():\n    return sys._getframe().f_code.co_name\n"
    )
    assert inspect.iscoroutinefunction(namespace["where"])
    native = namespace["where"]()
    assert inspect.iscoroutine(native)
    assert asyncio.run(native) == "where"


def test_vm_async_generators_have_the_async_generator_protocol() -> None:
    namespace = exec_source("async def g():\n    yield 1\n")
    generator = VirtualMachine().call_object(namespace["g"], (), None)
    assert isinstance(generator, VMAsyncGenerator)
    assert generator.__aiter__() is generator

    async def collect() -> list[int]:
        return [item async for item in generator]

    assert asyncio.run(collect()) == [1]
    assert generator.ag_frame is None


def test_a_coroutine_never_awaited_warns() -> None:
    namespace = exec_source("async def lonely():\n    pass\n")
    with pytest.warns(RuntimeWarning, match="'lonely' was never awaited"):
        VirtualMachine().call_object(namespace["lonely"], (), None)


def test_suspended_coroutine_frame_view_reads_the_line() -> None:
    source = (
        "import types\n@types.coroutine\ndef p():\n    yield\n"
        "async def f():\n    await p()\n"
    )
    namespace = exec_source(source)
    coroutine = trampoline_entry(namespace["f"])()
    coroutine.send(None)
    assert coroutine.cr_frame is not None
    assert coroutine.cr_frame.f_lineno == 6
    assert coroutine.cr_await is not None
    coroutine.close()


def test_async_generator_functions_called_by_cpython_forward_to_the_vm() -> None:
    namespace = exec_source(
        "import sys\n"
        "async def frames(limit):\n"
        '    "Yield the names of the frames that run it."\n'
        "    try:\n"
        "        received = yield sys._getframe().f_code.co_name\n"
        "        while received != limit:\n"
        "            try:\n"
        "                received = yield received\n"
        "            except KeyError as error:\n"
        "                received = f'caught {error}'\n"
        "    finally:\n"
        "        print('closing')\n"
    )
    function = namespace["frames"]
    assert inspect.isasyncgenfunction(function)
    assert function.__doc__ == "Yield the names of the frames that run it."

    async def drive() -> list[object]:
        generator = function("stop")
        assert inspect.isasyncgen(generator)
        seen = [await generator.asend(None), await generator.asend("x")]
        seen.append(await generator.athrow(KeyError("k")))
        await generator.aclose()
        return seen

    assert asyncio.run(drive()) == ["frames", "x", "caught 'k'"]


def test_generator_names_take_strings_only() -> None:
    namespace = exec_source("def g():\n    yield\n")
    generator = VirtualMachine().call_object(namespace["g"], (), None)
    generator.__name__ = "renamed"
    assert generator.__name__ == "renamed"
    with pytest.raises(TypeError, match="__qualname__ must be set to a string"):
        generator.__qualname__ = 1
