"""dast's own rule pack: ZAP scan-rule scripts loaded through the API.

ZAP core from Maven Central has no scan rules of its own; the `zaproxy/zap-stable` image has the
full set. The pack is loaded when the engine lacks the standard rules (or a profile asks), and
its metadata (CWE, solution, references) completes what script alerts carry.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

import yaml

from dast.engine.interface import EngineCapabilities, ZapApi
from dast.engine.loaded_scripts import pick_engine
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
STRENGTHS = ("LOW", "MEDIUM", "HIGH", "INSANE")
# Global script variables the active scripts read (lib/active.js): the pack's folder on the ZAP host
# (scripts load the shared library from it), every rule's strength and threshold, the time unit of
# time-based checks; and the one they publish: requests sent per rule. ZAP keeps at most about 50
# global variables (2.11.1 refuses the 52nd), shared with the guard and authentication, so the
# rules share these four instead of having variables of their own.
PACK_DIR_VAR = "dast.rulepack.dir"
TIMING_UNIT_VAR = "dast.timing.unit_ms"
LEVELS_VAR = "dast.rulepack.levels"  # "<id>=<STRENGTH>/<THRESHOLD> ..."
REQUESTS_VAR = "dast.rulepack.requests"  # "<id>@<origin>=<n> ...", written by the scripts
ACTIVE_VAR = "dast.rulepack.active"  # the active rule files the runner runs, in order
ERRORS_VAR = "dast.rulepack.errors"  # "<id>@<origin>=<count>:<last message> |...", by the runner
# ZAP 2.11.1 evaluates every active script anew (in a fresh script engine) twice per node, so the
# active rules run behind one small entry script whose runner compiles each rule once (a copy per concurrent thread).
ACTIVE_ENTRY_FILE = "active_entry.js"
ACTIVE_ENTRY_SCRIPT = "dast-active"
# One line in each active script: `requests: {LOW: [n, max], MEDIUM: [...], HIGH: [...], INSANE: [...]}`.
_REQUESTS_LINE = re.compile(r"^\s*requests:\s*\{(?P<body>[^}]*)\}", re.M)
_REQUESTS_ENTRY = re.compile(r"(?P<level>[A-Z]+):\s*\[\s*(?P<clean>\d+)\s*,\s*(?P<most>\d+)\s*\]")


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
    category: str | None = None  # ZAP's policy category (active rules), as profiles name it


@functools.cache
def pack_rules() -> tuple[PackRule, ...]:
    document = yaml.safe_load((rulepack_dir() / "rules.yaml").read_text(encoding="utf-8"))
    return tuple(_rule(entry) for entry in document["rules"])


def pack_rule(rule_id: str) -> PackRule | None:
    return next((r for r in pack_rules() if r.rule_id == rule_id), None)


@dataclass(frozen=True)
class Requests:
    """Requests an active rule sends per parameter at one strength."""

    clean: int  # when nothing is found (no lead): exactly this many
    most: int  # at most, with the confirmation rounds after a lead


@functools.cache
def declared_requests(rule_id: str) -> dict[str, Requests]:
    """An active pack rule's request counts per strength, as its script's RULE object declares them."""
    rule = pack_rule(rule_id)
    if rule is None or rule.kind != "active":
        raise KeyError(rule_id)
    line = _REQUESTS_LINE.search((rulepack_dir() / rule.file).read_text(encoding="utf-8"))
    if line is None:
        raise ValueError(f"{rule.file} declares no requests line")
    counts = {
        e["level"]: Requests(int(e["clean"]), int(e["most"])) for e in _REQUESTS_ENTRY.finditer(line["body"])
    }
    if sorted(counts) != sorted(STRENGTHS):
        raise ValueError(f"{rule.file} declares requests for {sorted(counts)}, not for every strength")
    return counts


@dataclass(frozen=True)
class ActiveLevels:
    """Strength and threshold of the pack's active rules, from the profile.

    The pack's active rules all run inside ZAP's one script scanner, whose policy entry has a single
    strength; so dast hands each rule its own levels through global script variables.
    """

    strength: str = "MEDIUM"
    threshold: str = "MEDIUM"
    per_rule: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)
    per_category: Mapping[str, tuple[str | None, str | None]] = field(default_factory=dict)
    timing_unit_s: float = 0.5

    def of(self, rule_id: str) -> tuple[str, str]:
        """A rule's own setting, else its category's, else the profile's."""
        rule = pack_rule(rule_id)
        by_category = self.per_category.get(rule.category or "", (None, None)) if rule else (None, None)
        strength, threshold = self.per_rule.get(rule_id, (None, None))
        return (
            strength or by_category[0] or self.strength,
            threshold or by_category[1] or self.threshold,
        )


def pack_vars(script_dir: str, active_ids: list[str], levels: ActiveLevels) -> dict[str, str]:
    """Global script variables to set before the pack's scripts load: folder, rules, levels, emptied counters."""
    active = [rule for rule in map(pack_rule, active_ids) if rule is not None and rule.kind == "active"]
    return {
        PACK_DIR_VAR: script_dir,
        ACTIVE_VAR: " ".join(rule.file for rule in active),
        TIMING_UNIT_VAR: str(round(levels.timing_unit_s * 1000)),
        LEVELS_VAR: " ".join(f"{rule.rule_id}={'/'.join(levels.of(rule.rule_id))}" for rule in active),
        REQUESTS_VAR: "",
        ERRORS_VAR: "",
    }


def _rule_of(key: str, origin: str | None) -> str | None:
    """The rule id of a published key, "<id>@<origin>", when it is for `origin` (None: any origin)."""
    rule_id, at, where = key.strip().partition("@")
    return rule_id if origin is None or not at or where == origin else None


def rule_requests(api: ZapApi, active_ids: list[str], origin: str | None = None) -> dict[str, int]:
    """Requests each loaded active pack rule sent to `origin` (None: to any), as the scripts counted them.

    `origin` is written as `origin_of` writes it; a rule that sent nothing counts 0.
    """
    counts = dict.fromkeys(active_ids, 0)
    for entry in (api.script_var(REQUESTS_VAR) or "").split():
        key, eq, count = entry.partition("=")
        rule_id = _rule_of(key, origin)
        if eq and rule_id in counts and count.isdigit():
            counts[rule_id] += int(count)
    return counts


EVERY_RULE = "*"  # a RuleError of the entry script: no rule ran


@dataclass(frozen=True)
class RuleError:
    """An active pack rule that threw in the engine: how often, and its last message (redact before use)."""

    rule_id: str
    count: int
    message: str


def rule_errors(api: ZapApi, origin: str | None = None) -> list[RuleError]:
    """Active pack rules that threw on requests to `origin` (None: to any), as the runner recorded them.

    When the entry script itself failed, no rule ran at all: that is one error for every rule.
    """
    if api.script_failed(ACTIVE_ENTRY_SCRIPT):
        return [
            RuleError(
                EVERY_RULE, 1, f"the rule pack's {ACTIVE_ENTRY_FILE} failed in the engine: no active rule ran"
            )
        ]
    errors: dict[str, RuleError] = {}
    for entry in (api.script_var(ERRORS_VAR) or "").split(" |"):
        key, eq, rest = entry.partition("=")
        count, _colon, message = rest.partition(":")
        rule_id = _rule_of(key, origin)
        if eq and rule_id and count.isdigit():
            earlier = errors.get(rule_id)  # the same rule on several origins: counts add up
            total = int(count) + (earlier.count if earlier else 0)
            errors[rule_id] = RuleError(rule_id, total, message.strip())
    return list(errors.values())


def requests_since(before: Mapping[str, int], now: Mapping[str, int]) -> dict[str, int]:
    """What each rule's request count grew by since `before` (counters an engine keeps across scans)."""
    return {rule_id: max(0, count - before.get(rule_id, 0)) for rule_id, count in now.items()}


def errors_since(before: Sequence[RuleError], now: Sequence[RuleError]) -> list[RuleError]:
    """The errors recorded since `before`; a failed entry script stays failed, so it is always kept."""
    counted = {e.rule_id: e.count for e in before}
    since = []
    for error in now:
        if error.rule_id == EVERY_RULE:
            since.append(error)
        elif error.count > counted.get(error.rule_id, 0):
            since.append(dataclasses.replace(error, count=error.count - counted.get(error.rule_id, 0)))
    return since


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
        category=str(entry["category"]) if entry.get("category") else None,
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
    engine = pick_engine(list(caps.script_engines))
    if engine is not None:
        return engine
    offered = ", ".join(caps.script_engines) or "none"
    raise EngineError(f"the engine has no JavaScript script engine for the rule pack (it offers: {offered})")


def load_pack(
    api: ZapApi,
    caps: EngineCapabilities,
    script_dir: str,
    include_active: bool,
    disabled: frozenset[str] = frozenset(),
    levels: ActiveLevels | None = None,
) -> list[RuleInfo]:
    """Load the pack's scripts, except rules a profile disabled; returns the rules now running.

    An active rule at threshold OFF is not loaded either (ZAP's meaning of OFF).
    """
    if not script_dir:
        raise EngineError(
            "the engine lacks ZAP's standard rules and dast's rule pack cannot be loaded into it: "
            "say where dast/engine/rulepack is mounted on the ZAP host",
            setting="script_dir",
        )
    engine = script_engine(caps)
    levels = levels or ActiveLevels()
    chosen = [
        rule
        for rule in pack_rules()
        if not ((rule.kind == "active" and not include_active) or rule.rule_id in disabled)
        and not (rule.kind == "active" and levels.of(rule.rule_id)[1] == "OFF")
    ]
    # The scripts read these when they run; the shared library's location before anything loads.
    active = [r.rule_id for r in chosen if r.kind == "active"]
    api.set_script_vars(pack_vars(script_dir, active, levels))
    for rule in chosen:
        if rule.kind == "passive":
            api.load_script(
                f"dast-{rule.rule_id}", rule.kind, engine, str(PurePosixPath(script_dir) / rule.file)
            )
    if active:
        api.load_script(
            ACTIVE_ENTRY_SCRIPT, "active", engine, str(PurePosixPath(script_dir) / ACTIVE_ENTRY_FILE)
        )
    return [RuleInfo(rule_id=rule.rule_id, name=rule.name, kind=rule.kind) for rule in chosen]


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
