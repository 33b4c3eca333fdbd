"""SARIF that GitHub code scanning accepts: every result at a repository file (route map, else the
anchor), the URL in the message, a logical location and the properties; checked with Microsoft's
sarif-multitool and GitHub's ingestion rules."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile import APP, hostile_record, sample_record
from sarif_validator import github_errors
from triage_records import CSP, TODAY, XSS, record, rules
from typer.testing import Result

from dast.cli.sarif_anchor import default_anchor
from dast.cli.scan_command import ScanOptions, build_scan_config
from dast.cli.wiring import ZapChoice
from dast.core.triage import TriagePlan, triage_run
from dast.models import (
    AssertionOutcome,
    AssertionResult,
    Risk,
    RunRecord,
    SarifLocations,
    SarifRoute,
)
from dast.report.sarif import SarifReporter
from dast.urlpattern import path_and_query

Dast = Callable[..., Result]


def sarif(record: RunRecord) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SarifReporter().render(record))
    return data


def locations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["locations"][0] for r in doc["runs"][0]["results"]]


ROUTED = SarifLocations(
    anchor="deploy/Dockerfile",
    routes=(SarifRoute("^/search", "app/views/search.py"), SarifRoute(r"\?msg=", "app/api/echo.py")),
)


def test_routes_place_results_at_their_file_and_the_rest_at_the_anchor() -> None:
    doc = sarif(dataclasses.replace(sample_record(), sarif=ROUTED))
    placed = {
        loc["logicalLocations"][0]["fullyQualifiedName"]: loc["physicalLocation"]["artifactLocation"]["uri"]
        for loc in locations(doc)
    }
    assert placed[f"{APP}/search?q=x"] == "app/views/search.py"
    assert placed["https://api.test/v1/echo?msg=x"] == "app/api/echo.py"
    assert placed[f"{APP}/comment"] == "deploy/Dockerfile"
    assert placed[f"{APP}/"] == "deploy/Dockerfile"


def test_every_result_is_at_a_repository_file_with_a_line_and_keeps_its_url() -> None:
    doc = sarif(sample_record())
    for result in doc["runs"][0]["results"]:
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "Dockerfile", "uriBaseId": "%SRCROOT%"}
        assert physical["region"] == {"startLine": 1}
        url = result["properties"]["url"]
        assert url.startswith(("http://", "https://"))
        assert location["logicalLocations"] == [
            {"name": path_and_query(url), "fullyQualifiedName": url, "kind": "resource"}
        ]
        assert url in result["message"]["text"]


def test_assertion_results_are_placed_like_findings() -> None:
    check = AssertionResult(
        name="admin needs login",
        rule_id="dast-assertion/admin-needs-login",
        risk=Risk.HIGH,
        outcome=AssertionOutcome.FAILED,
        method="GET",
        url=f"{APP}/search/admin",
        acting_as="anonymous",
        expected="status 401",
        seen="status 200",
    )
    doc = sarif(dataclasses.replace(sample_record(), sarif=ROUTED, assertions=(check,)))
    result = next(r for r in doc["runs"][0]["results"] if r["ruleId"] == check.rule_id)
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/views/search.py"
    assert result["properties"]["url"] == check.url
    rule = next(r for r in doc["runs"][0]["tool"]["driver"]["rules"] if r["id"] == check.rule_id)
    assert rule["help"]["text"], "code scanning requires help on every rule"


def test_results_carry_their_replay() -> None:
    doc = sarif(sample_record())
    first = doc["runs"][0]["results"][0]
    assert first["properties"]["replay"].startswith('curl -i "${TARGET:-http://app.test:8080}/search')


# --- where the anchor comes from ----------------------------------------------------------


def _options(**changes: Any) -> ScanOptions:
    base = ScanOptions(
        target="http://127.0.0.1:9/",
        image=None,
        port=None,
        build=None,
        build_args=(),
        health_path="/",
        health_status="200-399",
        wait=60.0,
        profile="baseline",
        fail_on="medium",
        out=Path("out"),
        formats="sarif",
        template_dir=None,
        zap=ZapChoice.AUTO,
        zap_url=None,
        zap_image="zaproxy/zap-stable",
        allow_incomplete=False,
        progress="plain",
        quiet=True,
        verbose=False,
        log_file=None,
    )
    return dataclasses.replace(base, **changes)


def test_the_default_anchor_is_the_profile_file_else_the_dockerfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "security").mkdir()
    profile = tmp_path / "security" / "dast.yaml"
    profile.write_text("name: mine\nextends: baseline\nsarif:\n  routes:\n    '^/search': app/search.py\n")
    config = build_scan_config(_options(profile=str(profile)), {})
    assert config.sarif == SarifLocations(
        anchor="security/dast.yaml", routes=(SarifRoute("^/search", "app/search.py"),)
    )
    assert build_scan_config(_options(), {}).sarif.anchor == "Dockerfile"
    given = build_scan_config(_options(sarif_anchor="./web/Dockerfile"), {})
    assert given.sarif.anchor == "web/Dockerfile"
    (tmp_path / "shop").mkdir()
    assert default_anchor("baseline", tmp_path / "shop", tmp_path) == "shop/Dockerfile"
    assert default_anchor("/elsewhere/p.yaml", None, tmp_path) == "Dockerfile"


def test_report_takes_another_anchor(dast: Dast, tmp_path: Path) -> None:
    source = tmp_path / "results.json"
    source.write_text(json.dumps(dataclasses.replace(sample_record(), sarif=ROUTED).to_dict()))
    out = tmp_path / "out"
    result = dast(
        "report", "--from", source, "--out", out, "--format", "sarif", "--sarif-anchor", "k8s/app.yaml"
    )
    assert result.exit_code == 1, result.output
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for loc in locations(json.loads((out / "results.sarif").read_text()))
    }
    assert uris == {"k8s/app.yaml", "app/views/search.py", "app/api/echo.py"}, "routes kept, anchor replaced"


# --- sarif-multitool, GitHub's ingestion rules --------------------------------------------


@pytest.mark.engine
def test_the_validator_catches_what_github_rejects(tmp_path: Path) -> None:
    """A control: the URL locations dast wrote before are errors under these rules."""
    doc = sarif(sample_record())
    for result in doc["runs"][0]["results"]:
        result["locations"] = [
            {"physicalLocation": {"artifactLocation": {"uri": result["properties"]["url"]}}}
        ]
    path = tmp_path / "old.sarif"
    path.write_text(json.dumps(doc))
    errors = github_errors(path, tmp_path)
    assert any(e.startswith("GH1005") for e in errors), errors
    assert any(e.startswith("GH1003") for e in errors), errors


def _triaged() -> RunRecord:
    plan = TriagePlan(rules=rules("- {rule: 10038, reason: handled by the CDN}\n"))
    return triage_run(record(XSS, CSP), plan, TODAY)


@pytest.mark.engine
@pytest.mark.parametrize(
    "make",
    [
        sample_record,
        hostile_record,
        _triaged,
        lambda: dataclasses.replace(sample_record(), sarif=ROUTED),
        lambda: dataclasses.replace(sample_record(), findings=(), exchanges=(), error="ZAP died"),
    ],
    ids=["sample", "hostile", "triaged", "routed", "error"],
)
def test_github_code_scanning_accepts_the_sarif(make: Callable[[], RunRecord], tmp_path: Path) -> None:
    path = tmp_path / "results.sarif"
    path.write_bytes(SarifReporter().render(make()))
    assert github_errors(path, tmp_path) == []
