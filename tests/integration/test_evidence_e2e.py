"""Evidence reviewers can act on, and outputs downstream tools accept (issue 10), on a real scan.

One real scan of the demo app (ZAP core 2.11.1, local engine; the app in a container) with every
format; then: request, response and a curl per instance under the storage rule, the reflected
XSS reproduced by replaying its curl against a fresh demo app, SARIF that GitHub code scanning
accepts (sarif-multitool, GitHub's rules), a ZAP XML report DefectDojo's importer reads, JUnit
valid under Jenkins xUnit's schema.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from defectdojo_reader import import_like_defectdojo
from engines import (
    ROOT,
    leftovers,
    new_run_id,
    read_results,
    require_local_engine,
    wait_for_line,
    zap_processes,
)
from junitparser import Failure, JUnitXml
from lxml import etree
from sarif_validator import github_errors
from typer.testing import CliRunner

from dast.cli.app import app
from dast.core.exchanges import FULL_PER_RULE_AND_SITE

pytestmark = pytest.mark.engine

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
BASE = "http://dast-demo"
PROFILE = """\
name: evidence
extends: full
rate: {max_rps: null}  # a container on this machine: no need for the staging cap
sarif:
  routes:
    '^/search': demo-app/app.py
    '^/products': demo-app/app.py
"""


@dataclass(frozen=True)
class Scan:
    exit_code: int
    output: str
    out: Path
    run_id: str

    @property
    def record(self) -> dict[str, Any]:
        return read_results(self.out)

    def instances(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        return [(f, i) for f in self.record["findings"] for i in f["instances"]]


@pytest.fixture(scope="module")
def scan(docker_client: Any, demo_image: str, tmp_path_factory: pytest.TempPathFactory) -> Scan:
    require_local_engine()
    folder = tmp_path_factory.mktemp("evidence")
    profile = folder / "profile.yaml"
    profile.write_text(PROFILE)
    run_id = new_run_id("evidence")
    out = folder / "out"
    args = [
        "scan", "--image", demo_image, "--port", "8000", "--health-path", "/healthz", "--zap", "local",
        "--profile", str(profile), "--format", "all", "--out", str(out), "--progress", "plain",
    ]  # fmt: skip
    result = CliRunner().invoke(app, args, env={"DAST_RUN_ID": run_id})
    assert leftovers(docker_client, run_id) == [] and zap_processes(run_id) == []
    return Scan(result.exit_code, result.output, out, run_id)


def test_the_scan_finds_the_demo_app_s_flaws(scan: Scan) -> None:
    assert scan.exit_code == 1, scan.output  # the gate fails on the demo app
    rules = {f["rule_id"] for f in scan.record["findings"]}
    assert {"40012", "40018", "10038"} <= rules


def test_every_instance_has_a_curl_and_the_first_three_per_rule_and_site_request_and_response(
    scan: Scan,
) -> None:
    record = scan.record
    exchanges = {e["message_id"]: e for e in record["exchanges"]}
    assert len(exchanges) == len(record["exchanges"]), "each exchange stored once"
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for finding, instance in scan.instances():
        assert instance["replay"].startswith(f'curl -i "${{TARGET:-{BASE}}}'), instance["replay"]
        groups.setdefault((finding["rule_id"], instance["url"].split("/", 3)[2]), []).append(instance)
    for (rule_id, _site), instances in groups.items():
        kept = [i for i in instances if i["exchange"]]
        # The first 3 of a rule at a site keep request and response; the others point to nothing heavier.
        assert len(kept) == min(FULL_PER_RULE_AND_SITE, len(instances)), rule_id
        for instance in kept:
            request, response = (
                exchanges[instance["exchange"]]["request"],
                exchanges[instance["exchange"]]["response"],
            )
            method, url = request["header"].split(" ", 2)[:2]
            assert (method, url) == (instance["method"], instance["url"])
            assert re.search(r"(?m)^Host: dast-demo\r?$", request["header"]), "named under the report base"
            assert response["header"].startswith("HTTP/1.1 ") and response["status_code"] >= 200
            assert response["body_length"] >= len(response["body"])
            if instance["evidence"] and rule_id in ("40012", "40018"):
                assert instance["evidence"] in response["body"], "the excerpt shows the evidence"
    assert sum(len(g) > FULL_PER_RULE_AND_SITE for g in groups.values()) >= 2, (
        "the storage rule was exercised"
    )


@pytest.fixture
def demo_app(tmp_path: Path) -> Iterator[str]:
    """A fresh demo app on a free loopback port, as a plain process."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "demo-app" / "app.py"), "--host", "127.0.0.1", "--port", "0"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
    )
    try:
        lines = wait_for_line(process, "listening on http://", timeout_s=20)
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)/", "".join(lines))
        assert match, lines
        yield match.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_replaying_the_reflected_xss_returns_the_payload_unescaped(scan: Scan, demo_app: str) -> None:
    _finding, instance = next(
        (f, i) for f, i in scan.instances() if f["rule_id"] == "40012" and "/search?" in i["url"]
    )
    started = time.monotonic()
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", instance["replay"] + " --max-time 10 --silent"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "TARGET": demo_app},
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 30
    assert done.stdout.startswith("HTTP/1.0 200") or done.stdout.startswith("HTTP/1.1 200"), done.stdout[:300]
    body = done.stdout.split("\n\n", 1)[1]  # text mode: line ends read as \n
    assert instance["evidence"] in body, "the payload came back unescaped: the finding reproduces"
    assert instance["evidence"].startswith("<scrIpt>")


def test_github_code_scanning_accepts_the_sarif(scan: Scan, tmp_path: Path) -> None:
    sarif = json.loads((scan.out / "results.sarif").read_text())
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["properties"]["url"]
        for r in sarif["runs"][0]["results"]
    }
    assert "demo-app/app.py" in uris, "the route map placed /search and /products"
    assert "Dockerfile" in uris, "the rest at the anchor (bundled profile extended from a temp file)"
    assert all(not re.match(r"^[a-z]+:", uri) for uri in uris)
    assert github_errors(scan.out / "results.sarif", tmp_path) == []


def test_defectdojo_imports_the_zap_xml_report(scan: Scan) -> None:
    findings = import_like_defectdojo(scan.out / "zap-report.xml")
    assert {f["vuln_id_from_tool"] for f in findings} == {f["rule_id"] for f in scan.record["findings"]}
    xss = next(f for f in findings if f["vuln_id_from_tool"] == "40012")
    assert xss["severity"] == "High" and xss["cwe"] == 79
    assert all(host == "dast-demo" for _scheme, host, _path in xss["endpoints"]), "URLs on the report base"
    assert xss["req_resp"][0]["req"].startswith("GET http://dast-demo/")
    assert "<scrIpt>" in xss["req_resp"][0]["resp"]
    root = ET.parse(scan.out / "zap-report.xml").getroot()
    assert root.get("version") == "2.11.1"


def test_junit_is_valid_under_the_jenkins_schema_and_reads_back(scan: Scan) -> None:
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-jenkins-xunit-10.xsd")))
    assert schema.validate(etree.parse(str(scan.out / "junit.xml"))), schema.error_log
    (suite,) = list(JUnitXml.fromfile(str(scan.out / "junit.xml")))
    xss = next(c for c in suite if c.name.startswith("40012 "))
    assert isinstance(xss.result[0], Failure)
    body = xss.result[0].text or ""
    assert "Reproduce: curl -i" in body and "      Request:\n" in body and "      Response:\n" in body


def test_the_html_shows_the_exchange_and_the_curl(scan: Scan) -> None:
    tree = lxml.html.document_fromstring((scan.out / "report.html").read_bytes())
    assert tree.xpath("//pre[contains(@class, 'replay')]")
    marks = [m.text_content() for m in tree.xpath("//details[contains(@class, 'exchange')]//mark")]
    assert any(m.startswith("<scrIpt>") for m in marks), "the XSS evidence is marked in its response"
    assert not tree.xpath("//script")
