"""Triage on the command line: `scan` and `report` share it; `dast suppress`, `dast diff`, and the
ZAP rules importer. Scans run against the fakes at the seams."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from cli_support import assert_usage_error, error_lines
from fakes import FakeProvider, FakeTarget, FakeZap, alert
from triage_records import CSP, XCTO, XSS, instance, record
from typer.testing import CliRunner, Result

from dast.cli.app import app
from dast.cli.environment import Environment
from dast.fingerprint import fingerprint
from dast.report.json_report import JsonReporter
from dast.report.writer import load_record
from dast.target.interface import RunningTarget
from dast.triage.rules import load_rules, rules_from_text
from dast.triage.zap_rules import convert, path_pattern

Dast = Callable[..., Result]
ENGINE_URL = "http://127.0.0.1:40001/"
ALERTS = [
    alert(url=f"{ENGINE_URL}about", pluginId="10038", alert="CSP Header Not Set", risk="Medium", param=""),
    alert(
        url=f"{ENGINE_URL}static/a.css", pluginId="10038", alert="CSP Header Not Set", risk="Medium", param=""
    ),
    alert(url=f"{ENGINE_URL}search?q=dast1", pluginId="40012", alert="XSS", risk="High", param="q"),
]


def write_record(path: Path, *findings: object, **changes: object) -> Path:
    path.write_bytes(JsonReporter().render(record(*findings, **changes)))  # type: ignore[arg-type]
    return path


@pytest.fixture
def scan(clean_env: None, tmp_path: Path) -> Callable[..., Result]:
    """`dast scan --image registry.test/shop:1.4` against a fake engine and a fake target."""

    def invoke(*args: str | Path, alerts: list[dict[str, object]] = ALERTS) -> Result:
        environment = Environment(
            engine_factory=lambda _options: FakeProvider(FakeZap(alerts=alerts)),
            target_factory=lambda _options, _sink: FakeTarget(RunningTarget(host_url=ENGINE_URL)),
            sweep=lambda: [],
            environ=lambda: {**os.environ, "DAST_RUN_ID": "cli-1"},
        )
        command = [
            "scan",
            "--image",
            "registry.test/shop:1.4",
            "--port",
            "8080",
            "--out",
            str(tmp_path / "out"),
        ]
        return CliRunner().invoke(app, [*command, *(str(a) for a in args)], obj=environment)

    return invoke


# --- stable identities --------------------------------------------------------------------


def test_a_scan_names_its_target_and_reports_urls_under_a_stable_base(scan: Dast, tmp_path: Path) -> None:
    result = scan()
    assert result.exit_code == 1, result.output
    saved = load_record(tmp_path / "out" / "results.json")
    assert (saved.target.name, saved.target.url, saved.target.engine_url) == (
        "shop",
        "http://shop/",
        ENGINE_URL,
    )
    urls = sorted(i.url for f in saved.findings for i in f.instances)
    assert urls == ["http://shop/about", "http://shop/search?q=dast1", "http://shop/static/a.css"]
    xss = next(i for f in saved.findings for i in f.instances if i.parameter == "q")
    assert xss.fingerprint == fingerprint("40012", "GET", "http://any-host:1/search", "q")
    junit = (tmp_path / "out" / "junit.xml").read_text()
    head = junit.split("<properties>")[0]  # the suite's own attributes
    assert 'name="shop"' in head and "127.0.0.1:40001" not in head


def test_name_and_report_base_can_be_given(scan: Dast, tmp_path: Path) -> None:
    result = scan("--name", "web-shop", "--report-base-url", "https://shop.example/app")
    assert result.exit_code == 1, result.output
    saved = load_record(tmp_path / "out" / "results.json")
    assert (saved.target.name, saved.target.url) == ("web-shop", "https://shop.example/app/")
    assert "https://shop.example/app/about" in {i.url for f in saved.findings for i in f.instances}


def test_reports_of_another_target_in_the_same_folder_are_warned_about(scan: Dast, tmp_path: Path) -> None:
    assert scan("--name", "shop").exit_code == 1
    result = scan("--name", "billing")
    assert "held the reports of target 'shop'" in result.stderr


# --- scan with triage ---------------------------------------------------------------------


def test_scan_applies_suppressions_from_the_file_and_the_profile(scan: Dast, tmp_path: Path) -> None:
    triage = tmp_path / "triage.yaml"
    triage.write_text("- {rule: 40012, reason: fixed in the next release}\n")
    profile = tmp_path / "p.yaml"
    profile.write_text("name: p\nextends: baseline\nsuppressions:\n- {rule: 10038, reason: CDN sets CSP}\n")
    result = scan("--suppressions", triage, "--profile", profile)
    assert result.exit_code == 0, result.output  # everything at or above Medium is suppressed
    assert "suppressed: 3 instance(s) of 2 finding(s), not counted" in result.stdout
    saved = load_record(tmp_path / "out" / "results.json")
    assert saved.findings == ()
    assert saved.triage is not None and saved.triage.sources == (str(triage), f"profile {profile}")


def test_scan_with_a_baseline_gates_on_new_findings_only(scan: Dast, tmp_path: Path) -> None:
    assert scan().exit_code == 1
    previous = tmp_path / "previous.json"
    (tmp_path / "out" / "results.json").rename(previous)
    same = scan("--baseline", previous, "--fail-on-new")
    assert same.exit_code == 0, same.output
    assert "baseline: +0 new, \u22120 fixed" in same.stdout
    more = [
        *ALERTS,
        alert(url=f"{ENGINE_URL}about", pluginId="10020", risk="Medium", param="x-frame-options"),
    ]
    changed = scan("--baseline", previous, "--fail-on-new", alerts=more)
    assert changed.exit_code == 1, changed.output
    assert "baseline: +1 new, \u22120 fixed" in changed.stdout
    assert "1 new instance(s) at or above Medium" in changed.stdout


def test_fail_on_new_without_a_baseline_is_a_usage_error(scan: Dast) -> None:
    assert_usage_error(scan("--fail-on-new"), "--fail-on-new needs --baseline")


def test_report_base_url_goes_with_an_image(dast: Dast, tmp_path: Path) -> None:
    result = dast(
        "scan", "--target", "http://127.0.0.1:9/", "--report-base-url", "http://x/", "--out", tmp_path
    )
    assert_usage_error(result, "--report-base-url goes with --image")


# --- dast report --------------------------------------------------------------------------


def test_report_applies_triage_anew_and_exits_as_the_scan_would(dast: Dast, tmp_path: Path) -> None:
    source = write_record(tmp_path / "results.json", XSS, CSP, XCTO)
    triage = tmp_path / "triage.yaml"
    triage.write_text("- {rule: 40012, reason: accepted}\n- {rule: 10038, reason: accepted}\n")
    before = dast("report", "--from", source, "--out", tmp_path / "a")
    assert before.exit_code == 1
    after = dast(
        "report", "--from", source, "--out", tmp_path / "b", "--suppressions", triage, "--format", "json"
    )
    assert after.exit_code == 0, after.output
    assert len(load_record(tmp_path / "b" / "results.json").suppressed) == 2


def test_report_with_a_baseline_and_fail_on_new(dast: Dast, tmp_path: Path) -> None:
    old = write_record(tmp_path / "old.json", XSS, CSP)
    new = write_record(tmp_path / "new.json", XSS, CSP, XCTO)
    result = dast("report", "--from", new, "--out", tmp_path / "o", "--baseline", old, "--fail-on-new")
    assert result.exit_code == 0, result.output  # the new ones are Low, below the gate
    assert "baseline: +3 new, \u22120 fixed" in result.stdout


def test_report_fail_on_new_needs_a_baseline_somewhere(dast: Dast, tmp_path: Path) -> None:
    source = write_record(tmp_path / "results.json")
    assert_usage_error(
        dast("report", "--from", source, "--fail-on-new", "--out", tmp_path / "o"), "--baseline"
    )


def test_the_suppressions_variable_is_named_in_its_errors(
    dast: Dast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAST_SUPPRESSIONS", str(tmp_path / "missing.yaml"))
    source = write_record(tmp_path / "results.json")
    result = dast("report", "--from", source, "--out", tmp_path / "o")
    assert_usage_error(result, "no such suppressions file", "DAST_SUPPRESSIONS")


# --- dast suppress ------------------------------------------------------------------------


def test_suppress_creates_the_file_with_a_well_formed_entry(dast: Dast, tmp_path: Path) -> None:
    source = write_record(tmp_path / "results.json")
    target = tmp_path / "suppressions.yaml"
    fp = instance("10038", "/about").fingerprint
    result = dast(
        "suppress", fp, "--reason", "CSP: handled by the CDN", "--expires", "2099-12-31",
        "--owner", "web-team", "--ticket", "SEC-1", "--file", target, "--from", source,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "added to" in result.stdout and "rule 10038" in result.stdout
    entries = load_rules(target).suppressions
    assert [(e.entry.rule, e.entry.fingerprint, e.entry.reason) for e in entries] == [
        ("10038", fp, "CSP: handled by the CDN")
    ]
    text = target.read_text()
    assert text.startswith("# added by dast suppress on ") and "GET http://shop/about" in text


def test_suppress_appends_to_the_list_and_does_not_repeat_itself(dast: Dast, tmp_path: Path) -> None:
    target = tmp_path / "s.yaml"
    target.write_text(
        "# ours\nsuppressions:\n  - {rule: 1, reason: kept}  # why\noverrides:\n  - {rule: 2, risk: low}\n"
    )
    fp = "ab" * 16
    assert dast("suppress", fp, "--rule", "40012", "--reason", "r", "--file", target).exit_code == 0
    again = dast("suppress", fp, "--rule", "40012", "--reason", "r", "--file", target)
    assert again.exit_code == 0 and "already suppressed" in again.stdout
    document = yaml.safe_load(target.read_text())
    assert [e["rule"] for e in document["suppressions"]] == [1, 40012]
    assert document["overrides"] == [{"rule": 2, "risk": "low"}]
    assert target.read_text().startswith("# ours\nsuppressions:\n  - {rule: 1, reason: kept}  # why\n")


def test_suppress_adds_to_what_the_zap_rules_importer_wrote(dast: Dast, tmp_path: Path) -> None:
    (tmp_path / "rules.tsv").write_text("10036\tFAIL\t(Server Leaks Version Information)\n")
    target = tmp_path / "triage.yaml"
    assert dast("triage", "import-zap-rules", tmp_path / "rules.tsv", "--out", target).exit_code == 0
    assert "suppressions: []" in target.read_text()
    assert dast("suppress", "ab" * 16, "--rule", "10038", "--reason", "r", "--file", target).exit_code == 0
    converted = load_rules(target)
    assert [p.entry.rule for p in converted.suppressions] == ["10038"]
    assert [p.entry.rule for p in converted.overrides] == ["10036"]


def test_suppress_leaves_a_flow_list_alone(dast: Dast, tmp_path: Path) -> None:
    target = tmp_path / "s.yaml"
    target.write_text("suppressions: [{rule: 1, reason: kept}]\n")
    assert_usage_error(
        dast("suppress", "ab" * 16, "--rule", "1", "--reason", "r", "--file", target), "by hand"
    )
    assert target.read_text() == "suppressions: [{rule: 1, reason: kept}]\n"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("nothex", "--rule", "1", "--reason", "r"), "the fingerprint: 'nothex' is not valid"),
        (("ab" * 16, "--rule", "1", "--reason", " "), "--reason: must not be empty"),
        (("ab" * 16, "--rule", "1", "--reason", "r", "--expires", "2020-01-01"), "is already past"),
        (("ab" * 16, "--rule", "1", "--reason", "r", "--expires", "soon"), "YYYY-MM-DD"),
        (("ab" * 16, "--reason", "r"), "give --rule"),
        (("ab" * 16, "--rule", "x", "--reason", "r"), "--rule: 'x' is not valid"),
    ],
)
def test_suppress_refuses_bad_input_and_writes_nothing(
    dast: Dast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], fragment: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = dast("suppress", *args)
    assert_usage_error(result, fragment)
    assert list(tmp_path.iterdir()) == []


def test_suppress_checks_the_rule_against_the_results(dast: Dast, tmp_path: Path) -> None:
    source = write_record(tmp_path / "results.json")
    fp = instance("10038", "/about").fingerprint
    result = dast(
        "suppress", fp, "--rule", "40012", "--reason", "r", "--from", source, "--file", tmp_path / "s"
    )
    assert_usage_error(result, "belongs to rule 10038")
    unknown = dast("suppress", "cd" * 16, "--reason", "r", "--from", source, "--file", tmp_path / "s")
    assert_usage_error(unknown, "is not in", "give --rule")


# --- dast diff ----------------------------------------------------------------------------


def test_diff_says_what_is_new_and_what_was_fixed(dast: Dast, tmp_path: Path) -> None:
    old = write_record(tmp_path / "old.json", XSS, CSP)
    new = write_record(tmp_path / "new.json", CSP, XCTO)
    result = dast("diff", old, new)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"+3 new, \u22121 fixed ({new} against {old})"
    assert sum(line.startswith("new:   Low 10021") for line in lines) == 3
    assert [line for line in lines if line.startswith("fixed:")] == [
        f"fixed: High 40012 Cross Site Scripting (Reflected): GET http://shop/search?q=x (q) "
        f"[{instance('40012', '/search?q=x', parameter='q').fingerprint}]"
    ]


def test_diff_of_a_file_that_is_not_a_record_is_a_usage_error(dast: Dast, tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("[]")
    assert_usage_error(dast("diff", tmp_path / "x.json", tmp_path / "x.json"), "must hold a JSON object")


# --- dast triage import-zap-rules ---------------------------------------------------------

RULES_TSV = (
    "# zap-baseline rule configuration file\n"
    "10038\tIGNORE\t(Content Security Policy (CSP) Header Not Set)\n"
    "10020\tWARN\t(Anti-clickjacking Header)\n"
    "10036\tFAIL\t(Server Leaks Version Information)\tfix before release\n"
    "10021\tOUTOFSCOPE\thttp://.*/static/.*\n"
    "10096\tINFO\t(Timestamp Disclosure)\n"
    "10055-7\tIGNORE\t(CSP: a sub-rule)\n"
)


def test_import_converts_each_level_and_says_where_each_entry_came_from(dast: Dast, tmp_path: Path) -> None:
    source = tmp_path / "rules.tsv"
    source.write_text(RULES_TSV)
    result = dast("triage", "import-zap-rules", source)
    assert result.exit_code == 0, result.output
    text = result.stdout
    converted = rules_from_text(text, "converted.yaml")
    assert [(p.entry.rule, p.entry.url) for p in converted.suppressions] == [
        ("10038", None),
        ("10021", "/static/.*"),
    ]
    assert [(p.entry.rule, p.entry.risk) for p in converted.overrides] == [
        ("10036", "high"),
        ("10096", "info"),
    ]
    assert converted.overrides[0].entry.reason == "fix before release"
    for line in range(2, 8):
        assert f"# rules.tsv:{line}: " in text, f"input line {line} has its comment"
    assert error_lines(result) == []
    assert "dast: warning: rules.tsv:7: '10055-7' is a sub-rule id" in result.stderr


def test_import_writes_a_file_it_never_overwrites(dast: Dast, tmp_path: Path) -> None:
    source = tmp_path / "rules.tsv"
    source.write_text(RULES_TSV)
    out = tmp_path / "triage.yaml"
    first = dast("triage", "import-zap-rules", source, "--out", out)
    assert first.exit_code == 0 and "2 suppression(s), 2 override(s)" in first.stdout
    assert_usage_error(dast("triage", "import-zap-rules", source, "--out", out), "already exists")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("10038 IGNORE spaces\n", "rules.tsv:1: expected at least 3 tab-separated fields"),
        ("10038\tSOMETIMES\tx\n", "rules.tsv:1: level 'SOMETIMES' is not one of"),
    ],
)
def test_import_refuses_what_zap_would_refuse(dast: Dast, tmp_path: Path, text: str, fragment: str) -> None:
    source = tmp_path / "rules.tsv"
    source.write_text(text)
    assert_usage_error(dast("triage", "import-zap-rules", source), fragment)


@pytest.mark.parametrize(
    ("regex", "pattern"),
    [
        (r"http://.*/static/.*", "/static/.*"),  # the host part can swallow path segments
        (r"https?://shop\.example/static/.*", "^/static/.*"),
        (r"^https://[^/]+/api/", "^/api/"),
        (r"http://shop\.example", ".*"),  # re.match: every URL of that origin
        (r".*/logout", "/logout"),
        (r"/static/", None),  # ZAP matches the whole URL from its start: this never matched
        (r"http://(a/b", None),
    ],
)
def test_zap_url_regexes_become_path_patterns(regex: str, pattern: str | None) -> None:
    assert path_pattern(regex) == pattern


def test_an_unconvertible_scope_line_stays_a_comment_and_a_warning() -> None:
    conversion = convert("10021\tOUTOFSCOPE\t/static/\n", "rules.tsv")
    assert conversion.suppressions == [] and conversion.warnings
    assert "# rules.tsv:1: 10021 OUTOFSCOPE /static/" in conversion.yaml_text("rules.tsv")


def test_the_converted_file_carries_json_safe_text(tmp_path: Path) -> None:
    conversion = convert("10038\tIGNORE\t(a: b 'c' #d)\n", "r.tsv")
    parsed = rules_from_text(conversion.yaml_text("r.tsv"), "c.yaml")
    assert parsed.suppressions[0].entry.reason == "IGNORE in r.tsv:1: a: b 'c' #d"
    json.dumps(yaml.safe_load(conversion.yaml_text("r.tsv")))
