"""A small, complete run record: what `--template-dir` templates are test-rendered against."""

from __future__ import annotations

import dataclasses

from dast.models import (
    BaselineComparison,
    BaselineState,
    Completeness,
    Confidence,
    EngineInfo,
    Exchange,
    Finding,
    FixedInstance,
    HttpRequest,
    HttpResponse,
    Instance,
    PhaseOutcome,
    PhaseResult,
    ProfileInfo,
    Risk,
    RuleInfo,
    RunRecord,
    SarifLocations,
    SarifRoute,
    Suppressed,
    SuppressionKind,
    TargetInfo,
    Triage,
    TriageEntry,
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
        exchange="1",
        replay='curl -i "${TARGET:-http://app.test}/search?q=x"',
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
    suppressed = dataclasses.replace(
        finding,
        rule_id="10038",
        name="Content Security Policy (CSP) Header Not Set",
        risk=Risk.MEDIUM,
        instances=(
            dataclasses.replace(
                instance,
                url="http://app.test/static/a.css",
                parameter="",
                fingerprint="1" * 32,
                suppressed=Suppressed(
                    kind=SuppressionKind.SUPPRESSION,
                    reason="sample",
                    source="sample.yaml:1",
                    owner="sample",
                    ticket="SAMPLE-1",
                    expires="2099-12-31",
                ),
                baseline=BaselineState.EXISTING,
            ),
        ),
    )
    entry = TriageEntry(
        kind="suppression", source="sample.yaml:9", rule="10020", reason="sample", expires="2000-01-01"
    )
    return RunRecord(
        tool_version="sample",
        engine=EngineInfo(provider="local", version="2.11.1", rule_source="rulepack"),
        profile=ProfileInfo(name="sample", sha256="0" * 64),
        target=TargetInfo(url="http://app.test/", name="app", engine_url="http://127.0.0.1:8080/"),
        started_at="2026-01-01T00:00:00Z",
        finished_at="2026-01-01T00:01:00Z",
        phases=(PhaseResult(name="active", outcome=PhaseOutcome.CUT_SHORT, duration_s=1.0, detail="sample"),),
        request_count=1,
        findings=(
            dataclasses.replace(
                finding,
                instances=(
                    dataclasses.replace(instance, overridden_from=Risk.MEDIUM, baseline=BaselineState.NEW),
                ),
            ),
        ),
        suppressed=(suppressed,),
        triage=Triage(
            applied_on="2026-01-01",
            sources=("sample.yaml",),
            suppressed=1,
            overridden=1,
            expired=(entry,),
            stale=(entry,),
        ),
        baseline=BaselineComparison(
            source="baseline/results.json",
            run_id="sample",
            new=1,
            fixed=(FixedInstance("10020", "sample", Risk.MEDIUM, "GET", "http://app.test/x", "", "2" * 32),),
        ),
        rules=(RuleInfo(rule_id="10038", name="sample", kind="passive"),),
        budgets_hit=("active",),
        completeness=Completeness.of(["phase active was cut short by its time budget (sample)"]),
        warnings=("sample warning",),
        exchanges=(
            Exchange(
                message_id="1",
                request=HttpRequest(
                    header="GET http://app.test/search?q=x HTTP/1.1\r\nHost: app.test\r\n\r\n"
                ),
                response=HttpResponse(
                    header="HTTP/1.1 200 OK\r\n\r\n",
                    status_code=200,
                    body="<script>alert(1)</script>",
                    body_length=25,
                ),
            ),
        ),
        sarif=SarifLocations(anchor="Dockerfile", routes=(SarifRoute("^/search", "app/search.py"),)),
    )
