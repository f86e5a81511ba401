"""The command line of ``cpython/build.py``: its options, the cache lock, the pipeline.

:func:`main` parses the options (:func:`parse_arguments`), takes the cache's
lock so that two runs sharing a cache take turns, and runs the pipeline:
obtain and verify the tarball, bring the patched tree (and, unless
``--no-vanilla``, the vanilla tree) to a built interpreter, run the tests,
print the summary. Every failure is a :class:`~driver.process.BuildError`,
printed as ``error: ...`` with exit status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from .fetch import obtain_tarball
from .pin import CPYTHON, Pin
from .process import BuildError, log
from .report import Report, render_report
from .testing import (
    REGRTESTS,
    check_debug_build,
    check_vanilla,
    run_patch_tests,
    run_regrtest,
)
from .tree import link_tree, patch_series, prepare_tree, prune_outdated, tree_for

__all__ = ["DESCRIPTION", "main", "parse_arguments"]

#: The summary line ``--help`` shows.
DESCRIPTION = "Fetch, verify, patch, build and test the book's pinned CPython."

#: Where the build trees are linked from: ``_build/cpython/<variant>``.
LINKS = CPYTHON.parent / "_build" / "cpython"


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse ``build.py``'s options (*argv*, or ``sys.argv``); defaults from env."""
    parser = argparse.ArgumentParser(prog="cpython/build.py", description=DESCRIPTION)
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
    options = parse_arguments(argv)
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
        prune_outdated(patched)
        link = link_tree(patched, LINKS)
        report = Report(
            interpreter=link / "python", series=patched.series, timings=timings
        )
        if options.debug:
            check_debug_build(patched)
        report.patched = run_patch_tests(patched)
        if not options.no_vanilla:
            vanilla = tree_for(options.cache, pin, (), debug=False)
            for step, seconds in prepare_tree(vanilla, tarball, options.jobs).items():
                report.timings[f"vanilla {step}"] = seconds
            link_tree(vanilla, LINKS)
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
