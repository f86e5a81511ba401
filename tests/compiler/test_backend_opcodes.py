import dis
import itertools
import opcode

import pytest

from pyinternals.compiler import opcodes

NAMES = sorted(
    name for name in opcode.opmap if name in opcodes.REAL or name in opcodes.PSEUDO
)
OPARGS = [*range(0, 300), 0x1FF, 0x3FF, 0xFFFF, 0x10000, 0x12345]


def _dis_effect(name, oparg, jump):
    try:
        return dis.stack_effect(opcode.opmap[name], oparg, jump=jump)
    except ValueError:
        return None


def _our_effect(name, oparg, jump):
    try:
        return opcodes.stack_effect(name, oparg, jump=jump)
    except ValueError:
        return None


def _dis_wants_arg(name):
    # dis.stack_effect wants an oparg for every opcode at or above
    # HAVE_ARGUMENT, pseudo-instructions included.
    return opcode.opmap[name] >= opcode.HAVE_ARGUMENT


@pytest.mark.parametrize("name", NAMES)
def test_stack_effect_matches_dis(name):
    for oparg in OPARGS if _dis_wants_arg(name) else [None]:
        ours = oparg if opcodes.has_arg(name) else None
        for jump in (None, True, False):
            assert _our_effect(name, ours, jump) == _dis_effect(name, oparg, jump), (
                name,
                oparg,
                jump,
            )


@pytest.mark.parametrize("name", NAMES)
def test_a_missing_or_extra_argument_is_refused(name):
    wrong = None if opcodes.has_arg(name) else 0
    with pytest.raises(ValueError, match=r"does not fit|no stack effect"):
        opcodes.stack_effect(name, wrong)


def test_has_arg_agrees_with_the_opcode_module():
    for name in NAMES:
        if name in opcodes.REAL and hasattr(opcode, "hasarg"):
            assert opcodes.has_arg(name) == (opcode.opmap[name] in opcode.hasarg)
        elif name in opcodes.REAL:
            assert opcodes.has_arg(name) == (opcode.opmap[name] >= opcode.HAVE_ARGUMENT)


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="no stack effect"):
        opcodes.stack_effect("NOT_AN_OPCODE", 0)


def test_kinds_are_consistent():
    assert opcodes.UNCONDITIONAL_JUMPS <= opcodes.JUMPS
    assert not opcodes.CONDITIONAL_JUMPS & opcodes.UNCONDITIONAL_JUMPS
    assert opcodes.BLOCK_PUSHES <= opcodes.HAS_TARGET
    assert not opcodes.BLOCK_PUSHES & opcodes.TERMINATORS
    assert opcodes.BACKWARD_JUMPS <= opcodes.JUMPS
    for name in opcodes.JUMPS & set(opcodes.REAL):
        assert opcode.opmap[name] in opcode.hasjrel
    for pseudo, targets in opcodes.PSEUDO.items():
        assert pseudo not in opcodes.REAL
        assert all(target in opcodes.REAL for target in targets)


def test_cache_entries_match_dis():
    def f(a):
        return a.b(len(a))

    code = f.__code__
    instructions = list(dis.get_instructions(code))
    for here, after in itertools.pairwise(instructions):
        expected = (after.offset - here.offset) // 2 - 1
        assert opcodes.cache_entries(here.opname) == expected
