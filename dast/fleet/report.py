"""The fleet's own reports beside the per-target folders: index.html and one combined JUnit file.

The combined JUnit holds every target's test suites as its own JUnit report (junit-xml) builds
them, so a CI server shows one file with a suite per target and site.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from dast import __version__
from dast.gate import Outcome, evaluate
from dast.models import Risk, RunRecord
from dast.redact import redact
from dast.report.html import make_environment
from dast.report.interface import RenderOptions
from dast.report.junit import JUnitReporter
from dast.report.sanitize import xml_bytes

INDEX_TEMPLATE = "fleet_index.html.j2"
# Precedence over all targets, as for one scan (gate.py): findings > error > incomplete > passed.
PRECEDENCE = (Outcome.FAILED, Outcome.ERROR, Outcome.INCOMPLETE, Outcome.PASSED)


@dataclass(frozen=True)
class FleetEntry:
    """One target's result: its record, and the folder (relative to the fleet's) its reports are in."""

    name: str
    folder: str
    record: RunRecord
    files: tuple[str, ...]  # report file names written in the folder
    report_error: str = ""  # the reports could not be written


def overall_outcome(records: Sequence[RunRecord]) -> Outcome:
    outcomes = {evaluate(r).outcome for r in records}
    return next((o for o in PRECEDENCE if o in outcomes), Outcome.PASSED)


def render_index(
    entries: Sequence[FleetEntry], shard: str = "", options: RenderOptions | None = None
) -> bytes:
    env = make_environment(options or RenderOptions())
    rows = [_row(e) for e in entries]
    tally: dict[str, int] = {}
    for entry in entries:
        outcome = evaluate(entry.record).outcome.value
        tally[outcome] = tally.get(outcome, 0) + 1
    counts = ", ".join(f"{n} {o}" for o, n in sorted(tally.items()))
    overall = overall_outcome([e.record for e in entries]).value if entries else Outcome.PASSED.value
    html = env.get_template(INDEX_TEMPLATE).render(
        rows=rows, overall=overall, counts=counts, shard=shard, tool_version=__version__
    )
    return html.encode("utf-8")


def _row(entry: FleetEntry) -> dict[str, object]:
    record = entry.record
    verdict = evaluate(record)
    risks = [
        sum(1 for f in record.findings if f.risk is risk)
        for risk in (Risk.HIGH, Risk.MEDIUM, Risk.LOW, Risk.INFO)
    ]
    detail = record.error or "; ".join(verdict.incomplete) or entry.report_error
    return {
        "name": entry.name,
        "url": record.target.url,
        "outcome": verdict.outcome.value,
        "detail": redact(detail),
        "risks": risks,
        "duration_s": _duration(record),
        "links": [(name, f"{entry.folder}/{name}") for name in entry.files],
    }


def _duration(record: RunRecord) -> float:
    try:
        start = datetime.fromisoformat(record.started_at.replace("Z", "+00:00"))
        end = datetime.fromisoformat(record.finished_at.replace("Z", "+00:00"))
    except ValueError:
        return sum(p.duration_s for p in record.phases)
    return max(0.0, (end - start).total_seconds())


def combined_junit(records: Sequence[RunRecord]) -> bytes:
    """Every target's JUnit suites under one <testsuites>, with the totals summed."""
    reporter = JUnitReporter()
    root = ET.Element("testsuites")
    totals = {"disabled": 0, "errors": 0, "failures": 0, "tests": 0}
    seconds = 0.0
    for record in records:
        document = ET.fromstring(reporter.render(record))  # noqa: S314 - our own output, just rendered
        for suite in document.findall("testsuite"):
            suite.set("id", str(len(root)))
            root.append(suite)
        for key in totals:
            totals[key] += int(document.get(key, "0"))
        seconds += float(document.get("time", "0") or 0)
    for key, total in totals.items():
        root.set(key, str(total))
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return xml_bytes(root)
