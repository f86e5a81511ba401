"""Obtaining the pinned tarball: a given file, the cache, the release URL, apt.

:func:`obtain_tarball` tries, in order, the file given with ``--source``, the
copy already in the cache, then each fetch method: the release URL, and on
Debian ``apt-get source --download-only`` through a temporary ``deb-src``
entry pointed at the mirror the machine's own apt sources name
(:func:`apt_mirrors` reads both one-line and deb822 files). Every file is
verified against the pin before it is returned.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .pin import Pin, verify_sha256
from .process import BuildError, log, run

__all__ = ["apt_mirrors", "obtain_tarball"]


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
        run(["apt-get", "-qq", *options, "update"], cwd=state)
        downloads = state / "source"
        downloads.mkdir()
        run(
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
