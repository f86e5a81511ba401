"""Behaviours CPython's own test modules found wrong in the VM, each now agreeing.

Every snippet is run on CPython and on the VM and the outcomes compared
(stdout, value, exception type and message).
"""

import textwrap

import pytest

from pyinternals.vm.differential import compare

SNIPPETS = {
    "context_chain_with_a_cycle": """
        def cycle():
            try:
                raise ValueError(1)
            except ValueError as ex:
                ex.__context__ = ex
                raise TypeError(2)
        try:
            cycle()
        except Exception as e:
            exc = e
        context = exc.__context__
        print(type(exc), type(context), context.__context__ is context)
        a, b = ValueError("a"), KeyError("b")
        a.__context__, b.__context__ = b, a
        try:
            try:
                raise a
            except ValueError:
                raise RuntimeError("c")
        except RuntimeError as c:
            print(repr(c.__context__), repr(c.__context__.__context__))
    """,
    "frame_lines_in_a_traceback": """
        import sys
        def simple():
            1/0
            pass
        def in_finally():
            try:
                pass
            finally:
                1/0
        def here():
            x = 1
            return sys._getframe().f_lineno - here.__code__.co_firstlineno
        for f in (simple, in_finally):
            try:
                f()
            except Exception as ex:
                t = ex.__traceback__.tb_next
            lines = []
            while t:
                frame = t.tb_frame
                lines.append(frame.f_lineno - frame.f_code.co_firstlineno)
                t = t.tb_next
            print(f.__name__, lines)
        print(here())
    """,
    "name_error_names_the_name": """
        def outer():
            def inner():
                return later
            try:
                inner()
            except NameError as e:
                print(repr(e.name))
            later = 1
        outer()
        for source in ("undefined_here", "global undefined_too; undefined_too"):
            try:
                exec("def f():\n    " + source + "\nf()")
            except NameError as e:
                print(repr(e.name), e)
        try:
            undefined_at_module_level
        except NameError as e:
            print(repr(e.name))
    """,
    "with_on_an_object_missing_exit": """
        class OnlyEnter:
            def __enter__(self):
                return self
        class OnlyExit:
            def __exit__(self, *exc_info):
                return False
        for manager in (OnlyEnter(), OnlyExit(), 42):
            try:
                with manager:
                    pass
            except TypeError as e:
                print(e)
    """,
    "docstrings_of_functions": """
        def documented(a):
            "Whee!"
            return a
        def undocumented(a):
            return "not a docstring"
        def generator(a):
            "Yields."
            yield a
        print(repr(documented.__doc__), repr(undocumented.__doc__))
        print(repr(generator.__doc__), repr((lambda: "x").__doc__))
        class C:
            def method(self):
                "A method."
        print(repr(C.method.__doc__), repr(C().method.__doc__))
    """,
    "generator_objects_are_generators": """
        import copy, inspect, types
        def gen(n):
            yield from range(n)
        g = gen(2)
        print(type(g).__name__, isinstance(g, types.GeneratorType), g.__name__)
        print(inspect.getgeneratorstate(g), next(g), inspect.getgeneratorstate(g))
        print(type(g.gi_frame).__name__, g.gi_running, g.gi_suspended)
        for change in (lambda: copy.copy(g), lambda: setattr(g, "__name__", 1),
                       lambda: setattr(g, "gi_running", 42)):
            try:
                change()
            except (TypeError, AttributeError) as e:
                print(type(e).__name__)
        print(list(g), inspect.getgeneratorstate(g))
    """,
    "eval_and_exec_of_code_with_free_variables": """
        def f(x):
            def g():
                print("g sees", x)
            return g
        g = f(3)
        cell = g.__closure__[0]
        attempts = [
            lambda: eval(g.__code__),
            lambda: exec(g.__code__, {}),
            lambda: exec(g.__code__, {}, closure=(cell, cell)),
            lambda: exec(g.__code__, {}, closure=(1,)),
            lambda: exec(compile("1", "<s>", "exec"), {}, closure=(cell,)),
            lambda: exec("1", {}, closure=(cell,)),
            lambda: exec(g.__code__, {}, closure=(cell,)),
        ]
        for attempt in attempts:
            try:
                attempt()
            except TypeError as e:
                print(e)
    """,
    "annotations_in_a_namespace_that_is_not_a_dict": """
        class Lowering:
            def __init__(self):
                self.items = {}
            def __setitem__(self, key, value):
                self.items[key.lower()] = value
            def __getitem__(self, key):
                return self.items[key]
        class Recording:
            def __init__(self):
                self.items = {}
            def __setitem__(self, key, value):
                print("set", key)
                self.items[key] = value
            def __getitem__(self, key):
                return self.items[key]
        namespace = {"__annotations__": Lowering()}
        exec('X: int; Z: str = "Z"; (w): complex = 1j', namespace)
        print(namespace["__annotations__"].items, namespace["Z"])
        local = Recording()
        exec("x: int = 1", {}, local)
        print(local.items)
    """,
    "context_set_to_none_stays_none_on_the_way_out": """
        class MyException(Exception):
            pass
        def raising():
            exc = MyException()
            try:
                raise exc
            finally:
                exc.__context__ = None
        def middle():
            return raising()
        try:
            try:
                raise IndexError
            except IndexError:
                middle()
        except MyException as exc:
            print(repr(exc.__context__))
        def helper(error):
            try:
                raise KeyError("inner")
            except KeyError:
                raise error
        try:
            try:
                raise IndexError("outer")
            except IndexError as outer:
                helper(outer)
        except IndexError as e:
            print(repr(e), repr(e.__context__))
    """,
    "closures_and_generator_arguments_are_freed": """
        import gc, weakref
        from contextlib import contextmanager
        class Counted:
            alive = 0
            def __init__(self):
                Counted.alive += 1
            def __del__(self):
                Counted.alive -= 1
        def make():
            x = Counted()
            def read():
                return x
            return read()
        for _ in range(10):
            make()
        gc.collect()
        print("alive after closures:", Counted.alive)
        class A:
            pass
        @contextmanager
        def drops(a, b):
            a = weakref.ref(a)
            b = weakref.ref(b)
            gc.collect()
            print("arguments freed:", a() is None, b() is None)
            yield
        with drops(A(), b=A()):
            pass
    """,
    "exception_thrown_into_a_generator_is_chained_there": """
        def inner():
            yield
        def outer():
            try:
                raise KeyError("a")
            except Exception:
                yield from inner()
        gen = outer()
        gen.send(None)
        try:
            gen.throw(ValueError)
        except ValueError as e:
            print(repr(e.__context__))
    """,
    "closing_a_generator_frees_its_locals": """
        import gc, weakref
        class Foo:
            pass
        def check():
            f = Foo()
            f_wr = weakref.ref(f)
            def genfn():
                a = f
                yield
            g = genfn()
            next(g)
            del f
            g.close()
            gc.collect()
            print(f_wr())
        check()
    """,
    "a_function_made_from_a_dead_generator_functions_code": """
        import types
        def make():
            def gen(it):
                for x in it:
                    yield x
            return gen(range(3))
        code = make().gi_code
        fresh = types.FunctionType(code, {"__builtins__": __builtins__})
        print(list(fresh("abc")), fresh.__name__)
        try:
            list(fresh(5))
        except TypeError as e:
            print(e)
    """,
    "frame_lines_where_a_frame_re_raised": """
        def lines(f):
            try:
                f()
            except Exception as ex:
                t = ex.__traceback__.tb_next
            out = []
            while t:
                frame = t.tb_frame
                first = frame.f_code.co_firstlineno
                out.append((frame.f_lineno - first, t.tb_lineno - first))
                t = t.tb_next
            return out
        def other_except():
            try:
                1/0
            except TypeError as ex:
                pass
        def in_try():
            try:
                1/0
            finally:
                pass
        def in_named_except():
            try:
                1/0
            except Exception as ex:
                1/0
                pass
        def simple():
            1/0
            pass
        class ExitFails:
            def __enter__(self):
                return self
            def __exit__(self, *args):
                raise ValueError
        def after_with():
            with ExitFails():
                1/0
        for f in (other_except, in_try, in_named_except, simple, after_with):
            print(f.__name__, lines(f))
    """,
    "comprehension_variable_in_locals_at_module_level": """
        l = [1, 2]
        y = 0
        items = [locals()["x"] for x in l]
        items2 = [vars()["x"] for x in l]
        items3 = [("x" in dir()) for x in l]
        items4 = [eval("x") for x in l]
        [exec("y = x") for x in l]
        print(items, items2, items3, items4, y, "x" in locals())
        class C:
            seen = [sorted(k for k in locals() if k in "xz") for z in [1]]
        print(C.seen)
    """,
    "frames_from_getframe_link_to_their_callers": """
        import sys
        def names(frame):
            out = []
            while frame:
                name = frame.f_code.co_name
                if name.startswith("check_"):
                    break
                out.append((name, frame.f_lineno - frame.f_code.co_firstlineno))
                frame = frame.f_back
            return out
        def check_it():
            def f():
                print(names(sys._getframe()))
                yield
                print(names(sys._getframe()))
            def g():
                print(names(sys._getframe()))
                yield from f()
                print(names(sys._getframe()))
            gen = g()
            gen.send(None)
            try:
                gen.send(None)
            except StopIteration:
                pass
            def h(n):
                if n:
                    return h(n - 1)
                return names(sys._getframe(1))
            print(h(3))
        check_it()
    """,
    "a_handled_exception_is_freed_without_the_cycle_collector": """
        import gc, weakref
        class MyException(Exception):
            def __init__(self, obj):
                self.obj = obj
        class MyObj:
            pass
        def inner_raising_func(obj):
            local_ref = obj
            raise MyException(obj)
        def run():
            obj = MyObj()
            wr = weakref.ref(obj)
            try:
                inner_raising_func(obj)
            except MyException:
                try:
                    try:
                        raise
                    finally:
                        raise
                except MyException:
                    pass
            obj = None
            freed_at_once = wr() is None
            obj = MyObj()
            wr = weakref.ref(obj)
            try:
                inner_raising_func(obj)
            except MyException as e:
                held_while_handled = wr() is not None
            obj = None
            return freed_at_once, held_while_handled, wr() is None
        gc.disable()
        try:
            print(run())
        finally:
            gc.enable()
    """,
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet_agrees(name: str) -> None:
    result = compare(textwrap.dedent(SNIPPETS[name]).lstrip())
    assert result.agree, f"\nCPython: {result.expected}\nVM:      {result.actual}"
