"""CPython, PyPy and MicroPython compared, as data, plus what can be checked here.

The comparison is a table of :class:`Implementation` records, each with the
sources its facts come from, so that Chapter 1 renders it instead of typing
it. Only one implementation runs the book; :func:`observe` records what the
running interpreter says about itself, and :func:`running` picks its row.
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass, fields

__all__ = [
    "IMPLEMENTATIONS",
    "Implementation",
    "Observation",
    "observe",
    "rows",
    "running",
]


@dataclass(frozen=True)
class Implementation:
    """What one implementation of Python is made of, with its sources."""

    name: str
    sys_name: str
    written_in: str
    execution: str
    memory_management: str
    global_lock: str
    c_api: str
    targets: str
    sources: tuple[str, ...]


IMPLEMENTATIONS: tuple[Implementation, ...] = (
    Implementation(
        name="CPython",
        sys_name="cpython",
        written_in="C for the interpreter and the extension modules; Python for"
        " most of the standard library",
        execution="bytecode interpreter, specializing and adaptive since 3.11"
        " (PEP 659); an experimental copy-and-patch JIT can be enabled when"
        " building 3.13 (PEP 744)",
        memory_management="reference counting, plus a generational collector"
        " for reference cycles (Python/gc.c in 3.13, Modules/gcmodule.c before)",
        global_lock="yes (Python/ceval_gil.c); 3.13 adds an optional"
        " free-threaded build without it (PEP 703)",
        c_api="defines it (Include/), with a stable ABI across releases (PEP 384)",
        targets="the platforms of PEP 11 (Linux, Windows, macOS and more),"
        " WebAssembly, and from 3.13 iOS and Android (PEP 730, PEP 738)",
        sources=(
            "https://peps.python.org/pep-0659/",
            "https://peps.python.org/pep-0744/",
            "https://peps.python.org/pep-0703/",
            "https://peps.python.org/pep-0011/",
            "https://docs.python.org/3.13/c-api/stable.html",
        ),
    ),
    Implementation(
        name="PyPy",
        sys_name="pypy",
        written_in="RPython, a restricted subset of Python that the RPython"
        " toolchain translates to C",
        execution="bytecode interpreter plus a tracing JIT compiler that the"
        " toolchain generates from the interpreter itself (a meta-tracing JIT)",
        memory_management="no reference counting: a generational collector"
        " (incminimark) that moves young objects out of a nursery and does its"
        " major collections incrementally",
        global_lock="yes",
        c_api="emulated by the cpyext layer, slower than on CPython; cffi is"
        " the recommended way to call C",
        targets="desktop and server platforms (x86-64, AArch64 and others on"
        " Linux, macOS, Windows)",
        sources=(
            "https://doc.pypy.org/en/latest/architecture.html",
            "https://doc.pypy.org/en/latest/gc_info.html",
            "https://doc.pypy.org/en/latest/faq.html",
            "https://doc.pypy.org/en/latest/cpython_differences.html",
        ),
    ),
    Implementation(
        name="MicroPython",
        sys_name="micropython",
        written_in="C (C99)",
        execution="bytecode interpreter; the native and viper code emitters"
        " compile single decorated functions to machine code",
        memory_management="no reference counting: a mark-and-sweep collector"
        " that scans the stacks for pointers into its heap",
        global_lock="depends on the port: threads run with or without a GIL"
        " (MICROPY_PY_THREAD_GIL)",
        c_api="its own (mp_obj_t); CPython extension modules do not load",
        targets="microcontrollers with as little as 256 KiB of flash and"
        " 16 KiB of RAM (ports for STM32, ESP32, RP2040 and more), plus Unix,"
        " Windows and WebAssembly",
        sources=(
            "https://micropython.org/",
            "https://docs.micropython.org/en/latest/develop/memorymgt.html",
            "https://docs.micropython.org/en/latest/reference/speed_python.html",
            "https://docs.micropython.org/en/latest/library/_thread.html",
        ),
    ),
)
"""The three implementations compared in Chapter 1, in this order."""


def rows(
    implementations: tuple[Implementation, ...] = IMPLEMENTATIONS,
) -> list[tuple[str, ...]]:
    """Transpose the records into rows: one per fact, one column per implementation.

    The first row holds the names; ``sys_name`` and ``sources`` are left out.

    >>> table = rows()
    >>> table[0]
    ('', 'CPython', 'PyPy', 'MicroPython')
    >>> [row[0] for row in table[1:]]
    ['written in', 'execution', 'memory management', 'global lock', 'C API', 'targets']
    """
    facts = [f.name for f in fields(Implementation)]
    facts = [f for f in facts if f not in {"name", "sys_name", "sources"}]
    table = [("", *(i.name for i in implementations))]
    for fact in facts:
        cells = (str(getattr(i, fact)) for i in implementations)
        label = "C API" if fact == "c_api" else fact.replace("_", " ")
        table.append((label, *cells))
    return table


def running() -> Implementation:
    """Return the record of the implementation running this code.

    >>> running().name == platform.python_implementation()
    True
    """
    for implementation in IMPLEMENTATIONS:
        if implementation.sys_name == sys.implementation.name:
            return implementation
    raise LookupError(f"no record for {sys.implementation.name!r}")


@dataclass(frozen=True)
class Observation:
    """What the running interpreter reports about itself."""

    sys_name: str
    platform_name: str
    version: str
    cache_tag: str | None
    gil_enabled: bool
    counts_references: bool


def _counts_references() -> bool:
    """Check whether one more reference to an object raises its count by one."""
    getrefcount = getattr(sys, "getrefcount", None)
    if getrefcount is None:
        return False
    probe = object()
    before = getrefcount(probe)
    holder = [probe]
    after = getrefcount(probe)
    del holder
    return bool(after == before + 1)


def observe() -> Observation:
    """Ask the running interpreter what it is.

    On a default CPython build the GIL is on and objects are reference
    counted; ``sys._is_gil_enabled`` exists from 3.13 on.

    >>> seen = observe()
    >>> seen.sys_name, seen.platform_name, seen.gil_enabled, seen.counts_references
    ('cpython', 'CPython', True, True)
    """
    gil_probe = getattr(sys, "_is_gil_enabled", None)
    version = sys.implementation.version
    return Observation(
        sys_name=sys.implementation.name,
        platform_name=platform.python_implementation(),
        version=f"{version.major}.{version.minor}.{version.micro}",
        cache_tag=sys.implementation.cache_tag,
        gil_enabled=True if gil_probe is None else bool(gil_probe()),
        counts_references=_counts_references(),
    )
