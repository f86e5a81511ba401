r"""Traceback entries for VM frames, carrying the failing expression's position.

A traceback entry (``Python/traceback.c``, ``PyTraceBack_Here``) names a
frame object and ``tb_lasti``, the byte offset of the instruction that was
running; the :mod:`traceback` module reads that instruction's four
coordinates from the frame's code (``co_positions``) to draw the ``^^^^``
and ``~~~~`` under the failing expression. The VM's frames are not CPython
frame objects, so an entry names a *stand-in*: a frame CPython ran for a
one-call code object with the VM frame's file, function name and globals
(see :mod:`pyinternals.vm.interpreter`).

:func:`traceback_entry` gives that stand-in's code a location table of its
own (written by :func:`pyinternals.compiler.linetable.encode`) in which
every instruction has the position of the VM frame's failing instruction,
and points ``tb_lasti`` at its first instruction: the traceback then prints
the same line and the same carets as CPython's would.

>>> import traceback
>>> from pyinternals.vm.machine import VirtualMachine
>>> code = compile("x = 1\ny = x + None\n", "<demo>", "exec")
>>> try:
...     VirtualMachine().run_code(code, {})
... except TypeError as error:
...     entry = error.__traceback__.tb_next
>>> entry.tb_lineno, traceback._get_code_position(entry.tb_frame.f_code, entry.tb_lasti)
(2, (2, 2, 4, 12))
"""

from __future__ import annotations

import sys
import warnings
from types import CodeType, FrameType, TracebackType
from typing import Any

from pyinternals.compiler.instructions import Location
from pyinternals.compiler.linetable import encode
from pyinternals.vm.frame import Frame

__all__ = ["stand_in_entry", "traceback_entry"]


def _template() -> CodeType:
    """Return code that calls its first constant: ``sys._getframe`` once filled in."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # calling a literal, on purpose
        return compile("(0)()", "<stand-in>", "eval")


_TEMPLATE = _template()
_TEMPLATE_UNITS = len(_TEMPLATE.co_code) // 2

_POSITIONS: dict[int, tuple[CodeType, list[Location]]] = {}
_STAND_INS: dict[tuple[int, Location], tuple[CodeType, CodeType]] = {}


def _location(frame: Frame) -> Location:
    """Return the four coordinates of the instruction *frame* is executing."""
    code = frame.code
    cached = _POSITIONS.get(id(code))
    if cached is None or cached[0] is not code:
        known = [
            Location(*(-1 if value is None else value for value in position))
            for position in code.co_positions()
        ]
        cached = _POSITIONS[id(code)] = (code, known)
    location = cached[1][max(frame.lasti, 0)]
    if location.lineno < 0:
        line = frame.line or code.co_firstlineno
        location = Location(line, line, -1, -1)
    return location


def _stand_in_code(code: CodeType, location: Location) -> CodeType:
    key = (id(code), location)
    cached = _STAND_INS.get(key)
    if cached is None or cached[0] is not code:
        stand_in = _TEMPLATE.replace(
            co_consts=(sys._getframe,),
            co_filename=code.co_filename,
            co_name=code.co_name,
            co_qualname=code.co_qualname,
            co_firstlineno=location.lineno,
            co_linetable=encode([(_TEMPLATE_UNITS, location)], location.lineno),
        )
        cached = _STAND_INS[key] = (code, stand_in)
    return cached[1]


def stand_in_entry(
    code: CodeType,
    location: Location,
    globals_: dict[str, Any],
    locals_: Any,
    next_entry: TracebackType | None,
) -> TracebackType:
    """Return a traceback entry for *code* failing at *location*, before *next_entry*.

    The entry's frame is a stand-in with *code*'s file and name and the
    namespaces given; the :mod:`traceback` module reads *location* from it.
    """
    stand_in: FrameType = eval(_stand_in_code(code, location), globals_, locals_)
    return TracebackType(next_entry, stand_in, 0, location.lineno)


def traceback_entry(frame: Frame, next_entry: TracebackType | None) -> TracebackType:
    """Return a traceback entry for the VM's *frame*, in front of *next_entry*.

    Its frame is a stand-in with *frame*'s file, name, globals and locals;
    its line and ``tb_lasti`` give the position of the instruction *frame*
    is executing, so :mod:`traceback` prints CPython's carets.
    """
    return stand_in_entry(
        frame.code, _location(frame), frame.globals, frame.locals, next_entry
    )
