"""The severity gate: which findings fail the pipeline.

Only `record.findings` can fail it: what triage suppressed sits apart in `record.suppressed`.
With `fail_on_new` only instances new against the baseline count.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass

from dast.models import (
    AssertionOutcome,
    AssertionResult,
    BaselineState,
    Finding,
    Instance,
    Risk,
    RunRecord,
)


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


def fails_assertion(result: AssertionResult, fail_on: Risk | None) -> bool:
    """A failed security assertion gates like a finding of its risk (baseline or not)."""
    return result.outcome is AssertionOutcome.FAILED and fail_on is not None and result.risk >= fail_on


def gating_instances(finding: Finding, record: RunRecord) -> tuple[Instance, ...]:
    """The instances of a (not suppressed) finding that fail the gate; empty when none does."""
    if not fails_gate(finding, record.fail_on):
        return ()
    if record.fail_on_new:
        return tuple(i for i in finding.instances if i.baseline is BaselineState.NEW)
    return finding.instances


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
    new_only: bool = False  # only instances new against the baseline count
    failing_assertions: tuple[AssertionResult, ...] = ()

    @property
    def passed(self) -> bool:
        """No finding or failed assertion at or above the gate (the severity gate alone)."""
        return not self.failing and not self.failing_assertions

    @property
    def outcome(self) -> Outcome:
        if self.failing or self.failing_assertions:
            return Outcome.FAILED
        if self.error:
            return Outcome.ERROR
        if self.incomplete and not self.allow_incomplete:
            return Outcome.INCOMPLETE
        return Outcome.PASSED

    @property
    def threshold(self) -> str:
        label = "never" if self.fail_on is None else self.fail_on.label
        return f"{label}, new only" if self.new_only and self.fail_on is not None else label

    def summary(self) -> str:
        threshold = self.threshold
        outcome = self.outcome
        level = self.fail_on.label if self.fail_on is not None else "never"
        new = " new" if self.new_only else ""
        if outcome is Outcome.FAILED:
            count = sum(len(f.instances) for f in self.failing)
            text = (
                f"gate FAILED (fail on: {threshold}): {len(self.failing)} finding(s), "
                f"{count}{new} instance(s) at or above {level}"
            )
            if self.failing_assertions:
                text += f"; {len(self.failing_assertions)} failed assertion(s) at or above {level}"
            return text
        if outcome is Outcome.ERROR:
            return f"gate not passed (fail on: {threshold}): the scan failed before it could finish"
        if outcome is Outcome.INCOMPLETE:
            return (
                f"gate INCOMPLETE (fail on: {threshold}): nothing{new} at or above {level} found, "
                "but the scan did not cover what it should"
            )
        if self.incomplete:
            return f"gate passed (fail on: {threshold}), scan INCOMPLETE (allowed)"
        return f"gate passed (fail on: {threshold})"


def evaluate(record: RunRecord) -> GateVerdict:
    failing: list[Finding] = []
    for finding in record.findings:
        gating = gating_instances(finding, record)
        if gating:
            failing.append(
                finding if gating == finding.instances else dataclasses.replace(finding, instances=gating)
            )
    return GateVerdict(
        new_only=record.fail_on_new,
        fail_on=record.fail_on,
        failing=tuple(failing),
        error=record.error,
        incomplete=(record.completeness.reasons or ("scan incomplete",))
        if not record.completeness.complete
        else (),
        allow_incomplete=record.allow_incomplete,
        failing_assertions=tuple(a for a in record.assertions if fails_assertion(a, record.fail_on)),
    )
