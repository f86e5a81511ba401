"""Annotated bytecode as a self-contained web page, or a fragment of one.

Each code object gets a panel: its source on the left, its instructions on
the right (the two wrap one above the other when the page is narrow).
Pointing at an instruction lights up the source it came from; pointing at
the source lights up the instructions made from it (strongly those whose
span is the smallest, faintly the larger ones around it); a click keeps the
highlight and scrolls the other pane to it, a second click lets it go. Jumps
are drawn as arrows in a gutter (forward in blue, backward in purple), the
exception table as coloured bands (one colour per handler, with a legend),
and the stack depth after each instruction as a small bar.

The page needs nothing from outside: the style and the few lines of script
are inline, and without the script everything but the highlighting still
shows. So that a book page can hold several of these fragments, every CSS
rule is scoped under the ``pyi-vz`` class and the only ``id`` carries a
token unique to the render. All text from the source and the code object is
escaped. (The module is not called ``html`` so as not to shadow the
standard :mod:`html` inside this package.)

>>> from pyinternals.compiler.visualizer.data import annotate
>>> source = "x = '<b>'"
>>> fragment = html_fragment(annotate(compile(source, "demo.py", "exec"), source))
>>> fragment.startswith('<div class="pyi-vz" id="pyi-vz-')
True
>>> "'<b>'" in fragment, "&#x27;&lt;b&gt;&#x27;" in fragment
(False, True)
"""

from __future__ import annotations

import bisect
import hashlib
import html
import itertools
from collections.abc import Iterator, Sequence

from pyinternals.compiler.visualizer.data import (
    LABELS,
    AnnotatedCode,
    Row,
    arrow_lanes,
)
from pyinternals.compiler.visualizer.text import group_name

__all__ = ["html_fragment", "html_page"]

ROW_HEIGHT = 18
"""Height of an instruction's row, in CSS pixels (the arrows are drawn to it)."""

_LANE_WIDTH = 9
_MAX_LANES = 16
_renders = itertools.count()
_ENTRY = "\N{BLACK RIGHT-POINTING SMALL TRIANGLE}"
# The widths of the cells left of the arrows, in characters: the arrows'
# gutter starts where they end.
_CELL_WIDTHS = {"exc": 3, "hnd": 3, "label": 6, "off": 7, "depth": 11}

_STYLE = """
.pyi-vz{font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
 color:#1f2328;text-align:left}
.pyi-vz *{box-sizing:border-box}
.pyi-vz div,.pyi-vz span,.pyi-vz section,.pyi-vz pre,.pyi-vz b,.pyi-vz small{
 margin:0;padding:0;border:0;border-radius:0;box-shadow:none;background:none;
 color:inherit;font:inherit;line-height:inherit;letter-spacing:normal;
 text-transform:none;float:none}
.pyi-vz .pyi-vz-code{border:1px solid #d0d7de;border-radius:6px;margin:0 0 1em;
 background:#fff;overflow:hidden}
.pyi-vz .pyi-vz-title{padding:4px 8px;background:#f6f8fa;
 border-bottom:1px solid #d0d7de;font-weight:600}
.pyi-vz .pyi-vz-title small{font-weight:normal;color:#57606a;margin-left:1ch}
.pyi-vz .pyi-vz-panes{display:flex;flex-wrap:wrap;align-items:stretch}
.pyi-vz pre.pyi-vz-source{flex:1 1 22em;min-width:0;max-height:40em;overflow:auto;
 margin:0;padding:4px 8px;background:#fbfbfb;border:0;border-right:1px solid #d0d7de;
 border-radius:0;box-shadow:none;white-space:pre;font:inherit;color:inherit;
 position:relative;line-height:1.5}
.pyi-vz .pyi-vz-ln{display:inline-block;width:4ch;margin-right:1ch;text-align:right;
 color:#8c959f;user-select:none}
.pyi-vz .pyi-vz-seg.pyi-vz-on{background:#ffd75e;border-radius:2px}
.pyi-vz .pyi-vz-bytecode{flex:2 1 34em;min-width:0;max-height:40em;overflow:auto;
 position:relative}
.pyi-vz .pyi-vz-head,.pyi-vz .pyi-vz-row{display:flex;white-space:pre;
 height:18px;line-height:18px}
.pyi-vz .pyi-vz-head{color:#57606a;border-bottom:1px solid #d0d7de;
 position:sticky;top:0;background:#fff;z-index:2;min-width:max-content}
.pyi-vz .pyi-vz-rows{position:relative;min-width:max-content}
.pyi-vz svg.pyi-vz-arrows{position:absolute;left:ARROWSch;top:0;overflow:visible;
 max-width:none;display:block}
.pyi-vz .pyi-vz-row{cursor:default}
.pyi-vz .pyi-vz-row.pyi-vz-newline{box-shadow:inset 0 1px 0 #e4e8ec}
.pyi-vz .pyi-vz-row.pyi-vz-on{background:#ffd75e}
.pyi-vz .pyi-vz-row.pyi-vz-near{background:#fff1c2}
.pyi-vz .pyi-vz-row.pyi-vz-dead{color:#8c959f}
.pyi-vz .pyi-vz-row>span,.pyi-vz .pyi-vz-head>span{flex:none;overflow:hidden;
 padding-right:1ch}
.pyi-vz .pyi-vz-row>span.pyi-vz-gap,.pyi-vz .pyi-vz-head>span.pyi-vz-gap{padding:0}
.pyi-vz .pyi-vz-row>.pyi-vz-exc,.pyi-vz .pyi-vz-row>.pyi-vz-hnd,
.pyi-vz .pyi-vz-head>.pyi-vz-exc{text-align:center;padding:0}
.pyi-vz .pyi-vz-hnd{font-weight:600}
.pyi-vz .pyi-vz-label,.pyi-vz .pyi-vz-off{color:#57606a}
.pyi-vz .pyi-vz-off{text-align:right}
.pyi-vz .pyi-vz-depth{position:relative}
.pyi-vz .pyi-vz-bar{position:absolute;left:0;top:4px;height:10px;background:#cfe8ff;
 border-radius:2px}
.pyi-vz .pyi-vz-depth b{position:relative;font-weight:normal}
.pyi-vz .pyi-vz-op{font-weight:600;width:var(--op)}
.pyi-vz .pyi-vz-arg{color:#0a3069}
.pyi-vz .pyi-vz-arrow{fill:none;stroke:#0969da;stroke-width:1.3}
.pyi-vz .pyi-vz-arrow.pyi-vz-back{stroke:#8250df}
.pyi-vz .pyi-vz-tip{fill:#0969da;stroke:none}
.pyi-vz .pyi-vz-tip.pyi-vz-back{fill:#8250df}
.pyi-vz .pyi-vz-arrow.pyi-vz-on{stroke:#cf222e;stroke-width:2.5}
.pyi-vz .pyi-vz-tip.pyi-vz-on{fill:#cf222e}
.pyi-vz .pyi-vz-legend{padding:4px 8px;border-top:1px solid #d0d7de;color:#57606a}
.pyi-vz .pyi-vz-legend div{margin:1px 0}
.pyi-vz .pyi-vz-swatch{display:inline-block;min-width:3ch;text-align:center;
 color:#1f2328;border-radius:2px;margin-right:1ch}
.pyi-vz .pyi-vz-problem{color:#cf222e}
"""

# Light up rows and source segments; the token names the fragment's root.
_SCRIPT = """
(function () {
  var root = document.getElementById("TOKEN");
  if (!root) { return; }
  var sections = root.querySelectorAll(".pyi-vz-code");
  Array.prototype.forEach.call(sections, function (section) {
    var segs = section.querySelectorAll(".pyi-vz-seg");
    var rows = section.querySelectorAll(".pyi-vz-row");
    var marks = section.querySelectorAll(".pyi-vz-arrow, .pyi-vz-tip");
    var pinned = false;
    function clear() {
      var lit = section.querySelectorAll(".pyi-vz-on, .pyi-vz-near");
      Array.prototype.forEach.call(lit, function (element) {
        element.classList.remove("pyi-vz-on", "pyi-vz-near");
      });
    }
    function reveal(pane, element) {
      if (!pane || !element) { return; }
      var top = element.offsetTop, bottom = top + element.offsetHeight;
      if (top < pane.scrollTop || bottom > pane.scrollTop + pane.clientHeight) {
        pane.scrollTop = top - pane.clientHeight / 3;
      }
    }
    function showRow(row) {
      clear();
      row.classList.add("pyi-vz-on");
      var first = +row.dataset.a, last = +row.dataset.b;
      for (var k = first; k < last; k++) { segs[k].classList.add("pyi-vz-on"); }
      Array.prototype.forEach.call(marks, function (mark) {
        if (mark.dataset.from === row.dataset.row ||
            mark.dataset.to === row.dataset.row) {
          mark.classList.add("pyi-vz-on");
        }
      });
      return segs[first];
    }
    function showSegment(seg) {
      clear();
      var at = +seg.dataset.s, best = Infinity, found = [];
      Array.prototype.forEach.call(rows, function (row) {
        if (+row.dataset.a <= at && at < +row.dataset.b) {
          found.push(row);
          best = Math.min(best, +row.dataset.len);
        }
      });
      var inner = null;
      found.forEach(function (row) {
        var closest = +row.dataset.len === best;
        row.classList.add(closest ? "pyi-vz-on" : "pyi-vz-near");
        if (closest && !inner) { inner = row; }
      });
      if (inner) {
        for (var k = +inner.dataset.a; k < +inner.dataset.b; k++) {
          segs[k].classList.add("pyi-vz-on");
        }
      }
      return inner;
    }
    function show(target) {
      var row = target.closest(".pyi-vz-row");
      if (row) { return [showRow(row), section.querySelector(".pyi-vz-source")]; }
      var seg = target.closest(".pyi-vz-seg");
      if (seg) { return [showSegment(seg), section.querySelector(".pyi-vz-bytecode")]; }
      return null;
    }
    section.addEventListener("mouseover", function (event) {
      if (!pinned) { show(event.target); }
    });
    section.addEventListener("mouseleave", function () {
      if (!pinned) { clear(); }
    });
    section.addEventListener("click", function (event) {
      if (pinned) { pinned = false; clear(); return; }
      var shown = show(event.target);
      if (shown) { pinned = true; reveal(shown[1], shown[0]); }
    });
  });
})();
"""


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _colour(group: int, lightness: int = 85) -> str:
    """Return the colour of handler *group*: hues spread by the golden angle."""
    return f"hsl({group * 137.508 % 360:.0f},70%,{lightness}%)"


# -- the source pane --------------------------------------------------------------


def _source_pane(code: AnnotatedCode) -> tuple[str, list[tuple[int, int]]]:
    """Return the source pane and, per row, its range of segment numbers.

    The text from the code's first line to the last line any instruction
    points at is cut at every span's start and end, so that each span is a
    run of whole segments.
    """
    rows = code.rows
    source = code.source
    if source is None:
        return '<pre class="pyi-vz-source">(no source)</pre>', [(0, 0)] * len(rows)
    lines = [code.code.co_firstlineno]
    for row in rows:
        lineno, end_lineno = row.positions.lineno, row.positions.end_lineno
        lines += [line for line in (lineno, end_lineno) if line]
    first = max(1, min(lines))
    last = min(max(lines), len(source.line_starts))
    region_start = source.line_starts[first - 1]
    region_end = source.line_ends[last - 1]
    cuts = {region_start, region_end}
    cuts.update(source.line_starts[first - 1 : last])
    for row in rows:
        if row.span is not None:
            cuts.update(
                min(max(place, region_start), region_end)
                for place in (row.span.start, row.span.end)
            )
    bounds = sorted(cuts)
    line_at = {source.line_starts[n - 1]: n for n in range(first, last + 1)}
    parts = []
    for number, (start, end) in enumerate(itertools.pairwise(bounds)):
        if start in line_at:
            parts.append(f'<span class="pyi-vz-ln">{line_at[start]}</span>')
        text = _escape(source.text[start:end])
        parts.append(f'<span class="pyi-vz-seg" data-s="{number}">{text}</span>')
    if region_end in line_at:
        parts.append(f'<span class="pyi-vz-ln">{line_at[region_end]}</span>')
    ranges = []
    for row in rows:
        if row.span is None or row.span.start == row.span.end:
            ranges.append((0, 0))
            continue
        ranges.append(
            (
                bisect.bisect_left(bounds, row.span.start),
                bisect.bisect_left(bounds, row.span.end),
            )
        )
    return '<pre class="pyi-vz-source">' + "".join(parts) + "</pre>", ranges


# -- the bytecode pane ----------------------------------------------------------------


def _arrows_svg(code: AnnotatedCode) -> tuple[str, int]:
    """Draw the jump arrows; return the SVG and the gutter's width in pixels."""
    lanes = arrow_lanes(code.arrows, _MAX_LANES)
    used = [lane for lane in lanes if lane is not None]
    if not used:
        return "", 0
    width = _LANE_WIDTH * (max(used) + 1) + 10
    height = ROW_HEIGHT * len(code.rows)
    shapes = []

    def middle(row: int) -> float:
        return (row + 0.5) * ROW_HEIGHT

    for arrow, lane in zip(code.arrows, lanes, strict=True):
        if lane is None:
            continue
        x = width - 8 - _LANE_WIDTH * lane
        y_from, y_to = middle(arrow.source), middle(arrow.target)
        kind = "pyi-vz-arrow pyi-vz-back" if arrow.backward else "pyi-vz-arrow"
        ends = f'data-from="{arrow.source}" data-to="{arrow.target}"'
        shapes.append(
            f'<path class="{kind}" {ends} '
            f'd="M{width - 1} {y_from}H{x}V{y_to}H{width - 5}"/>'
        )
        tip = kind.replace("pyi-vz-arrow", "pyi-vz-tip")
        shapes.append(f'<path class="{tip}" {ends} d="M{width} {y_to}l-5 -3.5v7z"/>')
    svg = (
        f'<svg class="pyi-vz-arrows" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-hidden="true">'
        + "".join(shapes)
        + "</svg>"
    )
    return svg, width


def _title(row: Row) -> str:
    """Return a row's tooltip: where it came from, what it does to the stack."""
    parts = [f"offset {row.offset}"]
    if row.depth_before is None:
        parts.append("no path reaches it")
    else:
        depth = f"stack {row.depth_before} \N{RIGHTWARDS ARROW} {row.depth_after}"
        if row.jump_depth is not None and row.jump_depth != row.depth_after:
            depth += f" ({row.jump_depth} when it jumps)"
        parts.append(depth)
    lineno, end_lineno, column, end_column = row.positions
    if lineno is not None:
        where = f"line {lineno}"
        if end_lineno is not None and end_lineno != lineno:
            where += f"\N{EN DASH}{end_lineno}"
        if column is not None and end_column is not None:
            where += f", bytes {column}\N{EN DASH}{end_column}"
        parts.append(where)
    return " \N{MIDDLE DOT} ".join(parts)


def _rows(
    code: AnnotatedCode, segments: Sequence[tuple[int, int]], gap: str
) -> Iterator[str]:
    deepest = max(code.max_depth, 1)
    covering = {
        row: handler_range
        for handler_range in code.ranges
        for row in range(handler_range.first, handler_range.last + 1)
    }
    entered = {row: group for group, row in enumerate(code.handlers)}
    for row, (first, last) in zip(code.rows, segments, strict=True):
        classes = ["pyi-vz-row"]
        if row.starts_line and row.index:
            classes.append("pyi-vz-newline")
        if row.depth_before is None:
            classes.append("pyi-vz-dead")
        length = 0 if row.span is None else row.span.end - row.span.start
        cells = []
        handler_range = covering.get(row.index)
        if handler_range is None:
            cells.append('<span class="pyi-vz-exc"></span>')
        else:
            name = group_name(handler_range.group)
            letter = name if row.index == handler_range.first else ""
            cells.append(
                f'<span class="pyi-vz-exc" style="background:'
                f'{_colour(handler_range.group)}" title="handler {name}">'
                f"{letter}</span>"
            )
        group = entered.get(row.index)
        if group is None:
            cells.append('<span class="pyi-vz-hnd"></span>')
        else:
            name = group_name(group)
            cells.append(
                f'<span class="pyi-vz-hnd" style="background:{_colour(group, 70)}" '
                f'title="handler {name} starts here">{name}{_ENTRY}</span>'
            )
        label = f"L{row.label}:" if LABELS and row.label else ""
        cells.append(f'<span class="pyi-vz-label">{label}</span>')
        cells.append(f'<span class="pyi-vz-off">{row.offset}</span>')
        if row.depth_before is None:
            cells.append('<span class="pyi-vz-depth">?</span>')
        else:
            after = row.depth_after if row.depth_after is not None else 0
            share = 100 * max(after, 0) / deepest
            text = f"{row.depth_before}\N{RIGHTWARDS ARROW}{row.depth_after}"
            if row.jump_depth is not None and row.jump_depth != row.depth_after:
                text += f"/{row.jump_depth}"
            cells.append(
                f'<span class="pyi-vz-depth"><span class="pyi-vz-bar" '
                f'style="width:{share:.0f}%"></span><b>{text}</b></span>'
            )
        cells.append(gap)
        cells.append(f'<span class="pyi-vz-op">{_escape(row.opname)}</span>')
        argument = ""
        if row.arg is not None:
            argument = str(row.arg)
            if row.argrepr:
                argument += f" ({row.argrepr})"
        cells.append(f'<span class="pyi-vz-arg">{_escape(argument)}</span>')
        yield (
            f'<div class="{" ".join(classes)}" data-row="{row.index}" '
            f'data-a="{first}" data-b="{last}" data-len="{length}" '
            f'title="{_escape(_title(row))}">' + "".join(cells) + "</div>"
        )


def _bytecode_pane(code: AnnotatedCode, segments: Sequence[tuple[int, int]]) -> str:
    svg, gutter = _arrows_svg(code)
    name_width = max((len(row.opname) for row in code.rows), default=0) + 1
    gap = f'<span class="pyi-vz-gap" style="width:{gutter}px"></span>'
    heading = "".join(
        f'<span class="pyi-vz-{kind}">{text}</span>'
        for kind, text in (
            ("exc", "exc"),
            ("hnd", ""),
            ("label", ""),
            ("off", "offset"),
            ("depth", "stack"),
        )
    )
    heading += gap
    heading += '<span class="pyi-vz-op">instruction</span>'
    heading += '<span class="pyi-vz-arg">argument</span>'
    rows = "".join(_rows(code, segments, gap))
    return (
        f'<div class="pyi-vz-bytecode" style="--op:{name_width}ch">'
        f'<div class="pyi-vz-head">{heading}</div>'
        f'<div class="pyi-vz-rows">{svg}{rows}</div></div>'
    )


def _legend(code: AnnotatedCode) -> str:
    rows = code.rows
    items = []
    by_group: dict[int, list[str]] = {}
    for handler_range in code.ranges:
        first = rows[handler_range.first].offset
        last = rows[handler_range.last].offset
        by_group.setdefault(handler_range.group, []).append(f"{first}\N{EN DASH}{last}")
    for group, handler in enumerate(code.handlers):
        entries = [r.entry for r in code.ranges if r.group == group]
        target = rows[handler]
        where = f"L{target.label}" if LABELS and target.label else str(target.offset)
        depths = sorted({entry.depth for entry in entries})
        lasti = ", pushes lasti" if any(entry.lasti for entry in entries) else ""
        items.append(
            f'<div><span class="pyi-vz-swatch" style="background:{_colour(group)}">'
            f"{group_name(group)}</span>handler at {_escape(where)} "
            f"(stack cut to {', '.join(map(str, depths))}{lasti}) covers offsets "
            f"{', '.join(by_group.get(group, []))}</div>"
        )
    summary = (
        f"stack: deepest {code.max_depth}, needs {code.stacksize}, "
        f"co_stacksize {code.code.co_stacksize}"
    )
    if code.unreached:
        summary += f"; {len(code.unreached)} instructions no path reaches"
    items.append(f"<div>{summary}</div>")
    items += [
        f'<div class="pyi-vz-problem">problem: {_escape(problem)}</div>'
        for problem in code.problems
    ]
    return '<div class="pyi-vz-legend">' + "".join(items) + "</div>"


def _section(code: AnnotatedCode) -> str:
    source_pane, segments = _source_pane(code)
    where = f"{code.code.co_filename}, line {code.code.co_firstlineno}"
    return (
        '<section class="pyi-vz-code">'
        f'<div class="pyi-vz-title">{_escape(code.code.co_qualname)}'
        f"<small>{_escape(where)}</small></div>"
        f'<div class="pyi-vz-panes">{source_pane}{_bytecode_pane(code, segments)}</div>'
        f"{_legend(code)}</section>"
    )


def _token(code: AnnotatedCode) -> str:
    """Return a fresh id: the content's digest and a count of renders."""
    digest = hashlib.sha256()
    digest.update(code.code.co_qualname.encode())
    digest.update(code.code.co_code)
    if code.source is not None:
        digest.update(code.source.text.encode("utf-8", errors="replace"))
    return f"pyi-vz-{digest.hexdigest()[:10]}-{next(_renders)}"


def html_fragment(
    code: AnnotatedCode, *, nested: bool = True, token: str | None = None
) -> str:
    """Return the HTML of one annotated code object (and with *nested*, its children).

    The fragment is one ``<div class="pyi-vz">`` that carries its own style
    and script, ready for ``IPython.display.HTML`` or a page of its
    own. *token* is the ``id`` of that ``div`` (made unique per render if
    not given).

    >>> from pyinternals.compiler.visualizer.data import annotate
    >>> code = annotate(compile("def f(): pass", "demo.py", "exec"), "def f(): pass")
    >>> fragment = html_fragment(code, token="demo")
    >>> fragment.count('<section class="pyi-vz-code">'), 'id="demo"' in fragment
    (2, True)
    """
    token = token or _token(code)
    items = code.walk() if nested else iter((code,))
    sections = "".join(_section(item) for item in items)
    script = _SCRIPT.replace("TOKEN", token)
    widths = "".join(
        f".pyi-vz .pyi-vz-{cell}{{width:{size}ch}}"
        for cell, size in _CELL_WIDTHS.items()
    )
    style = _STYLE.replace("ARROWS", str(sum(_CELL_WIDTHS.values()))) + widths
    return (
        f'<div class="pyi-vz" id="{_escape(token)}"><style>{style}</style>'
        f"{sections}<script>{script}</script></div>"
    )


def html_page(
    code: AnnotatedCode,
    *,
    title: str | None = None,
    nested: bool = True,
    token: str | None = None,
) -> str:
    """Return a whole HTML page around :func:`html_fragment`.

    >>> from pyinternals.compiler.visualizer.data import annotate
    >>> page = html_page(annotate(compile("pass", "demo.py", "exec"), "pass"))
    >>> page.startswith("<!DOCTYPE html>"), "<title>demo.py</title>" in page
    (True, True)
    """
    heading = title if title is not None else code.code.co_filename
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_escape(heading)}</title></head>"
        '<body style="margin:1em;background:#fff">'
        f"{html_fragment(code, nested=nested, token=token)}</body></html>\n"
    )
