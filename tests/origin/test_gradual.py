import ast
from pathlib import Path

import pytest

from pyinternals.origin import zen
from pyinternals.origin.gradual import Report, check, erase_annotations, parse_report

BUG = "\nrot13(13)\n"


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.fixture(scope="module")
def typed_source() -> str:
    return Path(zen.__file__).read_text()


def _function_annotations(source: str) -> list[ast.expr]:
    found: list[ast.expr] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found += [
                a.annotation
                for a in ast.walk(node.args)
                if isinstance(a, ast.arg) and a.annotation
            ]
            found += [node.returns] if node.returns else []
    return found


def test_erasing_removes_every_function_annotation_and_nothing_else(
    typed_source: str,
) -> None:
    erased = erase_annotations(typed_source)
    assert _function_annotations(typed_source)
    assert _function_annotations(erased) == []
    annotated = [
        n for n in ast.walk(ast.parse(typed_source)) if isinstance(n, ast.AnnAssign)
    ]
    kept = [n for n in ast.walk(ast.parse(erased)) if isinstance(n, ast.AnnAssign)]
    assert [ast.dump(n) for n in kept] == [ast.dump(n) for n in annotated]
    compile(erased, "erased.py", "exec")


def test_erasing_handles_every_kind_of_parameter() -> None:
    source = (
        "async def f(a: int, /, b: str, *c: float, d: bytes, **e: bool) -> None: ..."
    )
    assert erase_annotations(source) == "async def f(a, /, b, *c, d, **e):\n    ...\n"


def test_the_typed_module_is_clean_even_under_strict(
    typed_source: str, cache: Path
) -> None:
    report = check(typed_source, strict=True, cache_dir=cache)
    assert report.exit_status == 0
    assert report.errors == ()
    assert report.summary.startswith("Success")


def test_mypy_catches_the_bug_in_the_typed_module(
    typed_source: str, cache: Path
) -> None:
    report = check(typed_source + BUG, cache_dir=cache)
    assert report.exit_status == 1
    [error] = report.errors
    assert error.code == "arg-type"
    assert error.line == len((typed_source + BUG).splitlines())
    assert '"int"' in error.message
    assert '"str"' in error.message


def test_the_same_bug_passes_unnoticed_once_annotations_are_erased(
    typed_source: str, cache: Path
) -> None:
    report = check(erase_annotations(typed_source) + BUG, cache_dir=cache)
    assert report.exit_status == 0
    assert report.errors == ()


def test_strict_mode_refuses_unannotated_functions(
    typed_source: str, cache: Path
) -> None:
    report = check(erase_annotations(typed_source), strict=True, cache_dir=cache)
    codes = {error.code for error in report.errors}
    assert codes == {"no-untyped-def", "no-untyped-call"}


def test_parse_report_reads_errors_notes_and_the_summary() -> None:
    output = (
        'example.py:4: error: Name "y" is not defined  [name-defined]\n'
        'example.py:9: note: Revealed type is "builtins.int"\n'
        "Found 1 error in 1 file (checked 1 source file)\n"
    )
    report = parse_report(output, 1)
    assert isinstance(report, Report)
    assert [(d.line, d.severity, d.code) for d in report.diagnostics] == [
        (4, "error", "name-defined"),
        (9, "note", None),
    ]
    assert len(report.errors) == 1
    assert report.summary == "Found 1 error in 1 file (checked 1 source file)"
