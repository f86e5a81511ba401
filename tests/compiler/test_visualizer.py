import dis
import html.parser
import re
import sys
import textwrap
import types
import warnings
from pathlib import Path

import pytest

from pyinternals.compiler import opcodes
from pyinternals.compiler.conformance.corpus import sample, stdlib_files
from pyinternals.compiler.tokenizer import detect_encoding
from pyinternals.compiler.visualizer import (
    AnnotatedCode,
    SourceText,
    annotate,
    annotate_source,
    find_code,
    format_text,
    html_fragment,
    html_page,
    show,
    stack_depths,
)
from pyinternals.compiler.visualizer.data import Arrow, arrow_lanes

HARD_FILES = [
    "test/test_exception_variations.py",
    "test/test_sys_settrace.py",
    "test/test_coroutines.py",
    "test/test_patma.py",
    "test/test_grammar.py",
    "asyncio/tasks.py",
    "typing.py",
]

HARD_SOURCE = textwrap.dedent(
    """\
    import contextlib

    def total(numbers, *, limit=10):
        result = 0
        for number in numbers:
            if number > limit:
                break
            try:
                result += number
            except (TypeError, ValueError) as error:
                print("skip", error)
                continue
            finally:
                print("done")
        else:
            result = -result
        return result

    async def fetch(session, url):
        async with session.get(url) as response:
            return [line async for line in response if line]

    def gen(n):
        yield from range(n)
        x = yield n
        return x

    def matcher(command):
        match command.split():
            case [action, *rest] if rest:
                return action
            case {"x": x, **others}:
                return x
            case _:
                return None

    class Outer:
        def method(self):
            with contextlib.suppress(KeyError), open("f") as f:
                return super().method(f)

    try:
        total([])
    except* ValueError:
        print("group")

    label = "é中😀" + f"{total([1]):>{3}}"  # wide characters
    """
)


def code_objects(code: types.CodeType):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from code_objects(const)


def compiled(source: str, filename: str = "hard.py") -> AnnotatedCode:
    return annotate(compile(source, filename, "exec", dont_inherit=True), source)


def check_depths(item: AnnotatedCode) -> None:
    code = item.code
    assert not item.problems, (code.co_qualname, item.problems)
    if item.unreached:
        # A handler whose protected range ended up empty: CPython counted its
        # depths while the try still jumped to it; nothing leads to it now.
        assert item.stacksize <= code.co_stacksize, code.co_qualname
    else:
        assert item.stacksize == code.co_stacksize, code.co_qualname
    for row in item.rows:
        if row.depth_before is None:
            continue
        assert row.depth_before >= 0
        assert row.depth_after is not None
        if row.opname not in opcodes.UNCONDITIONAL_JUMPS:
            effect = opcodes.stack_effect(row.opname, row.arg, jump=False)
            if row.opname == "RETURN_GENERATOR":
                effect = 1
            assert row.depth_after == row.depth_before + effect, row


@pytest.mark.parametrize(
    "path", sample(stdlib_files(), 60, always=HARD_FILES), ids=lambda p: p.name
)
def test_depth_maxima_equal_co_stacksize_on_stdlib_sample(path: Path) -> None:
    data = path.read_bytes()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes, "is" with a literal
            code = compile(data, str(path), "exec", dont_inherit=True)
    except SyntaxError:
        return  # the bad-syntax fixtures among the tests
    annotated = annotate(code, data.decode(detect_encoding(data)))
    items = list(annotated.walk())
    assert [item.code for item in items] == list(code_objects(code))
    for item in items:
        check_depths(item)


def test_handlers_nothing_leads_to_have_no_depths() -> None:
    source = "def f():\n    try:\n        pass\n    except:\n        x = 1\n"
    inner = find_code(compiled(source), "f")
    check_depths(inner)
    assert inner.unreached[0].opname == "PUSH_EXC_INFO"
    assert inner.stacksize < inner.code.co_stacksize
    reached = compiled("def f():\n    try:\n        g()\n    except:\n        x = 1\n")
    assert not find_code(reached, "f").unreached
    for item in compiled(HARD_SOURCE).walk():
        check_depths(item)
        assert not item.unreached


def test_stack_depths_alone_agree_with_annotate() -> None:
    code = compile(HARD_SOURCE, "hard.py", "exec")
    for item in compiled(HARD_SOURCE).walk():
        depths = stack_depths(item.code)
        assert depths.before == tuple(row.depth_before for row in item.rows)
        assert depths.maximum == item.max_depth
    assert stack_depths(code).problems == ()


def test_every_instruction_gets_a_row() -> None:
    for item in compiled(HARD_SOURCE).walk():
        theirs = list(dis.get_instructions(item.code))
        assert [row.offset for row in item.rows] == [i.offset for i in theirs]
        assert [row.opname for row in item.rows] == [i.opname for i in theirs]
        assert [row.arg for row in item.rows] == [i.arg for i in theirs]
        assert [row.index for row in item.rows] == list(range(len(item.rows)))


def dis_jumps(code: types.CodeType) -> set[tuple[int, int]]:
    jumps = set()
    for instruction in dis.get_instructions(code):
        if instruction.opcode in dis.hasjrel + dis.hasjabs:
            jumps.add((instruction.offset, instruction.argval))
    return jumps


def test_every_arrow_points_at_a_real_row() -> None:
    for item in compiled(HARD_SOURCE).walk():
        rows = item.rows
        for arrow in item.arrows:
            assert 0 <= arrow.source < len(rows)
            assert 0 <= arrow.target < len(rows)
            assert rows[arrow.source].target == arrow.target
        pairs = {(rows[a.source].offset, rows[a.target].offset) for a in item.arrows}
        assert pairs == dis_jumps(item.code)


def test_exception_ranges_match_dis() -> None:
    for item in compiled(HARD_SOURCE).walk():
        theirs = dis.Bytecode(item.code).exception_entries
        assert len(item.ranges) == len(theirs)
        for ours, entry in zip(item.ranges, theirs, strict=True):
            covered = [r.offset for r in item.rows[ours.first : ours.last + 1]]
            expected = [
                r.offset for r in item.rows if entry.start <= r.offset < entry.end
            ]
            assert covered == expected
            assert item.rows[ours.handler].offset == entry.target
            assert (ours.entry.depth, ours.entry.lasti) == (entry.depth, entry.lasti)
            assert item.handlers[ours.group] == ours.handler
            for row in range(ours.first, ours.last + 1):
                assert item.rows[row].handler_range is not None


def check_spans(item: AnnotatedCode) -> None:
    """Each span's text is the byte slice co_positions names, decoded."""
    assert item.source is not None
    for row in item.rows:
        lineno, end_lineno, column, end_column = row.positions
        if lineno is None or lineno < 1 or column is None or end_column is None:
            continue
        assert row.span is not None
        lines = [
            item.source.line(n).encode() for n in range(lineno, (end_lineno or 0) + 1)
        ]
        lines[-1] = lines[-1][:end_column]
        lines[0] = lines[0][column:]
        assert row.span.text == "\n".join(line.decode() for line in lines), row


def test_spans_are_the_exact_source_slices() -> None:
    for item in compiled(HARD_SOURCE).walk():
        check_spans(item)
    label = [r for r in compiled(HARD_SOURCE).rows if r.argrepr == "'é中😀'"]
    assert label
    assert label[0].span is not None
    assert label[0].span.text == '"é中😀"'


def test_spans_with_crlf_tabs_and_a_declared_encoding() -> None:
    source = "# coding: latin-1\r\nif x:\r\n\tname = 'caf\xe9' + y\r\n"
    annotated = annotate_source(source.encode("latin-1"))
    for item in annotated.walk():
        check_spans(item)
    texts = {row.span.text for row in annotated.rows if row.span}
    assert "'café' + y" in texts
    assert "y" in texts


def test_source_text_columns_count_utf8_bytes() -> None:
    text = SourceText.of("a = 1\r\nb = 'é' + c\rd\n")
    assert text.line_count == 3
    assert text.line(2) == "b = 'é' + c"
    span = text.span((2, 2, 4, 8))
    assert span is not None
    assert span.text == "'é'"
    assert text.span((9, 9, 0, 1)) is None
    assert text.span((3, 3, None, None)).text == "d"  # type: ignore[union-attr]


def test_arrow_lanes_never_overlap() -> None:
    arrows = [Arrow(s, t) for s, t in [(0, 9), (2, 4), (3, 1), (5, 8), (8, 5), (7, 2)]]
    lanes = arrow_lanes(arrows)
    for one, lane in zip(arrows, lanes, strict=True):
        for other, other_lane in zip(arrows, lanes, strict=True):
            if one is not other and lane == other_lane:
                assert one.bottom < other.top or other.bottom < one.top
    assert sorted(
        lane for lane in arrow_lanes(arrows, limit=1) if lane is not None
    ) == [
        0,
        0,
    ]


# -- text -----------------------------------------------------------------------


def test_text_is_stable_narrow_and_names_every_instruction() -> None:
    first = format_text(compiled(HARD_SOURCE))
    assert first == format_text(compiled(HARD_SOURCE))
    assert " at 0x" not in first
    lines = first.splitlines()
    assert max(map(len, lines)) <= 100
    decorations = re.sub(r"\|.*|[^\x00-\x7f]", "", first)
    assert decorations.isascii()
    for item in compiled(HARD_SOURCE).walk():
        assert f"== {item.code.co_qualname} (" in first
        for row in item.rows:
            assert re.search(rf"\b{row.offset} .*\b{row.opname}\b", first)


def test_text_shows_each_source_line_before_its_instructions() -> None:
    source = "a = 1\nb = a + 2\n"
    lines = format_text(compiled(source, "two.py")).splitlines()
    first = next(n for n, line in enumerate(lines) if line.endswith("| a = 1"))
    second = next(n for n, line in enumerate(lines) if line.endswith("| b = a + 2"))
    assert first < second
    between = lines[first + 1 : second]
    assert any("STORE_NAME" in line and line.rstrip().endswith("a") for line in between)
    assert any("BINARY_OP" in lines[n] for n in range(second, len(lines)))


def test_text_gutter_draws_each_jump() -> None:
    source = "for x in y:\n    if x:\n        continue\n    while z():\n        w()\n"
    item = compiled(source)
    body = format_text(item, nested=False).splitlines()
    rows = [line for line in body if re.match(r"^\s*(L\d+:)?\s*\d+ (\d+->|\?)", line)]
    assert len(rows) == len(item.rows)
    lanes = arrow_lanes(item.arrows)
    width = 2 * (max(lanes) + 1)  # type: ignore[type-var, operator]
    gutters = []
    for line, row in zip(rows, item.rows, strict=True):
        start = re.search(rf" {row.opname}\b", line)
        assert start is not None
        gutters.append(line[start.start() - width : start.start()])
    for arrow, lane in zip(item.arrows, lanes, strict=True):
        assert lane is not None
        column = width - 2 - 2 * lane
        assert gutters[arrow.top][column] == "/"
        assert gutters[arrow.bottom][column] == "\\"
        assert gutters[arrow.target][-1] == ">"
        assert gutters[arrow.source][-1] in "->"
        for between in range(arrow.top + 1, arrow.bottom):
            assert gutters[between][column] in "|+"
        for end in (arrow.source, arrow.target):
            assert set(gutters[end][column + 1 : -1]) <= set("-+/\\")


def test_text_marks_exception_ranges_and_handlers() -> None:
    source = "try:\n    f()\nexcept E:\n    g()\n"
    item = compiled(source)
    text = format_text(item, nested=False)
    assert "exception table" in text
    assert re.search(r"a\[", text) or re.search(r"a=", text)
    assert "a>" in text
    assert len(re.findall(r"^\s+\w+: \d+ to \d+ -> ", text, re.M)) == len(item.ranges)


# -- HTML -------------------------------------------------------------------------

VOID = {"meta", "br", "img", "input", "link", "hr", "wbr"}


class TagChecker(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.ids: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.script = ""
        self.style = ""
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += attrs
        self.ids += [value or "" for name, value in attrs if name == "id"]
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += attrs

    def handle_endtag(self, tag: str) -> None:
        assert self.open[-1:] == [tag], (self.open[-5:], tag)
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1] == "script":
            self.script += data
        elif self.open and self.open[-1] == "style":
            self.style += data
        else:
            self.text += data


def parse(page: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.open == []
    return checker


NASTY = 'x = "</script><script>alert(1)</script> <!-- & &amp; <b>"\n'


def test_html_is_well_formed_self_contained_and_escaped() -> None:
    page = html_page(compiled(HARD_SOURCE + NASTY))
    checker = parse(page)
    names = {name for name, _ in checker.attributes}
    assert "src" not in names
    assert "href" not in names
    assert "url(" not in page
    assert "@import" not in page
    assert "http" not in page
    assert "alert(1)" not in checker.script
    assert "</script><script>alert" in checker.text
    assert "<!-- & &amp; <b>" in checker.text
    assert "&lt;/script&gt;&lt;script&gt;" in page


def test_html_scopes_its_style_and_ids() -> None:
    item = compiled(HARD_SOURCE)
    one, two = html_fragment(item), html_fragment(item)
    checker = parse(one + two)
    assert len(checker.ids) == 2
    assert len(set(checker.ids)) == 2
    assert all(token.startswith("pyi-vz-") for token in checker.ids)
    for token in checker.ids:
        assert checker.script.count(f'getElementById("{token}")') == 1
    rules = re.findall(r"([^{}]+)\{[^{}]*\}", checker.style)
    for selectors in rules:
        for selector in selectors.split(","):
            assert selector.strip().startswith(".pyi-vz"), selector
    assert html_fragment(item, token="same") == html_fragment(item, token="same")


def test_html_has_a_row_per_instruction_and_arrows_between_rows() -> None:
    item = compiled(HARD_SOURCE)
    page = html_fragment(item, token="t")
    sections = page.split("<section")[1:]
    assert len(sections) == len(list(item.walk()))
    for section, code in zip(sections, item.walk(), strict=True):
        rows = re.findall(
            r'class="pyi-vz-row[^"]*" data-row="(\d+)" data-a="(\d+)" data-b="(\d+)"',
            section,
        )
        assert [int(r[0]) for r in rows] == list(range(len(code.rows)))
        segments = re.findall(r'class="pyi-vz-seg" data-s="(\d+)"', section)
        assert [int(s) for s in segments] == list(range(len(segments)))
        for (number, first, last), row in zip(rows, code.rows, strict=True):
            assert 0 <= int(first) <= int(last) <= len(segments)
            if row.span is not None and row.span.text.strip():
                pieces = re.findall(r'data-s="(\d+)">([^<]*)</span>', section)
                text = "".join(
                    html.unescape(piece)
                    for s, piece in pieces
                    if int(first) <= int(s) < int(last)
                )
                assert text == row.span.text, number
        ends = re.findall(
            r'class="pyi-vz-arrow[^"]*" data-from="(\d+)" data-to="(\d+)"', section
        )
        assert {(int(a), int(b)) for a, b in ends} == {tuple(a) for a in code.arrows}


def test_html_legend_names_every_handler() -> None:
    item = compiled(HARD_SOURCE)
    page = html_fragment(item, token="t")
    for code, section in zip(item.walk(), page.split("<section")[1:], strict=True):
        assert section.count('class="pyi-vz-swatch"') == len(code.handlers)
        assert f"co_stacksize {code.code.co_stacksize}" in section


# -- the entry point ---------------------------------------------------------------


def test_show_reads_paths_text_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "prog.py"
    path.write_bytes(b"# -*- coding: latin-1 -*-\ns = '\xe9'\n")
    text = show(path)
    assert f"== <module> ({path}, line 1) ==" in text
    assert "s = 'é'" in text
    assert show(path) == show(path.read_bytes(), filename=str(path))
    assert show("s = 'é'\n", filename=str(path)).endswith(text.splitlines()[-1] + "\n")
    page = show(path, html=True)
    parse(page)
    assert "&#x27;é&#x27;" in page


def test_show_finds_one_function() -> None:
    source = (
        "class A:\n    def run(self):\n        def inner(): pass\ndef run(): pass\n"
    )
    text = show(source, function="A.run")
    assert text.startswith("== A.run (")
    assert "== A.run.<locals>.inner (" in text
    assert "== run (" not in text
    assert show(source, function="inner").startswith("== A.run.<locals>.inner (")
    twice = "class A:\n    def run(self): pass\nclass B:\n    def run(self): pass\n"
    with pytest.raises(LookupError, match=r"ambiguous: A\.run, B\.run"):
        show(twice, function="run")
    with pytest.raises(LookupError, match=r"A\.run"):
        show(source, function="missing")


def test_show_uses_the_compiler_it_is_given() -> None:
    calls: list[tuple[bytes, str]] = []

    def compile_source(source: bytes, filename: str) -> types.CodeType:
        calls.append((source, filename))
        return compile(source, filename, "exec", dont_inherit=True)

    show("x = 1\n", compile_source=compile_source, filename="given.py")
    assert calls == [(b"x = 1\n", "given.py")]


def test_show_reports_syntax_errors() -> None:
    with pytest.raises(SyntaxError):
        show("def (:\n")


def test_labels_follow_the_running_version() -> None:
    item = compiled("while x:\n    x -= 1\n")
    named = [row for row in item.rows if row.target is not None]
    target = item.rows[named[0].target]  # type: ignore[index]
    if sys.version_info >= (3, 13):
        assert target.label is not None
        assert named[0].argrepr == f"to L{target.label}"
    else:
        assert target.label is None
        assert named[0].argrepr == f"to {target.offset}"


def broken(*units: tuple[str, int]) -> types.CodeType:
    code = compile("def f(a):\n    return a\n", "broken.py", "exec").co_consts[0]
    data = bytes(byte for name, arg in units for byte in (dis.opmap[name], arg))
    return code.replace(co_code=data, co_exceptiontable=b"")


def test_impossible_code_is_reported_not_hidden() -> None:
    underflow = annotate(broken(("RESUME", 0), ("POP_TOP", 0), ("NOP", 0)))
    assert any("underflows" in problem for problem in underflow.problems)
    assert underflow.rows[2].depth_before is None
    off_the_end = annotate(broken(("RESUME", 0), ("LOAD_FAST", 0), ("NOP", 0)))
    assert any("end of the code" in p for p in off_the_end.problems)
    text = format_text(off_the_end)
    assert "problem: offset 4: runs off the end of the code" in text
    assert "problem: offset 4" in html_fragment(off_the_end, token="t")
