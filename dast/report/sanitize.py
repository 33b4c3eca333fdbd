"""Text hygiene shared by every reporter.

Scan evidence is whatever the target sent back: it may hold secrets, bytes that are not
UTF-8, characters XML cannot carry, or megabytes of response body. Every reporter renders
from `sanitize_record(record)` so all formats agree on what is shown.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import weakref
import xml.etree.ElementTree as ET
from collections.abc import Callable
from urllib.parse import urlsplit

from dast.fingerprint import site_of
from dast.models import (
    AssertionResult,
    AuthInfo,
    BaselineComparison,
    Exchange,
    Finding,
    Instance,
    PhaseResult,
    RunRecord,
    Triage,
    TriageEntry,
)
from dast.redact import mask_header_value, redact

FIELD_LIMIT = 20_000  # characters kept per text field (evidence, attack, descriptions...)
URL_LIMIT = 4_000  # URLs double as identifiers and link targets; keep them shorter
# Requests and responses are stored cut already (8 KiB request body, 16 KiB response excerpt,
# 16 KiB of headers); these only bound what a hand-edited results.json may hold.
EXCHANGE_LIMIT = 16 * 1024
REPLAY_LIMIT = 40 * 1024
REPLACEMENT = "\ufffd"
_REDACT_MARGIN = 4_096  # longer than any header line or token we expect to mask
# Text already cut carries a marker past `limit`; the slack keeps re-sanitising (re-rendering
# from results.json) from cutting it again.
_MARKER_SLACK = 64

# XML 1.0 forbids C0 controls except tab/newline/CR, lone surrogates and U+FFFE/U+FFFF;
# C1 controls and DEL are legal but drive terminals and log viewers, so they go too.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

_SAFE_LINK_SCHEMES = frozenset({"http", "https"})


def decode(data: bytes) -> str:
    """Bytes from the wire -> text, never failing on invalid UTF-8."""
    return data.decode("utf-8", errors="replace")


def clean(text: str, limit: int = FIELD_LIMIT) -> str:
    """Redact, drop illegal characters, then cut.

    Only a head slightly longer than `limit` is processed, so a 5 MB body costs no more than
    a small one; the margin makes sure a secret straddling the cut is still masked whole.
    """
    if not text:
        return text
    total = len(text)
    head = _ILLEGAL.sub(REPLACEMENT, redact(text[: limit + _REDACT_MARGIN]))
    if total <= limit + _REDACT_MARGIN and len(head) <= limit + _MARKER_SLACK:
        return head
    kept = head[:limit]
    return f"{kept}… [truncated {total - len(kept):,} characters]"


def safe_link(url: str) -> str | None:
    """The URL if it may become a clickable link (http/https only), else None."""
    candidate = url.strip()
    try:
        scheme = urlsplit(candidate).scheme.lower()
    except ValueError:
        return None
    if scheme not in _SAFE_LINK_SCHEMES or _ILLEGAL.search(candidate) or any(c.isspace() for c in candidate):
        return None
    return candidate


# Records that are already clean, by id; weak so an entry dies with its record (no id reuse).
_CLEAN: weakref.WeakValueDictionary[int, RunRecord] = weakref.WeakValueDictionary()

_Clean = Callable[[str, int], str]


def _memo() -> _Clean:
    """`clean` with a memo for one record: methods, parameters and evidence repeat a lot."""
    seen: dict[tuple[str, int], str] = {}

    def cached(text: str, limit: int) -> str:
        key = (text, limit)
        if key not in seen:
            seen[key] = clean(text, limit)
        return seen[key]

    return cached


def _instance(instance: Instance, c: _Clean) -> Instance:
    note = instance.suppressed
    return dataclasses.replace(
        instance,
        url=c(instance.url, URL_LIMIT),
        method=c(instance.method, 100),
        parameter=c(instance.parameter, FIELD_LIMIT),
        attack=c(instance.attack, FIELD_LIMIT),
        evidence=c(instance.evidence, FIELD_LIMIT),
        message_id=c(instance.message_id, 100),
        fingerprint=c(instance.fingerprint, 100),
        other_info=c(instance.other_info, FIELD_LIMIT),
        exchange=c(instance.exchange, 100),
        replay=_replay(c(instance.replay, REPLAY_LIMIT)),
        suppressed=None
        if note is None
        else dataclasses.replace(
            note,
            reason=c(note.reason, 2000),
            source=c(note.source, 1000),
            owner=c(note.owner, 500),
            ticket=c(note.ticket, 500),
            expires=c(note.expires, 100),
        ),
    )


# A header argument of a curl command: `-H 'Name: value'` (single or double quotes).
_CURL_HEADER = re.compile(r"""(-H\s+)(['"])([A-Za-z0-9_-]+)(:\s*)((?:(?!\2)[^\r\n])*)(\2)""")


def _replay(command: str) -> str:
    """A replay's sensitive headers masked as in a request: redaction by position misses them
    mid-line, where a command puts them (the ones dast builds are masked already)."""
    if "-H" not in command:
        return command
    return _CURL_HEADER.sub(
        lambda m: (
            m.group(1)
            + m.group(2)
            + m.group(3)
            + m.group(4)
            + mask_header_value(m.group(3), m.group(5))
            + m.group(6)
        ),
        command,
    )


def _exchange(exchange: Exchange, c: _Clean) -> Exchange:
    request, response = exchange.request, exchange.response
    return dataclasses.replace(
        exchange,
        message_id=c(exchange.message_id, 100),
        request=dataclasses.replace(
            request, header=c(request.header, EXCHANGE_LIMIT), body=c(request.body, EXCHANGE_LIMIT)
        ),
        response=dataclasses.replace(
            response, header=c(response.header, EXCHANGE_LIMIT), body=c(response.body, EXCHANGE_LIMIT)
        ),
    )


def _triage(triage: Triage | None, c: _Clean) -> Triage | None:
    if triage is None:
        return None

    def entry(e: TriageEntry) -> TriageEntry:
        return TriageEntry(
            kind=c(e.kind, 50),
            source=c(e.source, 1000),
            rule=c(e.rule, 200),
            reason=c(e.reason, 2000),
            expires=c(e.expires, 100),
        )

    return dataclasses.replace(
        triage,
        applied_on=c(triage.applied_on, 100),
        sources=tuple(c(s, 1000) for s in triage.sources),
        expired=tuple(entry(e) for e in triage.expired),
        stale=tuple(entry(e) for e in triage.stale),
    )


def _baseline(baseline: BaselineComparison | None, c: _Clean) -> BaselineComparison | None:
    if baseline is None:
        return None
    return dataclasses.replace(
        baseline,
        source=c(baseline.source, 1000),
        run_id=c(baseline.run_id, 100),
        started_at=c(baseline.started_at, 100),
        name=c(baseline.name, 200),
        fixed=tuple(
            dataclasses.replace(
                x,
                rule_id=c(x.rule_id, 200),
                name=c(x.name, 500),
                method=c(x.method, 100),
                url=c(x.url, URL_LIMIT),
                parameter=c(x.parameter, FIELD_LIMIT),
                fingerprint=c(x.fingerprint, 100),
            )
            for x in baseline.fixed
        ),
    )


def _finding(finding: Finding, c: _Clean) -> Finding:
    return dataclasses.replace(
        finding,
        rule_id=c(finding.rule_id, 200),
        name=c(finding.name, 500),
        description=c(finding.description, FIELD_LIMIT),
        solution=c(finding.solution, FIELD_LIMIT),
        references=tuple(c(r, URL_LIMIT) for r in finding.references),
        instances=tuple(_instance(i, c) for i in finding.instances),
    )


def _auth(auth: AuthInfo, c: _Clean) -> AuthInfo:
    return dataclasses.replace(
        auth,
        type=c(auth.type, 50),
        verify_url=c(auth.verify_url, URL_LIMIT),
        excluded=tuple(c(e, 1000) for e in auth.excluded),
        login_walls=tuple(c(u, URL_LIMIT) for u in auth.login_walls),
    )


def _assertion(result: AssertionResult, c: _Clean) -> AssertionResult:
    return dataclasses.replace(
        result,
        name=c(result.name, 500),
        rule_id=c(result.rule_id, 200),
        method=c(result.method, 100),
        url=c(result.url, URL_LIMIT),
        acting_as=c(result.acting_as, 50),
        expected=c(result.expected, FIELD_LIMIT),
        seen=c(result.seen, FIELD_LIMIT),
        source=c(result.source, 200),
        message_id=c(result.message_id, 100),
    )


def sanitize_record(record: RunRecord) -> RunRecord:
    """A copy of the record with every free-text field cleaned; still loadable by load_record.

    Cheap to call again on its own result, so the writer cleans once for all reporters.
    """
    if _CLEAN.get(id(record)) is record:
        return record
    c = _memo()
    result = dataclasses.replace(
        record,
        tool_version=c(record.tool_version, 200),
        engine=dataclasses.replace(
            record.engine,
            provider=c(record.engine.provider, 200),
            version=c(record.engine.version, 200),
            rule_source=c(record.engine.rule_source, 200),
        ),
        profile=dataclasses.replace(
            record.profile, name=c(record.profile.name, 500), sha256=c(record.profile.sha256, 200)
        ),
        target=dataclasses.replace(
            record.target,
            url=c(record.target.url, URL_LIMIT),
            image=c(record.target.image, 1000),
            image_digest=c(record.target.image_digest, 200),
            name=c(record.target.name, 200),
            engine_url=c(record.target.engine_url, URL_LIMIT),
        ),
        started_at=c(record.started_at, 100),
        finished_at=c(record.finished_at, 100),
        phases=tuple(
            PhaseResult(
                name=c(p.name, 200),
                outcome=p.outcome,
                duration_s=p.duration_s,
                detail=c(p.detail, FIELD_LIMIT),
                engine_duration_s=p.engine_duration_s,
            )
            for p in record.phases
        ),
        findings=tuple(_finding(f, c) for f in record.findings),
        suppressed=tuple(_finding(f, c) for f in record.suppressed),
        triage=_triage(record.triage, c),
        baseline=_baseline(record.baseline, c),
        rules=tuple(
            dataclasses.replace(r, rule_id=c(r.rule_id, 200), name=c(r.name, 500), kind=c(r.kind, 50))
            for r in record.rules
        ),
        error=c(record.error, FIELD_LIMIT),
        budgets_hit=tuple(c(b, 200) for b in record.budgets_hit),
        completeness=dataclasses.replace(
            record.completeness, reasons=tuple(c(r, FIELD_LIMIT) for r in record.completeness.reasons)
        ),
        warnings=tuple(c(w, FIELD_LIMIT) for w in record.warnings),
        run_id=c(record.run_id, 100),
        coverage=dataclasses.replace(
            record.coverage,
            reached=tuple(c(u, URL_LIMIT) for u in record.coverage.reached),
            not_requested=tuple(c(u, URL_LIMIT) for u in record.coverage.not_requested),
        ),
        auth=_auth(record.auth, c),
        assertions=tuple(_assertion(a, c) for a in record.assertions),
        exchanges=tuple(_exchange(e, c) for e in record.exchanges),
        # `sarif` stays as it is: its paths and patterns are checked whenever a record is made.
    )
    _CLEAN[id(result)] = result
    return result


# Presentation helpers every reporter shares, kept here so the formats agree.


def url_site(url: str) -> str:
    """`site_of(url)`, parsed once per scheme://authority: reports ask it of every instance."""
    if "://" not in url:
        return site_of(url)
    return _site_of_prefix("/".join(url.split("/", 3)[:3]))


@functools.lru_cache(maxsize=4096)
def _site_of_prefix(prefix: str) -> str:
    return site_of(prefix)


def xml_bytes(root: ET.Element) -> bytes:
    """The document as UTF-8 with its declaration; serialised to text first, which is several
    times faster than ElementTree's own encoding writer on a large report."""
    text = ET.tostring(root, encoding="unicode")
    return f"<?xml version='1.0' encoding='utf-8'?>\n{text}\n".encode()


def by_severity(findings: tuple[Finding, ...]) -> list[Finding]:
    """High first, then by name and rule id, so reports read (and diff) the same every run."""
    return sorted(findings, key=lambda f: (-f.risk, f.name.lower(), f.rule_id))


def cwe_url(cwe_id: int) -> str:
    return f"https://cwe.mitre.org/data/definitions/{cwe_id}.html"


# WASC publishes no page per id; its Threat Classification lists them all.
WASC_URL = "http://projects.webappsec.org/w/page/13246978/Threat%20Classification"


def wasc_url(wasc_id: int) -> str:
    return WASC_URL
