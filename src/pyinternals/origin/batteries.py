"""Measure "batteries included": the standard library, counted and grouped.

Since Python 3.10, ``sys.stdlib_module_names`` lists the top-level modules of
the standard library (CPython generates it with
``Tools/build/generate_stdlib_module_names.py`` into
``Python/stdlib_module_names.h``). This module classifies each name three
ways: public or private (one leading underscore, as in ``_json``; the
dunder ``__future__`` is public), how the import system would
load it (found with ``importlib.util.find_spec``, which locates a module
without executing it), and a topic. Chapter 1 counts and plots the records.
"""

from __future__ import annotations

import enum
import importlib.machinery
import importlib.util
import sys
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TypeVar

__all__ = [
    "PRIVATE_TOPIC",
    "REMOVED",
    "TOPICS",
    "Key",
    "Kind",
    "StdlibModule",
    "classify",
    "count_by",
    "survey",
]

Key = TypeVar("Key", bound=Hashable)
"""The type of the keys :func:`count_by` groups by."""


class Kind(enum.Enum):
    """How the import system finds a top-level module."""

    BUILTIN = "built into the interpreter"
    FROZEN = "frozen into the interpreter"
    EXTENSION = "extension module (shared library)"
    PACKAGE = "package (directory)"
    SOURCE = "single source file"
    ABSENT = "not available on this platform or build"


def _names(words: str) -> frozenset[str]:
    """Return the set of whitespace-separated names in ``words``."""
    return frozenset(words.split())


PRIVATE_TOPIC = "private helpers"
"""The topic given to every underscore-prefixed module."""

TOPICS: dict[str, frozenset[str]] = {
    "text": _names(
        "string re sre_compile sre_constants sre_parse difflib textwrap"
        " unicodedata stringprep readline rlcompleter codecs encodings locale"
        " gettext"
    ),
    "data types and math": _names(
        "datetime zoneinfo calendar collections heapq bisect array weakref"
        " types copy pprint reprlib enum graphlib numbers math cmath decimal"
        " fractions random statistics itertools functools operator"
    ),
    "file formats and persistence": _names(
        "json csv configparser tomllib netrc plistlib pickle pickletools"
        " copyreg shelve marshal dbm sqlite3 zlib gzip bz2 lzma zipfile tarfile"
        " base64 binascii quopri uu xdrlib html xml pyexpat email mailbox mailcap"
        " mimetypes struct"
    ),
    "operating system and files": _names(
        "os io time pathlib posixpath ntpath genericpath nturl2path stat"
        " filecmp tempfile glob fnmatch linecache shutil fileinput errno ctypes"
        " platform getpass curses posix nt pwd grp spwd crypt termios tty pty"
        " fcntl pipes resource syslog msvcrt msilib winreg winsound signal mmap"
        " sysconfig"
        " select selectors"
    ),
    "concurrency": _names(
        "threading multiprocessing concurrent subprocess sched queue contextvars"
        " asyncio asynchat asyncore"
    ),
    "networking and internet": _names(
        "socket ssl http urllib ftplib poplib imaplib smtplib smtpd nntplib"
        " telnetlib uuid socketserver xmlrpc ipaddress wsgiref webbrowser cgi"
        " cgitb nis hashlib hmac secrets"
    ),
    "multimedia and GUI": _names(
        "wave colorsys aifc audioop chunk imghdr sndhdr sunau ossaudiodev"
        " tkinter turtle turtledemo idlelib"
    ),
    "development tools": _names(
        "typing pydoc pydoc_data doctest unittest pdb bdb faulthandler cProfile"
        " profile pstats timeit trace tracemalloc venv ensurepip zipapp"
        " distutils lib2to3 tabnanny py_compile compileall pyclbr modulefinder"
        " logging argparse optparse getopt cmd shlex code codeop"
    ),
    "language and runtime": _names(
        "sys builtins __future__ gc inspect site warnings atexit traceback abc"
        " dataclasses contextlib importlib pkgutil runpy zipimport imp ast"
        " symtable token keyword tokenize dis opcode this antigravity"
    ),
}
"""Topic groups for the public modules, chosen for the book (not by CPython)."""


REMOVED: dict[str, tuple[int, int]] = {
    **dict.fromkeys(sorted(_names("asynchat asyncore distutils imp smtpd")), (3, 12)),
    **dict.fromkeys(
        sorted(
            _names(
                "aifc audioop cgi cgitb chunk crypt imghdr mailcap msilib nis nntplib"
                " ossaudiodev pipes sndhdr spwd sunau telnetlib uu xdrlib lib2to3"
            )
        ),
        (3, 13),
    ),
}
"""Public modules removed after 3.11, with the release that removed them.

``distutils`` went by PEP 632, ``imp`` and ``lib2to3`` after their own
deprecations, and the rest by PEP 594 ("Removing dead batteries").
"""


@dataclass(frozen=True)
class StdlibModule:
    """One top-level standard-library module and how it was classified."""

    name: str
    private: bool
    kind: Kind
    topic: str


def _is_private(name: str) -> bool:
    """Say whether ``name`` is private: one leading underscore, not a dunder."""
    return name.startswith("_") and not name.startswith("__")


def _topic(name: str) -> str:
    """Return the topic of ``name`` from :data:`TOPICS`."""
    if _is_private(name):
        return PRIVATE_TOPIC
    for topic, names in TOPICS.items():
        if name in names:
            return topic
    raise LookupError(f"no topic for the public module {name!r}")


def _kind(spec: importlib.machinery.ModuleSpec | None) -> Kind:
    """Say how the import system would load the module described by ``spec``."""
    if spec is None:
        return Kind.ABSENT
    if spec.origin == "built-in":
        return Kind.BUILTIN
    if spec.origin == "frozen":
        return Kind.FROZEN
    if spec.submodule_search_locations is not None:
        return Kind.PACKAGE
    if spec.origin is not None and spec.origin.endswith(
        tuple(importlib.machinery.EXTENSION_SUFFIXES)
    ):
        return Kind.EXTENSION
    return Kind.SOURCE


def classify(name: str) -> StdlibModule:
    """Classify one top-level module of the standard library.

    >>> classify("sys")
    StdlibModule(name='sys', private=False, kind=<Kind.BUILTIN: ...>,
                 topic='language and runtime')
    >>> classify("json").kind
    <Kind.PACKAGE: 'package (directory)'>
    >>> classify("_json").topic
    'private helpers'
    """
    return StdlibModule(
        name=name,
        private=_is_private(name),
        kind=_kind(importlib.util.find_spec(name)),
        topic=_topic(name),
    )


def survey(names: Iterable[str] | None = None) -> list[StdlibModule]:
    """Classify ``names`` (by default ``sys.stdlib_module_names``), sorted by name.

    >>> modules = survey()
    >>> len(modules) == len(sys.stdlib_module_names)
    True
    """
    chosen = sys.stdlib_module_names if names is None else names
    return [classify(name) for name in sorted(chosen)]


def count_by(
    modules: Iterable[StdlibModule], key: Callable[[StdlibModule], Key]
) -> dict[Key, int]:
    """Count ``modules`` by ``key``, most common first.

    >>> count_by(survey(["sys", "gc", "json"]), lambda m: m.kind.name)
    {'BUILTIN': 2, 'PACKAGE': 1}
    """
    return dict(Counter(key(module) for module in modules).most_common())
