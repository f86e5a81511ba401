"""Run the patch tests and write one JSON record per test.

Executed by the interpreter under test (``python -I runner.py OUT.json``),
so it uses nothing but the standard library of CPython 3.13. The records
(``test_id``, ``outcome``, ``detail``) are read back by ``cpython/build.py``,
which compares the patched build's outcomes with the vanilla build's.
"""

from __future__ import annotations

import json
import sys
import traceback
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _format(err: object) -> str:
    """Format an ``(type, value, traceback)`` triple as unittest reports it."""
    assert isinstance(err, tuple)
    return "".join(traceback.format_exception(*err))


class _RecordingResult(unittest.TestResult):
    """A test result that keeps every outcome, passes included."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[dict[str, str]] = []

    def _record(self, test: unittest.TestCase, outcome: str, detail: str) -> None:
        self.records.append(
            {"test_id": test.id(), "outcome": outcome, "detail": detail}
        )

    def addSuccess(self, test: unittest.TestCase) -> None:
        """Record a pass."""
        self._record(test, "pass", "")

    def addFailure(self, test: unittest.TestCase, err: object) -> None:
        """Record a failed assertion with its traceback."""
        self._record(test, "fail", _format(err))

    def addError(self, test: unittest.TestCase, err: object) -> None:
        """Record an unexpected exception with its traceback."""
        self._record(test, "error", _format(err))

    def addSubTest(
        self, test: unittest.TestCase, subtest: unittest.TestCase, err: object
    ) -> None:
        """Record a test's first failing subtest as the test's own outcome.

        unittest reports no success for a test one of whose subtests failed,
        so without this the test would be missing from the records.
        """
        if err is None or any(r["test_id"] == test.id() for r in self.records):
            return
        assert isinstance(err, tuple)
        failed = issubclass(err[0], test.failureException)
        detail = f"{subtest.id()}\n{_format(err)}"
        self._record(test, "fail" if failed else "error", detail)

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        """Record a skip (which the build counts as not passing)."""
        self._record(test, "skip", reason)


def main() -> None:
    """Discover ``test_*.py`` beside this file, run them, write the records."""
    suite = unittest.defaultTestLoader.discover(str(HERE), top_level_dir=str(HERE))
    result = _RecordingResult()
    suite.run(result)
    Path(sys.argv[1]).write_text(json.dumps(result.records, indent=1))


if __name__ == "__main__":
    main()
