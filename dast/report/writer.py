"""Rendering reports to disk, and reading results.json back.

All formats are rendered in memory before the first file is written, so a failing reporter
leaves the output folder exactly as it was: no empty, half or clobbered report.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dast.atomic import write_set
from dast.errors import ReportError, ResultsFileError
from dast.models import READABLE_VERSIONS, RunRecord, migrate, parse_record_json
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
    extra_files: Mapping[str, bytes] | None = None,
) -> list[Path]:
    """Render every format, then replace the report set as a whole; returns the paths written.

    `extra_files` (name -> bytes, e.g. the target's log) belong to the same set.
    """
    options = options or RenderOptions()
    if options.template_dir is not None and not options.template_dir.is_dir():
        # A typo would otherwise fall back to our templates silently.
        raise ReportError(f"template directory {options.template_dir} does not exist or is not a directory")
    with _no_cycle_collection():
        record = sanitize_record(record)  # once here; each reporter's own call is then free
        rendered: dict[str, bytes] = {}
        for fmt in dict.fromkeys(formats):
            try:
                data = reporter_for(fmt, options, reporters).render(record)
            except Exception as exc:  # any reporter bug or template error must surface as one line
                raise ReportError(f"could not render the {fmt.value} report: {_describe(exc)}") from exc
            rendered[fmt.filename] = data
    rendered.update(extra_files or {})
    try:
        return write_set(out_dir, rendered)
    except OSError as exc:
        raise ReportError(
            f"could not write the reports to {out_dir}: {exc.strerror or _describe(exc)}; "
            "the previous reports there are unchanged"
        ) from exc


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Rendering makes millions of short-lived objects and no cycles worth collecting; Python's
    cycle collector would walk the whole record again and again (a sixth of the time, measured)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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

# A record of 10,000 instances with evidence is a few MB; far larger is not one of ours.
MAX_RESULTS_BYTES = 256 * 1024 * 1024


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


def _where(loc: tuple[int | str, ...]) -> str:
    """pydantic's location tuple -> findings[0].instances[2].url"""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "bool_type": "a boolean",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "an object",
    "dataclass_type": "an object",
    "model_type": "an object",
}


def _problem(error: Mapping[str, Any]) -> str:
    where = _where(tuple(error["loc"]))
    kind = error["type"]
    if kind == "missing":
        return f"missing key '{where}'"
    if kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, got {_kind(error.get('input'))}"
    elif kind in ("enum", "literal_error"):
        message = f"{json.dumps(error.get('input'))} is not allowed: {error['msg'].lower()}"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def load_record(path: Path) -> RunRecord:
    """Read a results.json; every problem becomes a one-line ResultsFileError naming the key."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ResultsFileError(f"results file {path} is a directory, expected results.json")
        if size > MAX_RESULTS_BYTES:
            raise ResultsFileError(
                f"results file {path} is {size:,} bytes; more than {MAX_RESULTS_BYTES:,} is not a dast record"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ResultsFileError(f"results file not found: {path}") from None
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
    except RecursionError:
        raise ResultsFileError(f"results file {path} is nested too deeply to be a dast record") from None
    if not isinstance(data, dict):
        raise ResultsFileError(f"results file {path} must hold a JSON object, found {_kind(data)}")
    if "schema_version" not in data:
        raise ResultsFileError(f"results file {path}: missing key 'schema_version'")
    version = data["schema_version"]
    try:
        migrated = migrate(data)
    except ValueError:
        readable = " or ".join(str(v) for v in READABLE_VERSIONS)
        raise ResultsFileError(
            f"results file {path} has schema_version {json.dumps(version)}; "
            f"this dast reads schema_version {readable}"
        ) from None
    try:
        return parse_record_json(raw if migrated == data else json.dumps(migrated))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        if first["type"] == "json_invalid":
            raise ResultsFileError(f"results file {path} is nested too deeply to be a dast record") from None
        raise ResultsFileError(f"results file {path}: {_problem(first)}") from None
