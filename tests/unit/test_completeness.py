"""Completeness is part of the verdict: budget cuts, a target that dies mid-scan, an engine that
dies, too little coverage - each makes the run incomplete, and the verdict follows the documented
precedence. Fakes at the seams only."""

from __future__ import annotations

import dataclasses

import pytest
from fakes import NEVER, FakeZap, alert, make_profile
from test_scan_core import HOST_URL, run

from dast.cli.exit_status import OUTCOME_STATUS, ExitStatus
from dast.errors import EngineError, EngineStartTimeout
from dast.gate import Outcome, evaluate
from dast.models import CompletenessStatus, PhaseOutcome, Risk
from dast.target.interface import RunningTarget


def test_a_full_clean_run_is_complete_and_passes() -> None:
    scan = run(make_profile("full"))
    assert scan.record.completeness.status is CompletenessStatus.COMPLETE
    assert scan.record.completeness.reasons == ()
    assert evaluate(scan.record).outcome is Outcome.PASSED


def test_a_phase_cut_by_its_budget_makes_the_run_incomplete() -> None:
    scan = run(make_profile("full", active={"max_duration": 30}), FakeZap(active=NEVER))
    assert scan.phase("active").outcome is PhaseOutcome.CUT_SHORT
    assert scan.record.completeness.status is CompletenessStatus.INCOMPLETE
    assert any("phase active was cut short" in r for r in scan.record.completeness.reasons)
    assert OUTCOME_STATUS[evaluate(scan.record).outcome] is ExitStatus.INCOMPLETE


def test_allowing_incomplete_turns_4_into_0_but_keeps_the_reasons() -> None:
    scan = run(make_profile("full", active={"max_duration": 30}), FakeZap(active=NEVER))
    allowed = dataclasses.replace(scan.record, allow_incomplete=True)
    verdict = evaluate(allowed)
    assert verdict.outcome is Outcome.PASSED
    assert "INCOMPLETE (allowed)" in verdict.summary()


def test_a_target_that_dies_mid_scan_stops_the_scan_and_keeps_what_was_found() -> None:
    answers = iter([None, None, "container exited (exit 137): Killed"])

    def check_alive() -> str | None:
        return next(answers, "container exited (exit 137): Killed")

    target = RunningTarget(host_url=HOST_URL, check_alive=check_alive)
    zap = FakeZap(active=NEVER, alerts=[alert(risk="Low")])
    scan = run(make_profile("full"), zap, running=target)
    assert scan.phase("active").outcome is PhaseOutcome.FAILED
    assert scan.zap.called("stop_active_scan"), "the attack on a dead target is stopped"
    reasons = scan.record.completeness.reasons
    assert any("target stopped serving" in r and "exit 137" in r for r in reasons), reasons
    assert scan.record.findings, "alerts found before the target died are still collected"
    assert OUTCOME_STATUS[evaluate(scan.record).outcome] is ExitStatus.INCOMPLETE


def test_a_dead_target_with_gating_findings_exits_1() -> None:
    target = RunningTarget(host_url=HOST_URL, check_alive=lambda: "answered HTTP 502")
    zap = FakeZap(alerts=[alert(risk="High")])
    scan = run(make_profile("full"), zap, running=target)
    assert scan.record.completeness.status is CompletenessStatus.INCOMPLETE
    assert OUTCOME_STATUS[evaluate(scan.record).outcome] is ExitStatus.GATE_FAILED


def test_an_engine_that_dies_is_an_error_and_incomplete() -> None:
    zap = FakeZap(raise_on={"active_progress": EngineError("ZAP API: the engine is not reachable")})
    scan = run(make_profile("full"), zap)
    assert "not reachable" in scan.record.error
    assert scan.record.completeness.status is CompletenessStatus.INCOMPLETE
    assert OUTCOME_STATUS[evaluate(scan.record).outcome] is ExitStatus.INFRASTRUCTURE


def test_start_up_that_eats_the_whole_budget_is_incomplete_not_an_error() -> None:
    profile = make_profile("baseline", max_duration=5)
    scan = run(profile, engine_error=EngineStartTimeout("ZAP did not answer within 0 s"), clock=None)
    # The fake provider fails at once; what decides is whether the budget was used up. It was not.
    assert scan.record.error, "a start-up timeout with budget left is an infrastructure failure"


def test_coverage_below_the_floor_is_incomplete() -> None:
    zap = FakeZap(site_urls=[HOST_URL])
    scan = run(make_profile("baseline"), zap)
    reasons = scan.record.completeness.reasons
    assert any("reached 1 in-scope URL" in r for r in reasons), reasons
    assert scan.record.coverage.urls == 1


def test_the_floor_is_configurable() -> None:
    zap = FakeZap(site_urls=[HOST_URL])
    scan = run(make_profile("baseline", min_urls=1), zap)
    assert scan.record.completeness.status is CompletenessStatus.COMPLETE


def test_achieved_rate_is_requests_over_traffic_time() -> None:
    scan = run(make_profile("full"), FakeZap(messages=100))
    traffic = sum(p.duration_s for p in scan.record.phases if p.name in {"spider", "active"})
    assert scan.record.coverage.achieved_rps == pytest.approx(100 / traffic)


@pytest.mark.parametrize(
    ("risks", "error", "incomplete", "allowed", "expected"),
    [
        ((Risk.HIGH,), "engine died", True, False, ExitStatus.GATE_FAILED),
        ((Risk.LOW,), "engine died", True, False, ExitStatus.INFRASTRUCTURE),
        ((Risk.LOW,), "", True, False, ExitStatus.INCOMPLETE),
        ((Risk.LOW,), "", True, True, ExitStatus.OK),
        ((Risk.LOW,), "engine died", True, True, ExitStatus.INFRASTRUCTURE),
        ((Risk.HIGH,), "", True, True, ExitStatus.GATE_FAILED),
        ((), "", False, False, ExitStatus.OK),
    ],
)
def test_precedence(
    risks: tuple[Risk, ...], error: str, incomplete: bool, allowed: bool, expected: ExitStatus
) -> None:
    from dast.models import Completeness

    scan = run(
        make_profile("baseline"),
        FakeZap(alerts=[alert(risk=r.label, pluginId=str(i)) for i, r in enumerate(risks)]),
    )
    record = dataclasses.replace(
        scan.record,
        error=error,
        completeness=Completeness.of(["reason"] if incomplete else []),
        allow_incomplete=allowed,
    )
    assert OUTCOME_STATUS[evaluate(record).outcome] is expected
