"""The conformance machinery: corpus, verdict counting, test_syntax snippets."""

import pytest

from pyinternals.compiler.conformance.__main__ import main, shortfalls
from pyinternals.compiler.conformance.corpus import sample, stdlib_files, stdlib_root
from pyinternals.compiler.conformance.runner import (
    PartReport,
    SyntaxReport,
    render,
    run_part,
    run_syntax,
)
from pyinternals.compiler.conformance.syntax_errors import (
    CPYTHON_STAGES,
    Snippet,
    cpython_rejection,
    rejection_by,
    snippets,
)
from pyinternals.compiler.conformance.verdict import Verdict


def test_corpus_is_the_stdlib_without_site_packages():
    files = stdlib_files()
    root = stdlib_root()
    assert root / "ast.py" in files
    assert root / "test" / "test_syntax.py" in files
    assert not any("site-packages" in p.parts for p in files)


def test_sample_is_deterministic_and_keeps_the_named_files():
    files = stdlib_files()
    first = sample(files, 100, always=["test/test_syntax.py"])
    assert first == sample(files, 100, always=["test/test_syntax.py"])
    assert stdlib_root() / "test" / "test_syntax.py" in first
    assert len(first) <= len(files) // 100 + 2


def test_report_counts_accepted_and_rejected_files_apart():
    report = PartReport("tokens")
    report.add("a.py", Verdict(True, True))
    report.add("b.py", Verdict(False, True, "token 3 differs"))
    report.add("c.py", Verdict(True, False))
    assert (report.accepted, report.agreed) == (2, 1)
    assert (report.rejected, report.rejected_agreed) == (1, 1)
    assert report.agreement == 0.5
    assert report.disagreements == [("b.py", "token 3 differs")]


def test_render_lists_every_disagreement_unless_limited():
    report = PartReport("trees", 3, 3, 0)
    report.disagreements = [(f"m{i}.py", "differs") for i in range(3)]
    assert render([report], None).count("differs") == 3
    limited = render([report], None, limit=1)
    assert limited.count("differs") == 1
    assert "and 2 more" in limited


def test_shortfalls_name_each_bar_missed():
    missed = shortfalls(
        [PartReport("trees", 1000, 1000, 990, 2, 1)],
        SyntaxReport(10, {"parser": 10}, {"parser": 8}),
    )
    assert len(missed) == 3
    assert missed[0].startswith("trees: 990/1000")
    assert "1 files CPython rejects" in missed[1]
    assert missed[2].startswith("syntax: 8/10")


def test_run_part_in_worker_processes_keeps_file_order():
    files = sample(stdlib_files(), 400)
    single = run_part("tokens", files, root=stdlib_root())
    shared = run_part("tokens", files, jobs=2, root=stdlib_root())
    assert (single.files, single.agreed) == (shared.files, shared.agreed)
    assert single.files == len(files)


def test_snippets_come_from_both_doctests_and_check_error_calls():
    found = snippets()
    modes = {s.mode for s in found}
    assert {"single", "exec"} <= modes
    lines = stdlib_root().joinpath("test", "test_syntax.py").read_text().splitlines()
    first_doctest = next(s for s in found if s.mode == "single")
    assert lines[first_doctest.origin - 1].lstrip().startswith(">>>")


def test_cpython_refusals_are_placed_in_their_stage():
    assert cpython_rejection(Snippet("x = = 1\n", "exec", 0)).stage == "parser"
    assert cpython_rejection(Snippet("nonlocal x\n", "exec", 0)).stage == "symtable"
    assert cpython_rejection(Snippet("break\n", "exec", 0)).stage == "compiler"
    assert cpython_rejection(Snippet("x = 1\n", "exec", 0)) is None


def test_rejection_by_lets_crashes_through():
    def crashing(source: str, filename: str, mode: str) -> object:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        rejection_by([("parser", crashing)], Snippet("x\n", "exec", 0))


def test_run_syntax_with_cpython_as_the_front_end_matches_everything():
    report = run_syntax(CPYTHON_STAGES[:2])
    matched, total = report.front_end
    assert total > 300
    assert matched == total
    assert report.by_stage["compiler"] == len(report.mismatches)


def test_command_line_prints_figures_and_checks_the_bar(capsys, tmp_path):
    out = tmp_path / "figures.json"
    status = main(["tokens", "--every", "300", "--check", "--json", str(out)])
    assert status == 0
    assert "tokens" in capsys.readouterr().out
    assert '"parts"' in out.read_text()


def test_command_line_refuses_unknown_parts():
    with pytest.raises(SystemExit):
        main(["lexer"])


def test_check_file_reads_bytes_so_encodings_count(tmp_path):
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9'\n")
    from pyinternals.compiler.conformance.runner import check_file

    assert check_file("tokens", latin).agrees


def test_agreements_with_a_remark_are_shown_apart():
    report = PartReport("trees")
    report.add("bad.py", Verdict(True, False, "message 'a' vs 'b'"))
    assert report.rejected_agreed == 1
    assert report.notes == [("bad.py", "message 'a' vs 'b'")]
    assert "(agrees, but) bad.py: message 'a' vs 'b'" in render([report], None)


def test_later_parts_judge_parser_refusals_as_the_parser_part_does():
    from pyinternals.compiler.conformance import constants, scopes, trees

    source = b"x = (1,\n"
    assert trees.cpython_parser_refuses(source, "x.py")
    expected = trees.compare(source, "x.py")
    assert scopes.compare(source, "x.py") == expected
    assert constants.compare(source, "x.py") == expected
