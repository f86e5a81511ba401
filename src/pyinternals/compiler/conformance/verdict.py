"""The outcome of comparing one part of the compiler with CPython's on a file."""

from dataclasses import dataclass

__all__ = ["Verdict"]


@dataclass(frozen=True)
class Verdict:
    """How our part and CPython's handled one file.

    *cpython_accepts* says whether CPython's own part accepted the file (a
    file it rejects agrees when ours rejects it too); *detail* names the
    first difference, for the session's list of disagreements.

    Parts that judge each code object of a file (the back end's) also say
    how many they compared (*code_objects*) and how many of those agreed
    (*code_agreed*), with one short *reasons* entry per code object that did
    not, so that a report can count kinds of difference.

    >>> Verdict(agrees=True, cpython_accepts=True)
    Verdict(agrees=True, cpython_accepts=True, detail='')
    >>> Verdict(False, True, "f: co_code", code_objects=3, code_agreed=2).code_agreed
    2
    """

    agrees: bool
    cpython_accepts: bool
    detail: str = ""
    code_objects: int = 0
    code_agreed: int = 0
    reasons: tuple[str, ...] = ()

    def __repr__(self) -> str:
        """Show the per-code-object figures only when there are some."""
        shown = f"agrees={self.agrees}, cpython_accepts={self.cpython_accepts}, "
        shown += f"detail={self.detail!r}"
        if self.code_objects:
            shown += f", code_objects={self.code_objects}"
            shown += f", code_agreed={self.code_agreed}, reasons={self.reasons!r}"
        return f"Verdict({shown})"
