"""The pinned CPython release, and the SHA-256 check of its tarball.

``cpython/pin.toml`` names the version, the digest of its source tarball and
where to find it; nothing is unpacked from a file whose digest differs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
from pathlib import Path

from .process import BuildError

__all__ = ["CPYTHON", "Pin", "file_sha256", "verify_sha256"]

#: The repository's ``cpython/`` folder: the pin, the patches, their tests.
CPYTHON = Path(__file__).resolve().parent.parent


@dataclasses.dataclass(frozen=True)
class Pin:
    """The pinned release: version, digest and where to find it."""

    version: str
    sha256: str
    release_url: str
    debian_source_package: str
    debian_suite: str

    @classmethod
    def load(cls, path: Path = CPYTHON / "pin.toml") -> Pin:
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
