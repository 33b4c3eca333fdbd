"""Triage for pipelines that run every day (issue 9), on the demo app with the real engine.

- two full scans on different ports name everything the same (fingerprints, URLs, JUnit names), the
  second against the first as baseline has nothing new; the demo app with its test-only extra finding
  has exactly one new;
- suppressions, an expired and a stale one, a false-positive override and passive rule settings in
  one real baseline scan, checked in every format; a converted ZAP rules file in another.

Scans use --allow-incomplete: what is checked here is triage, not the scan's coverage.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from engines import FULL_UNPACED, ROOT, new_run_id, read_results, require_local_engine
from lxml import etree
from typer.testing import CliRunner

from dast.cli.app import app

pytestmark = pytest.mark.engine

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
EXTRA_IMAGE = "dast-demo:test-extra"
SUMMARY = re.compile("\\+(\\d+) new, \u2212(\\d+) fixed")


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str
    out: Path

    @property
    def record(self) -> dict[str, Any]:
        return read_results(self.out)

    def text(self, name: str) -> str:
        return (self.out / name).read_text()

    def identities(self) -> set[tuple[str, str, str, str, str]]:
        record = self.record
        return {
            (f["rule_id"], i["method"], i["url"], i["parameter"], i["fingerprint"])
            for f in record["findings"] + record["suppressed"]
            for i in f["instances"]
        }

    def junit_names(self) -> list[tuple[str, str, str]]:
        root = ET.parse(self.out / "junit.xml").getroot()
        return sorted(
            (suite.get("name", ""), case.get("classname", ""), case.get("name", ""))
            for suite in root.iter("testsuite")
            for case in suite.iter("testcase")
        )


def dast(*args: str | Path) -> Run:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"DAST_RUN_ID": new_run_id("triage")})
    out = Path(str(args[args.index("--out") + 1])) if "--out" in args else Path()
    return Run(result.exit_code, result.stdout, result.stderr, out)


def scan(image: str, out: Path, *args: str | Path) -> Run:
    require_local_engine()
    return dast(
        "scan", "--image", image, "--port", "8000", "--health-path", "/healthz", "--zap", "local",
        "--progress", "plain", "--allow-incomplete", "--out", out, *args,
    )  # fmt: skip


@pytest.fixture(scope="module")
def extra_image(docker_client: Any, demo_image: str) -> str:
    """The demo app with its test-only switch on: exactly one more vulnerability."""
    dockerfile = f"FROM {demo_image}\nENV DEMO_EXTRA_FINDING=1\n".encode()
    docker_client.images.build(fileobj=io.BytesIO(dockerfile), tag=EXTRA_IMAGE, rm=True, forcerm=True)
    return EXTRA_IMAGE


# --- stable identities and the baseline -----------------------------------------------------


def test_two_runs_name_everything_the_same_and_a_change_shows_exactly_one_new(
    demo_image: str, extra_image: str, tmp_path: Path
) -> None:
    first = scan(demo_image, tmp_path / "1", "--profile", FULL_UNPACED)
    second = scan(
        demo_image, tmp_path / "2", "--profile", FULL_UNPACED,
        "--baseline", tmp_path / "1" / "results.json", "--fail-on-new",
    )  # fmt: skip
    assert first.exit_code == 1, first.stdout + first.stderr  # the demo app fails the gate
    one, two = first.record, second.record
    assert one["target"]["engine_url"] != two["target"]["engine_url"], "the engine reached two ports"
    assert one["target"]["url"] == two["target"]["url"] == "http://dast-demo/"
    assert "40012" in {f["rule_id"] for f in one["findings"]}, "the active rules ran"
    assert first.identities() == second.identities()
    assert all(url.startswith("http://dast-demo/") for _, _, url, _, _ in first.identities())
    assert first.junit_names() == second.junit_names()
    assert {suite for suite, _, _ in first.junit_names()} == {"dast-demo"}
    # The demo's ping form holds 127.0.0.1 as a value; the throwaway origin is 127.0.0.1 with a port.
    throwaway = re.compile(r"127\.0\.0\.1:\d+|localhost:\d+")
    assert not throwaway.findall(json.dumps([one["findings"], one["suppressed"]])), (
        "no throwaway port in any text"
    )
    sarif = json.loads(second.text("results.sarif"))["runs"][0]
    assert sarif["automationDetails"]["id"].startswith("dast/dast-demo/")
    assert "<title>DAST report: dast-demo</title>" in second.text("report.html")

    assert second.exit_code == 0, second.stdout + second.stderr  # nothing new: --fail-on-new passes
    assert "baseline: +0 new, \u22120 fixed" in second.stdout
    assert (two["baseline"]["new"], two["baseline"]["fixed"]) == (0, [])

    third = scan(
        extra_image, tmp_path / "3", "--profile", FULL_UNPACED, "--fail-on", "low",
        "--baseline", tmp_path / "1" / "results.json", "--fail-on-new",
    )  # fmt: skip
    assert third.exit_code == 1, third.stdout + third.stderr
    new = [
        (f["rule_id"], i["method"], i["url"], i["parameter"])
        for f in third.record["findings"]
        for i in f["instances"]
        if i["baseline"] == "new"
    ]
    assert new == [("10010", "GET", "http://dast-demo/about", "remember_me")]
    assert "baseline: +1 new, \u22120 fixed" in third.stdout
    assert "1 new instance(s) at or above Low" in third.stdout
    for name in ("results.json", "junit.xml", "report.html", "results.sarif", "summary.md"):
        assert "+1 new, \u22120 fixed" in third.text(name), name
    diff = dast("diff", tmp_path / "1" / "results.json", tmp_path / "3" / "results.json")
    assert (
        diff.exit_code == 0 and SUMMARY.match(diff.stdout) and diff.stdout.startswith("+1 new, \u22120 fixed")
    )


# --- suppressions, overrides, expiry, staleness ---------------------------------------------

TRIAGE = """\
suppressions:
- rule: 10038
  reason: CSP handled by the CDN
  owner: web-team
  ticket: SEC-123
  expires: 2099-12-31
- rule: 10021
  url: '^/static/'
  reason: static files are served by the CDN
- rule: 90022
  reason: accepted last year
  expires: 2020-01-01
- rule: 40012
  url: '^/nowhere/'
  reason: nothing there any more
overrides:
- rule: 10020
  risk: false-positive
  reason: frame-ancestors is set by the proxy
"""
PROFILE = """\
name: triaged
extends: baseline
passive:
  rules:
    - {id: 10054, enabled: false}
    - {id: 10036, threshold: HIGH}
suppressions:
  - {rule: 10010, url: '^/login', reason: the session cookie is replaced at login}
"""


@pytest.fixture(scope="module")
def triaged(demo_image: str, tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("triaged")
    (folder / "triage.yaml").write_text(TRIAGE)
    (folder / "profile.yaml").write_text(PROFILE)
    return scan(
        demo_image, folder / "out", "--profile", folder / "profile.yaml",
        "--suppressions", folder / "triage.yaml", "--fail-on", "low",
    )  # fmt: skip


def suppressed(record: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    return [i for f in record["suppressed"] if f["rule_id"] == rule_id for i in f["instances"]]


def live(record: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    return [i for f in record["findings"] if f["rule_id"] == rule_id for i in f["instances"]]


def test_a_suppression_takes_a_finding_out_of_the_gate_in_every_format(triaged: Run) -> None:
    record = triaged.record
    assert live(record, "10038") == [] and suppressed(record, "10038"), "the demo app has no CSP anywhere"
    reason = suppressed(record, "10038")[0]["suppressed"]
    assert (reason["reason"], reason["owner"], reason["ticket"], reason["expires"]) == (
        "CSP handled by the CDN",
        "web-team",
        "SEC-123",
        "2099-12-31",
    )
    # JUnit: skipped with the reason; a partly suppressed rule fails on the rest and names the rest.
    junit = triaged.text("junit.xml")
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-jenkins-xunit-10.xsd")))
    assert schema.validate(etree.fromstring(junit.encode())), schema.error_log
    cases = {c.get("name", ""): c for c in ET.fromstring(junit).iter("testcase")}
    csp = cases["10038 Content Security Policy (CSP) Header Not Set"]
    assert csp.find("failure") is None
    assert csp.find("skipped").get("message") == "suppressed: CSP handled by the CDN"
    xcto = cases["10021 X-Content-Type-Options Header Missing"].find("failure")
    assert xcto is not None and "static files are served by the CDN" in (xcto.text or "")
    assert {i["url"] for i in suppressed(record, "10021")} == {
        "http://dast-demo/static/style.css",
        "http://dast-demo/static/logo.svg",
    }
    assert all("/static/" not in i["url"] for i in live(record, "10021"))
    # SARIF: accepted, with the justification.
    sarif = json.loads(triaged.text("results.sarif"))
    jsonschema.validate(sarif, json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text()))
    csp_results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "10038"]
    assert csp_results and all(
        r["suppressions"]
        == [
            {
                "kind": "external",
                "status": "accepted",
                "justification": "CSP handled by the CDN",
                "properties": {
                    "source": f"{triaged.out.parent / 'triage.yaml'}:2",
                    "kind": "suppression",
                    "owner": "web-team",
                    "ticket": "SEC-123",
                    "expires": "2099-12-31",
                },
            }
        ]
        for r in csp_results
    )
    # HTML: apart, with the reason; Markdown: counted; console: counted, and out of the gate's count.
    html = triaged.text("report.html")
    findings_part, suppressed_part = html.split('id="suppressed"', 1)
    assert (
        "CSP handled by the CDN" in suppressed_part
        and "Content Security Policy" not in findings_part.split("findings-section", 1)[1]
    )
    count = sum(len(f["instances"]) for f in record["suppressed"])
    assert f"Suppressed: {count} instance(s)" in triaged.text("summary.md")
    assert f"suppressed: {count} instance(s)" in triaged.stdout
    live_count = sum(len(f["instances"]) for f in record["findings"] if f["risk"] != "Informational")
    assert f"{live_count} instance(s) at or above Low" in triaged.stdout


def test_an_expired_suppression_does_not_apply_and_is_warned_about(triaged: Run) -> None:
    record = triaged.record
    assert suppressed(record, "90022") == [], "expired on 2020-01-01"
    assert [e["rule"] for e in record["triage"]["expired"]] == ["90022"]
    assert "(rule 90022) expired on 2020-01-01 and no longer applies" in triaged.stderr
    assert "dast: warning: suppression" in triaged.stderr


def test_a_stale_suppression_is_listed(triaged: Run) -> None:
    assert [e["rule"] for e in triaged.record["triage"]["stale"]] == ["40012"]
    assert "(rule 40012) matched nothing in this run (stale)" in triaged.stderr
    for name in ("junit.xml", "report.html", "results.sarif", "summary.md"):
        assert "(rule 40012) matched nothing in this run (stale)" in triaged.text(name), name


def test_an_override_to_false_positive_moves_every_instance_apart(triaged: Run) -> None:
    record = triaged.record
    assert live(record, "10020") == []
    kinds = {(i["suppressed"]["kind"], i["suppressed"]["reason"]) for i in suppressed(record, "10020")}
    assert kinds == {("false-positive", "false positive: frame-ancestors is set by the proxy")}


def test_profile_entries_and_passive_rules_apply_on_the_real_engine(triaged: Run) -> None:
    record = triaged.record
    assert {i["url"] for i in suppressed(record, "10010")} == {"http://dast-demo/login"}
    assert live(record, "10054") == [] and suppressed(record, "10054") == [], "10054 was switched off"
    assert "10054" not in {r["id"] for r in record["rules"]}
    assert "passive rule 10036: threshold HIGH is not applied" in triaged.stderr


def test_report_from_the_record_applies_triage_the_same_way(triaged: Run, tmp_path: Path) -> None:
    everything = tmp_path / "all.yaml"
    everything.write_text("- {rule: '*', reason: accepted for the test}\n")
    again = dast(
        "report", "--from", triaged.out / "results.json", "--out", tmp_path / "all", "--format", "json,junit",
        "--suppressions", everything, "--allow-incomplete",
    )  # fmt: skip
    assert again.exit_code == 0, again.stdout + again.stderr  # nothing left for the gate
    assert "gate passed" in again.stdout
    assert json.loads((tmp_path / "all" / "results.json").read_text())["findings"] == []
    assert "<failure" not in (tmp_path / "all" / "junit.xml").read_text()


def test_the_readme_example_works_as_written(triaged: Run, tmp_path: Path) -> None:
    """The worked example of the README's Triage section, on this real scan's record."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```yaml\n(# triage\.yaml\n.*?)```", readme, re.S)
    assert block is not None, "README: the Triage section's triage.yaml example"
    (tmp_path / "triage.yaml").write_text(block.group(1))
    result = dast(
        "report", "--from", triaged.out / "results.json", "--out", tmp_path / "r", "--format", "json",
        "--suppressions", tmp_path / "triage.yaml", "--allow-incomplete",
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.stderr
    record = json.loads((tmp_path / "r" / "results.json").read_text())
    assert live(record, "10038") == [] and suppressed(record, "10038")
    assert {f["risk"] for f in record["findings"] if f["rule_id"] == "10036"} == {"Informational"}
    assert record["triage"]["stale"] == [] and record["triage"]["expired"] == []


# --- a converted ZAP rules file -----------------------------------------------------------

RULES_TSV = (
    "# zap-baseline rule configuration file\n"
    "10038\tIGNORE\t(Content Security Policy (CSP) Header Not Set)\n"
    "10020\tWARN\t(Missing Anti-clickjacking Header)\n"
    "10036\tFAIL\t(Server Leaks Version Information)\n"
    "10021\tOUTOFSCOPE\thttp://.*/static/.*\n"
)


def test_a_converted_zap_rules_file_works(demo_image: str, tmp_path: Path) -> None:
    (tmp_path / "rules.tsv").write_text(RULES_TSV)
    converted = dast("triage", "import-zap-rules", tmp_path / "rules.tsv", "--out", tmp_path / "triage.yaml")
    assert converted.exit_code == 0, converted.stderr
    run = scan(
        demo_image, tmp_path / "out", "--profile", "baseline", "--suppressions", tmp_path / "triage.yaml"
    )
    record = run.record
    assert live(record, "10038") == [] and suppressed(record, "10038"), "IGNORE"
    assert live(record, "10020"), "WARN: left to the gate"
    server = [f for f in record["findings"] if f["rule_id"] == "10036"]
    assert [f["risk"] for f in server] == ["High"], "FAIL: fails the gate whatever the rule's risk"
    assert {i["overridden_from"] for i in server[0]["instances"]} == {"Low"}
    assert {i["url"] for i in suppressed(record, "10021")} == {
        "http://dast-demo/static/style.css",
        "http://dast-demo/static/logo.svg",
    }, "OUTOFSCOPE"
    assert run.exit_code == 1
    assert "rules.tsv:4: 10036 FAIL" in (tmp_path / "triage.yaml").read_text()
