r"""Run a Python file the way ``python FILE`` does, compiled by our compiler.

``python FILE ARGS`` (``Modules/main.c``, ``pymain_run_file``, then
``_PyRun_SimpleFileObject``) puts the file's folder first on
:data:`sys.path`, sets :data:`sys.argv` to the file and its arguments,
compiles the file and executes it as the module ``__main__``; an uncaught
exception prints a traceback and gives exit status 1. :func:`run_file` does
the same with :func:`pyinternals.compiler.pipeline.compile` in place of the
builtin, so every line of the program runs as our bytecode on CPython's
interpreter.

>>> import tempfile, pathlib
>>> program = pathlib.Path(tempfile.mkdtemp()) / "hello.py"
>>> _ = program.write_text("import sys\nprint('hello from', sys.argv[1:])\n")
>>> run_file(str(program), ["a", "b"])
hello from ['a', 'b']
0
"""

import os
import sys
import traceback
import types
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from pyinternals.compiler.pipeline import compile as our_compile

__all__ = ["as_main", "run_file"]


def run_file(path: str, args: Sequence[str] = ()) -> int:
    """Compile and run the file at *path* as ``__main__``; return the exit status.

    :data:`sys.argv`, :data:`sys.path` and ``sys.modules["__main__"]`` are
    restored afterwards, so the function can be called more than once in one
    process. :class:`SystemExit` raised by the program propagates, as it
    does from ``python FILE``.
    """
    with open(path, "rb") as file:
        source = file.read()
    try:
        code = our_compile(source, path, "exec")
    except SyntaxError as error:
        sys.stderr.write("".join(traceback.format_exception_only(error)))
        return 1
    folder = os.path.dirname(os.path.abspath(path))
    attributes = {"__file__": path, "__cached__": None}
    with as_main([path, *args], folder, attributes) as main:
        try:
            exec(code, main.__dict__)
        except SystemExit:
            raise
        except BaseException as error:
            # Drop this function's own frame, as the interpreter shows only the
            # program's frames.
            trace = error.__traceback__.tb_next if error.__traceback__ else None
            sys.excepthook(type(error), error.with_traceback(trace), trace)
            return 1
    return 0


@contextmanager
def as_main(
    argv: Sequence[str], path0: str | None, attributes: Mapping[str, Any]
) -> Iterator[types.ModuleType]:
    """Make a fresh ``__main__`` module for the duration of the block.

    Inside the block :data:`sys.argv` is *argv*, ``sys.path[0]`` is *path0*
    (left alone when ``None``) and ``sys.modules["__main__"]`` is the module
    given to the block, which starts with *attributes* (``__file__``,
    ``__spec__``...). All three are restored when the block ends.

    >>> with as_main(["prog.py", "-v"], None, {"__file__": "prog.py"}) as main:
    ...     sys.modules["__main__"] is main, sys.argv, main.__file__
    (True, ['prog.py', '-v'], 'prog.py')
    """
    main = types.ModuleType("__main__")
    main.__dict__.update(attributes)
    saved = sys.argv, sys.path[:], sys.modules.get("__main__")
    sys.argv = list(argv)
    if path0 is not None:
        sys.path[0:1] = [path0]
    sys.modules["__main__"] = main
    try:
        yield main
    finally:
        sys.argv, sys.path[:] = saved[0], saved[1]
        if saved[2] is not None:
            sys.modules["__main__"] = saved[2]
