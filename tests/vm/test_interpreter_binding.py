"""Argument binding against CPython's: the same slots, or the same TypeError."""

import itertools
import sys
from typing import Any

import pytest

from pyinternals.vm.binding import bind_arguments

SIGNATURES = [
    "",
    "a",
    "a, b",
    "a, b=2",
    "a=1, b=2",
    "a, /",
    "a, b=2, /, c=3",
    "a, /, b, *, c",
    "*args",
    "a, *args",
    "**kwargs",
    "a, **kwargs",
    "a, /, **kwargs",
    "*, k",
    "*, k=1, m",
    "a, b=2, /, c=3, *args, d, e=5, **kwargs",
    "a, *args, k, **kwargs",
]

CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    ((), {}),
    ((1,), {}),
    ((1, 2), {}),
    ((1, 2, 3, 4), {}),
    ((), {"a": 1}),
    ((1,), {"a": 1}),
    ((1,), {"b": 2, "k": 3}),
    ((), {"a": 1, "b": 2, "c": 3, "d": 4}),
    ((1, 2), {"m": 0, "k": 1}),
    ((1,), {"zzz": 1}),
    ((1, 2, 3), {"c": 3, "d": 4}),
    ((1, 2, 3, 4, 5), {"k": 1}),
]


def _function(signature: str) -> Any:
    namespace: dict[str, Any] = {}
    # locals() lists the parameters in slot (co_varnames) order
    exec(f"def f({signature}):\n    return [*locals().values()]\n", namespace)
    return namespace["f"]


def _bind_with_cpython(
    function: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    try:
        return function(*args, **kwargs)
    except TypeError as error:
        return str(error)


def _bind_with_ours(
    function: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    try:
        return bind_arguments(function, args, kwargs)
    except TypeError as error:
        return str(error)


def _suggestion_of_313(expected: Any) -> bool:
    return sys.version_info >= (3, 13) and "Did you mean" in str(expected)


@pytest.mark.parametrize(
    ("signature", "call"), list(itertools.product(SIGNATURES, CALLS))
)
def test_binding_agrees_with_cpython(
    signature: str, call: tuple[tuple[Any, ...], dict[str, Any]]
) -> None:
    function = _function(signature)
    args, kwargs = call
    expected = _bind_with_cpython(function, args, kwargs)
    actual = _bind_with_ours(function, args, kwargs)
    if _suggestion_of_313(expected):
        assert str(expected).startswith(str(actual) + ". Did you mean")
    else:
        assert actual == expected


def test_keywords_must_be_strings() -> None:
    function = _function("**kwargs")
    with pytest.raises(TypeError, match="keywords must be strings"):
        bind_arguments(function, (), {1: 2})  # type: ignore[dict-item]


def test_defaults_are_the_functions_own_objects() -> None:
    marker: list[int] = []
    namespace: dict[str, Any] = {"marker": marker}
    exec("def f(a=marker, *, b=marker):\n    pass\n", namespace)
    slots = bind_arguments(namespace["f"], (), {})
    assert slots[0] is marker
    assert slots[1] is marker
