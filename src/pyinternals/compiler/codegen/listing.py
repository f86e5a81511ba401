"""Print a code unit's instruction sequence the way this book shows it.

The code generator's output is not yet bytecode: jumps name labels, some
instructions are pseudo-instructions that only the compiler knows, and
nothing has an offset. ``dis`` cannot print it, so this module does, one
line per label or instruction: the label as ``L1:``, ``L2:``… in the order
they stand in the body; each instruction with its source line (``--`` for
none), a ``*`` when it is a pseudo-instruction, its name and its argument
(a label's name for a jump).

:func:`format_unit` computes the text; the chapter pages print it.

>>> from pyinternals.compiler.instructions import Instr, Label, Location
>>> top, here = Label(), Location(3, 3, 4, 8)
>>> print(format_body([top, Instr("LOAD_FAST", 0, here),
...                    Instr("POP_TOP", None, here), Instr("JUMP", top)]))
L1:
    3  LOAD_FAST              0
    3  POP_TOP
   -- *JUMP                   L1
"""

from __future__ import annotations

from collections.abc import Iterable

from pyinternals.compiler.instructions import CodeUnit, Instr, Label
from pyinternals.compiler.opcodes import PSEUDO

__all__ = ["format_body", "format_unit"]


def format_body(body: Iterable[Instr | Label]) -> str:
    """Return the listing of an instruction sequence, one line per item."""
    items = list(body)
    names = {
        item: f"L{number}"
        for number, item in enumerate(
            (item for item in items if isinstance(item, Label)), start=1
        )
    }
    lines = []
    for item in items:
        if isinstance(item, Label):
            lines.append(f"{names[item]}:")
            continue
        arg = names.get(item.arg, item.arg) if isinstance(item.arg, Label) else item.arg
        mark = "*" if item.opname in PSEUDO else " "
        line = item.location.lineno if item.location.lineno > 0 else "--"
        shown = "" if arg is None else arg
        lines.append(f"  {line:>3} {mark}{item.opname:<22} {shown}".rstrip())
    return "\n".join(lines)


def format_unit(unit: CodeUnit) -> str:
    """Return the listing of *unit*'s body (see the module's description)."""
    return format_body(unit.body)
