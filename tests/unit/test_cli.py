"""The command line, in-process: bad options, `dast report`, exit codes. Nothing here starts an engine."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import assert_usage_error, error_lines, one_line
from typer.testing import Result

from dast import __version__
from dast.cli.exit_status import ExitStatus, status_for
from dast.errors import (
    DastError,
    EngineError,
    InfrastructureError,
    Interrupted,
    ProfileError,
    ReportError,
    ResultsFileError,
    RuntimeUnavailableError,
    TargetError,
    UsageError,
)
from dast.fingerprint import fingerprint
from dast.models import (
    Confidence,
    EngineInfo,
    Finding,
    Instance,
    PhaseOutcome,
    PhaseResult,
    ProfileInfo,
    Risk,
    RuleInfo,
    RunRecord,
    TargetInfo,
)
from dast.report.writer import load_record

Dast = Callable[..., Result]
TARGET = ("--target", "http://127.0.0.1:9/")


def test_credentials_in_the_target_never_reach_the_output(dast: Dast, tmp_path: Path) -> None:
    result = dast("scan", "--target", "http://admin:pa55word-xyz@x/", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "pa55word-xyz" not in result.output


def test_registered_api_key_is_masked_in_errors(
    dast: Dast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "zap-key-7Hq2m9Xv"
    monkeypatch.setenv("DAST_ZAP_API_KEY", key)
    result = dast("scan", "--target", f"ftp://{key}/", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert key not in result.output
    assert "${DAST_ZAP_API_KEY}" in error_lines(result)[0], "the placeholder names where the secret came from"


# --- version, help, profiles --------------------------------------------------------------


def test_version(dast: Dast) -> None:
    result = dast("--version")
    assert result.exit_code == 0
    assert result.output == f"dast {__version__}\n"


def test_scan_help_lists_the_exit_codes(dast: Dast) -> None:
    result = dast("scan", "--help")
    assert result.exit_code == 0
    text = one_line(result.output)
    assert "--fail-on" in text and "--profile" in text
    assert "4 scan incomplete" in text and "130 interrupted" in text


def test_profiles_list(dast: Dast) -> None:
    result = dast("profiles", "list")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert names == ["api", "baseline", "full", "nightly"]


# --- exit statuses ------------------------------------------------------------------------


def test_exit_status_values() -> None:
    assert {s.name: int(s) for s in ExitStatus} == {
        "OK": 0,
        "GATE_FAILED": 1,
        "USAGE": 2,
        "INFRASTRUCTURE": 3,
        "INCOMPLETE": 4,
        "INTERRUPTED": 130,
    }


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (UsageError("x"), ExitStatus.USAGE),
        (ProfileError(["a", "b"]), ExitStatus.USAGE),
        (ResultsFileError("x"), ExitStatus.USAGE),
        (InfrastructureError("x"), ExitStatus.INFRASTRUCTURE),
        (EngineError("x"), ExitStatus.INFRASTRUCTURE),
        (TargetError("x"), ExitStatus.INFRASTRUCTURE),
        (RuntimeUnavailableError("x"), ExitStatus.INFRASTRUCTURE),
        (ReportError("x"), ExitStatus.INFRASTRUCTURE),
        (Interrupted("x"), ExitStatus.INTERRUPTED),
        (DastError("x"), ExitStatus.INFRASTRUCTURE),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else None,
)
def test_status_for_each_error_class(error: DastError, status: ExitStatus) -> None:
    assert status_for(error) is status


def test_profile_error_joins_its_problems() -> None:
    error = ProfileError(["p.yaml: a: unknown key", "p.yaml: b: unknown key"])
    assert error.problems == ["p.yaml: a: unknown key", "p.yaml: b: unknown key"]
    assert str(error) == "p.yaml: a: unknown key; p.yaml: b: unknown key"


# --- dast report --------------------------------------------------------------------------


def make_record(
    *, risks: tuple[Risk, ...] = (Risk.HIGH, Risk.LOW), fail_on: Risk | None = Risk.MEDIUM, error: str = ""
) -> RunRecord:
    findings = []
    for n, risk in enumerate(risks):
        rule_id = str(10000 + n)
        url = f"http://shop.test:8080/page{n}?q=1"
        findings.append(
            Finding(
                rule_id=rule_id,
                name=f"Rule {n}",
                risk=risk,
                confidence=Confidence.MEDIUM,
                cwe_id=79,
                wasc_id=8,
                description="What it is.",
                solution="How to fix it.",
                references=("https://owasp.org/",),
                instances=(
                    Instance(
                        url=url,
                        method="GET",
                        parameter="q",
                        attack="<x>",
                        evidence="<x>",
                        message_id=str(n),
                        fingerprint=fingerprint(rule_id, "GET", url, "q"),
                    ),
                ),
            )
        )
    return RunRecord(
        tool_version=__version__,
        engine=EngineInfo(provider="docker", version="2.16.1", rule_source="engine"),
        profile=ProfileInfo(name="full", sha256="ab" * 32),
        target=TargetInfo(url="http://shop.test:8080/"),
        started_at="2026-01-01T00:00:00Z",
        finished_at="2026-01-01T00:10:00Z",
        phases=(
            PhaseResult("spider", PhaseOutcome.COMPLETED, 12.5),
            PhaseResult("active", PhaseOutcome.CUT_SHORT, 900.0, "budget of 900 s reached at 80%"),
        ),
        budgets_hit=("active",),
        request_count=1234,
        findings=tuple(findings),
        rules=(RuleInfo("10000", "Rule 0", "active"),),
        fail_on=fail_on,
        error=error,
    )


def write_results(folder: Path, record: RunRecord | dict[str, Any]) -> Path:
    data = record.to_dict() if isinstance(record, RunRecord) else record
    path = folder / "results.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


ALL_FILES = {"results.json", "junit.xml", "report.html", "results.sarif", "summary.md", "zap-report.xml"}
DEFAULT_FILES = ALL_FILES - {"zap-report.xml"}  # zap-xml is written when asked for


def test_report_rerenders_every_format(dast: Dast, tmp_path: Path) -> None:
    record = make_record()
    source = write_results(tmp_path, record)
    out = tmp_path / "out"
    result = dast("report", "--from", source, "--out", out, "--format", "all")
    assert result.exit_code == 1, result.output  # a High finding, gate at Medium
    assert {p.name for p in out.iterdir()} == ALL_FILES
    assert "gate FAILED (fail on: Medium)" in result.output
    again = load_record(out / "results.json")
    assert again.to_dict() == record.to_dict()
    sarif = json.loads((out / "results.sarif").read_text("utf-8"))
    assert len(sarif["runs"][0]["results"]) == 2


def test_report_default_formats_leave_results_json_alone(dast: Dast, tmp_path: Path) -> None:
    source = write_results(tmp_path, make_record())
    before = source.read_bytes()
    result = dast("report", "--from", source, "--out", tmp_path)  # into the same folder
    assert result.exit_code == 1
    assert {p.name for p in tmp_path.iterdir()} == DEFAULT_FILES
    assert source.read_bytes() == before


@pytest.mark.parametrize(
    ("fail_on", "code", "verdict"),
    [
        ("never", 0, "gate passed (fail on: never)"),
        ("high", 1, "gate FAILED (fail on: High)"),
        ("low", 1, "gate FAILED (fail on: Low)"),
    ],
)
def test_report_regates_with_fail_on(
    dast: Dast, tmp_path: Path, fail_on: str, code: int, verdict: str
) -> None:
    source = write_results(tmp_path, make_record())
    result = dast("report", "--from", source, "--out", tmp_path / "out", "--fail-on", fail_on)
    assert result.exit_code == code, result.output
    assert verdict in result.output


def test_report_passes_when_nothing_reaches_the_gate(dast: Dast, tmp_path: Path) -> None:
    source = write_results(tmp_path, make_record(risks=(Risk.LOW, Risk.INFO)))
    result = dast("report", "--from", source, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "findings: High: 0, Medium: 0, Low: 1, Informational: 1" in result.output
    assert "gate passed (fail on: Medium)" in result.output


def test_report_of_a_failed_scan_with_gating_findings_exits_1_and_says_it_failed(
    dast: Dast, tmp_path: Path
) -> None:
    source = write_results(tmp_path, make_record(error="ZAP died"))
    result = dast("report", "--from", source, "--out", tmp_path / "out")
    assert result.exit_code == 1, "real findings stay actionable even from a broken run"
    assert "dast: error: scan failed: ZAP died" in result.stderr


def test_report_of_a_failed_scan_exits_3(dast: Dast, tmp_path: Path) -> None:
    source = write_results(tmp_path, make_record(risks=(Risk.LOW,), error="ZAP did not start"))
    result = dast("report", "--from", source, "--out", tmp_path / "out")
    assert result.exit_code == 3
    assert "dast: error: scan failed: ZAP did not start" in result.stderr
    assert "dast: error" not in result.stdout


def test_report_bad_fail_on(dast: Dast, tmp_path: Path) -> None:
    source = write_results(tmp_path, make_record())
    result = dast("report", "--from", source, "--out", tmp_path / "out", "--fail-on", "critical")
    assert_usage_error(result, "'--fail-on'", "must be one of")
    assert not (tmp_path / "out").exists()


def _good() -> dict[str, Any]:
    return make_record().to_dict()


def _without(*path: str | int) -> dict[str, Any]:
    data = _good()
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return data


def _with(value: Any, *path: str | int) -> dict[str, Any]:
    data = _good()
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def test_report_from_a_directory(dast: Dast, tmp_path: Path) -> None:
    result = dast("report", "--from", tmp_path, "--out", tmp_path / "out")
    assert_usage_error(result, "is a directory")
    assert not (tmp_path / "out").exists()
