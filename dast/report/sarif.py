"""SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, DefectDojo).

One result per instance, so each carries its own location and fingerprint.
Levels: High -> error, Medium -> warning, Low and Informational -> note ("none" would
hide informational findings in GitHub's UI, which users asked to keep visible).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from dast.models import BaselineComparison, BaselineState, Finding, Instance, PhaseOutcome, Risk, RunRecord
from dast.report.auth_view import sarif_assertions, sarif_properties
from dast.report.interface import OutputFormat, Reporter
from dast.report.markdown import escape as _md_escape
from dast.report.sanitize import by_severity, cwe_url, safe_link, sanitize_record
from dast.report.sarif_locations import Locator

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "dastFingerprint/v1"

_LEVELS = {Risk.HIGH: "error", Risk.MEDIUM: "warning", Risk.LOW: "note", Risk.INFO: "note"}
# GitHub ranks code-scanning alerts by this rule property (CVSS-like 0.0-10.0).
_SECURITY_SEVERITY = {Risk.HIGH: "8.0", Risk.MEDIUM: "5.5", Risk.LOW: "3.0", Risk.INFO: "0.0"}
_BASELINE_STATES = {BaselineState.NEW: "new", BaselineState.EXISTING: "unchanged"}
# Characters allowed unescaped in a URI reference (RFC 3986 reserved + unreserved + '%').
_URI_SAFE = ":/?#[]@!$&'()*+,;=-._~%"


class SarifReporter(Reporter):
    format = OutputFormat.SARIF

    def render(self, record: RunRecord) -> bytes:
        record = sanitize_record(record)
        findings = by_severity(record.findings)
        locator = Locator(record.sarif)
        rules: list[dict[str, Any]] = []
        rule_index: dict[str, int] = {}
        results: list[dict[str, Any]] = []
        # Suppressed findings stay results too, marked with their suppression (accepted, with the
        # reason), so code-scanning dashboards show them as dismissed rather than losing them.
        for finding in [*findings, *by_severity(record.suppressed)]:
            if finding.rule_id not in rule_index:
                rule_index[finding.rule_id] = len(rules)
                rules.append(_rule(finding))
            index = rule_index[finding.rule_id]
            results.extend(_result(finding, instance, index, locator) for instance in finding.instances)
        assertion_rules, assertion_results = sarif_assertions(record, len(rules))
        # One result per assertion, in order: each placed in the repository like a finding.
        for entry, assertion in zip(assertion_results, record.assertions, strict=True):
            entry["locations"] = [locator.location(assertion.url)]
            entry["properties"]["url"] = assertion.url
        rules += [_complete_rule(rule) for rule in assertion_rules]
        results += assertion_results

        complete = record.completeness.complete
        invocation: dict[str, Any] = {"executionSuccessful": not record.error and complete}
        notifications = [
            {"level": "error", "message": {"text": f"scan INCOMPLETE: {reason}"}}
            for reason in record.completeness.reasons
        ] + [
            {
                "level": "warning",
                "message": {"text": f"phase {p.name} cut short: {p.detail or 'budget reached'}"},
            }
            for p in record.phases
            if p.outcome is PhaseOutcome.CUT_SHORT
        ]
        if record.error:
            notifications.append({"level": "error", "message": {"text": record.error}})
        if record.triage is not None:
            notifications += [{"level": "warning", "message": {"text": w}} for w in record.triage.warnings]
        if notifications:
            invocation["toolExecutionNotifications"] = notifications
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "dast",
                    "version": record.tool_version,
                    "rules": rules,
                    "properties": {
                        "engine": record.engine.provider,
                        "engineVersion": record.engine.version,
                        "ruleSource": record.engine.rule_source,
                    },
                }
            },
            "invocations": [invocation],
            "results": results,
            "properties": {
                "targetName": record.target.name,
                "target": record.target.url,
                "engineUrl": record.target.engine_url,
                "image": record.target.image,
                "imageDigest": record.target.image_digest,
                "profile": record.profile.name,
                "profileSha256": record.profile.sha256,
                "startedAt": record.started_at,
                "finishedAt": record.finished_at,
                "failOn": record.fail_on.label if record.fail_on is not None else "never",
                "budgetsHit": list(record.budgets_hit),
                "completeness": record.completeness.status.value,
                "allowIncomplete": record.allow_incomplete,
                "runId": record.run_id,
                **sarif_properties(record),
                "failOnNew": record.fail_on_new,
                "suppressed": sum(len(f.instances) for f in record.suppressed),
                **({"baseline": _baseline(record.baseline)} if record.baseline is not None else {}),
            },
        }
        if record.target.name:
            # GitHub files runs by the id's part before the last '/': one category per target.
            run["automationDetails"] = {"id": f"dast/{record.target.name}/{record.run_id}"}
        document = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
        # Compact on purpose: only machines read SARIF, and indent= forces json's slow pure-Python
        # encoder (3x the time for 10,000 results).
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _rule(finding: Finding) -> dict[str, Any]:
    tags = ["security", f"risk:{finding.risk.label.lower()}"]
    if finding.cwe_id > 0:
        tags.append(f"external/cwe/cwe-{finding.cwe_id}")
    if finding.wasc_id > 0:
        tags.append(f"external/wasc/wasc-{finding.wasc_id}")
    rule: dict[str, Any] = {
        "id": finding.rule_id,
        "name": finding.name,
        "shortDescription": {"text": finding.name},
        "fullDescription": {"text": finding.description or finding.name},
        "help": {"text": _help_text(finding), "markdown": _help_markdown(finding)},
        "defaultConfiguration": {"level": _LEVELS[finding.risk]},
        "properties": {
            "tags": tags,
            "security-severity": _SECURITY_SEVERITY[finding.risk],
            "risk": finding.risk.label,
            "confidence": finding.confidence.label,
        },
    }
    if finding.cwe_id > 0:
        rule["helpUri"] = cwe_url(finding.cwe_id)
    return rule


def _help_text(finding: Finding) -> str:
    parts = [f"Solution: {finding.solution}"] if finding.solution else []
    if finding.references:
        parts.append("References:\n" + "\n".join(finding.references))
    return "\n\n".join(parts) or finding.name


def _help_markdown(finding: Finding) -> str:
    parts = [f"**Solution**\n\n{_md_escape(finding.solution)}"] if finding.solution else []
    if finding.cwe_id > 0:
        parts.append(f"[CWE-{finding.cwe_id}]({cwe_url(finding.cwe_id)})")
    if finding.references:
        items = []
        for ref in finding.references:
            link = safe_link(ref)
            items.append(f"- <{quote(link, safe=_URI_SAFE)}>" if link else f"- {_md_escape(ref)}")
        parts.append("**References**\n\n" + "\n".join(items))
    return "\n\n".join(parts) or _md_escape(finding.name)


def _complete_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """Code scanning requires a short and full description and a help text on every rule."""
    name = str(rule.get("name") or rule.get("id") or "")
    rule.setdefault("shortDescription", {"text": name})
    rule.setdefault("fullDescription", rule["shortDescription"])
    rule.setdefault("help", {"text": rule["fullDescription"]["text"]})
    return rule


def _result(finding: Finding, instance: Instance, rule_index: int, locator: Locator) -> dict[str, Any]:
    where = f"{instance.method} {instance.url}".strip()
    text = f"{finding.name} at {where}" + (f" (parameter {instance.parameter})" if instance.parameter else "")
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.risk],
        "message": {"text": text},
        "locations": [locator.location(instance.url)],
        "partialFingerprints": {FINGERPRINT_KEY: instance.fingerprint},
        "properties": {
            "url": instance.url,
            "risk": finding.risk.label,
            "confidence": finding.confidence.label,
            "method": instance.method,
            "parameter": instance.parameter,
            "attack": instance.attack,
            "evidence": instance.evidence,
            "otherInfo": instance.other_info,
            "messageId": instance.message_id,
            "replay": instance.replay,
        },
    }
    if instance.method:
        result["webRequest"] = {"target": instance.url, "method": instance.method}
    if instance.overridden_from is not None:
        result["properties"]["overriddenFrom"] = instance.overridden_from.label
    if instance.baseline is not None:
        result["baselineState"] = _BASELINE_STATES[instance.baseline]
    if instance.suppressed is not None:
        note = instance.suppressed
        suppression: dict[str, Any] = {"kind": "external", "status": "accepted", "justification": note.reason}
        suppression["properties"] = {
            "source": note.source,
            "kind": note.kind.value,
            **{
                k: v
                for k, v in (("owner", note.owner), ("ticket", note.ticket), ("expires", note.expires))
                if v
            },
        }
        result["suppressions"] = [suppression]
    return result


def _baseline(baseline: BaselineComparison) -> dict[str, Any]:
    return {
        "summary": baseline.summary,
        "source": baseline.source,
        "runId": baseline.run_id,
        "new": baseline.new,
        "existing": baseline.existing,
        "fixed": [
            {
                "ruleId": x.rule_id,
                "name": x.name,
                "risk": x.risk.label,
                "method": x.method,
                "url": x.url,
                "parameter": x.parameter,
                "fingerprint": x.fingerprint,
            }
            for x in baseline.fixed
        ],
    }
