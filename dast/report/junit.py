"""JUnit XML: one testsuite per site, one testcase per (rule x site), built with `junit-xml`.

Valid under the schema CI servers read, Jenkins xUnit's junit-10.xsd (the strict Ant schema is
stricter than any of them and cannot hold a testcase's <system-out>, which shows the findings
below the gate). Conventions: a passing testcase for each rule that ran and found nothing,
`<failure type="<risk>">` at or above the gate with every detail in the body (GitLab ignores
`message`), `<skipped>` for a rule triage suppressed whole, `<error>` for a failed or incomplete
scan and for an assertion that could not be checked; the run's facts as suite properties.
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from junit_xml import TestCase, TestSuite

from dast.fingerprint import site_of
from dast.gate import gating_instances
from dast.models import Exchange, Finding, Instance, RunRecord, Suppressed
from dast.report.auth_view import junit_assertions, junit_properties
from dast.report.interface import OutputFormat, Reporter
from dast.report.sanitize import by_severity, cwe_url, sanitize_record, url_site, wasc_url, xml_bytes

ERROR_CASE = "dast scan"
COMPLETENESS_CASE = "scan completeness"
# Request and response in a failure body, each cut to this many characters (the HTML has more).
EXCHANGE_EXCERPT = 2_000


@dataclass
class _Suite:
    site: str
    name: str  # the target's logical name for its own site, so CI history survives a new port
    cases: list[TestCase] = field(default_factory=list)
    out: list[str] = field(default_factory=list)


class _Properties(list[tuple[str, str]]):
    """Suite properties in order, repeats allowed: junit-xml reads them through `items()`."""

    def items(self) -> list[tuple[str, str]]:
        return list(self)


class JUnitReporter(Reporter):
    format = OutputFormat.JUNIT

    def render(self, record: RunRecord) -> bytes:
        record = sanitize_record(record)
        exchanges = record.exchange_index()
        target_site = site_of(record.target.url) or "unknown"
        home = _Suite(target_site, record.target.name or target_site)
        suites: dict[str, _Suite] = {target_site: home}

        if record.error:
            case = _case(ERROR_CASE, home.name)
            case.add_error_info(_one_line(record.error), record.error, "ScanError")
            home.cases.append(case)

        reasons = record.completeness.reasons
        # The scan's own duration sits on this case, so the suite's time is the scan's.
        completeness = _case(COMPLETENESS_CASE, home.name, _duration(record))
        if not record.completeness.complete:
            # Where a CI server looks first: an incomplete scan must not read as a clean pass.
            text = "scan INCOMPLETE:\n" + "\n".join(f"- {r}" for r in reasons)
            if record.allow_incomplete:
                completeness.add_skipped_info(
                    _one_line(f"scan incomplete (allowed): {'; '.join(reasons)}"), text
                )
            else:
                completeness.add_error_info(
                    _one_line(f"scan INCOMPLETE: {'; '.join(reasons)}"), text, "Incomplete"
                )
        home.cases.append(completeness)
        home.out.extend(_triage_lines(record))

        # Security assertions: a testcase each, beside the scan's own; one below the gate shows
        # its details in its own <system-out>.
        checks = junit_assertions(record, home.name)
        below = {_heading_name(text): text for text in checks.out}
        for element in checks.cases:
            case = _case_of(element)
            case.stdout = below.pop(case.name, None)
            home.cases.append(case)
        home.out.extend(below.values())

        found_rules: set[str] = set()
        # One testcase per rule x site, also when an override split a rule's instances by risk or
        # triage suppressed some of them.
        for (rule_id, _name), (live, suppressed) in _by_rule(record).items():
            found_rules.add(rule_id)
            for site in _sites(live + suppressed, target_site):
                suite = suites.setdefault(site, _Suite(site, site))
                suite.cases.append(
                    _finding_case(
                        record,
                        suite.name,
                        _at_site(live, site, target_site),
                        _at_site(suppressed, site, target_site),
                        exchanges,
                    )
                )

        # Rules that ran and found nothing pass, so CI servers can show them as "fixed".
        for rule in sorted(record.rules, key=lambda r: r.rule_id):
            if rule.rule_id not in found_rules:
                home.cases.append(_case(f"{rule.rule_id} {rule.name}", home.name))

        properties = _Properties([*_properties(record), *junit_properties(record)])
        root = ET.Element("testsuites")
        totals = {"disabled": 0, "errors": 0, "failures": 0, "tests": 0}
        for index, suite in enumerate(suites.values()):
            element = TestSuite(
                suite.name,
                suite.cases,
                hostname=urlsplit(suite.site).hostname or "localhost",
                id=str(index),
                package=suite.name,
                timestamp=_timestamp(record.started_at),
                properties=properties,
                stdout="\n".join(suite.out),
                stderr=record.error,
            ).build_xml_doc()
            for key in totals:
                totals[key] += int(element.get(key, "0"))
            root.append(element)
        # As junit-xml's to_xml_report_string puts them together, without its pass over the whole
        # text for characters XML cannot hold (sanitize_record removed them, at a fraction of the cost).
        for key, total in totals.items():
            root.set(key, str(total))
        root.set("time", f"{_duration(record):.3f}")
        ET.indent(root)  # for people reading it; layout only, no text changes
        return xml_bytes(root)


def _case(name: str, classname: str, seconds: float = 0.0) -> TestCase:
    return TestCase(name, classname=classname, elapsed_sec=seconds)


def _case_of(element: ET.Element) -> TestCase:
    """A testcase element (as the assertions view builds it) as a junit-xml TestCase."""
    case = _case(element.get("name", ""), element.get("classname", ""))
    for child in element:
        message, text = child.get("message"), child.text or ""
        if child.tag == "failure":
            case.add_failure_info(message, text, child.get("type"))
        elif child.tag == "error":
            case.add_error_info(message, text, child.get("type"))
        elif child.tag == "skipped":
            case.add_skipped_info(message, text)
        elif child.tag == "system-out":
            case.stdout = text
    return case


def _heading_name(text: str) -> str:
    """`== <testcase name> (<risk>, below the gate)` -> the testcase name."""
    heading = text.split("\n", 1)[0].removeprefix("== ")
    return heading.rsplit(" (", 1)[0]


def _finding_case(
    record: RunRecord,
    classname: str,
    live: list[Finding],
    suppressed: list[Finding],
    exchanges: Mapping[str, Exchange],
) -> TestCase:
    first = (live or suppressed)[0]
    case = _case(f"{first.rule_id} {first.name}", classname)
    body = "".join(_details(f, list(f.instances), exchanges) for f in live) + _suppressed_details(suppressed)
    gating = [(f, gating_instances(f, record)) for f in live]
    gating = [(f, instances) for f, instances in gating if instances]
    if gating:
        risk = max(f.risk for f, _ in gating).label
        count = sum(len(instances) for _, instances in gating)
        new = " new" if record.fail_on_new else ""
        # GitLab ignores `message`; the body carries every detail.
        case.add_failure_info(_one_line(f"{risk}: {count}{new} instance(s) of {first.name}"), body, risk)
    elif live:
        # Below the gate the testcase passes, and shows what was found in its own <system-out>.
        risk = max(f.risk for f in live).label
        case.stdout = f"== {first.rule_id} {first.name} ({risk}, below the gate)\n{body}"
    else:
        reasons = dict.fromkeys(i.suppressed.reason for f in suppressed for i in f.instances if i.suppressed)
        case.add_skipped_info(_one_line(f"suppressed: {'; '.join(reasons)}"), body)
    return case


def _by_rule(record: RunRecord) -> dict[tuple[str, str], tuple[list[Finding], list[Finding]]]:
    """(rule id, name) -> (findings that count, suppressed ones), most severe rule first."""
    grouped: dict[tuple[str, str], tuple[list[Finding], list[Finding]]] = {}
    for finding in by_severity(record.findings):
        grouped.setdefault((finding.rule_id, finding.name), ([], []))[0].append(finding)
    for finding in by_severity(record.suppressed):
        grouped.setdefault((finding.rule_id, finding.name), ([], []))[1].append(finding)
    return grouped


def _sites(findings: list[Finding], fallback: str) -> list[str]:
    sites = dict.fromkeys(url_site(i.url) or fallback for f in findings for i in f.instances)
    return list(sites) or [fallback]


def _at_site(findings: list[Finding], site: str, fallback: str) -> list[Finding]:
    """The findings narrowed to their instances at one site (a finding without instances stays at home)."""
    narrowed = []
    for finding in findings:
        instances = tuple(i for i in finding.instances if (url_site(i.url) or fallback) == site)
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


def _details(finding: Finding, instances: list[Instance], exchanges: Mapping[str, Exchange]) -> str:
    lines = [
        f"Risk: {finding.risk.label}   Confidence: {finding.confidence.label}",
        f"Rule: {finding.rule_id}",
    ]
    if finding.cwe_id > 0:
        lines.append(f"CWE: CWE-{finding.cwe_id} {cwe_url(finding.cwe_id)}")
    if finding.wasc_id > 0:
        lines.append(f"WASC: WASC-{finding.wasc_id} {wasc_url(finding.wasc_id)}")
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
        if inst.replay:
            lines.append(f"      Reproduce: {inst.replay}")
        exchange = exchanges.get(inst.exchange) if inst.exchange else None
        if exchange is not None:
            request = exchange.request.header + (
                f"\n{exchange.request.body}" if exchange.request.body else ""
            )
            response = exchange.response.header + (
                f"\n{_around(exchange.response.body, inst.evidence, EXCHANGE_EXCERPT)}"
                if exchange.response.body
                else ""
            )
            lines += ["      Request:", *_indented(_cut(request, EXCHANGE_EXCERPT))]
            lines += ["      Response:", *_indented(_cut(response, EXCHANGE_EXCERPT))]
    return "\n".join(lines) + "\n"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… [cut: {len(text) - limit:,} more characters]"


def _around(body: str, evidence: str, limit: int) -> str:
    """The part of a body around the evidence, so the excerpt in the body shows it."""
    position = body.find(evidence) if evidence else -1
    if len(body) <= limit or position < 0:
        return body
    start = max(0, min(position + len(evidence) // 2 - limit // 2, len(body) - limit))
    return ("…" if start else "") + body[start:]


def _indented(text: str) -> Iterable[str]:
    return (f"        {line}" for line in text.replace("\r\n", "\n").split("\n"))


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
