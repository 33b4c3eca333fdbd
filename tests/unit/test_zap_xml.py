"""`--format zap-xml`: ZAP's traditional XML report, read the way DefectDojo's "ZAP Scan" importer reads it
(tests/defectdojo_reader.py)."""

from __future__ import annotations

import dataclasses
import html
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from defectdojo_reader import import_like_defectdojo
from hostile import API, APP, BREAKOUTS, hostile_record, sample_record
from triage_records import CSP, TODAY, XSS
from triage_records import record as triage_record
from triage_records import rules as triage_rules

from dast.core.triage import TriagePlan, triage_run
from dast.report.interface import OutputFormat
from dast.report.zap_xml import ZapXmlReporter


def written(tmp_path: Path, record: Any) -> Path:
    path = tmp_path / OutputFormat.ZAP_XML.filename
    path.write_bytes(ZapXmlReporter().render(record))
    return path


def test_defectdojo_reads_every_finding_with_its_fields(tmp_path: Path) -> None:
    record = sample_record()
    findings = import_like_defectdojo(written(tmp_path, record))
    # One alert item per finding and site: XSS is at two sites.
    assert len(findings) == len(record.findings) + 1
    xss = [f for f in findings if f["vuln_id_from_tool"] == "40012"]
    assert {f["severity"] for f in xss} == {"High"}
    assert all(f["cwe"] == 79 and f["title"] == "Cross Site Scripting (Reflected)" for f in xss)
    assert "<p>Validate all input" in xss[0]["mitigation"]
    assert "owasp.org/www-community/attacks/xss/" in xss[0]["references"]
    by_host = {f["endpoints"][0][1]: f for f in xss}
    assert set(by_host) == {"app.test:8080", "api.test"}
    app = by_host["app.test:8080"]
    assert ("http", "app.test:8080", "/search") in app["endpoints"]
    assert ("http", "app.test:8080", "/comment") in app["endpoints"]
    first = app["req_resp"][0]
    assert first["req"].startswith(f"GET {APP}/search?q=")  # the stored exchange
    assert "<p>Results for <scrIpt>alert(1);</scRipt></p>" in first["resp"]
    second = app["req_resp"][1]
    assert "Param: body" in second["req"] and 'Attack: "><svg onload=1>' in second["req"]
    severities = {f["vuln_id_from_tool"]: f["severity"] for f in findings}
    assert severities == {"40012": "High", "10038": "Medium", "10021": "Low", "10036": "Info"}


def test_the_structure_is_zap_s(tmp_path: Path) -> None:
    root = ET.parse(written(tmp_path, sample_record())).getroot()
    assert root.tag == "OWASPZAPReport" and root.get("version") == "2.16.1"
    site = root.find("site")
    assert site is not None
    assert (site.get("name"), site.get("host"), site.get("port"), site.get("ssl")) == (
        APP,
        "app.test",
        "8080",
        "false",
    )
    item = site.find("alerts/alertitem")
    assert item is not None
    fields = [child.tag for child in item]
    for tag in ("pluginid", "alert", "name", "riskcode", "confidence", "riskdesc", "desc", "instances",
                "count", "solution", "reference", "cweid", "wascid", "sourceid"):  # fmt: skip
        assert tag in fields, tag
    assert item.findtext("riskdesc") == "High (Medium)"
    assert item.findtext("sourceid") == "1"  # an active rule
    assert item.findtext("count") == str(len(item.findall("instances/instance")))
    instance = item.find("instances/instance")
    assert instance is not None
    assert [c.tag for c in instance][:6] == ["uri", "method", "param", "attack", "evidence", "otherinfo"]
    https = [s for s in root.findall("site") if s.get("name") == API]
    assert https and https[0].get("port") == "443" and https[0].get("ssl") == "true"


def test_suppressed_findings_stay_apart_where_importers_do_not_count_them(tmp_path: Path) -> None:
    plan = TriagePlan(rules=triage_rules("- {rule: 10038, reason: handled by the CDN}\n"))
    record = triage_run(triage_record(XSS, CSP), plan, TODAY)
    path = written(tmp_path, record)
    assert {f["vuln_id_from_tool"] for f in import_like_defectdojo(path)} == {"40012"}
    apart = ET.parse(path).getroot().find("dastSuppressed")
    assert apart is not None
    (note,) = {s.get("reason") for s in apart.iter("suppression")}
    assert note == "handled by the CDN"


def test_hostile_text_stays_text_for_the_importer(tmp_path: Path) -> None:
    findings = import_like_defectdojo(written(tmp_path, hostile_record()))
    xss = next(f for f in findings if f["vuln_id_from_tool"] == "40012")
    # desc is HTML the importer converts to text: the markup it carries is escaped inside it.
    assert html.escape(BREAKOUTS[0], quote=False) in xss["description"]
    assert "<script>" not in xss["description"].replace(html.escape("<script>"), "")
    exchange = xss["req_resp"][0]
    assert "X-Evil:" in exchange["req"] and BREAKOUTS[1] in exchange["req"]
    assert "[truncated" in exchange["resp"]


def test_an_empty_scan_still_has_a_site(tmp_path: Path) -> None:
    record = dataclasses.replace(sample_record(), findings=(), exchanges=())
    root = ET.parse(written(tmp_path, record)).getroot()
    assert [s.get("name") for s in root.findall("site")] == [APP]
    assert import_like_defectdojo(written(tmp_path, record)) == []
