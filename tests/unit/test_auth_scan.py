"""Authenticated scans in the core, against the fakes at the engine seam (no ZAP, no network)."""

from __future__ import annotations

from typing import Any

import pytest
from fake_auth import LOGGED_IN_PAGE, LOGIN_PAGE, sent
from fakes import FakeClock, FakeProvider, FakeTarget, FakeZap, make_profile

from dast.core.auth import login_scope, looks_logged_in, resolve
from dast.core.auth_config import resolve_auth
from dast.core.events import RecordingObserver
from dast.core.scan import ScanRequest, run_scan
from dast.engine.auth_interface import (
    CSRF_PLACEHOLDER,
    AuthCounters,
    FormLogin,
    SentMessage,
    StaticCredential,
)
from dast.models import AssertionOutcome, Risk, RunRecord
from dast.profiles.model import Profile
from dast.redact import REDACTOR

TARGET = "http://127.0.0.1:8080/"
LOGIN_FORM_PAGE = """<html><form action="/session" method="post">
<input type="hidden" name="csrf_token" value="abc123abc123">
<input type="text" name="user"><input type="password" name="pass"><button name="go">Go</button>
</form></html>"""
FORM: dict[str, Any] = {
    "type": "form",
    "login_url": "/login",
    "username": {"env": "APP_USER"},
    "password": {"env": "APP_PASSWORD"},
    "fields": {"username": "user", "password": "pass"},
    "verify_url": "/account",
    "logged_in": 'href="/logout"',
}
ENVIRON = {"APP_USER": "scanner-unit", "APP_PASSWORD": "unit-pw-0001", "API_KEY": "unit-api-key-0001"}


def answers(routes: dict[tuple[str, str], SentMessage]) -> Any:
    """send() answers by (acting as user?, path); anything else: the default page."""

    def answer(raw: str, user: str | None) -> SentMessage:
        url = raw.split(" ", 2)[1]
        path = url.split("8080", 1)[-1].split("?")[0]
        key = ("user" if user else "anonymous", path)
        if key in routes:
            return routes[key]
        if ("any", path) in routes:
            return routes[("any", path)]
        return sent(200, LOGGED_IN_PAGE if user else LOGIN_PAGE, request=raw.split("\r\n")[0])

    return answer


def scan(profile: Profile, zap: FakeZap, environ: dict[str, str] = ENVIRON) -> RunRecord:
    auth = resolve_auth(profile.auth, environ) if profile.auth is not None else None
    request = ScanRequest(profile=profile, profile_sha256="0" * 64, fail_on=Risk.MEDIUM, auth=auth)
    return run_scan(request, FakeTarget(), FakeProvider(zap), RecordingObserver(), FakeClock())


def form_zap() -> FakeZap:
    zap = FakeZap()
    zap.answer = answers({("anonymous", "/login"): sent(200, LOGIN_FORM_PAGE)})
    zap.counters = AuthCounters(logins=1, checked=40, logged_out=1)
    return zap


# --- form logins ------------------------------------------------------------------------------


def test_a_form_login_is_set_up_verified_and_forced_before_the_first_crawl_request() -> None:
    zap = form_zap()
    record = scan(make_profile("full", auth=FORM), zap)
    assert record.error == ""
    names = zap.first_calls()
    # The login happens before the root is requested; everything after runs as the user.
    assert names.index("add_login_user") < names.index("log_in") < names.index("act_as_user")
    assert names.index("act_as_user") < names.index("access_url") < names.index("start_spider")
    assert zap.called("act_as_user") == [("1", "7")]
    ((_context, login),) = zap.called("add_login_user")
    assert isinstance(login, FormLogin)
    # The form's own action and hidden CSRF field, found on the login page.
    assert login.submit_url == "http://127.0.0.1:8080/session"
    assert login.login_page_url == "http://127.0.0.1:8080/login"
    assert login.csrf_fields == ("csrf_token",)
    assert login.body == f"csrf_token={CSRF_PLACEHOLDER}&user={{%username%}}&pass={{%password%}}"
    assert (login.username, login.password) == ("scanner-unit", "unit-pw-0001")
    assert login.logged_out == "name=[\"']?pass[\"'\\s/>]"  # the default: the login form is on the page
    assert record.auth.verified and record.auth.verify_url == "http://127.0.0.1:8080/account"
    assert (record.auth.logins, record.auth.relogins) == (1, 0)
    assert [p.name for p in record.phases][:3] == ["target_start", "engine_start", "login"]


def test_logout_pages_are_never_requested_and_the_login_page_never_attacked() -> None:
    zap = form_zap()
    scan(make_profile("full", auth={**FORM, "submit_url": "/session"}, scope={"exclude": ["/private/"]}), zap)
    ((_name, _include, exclude, attack_exclude),) = zap.called("create_context")
    assert len(exclude) == 2  # the scope's own exclude, then the logout hazards
    assert "log[-_]?out" in exclude[1]
    assert attack_exclude[-2:] == [  # after the static assets
        "\\Qhttp://127.0.0.1:8080/login\\E(?:\\?.*)?",
        "\\Qhttp://127.0.0.1:8080/session\\E(?:\\?.*)?",
    ]


def test_overriding_the_hazards_requests_logout_like_any_page() -> None:
    scope = login_scope(
        resolve_auth(make_profile("baseline", auth={**FORM, "exclude": []}).auth, ENVIRON),
        TARGET,  # type: ignore[arg-type]
    )
    assert scope.exclude == ()


def test_a_refused_login_stops_the_scan_before_the_spider() -> None:
    zap = form_zap()
    zap.login_results = [False]
    record = scan(make_profile("full", auth=FORM), zap)
    assert record.error.startswith("login failed: POST http://127.0.0.1:8080/session answered 200")
    assert record.error_setting == "auth"
    assert "start_spider" not in zap.names() and "access_url" not in zap.names()
    assert "act_as_user" not in zap.names()
    assert not record.completeness.complete
    assert (record.auth.type, record.auth.verified, record.auth.failed_logins) == ("form", False, 1)
    assert record.phases[-1].name == "login" and record.phases[-1].outcome.value == "failed"
    assert "unit-pw-0001" not in str(record.to_dict())


def test_a_verify_url_answering_logged_out_stops_the_scan() -> None:
    zap = form_zap()
    zap.answer = answers(
        {
            ("anonymous", "/login"): sent(200, LOGIN_FORM_PAGE),
            ("user", "/account"): sent(302, "", "Location: /login\r\n"),
        }
    )
    record = scan(make_profile("baseline", auth=FORM), zap)
    assert record.error == (
        "login failed: GET http://127.0.0.1:8080/account answered 302 (Location: /login) without the logged_in pattern"
    )
    assert "start_spider" not in zap.names()


def test_a_login_page_without_the_form_is_a_clear_failure() -> None:
    zap = FakeZap()
    zap.answer = answers({("anonymous", "/login"): sent(200, "<p>maintenance</p>")})
    record = scan(make_profile("baseline", auth=FORM), zap)
    assert record.error == (
        "login failed: GET http://127.0.0.1:8080/login answered 200 without a form holding a 'pass' field "
        "(set auth.submit_url and auth.fields)"
    )


def test_credentials_go_only_to_the_targets_origin() -> None:
    zap = form_zap()
    record = scan(make_profile("baseline", auth={**FORM, "login_url": "http://evil.example/login"}), zap)
    assert record.error.startswith(
        "login failed: auth.login_url http://evil.example/login is not on the target's origin"
    )
    assert "send" not in zap.names()


@pytest.mark.parametrize(
    ("counters", "reason"),
    [
        (
            AuthCounters(logins=3, failed_logins=2, checked=50, logged_out=3),
            "2 login attempt(s) during the scan failed",
        ),
        (
            AuthCounters(logins=1, checked=40, logged_out=30),
            "30 of 40 answers to the user's requests looked logged out",
        ),
    ],
)
def test_a_session_that_did_not_hold_makes_the_scan_incomplete(counters: AuthCounters, reason: str) -> None:
    zap = form_zap()
    zap.counters = counters
    record = scan(make_profile("baseline", auth=FORM), zap)
    assert any(reason in r for r in record.completeness.reasons), record.completeness.reasons
    assert record.auth.relogins == counters.logins - 1


def test_relogins_are_counted_and_a_held_session_is_complete() -> None:
    zap = form_zap()
    zap.counters = AuthCounters(logins=3, checked=200, logged_out=2)
    record = scan(make_profile("baseline", auth=FORM), zap)
    assert record.completeness.complete, record.completeness.reasons
    assert (record.auth.logins, record.auth.relogins, record.auth.logged_out_share) == (3, 2, 0.01)


def test_reaching_nothing_but_the_login_page_is_incomplete() -> None:
    zap = form_zap()
    zap.site_urls = ["http://127.0.0.1:8080/", "http://127.0.0.1:8080/login", "http://127.0.0.1:8080/session"]
    record = scan(make_profile("baseline", auth=FORM), zap)
    assert "login: the scan reached nothing but the login page" in record.completeness.reasons


# --- without auth -----------------------------------------------------------------------------


def test_without_auth_a_login_wall_says_the_scan_never_got_past_login() -> None:
    zap = FakeZap()
    zap.walls = ["http://127.0.0.1:8080/member/", "http://127.0.0.1:8080/member/orders"]
    record = scan(make_profile("baseline"), zap)
    assert record.auth.login_walls == tuple(zap.walls)
    (reason,) = [r for r in record.completeness.reasons if "login" in r]
    assert reason.startswith(
        "login: the scan never got past login: 2 in-scope URL(s) answered 401 or a redirect to a login page "
        "(e.g. http://127.0.0.1:8080/member/)"
    )
    assert [p.name for p in record.phases if p.name in ("login", "assertions")] == []


def test_without_auth_and_without_walls_nothing_changes() -> None:
    record = scan(make_profile("baseline"), FakeZap())
    assert record.completeness.complete and record.auth.type == "" and record.auth.login_walls == ()


# --- JSON, header and cookie credentials ----------------------------------------------------------

JSON_AUTH: dict[str, Any] = {
    "type": "json",
    "submit_url": "/api/login",
    "username": {"env": "APP_USER"},
    "password": {"env": "APP_PASSWORD"},
    "token_path": "data.access_token",
    "verify_url": "/api/me",
    "logged_in": '"user"',
    "logged_out": "HTTP/1.1 401",
}


def json_zap(tokens: list[str]) -> FakeZap:
    zap = FakeZap()
    given = iter(tokens)

    def answer(raw: str, user: str | None) -> SentMessage:
        if raw.startswith("POST http://127.0.0.1:8080/api/login"):
            token = next(given, "")
            body = f'{{"data": {{"access_token": "{token}"}}}}' if token else '{"error": "no"}'
            return sent(200 if token else 401, body)
        if "/api/me" in raw:
            return sent(200, '{"user": "scanner"}') if user else sent(401, "{}")
        return sent(200, "")

    zap.answer = answer
    return zap


def test_a_json_login_puts_the_token_in_a_header_for_the_targets_origin_only() -> None:
    zap = json_zap(["tok-json-unit-0001"])
    record = scan(make_profile("baseline", auth=JSON_AUTH), zap)
    assert record.error == ""
    login = next(raw for (raw,) in zap.called("send") if raw.startswith("POST"))
    assert '{"username": "scanner-unit", "password": "unit-pw-0001"}' in login
    assert "Content-Type: application/json" in login
    assert zap.called("add_credential") == [("http://127.0.0.1:8080", "Authorization", "")]
    assert REDACTOR("Authorization: Bearer tok-json-unit-0001") == "Authorization: Bearer ***token***"
    assert (record.auth.type, record.auth.verified, record.auth.logins) == ("json", True, 1)


def test_a_json_login_without_a_token_fails() -> None:
    record = scan(make_profile("baseline", auth=JSON_AUTH), json_zap([]))
    assert (
        record.error
        == "login failed: POST http://127.0.0.1:8080/api/login answered 401 without a token at data.access_token"
    )


def test_a_json_session_lost_mid_scan_is_logged_in_again_by_dast() -> None:
    zap = json_zap(["tok-json-unit-0002", "tok-json-unit-0003"])
    # The engine counts logged-out answers; they start rising once the spider runs.
    counts = iter([0, 0, 4, 4, 4, 4])
    original = zap.auth_counters

    def counters(site: str) -> AuthCounters:
        original(site)
        return AuthCounters(checked=50, logged_out=next(counts, 4))

    zap.auth_counters = counters  # type: ignore[method-assign]
    zap._spider.values = [10, 20, 30, 100]  # a few polls, so the phase ticks
    record = scan(make_profile("baseline", auth=JSON_AUTH), zap)
    assert (record.auth.logins, record.auth.relogins, record.auth.failed_logins) == (2, 1, 0)
    assert zap.called("set_credential")[-1] == ("<secret>",)
    assert REDACTOR("x tok-json-unit-0003 y") == "x ***token*** y"


def test_header_and_cookie_credentials_are_installed_for_the_origin() -> None:
    zap = FakeZap()
    header = {"type": "header", "name": "X-Api-Key", "value": {"env": "API_KEY"}, "prefix": "Key "}
    record = scan(make_profile("baseline", auth=header), zap)
    assert zap.called("add_credential") == [("http://127.0.0.1:8080", "X-Api-Key", "")]
    assert zap.acting_as == "Key unit-api-key-0001"
    assert record.auth.verified is False
    assert any("authentication is not verified" in w for w in record.warnings)
    cookie_zap = FakeZap()
    scan(
        make_profile("baseline", auth={"type": "cookie", "name": "sid", "value": {"env": "API_KEY"}}),
        cookie_zap,
    )
    assert cookie_zap.called("add_credential") == [("http://127.0.0.1:8080", "", "sid")]


def test_a_credential_the_engine_cannot_add_is_a_login_failure() -> None:
    class NoScripts(FakeZap):
        def add_credential(self, credential: StaticCredential, script_dir: str) -> str | None:
            return "the engine has no Nashorn script engine (it offers: none)"

    record = scan(
        make_profile("baseline", auth={"type": "header", "name": "X-K", "value": {"env": "API_KEY"}}),
        NoScripts(),
    )
    assert record.error == (
        "login failed: the engine cannot add the credential to requests: the engine has no Nashorn script engine "
        "(it offers: none)"
    )


# --- assertions in the scan -------------------------------------------------------------------


def test_assertions_run_before_the_spider_as_user_then_anonymously() -> None:
    zap = form_zap()
    profile = make_profile(
        "baseline",
        auth=FORM,
        assertions=[
            {
                "name": "anon admin",
                "request": {"path": "/admin", "as": "anonymous"},
                "expect": {"status": [403]},
            },
            {"name": "user account", "request": {"path": "/account"}, "expect": {"status": [200]}},
        ],
    )
    zap.answer = answers(
        {
            ("anonymous", "/login"): sent(200, LOGIN_FORM_PAGE),
            ("anonymous", "/admin"): sent(403, "no"),
            ("user", "/admin"): sent(200, "admin"),
        }
    )
    record = scan(profile, zap)
    assert [(a.name, a.outcome, a.acting_as) for a in record.assertions] == [
        ("anon admin", AssertionOutcome.PASSED, "anonymous"),
        ("user account", AssertionOutcome.PASSED, "user"),
    ]
    names = zap.names()
    assert names.index("start_spider") > max(i for i, n in enumerate(names) if n == "send")
    # Anonymous requests go without the forced user, which is set again afterwards.
    assert zap.called("act_as_user") == [("1", "7"), ("1", None), ("1", "7")]
    phase = next(p for p in record.phases if p.name == "assertions")
    assert phase.detail == "2 passed, 0 failed, 0 not checked"


def test_an_assertion_that_cannot_be_checked_makes_the_scan_incomplete() -> None:
    from dast.errors import EngineError

    zap = FakeZap()
    zap.answer = lambda raw, user: (_ for _ in ()).throw(
        EngineError("ZAP API core/action/sendRequest timed out")
    )
    profile = make_profile(
        "baseline", assertions=[{"name": "a", "request": {"path": "/a"}, "expect": {"status": [200]}}]
    )
    record = scan(profile, zap)
    assert record.assertions[0].outcome is AssertionOutcome.ERROR
    assert "assertion 'a' could not be checked: no answer: ZAP API core/action/sendRequest timed out" in (
        record.completeness.reasons
    )


def test_helpers() -> None:
    assert resolve("http://h/app/", "/login") == "http://h/app/login"
    assert resolve("http://h/app", "login") == "http://h/app/login"
    assert resolve("http://h/", "http://h/x") == "http://h/x"
    assert looks_logged_in(sent(200, LOGGED_IN_PAGE), 'href="/logout"', None)
    assert not looks_logged_in(sent(200, LOGIN_PAGE), 'href="/logout"', None)
    assert looks_logged_in(sent(200, "{}"), None, "401")
    assert not looks_logged_in(sent(401, "{}"), None, None)


def test_urls_only_the_assertions_asked_for_are_no_login_wall() -> None:
    zap = FakeZap()
    zap.walls = ["http://127.0.0.1:8080/admin"]
    zap.answer = lambda raw, user: sent(302, "", "Location: /login\r\n")
    profile = make_profile("baseline", assertions_sets=[{"anonymous-denied": ["/admin"]}])
    record = scan(profile, zap)
    assert record.assertions[0].outcome is AssertionOutcome.PASSED
    assert record.completeness.complete, record.completeness.reasons
