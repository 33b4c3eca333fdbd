"""A run against an earlier one, by fingerprint: every instance new or existing, and what was fixed."""

from __future__ import annotations

import dataclasses

from dast.models import BaselineComparison, BaselineState, Finding, FixedInstance, RunRecord


def compare(record: RunRecord, baseline: RunRecord, source: str) -> RunRecord:
    """Mark every instance (suppressed ones too) new or existing; list the baseline's instances now gone.

    Suppressed instances count on both sides: a finding that moved into `suppressed` is not fixed.
    """
    known = {i.fingerprint for f in (*baseline.findings, *baseline.suppressed) for i in f.instances}
    current = {i.fingerprint for f in (*record.findings, *record.suppressed) for i in f.instances}
    fixed = sorted(
        (
            FixedInstance(
                rule_id=f.rule_id,
                name=f.name,
                risk=i.overridden_from if i.overridden_from is not None else f.risk,
                method=i.method,
                url=i.url,
                parameter=i.parameter,
                fingerprint=i.fingerprint,
            )
            for f in (*baseline.findings, *baseline.suppressed)
            for i in f.instances
            if i.fingerprint not in current
        ),
        key=lambda x: (-x.risk, x.rule_id.zfill(8), x.url, x.method, x.parameter),
    )
    comparison = BaselineComparison(
        source=source,
        run_id=baseline.run_id,
        started_at=baseline.started_at,
        name=baseline.target.name,
        fixed=tuple({x.fingerprint: x for x in fixed}.values()),
    )
    marked = dataclasses.replace(
        record,
        findings=_marked(record.findings, known),
        suppressed=_marked(record.suppressed, known),
        baseline=comparison,
    )
    warnings = list(record.warnings)
    if baseline.target.name and record.target.name and baseline.target.name != record.target.name:
        warning = (
            f"the baseline {source} is a run of target {baseline.target.name!r}, this run is of "
            f"{record.target.name!r}: new and fixed compare two different targets"
        )
        if warning not in warnings:
            warnings.append(warning)
    return recount(dataclasses.replace(marked, warnings=tuple(warnings)))


def recount(record: RunRecord) -> RunRecord:
    """The comparison's counts, from the instances' marks (after triage moved some of them)."""
    if record.baseline is None:
        return record
    states = [i.baseline for f in record.findings for i in f.instances]
    return dataclasses.replace(
        record,
        baseline=dataclasses.replace(
            record.baseline,
            new=states.count(BaselineState.NEW),
            existing=states.count(BaselineState.EXISTING),
        ),
    )


def _marked(findings: tuple[Finding, ...], known: set[str]) -> tuple[Finding, ...]:
    return tuple(
        dataclasses.replace(
            f,
            instances=tuple(
                dataclasses.replace(
                    i, baseline=BaselineState.EXISTING if i.fingerprint in known else BaselineState.NEW
                )
                for i in f.instances
            ),
        )
        for f in findings
    )
