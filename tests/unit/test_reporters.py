"""Reporters: every format, validated against its official schema where one exists."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path

import jsonschema
import pytest
from hostile import API, APP, RULES, sample_record
from junitparser import Error, Failure, JUnitXml, Skipped
from lxml import etree

from dast.errors import ReportError, ResultsFileError
from dast.models import Completeness, RunRecord
from dast.report.html import HtmlReporter
from dast.report.interface import OutputFormat, RenderOptions, Reporter
from dast.report.json_report import JsonReporter
from dast.report.junit import COMPLETENESS_CASE, ERROR_CASE, JUnitReporter
from dast.report.markdown import MarkdownReporter, cell
from dast.report.registry import REPORTERS, ReporterFactory, reporter_for
from dast.report.sarif import FINGERPRINT_KEY, SarifReporter
from dast.report.writer import load_record, write_reports, write_step_summary

# The official schemas, vendored with their licences (tests/schemas/README.md).
SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


@pytest.fixture(scope="module")
def junit_schema() -> etree.XMLSchema:
    # What CI servers validate against (Jenkins xUnit); the strict Ant schema is no CI server's.
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-jenkins-xunit-10.xsd")))


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)  # the schema declares draft-04
    cls.check_schema(schema)
    return cls(schema)


def assert_valid_junit(schema: etree.XMLSchema, data: bytes) -> None:
    doc = etree.fromstring(data)
    assert schema.validate(doc), schema.error_log


# --- registry -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_has_a_reporter(fmt: OutputFormat) -> None:
    reporter = reporter_for(fmt, RenderOptions())
    assert reporter.format is fmt
    assert reporter.render(sample_record())


def test_registry_covers_the_enum_exactly() -> None:
    assert set(REPORTERS) == set(OutputFormat)


# --- JUnit --------------------------------------------------------------------------------


def test_junit_validates_against_the_jenkins_schema(junit_schema: etree.XMLSchema) -> None:
    assert_valid_junit(junit_schema, JUnitReporter().render(sample_record()))
    assert_valid_junit(junit_schema, JUnitReporter().render(sample_record(error="ZAP died", findings=())))
    assert_valid_junit(
        junit_schema, JUnitReporter().render(sample_record(started_at="garbage", fail_on=None))
    )


def test_junit_counts_with_junitparser(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_bytes(JUnitReporter().render(sample_record(error="target never became healthy")))
    suites = {suite.name: suite for suite in JUnitXml.fromfile(str(path))}
    assert set(suites) == {APP, API}

    app = suites[APP]
    # 4 findings' rules at app + 2 rules that found nothing + the scan error + completeness
    assert (app.tests, app.failures, app.errors) == (8, 2, 1)
    cases = {case.name: case for case in app}
    assert set(cases) == {f"{r.rule_id} {r.name}" for r in RULES} | {ERROR_CASE, COMPLETENESS_CASE}
    assert cases[COMPLETENESS_CASE].is_passed
    assert all(case.classname == APP for case in app)
    assert isinstance(cases["40012 Cross Site Scripting (Reflected)"].result[0], Failure)
    assert cases["40012 Cross Site Scripting (Reflected)"].result[0].type == "High"
    assert cases["10038 Content Security Policy (CSP) Header Not Set"].result[0].type == "Medium"
    for passing in ("10021 X-Content-Type-Options Header Missing", "10020 Missing Anti-clickjacking Header"):
        assert cases[passing].is_passed
    assert isinstance(cases[ERROR_CASE].result[0], Error)

    api = suites[API]
    assert (api.tests, api.failures, api.errors) == (1, 1, 0)


@pytest.mark.parametrize(("allowed", "kind"), [(False, Error), (True, Skipped)])
def test_an_incomplete_scan_is_a_junit_error_unless_allowed(
    tmp_path: Path, allowed: bool, kind: type
) -> None:
    record = dataclasses.replace(
        sample_record(),
        completeness=Completeness.of(["phase active was cut short by its time budget"]),
        allow_incomplete=allowed,
    )
    path = tmp_path / "junit.xml"
    path.write_bytes(JUnitReporter().render(record))
    case = next(c for suite in JUnitXml.fromfile(str(path)) for c in suite if c.name == COMPLETENESS_CASE)
    assert isinstance(case.result[0], kind)
    assert "cut short" in (case.result[0].message or "")


def test_an_incomplete_scan_says_so_in_sarif_markdown_and_html() -> None:
    record = dataclasses.replace(sample_record(), completeness=Completeness.of(["target stopped serving"]))
    sarif = json.loads(SarifReporter().render(record))
    invocation = sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert any(
        "INCOMPLETE: target stopped serving" in n["message"]["text"]
        for n in invocation["toolExecutionNotifications"]
    )
    markdown = MarkdownReporter().render(record).decode()
    assert "⚠️ **Scan INCOMPLETE:** target stopped serving" in markdown
    html = HtmlReporter().render(record).decode()
    assert 'id="incomplete"' in html and "target stopped serving" in html


def test_junit_failure_body_has_every_instance_detail() -> None:
    root = etree.fromstring(JUnitReporter().render(sample_record()))
    failure = root.find(
        f".//testsuite[@name='{APP}']/testcase[@name='40012 Cross Site Scripting (Reflected)']/failure"
    )
    assert failure is not None
    body = failure.text or ""
    for expected in (
        f"{APP}/search?q=x",
        f"POST {APP}/comment",
        "Parameter: q",
        "Parameter: body",
        "Attack: <scrIpt>alert(1);</scRipt>",
        'Evidence: "><svg onload=1>',
        "CWE-79 https://cwe.mitre.org/data/definitions/79.html",
        "Validate all input",
    ):
        assert expected in body
    assert f"{API}/v1/echo" not in body  # that instance belongs to the other site's testcase


def test_junit_below_gate_details_go_to_system_out() -> None:
    root = etree.fromstring(JUnitReporter().render(sample_record()))
    case = f".//testsuite[@name='{APP}']/testcase[@name='10021 X-Content-Type-Options Header Missing']"
    assert root.find(f"{case}/failure") is None, "below the gate: the testcase passes"
    out = root.findtext(f"{case}/system-out") or ""
    assert "10021 X-Content-Type-Options Header Missing (Low, below the gate)" in out
    assert f"{APP}/static/app.js" in out


def test_junit_properties() -> None:
    root = etree.fromstring(JUnitReporter().render(sample_record()))
    props = {p.get("name"): p.get("value") for p in root.find("testsuite/properties")}
    assert props["engine.version"] == "2.16.1"
    assert props["engine.provider"] == "local"
    assert props["profile.name"] == "baseline"
    assert props["target.url"] == f"{APP}/"
    assert props["dast.version"] == "0.1.0"


# --- SARIF --------------------------------------------------------------------------------


def test_sarif_validates_against_official_schema(sarif_validator: jsonschema.protocols.Validator) -> None:
    for record in (sample_record(), sample_record(error="ZAP died", findings=())):
        doc = json.loads(SarifReporter().render(record))
        errors = sorted(sarif_validator.iter_errors(doc), key=str)
        assert not errors, errors[0]


def test_sarif_content() -> None:
    doc = json.loads(SarifReporter().render(sample_record(error="ZAP died")))
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["40012", "10038", "10021", "10036"]
    assert "external/cwe/cwe-79" in rules[0]["properties"]["tags"]
    assert rules[0]["defaultConfiguration"]["level"] == "error"
    assert "Validate all input" in rules[0]["help"]["markdown"]
    assert len(run["results"]) == sample_record().instance_count
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"40012": "error", "10038": "warning", "10021": "note", "10036": "note"}
    first = run["results"][0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"]
    # Code scanning takes repository files only: the anchor by default, the URL beside it.
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "Dockerfile"
    assert first["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith(APP)
    assert first["properties"]["url"].startswith(APP) and APP in first["message"]["text"]
    assert len(first["partialFingerprints"][FINGERPRINT_KEY]) == 32
    assert run["invocations"][0]["executionSuccessful"] is False


# --- JSON ---------------------------------------------------------------------------------


def test_json_round_trips_through_from_dict() -> None:
    record = sample_record()
    data = JsonReporter().render(record)
    again = RunRecord.from_dict(json.loads(data))
    assert again.instance_count == record.instance_count
    assert {f.rule_id for f in again.findings} == {f.rule_id for f in record.findings}
    assert JsonReporter().render(again) == data  # stable: re-rendering changes nothing


def test_json_is_sorted_and_utf8() -> None:
    record = sample_record(findings=tuple(reversed(sample_record().findings)))
    data = JsonReporter().render(record)
    doc = json.loads(data.decode("utf-8"))
    assert list(doc) == sorted(doc)
    assert [f["risk"] for f in doc["findings"]] == ["High", "Medium", "Low", "Informational"]


# --- Markdown -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("`code`", "\\`code\\`"),
        ("<script>", "&lt;script&gt;"),
        ("one\ntwo\r\nthree", "one two three"),
        ("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))"),
        ("a & b", "a &amp; b"),
    ],
)
def test_markdown_cell_escaping(raw: str, escaped: str) -> None:
    assert cell(raw) == escaped


def test_markdown_summary() -> None:
    text = MarkdownReporter().render(sample_record()).decode("utf-8")
    assert "gate FAILED (fail on: Medium)" in text
    assert "| High | 40012 | Cross Site Scripting (Reflected) | 3 |" in text
    assert "active cut short after 180 s" in text
    lines = [line for line in text.splitlines() if line.startswith("|")]
    assert all(line.count("|") - line.count("\\|") in (4, 5) for line in lines)


# --- HTML ---------------------------------------------------------------------------------


def test_html_contents() -> None:
    html = HtmlReporter().render(sample_record()).decode("utf-8")
    assert "Content-Security-Policy" in html
    assert 'href="https://cwe.mitre.org/data/definitions/79.html" rel="noopener noreferrer">CWE-79<' in html
    assert "<script" not in html.lower().replace("&lt;script", "")
    # High comes first, then Medium
    assert html.index("Cross Site Scripting (Reflected)") < html.index("Content Security Policy (CSP) Header")
    assert "cut short" in html


def test_template_override_dir_replaces_single_files(tmp_path: Path) -> None:
    (tmp_path / "_finding.html.j2").write_text(
        '<div class="team-finding">{{ view.finding.name }} {{ "<b>" }}</div>\n', "utf-8"
    )
    html = HtmlReporter(RenderOptions(template_dir=tmp_path)).render(sample_record()).decode("utf-8")
    assert '<div class="team-finding">Cross Site Scripting (Reflected) &lt;b&gt;</div>' in html
    assert "Content-Security-Policy" in html  # report.html.j2 still ours


def test_override_templates_are_autoescaped_whatever_their_suffix(tmp_path: Path) -> None:
    (tmp_path / "report.html.j2").write_text("{% include 'x.txt' %}", "utf-8")
    (tmp_path / "x.txt").write_text("{{ record.target.url ~ '<i>' }}", "utf-8")
    assert (
        HtmlReporter(RenderOptions(template_dir=tmp_path)).render(sample_record())
        == b"http://app.test:8080/&lt;i&gt;"
    )


# --- writer -------------------------------------------------------------------------------


class _Exploding(Reporter):
    format = OutputFormat.SARIF

    def render(self, record: RunRecord) -> bytes:
        raise RuntimeError("boom\nsecond line")


def _with(fmt: OutputFormat, factory: ReporterFactory) -> Mapping[OutputFormat, ReporterFactory]:
    return {**REPORTERS, fmt: factory}


def test_write_reports_writes_every_format(tmp_path: Path) -> None:
    paths = write_reports(sample_record(), tuple(OutputFormat), tmp_path / "out")
    assert sorted(p.name for p in paths) == sorted(f.filename for f in OutputFormat)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f.filename for f in OutputFormat)


def test_failing_reporter_leaves_folder_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "junit.xml").write_bytes(b"previous run")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    reporters = _with(OutputFormat.SARIF, lambda _options: _Exploding())
    with pytest.raises(ReportError) as excinfo:
        write_reports(sample_record(), (OutputFormat.JUNIT, OutputFormat.SARIF, OutputFormat.HTML), out,
                      reporters=reporters)  # fmt: skip
    assert str(excinfo.value) == "could not render the sarif report: RuntimeError: boom second line"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_failing_reporter_does_not_create_the_folder(tmp_path: Path) -> None:
    reporters = _with(OutputFormat.JSON, lambda _options: _Exploding())
    with pytest.raises(ReportError):
        write_reports(sample_record(), (OutputFormat.JSON,), tmp_path / "new", reporters=reporters)
    assert not (tmp_path / "new").exists()


def test_broken_team_template_is_a_report_error(tmp_path: Path) -> None:
    (tmp_path / "report.html.j2").write_text("{{ no_such_variable }}", "utf-8")
    with pytest.raises(
        ReportError, match=r"could not render the html report: UndefinedError: 'no_such_variable'"
    ):
        write_reports(sample_record(), (OutputFormat.HTML,), tmp_path / "out", RenderOptions(tmp_path))
    assert not (tmp_path / "out").exists()


def test_missing_template_dir_is_a_report_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"template directory .*nope does not exist"):
        write_reports(
            sample_record(), (OutputFormat.HTML,), tmp_path / "out", RenderOptions(tmp_path / "nope")
        )
    assert not (tmp_path / "out").exists()


def test_step_summary_appends_only_when_set(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", "utf-8")
    assert write_step_summary(b"# dast\n", {}) is None
    assert write_step_summary(b"# dast\n", {"GITHUB_STEP_SUMMARY": str(summary)}) == summary
    assert summary.read_text("utf-8") == "earlier step\n# dast\n\n"


# --- load_record --------------------------------------------------------------------------


def _results(tmp_path: Path, content: str | bytes) -> Path:
    path = tmp_path / "results.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


_DELETE = object()


def _edited(*path: str | int, value: object = _DELETE) -> str:
    """A valid results.json with the value at `path` replaced (or deleted)."""
    doc = json.loads(JsonReporter().render(sample_record()))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if value is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return json.dumps(doc)


def test_load_record_round_trip(tmp_path: Path) -> None:
    path = _results(tmp_path, JsonReporter().render(sample_record()))
    assert load_record(path).instance_count == sample_record().instance_count


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{", "is not UTF-8 text"),
        (
            "{not json",
            "is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2",
        ),
        ("", "is not valid JSON: Expecting value at line 1 column 1"),
        ("[1, 2]", "must hold a JSON object, found a list"),
        ("{}", ": missing key 'schema_version'"),
        ('{"schema_version": 3}', "has schema_version 3; this dast reads schema_version 1 or 2"),
        ('{"schema_version": "1"}', 'has schema_version "1"; this dast reads schema_version 1 or 2'),
        (_edited("engine"), ": missing key 'engine'"),
        (_edited("target", "url"), ": missing key 'target.url'"),
        (_edited("request_count", value="many"), ": request_count: expected an integer, got a string"),
        (_edited("phases", value={}), ": phases: expected a list, got an object"),
        (
            _edited("phases", 0, "outcome", value="done"),
            ': phases[0].outcome: "done" is not allowed',
        ),
        (_edited("fail_on", value="severe"), ": fail_on: unknown risk 'severe'"),
        (_edited("findings", 1, "risk", value="Severe"), ": findings[1].risk: unknown risk 'Severe'"),
        (
            _edited("findings", 0, "instances", 2, "url"),
            ": missing key 'findings[0].instances[2].url'",
        ),
        (
            _edited("findings", 0, "cwe_id", value=None),
            ": findings[0].cwe_id: expected an integer, got null",
        ),
    ],
)
def test_load_record_rejects_bad_input(tmp_path: Path, content: str | bytes, message: str) -> None:
    path = _results(tmp_path, content)
    with pytest.raises(ResultsFileError) as excinfo:
        load_record(path)
    text = str(excinfo.value)
    assert text.startswith(f"results file {path}")
    assert message in text
    assert "\n" not in text


def test_load_record_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ResultsFileError, match=r"^results file not found: .*nope\.json$"):
        load_record(tmp_path / "nope.json")


def test_load_record_directory(tmp_path: Path) -> None:
    with pytest.raises(ResultsFileError, match=r"is a directory"):
        load_record(tmp_path)
