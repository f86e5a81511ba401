import re
import subprocess

import pytest

from pyinternals.runtime.examination import examine
from pyinternals.runtime.graph import object_graph
from pyinternals.runtime.render import (
    GraphFigure,
    GraphvizError,
    render_examination,
    run_dot,
    to_dot,
    write_graph,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_text_report_shows_every_field():
    table = {"name": [1.5]}
    report = examine(table, max_depth=2, types=["list", "float"])
    text = render_examination(report)
    assert text.startswith(f"dict at {id(table):#x}")
    assert f"{report.size} bytes (sys.getsizeof)" in text
    assert (
        f"deep size   {report.deep_size} bytes in {report.deep_count} objects" in text
    )
    assert "(depth <= 2; types float, list)" in text
    assert f"refcount    {report.refcount} " in text
    assert "(dict key, not in gc.get_referents)" in text
    assert text.isascii()


def test_dot_names_every_node_and_edge():
    shared = "s"
    graph = object_graph([shared, (shared, 2)])
    dot = to_dot(graph)
    named = set(re.findall(r"^  o(\d+)\[label=", dot, re.M))
    assert named == {str(n.id) for n in graph.nodes}
    arrows = re.findall(r"^  o(\d+) -> o(\d+)", dot, re.M)
    assert sorted(arrows) == sorted((str(e.source), str(e.target)) for e in graph.edges)


def test_dot_quotes_awkward_text():
    dot = to_dot(object_graph(['say "hi" \\ bye']))
    svg = run_dot(dot, "svg")
    assert b"<svg" in svg


def test_write_graph_by_suffix(tmp_path):
    graph = object_graph({"a": [1, 2]})
    write_graph(graph, tmp_path / "g.dot")
    write_graph(graph, tmp_path / "g.svg")
    write_graph(graph, tmp_path / "g.png")
    assert (tmp_path / "g.dot").read_text().startswith("digraph ObjectGraph {")
    assert b"<svg" in (tmp_path / "g.svg").read_bytes()
    assert (tmp_path / "g.png").read_bytes().startswith(PNG_MAGIC)
    with pytest.raises(ValueError, match=r"\.gif"):
        write_graph(graph, tmp_path / "g.gif")


def test_dot_errors_become_graphviz_errors():
    with pytest.raises(GraphvizError, match="syntax"):
        run_dot("digraph { -> }", "svg")


def test_dot_output_is_accepted_by_graphviz():
    dot = to_dot(object_graph([[1], {"k": None}]))
    result = subprocess.run(["dot", "-Tplain"], input=dot.encode(), capture_output=True)
    assert result.returncode == 0, result.stderr


def test_figure_offers_svg_and_png():
    bundle = GraphFigure(object_graph([1, 2]))._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]
    assert bundle["image/png"].startswith(PNG_MAGIC)
    assert bundle["text/plain"] == "<object graph of 3 objects>"
