"""Fetch, verify, patch, build and test the book's pinned CPython.

This is the driver behind ``nox -s cpython``. It works in steps, each of
which records its completion so that a second run only redoes what changed:

1. **obtain** the release tarball named in ``cpython/pin.toml``: from a path
   given with ``--source`` or ``$PYINTERNALS_CPYTHON_SOURCE``, else from the
   release URL (short timeout), else on Debian through a temporary ``deb-src``
   entry derived from the machine's own apt sources, in a private apt state;
2. **verify** its SHA-256 against the pin before anything is unpacked;
3. **unpack** it into a build tree under the cache (``~/.cache/pyinternals``
   or ``$PYINTERNALS_CACHE``), one tree per version, patch-series digest and
   variant, linked from ``_build/cpython/<variant>``;
4. **patch** the tree with ``cpython/patches/NNNN-slug.patch`` in order, then
   run the regeneration targets (parser, AST, opcodes, ...) so that patches
   hold hand-written sources only;
5. **configure** and **make** (``--with-pydebug`` for the debug variant);
6. **test**: the patch tests in ``cpython/tests`` with the built interpreter,
   on the patched tree *and* on an unpatched ("vanilla") tree, where every
   one of them must fail; then the CPython regression tests that cover what
   the patches touch, whose result is cached per build.

Functions compute records (:class:`TestOutcome`, :class:`RegrtestResult`,
:class:`Report`); :func:`render_report` alone turns them into text.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

__all__ = [
    "BuildError",
    "Pin",
    "Tree",
    "main",
    "obtain_tarball",
    "prepare_tree",
    "render_report",
    "run_patch_tests",
    "run_regrtest",
    "series_digest",
    "verify_sha256",
]

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
PATCHES = HERE / "patches"
TESTS = HERE / "tests"
STATE_FILE = ".pyinternals-state.json"

# CPython's own tests that cover what the patches touch; each patch adds the
# modules of what it changes (see cpython/README.md).
REGRTESTS = (
    "test_builtin",
    "test_grammar",
    "test_ast",
    "test_dis",
    "test_peepholer",
    "test_sys",
    "test_fractions",  # 0005
    "test_opcache",  # 0004: the counting instruction prologue
    "test_tokenize",  # 0002: a new token
    "test_syntax",  # 0002: the grammar's error messages
    "test_unparse",  # 0002: ast.unparse and ast_unparse.c
    "test_compile",  # 0002: the compiler
    "test_symtable",  # 0002: the symbol table
)

# "cpu" lets test_tokenize and test_unparse round-trip standard-library
# files through the patched tokenizer and unparser (about 13 s more).
REGRTEST_OPTIONS = ("-u", "cpu")

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


class BuildError(RuntimeError):
    """A step failed; the message says which and what to do about it."""


@dataclasses.dataclass(frozen=True)
class Pin:
    """The pinned release: version, digest and where to find it."""

    version: str
    sha256: str
    release_url: str
    debian_source_package: str
    debian_suite: str

    @classmethod
    def load(cls, path: Path = HERE / "pin.toml") -> Pin:
        """Read the pin from ``cpython/pin.toml``."""
        with path.open("rb") as stream:
            data = tomllib.load(stream)
        return cls(
            **{field.name: data[field.name] for field in dataclasses.fields(cls)}
        )

    @property
    def tarball_name(self) -> str:
        """The release tarball's file name, as the release team names it."""
        return f"Python-{self.version}.tar.xz"


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


@dataclasses.dataclass(frozen=True)
class TestOutcome:
    """One patch test's result on one build."""

    test_id: str
    outcome: str  # "pass", "fail", "error" or "skip"
    detail: str


@dataclasses.dataclass(frozen=True)
class RegrtestResult:
    """One CPython regression test module's counts on one build."""

    module: str
    tests: int
    failures: int
    errors: int
    skipped: int

    @property
    def passed(self) -> bool:
        """True when nothing failed and nothing errored."""
        return self.failures == 0 and self.errors == 0


@dataclasses.dataclass
class Report:
    """Everything one run found out, for :func:`render_report`."""

    interpreter: Path
    series: str = "none"
    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    patched: list[TestOutcome] = dataclasses.field(default_factory=list)
    vanilla: list[TestOutcome] | None = None
    regrtests: list[RegrtestResult] | None = None
    regrtests_cached: bool = False


def log(message: str) -> None:
    """Print a progress line (flushed, so it interleaves with subprocesses)."""
    print(f"[cpython] {message}", flush=True)


# --------------------------------------------------------------------------
# Obtaining and verifying the tarball


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file's bytes, as lowercase hex."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_sha256(path: Path, expected: str) -> None:
    """Raise :class:`BuildError` unless *path* has the SHA-256 *expected*."""
    actual = file_sha256(path)
    if actual != expected:
        raise BuildError(
            f"SHA-256 mismatch for {path}:\n"
            f"  expected {expected}\n"
            f"  actual   {actual}\n"
            "It is not the pinned CPython release; nothing was unpacked from it."
        )


def _download(url: str, destination: Path, timeout: float) -> None:
    """Fetch *url* into *destination* (written whole, or not at all)."""
    partial = destination.with_name(destination.name + ".part")
    try:
        with (
            urllib.request.urlopen(url, timeout=timeout) as response,
            partial.open("wb") as stream,
        ):
            shutil.copyfileobj(response, stream)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(destination)


def apt_mirrors(
    sources: Iterable[Path] | None = None, codename: str | None = None
) -> list[str]:
    """Return the machine's Debian archive URIs, read from its apt sources.

    Both one-line ``.list`` files and deb822 ``.sources`` files are read. An
    entry counts as the Debian archive when it carries the release's own
    suite (``bookworm``, not ``bookworm-security``) and the ``main``
    component; other repositories (vendors, security) are left out.
    """
    codename = codename or _os_codename()
    if sources is None:
        parts = Path("/etc/apt/sources.list.d")
        sources = [Path("/etc/apt/sources.list")]
        if parts.is_dir():
            sources += sorted(parts.glob("*.list")) + sorted(parts.glob("*.sources"))
    mirrors: list[str] = []
    for path in sources:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        entries = (
            _deb822_entries(text)
            if path.suffix == ".sources"
            else _one_line_entries(text)
        )
        for uris, suites, components in entries:
            if codename in suites and "main" in components:
                mirrors += [uri for uri in uris if uri not in mirrors]
    return mirrors


def _os_codename() -> str:
    """``VERSION_CODENAME`` from ``/etc/os-release`` (empty if unknown)."""
    try:
        text = Path("/etc/os-release").read_text(encoding="utf-8")
    except OSError:
        return ""
    match = re.search(r"^VERSION_CODENAME=\"?([^\"\n]*)", text, re.MULTILINE)
    return match.group(1) if match else ""


_Entry = tuple[list[str], list[str], list[str]]


def _one_line_entries(text: str) -> Iterator[_Entry]:
    """``deb [options] URI suite component...`` lines as (uris, suites, comps)."""
    for raw in text.splitlines():
        line = re.sub(r"\[[^\]]*\]", " ", raw.split("#", 1)[0]).split()
        if len(line) >= 3 and line[0] in ("deb", "deb-src"):
            yield [line[1]], [line[2]], line[3:]


def _deb822_entries(text: str) -> Iterator[_Entry]:
    """deb822 stanzas (``URIs:``, ``Suites:``, ``Components:``), enabled only."""
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if fields.get("enabled", "yes").lower() == "no" or "uris" not in fields:
            continue
        yield (
            fields["uris"].split(),
            fields.get("suites", "").split(),
            fields.get("components", "").split(),
        )


def _fetch_with_apt(pin: Pin, destination: Path) -> None:
    """Download the orig tarball with apt-get in a private, temporary apt state.

    The machine's apt configuration and package lists are never written: the
    source list, lists and cache all live in a temporary folder.
    """
    if shutil.which("apt-get") is None:
        raise BuildError("apt-get is not available")
    mirrors = apt_mirrors()
    if not mirrors:
        raise BuildError("no Debian mirror found in /etc/apt/sources.list{,.d/}")
    with tempfile.TemporaryDirectory(prefix="pyinternals-apt-") as temporary:
        state = Path(temporary)
        (state / "sources.list.d").mkdir()
        (state / "lists" / "partial").mkdir(parents=True)
        (state / "cache" / "archives" / "partial").mkdir(parents=True)
        (state / "sources.list").write_text(
            "".join(f"deb-src {uri} {pin.debian_suite} main\n" for uri in mirrors)
        )
        options = [
            f"-oDir::Etc::SourceList={state / 'sources.list'}",
            f"-oDir::Etc::SourceParts={state / 'sources.list.d'}",
            f"-oDir::State::Lists={state / 'lists'}",
            f"-oDir::Cache={state / 'cache'}",
            # The temporary folder is private to us: apt's unprivileged
            # download user could not write into it.
            "-oAPT::Sandbox::User=" + _current_user(),
        ]
        log(f"apt: deb-src {' '.join(mirrors)} {pin.debian_suite} main (temporary)")
        _run(["apt-get", "-qq", *options, "update"], cwd=state)
        downloads = state / "source"
        downloads.mkdir()
        _run(
            [
                "apt-get",
                "-qq",
                *options,
                "source",
                "--download-only",
                f"{pin.debian_source_package}={_debian_version(pin, options, state)}",
            ],
            cwd=downloads,
        )
        orig = downloads / f"{pin.debian_source_package}_{pin.version}.orig.tar.xz"
        if not orig.is_file():
            raise BuildError(f"apt-get did not produce {orig.name}")
        shutil.move(orig, destination)


def _current_user() -> str:
    """Return the user apt should download as: the one running this script."""
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def _debian_version(pin: Pin, options: list[str], cwd: Path) -> str:
    """Return the suite's Debian version of the pinned upstream release."""
    output = subprocess.run(
        ["apt-cache", *options, "showsrc", pin.debian_source_package],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    versions: list[str] = re.findall(r"^Version: (\S+)$", output, re.MULTILINE)
    matching = [v for v in versions if v.split(":")[-1].startswith(pin.version + "-")]
    if not matching:
        raise BuildError(
            f"{pin.debian_suite} has {pin.debian_source_package} "
            f"{', '.join(versions) or 'in no version'}, not {pin.version}"
        )
    return matching[0]


def obtain_tarball(
    pin: Pin,
    downloads: Path,
    source: Path | None = None,
    timeout: float = 10.0,
    sources: Sequence[str] = ("url", "apt"),
) -> Path:
    """Return a verified copy of the pinned tarball, fetching it at most once.

    *source*, when given, is used as is (and verified): nothing is fetched.
    Otherwise the cached copy in *downloads* is used, or the tarball is
    fetched from each of *sources* in turn (``url``: the release URL;
    ``apt``: Debian's orig tarball) and verified before it is kept.
    """
    if source is not None:
        if not source.is_file():
            raise BuildError(f"--source {source}: no such file")
        _verify_or_explain(source, pin, "Check the file given with --source.")
        return source
    cached = downloads / pin.tarball_name
    if cached.is_file():
        _verify_or_explain(cached, pin, f"Delete {cached} to fetch it again.")
        return cached
    downloads.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for method in sources:
        fetched = downloads / f"{pin.tarball_name}.{method}"
        try:
            if method == "url":
                log(f"downloading {pin.release_url} (timeout {timeout:g}s)")
                _download(pin.release_url, fetched, timeout)
            elif method == "apt":
                log(f"fetching {pin.debian_source_package} {pin.version} with apt-get")
                _fetch_with_apt(pin, fetched)
            else:
                raise BuildError(f"unknown source {method!r}")
        except (OSError, urllib.error.URLError, BuildError) as error:
            failures.append(f"{method}: {error}")
            log(f"{method} failed: {error}")
            continue
        try:
            verify_sha256(fetched, pin.sha256)
        except BuildError as error:
            fetched.unlink()
            raise BuildError(f"{error}\nThe download ({method}) was deleted.") from None
        fetched.replace(cached)
        log(f"verified {cached} (SHA-256 {pin.sha256})")
        return cached
    raise BuildError(
        "could not obtain the CPython source:\n  "
        + "\n  ".join(failures)
        + "\nGive a local copy with --source PATH or $PYINTERNALS_CPYTHON_SOURCE."
    )


def _verify_or_explain(path: Path, pin: Pin, advice: str) -> None:
    """Verify *path* against the pin; on a mismatch, add *advice* to the error."""
    try:
        verify_sha256(path, pin.sha256)
    except BuildError as error:
        raise BuildError(f"{error}\n{advice}") from None


# --------------------------------------------------------------------------
# Build trees


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


class _State:
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


PATCH_COPIES = ".pyinternals-patches"


def _patch_command(patch: Path, *extra: str) -> list[str]:
    """Return the ``patch`` command that applies *patch* exactly (or reverts it)."""
    return ["patch", "-p1", "--batch", "--fuzz=0", *extra, "-i", str(patch)]


def _apply_patches(tree: Tree, state: _State, start: int = 0) -> None:
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
        _run(_patch_command(patch, "--forward"), cwd=tree.root, quiet=True)
        shutil.copy2(patch, copies / patch.name)
        applied.append([patch.name, file_sha256(patch)])
        state.mark("patched", applied)
        log(f"applied {patch.name}")
    state.mark("patched", applied)


def _applied(state: _State) -> Iterator[list[str]]:
    """Yield ``[name, sha256]`` for each patch applied to a tree, in order."""
    recorded = state.data.get("patched")
    for entry in recorded if isinstance(recorded, list) else []:
        if isinstance(entry, list) and len(entry) == 2:
            yield [str(entry[0]), str(entry[1])]


def _series_changed(tree: Tree, state: _State) -> bool:
    """Tell whether the tree holds another series than ``tree.patches``."""
    wanted = [[patch.name, file_sha256(patch)] for patch in tree.patches]
    return list(_applied(state)) != wanted


def _rebase(tree: Tree, state: _State) -> None:
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
        _run(_patch_command(copy, "--reverse"), cwd=tree.root, quiet=True)
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
    _run(["make", f"-j{jobs}", *targets], cwd=tree.root, log_file=tree.root / log_name)


def prepare_tree(tree: Tree, tarball: Path, jobs: int) -> dict[str, float]:
    """Bring *tree* to a built interpreter, doing only the steps not yet done.

    A tree built for another series is brought to this one in place (see
    :func:`tree_for`). Returns the seconds each step took (steps skipped are
    absent).
    """
    timings: dict[str, float] = {}
    state = _State(tree)
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
    if "configured" not in _State(tree):
        start = time.monotonic()
        log(f"unpacking into {tree.root}")
        _unpack(tarball, tree)
        _State(tree).mark("unpacked", file_sha256(tarball))
        timings["unpack"] = time.monotonic() - start
    state = _State(tree)
    if tree.patches and "patched" not in state:
        start = time.monotonic()
        _apply_patches(tree, state)
        state.mark("series", tree.series)
        timings["patch"] = time.monotonic() - start
    if "configured" not in state:
        start = time.monotonic()
        arguments = configure_arguments(tree.debug)
        log(f"configuring {tree.name}: ./configure {' '.join(arguments)}".rstrip())
        _run(
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


def _link(tree: Tree, build_dir: Path) -> Path:
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


def _prune(tree: Tree) -> None:
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


def _run(
    command: Sequence[str],
    cwd: Path,
    log_file: Path | None = None,
    quiet: bool = False,
) -> None:
    """Run *command*; output goes to *log_file* if given. Failures raise."""
    if log_file is None:
        result = subprocess.run(
            command, cwd=cwd, capture_output=quiet, text=True, check=False
        )
        if result.returncode != 0:
            output = (result.stdout or "") + (result.stderr or "")
            raise BuildError(f"{' '.join(command)} failed in {cwd}\n{output}")
        return
    with log_file.open("w") as stream:
        logged = subprocess.run(
            command, cwd=cwd, stdout=stream, stderr=subprocess.STDOUT, check=False
        )
    if logged.returncode != 0:
        tail = "".join(log_file.read_text(errors="replace").splitlines(True)[-40:])
        raise BuildError(
            f"{' '.join(command)} failed in {cwd} (full log: {log_file}):\n{tail}"
        )


# --------------------------------------------------------------------------
# Tests


def run_patch_tests(tree: Tree) -> list[TestOutcome]:
    """Run ``cpython/tests`` with the tree's interpreter; one record per test."""
    with tempfile.NamedTemporaryFile(suffix=".json") as results:
        subprocess.run(
            [str(tree.python), "-I", str(TESTS / "runner.py"), results.name],
            cwd=TESTS,
            check=False,
            capture_output=True,
        )
        text = Path(results.name).read_text()
    if not text:
        raise BuildError(f"the patch test runner produced nothing on {tree.name}")
    return [TestOutcome(**record) for record in json.loads(text)]


def run_regrtest(
    tree: Tree, modules: Sequence[str], jobs: int, force: bool = False
) -> tuple[list[RegrtestResult], bool]:
    """Run CPython's own tests *modules* on *tree*, or reuse the last result.

    The result is cached in the tree's state, keyed by the interpreter's
    build stamp and the module list: an unchanged build is not retested
    unless *force*. Returns the per-module results and whether they came
    from the cache.
    """
    state = _State(tree)
    key = {
        "build": state.data.get("built"),
        "series": state.data.get("series"),
        "modules": list(modules),
        "options": list(REGRTEST_OPTIONS),
    }
    cached = state.data.get("regrtest")
    if not force and isinstance(cached, dict) and cached.get("key") == key:
        return [RegrtestResult(**record) for record in cached["results"]], True
    junit = tree.root / "pyinternals-regrtest.xml"
    junit.unlink(missing_ok=True)
    log(
        f"python -m test -j{jobs} {' '.join(REGRTEST_OPTIONS)} "
        f"{' '.join(modules)} ({tree.name})"
    )
    command = [
        str(tree.python),
        "-m",
        "test",
        f"-j{jobs}",
        *REGRTEST_OPTIONS,
        "--junit-xml",
        str(junit),
    ]
    completed = subprocess.run(
        [*command, *modules],
        cwd=tree.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    (tree.root / "pyinternals-regrtest.log").write_text(completed.stdout)
    results = _parse_junit(junit, modules) if junit.is_file() else []
    if completed.returncode != 0 or len(results) != len(modules):
        tail = "".join(completed.stdout.splitlines(True)[-40:])
        raise BuildError(f"CPython's regression tests failed on {tree.name}:\n{tail}")
    state.mark(
        "regrtest",
        {"key": key, "results": [dataclasses.asdict(result) for result in results]},
    )
    return results, False


def _parse_junit(path: Path, modules: Sequence[str]) -> list[RegrtestResult]:
    """Per-module counts from regrtest's ``--junit-xml`` output.

    regrtest writes one ``testsuite`` per test module, unnamed; its module is
    the one its ``test.<module>.*`` test cases belong to (a suite also holds
    doctests, named after what they test, e.g. ``builtins.hex``).
    """
    counts: dict[str, RegrtestResult] = {}
    for suite in ElementTree.parse(path).getroot().iter("testsuite"):
        cases = list(suite.iter("testcase"))
        names = (case.get("name", "").split(".") for case in cases)
        module = next((n[1] for n in names if len(n) > 1 and n[0] == "test"), None)
        if module is None or module not in modules:
            continue
        counts[module] = RegrtestResult(
            module,
            tests=len(cases),
            failures=sum(len(case.findall("failure")) for case in cases),
            errors=sum(len(case.findall("error")) for case in cases),
            skipped=sum(len(case.findall("skipped")) for case in cases),
        )
    return [counts[m] for m in modules if m in counts]


def check_vanilla(patched: list[TestOutcome], vanilla: list[TestOutcome]) -> list[str]:
    """List what keeps the patch tests from proving anything.

    Every patch test must pass on the patched build and fail (or error) on
    the vanilla one; an empty list means the proof holds.
    """
    problems = [
        f"{record.test_id}: {record.outcome} on the patched build\n{record.detail}"
        for record in patched
        if record.outcome != "pass"
    ]
    problems += [
        f"{record.test_id}: {record.outcome} on vanilla CPython, "
        "so it does not test the patch"
        for record in vanilla
        if record.outcome not in ("fail", "error")
    ]
    if {r.test_id for r in patched} != {r.test_id for r in vanilla}:
        problems.append("the patched and vanilla runs found different tests")
    return problems


# --------------------------------------------------------------------------
# Presentation


def render_report(report: Report) -> str:
    """Format the closing summary: timings, patch tests, regrtest, path."""
    lines = ["", "== CPython build summary =="]
    if report.timings:
        lines.append(
            "time: "
            + ", ".join(
                f"{step} {seconds:.1f}s" for step, seconds in report.timings.items()
            )
        )
    vanilla = {r.test_id: r for r in report.vanilla or []}
    modules: dict[str, list[TestOutcome]] = {}
    for record in report.patched:
        modules.setdefault(record.test_id.split(".", 1)[0], []).append(record)
    for module, records in modules.items():
        passed = sum(r.outcome == "pass" for r in records)
        failed = sum(
            vanilla[r.test_id].outcome in ("fail", "error")
            for r in records
            if r.test_id in vanilla
        )
        lines.append("")
        lines.append(
            f"{module}: {passed}/{len(records)} pass on the patched build, "
            + (
                f"{failed}/{len(records)} fail on vanilla 3.13.5"
                if report.vanilla is not None
                else "vanilla not run"
            )
        )
        for record in records:
            other = vanilla.get(record.test_id)
            name = record.test_id.rsplit(".", 1)[-1]
            lines.append(
                f"  {name:<52} patched: {record.outcome:<5} "
                f"vanilla: {other.outcome if other else '-'}"
            )
    if report.regrtests is not None:
        lines.append("")
        cached = (
            " (cached: this build already passed them)"
            if report.regrtests_cached
            else ""
        )
        lines.append(f"CPython regression tests{cached}:")
        for result in report.regrtests:
            verdict = "ok" if result.passed else "FAILED"
            lines.append(
                f"  {result.module:<16} {verdict:<6} {result.tests} tests, "
                f"{result.failures} failures, {result.errors} errors, "
                f"{result.skipped} skipped"
            )
    lines.append("")
    lines.append(f"interpreter: {report.interpreter} (patch series {report.series})")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Command line


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="cpython/build.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=os.environ.get("PYINTERNALS_CPYTHON_SOURCE") or None,
        help="a local copy of the release tarball ($PYINTERNALS_CPYTHON_SOURCE)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(
            os.environ.get("PYINTERNALS_CACHE")
            or Path.home() / ".cache" / "pyinternals"
        ),
        help="where downloads and build trees are kept ($PYINTERNALS_CACHE)",
    )
    parser.add_argument(
        "--fetch",
        default="url,apt",
        help="where to fetch from when nothing is cached, in order (default url,apt)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="download timeout")
    parser.add_argument(
        "--debug", action="store_true", help="build --with-pydebug, in its own tree"
    )
    parser.add_argument(
        "--no-vanilla",
        action="store_true",
        help="skip building an unpatched tree and checking the tests fail there",
    )
    parser.add_argument(
        "--regrtest",
        choices=("auto", "force", "skip"),
        default="auto",
        help="CPython's tests: reuse a cached pass (auto), rerun, or skip",
    )
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    return parser.parse_args(argv)


@contextlib.contextmanager
def _cache_lock(cache: Path) -> Iterator[None]:
    """Hold the cache for this run: two builds must not share a tree at once."""
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"waiting for another build using {cache}")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def main(argv: Sequence[str] | None = None) -> int:
    """Run the whole pipeline; return the process exit status."""
    options = _arguments(argv)
    with _cache_lock(options.cache):
        return _pipeline(options)


def _pipeline(options: argparse.Namespace) -> int:
    """Obtain, build and test, as ``main`` was asked; return the exit status."""
    started = time.monotonic()
    pin = Pin.load()
    try:
        tarball = obtain_tarball(
            pin,
            options.cache / "downloads",
            options.source,
            options.timeout,
            tuple(options.fetch.split(",")),
        )
        patched = tree_for(options.cache, pin, patch_series(), options.debug)
        timings = prepare_tree(patched, tarball, options.jobs)
        _prune(patched)
        link = _link(patched, REPOSITORY / "_build" / "cpython")
        report = Report(
            interpreter=link / "python", series=patched.series, timings=timings
        )
        if options.debug:
            _check_debug_build(patched)
        report.patched = run_patch_tests(patched)
        if not options.no_vanilla:
            vanilla = tree_for(options.cache, pin, (), debug=False)
            for step, seconds in prepare_tree(vanilla, tarball, options.jobs).items():
                report.timings[f"vanilla {step}"] = seconds
            _link(vanilla, REPOSITORY / "_build" / "cpython")
            report.vanilla = run_patch_tests(vanilla)
        if options.regrtest != "skip":
            start = time.monotonic()
            report.regrtests, report.regrtests_cached = run_regrtest(
                patched, REGRTESTS, options.jobs, force=options.regrtest == "force"
            )
            report.timings["regrtest"] = time.monotonic() - start
        report.timings["total"] = time.monotonic() - started
        print(render_report(report))
        problems = check_vanilla(report.patched, report.vanilla or [])
        if options.no_vanilla:
            problems = [p for p in problems if "patched build" in p]
        if problems:
            raise BuildError("the patch tests do not hold:\n" + "\n".join(problems))
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _check_debug_build(tree: Tree) -> None:
    """Check that a ``--with-pydebug`` interpreter has ``sys.gettotalrefcount``."""
    probe = subprocess.run(
        [str(tree.python), "-c", "import sys; print(sys.gettotalrefcount())"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        raise BuildError(f"{tree.python} is not a debug build:\n{probe.stderr}")
    log(f"debug build: sys.gettotalrefcount() = {probe.stdout.strip()}")


if __name__ == "__main__":
    sys.exit(main())
