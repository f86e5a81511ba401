import sys

import pytest

from pyinternals.compiler.cfg import build
from pyinternals.compiler.instructions import Instr, Label
from pyinternals.compiler.stackdepth import calculate_stackdepth

EVERY_LABEL_CUTS = sys.version_info < (3, 12)


def shape(graph):
    return [[instr.opname for instr in block.instructions] for block in graph]


def test_a_block_ends_after_a_jump_and_after_a_return():
    done = Label()
    graph = build(
        [
            Instr("LOAD_FAST", 0),
            Instr("POP_JUMP_IF_TRUE", done),
            Instr("LOAD_CONST", 0),
            Instr("RETURN_VALUE", None),
            Instr("NOP", None),
            done,
            Instr("LOAD_CONST", 0),
            Instr("RETURN_VALUE", None),
        ]
    )
    assert shape(graph) == [
        ["LOAD_FAST", "POP_JUMP_IF_TRUE"],
        ["LOAD_CONST", "RETURN_VALUE"],
        ["NOP"],
        ["LOAD_CONST", "RETURN_VALUE"],
    ]
    blocks = list(graph)
    assert blocks[0].instructions[-1].target is blocks[3]
    assert blocks[3].labelled
    assert not blocks[1].labelled


def test_a_label_nothing_jumps_to_cuts_only_on_3_11():
    graph = build([Instr("NOP", None), Label(), Instr("RETURN_VALUE", None)])
    expected = (
        [["NOP"], ["RETURN_VALUE"]] if EVERY_LABEL_CUTS else [["NOP", "RETURN_VALUE"]]
    )
    assert shape(graph) == expected


def test_labels_at_one_place():
    first, second = Label(), Label()
    graph = build(
        [
            Instr("LOAD_FAST", 0),
            Instr("POP_JUMP_IF_TRUE", first),
            Instr("LOAD_FAST", 0),
            Instr("POP_JUMP_IF_TRUE", second),
            first,
            second,
            Instr("RETURN_VALUE", None),
        ]
    )
    jumps = [block.instructions[-1] for block in list(graph)[:2]]
    if EVERY_LABEL_CUTS:
        # 3.11 makes a block per label: the first is left empty.
        assert jumps[0].target.instructions == []
        assert jumps[0].target.next is jumps[1].target
    else:
        assert jumps[0].target is jumps[1].target


def test_blocks_remember_the_order_their_labels_were_made_in():
    # 3.11 runs some passes over its blocks newest first.
    late, early = Label(), Label()
    graph = build(
        [
            Instr("LOAD_FAST", 0),
            Instr("POP_JUMP_IF_TRUE", early),
            late,
            Instr("LOAD_FAST", 0),
            Instr("POP_JUMP_IF_TRUE", late),
            early,
            Instr("RETURN_VALUE", None),
        ]
    )
    entry, made_first, made_second = graph
    assert graph.newest_first() == [made_second, made_first, entry]


def test_a_jump_to_a_label_not_in_the_body_is_refused():
    with pytest.raises(ValueError, match="not in the body"):
        build([Instr("JUMP", Label())])


def test_a_label_must_be_followed_by_an_instruction():
    with pytest.raises(ValueError, match="no instruction follows"):
        build([Instr("RETURN_VALUE", None), Label()])


def test_stack_depth_takes_the_deepest_path():
    other = Label()
    graph = build(
        [
            Instr("LOAD_FAST", 0),
            Instr("POP_JUMP_IF_TRUE", other),
            Instr("LOAD_FAST", 0),
            Instr("LOAD_FAST", 0),
            Instr("LOAD_FAST", 0),
            Instr("BUILD_TUPLE", 3),
            Instr("RETURN_VALUE", None),
            other,
            Instr("LOAD_CONST", 0),
            Instr("RETURN_VALUE", None),
        ]
    )
    assert calculate_stackdepth(graph) == 3
    assert [block.start_depth for block in graph] == [0, 0, 0]


def test_a_handler_starts_with_the_exception_pushed():
    handler = Label()
    graph = build(
        [
            Instr("LOAD_FAST", 0),
            Instr("SETUP_FINALLY", handler),
            Instr("LOAD_FAST", 0),
            Instr("POP_BLOCK", None),
            Instr("RETURN_VALUE", None),
            handler,
            Instr("POP_TOP", None),
            Instr("RETURN_VALUE", None),
        ]
    )
    assert calculate_stackdepth(graph) == 2
    assert list(graph)[-1].start_depth == 2


def test_two_depths_for_one_block_are_refused():
    join = Label()
    graph = build(
        [
            Instr("LOAD_FAST", 0),
            Instr("POP_JUMP_IF_TRUE", join),
            Instr("LOAD_FAST", 0),
            join,
            Instr("RETURN_VALUE", None),
        ]
    )
    with pytest.raises(ValueError, match="inconsistent stack depth"):
        calculate_stackdepth(graph)


def test_popping_an_empty_stack_is_refused():
    with pytest.raises(ValueError, match="underflow"):
        calculate_stackdepth(
            build([Instr("POP_TOP", None), Instr("RETURN_VALUE", None)])
        )
