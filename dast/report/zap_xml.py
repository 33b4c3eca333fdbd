"""ZAP's traditional XML report, for the tools that import ZAP results (DefectDojo's "ZAP Scan").

Structure as ZAP writes it: `OWASPZAPReport/site/alerts/alertitem`, each with pluginid,
alert/name, riskcode, confidence, riskdesc, desc, instances/instance (uri, method, param, attack,
evidence, otherinfo), count, solution, otherinfo, reference, cweid, wascid, sourceid. Instances
with a stored exchange carry requestheader/requestbody/responseheader/responsebody, as ZAP's
"with requests and responses" variant does. Texts meant as HTML (desc, solution, reference) are
HTML paragraphs, escaped. URLs are absolute, under the report base. Suppressed findings are kept
apart, in `dastSuppressed`, where readers of `site` never count them.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from urllib.parse import urlsplit

from dast.fingerprint import site_of
from dast.models import Exchange, Finding, Instance, RunRecord
from dast.report.interface import OutputFormat, Reporter
from dast.report.sanitize import by_severity, sanitize_record, url_site

# ZAP's alert sources: 1 active scan, 3 passive scan, 0 unknown.
_SOURCE_IDS = {"active": "1", "passive": "3"}


class ZapXmlReporter(Reporter):
    format = OutputFormat.ZAP_XML

    def render(self, record: RunRecord) -> bytes:
        record = sanitize_record(record)
        exchanges = record.exchange_index()
        kinds = {rule.rule_id: rule.kind for rule in record.rules}
        # Written as text, not through ElementTree: a large scan has tens of thousands of elements
        # and this layout is fixed; every text and attribute goes through _text/_attributes.
        out = ["<?xml version='1.0' encoding='utf-8'?>\n"]
        head = _attributes(
            programName="ZAP",
            version=record.engine.version,
            generated=_generated(record.finished_at or record.started_at),
            generator=f"dast {record.tool_version}",
        )
        out.append(f"<OWASPZAPReport{head}>\n")
        sites: dict[str, list[str]] = {}  # site -> its alert items
        for finding in by_severity(record.findings):
            for site, instances in _by_site(finding.instances, record.target.url).items():
                sites.setdefault(site, []).append(_alert_item(finding, instances, exchanges, kinds, "      "))
        if not sites:
            sites[site_of(record.target.url) or record.target.url] = []  # readers expect one
        for site, items in sites.items():
            out.append(f"  <site{_site_attributes(site)}>\n    <alerts>\n")
            out += items
            out.append("    </alerts>\n  </site>\n")
        out.append(_run(record))
        if record.suppressed:
            out.append("  <dastSuppressed>\n")
            for finding in by_severity(record.suppressed):
                out.append(_alert_item(finding, list(finding.instances), exchanges, kinds, "    "))
            out.append("  </dastSuppressed>\n")
        out.append("</OWASPZAPReport>\n")
        return "".join(out).encode("utf-8")


def _run(record: RunRecord) -> str:
    """What ZAP's layout has no place for: the verdict's inputs, triage news, problems."""
    attributes = {
        "target": record.target.url,
        "name": record.target.name,
        "runId": record.run_id,
        "failOn": record.fail_on.label if record.fail_on is not None else "never",
        "completeness": record.completeness.status.value,
        "suppressed": str(sum(len(f.instances) for f in record.suppressed)),
    }
    if record.baseline is not None:
        attributes["baseline"] = record.baseline.summary
    problems = [
        *(f"scan INCOMPLETE: {reason}" for reason in record.completeness.reasons),
        *([f"scan error: {record.error}"] if record.error else []),
        *record.warnings,
        *(record.triage.warnings if record.triage is not None else []),
    ]
    lines = "".join(_text("    ", "warning", line) for line in problems)
    return f"  <dastRun{_attributes(**attributes)}>\n{lines}  </dastRun>\n"


def _by_site(instances: Iterable[Instance], fallback: str) -> dict[str, list[Instance]]:
    grouped: dict[str, list[Instance]] = {}
    for instance in instances:
        grouped.setdefault(url_site(instance.url) or site_of(fallback) or fallback, []).append(instance)
    return grouped


def _site_attributes(site: str) -> str:
    parts = urlsplit(site)
    ssl = parts.scheme == "https"
    try:
        port = parts.port or (443 if ssl else 80)
    except ValueError:
        port = 443 if ssl else 80
    return _attributes(name=site, host=parts.hostname or "", port=str(port), ssl=str(ssl).lower())


def _alert_item(
    finding: Finding,
    instances: list[Instance],
    exchanges: Mapping[str, Exchange],
    kinds: Mapping[str, str],
    indent: str,
) -> str:
    inner = indent + "  "
    parts = [
        f"{indent}<alertitem>\n",
        _text(inner, "pluginid", finding.rule_id),
        _text(inner, "alertRef", finding.rule_id),
        _text(inner, "alert", finding.name),
        _text(inner, "name", finding.name),
        _text(inner, "riskcode", str(int(finding.risk))),
        _text(inner, "confidence", str(int(finding.confidence))),
        _text(inner, "riskdesc", f"{finding.risk.label} ({finding.confidence.label})"),
        _text(inner, "confidencedesc", finding.confidence.label),
        _text(inner, "desc", _paragraphs([finding.description])),
        f"{inner}<instances>\n",
    ]
    for instance in instances:
        exchange = exchanges.get(instance.exchange) if instance.exchange else None
        parts.append(_instance(instance, exchange, inner + "  "))
    parts += [
        f"{inner}</instances>\n",
        _text(inner, "count", str(len(instances))),
        _text(inner, "solution", _paragraphs([finding.solution])),
        _text(inner, "otherinfo", _paragraphs([instances[0].other_info] if instances else [])),
        _text(inner, "reference", _paragraphs(finding.references)),
        _text(inner, "cweid", str(finding.cwe_id)),
        _text(inner, "wascid", str(finding.wasc_id)),
        _text(inner, "sourceid", _SOURCE_IDS.get(kinds.get(finding.rule_id, ""), "0")),
        f"{indent}</alertitem>\n",
    ]
    return "".join(parts)


def _instance(instance: Instance, exchange: Exchange | None, indent: str) -> str:
    inner = indent + "  "
    parts = [
        f"{indent}<instance>\n",
        _text(inner, "uri", instance.url),
        _text(inner, "method", instance.method),
        _text(inner, "param", instance.parameter),
        _text(inner, "attack", instance.attack),
        _text(inner, "evidence", instance.evidence),
        _text(inner, "otherinfo", instance.other_info),
    ]
    if exchange is not None:
        # All four or none: importers concatenate header and body.
        parts += [
            _text(inner, "requestheader", exchange.request.header),
            _text(inner, "requestbody", exchange.request.body),
            _text(inner, "responseheader", exchange.response.header),
            _text(inner, "responsebody", exchange.response.body),
        ]
    note = instance.suppressed
    if note is not None:
        attributes = _attributes(
            kind=note.kind.value,
            reason=note.reason,
            source=note.source,
            owner=note.owner,
            ticket=note.ticket,
            expires=note.expires,
        )
        parts.append(f"{inner}<suppression{attributes} />\n")
    parts.append(f"{indent}</instance>\n")
    return "".join(parts)


def _text(indent: str, tag: str, text: str) -> str:
    """<tag>text</tag> on its own line, the text escaped as XML character data."""
    if not text:
        return f"{indent}<{tag} />\n"
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return f"{indent}<{tag}>{escaped}</{tag}>\n"


def _attributes(**values: str) -> str:
    return "".join(f' {name}="{_attribute(value)}"' for name, value in values.items())


def _attribute(value: str) -> str:
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#09;")
    )


def _paragraphs(texts: Iterable[str]) -> str:
    """Plain text as the HTML paragraphs ZAP writes there, every character of it escaped."""
    lines = [line.strip() for text in texts for line in text.splitlines()]
    return "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines if line)


def _generated(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S")
