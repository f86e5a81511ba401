"""Chapter 2: inside CPython's runtime.

The memory visualizer and the object header, rebuilt:

* :mod:`~pyinternals.runtime.header` reads an object's ``PyObject`` header
  with ctypes and with the C extension ``_objheader``;
* :mod:`~pyinternals.runtime.graph` computes the graph of objects reachable
  from one object;
* :mod:`~pyinternals.runtime.examination` gathers id, type, sizes, reference
  count and referents into one record;
* :mod:`~pyinternals.runtime.render` and ``python -m pyinternals.runtime``
  present those records as text, DOT, SVG and PNG;
* :mod:`~pyinternals.runtime.samples` provides the real objects the
  readers are checked on.
"""

from pyinternals.runtime import examination, graph, header, render, samples
from pyinternals.runtime.examination import (
    Examination,
    Referent,
    deep_size,
    examine,
    owned_objects,
)
from pyinternals.runtime.graph import (
    Edge,
    Node,
    ObjectGraph,
    object_graph,
    referents,
    walk,
)
from pyinternals.runtime.header import (
    ObjectHeader,
    has_size,
    is_immortal,
    read_header,
    read_header_native,
)
from pyinternals.runtime.render import (
    GraphFigure,
    render_examination,
    to_dot,
    write_graph,
)

__all__ = [
    "Edge",
    "Examination",
    "GraphFigure",
    "Node",
    "ObjectGraph",
    "ObjectHeader",
    "Referent",
    "deep_size",
    "examination",
    "examine",
    "graph",
    "has_size",
    "header",
    "is_immortal",
    "object_graph",
    "owned_objects",
    "read_header",
    "read_header_native",
    "referents",
    "render",
    "render_examination",
    "samples",
    "to_dot",
    "walk",
    "write_graph",
]
