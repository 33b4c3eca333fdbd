"""Security assertions: the expectations, the built-in sets, the gate, and every report format."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from fake_auth import sent
from fakes import make_profile
from lxml import etree

from dast.core.assertions import describe, expand_set, judge, plan, rule_id
from dast.gate import Outcome, evaluate
from dast.models import AssertionOutcome, AssertionResult, AuthInfo, Completeness, Coverage, Risk, RunRecord
from dast.profiles.assertions import AssertionSetRef, Expect
from dast.report.interface import OutputFormat, RenderOptions
from dast.report.registry import reporter_for
from dast.report.sample import sample_record
from dast.report.writer import load_record, write_reports

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
HEADERS = (
    "Server: shop/1.2\r\nCache-Control: private, max-age=60\r\nSet-Cookie: sid=abc; Path=/; HttpOnly\r\n"
)


@pytest.mark.parametrize(
    ("expect", "passed", "seen"),
    [
        ({"status": [401, 403]}, False, "status 200 (failed: status 200)"),
        ({"status": [200]}, True, "status 200"),
        ({"status_not": [500]}, True, "status 200"),
        (
            {"header": {"Cache-Control": "no-store"}},
            False,
            "status 200; Cache-Control: private, max-age=60 (failed: Cache-Control does not match)",
        ),
        (
            {"header": {"X-Frame-Options": "DENY"}},
            False,
            "status 200; no X-Frame-Options header (failed: X-Frame-Options is missing)",
        ),
        (
            {"header_absent": ["Server", "X-Powered-By"]},
            False,
            "status 200; Server: shop/1.2 (failed: Server is present)",
        ),
        (
            {"header_not": {"Server": r"\d"}},
            False,
            "status 200; Server: shop/1.2 (failed: Server matches '\\\\d')",
        ),
        ({"body_not_contains": "Traceback"}, False, "status 200 (failed: body contains 'Traceback')"),
        ({"body_contains": "Welcome"}, True, "status 200"),
        (
            {"cookie_flags": ["HttpOnly", "SameSite"]},
            False,
            "status 200; cookie sid: no SameSite (failed: cookie sid without SameSite)",
        ),
    ],
)
def test_each_expectation_says_what_it_saw(expect: dict[str, object], passed: bool, seen: str) -> None:
    answer = sent(200, "Welcome! Traceback (most recent call last):", HEADERS)
    assert judge(Expect.model_validate(expect), answer) == (passed, seen)


def test_every_expectation_must_hold_and_redirects_show_where_they_go() -> None:
    answer = sent(302, "", "Location: /login\r\n")
    assert judge(Expect(status=[302], header_absent=["Server"]), answer) == (
        True,
        "status 302; Location: /login",
    )
    assert describe(Expect(status=[401, 403], header={"Cache-Control": "no-store"})) == (
        "status in [401, 403]; header Cache-Control matching 'no-store'"
    )


def test_built_in_sets_expand_to_named_assertions() -> None:
    profile = make_profile(
        "baseline",
        auth={
            "type": "form",
            "login_url": "/login",
            "username": "u",
            "password": {"env": "P"},
            "verify_url": "/",
            "logged_in": "x",
        },
    )
    headers = expand_set(AssertionSetRef(name="security-headers"), profile)
    assert [a.name for a in headers] == [
        "security headers: Content-Security-Policy on /",
        "security headers: X-Content-Type-Options on /",
        "security headers: X-Frame-Options on /",
    ]
    cookies = expand_set(AssertionSetRef(name="cookies-secure"), profile)
    assert [a.request.path for a in cookies] == ["/login"]  # the login page sets the session cookie
    denied = expand_set(AssertionSetRef(name="anonymous-denied", paths=["/admin", "/account"]), profile)
    assert [(a.name, a.request.as_, a.risk) for a in denied] == [
        ("anonymous users are denied /admin", "anonymous", "High"),
        ("anonymous users are denied /account", "anonymous", "High"),
    ]
    banner = expand_set(AssertionSetRef(name="no-server-banner", paths=["/", "/api"]), profile)
    assert [a.risk for a in banner] == ["Low", "Low"]


def test_the_profiles_own_assertions_come_first() -> None:
    profile = make_profile(
        "baseline",
        assertions=[{"name": "mine", "request": {"path": "/"}, "expect": {"status": [200]}}],
        assertions_sets=["no-server-banner"],
    )
    assert [(p.assertion.name, p.source) for p in plan(profile)] == [
        ("mine", "profile"),
        ("no server banner on /", "no-server-banner"),
    ]
    assert rule_id("Account page is NEVER cached!") == "dast-assertion/account-page-is-never-cached"


# --- the gate and the reports ---------------------------------------------------------------------


def result(name: str, outcome: AssertionOutcome, risk: Risk = Risk.HIGH) -> AssertionResult:
    return AssertionResult(
        name=name,
        rule_id=rule_id(name),
        risk=risk,
        outcome=outcome,
        method="GET",
        url="http://app.test/account",
        acting_as="user",
        expected="header Cache-Control matching 'no-store'",
        seen="status 200; Cache-Control: private" if outcome is not AssertionOutcome.PASSED else "status 200",
    )


def record_with(*assertions: AssertionResult, **changes: object) -> RunRecord:
    base = dataclasses.replace(
        sample_record(), findings=(), suppressed=(), assertions=assertions, completeness=Completeness()
    )
    return dataclasses.replace(
        base,
        auth=AuthInfo(type="form", verified=True, verify_url="http://app.test/account", logins=3, relogins=2),
        coverage=Coverage(
            urls=2,
            reached=("http://app.test/", "http://app.test/account"),
            not_requested=("http://app.test/logout",),
        ),
        **changes,
    )


def test_a_failed_assertion_gates_like_a_finding_of_its_risk() -> None:
    failed = result("account page is never cached", AssertionOutcome.FAILED, Risk.MEDIUM)
    verdict = evaluate(record_with(failed, fail_on=Risk.MEDIUM))
    assert verdict.outcome is Outcome.FAILED and verdict.failing_assertions == (failed,)
    assert verdict.summary().endswith("; 1 failed assertion(s) at or above Medium")
    assert evaluate(record_with(failed, fail_on=Risk.HIGH)).outcome is Outcome.PASSED  # below the gate
    assert evaluate(record_with(result("ok", AssertionOutcome.PASSED))).outcome is Outcome.PASSED


@pytest.fixture(scope="module")
def rendered() -> dict[OutputFormat, str]:
    record = record_with(
        result("account page is never cached", AssertionOutcome.FAILED),
        result("admin is forbidden", AssertionOutcome.PASSED),
        result("low one", AssertionOutcome.FAILED, Risk.LOW),
        result("unreachable", AssertionOutcome.ERROR),
        fail_on=Risk.MEDIUM,
    )
    return {fmt: reporter_for(fmt, RenderOptions()).render(record).decode() for fmt in OutputFormat}


def test_junit_has_a_testcase_per_assertion(rendered: dict[OutputFormat, str]) -> None:
    doc = etree.fromstring(rendered[OutputFormat.JUNIT].encode())
    assert etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-jenkins-xunit-10.xsd"))).validate(doc)
    cases = {c.get("name"): c for c in ET.fromstring(rendered[OutputFormat.JUNIT]).iter("testcase")}
    failure = cases["assertion: account page is never cached"].find("failure")
    assert failure is not None and failure.get("type") == "High"
    assert "Seen: status 200; Cache-Control: private" in (failure.text or "")
    assert list(cases["assertion: admin is forbidden"]) == []
    # below the gate: it passes, with its details in its own system-out
    assert [c.tag for c in cases["assertion: low one"]] == ["system-out"]
    assert "== assertion: low one (Low, below the gate)" in (cases["assertion: low one"][0].text or "")
    error = cases["assertion: unreachable"].find("error")
    assert error is not None and error.get("type") == "AssertionNotChecked"
    properties = {
        p.get("name"): p.get("value") for p in ET.fromstring(rendered[OutputFormat.JUNIT]).iter("property")
    }
    assert properties["auth.type"] == "form" and properties["auth.relogins"] == "2"
    assert properties["assertions"] == "passed 1, failed 2, not checked 1"


def test_sarif_has_a_rule_and_a_result_per_assertion(rendered: dict[OutputFormat, str]) -> None:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text("utf-8"))
    document = json.loads(rendered[OutputFormat.SARIF])
    jsonschema.validators.validator_for(schema)(schema).validate(document)
    run = document["runs"][0]
    results = {r["ruleId"]: r for r in run["results"]}
    assert (
        results["dast-assertion/account-page-is-never-cached"]["kind"],
        results["dast-assertion/account-page-is-never-cached"]["level"],
    ) == ("fail", "error")
    assert results["dast-assertion/admin-is-forbidden"]["kind"] == "pass"
    assert results["dast-assertion/admin-is-forbidden"]["level"] == "none"
    assert results["dast-assertion/unreachable"]["kind"] == "open"
    rules = run["tool"]["driver"]["rules"]
    for entry in results.values():
        assert rules[entry["ruleIndex"]]["id"] == entry["ruleId"]
    assert run["properties"]["authentication"]["relogins"] == 2


def test_html_shows_coverage_urls_and_assertions(rendered: dict[OutputFormat, str]) -> None:
    page = rendered[OutputFormat.HTML]
    assert 'id="authentication"' in page and 'id="assertions"' in page
    assert "form login, verified; 2 re-login(s), 0 failed" in page
    assert "<summary>URLs reached (2)</summary>" in page
    assert "<li>http://app.test/logout</li>" in page  # found, never requested
    assert '<tr class="assertion-failed">' in page and '<span class="gate-tag">fails gate</span>' in page
    assert "0 finding(s), 1 failed assertion(s) at or above Medium" in page  # the verdict box
    assert "<script" not in page.lower()


def test_markdown_has_a_line_per_assertion(rendered: dict[OutputFormat, str]) -> None:
    summary = rendered[OutputFormat.MARKDOWN]
    assert "**Authentication:** form login, verified; 2 re-login(s), 0 failed" in summary
    assert "**Assertions:** 1 passed, 2 failed, 1 not checked" in summary
    assert "- ❌ account page is never cached (High): saw status 200; Cache-Control: private" in summary
    assert "- ✅ admin is forbidden (High)" in summary
    assert "- ⚠️ unreachable (High)" in summary


def test_the_record_round_trips_through_results_json(tmp_path: Path) -> None:
    record = record_with(result("account page is never cached", AssertionOutcome.FAILED))
    write_reports(record, [OutputFormat.JSON], tmp_path)
    again = load_record(tmp_path / "results.json")
    assert again.assertions == record.assertions and again.auth == record.auth
    assert again.coverage.not_requested == ("http://app.test/logout",)


def test_what_an_assertion_saw_keeps_cookie_values_out() -> None:
    answer = sent(200, "", "Set-Cookie: sid=verysecretvalue123; Path=/\r\n")
    passed, seen = judge(Expect(header={"Set-Cookie": "HttpOnly"}), answer)
    assert not passed
    assert seen == "status 200; Set-Cookie: sid=***; Path=/ (failed: Set-Cookie does not match)"
