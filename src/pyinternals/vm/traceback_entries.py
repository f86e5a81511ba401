r"""Traceback entries for VM frames, carrying the failing expression's position.

A traceback entry (``Python/traceback.c``, ``PyTraceBack_Here``) names a
frame object and ``tb_lasti``, the byte offset of the instruction that was
running; the :mod:`traceback` module reads that instruction's four
coordinates from the frame's code (``co_positions``) to draw the ``^^^^``
and ``~~~~`` under the failing expression. The VM's frames are not CPython
frame objects, so an entry names a *stand-in*: a frame CPython ran for a
one-call code object with the VM frame's file, function name and globals.
``sys._getframe`` called from VM code gets one too
(:func:`linked_stand_ins`).

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

import functools
import itertools
import sys
import warnings
from collections.abc import Callable, Sequence
from types import CodeType, FrameType, TracebackType
from typing import Any, cast

from pyinternals.compiler.instructions import Location
from pyinternals.compiler.linetable import encode
from pyinternals.vm.frame import Frame

__all__ = [
    "linked_stand_ins",
    "moved_on",
    "stand_in_entry",
    "traceback_entry",
]


def _template() -> CodeType:
    """Return code that calls its first constant: ``sys._getframe`` once filled in."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # calling a literal, on purpose
        return compile("(0)()", "<stand-in>", "eval")


_TEMPLATE = _template()
_TEMPLATE_UNITS = len(_TEMPLATE.co_code) // 2

_POSITIONS: dict[int, tuple[CodeType, list[Location]]] = {}
_STAND_INS: dict[tuple[int, Location, Location], tuple[CodeType, CodeType]] = {}


def _location(frame: Frame, position: int | None = None) -> Location:
    """Return the four coordinates of *frame*'s instruction at *position*.

    By default the instruction *frame* is executing (``frame.lasti``).
    """
    code = frame.code
    cached = _POSITIONS.get(id(code))
    if cached is None or cached[0] is not code:
        known = [
            Location(*(-1 if value is None else value for value in position))
            for position in code.co_positions()
        ]
        cached = _POSITIONS[id(code)] = (code, known)
    index = frame.lasti if position is None else position
    location = cached[1][max(index, 0)]
    if location.lineno < 0:
        line = (
            frame.line if position is None else frame.decoded.line_at(position)
        ) or code.co_firstlineno
        location = Location(line, line, -1, -1)
    return location


def _stand_in_code(
    code: CodeType, location: Location, ended_at: Location | None = None
) -> CodeType:
    """Return the one-call code standing for *code* failing at *location*.

    Its first instruction (the one a traceback entry's ``tb_lasti`` of 0
    names) has *location*; the rest, where the finished stand-in frame
    stops (its ``f_lineno``), have *ended_at*, by default *location* too.
    """
    ended_at = ended_at or location
    key = (id(code), location, ended_at)
    cached = _STAND_INS.get(key)
    if cached is None or cached[0] is not code:
        spans = [(1, location), (_TEMPLATE_UNITS - 1, ended_at)]
        stand_in = _TEMPLATE.replace(
            co_consts=(sys._getframe,),
            co_filename=code.co_filename,
            co_name=code.co_name,
            co_qualname=code.co_qualname,
            co_firstlineno=code.co_firstlineno,
            co_linetable=encode(spans, code.co_firstlineno),
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
    # The stand-in's f_back is this call's frame object, which outlives the
    # call: no local name may hold the stand-in, or the two make a cycle
    # that only the cycle collector frees. The same holds below.
    return TracebackType(
        next_entry,
        eval(_stand_in_code(code, location), globals_, locals_),
        0,
        location.lineno,
    )


def linked_stand_ins(
    frames: Sequence[Frame], namespace_of: Callable[[Frame], Any]
) -> FrameType:
    """Return the stand-in for ``frames[0]``, linked to those of its callers.

    Each is a stand-in like a traceback entry's, with ``namespace_of(frame)``
    as its locals; its ``f_back`` is the stand-in for ``frames[1]``, and so
    on up *frames* (the VM frame's callers, innermost first); the last one's
    is the VM's own frame. The stand-ins run nested, each one's only call
    evaluating the next, so that CPython links them.
    """
    call: Callable[[], Any] = sys._getframe
    for frame in frames:
        code = _stand_in_code(frame.code, _location(frame)).replace(co_consts=(call,))
        call = functools.partial(eval, code, frame.globals, namespace_of(frame))
    return cast(FrameType, call())


def moved_on(
    traceback: TracebackType | None, frame: Frame, position: int
) -> TracebackType | None:
    """Return *traceback* with *frame*'s entry showing where the frame ended.

    A frame that re-raises (the end of a ``finally``, a bare ``raise``) has
    moved on since its entry was made: its frame object's line
    (``f_lineno``) must be where it is left, as a CPython frame's is -- the
    instruction at *position* (a ``RERAISE`` goes back to the one that
    first raised); the entry's own position (``tb_lasti``, ``tb_lineno``)
    stays where the exception was raised.
    """
    if (
        traceback is None
        or traceback.tb_frame.f_globals is not frame.globals
        or traceback.tb_frame.f_code.co_name != frame.code.co_name
    ):
        return traceback
    raised_at = Location(
        *(-1 if value is None else value for value in _first_position(traceback))
    )
    return TracebackType(
        traceback.tb_next,
        eval(
            _stand_in_code(frame.code, raised_at, _location(frame, position)),
            frame.globals,
            traceback.tb_frame.f_locals,
        ),
        0,
        traceback.tb_lineno,
    )


def _first_position(traceback: TracebackType) -> tuple[int | None, ...]:
    """Return the position of the instruction *traceback*'s entry names."""
    positions = traceback.tb_frame.f_code.co_positions()
    return next(itertools.islice(positions, traceback.tb_lasti // 2, None))


def traceback_entry(frame: Frame, next_entry: TracebackType | None) -> TracebackType:
    """Return a traceback entry for the VM's *frame*, in front of *next_entry*.

    Its frame is a stand-in with *frame*'s file, name, globals and locals;
    its line and ``tb_lasti`` give the position of the instruction *frame*
    is executing, so :mod:`traceback` prints CPython's carets.
    """
    return stand_in_entry(
        frame.code, _location(frame), frame.globals, frame.locals, next_entry
    )
