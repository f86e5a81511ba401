"""Source text to :mod:`ast` trees.

Interim: this module delegates to :func:`ast.parse` until the PEG parser
lands, so that the passes built on trees can be written against a stable
function.
"""

import ast

__all__ = ["parse"]


def parse(
    source: str | bytes, filename: str = "<unknown>", mode: str = "exec"
) -> ast.mod:
    """Parse *source* into an :mod:`ast` tree, with positions.

    >>> type(parse("x = 1")).__name__
    'Module'
    """
    tree: ast.mod = ast.parse(source, filename, mode)
    return tree
