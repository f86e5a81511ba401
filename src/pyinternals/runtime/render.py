"""Present the memory visualizer's records: text, DOT, SVG and PNG.

Chapter 2 of the book. Nothing here inspects objects; the functions take
the records that :mod:`pyinternals.runtime.examination` and
:mod:`pyinternals.runtime.graph` compute and turn them into text for a
terminal, DOT for graphviz, or images made by graphviz's ``dot`` program.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from pyinternals.runtime.examination import Examination
from pyinternals.runtime.graph import ObjectGraph

__all__ = [
    "DotFigure",
    "GraphFigure",
    "GraphvizError",
    "render_examination",
    "run_dot",
    "to_dot",
    "write_graph",
]


class GraphvizError(RuntimeError):
    """Raised when graphviz's ``dot`` is missing or rejects its input."""


def render_examination(report: Examination) -> str:
    """Return *report* as lines of text for a terminal.

    >>> from pyinternals.runtime.examination import examine
    >>> print(render_examination(examine((1, 2))))  # doctest: +ELLIPSIS
    tuple at 0x...
      size        ... bytes (sys.getsizeof)
      deep size   ... bytes in 3 objects
      refcount    ... (as sys.getrefcount reports it at the call)
      gc tracked  ...
      referents   2
        0x...  int  28 bytes  not gc-tracked
        0x...  int  28 bytes  not gc-tracked
    """
    bounds = []
    if report.max_depth is not None:
        bounds.append(f"depth <= {report.max_depth}")
    if report.types is not None:
        bounds.append("types " + ", ".join(report.types))
    scope = f" ({'; '.join(bounds)})" if bounds else ""
    immortal = ", immortal" if report.immortal else ""
    lines = [
        f"{report.type_name} at {report.address:#x}",
        f"  size        {report.size} bytes (sys.getsizeof)",
        f"  deep size   {report.deep_size} bytes in {report.deep_count} objects{scope}",
        f"  refcount    {report.refcount}{immortal} "
        "(as sys.getrefcount reports it at the call)",
        f"  gc tracked  {'yes' if report.gc_tracked else 'no'}",
        f"  referents   {len(report.referents)}",
    ]
    for ref in report.referents:
        tracked = "gc-tracked" if ref.gc_tracked else "not gc-tracked"
        hidden = "" if ref.from_gc else "  (dict key, not in gc.get_referents)"
        where = f"{ref.address:#x}  {ref.type_name}  {ref.size} bytes"
        lines.append(f"    {where}  {tracked}{hidden}")
    return "\n".join(lines)


def to_dot(graph: ObjectGraph) -> str:
    r"""Return *graph* in graphviz's DOT language.

    Nodes are named ``o<id>`` as objgraph names them; the root is drawn in
    red.

    >>> from pyinternals.runtime.graph import object_graph
    >>> print(to_dot(object_graph(["x"])))  # doctest: +ELLIPSIS
    digraph ObjectGraph {
      node [shape=box, style=filled, fillcolor=white, fontname=Helvetica];
      edge [fontname=Helvetica, fontsize=10];
      o...[label="list\n['x']\n64 bytes", color=red, fontcolor=red];
      o...[label="str\n'x'\n50 bytes"];
      o... -> o...[label="[0]"];
    }
    """
    lines = [
        "digraph ObjectGraph {",
        "  node [shape=box, style=filled, fillcolor=white, fontname=Helvetica];",
        "  edge [fontname=Helvetica, fontsize=10];",
    ]
    for node in graph.nodes:
        label = _quote(f"{node.type_name}\n{node.summary}\n{node.size} bytes")
        root = ", color=red, fontcolor=red" if node.id == graph.root else ""
        lines.append(f"  o{node.id}[label={label}{root}];")
    for edge in graph.edges:
        label = f"[label={_quote(edge.label)}]" if edge.label else ""
        lines.append(f"  o{edge.source} -> o{edge.target}{label};")
    lines.append("}")
    return "\n".join(lines)


def _quote(text: str) -> str:
    """Quote *text* as a DOT string, with newlines as line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def run_dot(dot_source: str, output_format: str) -> bytes:
    """Lay out *dot_source* with graphviz's ``dot`` in *output_format*.

    >>> run_dot("digraph { a -> b }", "svg").startswith(b"<?xml")
    True
    """
    program = shutil.which("dot")
    if program is None:
        raise GraphvizError("graphviz's 'dot' program is not installed")
    result = subprocess.run(
        [program, f"-T{output_format}"],
        input=dot_source.encode(),
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise GraphvizError(result.stderr.decode(errors="replace").strip())
    return result.stdout


def write_graph(graph: ObjectGraph, path: Path) -> None:
    r"""Write *graph* to *path* as DOT, SVG or PNG, chosen by the suffix.

    >>> import tempfile
    >>> from pyinternals.runtime.graph import object_graph
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "pair.png"
    ...     write_graph(object_graph([1, 2]), path)
    ...     path.read_bytes()[:4]
    b'\x89PNG'
    """
    suffix = path.suffix.lower()
    if suffix == ".dot":
        path.write_text(to_dot(graph) + "\n", encoding="ascii")
    elif suffix in {".svg", ".png"}:
        path.write_bytes(run_dot(to_dot(graph), suffix[1:]))
    else:
        raise ValueError(f"cannot write a graph as {suffix or 'a file without suffix'}")


class DotFigure:
    """Show a graph written in DOT as SVG and PNG, for notebooks.

    Jupyter front ends pick the format they can show; the book's HTML uses
    the SVG, its PDF the PNG. *description* is the plain-text stand-in.

    >>> bundle = DotFigure("digraph { a -> b }", "<a to b>")._repr_mimebundle_()
    >>> sorted(bundle), bundle["text/plain"]
    (['image/png', 'image/svg+xml', 'text/plain'], '<a to b>')
    """

    def __init__(self, dot_source: str, description: str) -> None:
        self.dot_source = dot_source
        self.description = description

    def _repr_mimebundle_(
        self, include: object = None, exclude: object = None
    ) -> dict[str, object]:
        return {
            "image/svg+xml": run_dot(self.dot_source, "svg").decode(),
            "image/png": run_dot(self.dot_source, "png"),
            "text/plain": self.description,
        }


class GraphFigure(DotFigure):
    """Show an :class:`~pyinternals.runtime.graph.ObjectGraph` as SVG and PNG.

    >>> from pyinternals.runtime.graph import object_graph
    >>> GraphFigure(object_graph({"a": 1})).description
    '<object graph of 3 objects>'
    """

    def __init__(self, graph: ObjectGraph) -> None:
        super().__init__(to_dot(graph), f"<object graph of {len(graph.nodes)} objects>")
        self.graph = graph
