"""Small run records for the triage tests: a few findings on one site, fingerprints as dast makes them."""

from __future__ import annotations

import dataclasses
import datetime

from dast.fingerprint import fingerprint
from dast.models import (
    Confidence,
    EngineInfo,
    Finding,
    Instance,
    ProfileInfo,
    Risk,
    RuleInfo,
    RunRecord,
    TargetInfo,
)
from dast.triage.rules import TriageRules, rules_from_text

BASE = "http://shop"
TODAY = datetime.date(2026, 11, 26)


def instance(
    rule_id: str, path: str, method: str = "GET", parameter: str = "", evidence: str = ""
) -> Instance:
    url = f"{BASE}{path}"
    return Instance(
        url=url,
        method=method,
        parameter=parameter,
        attack="",
        evidence=evidence,
        message_id="1",
        fingerprint=fingerprint(rule_id, method, url, parameter),
    )


def finding(rule_id: str, name: str, risk: Risk, *instances: Instance) -> Finding:
    return Finding(
        rule_id=rule_id,
        name=name,
        risk=risk,
        confidence=Confidence.MEDIUM,
        cwe_id=693,
        wasc_id=15,
        description=f"{name} description",
        solution=f"{name} solution",
        references=(),
        instances=instances,
    )


CSP = finding(
    "10038",
    "Content Security Policy (CSP) Header Not Set",
    Risk.MEDIUM,
    instance("10038", "/"),
    instance("10038", "/about"),
    instance("10038", "/static/app.css"),
)
XSS = finding(
    "40012", "Cross Site Scripting (Reflected)", Risk.HIGH, instance("40012", "/search?q=x", parameter="q")
)
XCTO = finding(
    "10021",
    "X-Content-Type-Options Header Missing",
    Risk.LOW,
    instance("10021", "/", parameter="x-content-type-options"),
    instance("10021", "/static/app.css", parameter="x-content-type-options", evidence="text/css"),
    instance("10021", "/login", method="POST", parameter="x-content-type-options"),
)


def record(*findings: Finding, **changes: object) -> RunRecord:
    base = RunRecord(
        tool_version="test",
        engine=EngineInfo(provider="local", version="2.11.1", rule_source="rulepack"),
        profile=ProfileInfo(name="baseline", sha256="0" * 64),
        target=TargetInfo(url=f"{BASE}/", name="shop", engine_url="http://127.0.0.1:40001/"),
        started_at="2026-11-26T10:00:00Z",
        finished_at="2026-11-26T10:01:00Z",
        phases=(),
        request_count=10,
        findings=findings or (XSS, CSP, XCTO),
        rules=(RuleInfo(rule_id="10020", name="Missing Anti-clickjacking Header", kind="passive"),),
        run_id="run-1",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def rules(text: str, name: str = "triage.yaml") -> TriageRules:
    return rules_from_text(text, name)


def instances(findings: tuple[Finding, ...], rule_id: str | None = None) -> list[Instance]:
    return [i for f in findings if rule_id in (None, f.rule_id) for i in f.instances]
