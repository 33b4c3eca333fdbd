"""One definition per fact: the record model writes and reads results.json, exports its JSON Schema,
and generates the docs; older versions are still read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
from hostile import sample_record
from typer.testing import Result

from dast.models import SCHEMA_VERSION, CompletenessStatus, RunRecord, results_json_schema
from dast.report.json_report import JsonReporter
from dast.report.schema_doc import render_markdown, render_schema_json
from dast.report.writer import load_record

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_docs_are_generated_from_the_model() -> None:
    assert (DOCS / "results-schema.md").read_text() == render_markdown(), (
        "regenerate: python -m dast.report.schema_doc > docs/results-schema.md"
    )
    assert (DOCS / "results.schema.json").read_text() == render_schema_json(), (
        "regenerate: python -m dast.report.schema_doc json > docs/results.schema.json"
    )


def test_dast_schema_results_prints_the_schema(dast: Callable[..., Result]) -> None:
    result = dast("schema", "results")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == results_json_schema()


def test_what_dast_writes_validates_against_its_own_schema() -> None:
    document = json.loads(JsonReporter().render(sample_record()))
    jsonschema.Draft202012Validator(results_json_schema()).validate(document)
    assert document["schema_version"] == SCHEMA_VERSION


def test_the_record_round_trips() -> None:
    record = sample_record()
    assert RunRecord.from_dict(record.to_dict()) == record


def _version_1(record: RunRecord) -> dict[str, Any]:
    """A results.json as dast wrote it before completeness existed."""
    data = record.to_dict()
    for key in ("completeness", "allow_incomplete", "run_id", "warnings", "coverage", "error_setting"):
        data.pop(key)
    data["schema_version"] = 1
    return data


def test_a_version_1_file_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({**_version_1(sample_record()), "budgets_hit": []}))
    record = load_record(path)
    assert record.schema_version == SCHEMA_VERSION
    assert record.completeness.status is CompletenessStatus.COMPLETE


def test_a_version_1_file_with_a_budget_cut_reads_as_incomplete(tmp_path: Path) -> None:
    data = _version_1(sample_record())
    data["budgets_hit"] = ["active"]
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    record = load_record(path)
    assert record.completeness.status is CompletenessStatus.INCOMPLETE
    assert record.completeness.reasons == ("phase active cut short by its time budget",)
