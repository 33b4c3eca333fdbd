"""ZAP alerts -> findings: grouped per rule, instances de-duplicated by fingerprint, kept in scope."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
    return _risk_of(str(alert.get("risk", "Informational")))


def _confidence(alert: Mapping[str, Any]) -> Confidence:
    return _confidence_of(str(alert.get("confidence", "Medium")))


# Alerts carry a handful of distinct risk and confidence labels; each is parsed once.
@functools.cache
def _risk_of(label: str) -> Risk:
    try:
        return Risk.parse(label)
    except ValueError:
        return Risk.INFO


@functools.cache
def _confidence_of(label: str) -> Confidence:
    try:
        return Confidence.parse(label)
    except ValueError:
        return Confidence.MEDIUM


def _as_is(url: str) -> str:
    return url


class Tally:
    """Passes alerts through as they stream and counts them."""

    def __init__(self, alerts: Iterable[Mapping[str, Any]]) -> None:
        self._alerts = alerts
        self.count = 0

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        for alert in self._alerts:
            self.count += 1
            yield alert


def build_findings(
    alerts: Iterable[Mapping[str, Any]],
    exclude: Sequence[UrlPattern] = (),
    rebase: Callable[[str], str] = _as_is,
    rebase_text: Callable[[str], str] = _as_is,
) -> tuple[Finding, ...]:
    """Group alerts by (rule id, alert name); drop false positives and excluded URLs.

    `rebase` names each URL under the report's stable base (excludes see the URL as the engine did);
    `rebase_text` does the same for URLs inside the alert's texts (attack, evidence, other info).
    Alerts are consumed as they stream in: memory grows with the distinct instances, not the alerts.
    """
    groups: dict[tuple[str, str], _Group] = {}
    # Alerts repeat the same URLs and evidence many times over; each distinct text is redacted once.
    memo: dict[str, str] = {}

    def redacted(text: str) -> str:
        found = memo.get(text)
        if found is None:
            found = memo[text] = redact(rebase_text(text))
        return found

    for alert in alerts:
        url = str(alert.get("url", ""))
        if any(pattern.matches(url) for pattern in exclude):
            continue
        confidence = _confidence(alert)
        if confidence is Confidence.FALSE_POSITIVE:
            continue
        rule_id = str(alert.get("pluginId", "")).strip() or "0"
        name = str(alert.get("alert") or alert.get("name") or "Unnamed alert")
        group = groups.get((rule_id, name))
        if group is None:
            group = groups[(rule_id, name)] = _Group(rule_id, alert, redacted)
        group.add(alert, rebase(url), confidence)

    findings = [group.finding(name) for (_rule_id, name), group in groups.items()]
    findings.sort(key=lambda f: (-f.risk, f.rule_id.zfill(8), f.name))
    return tuple(findings)


def _representative_order(
    url: str, alert: Mapping[str, Any], redacted: Callable[[str], str] = redact
) -> tuple[int, str, str, str]:
    """Shortest URL first (the plainest request), then by text; never by engine ids or timing.

    Compared as reported (redacted), so a secret that differs per run cannot change the choice.
    """
    shown = redacted(url)
    attack, evidence = redacted(str(alert.get("attack", ""))), redacted(str(alert.get("evidence", "")))
    return (len(shown), shown, attack, evidence)


class _Group:
    """One finding while its alerts stream in: the first alert's texts, the highest risk and
    confidence, and per fingerprint the instance chosen by content (see _representative_order)."""

    def __init__(self, rule_id: str, first: Mapping[str, Any], redacted: Callable[[str], str]) -> None:
        self.rule_id = rule_id
        # An alert that names no rule is grouped as "0", which is also Directory Browsing's real id.
        self.named = bool(str(first.get("pluginId", "")).strip())
        self.redacted = redacted
        self.first = {k: first.get(k) for k in ("cweid", "wascid", "description", "solution", "reference")}
        self.risk = _risk(first)
        self.confidence = _confidence(first)
        self.instances: dict[str, tuple[tuple[int, str, str, str], Instance]] = {}

    def add(self, alert: Mapping[str, Any], url: str, confidence: Confidence) -> None:
        self.risk = max(self.risk, _risk(alert))
        self.confidence = max(self.confidence, confidence)
        method = str(alert.get("method") or "GET").upper()
        parameter = str(alert.get("param", ""))
        fp = fingerprint(self.rule_id, method, url, parameter)
        order = _representative_order(url, alert, self.redacted)
        held = self.instances.get(fp)
        # Of the alerts sharing a fingerprint, the one kept is chosen by content, not by the order the
        # engine's threads raised them in: two runs of the same scan then report the same URL.
        if held is not None and held[0] <= order:
            return
        self.instances[fp] = (
            order,
            Instance(
                url=order[1],
                method=method,
                parameter=parameter,
                attack=order[2],
                evidence=order[3],
                # ZAP's alert views call it "other"; older fixtures and exports "otherinfo".
                other_info=self.redacted(str(alert.get("other", alert.get("otherinfo", "")))),
                message_id=str(alert.get("messageId", "")),
                fingerprint=fp,
            ),
        )

    def finding(self, name: str) -> Finding:
        first, meta = self.first, pack_rule(self.rule_id) if self.named else None
        cwe = _int(first.get("cweid", -1))
        wasc = _int(first.get("wascid", -1))
        references = tuple(
            line.strip() for line in str(first.get("reference") or "").splitlines() if line.strip()
        )
        instances = (held for _order, held in self.instances.values())
        return Finding(
            rule_id=self.rule_id,
            name=name,
            risk=self.risk,
            confidence=self.confidence,
            # Script alerts may come without the metadata a compiled rule carries; the pack has it.
            cwe_id=cwe if cwe > 0 or meta is None else meta.cwe_id,
            wasc_id=wasc if wasc > 0 or meta is None else meta.wasc_id,
            description=str(first.get("description") or "").strip() or (meta.description if meta else ""),
            solution=str(first.get("solution") or "").strip() or (meta.solution if meta else ""),
            references=references or (meta.references if meta else ()),
            instances=tuple(sorted(instances, key=lambda i: (i.url, i.method, i.parameter))),
        )
