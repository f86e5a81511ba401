"""The closing summary of a run: computed as a :class:`Report`, rendered as text.

The pipeline fills a :class:`Report` with what it found out (timings, the
patch tests' outcomes on both builds, the regression tests' counts);
:func:`render_report` alone turns it into the lines printed at the end.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .testing import RegrtestResult, TestOutcome

__all__ = ["Report", "render_report"]


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
