"""The tokenizer compared with :mod:`tokenize` on one file.

:func:`compare` runs :func:`~pyinternals.compiler.tokenizer.tokenize_bytes`
and :func:`tokenize.tokenize` on the same bytes and checks that they give the
same tokens (type, string, start, end, line) or, where the standard library
refuses the file, an exception of the same class.
"""

import io
import tokenize
import warnings
from collections.abc import Callable, Iterator

from pyinternals.compiler.conformance.verdict import Verdict
from pyinternals.compiler.tokenizer import tokenize_bytes

__all__ = ["compare"]

_Outcome = tuple[list[tuple[object, ...]], BaseException | None]


def _run(tokens: Callable[[], Iterator[tokenize.TokenInfo]]) -> _Outcome:
    """Collect the tokens a tokenizer produced, and the error that ended it."""
    produced: list[tuple[object, ...]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            produced.extend(tuple(token) for token in tokens())
        except Exception as error:  # any failure is part of the outcome
            return produced, error
    return produced, None


def _first_difference(ours: _Outcome, theirs: _Outcome) -> str:
    our_tokens, our_error = ours
    their_tokens, their_error = theirs
    for index, (mine, real) in enumerate(zip(our_tokens, their_tokens, strict=False)):
        if mine != real:
            return f"token {index}: ours {mine!r}, tokenize {real!r}"
    if len(our_tokens) != len(their_tokens):
        return (
            f"ours gave {len(our_tokens)} tokens ({our_error!r}), "
            f"tokenize {len(their_tokens)} ({their_error!r})"
        )
    return f"ours raised {our_error!r}, tokenize raised {their_error!r}"


def compare(source: bytes, filename: str) -> Verdict:
    r"""Compare our token stream for *source* with :func:`tokenize.tokenize`'s.

    *filename* names the file in nothing but the verdict's detail.  Never
    raises: an exception of ours is a disagreement.

    >>> compare(b"x = 1\n", "example.py")
    Verdict(agrees=True, cpython_accepts=True, detail='')
    >>> compare(b"x = '''\n", "broken.py").cpython_accepts
    False
    """
    theirs = _run(lambda: tokenize.tokenize(io.BytesIO(source).readline))
    ours = _run(lambda: tokenize_bytes(source))
    accepts = theirs[1] is None
    same_tokens = ours[0] == theirs[0]
    same_error = type(ours[1]) is type(theirs[1])
    if same_tokens and same_error:
        return Verdict(agrees=True, cpython_accepts=accepts)
    return Verdict(
        agrees=False,
        cpython_accepts=accepts,
        detail=f"{filename}: {_first_difference(ours, theirs)}",
    )
