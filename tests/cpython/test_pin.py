from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from driver.pin import Pin, file_sha256, verify_sha256
from driver.process import BuildError

CONTENT = b"not really a tarball\n" * 1000


@pytest.fixture
def tarball(tmp_path: Path) -> Path:
    path = tmp_path / "Python-3.13.5.tar.xz"
    path.write_bytes(CONTENT)
    return path


def test_file_sha256_is_hashlib_hex_digest(tarball: Path) -> None:
    assert file_sha256(tarball) == hashlib.sha256(CONTENT).hexdigest()


def test_file_sha256_reads_past_one_block(tmp_path: Path) -> None:
    big = tmp_path / "big"
    data = bytes(range(256)) * 5000  # over the 1 MiB read block
    big.write_bytes(data)
    assert file_sha256(big) == hashlib.sha256(data).hexdigest()


def test_verify_sha256_accepts_a_match(tarball: Path) -> None:
    verify_sha256(tarball, hashlib.sha256(CONTENT).hexdigest())


def test_verify_sha256_names_the_file_and_both_digests(tarball: Path) -> None:
    expected = "0" * 64
    actual = hashlib.sha256(CONTENT).hexdigest()
    with pytest.raises(BuildError) as raised:
        verify_sha256(tarball, expected)
    message = str(raised.value)
    assert f"SHA-256 mismatch for {tarball}:" in message
    assert f"  expected {expected}\n" in message
    assert f"  actual   {actual}\n" in message
    assert "nothing was unpacked from it" in message


def test_pin_load_reads_every_field(tmp_path: Path) -> None:
    toml = tmp_path / "pin.toml"
    toml.write_text(
        'version = "3.13.5"\n'
        'sha256 = "abc"\n'
        'release_url = "https://example.invalid/Python-3.13.5.tar.xz"\n'
        'debian_source_package = "python3.13"\n'
        'debian_suite = "trixie"\n'
        'unrelated = "ignored"\n'
    )
    pin = Pin.load(toml)
    assert pin == Pin(
        version="3.13.5",
        sha256="abc",
        release_url="https://example.invalid/Python-3.13.5.tar.xz",
        debian_source_package="python3.13",
        debian_suite="trixie",
    )
    assert pin.tarball_name == "Python-3.13.5.tar.xz"


def test_the_repository_pin_is_a_sha256() -> None:
    pin = Pin.load()
    assert pin.version == "3.13.5"
    assert len(pin.sha256) == 64
    assert int(pin.sha256, 16) >= 0
