"""Triage applied to a run record: the one function `dast scan` and `dast report --from` share.

Overrides come first (a new risk, or "false positive"), then suppressions. What they take out
of the gate moves to `record.suppressed`, each instance saying why; nothing is dropped.
Applying triage again starts from the engine's findings: an earlier triage is undone first.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from dast.core.baseline_diff import compare, recount
from dast.models import Finding, Instance, Risk, RunRecord, Suppressed, SuppressionKind, Triage, TriageEntry
from dast.triage.rules import Override, Placed, Suppression, TriageRules

FALSE_POSITIVE = "false positive"

_Key = tuple[str, str, Risk]  # rule id, alert name, risk


@dataclass(frozen=True)
class TriagePlan:
    """What to do to a record after a scan, or when `dast report` re-renders one."""

    rules: TriageRules | None = None  # None: leave the record's triage as it is
    baseline: RunRecord | None = None
    baseline_source: str = ""
    fail_on_new: bool = False


def triage_run(record: RunRecord, plan: TriagePlan, today: datetime.date) -> RunRecord:
    """Triage, then the baseline comparison (over suppressed instances too), then the gate's mode."""
    if plan.rules is not None:
        record = apply_triage(record, plan.rules, today)
    if plan.baseline is not None:
        record = compare(record, plan.baseline, plan.baseline_source)
    if plan.fail_on_new:
        record = dataclasses.replace(record, fail_on_new=True)
    return record


def apply_triage(record: RunRecord, rules: TriageRules, today: datetime.date) -> RunRecord:
    active = [p for p in rules.suppressions if not p.entry.expired(today)]
    expired = [p for p in rules.suppressions if p.entry.expired(today)]
    matched: set[str] = set()
    live: dict[_Key, list[Instance]] = {}
    out: dict[_Key, list[Instance]] = {}
    templates: dict[tuple[str, str], Finding] = {}
    overridden = 0
    for finding, instance, risk in _untriaged(record):
        templates.setdefault((finding.rule_id, finding.name), finding)
        override = _first(rules.overrides, finding.rule_id, instance)
        if override is not None and not override.entry.false_positive and override.entry.new_risk != risk:
            instance = dataclasses.replace(instance, overridden_from=risk)
            risk = override.entry.new_risk
            overridden += 1
        hits = [p for p in active if p.entry.matches(finding.rule_id, instance)]
        matched.update(p.where for p in hits)
        key = (finding.rule_id, finding.name, risk)
        if override is not None and override.entry.false_positive:
            out.setdefault(key, []).append(
                dataclasses.replace(instance, suppressed=_false_positive(override))
            )
        elif hits:
            out.setdefault(key, []).append(dataclasses.replace(instance, suppressed=_suppressed(hits[0])))
        else:
            live.setdefault(key, []).append(instance)
    summary = Triage(
        applied_on=today.isoformat(),
        sources=rules.sources,
        suppressed=sum(len(v) for v in out.values()),
        overridden=overridden,
        expired=tuple(_entry(p) for p in expired),
        stale=tuple(_entry(p) for p in active if p.where not in matched),
    )
    result = dataclasses.replace(
        record, findings=_group(live, templates), suppressed=_group(out, templates), triage=summary
    )
    return recount(result)


def _untriaged(record: RunRecord) -> Iterator[tuple[Finding, Instance, Risk]]:
    """Every instance as the engine reported it, with the risk the engine gave."""
    for finding in (*record.findings, *record.suppressed):
        for instance in finding.instances:
            risk = instance.overridden_from if instance.overridden_from is not None else finding.risk
            yield finding, dataclasses.replace(instance, overridden_from=None, suppressed=None), risk


def _first(
    overrides: tuple[Placed[Override], ...], rule_id: str, instance: Instance
) -> Placed[Override] | None:
    return next((p for p in overrides if p.entry.matches(rule_id, instance)), None)


def _suppressed(placed: Placed[Suppression]) -> Suppressed:
    entry = placed.entry
    return Suppressed(
        kind=SuppressionKind.SUPPRESSION,
        reason=entry.reason,
        source=placed.where,
        owner=entry.owner or "",
        ticket=entry.ticket or "",
        expires=entry.expires.isoformat() if entry.expires else "",
    )


def _false_positive(placed: Placed[Override]) -> Suppressed:
    reason = f"{FALSE_POSITIVE}: {placed.entry.reason}" if placed.entry.reason else FALSE_POSITIVE
    return Suppressed(kind=SuppressionKind.FALSE_POSITIVE, reason=reason, source=placed.where)


def _entry(placed: Placed[Suppression]) -> TriageEntry:
    entry = placed.entry
    return TriageEntry(
        kind="suppression",
        source=placed.where,
        rule=entry.rule,
        reason=entry.reason,
        expires=entry.expires.isoformat() if entry.expires else "",
    )


def _group(
    groups: dict[_Key, list[Instance]], templates: dict[tuple[str, str], Finding]
) -> tuple[Finding, ...]:
    findings = [
        dataclasses.replace(
            templates[(rule_id, name)],
            risk=risk,
            instances=tuple(sorted(instances, key=lambda i: (i.url, i.method, i.parameter))),
        )
        for (rule_id, name, risk), instances in groups.items()
    ]
    findings.sort(key=lambda f: (-f.risk, f.rule_id.zfill(8), f.name))
    return tuple(findings)
