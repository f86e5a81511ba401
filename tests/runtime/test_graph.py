import gc
import re

import objgraph
import pytest

from pyinternals.runtime.graph import object_graph, referents, walk


def _objgraph_nodes(root, tmp_path, **options):
    """The ids objgraph.show_refs draws, read back from its DOT file."""
    dot = tmp_path / "objgraph.dot"
    objgraph.show_refs([root], filename=str(dot), too_many=10**6, **options)
    text = dot.read_text(encoding="utf-8")
    return {int(found) for found in re.findall(r"^\s*o(\d+)\[label=", text, re.M)}


def _roots(plain, slotted):
    cycle = []
    cycle.append(cycle)
    shared = ["shared"]
    return {
        "list": [1, "two", [3.0, (4, 5)]],
        "dict": {1: "one", (2, 3): [4], 5.5: {"n": None}},
        "instance": plain,
        "slots": slotted,
        "cycle": cycle,
        "diamond": [shared, (shared,)],
        "nested": [[[[["deep"]]]]],
    }


@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_same_objects_as_objgraph(plain, slotted, tmp_path, depth):
    for name, root in _roots(plain, slotted).items():
        ours = {
            n.id for n in object_graph(root, max_depth=depth, dict_keys=False).nodes
        }
        assert ours == _objgraph_nodes(root, tmp_path, max_depth=depth), name


def test_same_objects_as_objgraph_with_a_type_filter(plain, slotted, tmp_path):
    kinds = {"list", "tuple", "str"}

    def wanted(obj):
        return type(obj).__name__ in kinds

    for name, root in _roots(plain, slotted).items():
        graph = object_graph(root, max_depth=3, types=kinds, dict_keys=False)
        theirs = _objgraph_nodes(root, tmp_path, max_depth=3, filter=wanted)
        assert {n.id for n in graph.nodes} == theirs, name


def test_depths_are_shortest_chains_as_objgraph_finds_them(plain, slotted):
    for name, root in _roots(plain, slotted).items():
        graph = object_graph(root, max_depth=4, dict_keys=False)
        by_id = {id(obj): obj for obj, _, _ in walk(root, max_depth=4, dict_keys=False)}
        for node in graph.nodes:
            target = by_id[node.id]
            chain = objgraph.find_ref_chain(
                root, lambda obj, target=target: obj is target, max_depth=4
            )
            assert chain[-1] is target, name
            assert len(chain) - 1 == node.depth, name


def test_edges_are_real_references(plain, slotted):
    for root in _roots(plain, slotted).values():
        graph = object_graph(root, max_depth=3)
        objects = {id(obj): obj for obj, _, _ in walk(root, max_depth=3)}
        for edge in graph.edges:
            assert any(
                r is objects[edge.target] for r in referents(objects[edge.source])
            )


def test_edge_labels(plain, slotted):
    def labels(root):
        graph = object_graph(root, max_depth=1)
        return {graph.node(e.target).summary: e.label for e in graph.edges}

    assert labels(["a", "b"]) == {"'a'": "[0]", "'b'": "[1]"}
    assert labels({"k": 2.5}) == {"2.5": "['k']", "'k'": "key"}
    cls = type(plain)
    instance = labels(plain)
    assert labels([plain]) == {"<Plain object>": "[0]"}
    assert instance[f"class {cls.__module__}.{cls.__qualname__}"] == "__class__"
    assert instance["'plain'"] == ""
    slots = labels(slotted)
    assert slots["[1.5]"] == ".x"
    assert slots["{'k': 'v'}"] == ".y"
    assert slots["(7, 8)"] == ".__hidden"


def test_cycle_has_an_edge_back_to_the_root():
    cycle = []
    cycle.append(cycle)
    graph = object_graph(cycle)
    assert [(e.source, e.target) for e in graph.edges] == [(id(cycle), id(cycle))]
    assert len(graph.nodes) == 1


def test_depth_zero_is_the_root_alone():
    graph = object_graph([1, 2], max_depth=0)
    assert [n.id for n in graph.nodes] == [graph.root]
    assert graph.edges == ()


def test_referents_add_only_missing_dict_keys():
    strings = {"s": 1, "t": [2]}
    assert referents(strings, dict_keys=False) == gc.get_referents(strings)
    assert referents(strings)[len(gc.get_referents(strings)) :] == ["s", "t"]
    mixed = {"s": 1, 2: 3}
    assert referents(mixed) == gc.get_referents(mixed)
    assert referents([1, 2]) == gc.get_referents([1, 2])


def test_graphing_an_instance_does_not_create_its_dict(plain):
    before = gc.get_referents(plain)
    object_graph(plain, max_depth=2)
    after = gc.get_referents(plain)
    assert [id(o) for o in after] == [id(o) for o in before]


def test_node_labels_are_ascii():
    graph = object_graph(["\u00e9t\u00e9", {"\u2192": 1}])
    for node in graph.nodes:
        assert node.summary.isascii()
        assert len(node.summary) <= 40


def test_missing_node_raises():
    with pytest.raises(KeyError):
        object_graph([]).node(0)
