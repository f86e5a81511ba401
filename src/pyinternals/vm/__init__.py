"""Chapter 4: executing Python.

The interpreters of the chapter, from the smallest to the real one:

* :mod:`pyinternals.vm.tiny` and :mod:`pyinternals.vm.tinycompiler` -- a
  stack machine with an instruction set of its own, and a compiler to it
  from a small subset of Python: the stepping stone;
* :mod:`pyinternals.vm.treewalk` and :mod:`pyinternals.vm.treewalk_subset`
  -- an interpreter that walks the syntax tree instead of compiling it,
  for comparison;
* the interpreter of CPython's own bytecode, 3.11 and 3.13:
  :mod:`pyinternals.vm.frame` (frames and decoded instructions),
  :mod:`pyinternals.vm.interpreter` (the evaluation loop and unwinding),
  the opcode handlers grouped by theme (:mod:`pyinternals.vm.handlers_names`,
  :mod:`pyinternals.vm.handlers_data`, :mod:`pyinternals.vm.handlers_calls`,
  :mod:`pyinternals.vm.handlers_flow`, :mod:`pyinternals.vm.handlers_patterns`),
  :mod:`pyinternals.vm.machine` (the machine that puts them together, with
  ``run_code`` and ``exec_source``), :mod:`pyinternals.vm.binding` (argument
  binding), :mod:`pyinternals.vm.generators` (suspended frames),
  :mod:`pyinternals.vm.trampolines` (VM functions called back from C) and
  :mod:`pyinternals.vm.differential` (the comparison with CPython),
  :mod:`pyinternals.vm.conformance` (CPython's own test modules run on the
  VM),
  :mod:`pyinternals.vm.traceback_entries` (traceback entries that point at
  the failing expression);
* the tools built on it: :mod:`pyinternals.vm.runner` and
  :mod:`pyinternals.vm.cli` (``python -m pyinternals.vm``: scripts,
  ``-m`` modules and ``-c`` commands on the VM) and
  :mod:`pyinternals.vm.repl` (the interactive prompt);
  :mod:`pyinternals.vm.tracing` (``sys.settrace`` for the VM),
  :mod:`pyinternals.vm.trace` (``python -m pyinternals.vm.trace``, the
  opcode tracer) and :mod:`pyinternals.vm.debug` (``python -m
  pyinternals.vm.debug``, the debugger);
* speed: :mod:`pyinternals.vm.quickening` (the VM's own adaptive
  specialization of calls), :mod:`pyinternals.vm.specialization` (CPython's,
  observed), :mod:`pyinternals.vm.bench` and
  :mod:`pyinternals.vm.bench_programs` (the VM timed against CPython).
"""

import importlib
from types import ModuleType

from pyinternals.vm import (
    bench_programs,
    binding,
    cli,
    coroutines,
    differential,
    frame,
    generators,
    handlers_async,
    handlers_calls,
    handlers_data,
    handlers_flow,
    handlers_names,
    handlers_patterns,
    handlers_typeparams,
    interpreter,
    machine,
    quickening,
    repl,
    runner,
    specialization,
    tiny,
    tinycompiler,
    traceback_entries,
    tracing,
    trampolines,
    treewalk,
    treewalk_subset,
)

# The modules run as programs (``python -m pyinternals.vm.trace``...) are
# imported on first use instead: imported here, runpy would find them already
# in sys.modules when asked to run them, and warn.
_RUNNABLE = frozenset({"bench", "conformance", "debug", "trace"})


def __getattr__(name: str) -> ModuleType:
    if name in _RUNNABLE:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "bench",
    "bench_programs",
    "binding",
    "cli",
    "conformance",
    "coroutines",
    "debug",
    "differential",
    "frame",
    "generators",
    "handlers_async",
    "handlers_calls",
    "handlers_data",
    "handlers_flow",
    "handlers_names",
    "handlers_patterns",
    "handlers_typeparams",
    "interpreter",
    "machine",
    "quickening",
    "repl",
    "runner",
    "specialization",
    "tiny",
    "tinycompiler",
    "trace",
    "traceback_entries",
    "tracing",
    "trampolines",
    "treewalk",
    "treewalk_subset",
]
