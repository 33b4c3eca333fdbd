"""A small, complete run record: what `--template-dir` templates are test-rendered against."""

from __future__ import annotations

from dast.models import (
    Completeness,
    Confidence,
    EngineInfo,
    Finding,
    Instance,
    PhaseOutcome,
    PhaseResult,
    ProfileInfo,
    Risk,
    RuleInfo,
    RunRecord,
    TargetInfo,
)


def sample_record() -> RunRecord:
    instance = Instance(
        url="http://app.test/search?q=x",
        method="GET",
        parameter="q",
        attack="<script>alert(1)</script>",
        evidence="<script>alert(1)</script>",
        message_id="1",
        fingerprint="0" * 32,
        other_info="sample",
    )
    finding = Finding(
        rule_id="40012",
        name="Cross Site Scripting (Reflected)",
        risk=Risk.HIGH,
        confidence=Confidence.MEDIUM,
        cwe_id=79,
        wasc_id=8,
        description="sample",
        solution="sample",
        references=("https://owasp.org/",),
        instances=(instance,),
    )
    return RunRecord(
        tool_version="sample",
        engine=EngineInfo(provider="local", version="2.11.1", rule_source="rulepack"),
        profile=ProfileInfo(name="sample", sha256="0" * 64),
        target=TargetInfo(url="http://app.test/"),
        started_at="2026-01-01T00:00:00Z",
        finished_at="2026-01-01T00:01:00Z",
        phases=(PhaseResult(name="active", outcome=PhaseOutcome.CUT_SHORT, duration_s=1.0, detail="sample"),),
        request_count=1,
        findings=(finding,),
        rules=(RuleInfo(rule_id="10038", name="sample", kind="passive"),),
        budgets_hit=("active",),
        completeness=Completeness.of(["phase active was cut short by its time budget (sample)"]),
        warnings=("sample warning",),
    )
