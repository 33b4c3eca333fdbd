"""Triage applied to a record: suppressions, overrides, expiry, stale entries, the baseline, the gate."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from triage_records import CSP, TODAY, XCTO, XSS, instance, instances, record, rules

from dast.core.baseline_diff import compare
from dast.core.triage import TriagePlan, apply_triage, triage_run
from dast.gate import Outcome, evaluate, gating_instances
from dast.models import BaselineState, Risk, RunRecord, SuppressionKind
from dast.triage.rules import Suppression, TriageRules


def suppressed_urls(result: RunRecord, rule_id: str) -> list[str]:
    return sorted(i.url.removeprefix("http://shop") for i in instances(result.suppressed, rule_id))


def live_urls(result: RunRecord, rule_id: str) -> list[str]:
    return sorted(i.url.removeprefix("http://shop") for i in instances(result.findings, rule_id))


# --- suppressions -------------------------------------------------------------------------


def test_a_suppression_moves_every_instance_of_its_rule_apart_with_its_reason() -> None:
    entries = rules("- rule: 10038\n  reason: CSP handled by the CDN\n  owner: web-team\n  ticket: SEC-123\n")
    result = apply_triage(record(), entries, TODAY)
    assert live_urls(result, "10038") == []
    assert suppressed_urls(result, "10038") == ["/", "/about", "/static/app.css"]
    note = instances(result.suppressed, "10038")[0].suppressed
    assert note is not None
    assert (note.kind, note.reason, note.owner, note.ticket, note.source) == (
        SuppressionKind.SUPPRESSION,
        "CSP handled by the CDN",
        "web-team",
        "SEC-123",
        "triage.yaml:1",
    )
    assert result.triage is not None and result.triage.suppressed == 3
    assert len(instances(result.findings)) + len(instances(result.suppressed)) == 7, "nothing is dropped"


def test_url_patterns_follow_the_one_rule_searched_in_path_and_query() -> None:
    entries = rules(
        "- {rule: 10038, url: '^/static/', reason: CDN}\n"
        "- {rule: 40012, url: 'q=', reason: searched in the query too}\n"
        "- {rule: 10021, url: 'shop', reason: never the host}\n"
    )
    result = apply_triage(record(), entries, TODAY)
    assert suppressed_urls(result, "10038") == ["/static/app.css"]
    assert live_urls(result, "10038") == ["/", "/about"]
    assert suppressed_urls(result, "40012") == ["/search?q=x"]
    assert suppressed_urls(result, "10021") == [], "the host is not part of what a pattern sees"


def test_method_parameter_and_fingerprint_narrow_a_suppression() -> None:
    post = instance("10021", "/login", method="POST", parameter="x-content-type-options")
    entries = rules(
        "- {rule: 10021, method: post, reason: by method}\n"
        "- {rule: 40012, parameter: other, reason: wrong parameter}\n"
        f"- {{rule: 10038, fingerprint: {instance('10038', '/about').fingerprint.upper()}, reason: exact}}\n"
    )
    result = apply_triage(record(), entries, TODAY)
    assert [i.fingerprint for i in instances(result.suppressed, "10021")] == [post.fingerprint]
    assert suppressed_urls(result, "40012") == []
    assert suppressed_urls(result, "10038") == ["/about"]


def test_a_star_rule_matches_every_rule() -> None:
    result = apply_triage(record(), rules("- {rule: '*', url: '^/static/', reason: out of scope}\n"), TODAY)
    assert sorted(f.rule_id for f in result.suppressed) == ["10021", "10038"]


def test_an_expired_entry_stops_applying_and_is_listed_as_expired() -> None:
    entries = rules(
        "- {rule: 10038, reason: until yesterday, expires: 2026-11-25}\n"
        "- {rule: 40012, reason: through today, expires: 2026-11-26}\n"
    )
    result = apply_triage(record(), entries, TODAY)
    assert live_urls(result, "10038") == ["/", "/about", "/static/app.css"]
    assert suppressed_urls(result, "40012") == ["/search?q=x"], "an entry applies through its last day"
    assert result.triage is not None
    assert [(e.source, e.rule, e.expires) for e in result.triage.expired] == [
        ("triage.yaml:1", "10038", "2026-11-25")
    ]
    assert result.triage.stale == (), "an expired entry is expired, not stale"
    assert "expired on 2026-11-25" in result.triage.warnings[0]


def test_an_entry_that_matched_nothing_is_listed_as_stale() -> None:
    entries = rules("- {rule: 10038, reason: used}\n- {rule: 40018, reason: no SQL injection here}\n")
    result = apply_triage(record(), entries, TODAY)
    assert result.triage is not None
    assert [(e.source, e.rule) for e in result.triage.stale] == [("triage.yaml:2", "40018")]
    assert "matched nothing in this run (stale)" in result.triage.warnings[0]


def test_the_first_matching_entry_gives_the_reason_and_every_matching_one_is_used() -> None:
    entries = rules("- {rule: 10038, url: about, reason: first}\n- {rule: 10038, reason: second}\n")
    result = apply_triage(record(), entries, TODAY)
    reasons = {i.url: i.suppressed.reason for i in instances(result.suppressed) if i.suppressed}
    assert reasons["http://shop/about"] == "first" and reasons["http://shop/"] == "second"
    assert result.triage is not None and result.triage.stale == ()


# --- overrides ----------------------------------------------------------------------------


def test_an_override_changes_the_risk_of_matching_instances_only() -> None:
    result = apply_triage(
        record(), rules("overrides:\n- {rule: 10038, url: '^/static/', risk: low}\n"), TODAY
    )
    csp = {f.risk: f for f in result.findings if f.rule_id == "10038"}
    assert sorted(csp) == [Risk.LOW, Risk.MEDIUM]
    assert [i.url for i in csp[Risk.LOW].instances] == ["http://shop/static/app.css"]
    assert csp[Risk.LOW].instances[0].overridden_from is Risk.MEDIUM
    assert all(i.overridden_from is None for i in csp[Risk.MEDIUM].instances)
    assert result.triage is not None and result.triage.overridden == 1


def test_an_override_to_false_positive_goes_to_the_suppressed_section() -> None:
    result = apply_triage(
        record(), rules("overrides:\n- {rule: 10021, evidence: 'text/css', risk: false-positive}\n"), TODAY
    )
    fp = instances(result.suppressed, "10021")
    assert [i.url for i in fp] == ["http://shop/static/app.css"]
    assert fp[0].suppressed is not None
    assert (fp[0].suppressed.kind, fp[0].suppressed.reason) == (
        SuppressionKind.FALSE_POSITIVE,
        "false positive",
    )
    assert len(live_urls(result, "10021")) == 2


def test_an_override_can_raise_a_risk_into_the_gate() -> None:
    result = apply_triage(record(), rules("overrides:\n- {rule: 10021, risk: high}\n"), TODAY)
    verdict = evaluate(result)
    assert {f.rule_id for f in verdict.failing} == {"40012", "10038", "10021"}


def test_triage_again_starts_from_the_engines_findings() -> None:
    first = apply_triage(
        record(),
        rules("suppressions:\n- {rule: 10038, reason: x}\noverrides:\n- {rule: 40012, risk: low}\n"),
        TODAY,
    )
    assert first.suppressed and {f.rule_id: f.risk for f in first.findings}["40012"] is Risk.LOW
    again = apply_triage(first, TriageRules(), TODAY)
    untouched = apply_triage(record(), TriageRules(), TODAY)
    assert again.findings == untouched.findings and again.suppressed == ()
    assert {f.rule_id: f.risk for f in again.findings}["40012"] is Risk.HIGH, "the override is undone"


# --- the gate -----------------------------------------------------------------------------


def test_suppressed_findings_never_count_for_the_gate() -> None:
    everything = rules("- {rule: '*', reason: accepted}\n")
    result = apply_triage(record(fail_on=Risk.INFO), everything, TODAY)
    verdict = evaluate(result)
    assert verdict.outcome is Outcome.PASSED and verdict.failing == ()
    assert evaluate(record(fail_on=Risk.INFO)).outcome is Outcome.FAILED


def test_fail_on_new_gates_only_on_new_instances() -> None:
    old = record(XSS, CSP)
    new = triage_run(
        record(XSS, CSP, XCTO, fail_on=Risk.LOW),
        TriagePlan(baseline=old, baseline_source="old/results.json", fail_on_new=True),
        TODAY,
    )
    verdict = evaluate(new)
    assert [f.rule_id for f in verdict.failing] == ["10021"]
    assert sum(len(f.instances) for f in verdict.failing) == 3
    assert "new only" in verdict.summary() and "3 new instance(s)" in verdict.summary()
    assert gating_instances(XSS, new) == ()


# --- the baseline -------------------------------------------------------------------------


def test_the_baseline_marks_new_and_existing_and_lists_fixed_by_fingerprint() -> None:
    gone = instance("10038", "/old-page")
    old = record(XSS, dataclasses.replace(CSP, instances=(*CSP.instances[:2], gone)))
    result = compare(record(XSS, CSP), old, "old/results.json")
    assert result.baseline is not None
    assert (result.baseline.new, result.baseline.existing) == (1, 3)
    assert [x.fingerprint for x in result.baseline.fixed] == [gone.fingerprint]
    assert result.baseline.summary == "+1 new, \u22121 fixed"
    marks = {i.url: i.baseline for i in instances(result.findings)}
    assert marks["http://shop/static/app.css"] is BaselineState.NEW
    assert marks["http://shop/about"] is BaselineState.EXISTING


def test_a_finding_suppressed_since_the_baseline_is_neither_new_nor_fixed() -> None:
    old = record()
    plan = TriagePlan(rules=rules("- {rule: 10038, reason: accepted}\n"), baseline=old, baseline_source="old")
    result = triage_run(record(), plan, TODAY)
    assert result.baseline is not None
    assert (result.baseline.new, len(result.baseline.fixed)) == (0, 0)
    assert result.baseline.existing == 4, "the counts cover what the gate sees"
    assert all(i.baseline is BaselineState.EXISTING for i in instances(result.suppressed))


def test_triage_after_the_baseline_recounts_it() -> None:
    compared = compare(record(), record(XSS), "old")
    assert compared.baseline is not None and compared.baseline.new == 6
    result = apply_triage(compared, rules("- {rule: 10038, reason: accepted}\n"), TODAY)
    assert result.baseline is not None and result.baseline.new == 3


def test_a_baseline_of_another_target_is_warned_about_once() -> None:
    other = record(target=dataclasses.replace(record().target, name="billing"))
    result = compare(compare(record(), other, "b.json"), other, "b.json")
    assert [w for w in result.warnings if "billing" in w] == [
        "the baseline b.json is a run of target 'billing', this run is of 'shop': "
        "new and fixed compare two different targets"
    ]


def test_the_same_run_twice_has_nothing_new_and_nothing_fixed() -> None:
    result = compare(record(), record(), "same")
    assert result.baseline is not None and result.baseline.summary == "+0 new, \u22120 fixed"


# --- entries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires", "expired"),
    [(None, False), (TODAY, False), (TODAY - datetime.timedelta(days=1), True)],
)
def test_expiry_is_inclusive(expires: datetime.date | None, expired: bool) -> None:
    entry = Suppression(rule="1", reason="r", expires=expires)
    assert entry.expired(TODAY) is expired
