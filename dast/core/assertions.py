"""Security assertions ("evil user stories"): one request each, through the engine, and a verdict.

The profile's own assertions come first, then those of the built-in sets it names. Each sends
its request as the logged-in user or anonymously and checks the answer; the result says what
was expected and what was seen, and a failure gates like a finding of the assertion's risk.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from dast.core.auth import Authenticator, request_line, resolve, same_origin
from dast.engine.auth_interface import SentMessage
from dast.engine.interface import ZapApi
from dast.errors import EngineError
from dast.models import AssertionOutcome, AssertionResult, Risk
from dast.polling import Deadline
from dast.profiles.assertions import Assertion, AssertionRequest, AssertionSetRef, Expect
from dast.profiles.auth import FormAuth
from dast.profiles.model import Profile
from dast.redact import redact

ASSERTIONS_BUDGET_S = 60.0
RULE_PREFIX = "dast-assertion/"
REDIRECTS = [301, 302, 303, 307, 308]


@dataclass(frozen=True)
class Planned:
    assertion: Assertion
    source: str  # "profile" or the set's name


def plan(profile: Profile) -> list[Planned]:
    """The profile's assertions, then those its sets expand to."""
    planned = [Planned(a, "profile") for a in profile.assertions]
    for ref in profile.assertions_sets:
        planned += [Planned(a, ref.name) for a in expand_set(ref, profile)]
    return planned


def expand_set(ref: AssertionSetRef, profile: Profile) -> list[Assertion]:
    paths = list(ref.paths)
    if ref.name == "security-headers":
        return [
            _assertion(f"security headers: {header} on {path}", path, expect, "Medium")
            for path in paths or ["/"]
            for header, expect in (
                ("Content-Security-Policy", Expect(header={"Content-Security-Policy": r"\S"})),
                ("X-Content-Type-Options", Expect(header={"X-Content-Type-Options": r"(?i)^\s*nosniff\s*$"})),
                ("X-Frame-Options", Expect(header={"X-Frame-Options": r"(?i)deny|sameorigin"})),
            )
        ]
    if ref.name == "no-server-banner":
        expect = Expect(
            header_absent=["X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"],
            header_not={"Server": r"\d"},
        )
        return [_assertion(f"no server banner on {path}", path, expect, "Low") for path in paths or ["/"]]
    if ref.name == "cookies-secure":
        auth = profile.auth
        defaults = [auth.login_url] if isinstance(auth, FormAuth) else ["/"]
        # Secure is checked on https targets only (see run_assertions): over http it cannot be set.
        expect = Expect(cookie_flags=["HttpOnly", "Secure", "SameSite"])
        return [
            _assertion(f"cookies are HttpOnly, Secure and SameSite on {path}", path, expect, "Medium")
            for path in paths or defaults
        ]
    # anonymous-denied
    return [
        _assertion(
            f"anonymous users are denied {path}",
            path,
            Expect(status=[401, 403, *REDIRECTS]),
            "High",
            acting_as="anonymous",
        )
        for path in paths
    ]


def _assertion(name: str, path: str, expect: Expect, risk: str, acting_as: str | None = None) -> Assertion:
    return Assertion.model_validate(
        {"name": name, "request": {"path": path, "as": acting_as}, "expect": expect, "risk": risk}
    )


def rule_id(name: str) -> str:
    return RULE_PREFIX + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100] or "unnamed")


def run_assertions(
    api: ZapApi,
    planned: list[Planned],
    target_url: str,
    authenticator: Authenticator | None,
    deadline: Deadline,
    rebase: Callable[[str], str] = lambda url: url,
) -> list[AssertionResult]:
    """Send every planned assertion's request and judge the answer; in the profile's order."""
    https = urlsplit(target_url).scheme == "https"
    results: dict[int, AssertionResult] = {}
    as_user = [
        (i, p) for i, p in enumerate(planned) if _acting_as(p.assertion.request, authenticator) == "user"
    ]
    anonymous = [(i, p) for i, p in enumerate(planned) if (i, p) not in as_user]
    results.update(_run(api, as_user, target_url, "user", https, deadline, rebase))
    if anonymous:
        with authenticator.anonymous() if authenticator is not None else contextlib.nullcontext():
            results.update(_run(api, anonymous, target_url, "anonymous", https, deadline, rebase))
    return [results[i] for i in sorted(results)]


def _acting_as(request: AssertionRequest, authenticator: Authenticator | None) -> str:
    if request.as_ is not None:
        return request.as_
    return "user" if authenticator is not None else "anonymous"


def _run(
    api: ZapApi,
    items: list[tuple[int, Planned]],
    target_url: str,
    acting_as: str,
    https: bool,
    deadline: Deadline,
    rebase: Callable[[str], str],
) -> Iterator[tuple[int, AssertionResult]]:
    for index, item in items:
        request = item.assertion.request
        url = resolve(target_url, request.path)
        expect = item.assertion.expect
        if not https and expect.cookie_flags and item.source == "cookies-secure":
            expect = expect.model_copy(
                update={"cookie_flags": [f for f in expect.cookie_flags if f != "Secure"]}
            )
        draft = AssertionResult(
            name=item.assertion.name,
            rule_id=rule_id(item.assertion.name),
            risk=Risk.parse(item.assertion.risk),
            outcome=AssertionOutcome.ERROR,
            method=request.method,
            url=rebase(url),
            acting_as=acting_as,
            expected=describe(expect),
            seen="",
            source=item.source,
        )
        if not same_origin(url, target_url):
            yield index, replace(draft, seen="not sent: the URL is not on the target's origin")
            continue
        if deadline.expired():
            yield index, replace(draft, seen="not sent: the time budget ran out")
            continue
        try:
            answer = api.send(
                request_line(request.method, url, request.body or "", request.content_type or "")
            )
        except EngineError as err:
            yield index, replace(draft, seen=f"no answer: {err}")
            continue
        passed, seen = judge(expect, answer)
        outcome = AssertionOutcome.PASSED if passed else AssertionOutcome.FAILED
        yield index, replace(draft, outcome=outcome, seen=seen, message_id=answer.message_id)


def describe(expect: Expect) -> str:
    """The expectation in words, as reports show it."""
    parts: list[str] = []
    if expect.status is not None:
        parts.append(f"status in {expect.status}")
    if expect.status_not is not None:
        parts.append(f"status not in {expect.status_not}")
    parts += [f"header {name} matching {regex!r}" for name, regex in (expect.header or {}).items()]
    parts += [f"no header {name}" for name in expect.header_absent or ()]
    parts += [
        f"header {name} absent or not matching {regex!r}" for name, regex in (expect.header_not or {}).items()
    ]
    if expect.body_contains is not None:
        parts.append(f"body matching {expect.body_contains!r}")
    if expect.body_not_contains is not None:
        parts.append(f"body not matching {expect.body_not_contains!r}")
    if expect.cookie_flags is not None:
        parts.append(f"every Set-Cookie with {', '.join(expect.cookie_flags)}")
    return "; ".join(parts)


def judge(expect: Expect, answer: SentMessage) -> tuple[bool, str]:
    """(passed, what was seen): every expectation must hold."""
    headers = _headers(answer.response_header)
    status = answer.status
    failures: list[str] = []
    seen = [f"status {status}"]
    if expect.status is not None and status not in expect.status:
        failures.append(f"status {status}")
    if expect.status_not is not None and status in expect.status_not:
        failures.append(f"status {status}")
    for name, regex in (expect.header or {}).items():
        values = headers.get(name.lower(), [])
        seen.append(_shown(name, values) if values else f"no {name} header")
        if not any(re.search(regex, v) for v in values):
            failures.append(f"{name} " + ("does not match" if values else "is missing"))
    for name in expect.header_absent or ():
        values = headers.get(name.lower(), [])
        if values:
            seen.append(_shown(name, values))
            failures.append(f"{name} is present")
    for name, regex in (expect.header_not or {}).items():
        values = headers.get(name.lower(), [])
        if values:
            seen.append(_shown(name, values))
        if any(re.search(regex, v) for v in values):
            failures.append(f"{name} matches {regex!r}")
    body = answer.response_body
    if expect.body_contains is not None and not re.search(expect.body_contains, body):
        failures.append(f"body does not match {expect.body_contains!r}")
    if expect.body_not_contains is not None:
        match = re.search(expect.body_not_contains, body)
        if match:
            failures.append(f"body contains {match.group()[:80]!r}")
    if expect.cookie_flags is not None:
        for cookie in headers.get("set-cookie", []):
            name = cookie.split("=", 1)[0].strip()
            attributes = {part.split("=", 1)[0].strip().lower() for part in cookie.split(";")[1:]}
            missing = [flag for flag in expect.cookie_flags if flag.lower() not in attributes]
            seen.append(f"cookie {name}: " + (f"no {', '.join(missing)}" if missing else "all flags"))
            if missing:
                failures.append(f"cookie {name} without {', '.join(missing)}")
    location = headers.get("location")
    if location:
        seen.append(_shown("Location", location[:1]))
    text = "; ".join(dict.fromkeys(seen))
    if failures:
        text = f"{text} (failed: {'; '.join(failures)})"
    return not failures, text


def _shown(name: str, values: list[str]) -> str:
    """`Name: value, ...` for the report, cookie and credential values masked by position."""
    return ", ".join(redact(f"{name}: {v}") for v in values)


def _headers(block: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in block.splitlines()[1:]:
        name, colon, value = line.partition(":")
        if colon and name.strip():
            found.setdefault(name.strip().lower(), []).append(value.strip())
    return found
