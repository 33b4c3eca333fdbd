"""Triage in every format: suppressed findings shown apart, the baseline's "+N new, -M fixed", stable names."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
import pytest
from junitparser import Failure, JUnitXml, Skipped
from lxml import etree
from triage_records import CSP, TODAY, XCTO, XSS, instance, record, rules

from dast.core.triage import TriagePlan, triage_run
from dast.models import Risk, RunRecord
from dast.report.html import HtmlReporter
from dast.report.interface import OutputFormat, RenderOptions
from dast.report.json_report import JsonReporter
from dast.report.junit import JUnitReporter
from dast.report.markdown import MarkdownReporter
from dast.report.registry import reporter_for
from dast.report.sarif import SarifReporter
from dast.report.writer import load_record

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
TRIAGE = """\
suppressions:
- rule: 10038
  reason: CSP handled by the CDN <b>edge</b>
  owner: web-team
  ticket: SEC-123
  expires: 2027-03-31
- {rule: 10021, url: '^/static/', reason: static files}
- {rule: 40018, reason: stale entry}
- {rule: 40012, reason: expired entry, expires: 2020-01-01}
overrides:
- {rule: 10021, method: POST, risk: false-positive}
"""
SUMMARY = "+1 new, \u22121 fixed"


def triaged() -> RunRecord:
    """10038 all suppressed, 10021 partly suppressed (and one false positive), XSS live; a baseline."""
    gone = instance("40018", "/products?id=1", parameter="id")
    old = record(XSS, CSP, dataclasses.replace(XCTO, rule_id="40018", instances=(gone,)))
    plan = TriagePlan(rules=rules(TRIAGE), baseline=old, baseline_source="previous/results.json")
    return triage_run(record(XSS, CSP, XCTO, fail_on=Risk.LOW), plan, TODAY)


def test_the_triaged_record_has_what_the_reports_show() -> None:
    result = triaged()
    assert result.baseline is not None and result.baseline.summary == SUMMARY
    assert result.triage is not None
    assert [e.rule for e in result.triage.stale] == ["40018"]
    assert [e.rule for e in result.triage.expired] == ["40012"]


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_says_new_and_fixed(fmt: OutputFormat) -> None:
    data = reporter_for(fmt, RenderOptions()).render(triaged()).decode("utf-8")
    assert SUMMARY in data


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_shows_the_suppression_reason_and_the_expired_and_stale_entries(
    fmt: OutputFormat,
) -> None:
    data = reporter_for(fmt, RenderOptions()).render(triaged()).decode("utf-8")
    assert "triage.yaml:9" in data and "triage.yaml:8" in data, "expired and stale entries are listed"
    if fmt is not OutputFormat.MARKDOWN:  # the summary gives counts, not reasons
        assert "CSP handled by the CDN" in data


def test_junit_skips_a_fully_suppressed_rule_and_fails_on_the_live_part_of_another(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_bytes(JUnitReporter().render(triaged()))
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-jenkins-xunit-10.xsd")))
    assert schema.validate(etree.parse(str(path))), schema.error_log
    (suite,) = list(JUnitXml.fromfile(str(path)))
    assert suite.name == "shop", "the logical target name, not host:port"
    cases = {case.name: case for case in suite}
    assert all(case.classname == "shop" for case in suite)
    csp = cases["10038 Content Security Policy (CSP) Header Not Set"].result[0]
    assert isinstance(csp, Skipped)
    assert csp.message == "suppressed: CSP handled by the CDN <b>edge</b>"
    xcto = cases["10021 X-Content-Type-Options Header Missing"].result[0]
    assert isinstance(xcto, Failure)
    assert xcto.message == "Low: 1 instance(s) of X-Content-Type-Options Header Missing"
    body = xcto.text or ""
    assert "Suppressed, not counted by the gate (2):" in body
    assert "static files" in body and "false positive" in body
    assert isinstance(cases["40012 Cross Site Scripting (Reflected)"].result[0], Failure)
    assert suite.skipped == 1


def test_sarif_marks_suppressed_results_accepted_with_their_justification() -> None:
    sarif = json.loads(SarifReporter().render(triaged()))
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text("utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)
    run = sarif["runs"][0]
    assert run["automationDetails"] == {"id": "dast/shop/run-1"}
    suppressed = [r for r in run["results"] if "suppressions" in r]
    assert len(suppressed) == 5
    csp = next(r for r in suppressed if r["ruleId"] == "10038")
    assert csp["suppressions"][0]["status"] == "accepted"
    assert csp["suppressions"][0]["justification"] == "CSP handled by the CDN <b>edge</b>"
    states = {r["ruleId"]: r["baselineState"] for r in run["results"] if r["ruleId"] == "40012"}
    assert states == {"40012": "unchanged"}
    assert run["properties"]["baseline"]["fixed"][0]["ruleId"] == "40018"


def test_html_lists_suppressed_findings_apart_with_reason_and_offers_the_suppress_command() -> None:
    html = HtmlReporter().render(triaged()).decode("utf-8")
    findings, suppressed = html.split('id="suppressed"', 1)
    assert "CSP handled by the CDN &lt;b&gt;edge&lt;/b&gt;" in suppressed, "shown, and escaped"
    assert "<b>edge</b>" not in html
    assert (
        "owner web-team" in suppressed and "ticket SEC-123" in suppressed and "until 2027-03-31" in suppressed
    )
    assert "Content Security Policy" not in findings.split('class="findings-section"', 1)[1]
    xss = instance("40012", "/search?q=x", parameter="q").fingerprint
    assert f"dast suppress {xss} --rule 40012 --reason" in findings
    assert "--file triage.yaml" in findings, "the command adds to the file the run used"
    assert "<title>DAST report: shop</title>" in html


def test_markdown_counts_what_is_suppressed() -> None:
    text = MarkdownReporter().render(triaged()).decode("utf-8")
    assert text.startswith("## ❌ dast: shop")
    assert "Suppressed: 5 instance(s) of 2 finding(s), not counted by the gate." in text


def test_results_json_keeps_the_triage_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_bytes(JsonReporter().render(triaged()))
    back = load_record(path)
    assert back.suppressed and back.triage is not None and back.baseline is not None
    assert back == triaged() or {f.rule_id for f in back.suppressed} == {
        f.rule_id for f in triaged().suppressed
    }


def test_a_record_without_a_name_falls_back_to_the_site() -> None:
    old = record(target=dataclasses.replace(record().target, name=""))
    root = etree.fromstring(JUnitReporter().render(old))
    assert root.find("testsuite").get("name") == "http://shop"
    assert "automationDetails" not in json.loads(SarifReporter().render(old))["runs"][0]


def test_an_override_that_splits_a_rule_by_risk_still_makes_one_testcase(tmp_path: Path) -> None:
    plan = TriagePlan(rules=rules("overrides:\n- {rule: 10038, url: '^/static/', risk: low}\n"))
    split = triage_run(record(CSP), plan, TODAY)
    assert len([f for f in split.findings if f.rule_id == "10038"]) == 2
    path = tmp_path / "junit.xml"
    path.write_bytes(JUnitReporter().render(split))
    (suite,) = list(JUnitXml.fromfile(str(path)))
    csp = [case for case in suite if case.name.startswith("10038 ")]
    assert len(csp) == 1
    failure = csp[0].result[0]
    assert isinstance(failure, Failure) and failure.message.startswith("Medium: 2 instance(s)")
    assert "Risk: Low by override (the engine said Medium)" in (failure.text or "")
