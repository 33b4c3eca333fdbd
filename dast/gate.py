"""The severity gate: which findings fail the pipeline."""

from __future__ import annotations

from dataclasses import dataclass

from dast.models import Finding, Risk, RunRecord


def parse_fail_on(text: str) -> Risk | None:
    """`high|medium|low|info|never` -> the lowest failing risk, or None for never."""
    key = text.strip().lower()
    if key == "never":
        return None
    if key in ("info", "informational"):
        return Risk.INFO
    try:
        return Risk.parse(key)
    except ValueError:
        raise ValueError(f"--fail-on must be one of high, medium, low, info, never (got {text!r})") from None


def fails_gate(finding: Finding, fail_on: Risk | None) -> bool:
    return fail_on is not None and finding.risk >= fail_on


@dataclass(frozen=True)
class GateVerdict:
    fail_on: Risk | None
    failing: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        return not self.failing

    def summary(self) -> str:
        threshold = "never" if self.fail_on is None else self.fail_on.label
        if self.passed:
            return f"gate passed (fail on: {threshold})"
        count = sum(len(f.instances) for f in self.failing)
        return (
            f"gate FAILED (fail on: {threshold}): {len(self.failing)} finding(s), "
            f"{count} instance(s) at or above {threshold}"
        )


def evaluate(record: RunRecord) -> GateVerdict:
    failing = tuple(f for f in record.findings if fails_gate(f, record.fail_on))
    return GateVerdict(fail_on=record.fail_on, failing=failing)
