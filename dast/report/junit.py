"""JUnit XML: one testsuite per site, one testcase per (rule x site).

Built with xml.etree: junit-xml cannot satisfy the strict Ant schema (it puts attributes on
<testsuites>, <system-out> inside <testcase>, and omits the required <properties>/<system-err>).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from dast.fingerprint import site_of
from dast.gate import fails_gate
from dast.models import Finding, Instance, RunRecord
from dast.report.interface import OutputFormat, Reporter
from dast.report.sanitize import by_severity, cwe_url, sanitize_record

ERROR_CASE = "dast scan"
COMPLETENESS_CASE = "scan completeness"


@dataclass
class _Suite:
    site: str
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
        suites: dict[str, _Suite] = {target_site: _Suite(target_site)}

        if record.error:
            suite = suites[target_site]
            case = _case(ERROR_CASE, target_site)
            err = ET.SubElement(case, "error", type="ScanError", message=_one_line(record.error))
            err.text = record.error
            suite.cases.append(case)
            suite.errors += 1

        reasons = record.completeness.reasons
        if not record.completeness.complete:
            # Where a CI server looks first: an incomplete scan must not read as a clean pass.
            suite = suites[target_site]
            case = _case(COMPLETENESS_CASE, target_site)
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
            suites[target_site].cases.append(_case(COMPLETENESS_CASE, target_site))

        found_rules: set[str] = set()
        for finding in by_severity(record.findings):
            found_rules.add(finding.rule_id)
            for site, instances in _instances_by_site(finding, target_site).items():
                suite = suites.setdefault(site, _Suite(site))
                self._add_finding(record, suite, finding, instances)

        # Rules that ran and found nothing pass, so CI servers can show them as "fixed".
        suite = suites[target_site]
        for rule in sorted(record.rules, key=lambda r: r.rule_id):
            if rule.rule_id not in found_rules:
                suite.cases.append(_case(f"{rule.rule_id} {rule.name}", target_site))

        root = ET.Element("testsuites")
        for index, suite in enumerate(suites.values()):
            root.append(self._suite_element(record, suite, index))
        ET.indent(root)
        data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return data + b"\n"

    def _add_finding(
        self, record: RunRecord, suite: _Suite, finding: Finding, instances: list[Instance]
    ) -> None:
        case = _case(f"{finding.rule_id} {finding.name}", suite.site)
        body = _details(finding, instances)
        if fails_gate(finding, record.fail_on):
            message = f"{finding.risk.label}: {len(instances)} instance(s) of {finding.name}"
            failure = ET.SubElement(case, "failure", type=finding.risk.label, message=_one_line(message))
            # GitLab ignores `message`; the body carries every detail.
            failure.text = body
            suite.failures += 1
        else:
            # The strict schema allows no <system-out> inside <testcase>: below-gate details go
            # to the suite's <system-out>, headed by the testcase name.
            heading = f"== {finding.rule_id} {finding.name} ({finding.risk.label}, below the gate)"
            suite.out.append(f"{heading}\n{body}")
        suite.cases.append(case)

    def _suite_element(self, record: RunRecord, suite: _Suite, index: int) -> ET.Element:
        element = ET.Element(
            "testsuite",
            name=suite.site,
            package=suite.site,
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
        for name, value in _properties(record):
            ET.SubElement(properties, "property", name=name, value=value)
        element.extend(suite.cases)
        ET.SubElement(element, "system-out").text = "\n".join(suite.out)
        ET.SubElement(element, "system-err").text = record.error
        return element


def _case(name: str, classname: str) -> ET.Element:
    return ET.Element("testcase", name=name, classname=classname, time="0")


def _instances_by_site(finding: Finding, fallback: str) -> dict[str, list[Instance]]:
    grouped: dict[str, list[Instance]] = {}
    for instance in finding.instances:
        grouped.setdefault(site_of(instance.url) or fallback, []).append(instance)
    return grouped or {fallback: []}


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
        ("target.url", record.target.url),
        ("target.image", record.target.image),
        ("target.image_digest", record.target.image_digest),
        ("fail_on", record.fail_on.label if record.fail_on is not None else "never"),
        # A CI server shows properties, not the HTML: coverage cut short by a budget must be visible here too.
        ("budgets_hit", ",".join(record.budgets_hit) or "none"),
        ("completeness", record.completeness.status.value),
        ("run_id", record.run_id),
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
