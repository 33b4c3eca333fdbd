"""The severity gate: which findings fail the pipeline."""

from __future__ import annotations

import enum
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
        raise ValueError(f"the gate must be one of high, medium, low, info, never (got {text!r})") from None


def fails_gate(finding: Finding, fail_on: Risk | None) -> bool:
    return fail_on is not None and finding.risk >= fail_on


class Outcome(enum.StrEnum):
    """What the run means for the pipeline, in precedence order (the CLI maps it to exit codes).

    Real findings stay actionable even from a broken run, so FAILED wins over ERROR; a scan that
    did not cover what it should never passes silently (INCOMPLETE), unless the user allowed it.
    """

    FAILED = "failed"  # findings at or above the gate
    ERROR = "error"  # the scan itself failed (engine died, target never healthy)
    INCOMPLETE = "incomplete"  # ran, found nothing gating, but did not cover what it should
    PASSED = "passed"


@dataclass(frozen=True)
class GateVerdict:
    fail_on: Risk | None
    failing: tuple[Finding, ...]
    error: str = ""
    incomplete: tuple[str, ...] = ()  # reasons
    allow_incomplete: bool = False

    @property
    def passed(self) -> bool:
        """No finding at or above the gate (the severity gate alone)."""
        return not self.failing

    @property
    def outcome(self) -> Outcome:
        if self.failing:
            return Outcome.FAILED
        if self.error:
            return Outcome.ERROR
        if self.incomplete and not self.allow_incomplete:
            return Outcome.INCOMPLETE
        return Outcome.PASSED

    @property
    def threshold(self) -> str:
        return "never" if self.fail_on is None else self.fail_on.label

    def summary(self) -> str:
        threshold = self.threshold
        outcome = self.outcome
        if outcome is Outcome.FAILED:
            count = sum(len(f.instances) for f in self.failing)
            return (
                f"gate FAILED (fail on: {threshold}): {len(self.failing)} finding(s), "
                f"{count} instance(s) at or above {threshold}"
            )
        if outcome is Outcome.ERROR:
            return f"gate not passed (fail on: {threshold}): the scan failed before it could finish"
        if outcome is Outcome.INCOMPLETE:
            return (
                f"gate INCOMPLETE (fail on: {threshold}): nothing at or above {threshold} found, "
                "but the scan did not cover what it should"
            )
        if self.incomplete:
            return f"gate passed (fail on: {threshold}), scan INCOMPLETE (allowed)"
        return f"gate passed (fail on: {threshold})"


def evaluate(record: RunRecord) -> GateVerdict:
    failing = tuple(f for f in record.findings if fails_gate(f, record.fail_on))
    return GateVerdict(
        fail_on=record.fail_on,
        failing=failing,
        error=record.error,
        incomplete=(record.completeness.reasons or ("scan incomplete",))
        if not record.completeness.complete
        else (),
        allow_incomplete=record.allow_incomplete,
    )
