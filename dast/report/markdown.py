"""A short Markdown summary for CI job summaries and merge-request comments."""

from __future__ import annotations

from dast.gate import Outcome, evaluate, gating_instances
from dast.models import BaselineState, Finding, PhaseOutcome, Risk, RunRecord
from dast.report.auth_view import markdown_lines
from dast.report.interface import OutputFormat, Reporter
from dast.report.sanitize import by_severity, sanitize_record

TOP_FINDINGS = 15
CELL_LIMIT = 120
REPRODUCE_FINDINGS = 5
REPLAY_LIMIT = 2000

_ICONS = {Risk.HIGH: "🔴", Risk.MEDIUM: "🟠", Risk.LOW: "🟡", Risk.INFO: "🔵"}


def escape(text: str) -> str:
    """Scan data as literal Markdown text: no HTML, code spans, links, emphasis or pipes."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\`|[]*_":
        text = text.replace(char, "\\" + char)
    return text


def cell(text: str, limit: int = CELL_LIMIT) -> str:
    """Text safe inside a table cell: escaped, on one line, cut to `limit`."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return escape(text)


class MarkdownReporter(Reporter):
    format = OutputFormat.MARKDOWN

    def render(self, record: RunRecord) -> bytes:
        record = sanitize_record(record)
        verdict = evaluate(record)
        outcome = verdict.outcome
        icon = {Outcome.PASSED: "✅", Outcome.INCOMPLETE: "⚠️"}.get(outcome, "❌")
        lines = [f"## {icon} dast: {cell(record.target.name or record.target.url)}", ""]
        lines.append(f"**{cell(verdict.summary())}**")
        if record.baseline is not None:
            lines += [
                "",
                f"**Baseline:** {cell(record.baseline.summary)} (against {cell(record.baseline.source)})",
            ]
        if record.suppressed:
            count = sum(len(f.instances) for f in record.suppressed)
            lines += [
                "",
                f"Suppressed: {count} instance(s) of {len(record.suppressed)} finding(s), not counted by the gate.",
            ]
        if record.triage is not None:
            for line in record.triage.warnings:
                lines += ["", f"Warning: {cell(line, 500)}"]
        if verdict.incomplete:
            allowed = " (allowed)" if verdict.allow_incomplete else ""
            lines += ["", f"⚠️ **Scan INCOMPLETE{allowed}:** {cell('; '.join(verdict.incomplete), 1000)}"]
        if record.error:
            lines += ["", f"**Scan error:** {cell(record.error, 500)}"]
        for warning in record.warnings:
            lines += ["", f"Warning: {cell(warning, 500)}"]
        lines += [
            "",
            f"Engine {cell(record.engine.provider)} {cell(record.engine.version)}, "
            f"profile {cell(record.profile.name)}, {record.request_count} request(s), "
            f"{record.instance_count} instance(s).",
            "",
            "| Risk | Findings | Instances |",
            "| --- | ---: | ---: |",
        ]
        for risk in sorted(Risk, reverse=True):
            same = [f for f in record.findings if f.risk == risk]
            instances = sum(len(f.instances) for f in same)
            lines.append(f"| {_ICONS[risk]} {risk.label} | {len(same)} | {instances} |")

        findings = by_severity(record.findings)
        if findings:
            lines += ["", "| Risk | Rule | Name | Instances |", "| --- | --- | --- | ---: |"]
            for f in findings[:TOP_FINDINGS]:
                lines.append(f"| {f.risk.label} | {cell(f.rule_id)} | {cell(f.name)} | {_instances(f)} |")
            if len(findings) > TOP_FINDINGS:
                lines += ["", f"…and {len(findings) - TOP_FINDINGS} more finding(s); see the HTML report."]

        lines += _reproduce(record, findings)
        lines += markdown_lines(record, cell)

        cut = [p for p in record.phases if p.outcome in (PhaseOutcome.CUT_SHORT, PhaseOutcome.FAILED)]
        if cut or record.budgets_hit:
            lines += ["", "**Phases cut short:**", ""]
            for p in cut:
                detail = f": {cell(p.detail)}" if p.detail else ""
                lines.append(
                    f"- {cell(p.name)} {p.outcome.value.replace('_', ' ')} after {p.duration_s:.0f} s{detail}"
                )
            if record.budgets_hit:
                lines.append(f"- budgets hit: {cell(', '.join(record.budgets_hit))}")
        return ("\n".join(lines) + "\n").encode("utf-8")


def _reproduce(record: RunRecord, findings: list[Finding]) -> list[str]:
    """A curl per finding that fails the gate (else the most severe ones), to confirm it by hand."""
    failing = [f for f in findings if gating_instances(f, record)] or findings
    lines = []
    for finding in failing[:REPRODUCE_FINDINGS]:
        replay = next((i.replay for i in finding.instances if i.replay), "")
        if replay:
            lines.append(f"- {cell(finding.rule_id)} {cell(finding.name)}: {cell(replay, REPLAY_LIMIT)}")
    if not lines:
        return []
    intro = (
        "**How to reproduce** (set TARGET to the deployment to test; ${VARIABLES} are secrets "
        "from your environment):"
    )
    return ["", intro, "", *lines]


def _instances(finding: Finding) -> str:
    new = sum(1 for i in finding.instances if i.baseline is BaselineState.NEW)
    return f"{len(finding.instances)} ({new} new)" if new else str(len(finding.instances))
