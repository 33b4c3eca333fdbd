"""Real scans: the real ZAP engine (local process and container) against the demo app in a container.

Each scan goes through the CLI in-process, exactly as a pipeline would call it.
"""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from engines import (
    FULL_UNPACED,
    ZAP_IMAGE,
    leftovers,
    new_run_id,
    read_results,
    require_image,
    require_local_engine,
    zap_processes,
)
from lxml import etree
from typer.testing import CliRunner

from dast.cli.app import app

pytestmark = pytest.mark.engine

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"  # vendored (tests/schemas/README.md)
# What an attack looks like in the demo app's access log (payloads of the active rules).
ATTACK_MARKERS = re.compile(
    r"(%3C|<)script|%27|'|\.\./|\.\.%2F|dast-redirect\.invalid|AND\+1%3D|AND%201=", re.I
)


@dataclass(frozen=True)
class Scan:
    exit_code: int
    output: str
    out: Path
    elapsed_s: float
    run_id: str
    stderr: str

    @property
    def results(self) -> dict[str, Any]:
        return read_results(self.out)

    @property
    def target_log(self) -> str:
        return (self.out / "target.log").read_text()

    def instances(self, rule_id: str) -> list[dict[str, Any]]:
        return [i for f in self.results["findings"] if f["rule_id"] == rule_id for i in f["instances"]]

    def has(self, rule_id: str, path: str, parameter: str | None = None) -> bool:
        return any(
            urlsplit(i["url"]).path == path and (parameter is None or i["parameter"] == parameter)
            for i in self.instances(rule_id)
        )


def run_scan(out: Path, *args: str) -> Scan:
    run_id = new_run_id("e2e")  # the scan's own id: cleanup checks look at this run only
    started = time.monotonic()
    result = CliRunner().invoke(
        app, ["scan", "--out", str(out), "--progress", "plain", *args], env={"DAST_RUN_ID": run_id}
    )
    return Scan(result.exit_code, result.output, out, time.monotonic() - started, run_id, result.stderr)


def scan_demo(tmp: Path, image: str, *args: str) -> Scan:
    return run_scan(tmp, "--image", image, "--port", "8000", "--health-path", "/healthz", *args)


def write_profile(tmp: Path, text: str) -> str:
    path = tmp / "profile.yaml"
    path.write_text(text)
    return str(path)


def assert_clean(docker_client: Any, scan: Scan) -> None:
    assert leftovers(docker_client, scan.run_id) == []
    assert zap_processes(scan.run_id) == []


@pytest.fixture(scope="module", params=["local", "docker"])
def full_scan(
    request: pytest.FixtureRequest, docker_client: Any, demo_image: str, tmp_path_factory: Any
) -> Scan:
    if request.param == "local":
        require_local_engine()
        args = ["--zap", "local"]
    else:
        require_image(docker_client, ZAP_IMAGE, "run: make images")
        args = ["--zap", "docker", "--zap-image", ZAP_IMAGE]
    scan = scan_demo(tmp_path_factory.mktemp(f"full-{request.param}"), demo_image, "--profile", "full", *args)
    assert_clean(docker_client, scan)
    return scan


def test_full_scan_finds_the_documented_vulnerabilities(full_scan: Scan) -> None:
    assert full_scan.exit_code == 1, full_scan.output  # the gate fails on the demo app
    assert "gate FAILED" in full_scan.output
    assert full_scan.has("40012", "/search", "q"), "reflected XSS at /search?q="
    assert full_scan.has("40018", "/products", "id"), "SQL injection at /products?id="
    assert full_scan.has("6", "/file", "name"), "path traversal at /file?name="
    assert full_scan.has("20019", "/redirect", "url"), "open redirect at /redirect?url="
    for header_rule in ("10038", "10020", "10021"):
        assert full_scan.has(header_rule, "/"), f"missing security header rule {header_rule} at /"
    assert full_scan.has("10010", "/login", "session")
    assert full_scan.has("90022", "/products"), "the traceback an attack provokes is reported"
    assert full_scan.has("10036", "/")


def test_full_scan_junit_has_failures_for_them(full_scan: Scan) -> None:
    root = ET.parse(full_scan.out / "junit.xml").getroot()
    assert len(list(root.iter("testsuite"))) == 1, "findings and passing rules share the target's site"
    failed = {
        case.get("name", "").split(" ", 1)[0]
        for case in root.iter("testcase")
        if case.find("failure") is not None
    }
    assert {"40012", "40018", "10038", "10020"} <= failed
    body = next(
        case.find("failure").text or ""
        for case in root.iter("testcase")
        if case.get("name", "").startswith("40012 ") and case.find("failure") is not None
    )
    assert "/search" in body and "q" in body and "CWE-79" in body


def test_every_format_of_the_real_scan_validates(full_scan: Scan) -> None:
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-jenkins-xunit-10.xsd")))
    junit = etree.parse(str(full_scan.out / "junit.xml"))
    assert schema.validate(junit), schema.error_log
    sarif = json.loads((full_scan.out / "results.sarif").read_text())
    jsonschema.validate(sarif, json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text()))
    assert sarif["runs"][0]["results"], "SARIF has results"
    html = (full_scan.out / "report.html").read_text()
    assert "Cross Site Scripting (Reflected)" in html and "<script src" not in html
    record = full_scan.results
    assert record["schema_version"] == 2
    assert record["engine"]["version"] == "2.11.1"
    assert record["request_count"] > 0
    assert (full_scan.out / "summary.md").read_text().startswith("## ")


def test_baseline_sends_no_attack_payloads(
    docker_client: Any, demo_image: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_local_engine()
    step_summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    scan = scan_demo(
        tmp_path / "out", demo_image, "--profile", "baseline", "--zap", "local", "--format", "json,junit"
    )
    assert sorted(p.name for p in scan.out.iterdir()) == ["junit.xml", "results.json", "target.log"]
    assert "gate FAILED" in step_summary.read_text(), "GitHub's job summary gets the table anyway"
    assert scan.exit_code == 1, scan.output  # missing headers are Medium
    assert scan.has("10038", "/") and scan.has("10020", "/")
    assert not scan.instances("40012") and not scan.instances("40018")
    phases = {p["name"]: p["outcome"] for p in scan.results["phases"]}
    assert phases["active"] == "skipped"
    requests = [line for line in scan.target_log.splitlines() if '"GET ' in line or '"POST ' in line]
    assert requests, "the target saw the spider"
    assert [line for line in requests if ATTACK_MARKERS.search(line)] == []
    assert_clean(docker_client, scan)


def test_api_profile_finds_injection_reachable_only_through_the_api(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    require_local_engine()
    scan = scan_demo(tmp_path, demo_image, "--profile", "api", "--zap", "local")
    assert scan.exit_code == 1, scan.output
    assert scan.has("40018", "/api/v1/orders", "customer"), scan.results["findings"]
    openapi = next(p for p in scan.results["phases"] if p["name"] == "openapi")
    assert openapi["outcome"] == "completed" and "operations" in openapi["detail"]
    assert_clean(docker_client, scan)


def test_exclude_regex_keeps_a_path_out_of_findings_and_requests(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    require_local_engine()
    profile = write_profile(
        tmp_path, "name: no-private\nextends: " + FULL_UNPACED + "\nscope:\n  exclude:\n    - '^/private/'\n"
    )
    scan = scan_demo(tmp_path / "out", demo_image, "--profile", profile, "--zap", "local")
    assert scan.exit_code == 1, scan.output
    assert scan.has("40012", "/search", "q"), "the rest is still scanned"
    urls = [i["url"] for f in scan.results["findings"] for i in f["instances"]]
    assert [u for u in urls if "/private/" in u] == []
    assert [line for line in scan.target_log.splitlines() if "/private/" in line] == []
    assert scan.results["warnings"] == [], "the exclude matched the link the spider found"
    assert_clean(docker_client, scan)


def test_a_tiny_budget_cuts_the_active_scan_short(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    require_local_engine()
    profile = write_profile(
        tmp_path,
        "name: hurried\nextends: full\nmax_duration: 40s\nactive:\n  max_duration: 1s\n  strength: INSANE\n",
    )
    scan = scan_demo(tmp_path / "out", demo_image, "--profile", profile, "--zap", "local")
    assert scan.exit_code in (1, 4), scan.output  # 1 when gating findings came before the cut
    record = scan.results
    active = next(p for p in record["phases"] if p["name"] == "active")
    assert active["outcome"] == "cut_short", record["phases"]
    assert "active" in record["budgets_hit"]
    assert record["completeness"]["status"] == "incomplete"
    assert "scan INCOMPLETE" in scan.stderr
    assert "cut short" in (scan.out / "report.html").read_text().lower()
    assert "budgets hit: active" in (scan.out / "summary.md").read_text()
    properties = {
        p.get("name"): p.get("value") for p in ET.parse(scan.out / "junit.xml").getroot().iter("property")
    }
    assert "active" in properties["budgets_hit"].split(",")
    assert properties["phase.active"].startswith("cut_short")
    notifications = json.loads((scan.out / "results.sarif").read_text())["runs"][0]["invocations"][0][
        "toolExecutionNotifications"
    ]
    assert any(n["message"]["text"].startswith("phase active cut short") for n in notifications)
    assert scan.elapsed_s <= 40 + 30
    assert_clean(docker_client, scan)


def test_overall_budget_is_enforced_within_30_seconds(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    require_local_engine()
    profile = write_profile(
        tmp_path,
        "name: capped\nextends: nightly\nmax_duration: 8s\nactive:\n  strength: INSANE\n  threshold: LOW\n",
    )
    scan = scan_demo(tmp_path / "out", demo_image, "--profile", profile, "--zap", "local")
    assert scan.exit_code in (1, 4), scan.output  # 1 when gating findings came before the cut
    assert scan.elapsed_s <= 8 + 30, scan.elapsed_s
    assert scan.results["budgets_hit"], scan.results["phases"]
    assert_clean(docker_client, scan)
