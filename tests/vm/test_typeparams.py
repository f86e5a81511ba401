"""PEP 695 type parameters on the VM against CPython (3.12+; 3.11 rejects them)."""

import sys
import textwrap

import pytest

from pyinternals.vm.differential import compare

PROGRAMS = {
    "type_alias_is_lazy": """
        type Tree = list[Tree] | int
        print(Tree.__name__, Tree.__value__, Tree.__module__, Tree.__type_params__)
    """,
    "generic_alias": """
        type Pair[K, V] = tuple[K, V]
        print(Pair.__type_params__, Pair[int, str], Pair.__value__)
    """,
    "generic_function": """
        def first[T: int, *Ts, **P](x: T, *rest: *Ts) -> T:
            return x
        print(first(3), first.__type_params__, first.__annotations__)
        T = first.__type_params__[0]
        print(T.__bound__, T.__infer_variance__, T.__covariant__)
    """,
    "constraints": """
        def pick[S: (int, str)](x: S) -> S:
            return x
        print(pick.__type_params__[0].__constraints__, pick("a"))
    """,
    "generic_classes": """
        class Box[T]:
            def __init__(self, item: T) -> None:
                self.item = item
            def get(self) -> T:
                return self.item
        print(Box.__type_params__, Box[int], Box(2).get(), Box.__mro__)
        class Row[*Ts, **P]:
            pass
        print(Row.__type_params__, Row.__parameters__)
        class Named[T](dict[str, T]):
            pass
        print(Named.__orig_bases__, Named.__parameters__)
    """,
    "defaults_pep_696": """
        def f[T = int, *Ts = *tuple[int, ...], **P = [str]]():
            pass
        print([(p, p.__default__) for p in f.__type_params__])
    """,
}

FIRST_VERSION = {"defaults_pep_696": (3, 13)}
"""The version whose grammar first accepts a program, if not 3.12."""


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_the_vm_agrees_with_cpython(name: str) -> None:
    comparison = compare(textwrap.dedent(PROGRAMS[name]))
    assert comparison.actual == comparison.expected
    runs = sys.version_info >= FIRST_VERSION.get(name, (3, 12))
    assert (comparison.expected.error == "") == runs, comparison.expected.error
