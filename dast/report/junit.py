"""JUnit XML: one testsuite per site, one testcase per (rule x site).

Built with xml.etree: junit-xml cannot satisfy the strict Ant schema (it puts attributes on
<testsuites>, <system-out> inside <testcase>, and omits the required <properties>/<system-err>).
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from dast.fingerprint import site_of
from dast.gate import gating_instances
from dast.models import Finding, Instance, RunRecord, Suppressed
from dast.report.auth_view import junit_assertions, junit_properties
from dast.report.interface import OutputFormat, Reporter
from dast.report.sanitize import by_severity, cwe_url, sanitize_record

ERROR_CASE = "dast scan"
COMPLETENESS_CASE = "scan completeness"


@dataclass
class _Suite:
    site: str
    name: str  # the target's logical name for its own site, so CI history survives a new port
    cases: list[ET.Element] = field(default_factory=list)
    out: list[str] = field(default_factory=list)
    failures: int = 0
    errors: int = 0
    skipped: int = 0


class JUnitReporter(Reporter):
    format = OutputFormat.JUNIT

    def render(self, record: RunRecord) -> bytes:
        record = sanitize_record(record)
        target_site = site_of(record.target.url) or "unknown"
        suites: dict[str, _Suite] = {target_site: _Suite(target_site, record.target.name or target_site)}

        if record.error:
            suite = suites[target_site]
            case = _case(ERROR_CASE, suite.name)
            err = ET.SubElement(case, "error", type="ScanError", message=_one_line(record.error))
            err.text = record.error
            suite.cases.append(case)
            suite.errors += 1

        reasons = record.completeness.reasons
        if not record.completeness.complete:
            # Where a CI server looks first: an incomplete scan must not read as a clean pass.
            suite = suites[target_site]
            case = _case(COMPLETENESS_CASE, suite.name)
            text = "scan INCOMPLETE:\n" + "\n".join(f"- {r}" for r in reasons)
            if record.allow_incomplete:
                message = _one_line(f"scan incomplete (allowed): {'; '.join(reasons)}")
                ET.SubElement(case, "skipped", message=message).text = text
                suite.skipped += 1
            else:
                err = ET.SubElement(
                    case,
                    "error",
                    type="Incomplete",
                    message=_one_line(f"scan INCOMPLETE: {'; '.join(reasons)}"),
                )
                err.text = text
                suite.errors += 1
            suite.cases.append(case)
        else:
            suites[target_site].cases.append(_case(COMPLETENESS_CASE, suites[target_site].name))
        suites[target_site].out.extend(_triage_lines(record))

        # Security assertions: a testcase each, beside the scan's own.
        checks = junit_assertions(record, suites[target_site].name)
        suites[target_site].cases.extend(checks.cases)
        suites[target_site].failures += checks.failures
        suites[target_site].errors += checks.errors
        suites[target_site].out.extend(checks.out)

        found_rules: set[str] = set()
        # One testcase per rule x site, also when an override split a rule's instances by risk or
        # triage suppressed some of them.
        for (rule_id, _name), (live, suppressed) in _by_rule(record).items():
            found_rules.add(rule_id)
            for site in _sites(live + suppressed, target_site):
                suite = suites.setdefault(site, _Suite(site, site))
                self._add_finding(
                    record, suite, _at_site(live, site, target_site), _at_site(suppressed, site, target_site)
                )

        # Rules that ran and found nothing pass, so CI servers can show them as "fixed".
        suite = suites[target_site]
        for rule in sorted(record.rules, key=lambda r: r.rule_id):
            if rule.rule_id not in found_rules:
                suite.cases.append(_case(f"{rule.rule_id} {rule.name}", suite.name))

        root = ET.Element("testsuites")
        for index, suite in enumerate(suites.values()):
            root.append(self._suite_element(record, suite, index))
        ET.indent(root)
        data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return data + b"\n"

    def _add_finding(
        self, record: RunRecord, suite: _Suite, live: list[Finding], suppressed: list[Finding]
    ) -> None:
        first = (live or suppressed)[0]
        case = _case(f"{first.rule_id} {first.name}", suite.name)
        body = "".join(_details(f, list(f.instances)) for f in live) + _suppressed_details(suppressed)
        gating = [(f, gating_instances(f, record)) for f in live]
        gating = [(f, instances) for f, instances in gating if instances]
        if gating:
            risk = max(f.risk for f, _ in gating).label
            count = sum(len(instances) for _, instances in gating)
            new = " new" if record.fail_on_new else ""
            message = f"{risk}: {count}{new} instance(s) of {first.name}"
            failure = ET.SubElement(case, "failure", type=risk, message=_one_line(message))
            # GitLab ignores `message`; the body carries every detail.
            failure.text = body
            suite.failures += 1
        elif live:
            # The strict schema allows no <system-out> inside <testcase>: below-gate details go
            # to the suite's <system-out>, headed by the testcase name.
            risk = max(f.risk for f in live).label
            heading = f"== {first.rule_id} {first.name} ({risk}, below the gate)"
            suite.out.append(f"{heading}\n{body}")
        else:
            reasons = dict.fromkeys(
                i.suppressed.reason for f in suppressed for i in f.instances if i.suppressed
            )
            skipped = ET.SubElement(case, "skipped", message=_one_line(f"suppressed: {'; '.join(reasons)}"))
            skipped.text = body
            suite.skipped += 1
        suite.cases.append(case)

    def _suite_element(self, record: RunRecord, suite: _Suite, index: int) -> ET.Element:
        element = ET.Element(
            "testsuite",
            name=suite.name,
            package=suite.name,
            id=str(index),
            hostname=urlsplit(suite.site).hostname or "localhost",
            timestamp=_timestamp(record.started_at),
            tests=str(len(suite.cases)),
            failures=str(suite.failures),
            errors=str(suite.errors),
            skipped=str(suite.skipped),
            time=f"{_duration(record):.3f}",
        )
        properties = ET.SubElement(element, "properties")
        for name, value in [*_properties(record), *junit_properties(record)]:
            ET.SubElement(properties, "property", name=name, value=value)
        element.extend(suite.cases)
        ET.SubElement(element, "system-out").text = "\n".join(suite.out)
        ET.SubElement(element, "system-err").text = record.error
        return element


def _case(name: str, classname: str) -> ET.Element:
    return ET.Element("testcase", name=name, classname=classname, time="0")


def _by_rule(record: RunRecord) -> dict[tuple[str, str], tuple[list[Finding], list[Finding]]]:
    """(rule id, name) -> (findings that count, suppressed ones), most severe rule first."""
    grouped: dict[tuple[str, str], tuple[list[Finding], list[Finding]]] = {}
    for finding in by_severity(record.findings):
        grouped.setdefault((finding.rule_id, finding.name), ([], []))[0].append(finding)
    for finding in by_severity(record.suppressed):
        grouped.setdefault((finding.rule_id, finding.name), ([], []))[1].append(finding)
    return grouped


def _sites(findings: list[Finding], fallback: str) -> list[str]:
    sites = dict.fromkeys(site_of(i.url) or fallback for f in findings for i in f.instances)
    return list(sites) or [fallback]


def _at_site(findings: list[Finding], site: str, fallback: str) -> list[Finding]:
    """The findings narrowed to their instances at one site (a finding without instances stays at home)."""
    narrowed = []
    for finding in findings:
        instances = tuple(i for i in finding.instances if (site_of(i.url) or fallback) == site)
        if instances or (not finding.instances and site == fallback):
            narrowed.append(dataclasses.replace(finding, instances=instances))
    return narrowed


def _suppressed_details(findings: list[Finding]) -> str:
    instances = [i for f in findings for i in f.instances]
    if not instances:
        return ""
    lines = ["", f"Suppressed, not counted by the gate ({len(instances)}):"]
    for n, inst in enumerate(instances, 1):
        note = inst.suppressed
        lines.append(f"  [{n}] {inst.method} {inst.url}" + (f" ({inst.parameter})" if inst.parameter else ""))
        if note is not None:
            lines.append(f"      Reason: {note.reason} ({_note_source(note)})")
        lines.append(f"      Fingerprint: {inst.fingerprint}")
    return "\n".join(lines) + "\n"


def _note_source(note: Suppressed) -> str:
    parts = [f"owner {note.owner}"] if note.owner else []
    parts += [f"ticket {note.ticket}"] if note.ticket else []
    parts += [f"until {note.expires}"] if note.expires else []
    return ", ".join([*parts, note.source])


def _triage_lines(record: RunRecord) -> list[str]:
    """Baseline and triage news for the target suite's <system-out>."""
    lines = []
    if record.baseline is not None:
        lines.append(f"Baseline {record.baseline.source}: {record.baseline.summary}")
        lines += [
            f"  fixed: {x.rule_id} {x.name} ({x.risk.label}) {x.method} {x.url}"
            + (f" ({x.parameter})" if x.parameter else "")
            for x in record.baseline.fixed
        ]
    if record.suppressed:
        count = sum(len(f.instances) for f in record.suppressed)
        lines.append(f"Suppressed: {count} instance(s), not counted by the gate")
    if record.triage is not None:
        lines += [f"Warning: {line}" for line in record.triage.warnings]
    return lines


def _details(finding: Finding, instances: list[Instance]) -> str:
    lines = [
        f"Risk: {finding.risk.label}   Confidence: {finding.confidence.label}",
        f"Rule: {finding.rule_id}",
    ]
    if finding.cwe_id > 0:
        lines.append(f"CWE: CWE-{finding.cwe_id} {cwe_url(finding.cwe_id)}")
    if finding.wasc_id > 0:
        lines.append(f"WASC: {finding.wasc_id}")
    lines += ["", "Description:", finding.description, "", "Solution:", finding.solution]
    if finding.references:
        lines += ["", "References:", *(f"  {r}" for r in finding.references)]
    lines += ["", f"Instances ({len(instances)}):"]
    for n, inst in enumerate(instances, 1):
        lines += [
            f"  [{n}] {inst.method} {inst.url}",
            f"      Parameter: {inst.parameter}",
            f"      Attack: {inst.attack}",
            f"      Evidence: {inst.evidence}",
        ]
        if inst.other_info:
            lines.append(f"      Other info: {inst.other_info}")
        if inst.overridden_from is not None:
            lines.append(
                f"      Risk: {finding.risk.label} by override (the engine said {inst.overridden_from.label})"
            )
        if inst.baseline is not None:
            lines.append(f"      Baseline: {inst.baseline.value}")
        lines.append(f"      Fingerprint: {inst.fingerprint}")
    return "\n".join(lines) + "\n"


def _properties(record: RunRecord) -> list[tuple[str, str]]:
    return [
        ("dast.version", record.tool_version),
        ("engine.provider", record.engine.provider),
        ("engine.version", record.engine.version),
        ("engine.rule_source", record.engine.rule_source),
        ("profile.name", record.profile.name),
        ("profile.sha256", record.profile.sha256),
        ("target.name", record.target.name),
        ("target.url", record.target.url),
        ("target.engine_url", record.target.engine_url),
        ("target.image", record.target.image),
        ("target.image_digest", record.target.image_digest),
        ("fail_on", record.fail_on.label if record.fail_on is not None else "never"),
        # A CI server shows properties, not the HTML: coverage cut short by a budget must be visible here too.
        ("budgets_hit", ",".join(record.budgets_hit) or "none"),
        ("completeness", record.completeness.status.value),
        ("run_id", record.run_id),
        ("baseline", record.baseline.summary if record.baseline is not None else "none"),
        ("fail_on_new", "true" if record.fail_on_new else "false"),
        ("suppressed", str(sum(len(f.instances) for f in record.suppressed))),
        *(("triage.expired", e.source) for e in (record.triage.expired if record.triage else ())),
        *(("triage.stale", e.source) for e in (record.triage.stale if record.triage else ())),
        *(
            (f"phase.{phase.name}", f"{phase.outcome.value} {phase.duration_s:.1f}s")
            for phase in record.phases
        ),
    ]


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment


def _timestamp(text: str) -> str:
    # The strict schema wants exactly YYYY-MM-DDTHH:MM:SS: UTC, no zone, no fraction.
    moment = _parse_time(text) or datetime(1970, 1, 1)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _duration(record: RunRecord) -> float:
    start, end = _parse_time(record.started_at), _parse_time(record.finished_at)
    if start is None or end is None or (start.tzinfo is None) != (end.tzinfo is None):
        return 0.0
    return max((end - start).total_seconds(), 0.0)
