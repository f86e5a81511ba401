from __future__ import annotations

import hashlib
import urllib.error
from pathlib import Path

import pytest

from driver import fetch
from driver.fetch import apt_mirrors, obtain_tarball
from driver.pin import Pin
from driver.process import BuildError

GOOD = b"the pinned release\n"


def _pin(content: bytes = GOOD) -> Pin:
    return Pin(
        version="3.13.5",
        sha256=hashlib.sha256(content).hexdigest(),
        release_url="https://example.invalid/Python-3.13.5.tar.xz",
        debian_source_package="python3.13",
        debian_suite="trixie",
    )


# --- apt sources -----------------------------------------------------------

ONE_LINE = """\
# the Debian archive, with options in brackets
deb [arch=amd64 signed-by=/k.gpg] http://archive.example/debian bookworm main contrib
deb-src http://archive.example/debian bookworm main
deb http://archive.example/debian bookworm-updates main
deb http://security.example/debian-security bookworm-security main
deb https://vendor.example/apt bookworm stable
#deb http://commented.example/debian bookworm main
deb http://mirror.example/debian bookworm main  # a trailing comment
deb http://old.example/debian bullseye main
"""

DEB822 = """\
# Debian's own stanza, two mirrors
Types: deb deb-src
URIs: http://archive.example/debian http://ftp.example/debian
Suites: bookworm bookworm-updates
Components: main non-free-firmware
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb
URIs: https://vendor.example/apt
Suites: bookworm
Components: stable
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 URIs: http://inside-a-key.example/debian
 -----END PGP PUBLIC KEY BLOCK-----
"""


def test_one_line_sources(tmp_path: Path) -> None:
    path = tmp_path / "sources.list"
    path.write_text(ONE_LINE)
    assert apt_mirrors([path], codename="bookworm") == [
        "http://archive.example/debian",
        "http://mirror.example/debian",
    ]


def test_deb822_sources(tmp_path: Path) -> None:
    path = tmp_path / "debian.sources"
    path.write_text(DEB822)
    assert apt_mirrors([path], codename="bookworm") == [
        "http://archive.example/debian",
        "http://ftp.example/debian",
    ]


def test_the_codename_selects_the_entries(tmp_path: Path) -> None:
    path = tmp_path / "sources.list"
    path.write_text(ONE_LINE)
    assert apt_mirrors([path], codename="bullseye") == ["http://old.example/debian"]
    assert apt_mirrors([path], codename="trixie") == []


def test_both_formats_together_in_order_without_repeats(tmp_path: Path) -> None:
    one_line = tmp_path / "sources.list"
    one_line.write_text(ONE_LINE)
    deb822 = tmp_path / "debian.sources"
    deb822.write_text(DEB822)
    missing = tmp_path / "absent.list"
    assert apt_mirrors([missing, one_line, deb822], codename="bookworm") == [
        "http://archive.example/debian",
        "http://mirror.example/debian",
        "http://ftp.example/debian",
    ]


def test_a_deb822_file_is_read_by_its_suffix_only(tmp_path: Path) -> None:
    path = tmp_path / "debian.list"  # deb822 text in a .list file: not read as such
    path.write_text(DEB822)
    assert apt_mirrors([path], codename="bookworm") == []


# --- obtain_tarball (no network: the fetch methods are stubbed or unknown) --


def test_a_given_source_is_verified_and_used_in_place(tmp_path: Path) -> None:
    source = tmp_path / "given.tar.xz"
    source.write_bytes(GOOD)
    downloads = tmp_path / "downloads"
    assert obtain_tarball(_pin(), downloads, source=source) == source
    assert not downloads.exists()


def test_a_corrupt_source_stops_before_anything_is_kept(tmp_path: Path) -> None:
    source = tmp_path / "corrupt.tar.xz"
    source.write_bytes(b"random bytes")
    downloads = tmp_path / "downloads"
    with pytest.raises(BuildError) as raised:
        obtain_tarball(_pin(), downloads, source=source)
    message = str(raised.value)
    assert "SHA-256 mismatch" in message
    assert message.endswith("Check the file given with --source.")
    assert source.read_bytes() == b"random bytes"  # a given file is left alone
    assert not downloads.exists()


def test_a_missing_source(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no such file"):
        obtain_tarball(_pin(), tmp_path, source=tmp_path / "absent.tar.xz")


def test_the_cached_copy_is_used_without_fetching(tmp_path: Path) -> None:
    cached = tmp_path / "Python-3.13.5.tar.xz"
    cached.write_bytes(GOOD)
    assert obtain_tarball(_pin(), tmp_path, sources=()) == cached


def test_a_corrupt_cached_copy_says_to_delete_it(tmp_path: Path) -> None:
    cached = tmp_path / "Python-3.13.5.tar.xz"
    cached.write_bytes(b"truncated")
    with pytest.raises(BuildError, match=r"Delete .*Python-3\.13\.5\.tar\.xz"):
        obtain_tarball(_pin(), tmp_path, sources=("url",))
    assert cached.exists()


def test_every_failed_method_is_listed(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as raised:
        obtain_tarball(_pin(), tmp_path, sources=("nowhere", "elsewhere"))
    message = str(raised.value)
    assert "nowhere: unknown source 'nowhere'" in message
    assert "elsewhere: unknown source 'elsewhere'" in message
    assert "--source PATH" in message


def _stub_download(content: bytes) -> object:
    def download(url: str, destination: Path, timeout: float) -> None:
        destination.write_bytes(content)

    return download


def test_a_verified_download_is_kept_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch, "_download", _stub_download(GOOD))
    downloads = tmp_path / "downloads"
    cached = obtain_tarball(_pin(), downloads, sources=("url",))
    assert cached == downloads / "Python-3.13.5.tar.xz"
    assert cached.read_bytes() == GOOD
    assert sorted(p.name for p in downloads.iterdir()) == ["Python-3.13.5.tar.xz"]


def test_a_download_that_does_not_match_is_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch, "_download", _stub_download(b"tampered"))
    downloads = tmp_path / "downloads"
    with pytest.raises(BuildError, match=r"The download \(url\) was deleted"):
        obtain_tarball(_pin(), downloads, sources=("url", "apt"))
    assert list(downloads.iterdir()) == []


def test_the_real_download_leaves_no_partial_file(tmp_path: Path) -> None:
    destination = tmp_path / "Python-3.13.5.tar.xz"
    source = tmp_path / "served"
    source.write_bytes(GOOD)
    fetch._download(source.as_uri(), destination, timeout=1.0)
    assert destination.read_bytes() == GOOD
    with pytest.raises(urllib.error.URLError, match="No such file"):
        fetch._download((tmp_path / "absent").as_uri(), destination, timeout=1.0)
    assert not (tmp_path / "Python-3.13.5.tar.xz.part").exists()
