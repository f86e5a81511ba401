"""The outcome of comparing one part of the front end with CPython's."""

from dataclasses import dataclass

__all__ = ["Verdict"]


@dataclass(frozen=True)
class Verdict:
    """How our part and CPython's handled one file.

    *cpython_accepts* says whether CPython's own part accepted the file (a
    file it rejects agrees when ours rejects it too); *detail* names the
    first difference, for the session's list of disagreements.

    >>> Verdict(agrees=True, cpython_accepts=True)
    Verdict(agrees=True, cpython_accepts=True, detail='')
    """

    agrees: bool
    cpython_accepts: bool
    detail: str = ""
