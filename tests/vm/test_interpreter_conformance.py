"""Behaviours CPython's own test modules found wrong in the VM, each now agreeing.

Every snippet is run on CPython and on the VM and the outcomes compared
(stdout, value, exception type and message).
"""

import textwrap

import pytest

from pyinternals.vm.differential import compare

SNIPPETS = {
    "context_chain_with_a_cycle": """
        def cycle():
            try:
                raise ValueError(1)
            except ValueError as ex:
                ex.__context__ = ex
                raise TypeError(2)
        try:
            cycle()
        except Exception as e:
            exc = e
        context = exc.__context__
        print(type(exc), type(context), context.__context__ is context)
        a, b = ValueError("a"), KeyError("b")
        a.__context__, b.__context__ = b, a
        try:
            try:
                raise a
            except ValueError:
                raise RuntimeError("c")
        except RuntimeError as c:
            print(repr(c.__context__), repr(c.__context__.__context__))
    """,
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_snippet_agrees(name: str) -> None:
    result = compare(textwrap.dedent(SNIPPETS[name]).lstrip())
    assert result.agree, f"\nCPython: {result.expected}\nVM:      {result.actual}"
