"""Results of a scan: frozen dataclasses, the single source every report is rendered from.

`RunRecord.to_dict()` is what `results.json` holds; `RunRecord.from_dict()` reads it back
(strictly: `dast report` must reject a file it does not understand, not guess).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dast.fingerprint import site_of

SCHEMA_VERSION = 1


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


@dataclass(frozen=True)
class Instance:
    """One place a finding was seen."""

    url: str
    method: str
    parameter: str
    attack: str
    evidence: str
    message_id: str
    fingerprint: str
    other_info: str = ""


@dataclass(frozen=True)
class Finding:
    """One rule's finding, with every instance of it."""

    rule_id: str
    name: str
    risk: Risk
    confidence: Confidence
    cwe_id: int
    wasc_id: int
    description: str
    solution: str
    references: tuple[str, ...]
    instances: tuple[Instance, ...]

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(site_of(i.url) for i in self.instances))


@dataclass(frozen=True)
class PhaseResult:
    name: str
    outcome: PhaseOutcome
    duration_s: float
    detail: str = ""
    engine_duration_s: float = 0.0  # time ZAP itself reported working, for the overhead benchmark


@dataclass(frozen=True)
class TargetInfo:
    url: str
    image: str = ""
    image_digest: str = ""


@dataclass(frozen=True)
class EngineInfo:
    provider: str
    version: str
    rule_source: str  # "engine" (its own rules), "rulepack" (ours, as scripts) or "engine+rulepack"


@dataclass(frozen=True)
class ProfileInfo:
    name: str
    sha256: str


@dataclass(frozen=True)
class RuleInfo:
    """A rule that ran, so reports can show the ones that found nothing as passed."""

    rule_id: str
    name: str
    kind: str  # "passive" | "active"


@dataclass(frozen=True)
class RunRecord:
    tool_version: str
    engine: EngineInfo
    profile: ProfileInfo
    target: TargetInfo
    started_at: str  # ISO 8601, UTC
    finished_at: str
    phases: tuple[PhaseResult, ...]
    request_count: int
    findings: tuple[Finding, ...]
    rules: tuple[RuleInfo, ...] = ()
    fail_on: Risk | None = Risk.MEDIUM  # None: the gate never fails
    error: str = ""  # set when the scan itself failed; reports then carry it as an error
    schema_version: int = SCHEMA_VERSION
    budgets_hit: tuple[str, ...] = field(default=())

    @property
    def instance_count(self) -> int:
        return sum(len(f.instances) for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "tool_version": self.tool_version,
            "engine": {
                "provider": self.engine.provider,
                "version": self.engine.version,
                "rule_source": self.engine.rule_source,
            },
            "profile": {"name": self.profile.name, "sha256": self.profile.sha256},
            "target": {
                "url": self.target.url,
                "image": self.target.image,
                "image_digest": self.target.image_digest,
            },
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "phases": [
                {
                    "name": p.name,
                    "outcome": p.outcome.value,
                    "duration_s": round(p.duration_s, 3),
                    "engine_duration_s": round(p.engine_duration_s, 3),
                    "detail": p.detail,
                }
                for p in self.phases
            ],
            "budgets_hit": list(self.budgets_hit),
            "request_count": self.request_count,
            "fail_on": self.fail_on.label if self.fail_on is not None else "never",
            "error": self.error,
            "rules": [{"id": r.rule_id, "name": r.name, "kind": r.kind} for r in self.rules],
            "findings": [_finding_to_dict(f) for f in self.findings],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRecord:
        """Read a record back; raises KeyError/TypeError/ValueError on anything malformed."""
        version = data["schema_version"]
        if version != SCHEMA_VERSION:
            raise ValueError(f"schema_version {version!r} is not supported (expected {SCHEMA_VERSION})")
        engine = data["engine"]
        profile = data["profile"]
        target = data["target"]
        fail_on = _text(data["fail_on"])
        return cls(
            schema_version=version,
            tool_version=_text(data["tool_version"]),
            engine=EngineInfo(
                provider=_text(engine["provider"]),
                version=_text(engine["version"]),
                rule_source=_text(engine["rule_source"]),
            ),
            profile=ProfileInfo(name=_text(profile["name"]), sha256=_text(profile["sha256"])),
            target=TargetInfo(
                url=_text(target["url"]),
                image=_text(target.get("image", "")),
                image_digest=_text(target.get("image_digest", "")),
            ),
            started_at=_text(data["started_at"]),
            finished_at=_text(data["finished_at"]),
            phases=tuple(
                PhaseResult(
                    name=_text(p["name"]),
                    outcome=PhaseOutcome(p["outcome"]),
                    duration_s=float(p["duration_s"]),
                    engine_duration_s=float(p.get("engine_duration_s", 0.0)),
                    detail=_text(p.get("detail", "")),
                )
                for p in _list(data["phases"])
            ),
            budgets_hit=tuple(_text(b) for b in _list(data.get("budgets_hit", []))),
            request_count=int(data["request_count"]),
            fail_on=None if fail_on.lower() == "never" else Risk.parse(fail_on),
            error=_text(data.get("error", "")),
            rules=tuple(
                RuleInfo(rule_id=_text(r["id"]), name=_text(r["name"]), kind=_text(r["kind"]))
                for r in _list(data.get("rules", []))
            ),
            findings=tuple(_finding_from_dict(f) for f in _list(data["findings"])),
        )


def _finding_to_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule_id": f.rule_id,
        "name": f.name,
        "risk": f.risk.label,
        "confidence": f.confidence.label,
        "cwe_id": f.cwe_id,
        "wasc_id": f.wasc_id,
        "description": f.description,
        "solution": f.solution,
        "references": list(f.references),
        "instances": [
            {
                "url": i.url,
                "method": i.method,
                "parameter": i.parameter,
                "attack": i.attack,
                "evidence": i.evidence,
                "other_info": i.other_info,
                "message_id": i.message_id,
                "fingerprint": i.fingerprint,
            }
            for i in f.instances
        ],
    }


def _finding_from_dict(d: Mapping[str, Any]) -> Finding:
    return Finding(
        rule_id=_text(d["rule_id"]),
        name=_text(d["name"]),
        risk=Risk.parse(_text(d["risk"])),
        confidence=Confidence.parse(_text(d["confidence"])),
        cwe_id=int(d["cwe_id"]),
        wasc_id=int(d["wasc_id"]),
        description=_text(d["description"]),
        solution=_text(d["solution"]),
        references=tuple(_text(r) for r in _list(d["references"])),
        instances=tuple(
            Instance(
                url=_text(i["url"]),
                method=_text(i["method"]),
                parameter=_text(i["parameter"]),
                attack=_text(i["attack"]),
                evidence=_text(i["evidence"]),
                other_info=_text(i.get("other_info", "")),
                message_id=_text(i["message_id"]),
                fingerprint=_text(i["fingerprint"]),
            )
            for i in _list(d["instances"])
        ),
    )


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value
