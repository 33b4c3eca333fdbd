"""Redaction by value (every encoding, named placeholders, payloads kept) and harvesting the target's secrets."""

from __future__ import annotations

import base64
import html
import json
from urllib.parse import quote, quote_plus

import pytest
from fakes import FakeClock, FakeProvider, FakeTarget, FakeZap, alert, http_message, make_profile

from dast.core.events import RecordingObserver
from dast.core.scan import ScanRequest, run_scan
from dast.core.secret_harvest import MAX_PAGES, PAGE_SIZE, harvest_secrets, looks_secret, secret_values
from dast.models import Risk
from dast.polling import Deadline
from dast.redact import MASK, REDACTOR, Redactor, placeholder_for

# Characters every encoding changes: URL (+ / = & space), HTML (& < > " '), JSON (" \ /).
KEY = "k3y+v4l/ue=&<x> \"q\" 'z' \\w"
TOKEN = "tok5d8a0c3e77b1"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def redactor(**sources: str) -> Redactor:
    r = Redactor()
    for source, value in sources.items():
        r.add(value, source.replace("ENV_", "$"))
    return r


# --- every encoding -----------------------------------------------------------------------

ENCODINGS = {
    "plain": KEY,
    "url-encoded": quote(KEY, safe=""),
    "url-encoded, / kept": quote(KEY),
    "form-encoded": quote_plus(KEY),
    "url-encoded, lower-case hex": quote(KEY, safe="").replace("%2B", "%2b").replace("%2F", "%2f"),
    "double url-encoded": quote(quote(KEY, safe=""), safe=""),
    "html-escaped": html.escape(KEY),
    "html-escaped, numeric": "".join(f"&#{ord(c)};" if not c.isalnum() else c for c in KEY),
    "html-escaped, hex": "".join(f"&#x{ord(c):x};" if not c.isalnum() else c for c in KEY),
    "json string": json.dumps(KEY)[1:-1],
    "json string, all escaped": json.dumps(KEY).replace("/", "\\/")[1:-1],
    "base64": b64(KEY),
    "base64url": base64.urlsafe_b64encode(KEY.encode()).decode(),
    "base64 at offset 1": b64("a" + KEY + "tail")[2:-4],
    "base64 at offset 2": b64("ab" + KEY + "tail")[3:-4],
    "base64 at offset 3": b64("abc" + KEY + "tail")[4:-4],
}


@pytest.mark.parametrize("form", list(ENCODINGS.values()), ids=list(ENCODINGS))
def test_a_secret_is_masked_in_every_encoding(form: str) -> None:
    r = redactor(api_key=KEY)
    masked = r(f"before {form} after")
    assert masked.startswith("before ") and masked.endswith(" after"), masked
    assert "***api_key***" in masked, masked
    # What is left of a base64 form is at most the two characters the secret shares with its neighbours.
    assert len(masked) <= len("before  after") + len("***api_key***") + 4, masked


@pytest.mark.parametrize(
    "text",
    [
        "pässwörd-1",
        quote("pässwörd-1"),
        html.escape("pässwörd-1").encode("ascii", "xmlcharrefreplace").decode(),
        json.dumps("pässwörd-1"),  # \u00e4 escapes
        b64("pässwörd-1"),
    ],
)
def test_a_non_ascii_secret_is_masked_in_every_encoding(text: str) -> None:
    r = redactor(ENV_APP_PASSWORD="pässwörd-1")
    assert "${APP_PASSWORD}" in r(text)
    assert "sswö" not in r(text) and "ss%C3%B6" not in r(text)


def test_basic_credentials_hide_the_password_inside_their_base64() -> None:
    r = redactor(ENV_APP_PASSWORD="hunter2-hunter2")
    for user in ("al", "bob", "carl"):  # the three alignments
        masked = r("credentials " + b64(f"{user}:hunter2-hunter2"))
        assert b64(f"{user}:hunter2-hunter2")[-8:] not in masked
        assert "${APP_PASSWORD}" in masked


# --- placeholders -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "placeholder"),
    [
        ("$APP_PASSWORD", "${APP_PASSWORD}"),
        ("$DAST_ZAP_API_KEY", "${DAST_ZAP_API_KEY}"),
        ("password", "***password***"),
        ("X-Api-Key", "***X-Api-Key***"),
        ("user[password]", "***user_password_***"),  # a target's name never breaks the text around it
        ("<script>", "***_script_***"),
        ("", MASK),
        ("!!!", MASK),
    ],
)
def test_placeholders_name_the_source(source: str, placeholder: str) -> None:
    assert placeholder_for(source) == placeholder
    r = Redactor()
    r.add("s3cr3t-value", source)
    assert r("x=s3cr3t-value;") == f"x={placeholder};"


def test_existing_callers_get_the_plain_mask() -> None:
    r = Redactor()
    r.add("k3y-Value-123")
    assert r("key k3y-Value-123.") == f"key {MASK}."


def test_the_first_source_stays() -> None:
    r = Redactor()
    assert r.add("s3cr3t-value", "$APP_PASSWORD")
    assert not r.add("s3cr3t-value", "password")
    assert r("s3cr3t-value") == "${APP_PASSWORD}"


@pytest.mark.parametrize("value", [None, "", "a", "abc", "${APP_PASSWORD}", "***token***"])
def test_short_values_and_placeholders_are_not_registered(value: str | None) -> None:
    r = Redactor()
    assert not r.add(value, "token")
    assert r.count() == 0
    assert r("a abc b ${APP_PASSWORD} ***token***") == "a abc b ${APP_PASSWORD} ***token***"


def test_redacting_twice_changes_nothing_more() -> None:
    r = redactor(token="token-value", session="sess")  # "sess" also occurs inside a placeholder
    once = r("GET /a?token=token-value&sessionid=sess HTTP/1.1\r\nCookie: sessionid=sess; theme=dark")
    assert once == r(once)
    assert "token-value" not in once and "=sess&" not in once


def test_a_longer_secret_wins_over_one_it_starts_with() -> None:
    r = redactor(password="abcd", token="abcdefgh")
    assert r("x abcdefgh y abcd") == "x ***token*** y ***password***"


def test_many_secrets_each_keep_their_placeholder() -> None:
    r = Redactor()
    values = [f"v{n:04d}-secret" for n in range(600)]
    for n, value in enumerate(values):
        r.add(value, f"p{n}")
    text = " ".join(values[::37])
    assert r(text) == " ".join(f"***p{n}***" for n in range(0, 600, 37))
    assert r("nothing secret here") == "nothing secret here"


# --- injected payloads stay visible -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{TOKEN}' AND '1'='1", "***token***' AND '1'='1"),
        (f'{TOKEN}"', '***token***"'),
        ("<scrIpt>alert(1);</scRipt>", "<scrIpt>alert(1);</scRipt>"),
        (
            f"http://app/account?token={TOKEN}%27+AND+%271%27%3D%271&format=csv",
            "http://app/account?token=***token***%27+AND+%271%27%3D%271&format=csv",
        ),
        (f"http://app/account?token={TOKEN}&q=x", "http://app/account?token=***token***&q=x"),
        # Position patterns still mask what nobody told us about, but keep the named placeholder.
        ("http://app/?token=unknown-one&q=x", f"http://app/?token={MASK}&q=x"),
        (f"Cookie: sessionid={TOKEN}; theme=dark", f"Cookie: sessionid=***token***; theme={MASK}"),
        ("Set-Cookie: sid=fresh-value; Path=/; HttpOnly", f"Set-Cookie: sid={MASK}; Path=/; HttpOnly"),
        (f"Authorization: Bearer {TOKEN}", "Authorization: Bearer ***token***"),
        ("Authorization: Bearer other-value", f"Authorization: Bearer {MASK}"),
        (f'{{"token": "{TOKEN}\' OR 1=1"}}', '{"token": "***token***\' OR 1=1"}'),
    ],
)
def test_attacks_stay_visible_with_the_secret_part_masked(text: str, expected: str) -> None:
    assert redactor(token=TOKEN)(text) == expected


# --- what looks secret --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "user_password",
        "userPassword",
        "passwd",
        "pwd",
        "pass",
        "token",
        "access_token",
        "csrf_token",
        "_csrf",
        "X-XSRF-TOKEN",
        "secret",
        "client_secret",
        "api_key",
        "api-key",
        "apikey",
        "X-Api-Key",
        "session",
        "sessionid",
        "JSESSIONID",
        "PHPSESSID",
        "sid",
        "auth",
        "X-Auth-Token",
        "Authorization",
        "Proxy-Authorization",
        "jwt",
        "X-Amz-Signature",
    ],
)
def test_secret_names(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize(
    "name",
    ["q", "id", "author", "bypass", "compass", "passenger", "WWW-Authenticate", "keyword", "theme", "Server"],
)
def test_ordinary_names(name: str) -> None:
    assert not looks_secret(name)


# --- harvesting ---------------------------------------------------------------------------

HOME = "http://127.0.0.1:8080/"
HARVEST_CASES = {
    "query parameter": (
        http_message(f"GET {HOME}account?token=tok-123abc&q=shoes HTTP/1.1\r\nHost: a\r\n\r\n"),
        {("token", "tok-123abc")},
    ),
    "url-encoded query parameter": (
        http_message(f"GET {HOME}keys?api_key=ak%2Bx%2Fy%3D%26z HTTP/1.1\r\n\r\n"),
        {("api_key", "ak+x/y=&z")},
    ),
    "form body": (
        http_message(
            f"POST {HOME}login HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n",
            request_body="username=alice&password=wonder%26land&pwd=two+words",
        ),
        {("password", "wonder&land"), ("pwd", "two words")},
    ),
    "cookie and set-cookie": (
        http_message(
            f"GET {HOME} HTTP/1.1\r\nCookie: JSESSIONID=abc123def; theme=dark\r\n\r\n",
            "HTTP/1.1 200 OK\r\nSet-Cookie: sessionid=ses-999; Path=/; HttpOnly\r\n"
            "Set-Cookie: theme=light-mode\r\n\r\n",
        ),
        {("JSESSIONID", "abc123def"), ("sessionid", "ses-999")},
    ),
    "secret-named headers": (
        http_message(
            f"GET {HOME} HTTP/1.1\r\nX-Auth-Token: xat-5555\r\nAuthorization: Bearer eyJ.abc.def\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-Api-Key: ak+1/2=\r\nServer: DemoShop/1.4.2\r\n\r\n",
        ),
        {
            ("x-auth-token", "xat-5555"),
            ("authorization", "Bearer eyJ.abc.def"),
            ("authorization", "eyJ.abc.def"),
            ("x-api-key", "ak+1/2="),
        },
    ),
    "basic credentials": (
        http_message(f"GET {HOME} HTTP/1.1\r\nAuthorization: Basic {b64('bob:hunter2!')}\r\n\r\n"),
        {
            ("authorization", f"Basic {b64('bob:hunter2!')}"),
            ("authorization", b64("bob:hunter2!")),
            ("authorization", "bob:hunter2!"),
            ("authorization", "hunter2!"),
        },
    ),
    "links, hidden inputs and meta tags in a page": (
        http_message(
            f"GET {HOME} HTTP/1.1\r\n\r\n",
            response_body=(
                '<a href="/account?id=1&amp;token=tok-in-link">me</a>'
                '<input type="hidden" name="csrf_token" value="csrf&amp;42">'
                '<meta name="csrf-token" content="meta-csrf-1">'
                '<input name="q" value="shoes">'
            ),
        ),
        {("token", "tok-in-link"), ("csrf_token", "csrf&42"), ("csrf-token", "meta-csrf-1")},
    ),
    "json members": (
        http_message(
            f"GET {HOME}api HTTP/1.1\r\n\r\n",
            response_body='{"user": "bob", "access_token": "at-\\"77\\"", "refresh_token": "rt-88"}',
        ),
        {("access_token", 'at-"77"'), ("refresh_token", "rt-88")},
    ),
    "values that are no secret": (
        http_message(
            f"GET {HOME}?auth=true&session_timeout=3600&password=password&token=abc HTTP/1.1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nAccess-Control-Allow-Credentials: true\r\n\r\n",
        ),
        set(),
    ),
}


@pytest.mark.parametrize(("message", "expected"), list(HARVEST_CASES.values()), ids=list(HARVEST_CASES))
def test_secret_values_of_one_message(message: dict[str, str], expected: set[tuple[str, str]]) -> None:
    assert set(secret_values(message)) >= expected
    names_seen = {name for name, _ in secret_values(message)}
    assert not names_seen - {name for name, _ in expected}, "nothing else is taken for a secret"


def test_harvest_registers_with_the_name_as_placeholder() -> None:
    messages = [m for m, _ in HARVEST_CASES.values()]
    for n, message in enumerate(messages):
        message["id"] = str(n + 1)
    zap = FakeZap(recorded=messages)
    r = Redactor()
    added = harvest_secrets(zap, HOME, r, Deadline.after(FakeClock(), 30))
    assert added == r.count() > 0
    assert r(f"{HOME}account?token=tok-123abc") == f"{HOME}account?token=***token***"
    assert r("ak%2Bx%2Fy%3D%26z") == "***api_key***"
    assert r("Set-Cookie: sessionid=ses-999") == "Set-Cookie: sessionid=***sessionid***"
    assert r("shoes light-mode 3600 true") == "shoes light-mode 3600 true"
    assert zap.called("messages") == [(HOME, 0, PAGE_SIZE)]


def test_harvest_pages_through_every_message_once() -> None:
    recorded = [
        http_message(f"GET {HOME}p?token=tok-{n:05d} HTTP/1.1\r\n\r\n", message_id=n) for n in range(120)
    ]
    zap = FakeZap(recorded=recorded)
    r = Redactor()
    assert harvest_secrets(zap, HOME, r, Deadline.after(FakeClock(), 30)) == 120
    assert [start for _url, start, _count in zap.called("messages")] == [0, 50, 100]


def test_harvest_is_bounded_in_pages() -> None:
    recorded = [
        http_message(f"GET {HOME} HTTP/1.1\r\n\r\n", message_id=n) for n in range(PAGE_SIZE * MAX_PAGES + 7)
    ]
    zap = FakeZap(recorded=recorded)
    harvest_secrets(zap, HOME, Redactor(), Deadline.after(FakeClock(), 30))
    assert len(zap.called("messages")) == MAX_PAGES


def test_harvest_stops_at_its_deadline() -> None:
    zap = FakeZap(recorded=[http_message(f"GET {HOME}?token=tok-1234 HTTP/1.1\r\n\r\n")])
    r = Redactor()
    assert harvest_secrets(zap, HOME, r, Deadline.after(FakeClock(), 0)) == 0
    assert zap.called("messages") == []


# --- in a scan ----------------------------------------------------------------------------


def test_a_scan_learns_the_secrets_before_attacking_and_masks_them_in_findings() -> None:
    token = "tok-scan-4f1e9a"
    zap = FakeZap(
        recorded=[http_message(f"GET {HOME}account?token={token} HTTP/1.1\r\n\r\n")],
        alerts=[
            alert(
                pluginId="40018",
                alert="SQL Injection",
                risk="High",
                url=f"{HOME}account?token={token}%27+AND+%271%27%3D%271",
                param="token",
                attack=f"{token}' AND '1'='1",
                evidence=f"SELECT id FROM accounts WHERE token = '{token}''",
            )
        ],
    )
    request = ScanRequest(profile=make_profile("full"), profile_sha256="0" * 64, fail_on=Risk.MEDIUM)
    record = run_scan(request, FakeTarget(), FakeProvider(zap), RecordingObserver(), FakeClock())
    names = zap.names()
    last_passive_before_attack = max(
        i for i, n in enumerate(names[: names.index("start_active_scan")]) if n == "passive_queue"
    )
    assert last_passive_before_attack < names.index("messages") < names.index("start_active_scan")
    (instance,) = record.findings[0].instances
    assert instance.attack == "***token***' AND '1'='1"
    assert instance.url == f"{HOME}account?token=***token***%27+AND+%271%27%3D%271"
    assert token not in instance.evidence and "***token***" in instance.evidence
    assert REDACTOR(token) == "***token***"
