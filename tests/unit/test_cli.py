"""The command line, in-process: bad options, `dast report`, exit codes. Nothing here starts an engine."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cli_support import assert_no_traceback, assert_usage_error, error_lines, one_line
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


# --- bad options --------------------------------------------------------------------------

BAD_SCAN_OPTIONS = [
    ("fail-on", [*TARGET, "--fail-on", "bogus"], "--fail-on must be one of high, medium, low, info, never"),
    ("format", [*TARGET, "--format", "pdf"], "unknown report format 'pdf' (expected: json, junit"),
    ("format-partly-bad", [*TARGET, "--format", "json,pdf"], "unknown report format 'pdf'"),
    ("format-empty", [*TARGET, "--format", " , "], "no report format given"),
    ("progress", [*TARGET, "--progress", "fancy"], "--progress must be auto, rich or plain, got 'fancy'"),
    ("no-target", [], "nothing to scan: give --target URL, or --image IMAGE --port N"),
    ("image-without-port", ["--image", "shop:1"], "--image needs --port"),
    ("port-too-big", ["--image", "shop:1", "--port", "70000"], "--port must be 1-65535, got 70000"),
    ("port-zero", ["--image", "shop:1", "--port", "0"], "--port must be 1-65535, got 0"),
    ("target-ftp", ["--target", "ftp://x"], "--target must be an http(s) URL with a host, got 'ftp://x'"),
    ("target-no-host", ["--target", "http:///path"], "--target must be an http(s) URL with a host"),
    ("target-not-a-url", ["--target", "localhost:8080"], "--target must be an http(s) URL"),
    ("target-credentials", ["--target", "http://admin:s3cret@x/"], "--target must not carry credentials"),
    (
        "target-and-image",
        [*TARGET, "--image", "shop:1"],
        "give either --target URL or --image/--build, not both",
    ),
    (
        "build-arg",
        ["--image", "shop:1", "--port", "80", "--build-arg", "NOEQUALS"],
        "--build-arg must look like KEY=VALUE, got 'NOEQUALS'",
    ),
    (
        "build-arg-no-key",
        ["--image", "shop:1", "--port", "80", "--build-arg", "=v"],
        "--build-arg must look like KEY=VALUE",
    ),
    (
        "build-dir-missing",
        ["--build", "/nonexistent/app", "--port", "80"],
        "--build /nonexistent/app: no such",
    ),
    (
        "template-dir",
        [*TARGET, "--template-dir", "/nonexistent"],
        "--template-dir /nonexistent: no such folder",
    ),
    ("profile-unknown", [*TARGET, "--profile", "nosuch"], "nosuch: no such profile"),
    ("profile-file-missing", [*TARGET, "--profile", "/nonexistent/p.yaml"], "no such profile file"),
    (
        "zap-url-with-local",
        [*TARGET, "--zap", "local", "--zap-url", "http://zap:8080"],
        "--zap-url goes with --zap remote (or auto), not --zap local",
    ),
    (
        "log-file-folder-missing",
        [*TARGET, "--log-file", "/nonexistent/folder/dast.log"],
        "--log-file /nonexistent/folder/dast.log: cannot open",
    ),
]


@pytest.mark.parametrize(("args", "message"), [pytest.param(a, m, id=i) for i, a, m in BAD_SCAN_OPTIONS])
def test_bad_scan_option_is_a_one_line_usage_error(
    dast: Dast, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    result = dast("scan", *args, "--out", out)
    assert_usage_error(result, message)
    assert not out.exists()
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param([*TARGET, "--zap", "bogus"], "Invalid value for '--zap'", id="zap-choice"),
        pytest.param([*TARGET, "--port", "eighty"], "Invalid value for '--port'", id="port-not-int"),
        pytest.param([*TARGET, "--wait", "soon"], "Invalid value for '--wait'", id="wait-not-number"),
        pytest.param([*TARGET, "--no-such-option"], "No such option", id="unknown-option"),
    ],
)
def test_typer_validation_is_exit_2(dast: Dast, tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out"
    result = dast("scan", *args, "--out", out)
    assert result.exit_code == 2, result.output
    assert message in one_line(result.output)
    assert_no_traceback(result)
    assert not out.exists()


def test_options_come_from_the_environment_too(
    dast: Dast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAST_TARGET", "http://127.0.0.1:9/")
    monkeypatch.setenv("DAST_FAIL_ON", "sometimes")
    result = dast("scan", "--out", tmp_path / "out")
    assert_usage_error(result, "--fail-on must be one of", "'sometimes'")


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
    assert "***" in error_lines(result)[0]


def test_usage_errors_come_before_anything_is_started(dast: Dast, tmp_path: Path) -> None:
    # A bad option and a bad profile together: the option is reported, nothing is left behind.
    out = tmp_path / "out"
    result = dast("scan", *TARGET, "--format", "pdf", "--profile", "/nonexistent.yaml", "--out", out)
    assert_usage_error(result, "unknown report format")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


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
    assert "130 interrupted" in text


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


ALL_FILES = {"results.json", "junit.xml", "report.html", "results.sarif", "summary.md"}


def test_report_rerenders_every_format(dast: Dast, tmp_path: Path) -> None:
    record = make_record()
    source = write_results(tmp_path, record)
    out = tmp_path / "out"
    result = dast("report", "--from", source, "--out", out, "--format", "all")
    assert result.exit_code == 1, result.output  # a High finding, gate at Medium
    assert {p.name for p in out.iterdir()} == ALL_FILES
    assert "gate FAILED (fail on: Medium)" in result.output
    assert "cut short: active" in result.output
    again = load_record(out / "results.json")
    assert again.to_dict() == record.to_dict()
    sarif = json.loads((out / "results.sarif").read_text("utf-8"))
    assert len(sarif["runs"][0]["results"]) == 2


def test_report_default_formats_leave_results_json_alone(dast: Dast, tmp_path: Path) -> None:
    source = write_results(tmp_path, make_record())
    before = source.read_bytes()
    result = dast("report", "--from", source, "--out", tmp_path)  # into the same folder
    assert result.exit_code == 1
    assert {p.name for p in tmp_path.iterdir()} == ALL_FILES
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


def test_report_of_a_failed_scan_exits_3(dast: Dast, tmp_path: Path) -> None:
    source = write_results(tmp_path, make_record(error="ZAP did not start"))
    result = dast("report", "--from", source, "--out", tmp_path / "out")
    assert result.exit_code == 3
    assert "scan failed: ZAP did not start" in result.output


def test_report_bad_fail_on(dast: Dast, tmp_path: Path) -> None:
    source = write_results(tmp_path, make_record())
    result = dast("report", "--from", source, "--out", tmp_path / "out", "--fail-on", "critical")
    assert_usage_error(result, "--fail-on must be one of")
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


# (id, bytes of the results file or None for "no file", fragments of the one error line)
BAD_RESULTS: list[tuple[str, bytes | None, list[str]]] = [
    ("missing", None, ["results file not found"]),
    ("not-json", b"<html>not json</html>", ["is not valid JSON", "line 1 column 1"]),
    ("truncated-json", json.dumps(_good()).encode()[:200], ["is not valid JSON"]),
    ("not-utf8", b"\xff\xfe{}", ["is not UTF-8 text"]),
    ("json-list", b"[]", ["must hold a JSON object, found a list"]),
    ("wrong-schema-version", json.dumps(_with(2, "schema_version")).encode(), ["has schema_version 2", "reads schema_version 1"]),
    ("schema-version-text", json.dumps(_with("1", "schema_version")).encode(), ['has schema_version "1"']),
    ("no-schema-version", json.dumps(_without("schema_version")).encode(), ["missing key 'schema_version'"]),
    ("missing-findings", json.dumps(_without("findings")).encode(), ["missing key 'findings'"]),
    (
        "missing-nested-key",
        json.dumps(_without("findings", 0, "instances", 0, "fingerprint")).encode(),
        ["missing key 'findings[0].instances[0].fingerprint'"],
    ),
    ("missing-engine-version", json.dumps(_without("engine", "version")).encode(), ["missing key 'engine.version'"]),
    ("wrong-type", json.dumps(_with("many", "request_count")).encode(), ["request_count: expected an integer"]),
    ("bad-risk", json.dumps(_with("Severe", "findings", 0, "risk")).encode(), ["findings[0].risk:", "unknown risk"]),
    ("bad-outcome", json.dumps(_with("exploded", "phases", 0, "outcome")).encode(), ["phases[0].outcome:"]),
    ("bad-fail-on", json.dumps(_with("sometimes", "fail_on")).encode(), ["fail_on:"]),
]  # fmt: skip


@pytest.mark.parametrize(("content", "fragments"), [pytest.param(c, f, id=i) for i, c, f in BAD_RESULTS])
def test_report_from_a_bad_file_is_a_usage_error(
    dast: Dast, tmp_path: Path, content: bytes | None, fragments: list[str]
) -> None:
    source = tmp_path / "results.json"
    if content is not None:
        source.write_bytes(content)
    out = tmp_path / "out"
    out.mkdir()
    old_report = b"<html>the report of last night</html>\n"
    (out / "report.html").write_bytes(old_report)

    result = dast("report", "--from", source, "--out", out, "--format", "all")

    assert_usage_error(result, str(source), *fragments)
    assert [p.name for p in out.iterdir()] == ["report.html"]
    assert (out / "report.html").read_bytes() == old_report


def test_report_from_a_directory(dast: Dast, tmp_path: Path) -> None:
    result = dast("report", "--from", tmp_path, "--out", tmp_path / "out")
    assert_usage_error(result, "is a directory")
    assert not (tmp_path / "out").exists()
