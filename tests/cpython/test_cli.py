from __future__ import annotations

from pathlib import Path

import pytest

from driver.cli import main, parse_arguments


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYINTERNALS_CACHE", raising=False)
    monkeypatch.delenv("PYINTERNALS_CPYTHON_SOURCE", raising=False)


@pytest.mark.usefixtures("clean_environment")
def test_defaults() -> None:
    options = parse_arguments([])
    assert options.source is None
    assert options.cache == Path.home() / ".cache" / "pyinternals"
    assert options.fetch == "url,apt"
    assert options.timeout == 10.0
    assert options.debug is False
    assert options.no_vanilla is False
    assert options.regrtest == "auto"
    assert options.jobs >= 1


def test_environment_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYINTERNALS_CACHE", "/somewhere/cache")
    monkeypatch.setenv("PYINTERNALS_CPYTHON_SOURCE", "/somewhere/Python.tar.xz")
    options = parse_arguments([])
    assert options.cache == Path("/somewhere/cache")
    assert options.source == Path("/somewhere/Python.tar.xz")


@pytest.mark.usefixtures("clean_environment")
def test_every_option() -> None:
    options = parse_arguments(
        [
            "--source",
            "/t/Python-3.13.5.tar.xz",
            "--cache",
            "/t/cache",
            "--fetch",
            "apt",
            "--timeout",
            "2.5",
            "--debug",
            "--no-vanilla",
            "--regrtest",
            "force",
            "-j",
            "3",
        ]
    )
    assert options.source == Path("/t/Python-3.13.5.tar.xz")
    assert options.cache == Path("/t/cache")
    assert options.fetch == "apt"
    assert options.timeout == 2.5
    assert options.debug is True
    assert options.no_vanilla is True
    assert options.regrtest == "force"
    assert options.jobs == 3


def test_an_unknown_regrtest_mode_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as raised:
        parse_arguments(["--regrtest", "sometimes"])
    assert raised.value.code == 2
    assert "invalid choice: 'sometimes'" in capsys.readouterr().err


def test_help_names_the_script(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_arguments(["--help"])
    help_text = capsys.readouterr().out
    assert help_text.startswith("usage: cpython/build.py ")
    assert "Fetch, verify, patch, build and test the book's pinned CPython." in (
        help_text
    )


def test_a_corrupt_source_stops_the_run_and_unpacks_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt = tmp_path / "corrupt.tar.xz"
    corrupt.write_bytes(b"\xfd7zXZ\x00 not the release")
    cache = tmp_path / "cache"
    status = main(["--source", str(corrupt), "--cache", str(cache), "--no-vanilla"])
    assert status == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: SHA-256 mismatch for {corrupt}:\n")
    assert error.endswith("Check the file given with --source.\n")
    assert [p.name for p in cache.iterdir()] == [".lock"]
