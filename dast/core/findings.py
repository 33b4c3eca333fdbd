"""ZAP alerts -> findings: grouped per rule, instances de-duplicated by fingerprint, kept in scope."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from dast.engine.rulepack import pack_rule
from dast.fingerprint import fingerprint
from dast.models import Confidence, Finding, Instance, Risk
from dast.redact import redact
from dast.urlpattern import UrlPattern


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1


def _risk(alert: Mapping[str, Any]) -> Risk:
    try:
        return Risk.parse(str(alert.get("risk", "Informational")))
    except ValueError:
        return Risk.INFO


def _confidence(alert: Mapping[str, Any]) -> Confidence:
    try:
        return Confidence.parse(str(alert.get("confidence", "Medium")))
    except ValueError:
        return Confidence.MEDIUM


def _as_is(url: str) -> str:
    return url


def build_findings(
    alerts: Iterable[Mapping[str, Any]],
    exclude: Sequence[UrlPattern] = (),
    rebase: Callable[[str], str] = _as_is,
) -> tuple[Finding, ...]:
    """Group alerts by (rule id, alert name); drop false positives and excluded URLs.

    `rebase` names each URL under the report's stable base (excludes see the URL as the engine did).
    """
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for alert in alerts:
        url = str(alert.get("url", ""))
        if any(pattern.matches(url) for pattern in exclude):
            continue
        if _confidence(alert) is Confidence.FALSE_POSITIVE:
            continue
        rule_id = str(alert.get("pluginId", "")).strip() or "0"
        name = str(alert.get("alert") or alert.get("name") or "Unnamed alert")
        groups.setdefault((rule_id, name), []).append({**alert, "url": rebase(url)})

    findings = [_finding(rule_id, name, members) for (rule_id, name), members in groups.items()]
    findings.sort(key=lambda f: (-f.risk, f.rule_id.zfill(8), f.name))
    return tuple(findings)


def _representative_order(alert: Mapping[str, Any]) -> tuple[int, str, str, str]:
    """Shortest URL first (the plainest request), then by text; never by engine ids or timing.

    Compared as reported (redacted), so a secret that differs per run cannot change the choice.
    """
    url = redact(str(alert.get("url", "")))
    return (len(url), url, redact(str(alert.get("attack", ""))), redact(str(alert.get("evidence", ""))))


def _finding(rule_id: str, name: str, alerts: list[Mapping[str, Any]]) -> Finding:
    first = alerts[0]
    meta = pack_rule(rule_id)
    instances: dict[str, Instance] = {}
    # Of the alerts sharing a fingerprint, the one kept is chosen by content, not by the order the
    # engine's threads raised them in: two runs of the same scan then report the same URL.
    for alert in sorted(alerts, key=_representative_order):
        method = str(alert.get("method") or "GET").upper()
        url = str(alert.get("url", ""))
        parameter = str(alert.get("param", ""))
        fp = fingerprint(rule_id, method, url, parameter)
        if fp in instances:
            continue
        instances[fp] = Instance(
            url=redact(url),
            method=method,
            parameter=parameter,
            attack=redact(str(alert.get("attack", ""))),
            evidence=redact(str(alert.get("evidence", ""))),
            other_info=redact(str(alert.get("otherinfo", ""))),
            message_id=str(alert.get("messageId", "")),
            fingerprint=fp,
        )
    cwe = _int(first.get("cweid", -1))
    wasc = _int(first.get("wascid", -1))
    references = tuple(line.strip() for line in str(first.get("reference", "")).splitlines() if line.strip())
    return Finding(
        rule_id=rule_id,
        name=name,
        risk=max(_risk(a) for a in alerts),
        confidence=max(_confidence(a) for a in alerts),
        # Script alerts may come without the metadata a compiled rule carries; the pack has it.
        cwe_id=cwe if cwe > 0 or meta is None else meta.cwe_id,
        wasc_id=wasc if wasc > 0 or meta is None else meta.wasc_id,
        description=str(first.get("description", "")).strip() or (meta.description if meta else ""),
        solution=str(first.get("solution", "")).strip() or (meta.solution if meta else ""),
        references=references or (meta.references if meta else ()),
        instances=tuple(sorted(instances.values(), key=lambda i: (i.url, i.method, i.parameter))),
    )
