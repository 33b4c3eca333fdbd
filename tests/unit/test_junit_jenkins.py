"""JUnit through `junit-xml`: valid under Jenkins xUnit's junit-10.xsd, read back with junitparser,
every testcase kind kept, evidence (request, response, replay) in the failure bodies, and the findings
below the gate visible in their testcase's <system-out>."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile import APP, XSS_EXCHANGE, XSS_REPLAY, hostile_record, sample_record
from junitparser import Error, Failure, JUnitXml, Skipped
from lxml import etree
from triage_records import CSP, TODAY, XCTO, XSS, record, rules

from dast.core.triage import TriagePlan, triage_run
from dast.models import AssertionOutcome, AssertionResult, Completeness, HttpResponse, Risk, RunRecord
from dast.report.junit import COMPLETENESS_CASE, ERROR_CASE, EXCHANGE_EXCERPT, JUnitReporter

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "junit-jenkins-xunit-10.xsd"
XSS_CASE = "40012 Cross Site Scripting (Reflected)"


def assertion(name: str, outcome: AssertionOutcome, risk: Risk = Risk.HIGH) -> AssertionResult:
    return AssertionResult(
        name=name,
        rule_id=f"dast-assertion/{name.replace(' ', '-')}",
        risk=risk,
        outcome=outcome,
        method="GET",
        url=f"{APP}/admin",
        acting_as="anonymous",
        expected="status 401 or 403",
        seen="status 200",
    )


def every_kind() -> RunRecord:
    """A record with every testcase kind: findings failing and below the gate, passing rules, a rule
    suppressed whole, a scan error, an incomplete scan, assertions failed, below the gate and unchecked."""
    plan = TriagePlan(rules=rules("- {rule: 10038, reason: handled by the CDN}\n"))
    triaged = triage_run(record(XSS, CSP, XCTO, fail_on=Risk.MEDIUM), plan, TODAY)
    return dataclasses.replace(
        triaged,
        error="the engine stopped answering",
        completeness=Completeness.of(["phase active was cut short by its time budget"]),
        assertions=(
            assertion("admin needs login", AssertionOutcome.FAILED),
            assertion("low one", AssertionOutcome.FAILED, Risk.LOW),
            assertion("unreachable", AssertionOutcome.ERROR),
        ),
    )


RECORDS: dict[str, Callable[[], RunRecord]] = {
    "sample": sample_record,
    "hostile": hostile_record,
    "every kind": every_kind,
    "allowed incomplete": lambda: dataclasses.replace(every_kind(), allow_incomplete=True, error=""),
    "empty": lambda: dataclasses.replace(sample_record(), findings=(), rules=(), exchanges=()),
}


@pytest.mark.parametrize("make", list(RECORDS.values()), ids=list(RECORDS))
def test_valid_under_the_jenkins_xunit_schema(make: Callable[[], RunRecord]) -> None:
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    doc = etree.fromstring(JUnitReporter().render(make()))
    assert schema.validate(doc), schema.error_log


def read(tmp_path: Path, record: RunRecord) -> JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_bytes(JUnitReporter().render(record))
    return JUnitXml.fromfile(str(path))


def test_every_testcase_kind_reads_back_with_junitparser(tmp_path: Path) -> None:
    (suite,) = list(read(tmp_path, every_kind()))
    assert suite.name == "shop"
    cases = {case.name: case for case in suite}
    assert all(case.classname == "shop" for case in suite)

    def kind(name: str) -> type | None:
        result = cases[name].result
        return type(result[0]) if result else None

    assert kind(ERROR_CASE) is Error
    assert kind(COMPLETENESS_CASE) is Error
    assert kind(XSS_CASE) is Failure
    assert kind("10038 Content Security Policy (CSP) Header Not Set") is Skipped
    assert kind("10021 X-Content-Type-Options Header Missing") is None  # Low, below the Medium gate
    assert kind("10020 Missing Anti-clickjacking Header") is None  # ran, found nothing
    assert kind("assertion: admin needs login") is Failure
    assert kind("assertion: unreachable") is Error
    assert kind("assertion: low one") is None
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (9, 2, 3, 1)
    assert cases[XSS_CASE].result[0].type == "High"


def test_findings_below_the_gate_carry_their_instances_in_their_system_out(tmp_path: Path) -> None:
    (suite,) = list(read(tmp_path, every_kind()))
    cases = {case.name: case for case in suite}
    out = cases["10021 X-Content-Type-Options Header Missing"].system_out or ""
    assert out.startswith("== 10021 X-Content-Type-Options Header Missing (Low, below the gate)")
    assert "http://shop/" in out and "Instances (3):" in out
    low = cases["assertion: low one"].system_out or ""
    assert "== assertion: low one (Low, below the gate)" in low and "Seen: status 200" in low


def test_an_allowed_incomplete_scan_is_skipped(tmp_path: Path) -> None:
    (suite,) = list(read(tmp_path, RECORDS["allowed incomplete"]()))
    case = next(c for c in suite if c.name == COMPLETENESS_CASE)
    assert isinstance(case.result[0], Skipped)
    assert "cut short" in (case.result[0].message or "")


def test_failure_bodies_carry_the_replay_and_the_exchange_cut_to_size(tmp_path: Path) -> None:
    long_body = "x" * 5_000 + "<scrIpt>alert(1);</scRipt>" + "y" * 5_000
    exchange = dataclasses.replace(
        XSS_EXCHANGE,
        response=HttpResponse(
            header=XSS_EXCHANGE.response.header, status_code=200, body=long_body, body_length=len(long_body)
        ),
    )
    suites = {s.name: s for s in read(tmp_path, dataclasses.replace(sample_record(), exchanges=(exchange,)))}
    case = next(c for c in suites[APP] if c.name == XSS_CASE)
    body = case.result[0].text or ""
    assert f"Reproduce: {XSS_REPLAY}" in body
    assert "      Request:\n        GET http://app.test:8080/search?q=" in body
    response = body.split("      Response:\n", 1)[1]
    assert response.lstrip().startswith("HTTP/1.1 200 OK")
    assert "<scrIpt>alert(1);</scRipt>" in response, "the excerpt is the part around the evidence"
    assert "[cut:" in response
    assert len(response) < EXCHANGE_EXCERPT + 500
    assert "WASC: WASC-8 http://projects.webappsec.org/" in body


def test_properties_are_kept_in_order_with_repeats() -> None:
    plan = TriagePlan(
        rules=rules(
            "- {rule: 40012, reason: a, expires: 2020-01-01}\n- {rule: 10038, reason: b, expires: 2020-01-02}\n"
        )
    )
    triaged = triage_run(record(XSS, CSP), plan, TODAY)
    root = etree.fromstring(JUnitReporter().render(triaged))
    names = [p.get("name") for p in root.iter("property")]
    assert names.count("triage.expired") == 2
    assert names[0] == "dast.version"
