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
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    WithJsonSchema,
    computed_field,
)

from dast.fingerprint import site_of
from dast.repo_path import check_repo_path

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


def _optional_risk(value: object) -> Risk | None:
    if value is None or isinstance(value, Risk):
        return value
    if isinstance(value, str):
        return Risk.parse(value)
    raise ValueError("expected a risk label or null")


OptionalRiskLabel = Annotated[
    Risk | None,
    BeforeValidator(_optional_risk),
    PlainSerializer(lambda r: r.label if r is not None else None, return_type=str | None),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "enum": list(_RISK_LABELS.values())[::-1]}, {"type": "null"}]}
    ),
]


class BaselineState(enum.StrEnum):
    NEW = "new"  # its fingerprint is not in the baseline run
    EXISTING = "existing"


class SuppressionKind(enum.StrEnum):
    SUPPRESSION = "suppression"  # an accepted risk, with a reason
    FALSE_POSITIVE = "false-positive"  # an override said it is not real


@dataclass(frozen=True)
class Suppressed:
    """Why triage took an instance out of the gate."""

    __pydantic_config__ = _STRICT

    kind: Annotated[SuppressionKind, _text("suppression (an accepted risk) or false-positive (an override).")]
    reason: Annotated[str, _text("The entry's reason.")]
    source: Annotated[str, _text("Where the entry is: file:line, or the profile.")]
    owner: Annotated[str, _text("Who accepted it.")] = ""
    ticket: Annotated[str, _text("Where it is tracked.")] = ""
    expires: Annotated[str, _text("Last day the entry applies (YYYY-MM-DD); empty: no end.")] = ""


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
    overridden_from: Annotated[
        OptionalRiskLabel, _text("The risk the engine gave, when a triage override changed it; else null.")
    ] = None
    suppressed: Annotated[
        Suppressed | None, _text("Why triage took it out of the gate (only in `suppressed`); else null.")
    ] = None
    baseline: Annotated[
        BaselineState | None,
        _text("new or existing against the baseline run (by fingerprint); null without a baseline."),
    ] = None
    exchange: Annotated[
        str,
        _text(
            "Message id of this instance's request and response in `exchanges`; empty when none is kept "
            "(only the first 3 instances of a rule per site keep one)."
        ),
    ] = ""
    replay: Annotated[
        str,
        _text(
            "A curl command that sends the request again: the target's base as ${TARGET:-<base>}, "
            "secrets as their redaction placeholders."
        ),
    ] = ""


@dataclass(frozen=True)
class HttpRequest:
    """A request as the engine sent it, cut to size, secrets redacted."""

    __pydantic_config__ = _STRICT

    header: Annotated[str, _text("Request line and headers (URLs named under the report base).")]
    body: Annotated[str, _text("The body, at most 8 KiB.")] = ""
    body_length: Annotated[int, _text("Characters of the whole body.")] = 0


@dataclass(frozen=True)
class HttpResponse:
    """A response: its head whole, its body as an excerpt around the evidence."""

    __pydantic_config__ = _STRICT

    header: Annotated[str, _text("Status line and headers.")]
    status_code: Annotated[int, _text("HTTP status code; 0 when there was no answer.")] = 0
    body: Annotated[str, _text("An excerpt of the body, at most 16 KiB, centred on the evidence.")] = ""
    body_offset: Annotated[int, _text("Where the excerpt starts in the whole body (characters).")] = 0
    body_length: Annotated[int, _text("Characters of the whole body.")] = 0


@dataclass(frozen=True)
class Exchange:
    """One HTTP message of the engine, stored once however many instances point to it."""

    __pydantic_config__ = _STRICT

    message_id: Annotated[str, _text("The engine's id of the message; instances name it in `exchange`.")]
    request: Annotated[HttpRequest, _text("What was sent.")]
    response: Annotated[HttpResponse, _text("What came back.")]


@dataclass(frozen=True)
class SarifRoute:
    """A route map entry: URLs matching `pattern` are reported at `path` in the repository."""

    __pydantic_config__ = _STRICT

    pattern: Annotated[str, _text("Regex searched in the URL's path and query (the one URL rule).")]
    path: Annotated[str, _text("Repository-relative file that serves those URLs.")]

    def __post_init__(self) -> None:
        # Checked on reading too: a hand-edited results.json must not break the SARIF report.
        try:
            re.compile(self.pattern)
        except re.error as err:
            raise ValueError(f"invalid regular expression {self.pattern!r}: {err}") from None
        check_repo_path(self.path)


@dataclass(frozen=True)
class SarifLocations:
    """Where SARIF places each result in the repository (code scanning takes only repository paths)."""

    __pydantic_config__ = _STRICT

    anchor: Annotated[
        str, _text("Repository-relative file for URLs no route matches; empty: `Dockerfile`.")
    ] = ""
    routes: Annotated[tuple[SarifRoute, ...], _text("The profile's route map, first match wins.")] = ()

    def __post_init__(self) -> None:
        if self.anchor:
            check_repo_path(self.anchor)


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

    url: Annotated[
        str,
        _text(
            "The stable base every URL in the record is named under: the target URL as given, or for a "
            "container the report base URL (default http://<name>/)."
        ),
    ]
    image: Annotated[str, _text("Container image, for a target dast started.")] = ""
    image_digest: Annotated[str, _text("The image's id.")] = ""
    name: Annotated[
        str,
        _text(
            "Logical target name: the JUnit suite and classnames, the SARIF automation id, the HTML title."
        ),
    ] = ""
    engine_url: Annotated[
        str, _text("Where the engine really reached the target in this run (its host:port changes per run).")
    ] = ""


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
    reached: Annotated[
        tuple[str, ...], _text("The in-scope URLs the engine requested, sorted (at most 5,000).")
    ] = ()
    not_requested: Annotated[
        tuple[str, ...],
        _text(
            "URLs the scan found but never requested: excluded (e.g. logout) or out of scope (at most 5,000)."
        ),
    ] = ()


class AssertionOutcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # could not be checked (no answer); makes the scan incomplete


@dataclass(frozen=True)
class AssertionResult:
    """One security assertion of the profile: the request it sent and what it saw."""

    __pydantic_config__ = _STRICT

    name: Annotated[str, _text("The assertion's name.")]
    rule_id: Annotated[
        str, _text("Stable id: `dast-assertion/` and the name in lower case, dashes for the rest.")
    ]
    risk: RiskLabel
    outcome: Annotated[AssertionOutcome, _text("passed, failed, or error (it could not be checked).")]
    method: Annotated[str, _text("HTTP method sent.")]
    url: Annotated[str, _text("URL requested (secrets redacted).")]
    acting_as: Annotated[str, _text("user (logged in) or anonymous.")]
    expected: Annotated[str, _text("What the assertion expects, in words.")]
    seen: Annotated[str, _text("What the answer showed: the status and what each expectation looked at.")]
    source: Annotated[str, _text("`profile`, or the built-in set it came from.")] = "profile"
    message_id: Annotated[str, _text("The engine's id of the HTTP message.")] = ""


@dataclass(frozen=True)
class AuthInfo:
    """Whether and how the scan was logged in, and how well the session held."""

    __pydantic_config__ = _STRICT

    type: Annotated[str, _text("form, json, header, cookie; empty: no authentication configured.")] = ""
    verified: Annotated[bool, _text("verify_url answered logged in before the spider started.")] = False
    verify_url: Annotated[str, _text("The URL that proved the login.")] = ""
    logins: Annotated[int, _text("Logins that succeeded, the first one included.")] = 0
    relogins: Annotated[int, _text("Logins after the first: the session was lost and got back.")] = 0
    failed_logins: Annotated[int, _text("Login attempts the application refused.")] = 0
    responses_checked: Annotated[
        int, _text("Answers to the user's requests whose login state was checked.")
    ] = 0
    logged_out_responses: Annotated[int, _text("Of those, the ones that looked logged out.")] = 0
    logged_out_share: Annotated[Seconds, _text("logged_out_responses / responses_checked (0 to 1).")] = 0.0
    excluded: Annotated[
        tuple[str, ...], _text("URL patterns never requested while logged in (logout and the like).")
    ] = ()
    login_walls: Annotated[
        tuple[str, ...],
        _text("In-scope URLs that answered 401 or a redirect to a login page (at most 1,000)."),
    ] = ()


@dataclass(frozen=True)
class TriageEntry:
    """A suppression or override, as reports list it when it expired or matched nothing."""

    __pydantic_config__ = _STRICT

    kind: Annotated[str, _text("suppression or override.")]
    source: Annotated[str, _text("Where the entry is: file:line, or the profile.")]
    rule: Annotated[str, _text("The entry's rule id.")]
    reason: Annotated[str, _text("The entry's reason.")] = ""
    expires: Annotated[str, _text("The entry's last day (YYYY-MM-DD), if it has one.")] = ""


# Triage sources that are profiles start with this; the others are suppressions files.
PROFILE_SOURCE_PREFIX = "profile "


@dataclass(frozen=True)
class Triage:
    """What suppressions and overrides did to this record."""

    __pydantic_config__ = _STRICT

    applied_on: Annotated[str, _text("The day (UTC, YYYY-MM-DD) expiry dates were judged against.")]
    sources: Annotated[tuple[str, ...], _text("Suppression files and profiles the entries came from.")]
    suppressed: Annotated[int, _text("Instances taken out of the gate (suppressed or false positive).")] = 0
    overridden: Annotated[int, _text("Instances whose risk an override changed.")] = 0
    expired: Annotated[
        tuple[TriageEntry, ...], _text("Entries past their expiry date: they no longer apply.")
    ] = ()
    stale: Annotated[tuple[TriageEntry, ...], _text("Entries that matched nothing in this run.")] = ()

    @property
    def warnings(self) -> list[str]:
        """One line per suppression that expired or matched nothing, as the console and reports say it."""
        lines = [
            f"suppression {e.source} (rule {e.rule}) expired on {e.expires} and no longer applies: "
            "renew it or fix the finding"
            for e in self.expired
        ]
        lines += [
            f"suppression {e.source} (rule {e.rule}) matched nothing in this run (stale): remove it?"
            for e in self.stale
        ]
        return lines


@dataclass(frozen=True)
class FixedInstance:
    """An instance of the baseline run that this run no longer found."""

    __pydantic_config__ = _STRICT

    rule_id: Annotated[str, _text("Scan rule id.")]
    name: Annotated[str, _text("The alert's name.")]
    risk: RiskLabel
    method: Annotated[str, _text("HTTP method.")]
    url: Annotated[str, _text("URL in the baseline run.")]
    parameter: Annotated[str, _text("Parameter, may be empty.")]
    fingerprint: Annotated[str, _text("The instance's fingerprint.")]


@dataclass(frozen=True)
class BaselineComparison:
    """This run against an earlier one, by fingerprint."""

    __pydantic_config__ = _STRICT

    source: Annotated[str, _text("The baseline results.json as given.")]
    run_id: Annotated[str, _text("The baseline run's id.")] = ""
    started_at: Annotated[str, _text("When the baseline run started.")] = ""
    name: Annotated[str, _text("The baseline's target name.")] = ""
    new: Annotated[int, _text("Instances outside `suppressed` whose fingerprint the baseline lacks.")] = 0
    existing: Annotated[int, _text("Instances outside `suppressed` the baseline had too.")] = 0
    fixed: Annotated[
        tuple[FixedInstance, ...],
        _text("Baseline instances (suppressed ones included) this run did not find."),
    ] = ()

    @computed_field(description="What the console and every report say: `+N new, \u2212M fixed`.")  # type: ignore[prop-decorator]
    @property
    def summary(self) -> str:
        return f"+{self.new} new, \u2212{len(self.fixed)} fixed"


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
    suppressed: Annotated[
        tuple[Finding, ...],
        _text("Findings triage took out of the gate, shown apart; each instance says why (`suppressed`)."),
    ] = ()
    triage: Annotated[
        Triage | None, _text("What suppressions and overrides did; null when none were given.")
    ] = None
    baseline: Annotated[
        BaselineComparison | None, _text("New, existing and fixed against a baseline run; null without one.")
    ] = None
    fail_on_new: Annotated[
        bool, _text("The gate counts only instances that are new against the baseline.")
    ] = False
    auth: Annotated[AuthInfo, _text("Authentication: configured, verified, re-logins, logged-out share.")] = (
        field(default_factory=AuthInfo)
    )
    assertions: Annotated[
        tuple[AssertionResult, ...], _text("The profile's security assertions and what each saw.")
    ] = ()
    exchanges: Annotated[
        tuple[Exchange, ...],
        _text("Requests and responses instances point to (`Instance.exchange`), each once, by message id."),
    ] = ()
    sarif: Annotated[SarifLocations, _text("Where SARIF results are placed in the repository.")] = field(
        default_factory=SarifLocations
    )
    rule_requests: Annotated[
        dict[str, int],
        _text("Requests each of dast's rule-pack active rules sent, by rule id (shows that a rule ran)."),
    ] = field(default_factory=dict)

    @property
    def instance_count(self) -> int:
        return sum(len(f.instances) for f in self.findings)

    def exchange_index(self) -> dict[str, Exchange]:
        """Message id -> its stored request and response (what `Instance.exchange` names)."""
        return {e.message_id: e for e in self.exchanges}

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
