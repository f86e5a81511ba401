from __future__ import annotations

import json
from pathlib import Path

import pytest

from driver.pin import Pin
from driver.tree import (
    STATE_FILE,
    Tree,
    TreeState,
    configure_arguments,
    patch_series,
    series_digest,
    tree_for,
)

PIN = Pin(
    version="3.13.5",
    sha256="0" * 64,
    release_url="https://example.invalid/",
    debian_source_package="python3.13",
    debian_suite="trixie",
)


@pytest.fixture
def patches(tmp_path: Path) -> tuple[Path, Path]:
    first = tmp_path / "0001-first.patch"
    first.write_text("--- a/Lib/a.py\n+++ b/Lib/a.py\n@@ -1 +1 @@\n-a\n+b\n")
    second = tmp_path / "0002-second.patch"
    second.write_text("--- a/Lib/b.py\n+++ b/Lib/b.py\n@@ -1 +1 @@\n-c\n+d\n")
    return first, second


def test_series_digest_is_a_stable_sha256(patches: tuple[Path, Path]) -> None:
    digest = series_digest(patches)
    assert len(digest) == 64
    assert digest == series_digest(list(patches))


def test_series_digest_depends_on_the_order(patches: tuple[Path, Path]) -> None:
    first, second = patches
    assert series_digest([first, second]) != series_digest([second, first])


def test_series_digest_depends_on_the_content(patches: tuple[Path, Path]) -> None:
    before = series_digest(patches)
    patches[1].write_text(patches[1].read_text().replace("+d", "+e"))
    assert series_digest(patches) != before


def test_series_digest_depends_on_the_names(
    patches: tuple[Path, Path], tmp_path: Path
) -> None:
    renamed = tmp_path / "0002-renamed.patch"
    renamed.write_bytes(patches[1].read_bytes())
    assert series_digest([patches[0], renamed]) != series_digest(patches)


def test_series_digest_keeps_patches_apart(tmp_path: Path) -> None:
    # The same bytes split differently between two patches must not collide.
    a, b = tmp_path / "a" / "0001-x.patch", tmp_path / "b" / "0001-x.patch"
    a.parent.mkdir()
    b.parent.mkdir()
    a.write_text("one")
    b.write_text("one\0")
    assert series_digest([a]) != series_digest([b])


def test_series_digest_includes_the_extra_items(patches: tuple[Path, Path]) -> None:
    assert series_digest(patches, ["--with-pydebug"]) != series_digest(patches)


def test_patch_series_is_the_numbered_patches_in_order(tmp_path: Path) -> None:
    for name in ("0002-b.patch", "0010-c.patch", "0001-a.patch", "README.md"):
        (tmp_path / name).write_text("")
    (tmp_path / "12-short.patch").write_text("")
    (tmp_path / "0003-not-a-patch.diff").write_text("")
    assert [p.name for p in patch_series(tmp_path)] == [
        "0001-a.patch",
        "0002-b.patch",
        "0010-c.patch",
    ]


def test_the_repository_series() -> None:
    names = [p.name for p in patch_series()]
    assert names == sorted(names)
    assert names[0].startswith("0001-")


def test_tree_for_names_the_cache_layout(
    tmp_path: Path, patches: tuple[Path, Path]
) -> None:
    patched = tree_for(tmp_path, PIN, patches, debug=False)
    assert patched.root == tmp_path / "builds" / "cpython-3.13.5-patched-release"
    assert patched.name == "patched"
    assert patched.python == patched.root / "python"
    assert patched.series == series_digest(patches)[:12]
    debug = tree_for(tmp_path, PIN, patches, debug=True)
    assert debug.root.name == "cpython-3.13.5-patched-debug"
    assert debug.name == "patched-debug"
    vanilla = tree_for(tmp_path, PIN, (), debug=False)
    assert vanilla.root.name == "cpython-3.13.5-vanilla-release"
    assert vanilla.name == "vanilla"
    assert vanilla.series == "none"


def test_configure_arguments() -> None:
    assert configure_arguments(debug=False) == []
    assert configure_arguments(debug=True) == ["--with-pydebug"]


def _tree(root: Path) -> Tree:
    return Tree(root=root, version="3.13.5", patches=(), debug=False)


def test_state_is_saved_at_once_and_read_back(tmp_path: Path) -> None:
    state = TreeState(_tree(tmp_path))
    assert "configured" not in state
    state.mark("configured", ["--with-pydebug"])
    state.mark("built")
    assert json.loads((tmp_path / STATE_FILE).read_text()) == {
        "built": True,
        "configured": ["--with-pydebug"],
    }
    again = TreeState(_tree(tmp_path))
    assert "configured" in again
    assert again.data["configured"] == ["--with-pydebug"]
    assert not (tmp_path / ".pyinternals-state.partial").exists()


def test_an_unreadable_state_is_empty(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_text("{not json")
    assert TreeState(_tree(tmp_path)).data == {}
    assert TreeState(_tree(tmp_path / "absent")).data == {}


def test_the_state_file_name_is_the_cache_s() -> None:
    # Trees built by earlier versions of the driver must still be recognised.
    assert STATE_FILE == ".pyinternals-state.json"
