r"""Run a script, a module or a command on the VM as ``python`` runs them.

``python FILE ARGS``, ``python -m MODULE ARGS`` and ``python -c COMMAND``
(``Modules/main.c``, ``pymain_run_python``) differ only in where the code of
the module ``__main__`` comes from and in what is set around it:

* a **script** is read and compiled; its module's ``__file__`` is the path
  made absolute, and :data:`sys.path` starts with the folder the file really
  lives in (symbolic links resolved: ``_PyPathConfig_ComputeSysPath0`` in
  ``Python/pathconfig.c``);
* a **module** is found the way :mod:`runpy` finds it
  (``Lib/runpy.py``, ``_get_module_details``): its parent packages are
  imported, a package runs its ``__main__`` submodule, and the module gets
  ``__spec__``, ``__loader__``, ``__package__`` and ``__cached__`` from its
  spec; :data:`sys.path` starts with the current folder, and
  ``sys.argv[0]`` is ``"-m"`` while the module is looked for, then its file;
* a **command** is the text itself, file name ``<string>``, with ``""``
  first on :data:`sys.path`.

A :class:`Program` records all that; :func:`run_program` runs it as
``__main__`` on a fresh :class:`~pyinternals.vm.machine.VirtualMachine`.
The code is compiled by CPython's compiler or by ours (``compiler="ours"``,
Chapter 3's :func:`pyinternals.compiler.pipeline.compile`). An uncaught
exception is printed by :data:`sys.excepthook` with the program's frames
only, and gives exit status 1; :class:`SystemExit` propagates, so the
interpreter turns its code into the exit status as it does for ``python``.

Functions the program calls run on the VM wherever they were defined, so the
standard library's code runs there too; only the bodies of the modules it
imports (their top-level statements) run on CPython, unless
:func:`modules_on_the_vm` is in force: then each module imported from a
source file is compiled by the chosen compiler and its body executed on the
VM, with the import hook of :mod:`pyinternals.compiler.importer`.

>>> import tempfile, pathlib
>>> script = pathlib.Path(tempfile.mkdtemp()) / "hello.py"
>>> _ = script.write_text("import sys\nprint(__name__, sys.argv[1:])\n")
>>> run_program(script_program(str(script)), ["a", "b"])
__main__ ['a', 'b']
0
"""

from __future__ import annotations

import argparse
import builtins
import dis
import linecache
import os
import runpy
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.machinery import BuiltinImporter, ModuleSpec, SourceFileLoader
from importlib.util import find_spec
from types import CodeType, ModuleType, TracebackType
from typing import Any

from pyinternals.compiler.differential import Compiler
from pyinternals.compiler.importer import OurFinder, OurLoader
from pyinternals.compiler.instructions import Location
from pyinternals.compiler.pipeline import compile as our_compile
from pyinternals.compiler.script import as_main
from pyinternals.vm.machine import VirtualMachine
from pyinternals.vm.traceback_entries import stand_in_entry

__all__ = [
    "CannotRun",
    "Program",
    "VMFinder",
    "VMLoader",
    "VMOurLoader",
    "command_program",
    "compile_with",
    "module_program",
    "modules_on_the_vm",
    "report_exception",
    "run_command",
    "run_module",
    "run_program",
    "run_script",
    "run_script_tool",
    "script_program",
]


class CannotRun(Exception):
    """The program cannot be started; the message is what ``python`` prints.

    *status* is the exit status ``python`` gives: 2 for a script it cannot
    open, 1 for a module it cannot find.
    """

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Program:
    """Code to run as ``__main__``, with what ``python`` sets around it.

    *argv0* is ``sys.argv[0]``, *path0* the entry put first on
    :data:`sys.path` (``None``: leave it), and *attributes* the module's
    attributes besides ``__name__``. *code* is ``None`` for a program that
    only fails: *failure* then says why. *via_runpy* marks a module, which
    ``python -m`` runs through :mod:`runpy`, whose two frames head its
    tracebacks.
    """

    code: CodeType | None
    argv0: str
    path0: str | None
    attributes: dict[str, Any] = field(default_factory=dict)
    failure: BaseException | None = None
    via_runpy: bool = False


def compile_with(
    compiler: Compiler, source: str | bytes, filename: str, mode: str, flags: int = 0
) -> CodeType:
    """Compile *source* with CPython's compiler or ours, as ``compile()`` does.

    >>> compile_with("ours", "x = 1", "<demo>", "exec").co_filename
    '<demo>'
    """
    if compiler == "ours":
        return our_compile(source, filename, mode, flags=flags)
    code: CodeType = builtins.compile(source, filename, mode, flags, dont_inherit=True)
    return code


def _main_attributes(loader: Any) -> dict[str, Any]:
    """Return the attributes the interpreter's ``__main__`` module starts with."""
    return {
        "__doc__": None,
        "__package__": None,
        "__loader__": loader,
        "__spec__": None,
        "__annotations__": {},
        "__builtins__": builtins,
    }


def _compiled(
    compiler: Compiler, source: bytes | str, filename: str
) -> tuple[CodeType | None, BaseException | None]:
    try:
        return compile_with(compiler, source, filename, "exec"), None
    except (SyntaxError, ValueError) as error:
        # python reports a compile error without a traceback
        return None, error.with_traceback(None)


def script_program(path: str, compiler: Compiler = "cpython") -> Program:
    """Read and compile the script at *path*, as ``python PATH`` would.

    Raises :class:`CannotRun` (status 2) if the file cannot be read; a
    syntax error becomes the program's *failure*.

    >>> script_program("/no/such/file.py")
    Traceback (most recent call last):
      ...
    pyinternals.vm.runner.CannotRun: can't open file '/no/such/file.py': [Errno 2] No such file or directory
    """  # noqa: E501
    absolute = path if os.path.isabs(path) else os.path.join(os.getcwd(), path)
    try:
        with open(path, "rb") as file:
            source = file.read()
    except OSError as error:
        raise CannotRun(
            f"can't open file {absolute!r}: [Errno {error.errno}] {error.strerror}", 2
        ) from None
    code, failure = _compiled(compiler, source, absolute)
    attributes = _main_attributes(SourceFileLoader("__main__", absolute))
    attributes.update(__file__=absolute, __cached__=None)
    folder = os.path.dirname(os.path.realpath(path))
    return Program(code, path, folder, attributes, failure)


def command_program(command: str, compiler: Compiler = "cpython") -> Program:
    """Compile *command* as ``python -c COMMAND`` does (file ``<string>``).

    >>> command_program("print(1)").argv0
    '-c'
    """
    code, failure = _compiled(compiler, command, "<string>")
    if sys.version_info >= (3, 13):
        # python -c shows the command's lines in tracebacks from 3.13 on
        linecache.cache["<string>"] = (
            len(command),
            None,
            command.splitlines(keepends=True),
            "<string>",
        )
    return Program(code, "-c", "", _main_attributes(BuiltinImporter), failure)


def _module_spec(name: str) -> ModuleSpec:
    """Find the spec of the module ``python -m NAME`` runs, as :mod:`runpy` does."""
    if name.startswith("."):
        raise CannotRun("Relative module names not supported")
    package, _, _ = name.rpartition(".")
    if package:
        try:
            __import__(package)
        except ImportError as error:
            # a missing parent package is reported by find_spec below
            if error.name is None or (
                error.name != package and not package.startswith(error.name + ".")
            ):
                raise
    try:
        spec = find_spec(name)
    except (ImportError, AttributeError, TypeError, ValueError) as error:
        message = (
            f"Error while finding module specification for {name!r}"
            f" ({type(error).__name__}: {error})"
        )
        if name.endswith(".py"):
            message += (
                f". Try using '{name[:-3]}' instead of '{name}' as the module name."
            )
        raise CannotRun(message) from error
    if spec is None:
        raise CannotRun(f"No module named {name}")
    if spec.submodule_search_locations is not None:
        if name == "__main__" or name.endswith(".__main__"):
            raise CannotRun("Cannot use package as __main__ module")
        try:
            return _module_spec(name + ".__main__")
        except CannotRun as error:
            if name not in sys.modules:
                raise
            raise CannotRun(
                f"{error}; {name!r} is a package and cannot be directly executed"
            ) from None
    if spec.loader is None:
        raise CannotRun(f"{name!r} is a namespace package and cannot be executed")
    return spec


def _module_code(spec: ModuleSpec, compiler: Compiler) -> CodeType:
    loader: Any = spec.loader
    if compiler == "ours" and isinstance(loader, SourceFileLoader):
        path = loader.get_filename(spec.name)
        return our_compile(loader.get_data(path), path, "exec")
    if compiler == "ours" and hasattr(loader, "get_source"):
        source = loader.get_source(spec.name)
        if source is not None:
            return our_compile(source, spec.origin or spec.name, "exec")
    try:
        code: CodeType | None = loader.get_code(spec.name)
    except ImportError as error:
        raise CannotRun(str(error)) from error
    if code is None:
        raise CannotRun(f"No code object available for {spec.name}")
    return code


def module_program(name: str, compiler: Compiler = "cpython") -> Program:
    """Find the module *name* and compile it, as ``python -m NAME`` would.

    Importing its parent packages runs their code; call it with
    :data:`sys.argv` and :data:`sys.path` as :func:`run_program` sets them
    (:func:`run_module` does). Raises :class:`CannotRun` if there is nothing
    to run.

    >>> program = module_program("json.tool")
    >>> program.attributes["__spec__"].name, program.attributes["__package__"]
    ('json.tool', 'json')
    >>> module_program("no_such_module_here")
    Traceback (most recent call last):
      ...
    pyinternals.vm.runner.CannotRun: No module named no_such_module_here
    """
    spec = _module_spec(name)
    try:
        code, failure = _module_code(spec, compiler), None
    except SyntaxError as error:
        code, failure = None, error
    attributes = _main_attributes(spec.loader)
    attributes.update(
        __file__=spec.origin,
        __cached__=spec.cached,
        __package__=spec.parent,
        __spec__=spec,
    )
    return Program(code, spec.origin or name, None, attributes, failure, True)


class VMLoader(SourceFileLoader):
    """Load a source module by running its body on the VM (CPython compiles it)."""

    def exec_module(self, module: ModuleType) -> None:
        """Run the module's code on a new VM, in the module's namespace."""
        code = self.get_code(module.__name__)
        if code is None:
            raise ImportError(f"no code for {module.__name__}", name=module.__name__)
        VirtualMachine().run_code(code, module.__dict__)


class VMOurLoader(VMLoader, OurLoader):  # type: ignore[misc]  # typeshed's bases differ
    """Load a source module compiled by our compiler, its body run on the VM."""


class VMFinder(OurFinder):
    """Find source modules for :class:`VMLoader` or :class:`VMOurLoader`.

    The path search is :class:`~pyinternals.compiler.importer.OurFinder`'s;
    only the loader differs.
    """

    def __init__(self, wanted: Callable[[str], bool], compiler: Compiler) -> None:
        """Take the modules *wanted* accepts, compiled by *compiler*."""
        super().__init__(wanted)
        self.loader_class = VMOurLoader if compiler == "ours" else VMLoader

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        """Return a spec loading *fullname* on the VM, or ``None``."""
        spec = super().find_spec(fullname, path, target)
        if spec is not None:
            assert spec.origin is not None
            spec.loader = self.loader_class(fullname, spec.origin)
        return spec


def _not_ours(name: str) -> bool:
    """Every module but the machinery's own: the VM does not run itself."""
    return name != "pyinternals" and not name.startswith("pyinternals.")


@contextmanager
def modules_on_the_vm(
    compiler: Compiler, wanted: Callable[[str], bool] = _not_ours
) -> Iterator[VMFinder]:
    r"""Inside the block, imported source modules run their bodies on the VM.

    Only modules imported inside the block are affected.

    >>> import sys, tempfile, pathlib
    >>> folder = tempfile.mkdtemp()
    >>> _ = (pathlib.Path(folder) / "on_vm_demo.py").write_text("n = 6 * 7\n")
    >>> sys.path.insert(0, folder)
    >>> with modules_on_the_vm("ours"):
    ...     import on_vm_demo
    >>> on_vm_demo.n, type(on_vm_demo.__loader__).__name__
    (42, 'VMOurLoader')
    >>> _ = sys.path.remove(folder), sys.modules.pop("on_vm_demo")
    """
    finder = VMFinder(wanted, compiler)
    sys.meta_path.insert(0, finder)
    try:
        yield finder
    finally:
        sys.meta_path.remove(finder)


_THIS_FILE = __file__


def _program_frames(trace: TracebackType | None) -> TracebackType | None:
    """Drop the leading traceback entries of this module's own frames."""
    while trace is not None and trace.tb_frame.f_code.co_filename == _THIS_FILE:
        trace = trace.tb_next
    return trace


def report_exception(error: BaseException) -> None:
    """Print an uncaught *error* as the interpreter does, and remember it.

    Like ``PyErr_Print``: :data:`sys.last_value` and friends are set, then
    :data:`sys.excepthook` prints it. Before 3.13 the default hook is
    written in C and prints an empty line for a traceback entry without
    column positions, as the VM's are: :mod:`traceback`, which the hook
    uses from 3.13 on, prints them instead.
    """
    trace = _program_frames(error.__traceback__)
    error = error.with_traceback(trace)
    sys.last_type, sys.last_value, sys.last_traceback = type(error), error, trace
    if sys.version_info >= (3, 12):
        sys.last_exc = error
    if sys.version_info < (3, 13) and sys.excepthook is sys.__excepthook__:
        # the hook written in C would print an empty source position
        traceback.print_exception(error)
    else:
        sys.excepthook(type(error), error, trace)


def _call_location(function: Callable[..., Any], callee: str) -> Location:
    """Return the position of the call to *callee* in *function*'s code."""
    found = False
    for instruction in dis.get_instructions(function):
        found = found or (
            instruction.opname == "LOAD_GLOBAL" and instruction.argval == callee
        )
        if found and instruction.opname == "CALL":
            lineno, end_lineno, column, end_column = (
                instruction.positions or (function.__code__.co_firstlineno,) * 4
            )
            return Location(
                lineno or -1, end_lineno or -1, column or -1, end_column or -1
            )
    raise LookupError(f"no call to {callee} in {function.__qualname__}")


def _runpy_entries(trace: TracebackType | None) -> TracebackType | None:
    """Put the entries of ``python -m``'s two :mod:`runpy` frames before *trace*.

    ``python -m`` runs ``runpy._run_module_as_main``, which calls
    ``runpy._run_code``, which calls :func:`exec`: CPython's tracebacks
    start with those two frames, so the VM's do too (stand-ins, at the
    lines of those calls in the running :mod:`runpy`).
    """
    for function, callee in (
        (vars(runpy)["_run_code"], "exec"),
        (vars(runpy)["_run_module_as_main"], "_run_code"),
    ):
        trace = stand_in_entry(
            function.__code__,
            _call_location(function, callee),
            vars(runpy),
            None,
            trace,
        )
    return trace


def run_program(program: Program, args: Sequence[str] = ()) -> int:
    """Run *program* as ``__main__`` on the VM; return the exit status.

    :data:`sys.argv` is ``[program.argv0, *args]``; :data:`sys.argv`,
    :data:`sys.path` and ``sys.modules["__main__"]`` are restored afterwards,
    so the function can be called more than once in one process.
    :class:`SystemExit` propagates.
    """
    if program.code is None:
        assert program.failure is not None
        report_exception(program.failure)
        return 1
    with as_main([program.argv0, *args], program.path0, program.attributes) as main:
        try:
            VirtualMachine().run_code(program.code, main.__dict__)
        except SystemExit:
            raise
        except BaseException as error:
            if program.via_runpy:
                trace = _runpy_entries(_program_frames(error.__traceback__))
                error.__traceback__ = trace
            report_exception(error)
            return 1
    return 0


def _cannot_run(error: CannotRun) -> int:
    sys.stderr.write(f"{sys.executable}: {error}\n")
    return error.status


def run_script(
    path: str, args: Sequence[str] = (), compiler: Compiler = "cpython"
) -> int:
    """Run the file at *path* on the VM as ``python PATH ARGS``; give the status."""
    try:
        program = script_program(path, compiler)
    except CannotRun as error:
        return _cannot_run(error)
    return run_program(program, args)


def run_command(
    command: str, args: Sequence[str] = (), compiler: Compiler = "cpython"
) -> int:
    """Run *command* on the VM as ``python -c COMMAND ARGS``; give the status.

    >>> run_command("import sys; print(sys.argv)", ["x"], "ours")
    ['-c', 'x']
    0
    """
    return run_program(command_program(command, compiler), args)


def run_module(
    name: str, args: Sequence[str] = (), compiler: Compiler = "cpython"
) -> int:
    """Run the module *name* on the VM as ``python -m NAME ARGS``; give the status.

    While the module is looked for (its parent packages imported),
    ``sys.argv`` is ``["-m", *args]`` and the current folder is first on
    :data:`sys.path`, as in ``python -m``.

    >>> run_module("no_such_module_here")
    1
    """
    saved = sys.argv, sys.path[:]
    sys.argv = ["-m", *args]
    sys.path[0:1] = [os.getcwd()]
    try:
        program = module_program(name, compiler)
    except CannotRun as error:
        return _cannot_run(error)
    finally:
        sys.argv, sys.path[:] = saved
    program.path0 = os.getcwd()
    return run_program(program, args)


def run_script_tool(
    prog: str,
    description: str,
    argv: Sequence[str] | None,
    tool: Callable[[CodeType, dict[str, Any], bool], int],
) -> int:
    """Run the command line of a tool that runs a script: ``[--vm] SCRIPT [ARGS]``.

    The opcode tracer and the debugger take the same arguments and set up
    the script as ``python SCRIPT ARGS`` would (:func:`script_program`,
    :func:`~pyinternals.compiler.script.as_main`); then ``tool(code,
    namespace, on_the_vm)`` runs it and gives the exit status. A script
    that cannot be read or compiled ends as it would under ``python``.

    >>> def show(code, namespace, on_the_vm):
    ...     print(code.co_filename, namespace["__name__"], on_the_vm)
    ...     return 0
    >>> run_script_tool("tool", "A demo.", ["--vm", "/no/such.py"], show)
    2
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--vm", action="store_true", help="run on the VM")
    parser.add_argument("script")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    try:
        program = script_program(options.script)
    except CannotRun as error:
        return _cannot_run(error)
    if program.code is None:
        assert program.failure is not None
        report_exception(program.failure)
        return 1
    argv0 = [program.argv0, *options.args]
    with as_main(argv0, program.path0, program.attributes) as main:
        return tool(program.code, main.__dict__, options.vm)
