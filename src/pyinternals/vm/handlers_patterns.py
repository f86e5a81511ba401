r"""Opcode handlers for ``match`` statements and ``except*`` clauses.

A ``match`` statement compiles to tests on the subject: ``MATCH_SEQUENCE``
and ``MATCH_MAPPING`` read type flags, ``MATCH_KEYS`` fetches a mapping's
values and ``MATCH_CLASS`` a class pattern's attributes (``Python/ceval.c``,
``match_keys`` and ``match_class``). ``except*`` splits an exception group
with ``CHECK_EG_MATCH`` and, after the clauses ran, ``PREP_RERAISE_STAR``
(3.13: an intrinsic) assembles what is left to re-raise
(``Objects/exceptions.c``, ``_PyExc_PrepReraiseStar``).

>>> from pyinternals.vm.machine import exec_source
>>> source = "match {'k': [1, 2]}:\n    case {'k': [a, *b]}:\n        found = a, b\n"
>>> exec_source(source)["found"]
(1, [2])
"""

from __future__ import annotations

import sys
from typing import Any

from pyinternals.vm.frame import Frame, Instruction
from pyinternals.vm.interpreter import EvalLoop

__all__ = ["PatternHandlers", "prepare_reraise_star"]

_AFTER_311 = sys.version_info >= (3, 12)
_SEQUENCE_FLAG = 1 << 5
_MAPPING_FLAG = 1 << 6
_MATCH_SELF_FLAG = 1 << 22
_MISSING: Any = object()


def _match_keys(subject: Any, keys: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """Return the subject's values for *keys*, or ``None`` if one is missing."""
    if not keys:
        return ()
    get = subject.get
    seen: list[Any] = []
    values = []
    for key in keys:
        if key in seen:
            raise ValueError(f"mapping pattern checks duplicate key ({key!r})")
        seen.append(key)
        value = get(key, _MISSING)
        if value is _MISSING:
            return None
        values.append(value)
    return tuple(values)


def _match_class(
    subject: Any, cls: Any, positional: int, names: tuple[str, ...]
) -> tuple[Any, ...] | None:
    """Return the attributes a class pattern extracts, or ``None``: no match."""
    if not isinstance(cls, type):
        noun = "class" if _AFTER_311 else "type"
        raise TypeError(f"called match pattern must be a {noun}")
    if not isinstance(subject, cls):
        return None
    seen: set[str] = set()
    attributes: list[Any] = []

    def attribute(name: str) -> Any:
        if name in seen:
            raise TypeError(
                f"{cls.__name__}() got multiple sub-patterns for attribute {name!r}"
            )
        seen.add(name)
        return getattr(subject, name, _MISSING)

    if positional:
        match_args = getattr(cls, "__match_args__", _MISSING)
        match_self = False
        if match_args is _MISSING:
            match_self = bool(cls.__flags__ & _MATCH_SELF_FLAG)
            match_args = ()
        elif not isinstance(match_args, tuple):
            raise TypeError(
                f"{cls.__name__}.__match_args__ must be a tuple "
                f"(got {type(match_args).__name__})"
            )
        allowed = 1 if match_self else len(match_args)
        if allowed < positional:
            plural = "" if allowed == 1 else "s"
            raise TypeError(
                f"{cls.__name__}() accepts {allowed} positional sub-pattern{plural} "
                f"({positional} given)"
            )
        if match_self:
            attributes.append(subject)
        else:
            for name in match_args[:positional]:
                if not isinstance(name, str):
                    raise TypeError(
                        "__match_args__ elements must be strings "
                        f"(got {type(name).__name__})"
                    )
                value = attribute(name)
                if value is _MISSING:
                    return None
                attributes.append(value)
    for name in names:
        value = attribute(name)
        if value is _MISSING:
            return None
        attributes.append(value)
    return tuple(attributes)


def _leaf_ids(exception: BaseException | None, into: set[int]) -> None:
    if exception is None:
        return
    if isinstance(exception, BaseExceptionGroup):
        for inner in exception.exceptions:
            _leaf_ids(inner, into)
    else:
        into.add(id(exception))


def _same_metadata(first: BaseException, second: BaseException) -> bool:
    return (
        getattr(first, "__notes__", None) is getattr(second, "__notes__", None)
        and first.__traceback__ is second.__traceback__
        and first.__cause__ is second.__cause__
        and first.__context__ is second.__context__
    )


def prepare_reraise_star(original: Any, raised: list[Any]) -> Any:
    """Return what an ``except*`` statement re-raises, or ``None``.

    *raised* holds what each clause ended with (``None`` for a clause that
    finished normally). Exceptions re-raised unchanged are put back in the
    shape of the *original* group; new ones are grouped with them.

    >>> group = ExceptionGroup("g", [ValueError(1), KeyError(2)])
    >>> values, rest = group.split(ValueError)
    >>> prepare_reraise_star(group, [values, None]).exceptions
    (ValueError(1),)
    """
    if not raised:
        return None
    if not isinstance(original, BaseExceptionGroup):
        return raised[0]
    new: list[BaseException] = []
    reraised: list[BaseException] = []
    for exception in raised:
        if exception is None:
            continue
        (reraised if _same_metadata(exception, original) else new).append(exception)
    keep: set[int] = set()
    for exception in reraised:
        _leaf_ids(exception, keep)
    projection = original.split(lambda leaf: id(leaf) in keep)[0] if keep else None
    if not new:
        return projection
    if projection is not None:
        new.append(projection)
    return new[0] if len(new) == 1 else BaseExceptionGroup("", new)


class PatternHandlers(EvalLoop):
    """Handlers for structural pattern matching and ``except*``."""

    def op_MATCH_SEQUENCE(self, frame: Frame, instruction: Instruction) -> None:
        """Push whether the subject's type is a sequence for ``match``."""
        frame.stack.append(bool(type(frame.stack[-1]).__flags__ & _SEQUENCE_FLAG))

    def op_MATCH_MAPPING(self, frame: Frame, instruction: Instruction) -> None:
        """Push whether the subject's type is a mapping for ``match``."""
        frame.stack.append(bool(type(frame.stack[-1]).__flags__ & _MAPPING_FLAG))

    def op_MATCH_KEYS(self, frame: Frame, instruction: Instruction) -> None:
        """Push the subject's values for the key tuple on top, or ``None``."""
        frame.stack.append(_match_keys(frame.stack[-2], frame.stack[-1]))

    def op_MATCH_CLASS(self, frame: Frame, instruction: Instruction) -> None:
        """Replace subject, class and names by the attributes matched, or ``None``."""
        names = frame.stack.pop()
        cls = frame.stack.pop()
        subject = frame.stack.pop()
        frame.stack.append(_match_class(subject, cls, instruction.arg, names))

    def op_CHECK_EG_MATCH(self, frame: Frame, instruction: Instruction) -> None:
        """Split the exception by the popped ``except*`` type: push rest, match."""
        clause = frame.stack.pop()
        exception = frame.stack.pop()
        for kind in clause if isinstance(clause, tuple) else (clause,):
            if not (isinstance(kind, type) and issubclass(kind, BaseException)):
                raise TypeError(
                    "catching classes that do not inherit from BaseException is not "
                    "allowed"
                )
            if issubclass(kind, BaseExceptionGroup):
                raise TypeError(
                    "catching ExceptionGroup with except* is not allowed. Use except "
                    "instead."
                )
        match: Any
        rest: Any
        if isinstance(exception, clause):
            if isinstance(exception, BaseExceptionGroup):
                match = exception
            else:
                match = BaseExceptionGroup("", (exception,))
                match.__traceback__ = exception.__traceback__
            rest = None
        elif isinstance(exception, BaseExceptionGroup):
            match, rest = exception.split(clause)
        else:
            match, rest = None, exception
        frame.stack.append(rest)
        frame.stack.append(match)
        if match is not None:
            self.handled_exceptions[-1] = match

    def op_PREP_RERAISE_STAR(self, frame: Frame, instruction: Instruction) -> None:
        """3.11: replace the original group and the clauses' list by what to raise."""
        raised = frame.stack.pop()
        original = frame.stack.pop()
        frame.stack.append(prepare_reraise_star(original, raised))

    def op_CALL_INTRINSIC_2(self, frame: Frame, instruction: Instruction) -> None:
        """3.13: apply the two-argument intrinsic ``arg`` names (``except*``'s)."""
        if instruction.arg != 1:
            self._unsupported(frame, instruction)
        self.op_PREP_RERAISE_STAR(frame, instruction)
