"""Rendering reports to disk, and reading results.json back.

All formats are rendered in memory before the first file is written, so a failing reporter
leaves the output folder exactly as it was: no empty, half or clobbered report.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from dast.atomic import write_atomic
from dast.errors import ReportError, ResultsFileError
from dast.models import SCHEMA_VERSION, Confidence, PhaseOutcome, Risk, RunRecord
from dast.redact import redact
from dast.report.interface import OutputFormat, RenderOptions
from dast.report.registry import REPORTERS, ReporterFactory, reporter_for
from dast.report.sanitize import sanitize_record

STEP_SUMMARY_VAR = "GITHUB_STEP_SUMMARY"


def write_reports(
    record: RunRecord,
    formats: Iterable[OutputFormat],
    out_dir: Path,
    options: RenderOptions | None = None,
    reporters: Mapping[OutputFormat, ReporterFactory] = REPORTERS,
) -> list[Path]:
    """Render every format, then write each atomically; returns the paths written."""
    options = options or RenderOptions()
    if options.template_dir is not None and not options.template_dir.is_dir():
        # A typo would otherwise fall back to our templates silently.
        raise ReportError(f"template directory {options.template_dir} does not exist or is not a directory")
    record = sanitize_record(record)  # once here; each reporter's own call is then free
    rendered: list[tuple[Path, bytes]] = []
    for fmt in dict.fromkeys(formats):
        try:
            data = reporter_for(fmt, options, reporters).render(record)
        except Exception as exc:  # any reporter bug or template error must surface as one line
            raise ReportError(f"could not render the {fmt.value} report: {_describe(exc)}") from exc
        rendered.append((out_dir / fmt.filename, data))
    written: list[Path] = []
    for path, data in rendered:
        try:
            write_atomic(path, data)
        except OSError as exc:
            raise ReportError(f"could not write {path}: {exc.strerror or _describe(exc)}") from exc
        written.append(path)
    return written


def write_step_summary(markdown: bytes, environ: Mapping[str, str]) -> Path | None:
    """Append the Markdown summary to GitHub's job summary file when running in Actions."""
    target = environ.get(STEP_SUMMARY_VAR, "")
    if not target:
        return None
    path = Path(target)
    try:
        with path.open("ab") as handle:
            handle.write(markdown.rstrip(b"\n") + b"\n\n")
    except OSError as exc:
        raise ReportError(f"could not append to ${STEP_SUMMARY_VAR} ({path}): {exc.strerror or exc}") from exc
    return path


def _describe(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    text = redact(text)
    return text if len(text) <= 300 else text[:299] + "…"


# --- reading results.json ---------------------------------------------------------------

_Check = Callable[[Any], str | None]  # returns a problem, or None when the value is fine


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else f"expected a string, got {_kind(value)}"


def _integer(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool)
    return None if ok else f"expected an integer, got {_kind(value)}"


def _number(value: Any) -> str | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return None if ok else f"expected a number, got {_kind(value)}"


def _parsed_by(parse: Callable[[str], object]) -> _Check:
    def check(value: Any) -> str | None:
        if (problem := _string(value)) is not None:
            return problem
        try:
            parse(value)
        except ValueError as exc:
            return str(exc)
        return None

    return check


def _fail_on(text: str) -> object:
    return None if text.strip().lower() == "never" else Risk.parse(text)


# Key -> check, nested dict for an object, [spec] for a list of them. A leading "?" marks an optional key.
_INSTANCE = {
    "url": _string, "method": _string, "parameter": _string, "attack": _string, "evidence": _string,
    "?other_info": _string, "message_id": _string, "fingerprint": _string,
}  # fmt: skip
_FINDING = {
    "rule_id": _string, "name": _string, "risk": _parsed_by(Risk.parse),
    "confidence": _parsed_by(Confidence.parse), "cwe_id": _integer, "wasc_id": _integer,
    "description": _string, "solution": _string, "references": [_string], "instances": [_INSTANCE],
}  # fmt: skip
_RECORD = {
    "tool_version": _string,
    "engine": {"provider": _string, "version": _string, "rule_source": _string},
    "profile": {"name": _string, "sha256": _string},
    "target": {"url": _string, "?image": _string, "?image_digest": _string},
    "started_at": _string, "finished_at": _string,
    "phases": [{"name": _string, "outcome": _parsed_by(PhaseOutcome), "duration_s": _number,
                "?engine_duration_s": _number, "?detail": _string}],
    "?budgets_hit": [_string], "request_count": _integer, "fail_on": _parsed_by(_fail_on),
    "?error": _string, "?rules": [{"id": _string, "name": _string, "kind": _string}],
    "findings": [_FINDING],
}  # fmt: skip


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


def _validate(value: Any, spec: Any, where: str) -> str | None:
    """The first problem in `value` against `spec`, as 'key.path: problem'."""
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            return f"{where}: expected an object, got {_kind(value)}"
        for raw_key, sub in spec.items():
            key = raw_key.lstrip("?")
            path = f"{where}.{key}" if where else key
            if key not in value:
                if raw_key.startswith("?"):
                    continue
                return f"missing key '{path}'"
            if (problem := _validate(value[key], sub, path)) is not None:
                return problem
        return None
    if isinstance(spec, list):
        if not isinstance(value, list):
            return f"{where}: expected a list, got {_kind(value)}"
        for n, item in enumerate(value):
            if (problem := _validate(item, spec[0], f"{where}[{n}]")) is not None:
                return problem
        return None
    problem = spec(value)
    return None if problem is None else f"{where}: {problem}"


def load_record(path: Path) -> RunRecord:
    """Read a results.json; every problem becomes a one-line ResultsFileError naming the key."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ResultsFileError(f"results file not found: {path}") from None
    except IsADirectoryError:
        raise ResultsFileError(f"results file {path} is a directory, expected results.json") from None
    except OSError as exc:
        raise ResultsFileError(f"cannot read results file {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ResultsFileError(f"results file {path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ResultsFileError(
            f"results file {path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise ResultsFileError(f"results file {path} must hold a JSON object, found {_kind(data)}")
    if "schema_version" not in data:
        raise ResultsFileError(f"results file {path}: missing key 'schema_version'")
    version = data["schema_version"]
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise ResultsFileError(
            f"results file {path} has schema_version {json.dumps(version)}; "
            f"this dast reads schema_version {SCHEMA_VERSION}"
        )
    problem = _validate(data, _RECORD, "")
    if problem is not None:
        raise ResultsFileError(f"results file {path}: {problem}")
    try:
        return RunRecord.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:  # the checks above should catch these first
        raise ResultsFileError(f"results file {path}: {_describe(exc)}") from None
