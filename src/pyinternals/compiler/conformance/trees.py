"""Our parser against :func:`ast.parse`, on the raw bytes of one file.

The trees are compared through ``ast.dump(tree, include_attributes=True)``,
so every field and every position must agree; where CPython raises
:class:`SyntaxError`, ours must raise one too, on the same line.
"""

from __future__ import annotations

import ast
import warnings

from pyinternals.compiler.conformance.verdict import Verdict
from pyinternals.compiler.parser import parse

__all__ = ["compare", "cpython_parser_refuses"]


def _first_difference(ours: str, theirs: str) -> str:
    index = next(
        (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
        min(len(ours), len(theirs)),
    )
    start = max(0, index - 60)
    return f"ours …{ours[start : index + 40]!r} vs …{theirs[start : index + 40]!r}"


def cpython_parser_refuses(source: bytes, filename: str) -> bool:
    r"""Say whether CPython's parser (:func:`ast.parse`) refuses *source*.

    The later parts (symbol tables, folding) leave the verdict on such files
    to :func:`compare`: neither CPython's stage nor ours ever runs on them.

    >>> cpython_parser_refuses(b"x = (\n", "x.py")
    True
    >>> cpython_parser_refuses(b"x = 1\n", "x.py")
    False
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(source, filename)
        except SyntaxError:
            return True
        except (ValueError, MemoryError, RecursionError):
            return False
    return False


def compare(source: bytes, filename: str) -> Verdict:
    r"""Parse *source* with ours and with :func:`ast.parse`, and compare.

    Never raises: an unexpected exception of ours is a disagreement.

    >>> compare(b"x = [1, 2]\n", "x.py")
    Verdict(agrees=True, cpython_accepts=True, detail='')
    >>> compare(b"x = (\n", "x.py").agrees
    True
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = ast.dump(ast.parse(source, filename), include_attributes=True)
            cpython_error: SyntaxError | None = None
        except SyntaxError as error:
            expected, cpython_error = "", error
        except (ValueError, MemoryError, RecursionError) as error:
            return Verdict(True, False, f"CPython raised {type(error).__name__}")
        try:
            got = ast.dump(parse(source, filename), include_attributes=True)
            our_error: SyntaxError | None = None
        except SyntaxError as error:
            got, our_error = "", error
        except Exception as error:  # any failure of ours is a disagreement
            return Verdict(
                False,
                cpython_error is None,
                f"{type(error).__name__}: {error}"[:300],
            )
    if cpython_error is None:
        if our_error is not None:
            return Verdict(
                False,
                True,
                f"we raised {type(our_error).__name__} {our_error.msg!r} "
                f"at line {our_error.lineno}",
            )
        if got != expected:
            return Verdict(False, True, _first_difference(got, expected))
        return Verdict(True, True)
    if our_error is None:
        return Verdict(
            False, False, f"CPython raised {cpython_error.msg!r}, we did not"
        )
    if our_error.lineno != cpython_error.lineno:
        return Verdict(
            False,
            False,
            f"line {our_error.lineno} vs {cpython_error.lineno}: "
            f"{our_error.msg!r} vs {cpython_error.msg!r}",
        )
    detail = ""
    if our_error.msg != cpython_error.msg:
        detail = f"message {our_error.msg!r} vs {cpython_error.msg!r}"
    return Verdict(True, False, detail)
