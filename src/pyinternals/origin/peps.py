"""The PEP process seen from the running interpreter.

Two records of PEPs ship with every CPython. ``Lib/__future__.py`` lists each
language change that was introduced behind ``from __future__ import ...``
with the release that made it optional and the one that made it mandatory.
And the grammar and the builtins themselves show which accepted PEPs a given
interpreter implements: this module keeps a table of landmark PEPs, each with
the release that shipped it and a *probe* that detects it in the running
interpreter, so that Chapter 1 can check the table against the interpreter.
"""

from __future__ import annotations
import __future__

import ast
import builtins
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "FUTURE_PEPS",
    "LANDMARK_PEPS",
    "FutureFeature",
    "LandmarkPEP",
    "future_features",
    "release",
]

FUTURE_PEPS: dict[str, int] = {
    "nested_scopes": 227,
    "generators": 255,
    "division": 238,
    "absolute_import": 328,
    "with_statement": 343,
    "print_function": 3105,
    "unicode_literals": 3112,
    "barry_as_FLUFL": 401,
    "generator_stop": 479,
    "annotations": 563,
}
"""The PEP that introduced each ``__future__`` feature (from each PEP's text)."""


def release(version_info: tuple[int, int, int, str, int] | None) -> str | None:
    """Format a ``__future__`` release tuple the way release notes write it.

    >>> release((2, 2, 0, "alpha", 2))
    '2.2a2'
    >>> release((3, 0, 0, "final", 0))
    '3.0'
    >>> release(None) is None
    True
    """
    if version_info is None:
        return None
    major, minor, micro, level, serial = version_info
    number = f"{major}.{minor}" + (f".{micro}" if micro else "")
    suffix = {"alpha": "a", "beta": "b", "candidate": "rc"}.get(level)
    return number if suffix is None else f"{number}{suffix}{serial}"


@dataclass(frozen=True)
class FutureFeature:
    """One ``__future__`` feature: its PEP and the releases it went through."""

    name: str
    pep: int
    optional: str | None
    mandatory: str | None
    compiler_flag: int


def future_features() -> list[FutureFeature]:
    """Read every feature of ``__future__``, in the order the module lists them.

    >>> division = future_features()[2]
    >>> division.name, division.pep, division.optional, division.mandatory
    ('division', 238, '2.2a2', '3.0a0')
    """
    features = []
    for name in __future__.all_feature_names:
        feature: __future__._Feature = getattr(__future__, name)
        features.append(
            FutureFeature(
                name=name,
                pep=FUTURE_PEPS[name],
                optional=release(feature.getOptionalRelease()),
                mandatory=release(feature.getMandatoryRelease()),
                compiler_flag=feature.compiler_flag,
            )
        )
    return features


def _compiles(source: str) -> bool:
    """Return whether ``source`` is valid syntax for the running interpreter."""
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


@dataclass(frozen=True)
class LandmarkPEP:
    """An accepted PEP, the release that shipped it and a probe that detects it."""

    number: int
    title: str
    shipped_in: tuple[int, int]
    probe: Callable[[], bool]

    def present(self) -> bool:
        """Run the probe in the running interpreter."""
        return self.probe()

    def expected(self, version: tuple[int, int] | None = None) -> bool:
        """Say whether an interpreter of ``version`` (default: this one) has it."""
        running = (sys.version_info.major, sys.version_info.minor)
        return (version or running) >= self.shipped_in


LANDMARK_PEPS: tuple[LandmarkPEP, ...] = (
    LandmarkPEP(3105, "Make print a function", (3, 0), lambda: callable(print)),
    LandmarkPEP(238, "Changing the division operator", (3, 0), lambda: 1 / 2 == 0.5),
    LandmarkPEP(
        484,
        "Type hints",
        (3, 5),
        lambda: importlib.util.find_spec("typing") is not None,
    ),
    LandmarkPEP(
        492,
        "Coroutines with async and await syntax",
        (3, 5),
        lambda: _compiles("async def f():\n    await g()"),
    ),
    LandmarkPEP(498, "Literal string interpolation", (3, 6), lambda: _compiles("f''")),
    LandmarkPEP(572, "Assignment expressions", (3, 8), lambda: _compiles("(x := 1)")),
    LandmarkPEP(
        634,
        "Structural pattern matching",
        (3, 10),
        lambda: _compiles("match x:\n    case 1:\n        pass"),
    ),
    LandmarkPEP(
        654,
        "Exception groups and except*",
        (3, 11),
        lambda: hasattr(builtins, "ExceptionGroup"),
    ),
    LandmarkPEP(
        695, "Type parameter syntax", (3, 12), lambda: _compiles("type Pair = tuple")
    ),
    LandmarkPEP(
        701,
        "Syntactic formalization of f-strings",
        (3, 12),
        lambda: _compiles("f'{'quotes may nest'}'"),
    ),
    LandmarkPEP(
        594,
        "Removing dead batteries from the standard library",
        (3, 13),
        lambda: "cgi" not in sys.stdlib_module_names,
    ),
    LandmarkPEP(
        703,
        "Making the global interpreter lock optional",
        (3, 13),
        lambda: hasattr(sys, "_is_gil_enabled"),
    ),
)
"""Landmark PEPs in the order they shipped; ``probe`` runs here and now."""
