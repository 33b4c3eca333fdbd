"""The HTTP exchange behind each finding, so a reviewer can confirm it without scanning again.

Storage rule (it keeps a record of 10,000 instances small): each message is stored once, by the
engine's message id, and only the first 3 instances of a rule at each site point to one; the
others keep URL, parameter, attack and evidence. Every instance gets a curl command; for those
without a stored exchange it is built from what they have (method and URL), or from the request
alone when its method carries a body. Requests are cut to 8 KiB of body, responses to a 16 KiB
excerpt centred on the evidence; everything is redacted by value before it is cut.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from dast.core.replay import curl_command, parse_request_head
from dast.errors import EngineError
from dast.fingerprint import site_of
from dast.identity import rebase, rebase_text
from dast.models import Exchange, Finding, HttpRequest, HttpResponse, Instance
from dast.polling import Deadline
from dast.redact import redact

FULL_PER_RULE_AND_SITE = 3
REQUEST_BODY_LIMIT = 8 * 1024  # characters
RESPONSE_BODY_LIMIT = 16 * 1024
HEADER_LIMIT = 16 * 1024
# Messages asked of the engine per scan at most (one API call each).
MAX_FETCHES = 1_000
FETCH_THREADS = 4  # messages asked for at once
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Redacted with this much around the part kept, so a secret straddling the cut is masked whole.
_MARGIN = 4_096
_STATUS = re.compile(r"HTTP/\S+\s+(\d{3})")

Fetch = Callable[[str], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Exchanges:
    findings: tuple[Finding, ...]
    exchanges: tuple[Exchange, ...]
    unavailable: int  # messages the engine could not give (or that the fetch budget left out)


@dataclass(frozen=True)
class _Request:
    head: str  # request line and headers, rebased and redacted
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: str
    body_cut: bool


class _Fetcher:
    """Messages by id, each asked for once, within a count and a deadline."""

    def __init__(self, fetch: Fetch, deadline: Deadline | None) -> None:
        self._fetch = fetch
        self._deadline = deadline
        self._seen: dict[str, Mapping[str, Any] | None] = {}
        self._fetched: dict[str, Mapping[str, Any] | None] = {}  # asked for ahead, not yet used
        self.unavailable = 0

    def prefetch(self, message_ids: list[str]) -> None:
        """Ask for these (in order, each once, within the budget) on a few connections at once.

        One call per message costs the engine little but a round trip each; overlapping them
        takes the wait out of collecting evidence.
        """
        wanted = [i for i in dict.fromkeys(message_ids) if i.isdigit() and i not in self._seen]
        wanted = wanted[:MAX_FETCHES]
        with ThreadPoolExecutor(max_workers=FETCH_THREADS, thread_name_prefix="dast-evidence") as pool:
            self._fetched.update(zip(wanted, pool.map(self._fetch_one, wanted), strict=True))

    def _fetch_one(self, message_id: str) -> Mapping[str, Any] | None:
        if self._deadline is not None and self._deadline.expired():
            return None
        try:
            return self._fetch(message_id)
        except EngineError:
            return None

    def get(self, message_id: str) -> Mapping[str, Any] | None:
        if message_id in self._seen:
            return self._seen[message_id]
        message: Mapping[str, Any] | None = None
        out_of_budget = len(self._seen) >= MAX_FETCHES or (
            self._deadline is not None and self._deadline.expired()
        )
        if message_id in self._fetched:
            message = self._fetched.pop(message_id)
        elif message_id.isdigit() and not out_of_budget:
            message = self._fetch_one(message_id)  # None: gone from the engine's history, or it struggles
        if message is None:
            self.unavailable += 1
        self._seen[message_id] = message
        return message


def attach_exchanges(
    findings: tuple[Finding, ...],
    fetch: Fetch,
    engine_url: str,
    base_url: str,
    variables: frozenset[str] = frozenset(),
    deadline: Deadline | None = None,
    full_per_rule_and_site: int = FULL_PER_RULE_AND_SITE,
) -> Exchanges:
    """Each instance with its curl; the first N (3) of a rule per site with their stored exchange.

    `findings` are as build_findings made them (URLs under `base_url`, redacted); `fetch` gives
    the engine's message by id (None when it has none); `variables` are the environment
    variables a curl may expand (REDACTOR.variables()).
    """
    fetcher = _Fetcher(fetch, deadline)
    # The messages wanted, in the order they are used, asked of the engine a few at a time.
    fetcher.prefetch(
        [
            instance.message_id
            for finding in findings
            for instance, keep in _kept(finding, full_per_rule_and_site)
            if keep or instance.method.upper() in _BODY_METHODS
        ]
    )
    stored: dict[str, Exchange] = {}
    result = []
    for finding in findings:
        instances = []
        for instance, keep in _kept(finding, full_per_rule_and_site):
            message = None
            if keep or instance.method.upper() in _BODY_METHODS:
                message = fetcher.get(instance.message_id)
            request = _request(message, engine_url, base_url) if message is not None else None
            exchange_id = ""
            if keep and message is not None and request is not None:
                if instance.message_id not in stored:
                    stored[instance.message_id] = _exchange(instance, message, request, engine_url, base_url)
                exchange_id = instance.message_id
            instances.append(
                dataclasses.replace(
                    instance,
                    exchange=exchange_id,
                    replay=_replay(instance, request, base_url, variables),
                )
            )
        result.append(dataclasses.replace(finding, instances=tuple(instances)))
    exchanges = tuple(sorted(stored.values(), key=lambda e: (len(e.message_id), e.message_id)))
    return Exchanges(tuple(result), exchanges, fetcher.unavailable)


def _kept(finding: Finding, full_per_rule_and_site: int) -> Iterator[tuple[Instance, bool]]:
    """Each instance, and whether it is among the first N of its rule at its site (stored whole)."""
    per_site: dict[str, int] = {}
    for instance in finding.instances:
        site = site_of(instance.url)
        yield instance, per_site.get(site, 0) < full_per_rule_and_site
        per_site[site] = per_site.get(site, 0) + 1


def _replay(instance: Instance, request: _Request | None, base_url: str, variables: frozenset[str]) -> str:
    if request is None:
        return curl_command(instance.method, instance.url, base_url, variables=variables)
    return curl_command(
        request.method,
        request.url or instance.url,
        base_url,
        headers=request.headers,
        body=request.body,
        variables=variables,
        body_cut=request.body_cut,
    )


def _text(message: Mapping[str, Any], key: str) -> str:
    value = message.get(key, "")
    return value if isinstance(value, str) else ""


def _rebased_head(head: str, engine_url: str, base_url: str) -> str:
    """Header text with the engine's throwaway host:port named as the report base."""
    if not engine_url or not base_url or engine_url == base_url:
        return head
    head = rebase_text(head, engine_url, base_url)
    engine_host, base_host = urlsplit(engine_url).netloc, urlsplit(base_url).netloc
    return re.sub(
        rf"(?im)^(host:[ \t]*){re.escape(engine_host)}[ \t]*(?=\r?$)", lambda m: m.group(1) + base_host, head
    )


def _cut_head(head: str) -> str:
    return redact(head[: HEADER_LIMIT + _MARGIN])[:HEADER_LIMIT]


def _request(message: Mapping[str, Any], engine_url: str, base_url: str) -> _Request | None:
    head = _text(message, "requestHeader")
    if not head.strip():
        return None
    head = _cut_head(_rebased_head(head, engine_url, base_url))
    method, target, headers = parse_request_head(head)
    if target and not target.startswith(("http://", "https://")):
        target = base_url.rstrip("/") + target  # origin-form: the path alone
    raw_body = _text(message, "requestBody")
    body = redact(raw_body[: REQUEST_BODY_LIMIT + _MARGIN])[:REQUEST_BODY_LIMIT]
    return _Request(
        head=head,
        method=method,
        url=rebase(target, engine_url, base_url) if target else "",
        headers=headers,
        body=body,
        body_cut=len(raw_body) > REQUEST_BODY_LIMIT,
    )


def _exchange(
    instance: Instance, message: Mapping[str, Any], request: _Request, engine_url: str, base_url: str
) -> Exchange:
    raw_request_body = _text(message, "requestBody")
    response_head = _cut_head(_rebased_head(_text(message, "responseHeader"), engine_url, base_url))
    status = _STATUS.match(response_head)
    body, offset = excerpt(_text(message, "responseBody"), instance.evidence, RESPONSE_BODY_LIMIT)
    return Exchange(
        message_id=instance.message_id,
        request=HttpRequest(header=request.head, body=request.body, body_length=len(raw_request_body)),
        response=HttpResponse(
            header=response_head,
            status_code=int(status.group(1)) if status else 0,
            body=body,
            body_offset=offset,
            body_length=len(_text(message, "responseBody")),
        ),
    )


def excerpt(body: str, evidence: str, limit: int) -> tuple[str, int]:
    """At most `limit` characters of `body` (redacted), centred on the evidence; and where they start.

    Without the evidence in the body (it was in a header, or there is none) the excerpt is the start.
    """
    if len(body) <= limit:
        return redact(body), 0
    position = body.find(evidence) if evidence else -1
    centre = position + len(evidence) // 2 if position >= 0 else limit // 2
    start = max(0, min(centre - limit // 2, len(body) - limit))
    # Redacted with a margin on both sides, then cut back to `limit` around the same place.
    window_start = max(0, start - _MARGIN)
    window = redact(body[window_start : start + limit + _MARGIN])
    inner = start - window_start
    found = window.find(evidence) if evidence else -1
    if found >= 0:
        inner = max(0, min(found + len(evidence) // 2 - limit // 2, len(window) - limit))
    return window[inner : inner + limit], window_start + inner
