"""Argument binding: from a call's positional and keyword arguments to locals.

Before a function's first instruction runs, CPython fills the first slots of
its frame with the arguments (``Python/ceval.c``, ``initialize_locals``):
positional arguments in order, the rest in a ``*args`` tuple, keywords
matched by name or collected in a ``**kwargs`` dict, then defaults
(``__defaults__``, ``__kwdefaults__``) for whatever is still empty. When the
call does not fit, the ``TypeError`` names the function by its qualified name
and says what is wrong, in the same words as CPython's.

>>> def f(a, b=2, /, c=3, *args, d, **kwargs):
...     pass
>>> bind_arguments(f, (1,), {"d": 4, "e": 5})
[1, 2, 3, 4, (), {'e': 5}]
>>> bind_arguments(f, (), {})
Traceback (most recent call last):
    ...
TypeError: f() missing 1 required positional argument: 'a'
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from types import FunctionType
from typing import Any

__all__ = ["bind_arguments"]

_MISSING: Any = object()


def _name_list(names: Sequence[str]) -> str:
    """Quote and join names as CPython's messages do: 'a', 'b', and 'c'."""
    quoted = [f"'{name}'" for name in names]
    if len(quoted) == 1:
        return quoted[0]
    if len(quoted) == 2:
        return f"{quoted[0]} and {quoted[1]}"
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def _missing(function: FunctionType, names: list[str], kind: str) -> TypeError:
    plural = "s" if len(names) > 1 else ""
    return TypeError(
        f"{function.__qualname__}() missing {len(names)} required {kind} "
        f"argument{plural}: {_name_list(names)}"
    )


def _too_many_positional(
    function: FunctionType, given: int, keyword_only_given: int
) -> TypeError:
    code = function.__code__
    defaults = len(function.__defaults__ or ())
    most = code.co_argcount
    if defaults:
        takes = f"from {most - defaults} to {most} positional arguments"
    else:
        takes = f"{most} positional argument{'s' if most != 1 else ''}"
    given_text = str(given)
    if keyword_only_given:
        plural = "s" if keyword_only_given != 1 else ""
        given_text += (
            f" positional argument{'s' if given != 1 else ''}"
            f" (and {keyword_only_given} keyword-only argument{plural})"
        )
    verb = "was" if given == 1 and not keyword_only_given else "were"
    return TypeError(
        f"{function.__qualname__}() takes {takes} but {given_text} {verb} given"
    )


def _unknown_keyword(
    function: FunctionType, name: str, kwargs: Mapping[str, Any]
) -> TypeError:
    """Return the error for a keyword no parameter takes, in CPython's words.

    Positional-only names passed as keywords get their own message, naming
    all of them.
    """
    code = function.__code__
    positional_only = code.co_varnames[: code.co_posonlyargcount]
    conflicts = [keyword for keyword in kwargs if keyword in positional_only]
    if conflicts:
        return TypeError(
            f"{function.__qualname__}() got some positional-only arguments passed as "
            f"keyword arguments: '{', '.join(conflicts)}'"
        )
    return TypeError(
        f"{function.__qualname__}() got an unexpected keyword argument '{name}'"
    )


def bind_arguments(
    function: FunctionType, args: Sequence[Any], kwargs: Mapping[str, Any] | None
) -> list[Any]:
    """Return the values of *function*'s parameter slots for this call.

    The list holds, in ``co_varnames`` order, the positional parameters, the
    keyword-only ones, then the ``*args`` tuple and the ``**kwargs`` dict
    when the function has them: exactly the first slots of its frame.
    Raises :class:`TypeError` with CPython's message when the call does not
    fit the signature.

    >>> def g(x, *rest, key=None):
    ...     pass
    >>> bind_arguments(g, (1, 2, 3), {"key": "k"})
    [1, 'k', (2, 3)]
    >>> bind_arguments(g, (), {"y": 1})
    Traceback (most recent call last):
        ...
    TypeError: g() got an unexpected keyword argument 'y'
    """
    code = function.__code__
    positional_count = code.co_argcount
    positional_only = code.co_posonlyargcount
    keyword_only = code.co_kwonlyargcount
    has_varargs = bool(code.co_flags & inspect.CO_VARARGS)
    has_varkeywords = bool(code.co_flags & inspect.CO_VARKEYWORDS)
    names = code.co_varnames
    named_count = positional_count + keyword_only
    slots: list[Any] = [_MISSING] * named_count

    for position, value in enumerate(args[:positional_count]):
        slots[position] = value
    extra_keywords: dict[str, Any] = {}
    for name, value in (kwargs or {}).items():
        if not isinstance(name, str):
            raise TypeError(f"{function.__qualname__}() keywords must be strings")
        try:
            position = names.index(name, positional_only, named_count)
        except ValueError:
            if not has_varkeywords:
                raise _unknown_keyword(function, name, kwargs or {}) from None
            extra_keywords[name] = value
            continue
        if slots[position] is not _MISSING:
            raise TypeError(
                f"{function.__qualname__}() got multiple values for argument '{name}'"
            )
        slots[position] = value
    extra_positional = tuple(args[positional_count:])
    if extra_positional and not has_varargs:
        keyword_only_given = sum(
            1 for value in slots[positional_count:] if value is not _MISSING
        )
        raise _too_many_positional(function, len(args), keyword_only_given)

    defaults = function.__defaults__ or ()
    first_default = positional_count - len(defaults)
    for position in range(first_default, positional_count):
        if slots[position] is _MISSING:
            slots[position] = defaults[position - first_default]
    missing = [names[i] for i in range(positional_count) if slots[i] is _MISSING]
    if missing:
        raise _missing(function, missing, "positional")
    keyword_defaults = function.__kwdefaults__ or {}
    for position in range(positional_count, named_count):
        if slots[position] is _MISSING and names[position] in keyword_defaults:
            slots[position] = keyword_defaults[names[position]]
    missing = [
        names[i] for i in range(positional_count, named_count) if slots[i] is _MISSING
    ]
    if missing:
        raise _missing(function, missing, "keyword-only")

    if has_varargs:
        slots.append(extra_positional)
    if has_varkeywords:
        slots.append(extra_keywords)
    return slots
