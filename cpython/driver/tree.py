"""Build trees: where one variant of the pinned release is unpacked, patched and built.

A :class:`Tree` is a folder in the cache, one per version, kind (``patched``
or ``vanilla``) and variant (``release`` or ``debug``). Its
:class:`TreeState` (``.pyinternals-state.json``) records each step done, so
:func:`prepare_tree` does only what is missing: unpack, patch, configure,
regenerate, make. A tree built for another patch series is brought to the
new one in place, so that make recompiles only what the change touches.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .pin import CPYTHON, Pin, file_sha256
from .process import BuildError, log, run

__all__ = [
    "PATCHES",
    "REGEN_TARGETS",
    "STATE_FILE",
    "Tree",
    "TreeState",
    "configure_arguments",
    "link_tree",
    "patch_series",
    "prepare_tree",
    "prune_outdated",
    "series_digest",
    "tree_for",
]

PATCHES = CPYTHON / "patches"
STATE_FILE = ".pyinternals-state.json"
PATCH_COPIES = ".pyinternals-patches"

# Run after patching: each rewrites its generated files only when their
# inputs changed (Tools/build/update_file.py), so on sources whose grammar,
# ASDL and bytecodes.c are untouched they are no-ops.
REGEN_TARGETS = (
    "regen-token",
    "regen-pegen",
    "regen-ast",
    "regen-keyword",
    "regen-cases",
    "regen-global-objects",
)


@dataclasses.dataclass(frozen=True)
class Tree:
    """One build tree: a version, a patch series (or none) and a variant."""

    root: Path
    version: str
    patches: tuple[Path, ...]
    debug: bool

    @property
    def name(self) -> str:
        """The variant's name: ``patched``, ``vanilla``, with ``-debug``."""
        base = "patched" if self.patches else "vanilla"
        return f"{base}-debug" if self.debug else base

    @property
    def python(self) -> Path:
        """The built interpreter."""
        return self.root / "python"

    @property
    def series(self) -> str:
        """The digest of the patch series built here (12 hex digits)."""
        return series_digest(self.patches)[:12] if self.patches else "none"


def patch_series(directory: Path = PATCHES) -> tuple[Path, ...]:
    """Return the patches, in the order their ``NNNN-`` prefixes give."""
    return tuple(sorted(directory.glob("[0-9][0-9][0-9][0-9]-*.patch")))


def series_digest(patches: Sequence[Path], extra: Iterable[str] = ()) -> str:
    """Digest the patch series (names and contents) and the build recipe."""
    digest = hashlib.sha256()
    for patch in patches:
        digest.update(patch.name.encode() + b"\0" + patch.read_bytes() + b"\0")
    for item in extra:
        digest.update(item.encode() + b"\0")
    return digest.hexdigest()


def tree_for(cache: Path, pin: Pin, patches: tuple[Path, ...], debug: bool) -> Tree:
    """Return the build tree of a version, variant and patch series.

    There is one patched tree per version and variant, whatever the series:
    the tree's state records the series it holds (patch names and digests),
    and a new series is brought in by reverting and applying patches in
    place (:func:`_rebase`), so that make recompiles only what they touch.
    A tree cannot be moved or copied instead: configure writes its absolute
    path into the Makefile, and configuring again recompiles everything.
    """
    kind = "patched" if patches else "vanilla"
    variant = "debug" if debug else "release"
    root = cache / "builds" / f"cpython-{pin.version}-{kind}-{variant}"
    return Tree(root=root, version=pin.version, patches=patches, debug=debug)


def configure_arguments(debug: bool) -> list[str]:
    """Return the ``./configure`` arguments of a variant."""
    return ["--with-pydebug"] if debug else []


class TreeState:
    """The steps done in a tree, persisted in its ``.pyinternals-state.json``."""

    def __init__(self, tree: Tree) -> None:
        self._path = tree.root / STATE_FILE
        try:
            self.data: dict[str, object] = json.loads(self._path.read_text())
        except (OSError, ValueError):
            self.data = {}

    def __contains__(self, step: str) -> bool:
        return step in self.data

    def mark(self, step: str, value: object = True) -> None:
        """Record *step* as done (with *value*) and save at once."""
        self.data[step] = value
        partial = self._path.with_suffix(".partial")
        partial.write_text(json.dumps(self.data, indent=2, sort_keys=True))
        partial.replace(self._path)


def _unpack(tarball: Path, tree: Tree) -> None:
    """Unpack *tarball* into ``tree.root`` through a staging folder."""
    staging = tree.root.with_name(tree.root.name + ".unpacking")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        archive.extractall(staging, filter="data")
    top = staging / f"Python-{tree.version}"
    if not (top / "configure").is_file():
        raise BuildError(f"{tarball} has no Python-{tree.version}/configure")
    shutil.rmtree(tree.root, ignore_errors=True)
    top.replace(tree.root)
    shutil.rmtree(staging)


def _patch_command(patch: Path, *extra: str) -> list[str]:
    """Return the ``patch`` command that applies *patch* exactly (or reverts it)."""
    return ["patch", "-p1", "--batch", "--fuzz=0", *extra, "-i", str(patch)]


def _apply_patches(tree: Tree, state: TreeState, start: int = 0) -> None:
    """Apply the series from patch *start* on; one that does not apply stops.

    A copy of each applied patch is kept in the tree, so that a later series
    can revert it even after the file in ``cpython/patches`` has changed.
    """
    applied: list[list[str]] = list(_applied(state))[:start]
    copies = tree.root / PATCH_COPIES
    copies.mkdir(exist_ok=True)
    for patch in tree.patches[start:]:
        dry = subprocess.run(
            _patch_command(patch, "--forward", "--dry-run"),
            cwd=tree.root,
            capture_output=True,
            text=True,
        )
        if dry.returncode != 0:
            raise BuildError(
                f"{patch.name} does not apply to CPython {tree.version}:\n{dry.stdout}"
            )
        run(_patch_command(patch, "--forward"), cwd=tree.root, quiet=True)
        shutil.copy2(patch, copies / patch.name)
        applied.append([patch.name, file_sha256(patch)])
        state.mark("patched", applied)
        log(f"applied {patch.name}")
    state.mark("patched", applied)


def _applied(state: TreeState) -> Iterator[list[str]]:
    """Yield ``[name, sha256]`` for each patch applied to a tree, in order."""
    recorded = state.data.get("patched")
    for entry in recorded if isinstance(recorded, list) else []:
        if isinstance(entry, list) and len(entry) == 2:
            yield [str(entry[0]), str(entry[1])]


def _series_changed(tree: Tree, state: TreeState) -> bool:
    """Tell whether the tree holds another series than ``tree.patches``."""
    wanted = [[patch.name, file_sha256(patch)] for patch in tree.patches]
    return list(_applied(state)) != wanted


def _rebase(tree: Tree, state: TreeState) -> None:
    """Revert the applied patches the series no longer has, apply its new ones.

    Patches are compared by name and digest; from the first that differs,
    the applied ones are reverted (from the copies kept in the tree) and the
    series' own applied. The tree keeps its configuration and objects, so
    make rebuilds only what the patches touch.
    """
    applied = list(_applied(state))
    wanted = [[patch.name, file_sha256(patch)] for patch in tree.patches]
    common = 0
    while common < min(len(applied), len(wanted)) and (
        applied[common] == wanted[common]
    ):
        common += 1
    copies = tree.root / PATCH_COPIES
    touched = _touched_files(
        [copies / name for name, _digest in applied[common:]]
        + list(tree.patches[common:])
    )
    before = {name: _fingerprint(tree.root / name) for name in touched}
    state.mark("rebasing", True)
    for name, _digest in reversed(applied[common:]):
        copy = tree.root / PATCH_COPIES / name
        run(_patch_command(copy, "--reverse"), cwd=tree.root, quiet=True)
        copy.unlink()
        log(f"reverted {name}")
    state.data["patched"] = applied[:common]
    _apply_patches(tree, state, start=common)
    # Reverting and applying again rewrites files whose content ends up as
    # it was: give those their old times back, so make leaves them alone.
    for name, old in before.items():
        path = tree.root / name
        new = _fingerprint(path)
        if old is not None and new is not None and new[0] == old[0]:
            os.utime(path, ns=(old[1], old[1]))
    state.data.pop("regenerated", None)
    state.data.pop("rebasing", None)
    state.mark("series", tree.series)


def _touched_files(patches: Iterable[Path]) -> set[str]:
    """Return the paths (relative to the tree) that *patches* change."""
    names: set[str] = set()
    for patch in patches:
        for line in patch.read_text(errors="replace").splitlines():
            if line.startswith(("--- a/", "+++ b/")):
                names.add(line[6:].split("\t")[0])
    return names


def _fingerprint(path: Path) -> tuple[str, int] | None:
    """Return a file's digest and modification time (ns), or None if absent."""
    try:
        return file_sha256(path), path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def _make(tree: Tree, targets: Sequence[str], jobs: int, log_name: str) -> None:
    """Run make in the tree, its output in a log; show the log's end on failure."""
    run(["make", f"-j{jobs}", *targets], cwd=tree.root, log_file=tree.root / log_name)


def prepare_tree(tree: Tree, tarball: Path, jobs: int) -> dict[str, float]:
    """Bring *tree* to a built interpreter, doing only the steps not yet done.

    A tree built for another series is brought to this one in place (see
    :func:`tree_for`). Returns the seconds each step took (steps skipped are
    absent).
    """
    timings: dict[str, float] = {}
    state = TreeState(tree)
    if "rebasing" in state:
        shutil.rmtree(tree.root)  # a run stopped mid-rebase: start again
    elif "configured" in state and tree.patches and _series_changed(tree, state):
        start = time.monotonic()
        log(f"bringing {tree.root} to the new series")
        try:
            _rebase(tree, state)
        except BuildError as error:
            log(f"could not ({error}); starting the tree again")
            shutil.rmtree(tree.root)
        timings["rebase"] = time.monotonic() - start
    # Until configure has finished, a tree is cheap to remake and may be
    # half-patched (a run stopped in between): start it again from the
    # tarball rather than guess what was done.
    if "configured" not in TreeState(tree):
        start = time.monotonic()
        log(f"unpacking into {tree.root}")
        _unpack(tarball, tree)
        TreeState(tree).mark("unpacked", file_sha256(tarball))
        timings["unpack"] = time.monotonic() - start
    state = TreeState(tree)
    if tree.patches and "patched" not in state:
        start = time.monotonic()
        _apply_patches(tree, state)
        state.mark("series", tree.series)
        timings["patch"] = time.monotonic() - start
    if "configured" not in state:
        start = time.monotonic()
        arguments = configure_arguments(tree.debug)
        log(f"configuring {tree.name}: ./configure {' '.join(arguments)}".rstrip())
        run(
            ["./configure", *arguments],
            cwd=tree.root,
            log_file=tree.root / "pyinternals-configure.log",
        )
        state.mark("configured", arguments)
        timings["configure"] = time.monotonic() - start
    if tree.patches and state.data.get("regenerated") != list(REGEN_TARGETS):
        start = time.monotonic()
        log(f"regenerating: make {' '.join(REGEN_TARGETS)}")
        # configure picks the first python3.1x on PATH for the generators,
        # which may be a version-manager shim that cannot run; the Python
        # running this script is recent enough (3.11) and known to work.
        regen = [f"PYTHON_FOR_REGEN={sys.executable}", *REGEN_TARGETS]
        _make(tree, regen, 1, "pyinternals-regen.log")
        state.mark("regenerated", list(REGEN_TARGETS))
        timings["regen"] = time.monotonic() - start
    start = time.monotonic()
    log(f"make -j{jobs} ({tree.name})")
    _make(tree, [], jobs, "pyinternals-make.log")
    timings["make"] = time.monotonic() - start
    if not tree.python.is_file():
        raise BuildError(f"make finished but {tree.python} is missing")
    state.mark("built", _binary_stamp(tree))
    return timings


def _binary_stamp(tree: Tree) -> str:
    """Return a stamp identifying one build of the interpreter and its modules."""
    parts = [tree.python, *sorted((tree.root / "build").glob("lib.*/*.so"))]
    return hashlib.sha256(
        "".join(f"{p.name}:{p.stat().st_mtime_ns}\n" for p in parts).encode()
    ).hexdigest()


def link_tree(tree: Tree, build_dir: Path) -> Path:
    """Point ``_build/cpython/<variant>`` at the cached tree."""
    build_dir.mkdir(parents=True, exist_ok=True)
    link = build_dir / tree.name
    if link.is_symlink() or link.exists():
        if link.is_symlink() and link.resolve() == tree.root.resolve():
            return link
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        else:
            link.unlink()
    link.symlink_to(tree.root, target_is_directory=True)
    return link


def prune_outdated(tree: Tree) -> None:
    """Remove trees of the variant left by the earlier layout, one per series.

    The cache keeps one patched and one vanilla tree per version and variant
    (about 0.45 GB each).
    """
    variant = "debug" if tree.debug else "release"
    keep = {
        f"cpython-{tree.version}-{kind}-{variant}" for kind in ("patched", "vanilla")
    }
    for other in tree.root.parent.glob(f"cpython-{tree.version}-*-{variant}"):
        if other.name not in keep and other.is_dir():
            log(f"removing the outdated tree {other}")
            shutil.rmtree(other, ignore_errors=True)
