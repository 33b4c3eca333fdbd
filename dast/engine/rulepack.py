"""dast's own rule pack: ZAP scan-rule scripts loaded through the API.

ZAP core from Maven Central has no scan rules of its own; the `zaproxy/zap-stable` image has the
full set. The pack is loaded when the engine lacks the standard rules (or a profile asks), and
its metadata (CWE, solution, references) completes what script alerts carry.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

import yaml

from dast.engine.interface import EngineCapabilities, ZapApi
from dast.errors import EngineError
from dast.models import RuleInfo
from dast.resources import rulepack_dir

# Standard rules whose presence means the engine brings its own rule set.
_STANDARD_ACTIVE = ("40012", "40018")
_STANDARD_PASSIVE = ("10038", "10020")
ACTIVE_SCRIPT_SCANNER = "50000"
PASSIVE_SCRIPT_SCANNER = "50001"
# Runners and bookkeeping scanners that hold no rule of their own (50003: passive stats).
_NOT_RULES = {ACTIVE_SCRIPT_SCANNER, PASSIVE_SCRIPT_SCANNER, "50003"}
_PREFERRED_ENGINES = ("nashorn", "graal.js", "ecmascript", "javascript")


@dataclass(frozen=True)
class PackRule:
    rule_id: str
    file: str
    kind: Literal["active", "passive"]
    name: str
    risk: str
    confidence: str
    cwe_id: int
    wasc_id: int
    description: str
    solution: str
    references: tuple[str, ...]


@functools.cache
def pack_rules() -> tuple[PackRule, ...]:
    document = yaml.safe_load((rulepack_dir() / "rules.yaml").read_text(encoding="utf-8"))
    return tuple(_rule(entry) for entry in document["rules"])


def pack_rule(rule_id: str) -> PackRule | None:
    return next((r for r in pack_rules() if r.rule_id == rule_id), None)


def _rule(entry: Mapping[str, Any]) -> PackRule:
    return PackRule(
        rule_id=str(entry["id"]),
        file=str(entry["file"]),
        kind=entry["type"],
        name=str(entry["name"]),
        risk=str(entry["risk"]),
        confidence=str(entry["confidence"]),
        cwe_id=int(entry["cwe"]),
        wasc_id=int(entry["wasc"]),
        description=" ".join(str(entry["description"]).split()),
        solution=" ".join(str(entry["solution"]).split()),
        references=tuple(str(r) for r in entry.get("references", ())),
    )


def has_standard_rules(caps: EngineCapabilities) -> bool:
    passive_ids = {s.scanner_id for s in caps.passive_scanners}
    return all(caps.has_active(rule) for rule in _STANDARD_ACTIVE) and all(
        rule in passive_ids for rule in _STANDARD_PASSIVE
    )


def needs_pack(caps: EngineCapabilities, mode: str) -> bool:
    if mode == "always":
        return True
    if mode == "never":
        return False
    return not has_standard_rules(caps)


def script_engine(caps: EngineCapabilities) -> str:
    for preferred in _PREFERRED_ENGINES:
        for engine in caps.script_engines:
            if preferred in engine.lower():
                return engine
    offered = ", ".join(caps.script_engines) or "none"
    raise EngineError(f"the engine has no JavaScript script engine for the rule pack (it offers: {offered})")


def load_pack(
    api: ZapApi,
    caps: EngineCapabilities,
    script_dir: str,
    include_active: bool,
    disabled: frozenset[str] = frozenset(),
) -> list[RuleInfo]:
    """Load the pack's scripts, except rules a profile disabled; returns the rules now running."""
    if not script_dir:
        raise EngineError(
            "the engine lacks ZAP's standard rules and dast's rule pack cannot be loaded into it: "
            "say where dast/engine/rulepack is mounted on the ZAP host",
            setting="script_dir",
        )
    engine = script_engine(caps)
    loaded: list[RuleInfo] = []
    for rule in pack_rules():
        if (rule.kind == "active" and not include_active) or rule.rule_id in disabled:
            continue
        path = str(PurePosixPath(script_dir) / rule.file)
        api.load_script(f"dast-{rule.rule_id}", rule.kind, engine, path)
        loaded.append(RuleInfo(rule_id=rule.rule_id, name=rule.name, kind=rule.kind))
    return loaded


def engine_rules(caps: EngineCapabilities, include_active: bool) -> list[RuleInfo]:
    """The engine's own enabled rules, minus the script runners that hold no rule of their own."""
    runners = _NOT_RULES
    rules = [
        RuleInfo(rule_id=s.scanner_id, name=s.name, kind="passive")
        for s in caps.passive_scanners
        if s.enabled and s.scanner_id not in runners
    ]
    if include_active:
        rules += [
            RuleInfo(rule_id=s.scanner_id, name=s.name, kind="active")
            for s in caps.active_scanners
            if s.enabled and s.scanner_id not in runners
        ]
    return rules
