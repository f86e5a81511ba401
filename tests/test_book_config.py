"""The book's build configuration: the execution cache follows src/.

MyST-NB's cache keys a notebook on its own cells only, so ``conf.py`` puts a
digest of ``src/`` (Python and C) and ``cpython/patches/`` into the cache
path. These tests run ``conf.py`` against a scratch copy of the layout and
check that the path moves when, and only when, those sources change.
"""

from __future__ import annotations

import runpy
import shutil
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    shutil.copy(REPOSITORY / "conf.py", tmp_path / "conf.py")
    package = tmp_path / "src" / "pyinternals"
    package.mkdir(parents=True)
    (package / "module.py").write_text("ANSWER = 42\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "chapter.md").write_text("# A chapter\n")
    return tmp_path


def cache_path(root: Path) -> Path:
    settings = runpy.run_path(str(root / "conf.py"))
    return Path(settings["nb_execution_cache_path"])


def test_cache_lives_under_build_folder(scratch: Path) -> None:
    path = cache_path(scratch)
    assert path.parent == scratch / "_build" / "jupyter_cache"
    assert len(path.name) == 16


def test_same_sources_same_cache(scratch: Path) -> None:
    assert cache_path(scratch) == cache_path(scratch)


@pytest.mark.parametrize(
    "changed",
    [
        "src/pyinternals/module.py",
        "src/native/extension.c",
        "cpython/patches/0001-x.patch",
    ],
)
def test_source_change_moves_cache(scratch: Path, changed: str) -> None:
    before = cache_path(scratch)
    target = scratch / changed
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("/* a change */\n")
    assert cache_path(scratch) != before


def test_chapter_change_keeps_cache(scratch: Path) -> None:
    before = cache_path(scratch)
    (scratch / "book" / "chapter.md").write_text("# A chapter, edited\n")
    assert cache_path(scratch) == before


def test_stale_caches_are_removed(scratch: Path) -> None:
    stale = scratch / "_build" / "jupyter_cache" / "0123456789abcdef"
    stale.mkdir(parents=True)
    current = cache_path(scratch)
    assert not stale.exists()
    assert current.name != stale.name
