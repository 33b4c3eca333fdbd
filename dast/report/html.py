"""Self-contained HTML report: inline CSS, no scripts, nothing fetched when the page opens."""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2

from dast.gate import evaluate, gating_instances
from dast.models import PROFILE_SOURCE_PREFIX, Exchange, Finding, Instance, PhaseOutcome, Risk, RunRecord
from dast.report.auth_view import auth_context
from dast.report.interface import OutputFormat, RenderOptions, Reporter
from dast.report.sanitize import by_severity, cwe_url, safe_link, sanitize_record, wasc_url
from dast.resources import templates_dir

TEMPLATE = "report.html.j2"


@dataclass(frozen=True)
class Reference:
    text: str
    href: str | None  # None: not http(s), shown as plain text, never a link


# Characters of a response body the page shows on each side of the evidence: enough context to
# judge it, the evidence in sight without scrolling; results.json keeps the whole excerpt.
BODY_CONTEXT = 400


@dataclass(frozen=True)
class Highlighted:
    """A text split around the first occurrence of the evidence, so the page can mark it."""

    before: str
    match: str
    after: str
    cut: bool = False  # text was left out before or after


def highlight(text: str, evidence: str) -> Highlighted:
    position = text.find(evidence) if evidence else -1
    if position < 0:
        return Highlighted(text, "", "")
    end = position + len(evidence)
    return Highlighted(text[:position], text[position:end], text[end:])


def around(text: str, evidence: str, context: int = BODY_CONTEXT) -> Highlighted:
    """`highlight`, keeping `context` characters on each side (the start, without the evidence)."""
    parts = highlight(text, evidence)
    before, after = parts.before, parts.after
    if not parts.match:
        after, before = before, ""
    cut_before, cut_after = len(before) > context, len(after) > context
    return Highlighted(
        ("…" + before[-context:]) if cut_before else before,
        parts.match,
        (after[:context] + "…") if cut_after else after,
        cut_before or cut_after,
    )


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    anchor: str
    css: str  # risk-high, risk-medium, ...
    fails_gate: bool
    cwe_url: str | None
    references: tuple[Reference, ...]
    suppress_file: str = ""  # the suppressions file the `dast suppress` command line should name
    wasc_url: str | None = None
    exchanges: Mapping[str, Exchange] = dataclasses.field(default_factory=dict)

    def exchange(self, instance: Instance) -> Exchange | None:
        """The instance's stored request and response, if it keeps one."""
        return self.exchanges.get(instance.exchange) if instance.exchange else None

    @staticmethod
    def highlight(text: str, evidence: str) -> Highlighted:
        return highlight(text, evidence)

    @staticmethod
    def around(text: str, evidence: str) -> Highlighted:
        return around(text, evidence)

    def suppress_command(self, instance: Instance) -> str:
        """The command that suppresses one instance, ready to copy (the reason left to write)."""
        command = (
            f"dast suppress {instance.fingerprint} --rule {shlex.quote(self.finding.rule_id)} --reason '…'"
        )
        return f"{command} --file {shlex.quote(self.suppress_file)}" if self.suppress_file else command


@dataclass(frozen=True)
class Bar:
    risk: Risk
    css: str
    findings: int
    instances: int
    width: float  # percent of the widest bar


def make_environment(options: RenderOptions) -> jinja2.Environment:
    """Team templates first, ours second, so a team can override single files."""
    loaders: list[jinja2.BaseLoader] = []
    if options.template_dir is not None:
        loaders.append(jinja2.FileSystemLoader(options.template_dir))
    loaders.append(jinja2.FileSystemLoader(templates_dir()))
    # autoescape=True for every template, whatever its suffix: scan data is hostile.
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = format_duration
    return env


def format_duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def risk_css(risk: Risk) -> str:
    return f"risk-{risk.name.lower()}"


class HtmlReporter(Reporter):
    format = OutputFormat.HTML

    def __init__(self, options: RenderOptions | None = None) -> None:
        self._env = make_environment(options or RenderOptions())

    def render(self, record: RunRecord) -> bytes:
        record = sanitize_record(record)
        template = self._env.get_template(TEMPLATE)
        return template.render(self.context(record)).encode("utf-8")

    @staticmethod
    def context(record: RunRecord) -> dict[str, Any]:
        suppress_file = _suppressions_file(record)
        exchanges = record.exchange_index()

        def view(f: Finding, anchor: str) -> FindingView:
            return FindingView(
                finding=f,
                anchor=anchor,
                css=risk_css(f.risk),
                fails_gate=bool(gating_instances(f, record)),
                cwe_url=cwe_url(f.cwe_id) if f.cwe_id > 0 else None,
                references=tuple(Reference(r, safe_link(r)) for r in f.references),
                suppress_file=suppress_file,
                wasc_url=wasc_url(f.wasc_id) if f.wasc_id > 0 else None,
                exchanges=exchanges,
            )

        findings = [view(f, f"finding-{n}") for n, f in enumerate(by_severity(record.findings), 1)]
        counts = {risk: [f for f in record.findings if f.risk == risk] for risk in sorted(Risk, reverse=True)}
        widest = max((len(fs) for fs in counts.values()), default=0) or 1
        bars = [
            Bar(risk, risk_css(risk), len(fs), sum(len(f.instances) for f in fs), 100.0 * len(fs) / widest)
            for risk, fs in counts.items()
        ]
        return {
            "record": record,
            "verdict": evaluate(record),
            "fail_on": record.fail_on.label if record.fail_on is not None else "never",
            "findings": findings,
            # Apart from the findings: never counted by the gate, never "fails gate".
            "suppressed": [
                dataclasses.replace(view(f, f"suppressed-{n}"), fails_gate=False)
                for n, f in enumerate(by_severity(record.suppressed), 1)
            ],
            "suppressed_count": sum(len(f.instances) for f in record.suppressed),
            "triage_warnings": record.triage.warnings if record.triage is not None else [],
            "bars": bars,
            "cut_short": {PhaseOutcome.CUT_SHORT, PhaseOutcome.FAILED},
            "auth": auth_context(record),
        }


def _suppressions_file(record: RunRecord) -> str:
    """The suppressions file the run used, so the suggested command adds to it; empty: the default one."""
    if record.triage is None:
        return ""
    return next((s for s in record.triage.sources if not s.startswith(PROFILE_SOURCE_PREFIX)), "")
