"""Results of a scan: frozen dataclasses, the single source every report is rendered from.

The dataclasses ARE the results.json format: `record_adapter()` (pydantic) writes them, reads them
back strictly (`dast report` must reject a file it does not understand, not guess) and exports the
JSON Schema that `dast schema results` prints and docs/results-schema.md is generated from. Older
layouts are migrated on reading (`migrate`).
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, PlainSerializer, TypeAdapter, WithJsonSchema

from dast.fingerprint import site_of

SCHEMA_VERSION: Literal[2] = 2
READABLE_VERSIONS = (1, 2)
# Strict: a number where a string belongs is an error naming the key, never a silent conversion.
_STRICT = ConfigDict(strict=True, extra="ignore")


class Risk(enum.IntEnum):
    """ZAP's risk levels, ordered so that a gate can compare them."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return _RISK_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> Risk:
        key = text.strip().lower()
        for risk, label in _RISK_LABELS.items():
            if key in (label.lower(), risk.name.lower()):
                return risk
        raise ValueError(f"unknown risk {text!r} (expected High, Medium, Low or Informational)")


_RISK_LABELS = {
    Risk.INFO: "Informational",
    Risk.LOW: "Low",
    Risk.MEDIUM: "Medium",
    Risk.HIGH: "High",
}


class Confidence(enum.IntEnum):
    FALSE_POSITIVE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CONFIRMED = 4

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").title()

    @classmethod
    def parse(cls, text: str) -> Confidence:
        key = text.strip().upper().replace(" ", "_")
        if key in cls.__members__:
            return cls[key]
        raise ValueError(f"unknown confidence {text!r}")


class PhaseOutcome(enum.StrEnum):
    COMPLETED = "completed"
    CUT_SHORT = "cut_short"  # its time budget ran out; what it found is kept
    SKIPPED = "skipped"  # not asked for, or the engine lacks it (see `detail`)
    FAILED = "failed"


def _enum_field(parse: Any, label: Any, labels: list[str], description: str) -> Any:
    """An enum stored in results.json by its label, as reports show it."""

    def before(value: object) -> object:
        if isinstance(value, str):
            return parse(value)
        raise ValueError(f"expected one of {', '.join(labels)}")

    return (
        BeforeValidator(before),
        PlainSerializer(label, return_type=str),
        WithJsonSchema({"type": "string", "enum": labels, "description": description}),
    )


RiskLabel = Annotated[
    Risk,
    *_enum_field(
        lambda v: Risk.parse(v) if not isinstance(v, Risk) else v,
        lambda r: r.label,
        list(_RISK_LABELS.values())[::-1],
        "ZAP's risk level.",
    ),
]
ConfidenceLabel = Annotated[
    Confidence,
    *_enum_field(
        Confidence.parse,
        lambda c: c.label,
        [c.label for c in Confidence],
        "ZAP's confidence that the finding is real.",
    ),
]


def _parse_fail_on(value: object) -> Risk | None:
    if isinstance(value, Risk) or value is None:
        return value
    if isinstance(value, str):
        return None if value.strip().lower() == "never" else Risk.parse(value)
    raise ValueError("expected a risk label or 'never'")


FailOn = Annotated[
    Risk | None,
    BeforeValidator(_parse_fail_on),
    PlainSerializer(lambda r: r.label if r is not None else "never", return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "enum": [*list(_RISK_LABELS.values())[::-1], "never"],
            "description": "The gate: lowest failing risk, or `never`.",
        }
    ),
]
Seconds = Annotated[float, PlainSerializer(lambda v: round(v, 3), return_type=float)]


def _text(description: str) -> Any:
    return Field(description=description)


@dataclass(frozen=True)
class Instance:
    """One place a finding was seen."""

    __pydantic_config__ = _STRICT

    url: Annotated[str, _text("URL the alert was raised on (secrets redacted).")]
    method: Annotated[str, _text("HTTP method.")]
    parameter: Annotated[str, _text("Parameter or header the rule attacked or inspected; may be empty.")]
    attack: Annotated[str, _text("The value the rule injected; empty for passive rules.")]
    evidence: Annotated[str, _text("What in the response showed the problem.")]
    message_id: Annotated[str, _text("The engine's id of the HTTP message.")]
    fingerprint: Annotated[
        str,
        _text(
            "Stable id of this instance across runs and hosts: 32 hex characters of SHA-256 over rule id, "
            "upper-cased method, normalised URL path and parameter (host, query values and fragment left "
            'out). SARIF carries it as `partialFingerprints["dastFingerprint/v1"]`.'
        ),
    ]
    other_info: Annotated[str, _text("The rule's extra explanation.")] = ""


@dataclass(frozen=True)
class Finding:
    """One rule's finding, with every instance of it."""

    __pydantic_config__ = _STRICT

    rule_id: Annotated[str, _text("ZAP's scan rule id (plugin id).")]
    name: Annotated[str, _text("The alert's name.")]
    risk: RiskLabel
    confidence: ConfidenceLabel
    cwe_id: Annotated[int, _text("CWE id, or -1/0 when the rule names none.")]
    wasc_id: Annotated[int, _text("WASC id, or -1/0 when the rule names none.")]
    description: Annotated[str, _text("What the problem is.")]
    solution: Annotated[str, _text("How to fix it.")]
    references: Annotated[tuple[str, ...], _text("Links for further reading.")]
    instances: Annotated[
        tuple[Instance, ...], _text("Every place it was seen, de-duplicated by fingerprint.")
    ]

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(site_of(i.url) for i in self.instances))


@dataclass(frozen=True)
class PhaseResult:
    __pydantic_config__ = _STRICT

    name: Annotated[
        str,
        _text(
            "Phase name, in run order: target_start, engine_start, spider, ajax_spider, openapi, passive, "
            "active, passive_attacks (only after an active scan), alerts, teardown."
        ),
    ]
    outcome: Annotated[PhaseOutcome, _text("completed, cut_short (budget ran out), skipped or failed.")]
    duration_s: Annotated[Seconds, _text("Wall-clock seconds.")]
    detail: Annotated[str, _text("Why it was skipped or cut short, or what it did.")] = ""
    # Time ZAP itself reported working, for the overhead benchmark.
    engine_duration_s: Annotated[Seconds, _text("Seconds the engine itself reported working.")] = 0.0


@dataclass(frozen=True)
class TargetInfo:
    __pydantic_config__ = _STRICT

    url: Annotated[str, _text("The target as the engine reached it.")]
    image: Annotated[str, _text("Container image, for a target dast started.")] = ""
    image_digest: Annotated[str, _text("The image's id.")] = ""


@dataclass(frozen=True)
class EngineInfo:
    __pydantic_config__ = _STRICT

    provider: Annotated[str, _text("How the engine was run: local, docker or remote.")]
    version: Annotated[str, _text("The engine's version as it reports it.")]
    rule_source: Annotated[
        str, _text("engine (its own rules), rulepack (dast's scripts) or engine+rulepack.")
    ]


@dataclass(frozen=True)
class ProfileInfo:
    __pydantic_config__ = _STRICT

    name: Annotated[str, _text("Profile name.")]
    sha256: Annotated[str, _text("SHA-256 of the profile after `extends:` and defaults.")]


@dataclass(frozen=True)
class RuleInfo:
    """A rule that ran, so reports can show the ones that found nothing as passed."""

    __pydantic_config__ = _STRICT

    rule_id: Annotated[str, Field(alias="id", description="ZAP's scan rule id.")]
    name: Annotated[str, _text("Rule name.")]
    kind: Annotated[str, _text("passive or active.")]


class CompletenessStatus(enum.StrEnum):
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class Completeness:
    """Whether the scan covered what it should; an incomplete scan never passes silently."""

    __pydantic_config__ = _STRICT

    status: Annotated[CompletenessStatus, _text("complete, or incomplete (see reasons).")] = (
        CompletenessStatus.COMPLETE
    )
    reasons: Annotated[
        tuple[str, ...],
        _text("One line per reason: a budget cut a phase, the target or engine died, coverage."),
    ] = ()

    @property
    def complete(self) -> bool:
        return self.status is CompletenessStatus.COMPLETE

    @classmethod
    def of(cls, reasons: tuple[str, ...] | list[str]) -> Completeness:
        unique = tuple(dict.fromkeys(reasons))
        return cls(CompletenessStatus.INCOMPLETE if unique else CompletenessStatus.COMPLETE, unique)


@dataclass(frozen=True)
class Coverage:
    __pydantic_config__ = _STRICT

    urls: Annotated[int, _text("Distinct in-scope URLs the engine requested.")] = 0
    achieved_rps: Annotated[Seconds, _text("Requests per second the engine sent, over the scan phases.")] = (
        0.0
    )


@dataclass(frozen=True)
class RunRecord:
    __pydantic_config__ = _STRICT

    tool_version: Annotated[str, _text("Version of dast that ran the scan.")]
    engine: Annotated[EngineInfo, _text("The scanning engine.")]
    profile: Annotated[ProfileInfo, _text("The scan profile used.")]
    target: Annotated[TargetInfo, _text("What was scanned.")]
    started_at: Annotated[str, _text("Scan start, ISO 8601 in UTC.")]
    finished_at: Annotated[str, _text("Scan end, ISO 8601 in UTC.")]
    phases: Annotated[tuple[PhaseResult, ...], _text("Scan phases in the order they ran.")]
    request_count: Annotated[int, _text("HTTP requests the engine sent to the target.")]
    findings: Annotated[tuple[Finding, ...], _text("One entry per rule that found something.")]
    rules: Annotated[tuple[RuleInfo, ...], _text("Rules that ran (those without findings passed).")] = ()
    fail_on: FailOn = Risk.MEDIUM  # None: the gate never fails
    error: Annotated[str, _text("Set when the scan itself failed (engine died, target never healthy).")] = ""
    schema_version: Annotated[
        Literal[2], _text("Layout version of this file; older versions are migrated on reading.")
    ] = SCHEMA_VERSION
    budgets_hit: Annotated[tuple[str, ...], _text("Phases whose time budget ran out.")] = field(default=())
    completeness: Annotated[
        Completeness, _text("complete, or incomplete with the reasons (exit 4 unless allowed).")
    ] = field(default_factory=Completeness)
    allow_incomplete: Annotated[
        bool, _text("An incomplete scan was allowed to pass (a warning, not exit 4).")
    ] = False
    run_id: Annotated[
        str, _text("The run's id; every container and network it made is labelled with it.")
    ] = ""
    warnings: Annotated[
        tuple[str, ...], _text("Things a reader should know that did not stop the scan.")
    ] = ()
    error_setting: Annotated[
        str, _text("What the error is about (e.g. image, engine), so the CLI can name the option to fix.")
    ] = ""
    coverage: Annotated[Coverage, _text("How much of the target the scan reached, and how fast.")] = field(
        default_factory=Coverage
    )

    @property
    def instance_count(self) -> int:
        return sum(len(f.instances) for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The results.json document (JSON types only)."""
        data: dict[str, Any] = record_adapter().dump_python(self, mode="json", by_alias=True)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRecord:
        """Read a record back (any readable version); raises pydantic's ValidationError or ValueError."""
        # Through JSON: results.json is what this reads, and JSON mode is where strict
        # validation accepts lists for tuples and labels for enums.
        return parse_record_json(json.dumps(migrate(data)))


def parse_record_json(text: str | bytes) -> RunRecord:
    """A current-layout results.json document -> RunRecord; raises pydantic's ValidationError."""
    record: RunRecord = record_adapter().validate_json(text, by_alias=True)
    return record


@functools.cache
def record_adapter() -> TypeAdapter[RunRecord]:
    return TypeAdapter(RunRecord)


def results_json_schema() -> dict[str, Any]:
    schema = record_adapter().json_schema(mode="serialization", by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"dast results.json (schema_version {SCHEMA_VERSION})"
    return schema


def migrate(data: Mapping[str, Any]) -> dict[str, Any]:
    """Any readable layout -> the current one. Raises ValueError for a version it cannot read."""
    version = data.get("schema_version")
    if isinstance(version, bool) or version not in READABLE_VERSIONS:
        raise ValueError(f"schema_version {version!r} is not readable")
    migrated = dict(data)
    if version == 1:
        # Version 1 had no completeness: a budget cut or an error is what made it incomplete.
        reasons = [f"phase {name} cut short by its time budget" for name in _strings(data, "budgets_hit")]
        if isinstance(data.get("error"), str) and data["error"]:
            reasons.append(f"scan failed: {data['error']}")
        migrated["completeness"] = {
            "status": "incomplete" if reasons else "complete",
            "reasons": reasons,
        }
        migrated["schema_version"] = SCHEMA_VERSION
    return migrated


def _strings(data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
