"""Authenticated scans with the real engine and the demo app's member area (issue 8).

The demo app runs in a container of the test's own (published on loopback), so the test reads
its whole log: the access log and the session ids it hands out (demo-app/README.md, "Member
area"). Its member account gets a new random name and password each time. One scan with auth
(the app drops every session once, mid-scan) serves several tests; a scan without auth and one
with a wrong password have their own.
"""

from __future__ import annotations

import base64
import html
import json
import re
import secrets
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import pytest
from engines import (
    FULL_UNPACED,
    ROOT,
    dast,
    new_run_id,
    read_results,
    require_local_engine,
    run_env,
    start_demo_container,
    zap_processes,
)

from dast.core.auth import request_line
from dast.engine.auth_interface import StaticCredential
from dast.engine.local import LocalProvider

pytestmark = pytest.mark.engine

PROFILE = ROOT / "demo-app" / "dast-member.yaml"
TEST_LABEL = "dast-test.auth"
# After this many member-page requests of logged-in users the app drops every session, once:
# after the login, the assertions and the spider, in the middle of the active scan.
DROP_AFTER = 25
ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/1\.[01]" (?P<status>\d{3})')
MEMBER_VULNS = [("40018", "/member/orders"), ("40012", "/member/profile"), ("6", "/member/download")]
# The demo profile's assertions and their documented outcomes (demo-app/README.md, "Member area").
EXPECTED_ASSERTIONS = {
    "anonymous users cannot see the admin page": "passed",
    "members cannot see the admin page": "passed",
    "account page is never cached": "failed",
    "no error page on the member home": "passed",
    "anonymous users are denied /member/": "passed",
    "anonymous users are denied /member/account": "passed",
}
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class DemoApp:
    url: str
    user: str
    password: str
    container: Any

    def log(self) -> str:
        return str(self.container.logs().decode("utf-8", "replace"))

    def requests(self, since: int = 0) -> list[re.Match[str]]:
        lines = self.log().splitlines()[since:]
        return [m for m in map(ACCESS_LINE.search, lines) if m and m["path"] != "/healthz"]

    def session_ids(self) -> list[str]:
        return re.findall(r"got session ([0-9a-f]{32})", self.log())


@dataclass(frozen=True)
class Scan:
    returncode: int
    stdout: str
    stderr: str
    out: Path
    log_file: Path

    @property
    def results(self) -> dict[str, Any]:
        return read_results(self.out)

    def urls(self, rule_id: str) -> set[str]:
        return {
            urlsplit(i["url"]).path
            for f in self.results["findings"]
            if f["rule_id"] == rule_id
            for i in f["instances"]
        }


def start_demo(docker_client: Any, image: str, **env: str) -> DemoApp:
    user = f"member-{secrets.token_hex(3)}"
    # Characters that URL-encoding, form-encoding, HTML-escaping and base64 all change.
    password = f"pw+{secrets.token_hex(4)}/&={secrets.token_hex(2)}"
    container, url = start_demo_container(
        docker_client, image, TEST_LABEL, DEMO_MEMBER_USER=user, DEMO_MEMBER_PASSWORD=password, **env
    )
    return DemoApp(url, user, password, container)


@pytest.fixture(scope="module")
def demo(docker_client: Any, demo_image: str) -> Iterator[DemoApp]:
    app = start_demo(docker_client, demo_image, DEMO_DROP_SESSIONS_AFTER=str(DROP_AFTER))
    try:
        yield app
    finally:
        app.container.remove(force=True)


def scan(app: DemoApp, tmp: Path, *args: str, password: str | None = None) -> Scan:
    require_local_engine()
    run_id = new_run_id("auth")
    out, log_file = tmp / "out", tmp / "dast.log"
    env = run_env(run_id, tmp / "tmp", APP_USER=app.user, APP_PASSWORD=password or app.password)
    result = subprocess.run(
        dast(
            "scan",
            "--target",
            app.url,
            "--health-path",
            "/healthz",
            "--zap",
            "local",
            "--out",
            str(out),
            "--progress",
            "plain",
            "--log-file",
            str(log_file),
            "-v",
            *args,
        ),
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert zap_processes(run_id) == []
    return Scan(result.returncode, result.stdout, result.stderr, out, log_file)


@pytest.fixture(scope="module")
def auth_scan(demo: DemoApp, tmp_path_factory: pytest.TempPathFactory) -> tuple[Scan, int]:
    """The authenticated scan; also the index of the app's first log line it caused."""
    first_line = len(demo.log().splitlines())
    return scan(demo, tmp_path_factory.mktemp("auth"), "--profile", str(PROFILE)), first_line


# --- with auth --------------------------------------------------------------------------------


def test_with_auth_the_logged_in_vulnerabilities_are_found(auth_scan: tuple[Scan, int]) -> None:
    result, _ = auth_scan
    assert result.returncode == 1, result.stderr  # findings and a failed assertion gate
    record = result.results
    assert record["auth"]["type"] == "form"
    assert record["auth"]["verified"] is True
    assert record["auth"]["verify_url"].endswith("/member/")
    for rule_id, path in MEMBER_VULNS:
        assert path in result.urls(rule_id), (rule_id, path, result.urls(rule_id))
    assert record["completeness"]["status"] == "complete", record["completeness"]
    phases = [p["name"] for p in record["phases"]]
    assert phases.index("login") < phases.index("assertions") < phases.index("spider")


def test_every_instance_of_the_demo_scan_has_request_response_and_curl(auth_scan: tuple[Scan, int]) -> None:
    """`make demo`'s profile keeps every exchange (evidence.exchanges_per_rule: all)."""
    result, _ = auth_scan
    record = result.results
    exchanges = {e["message_id"]: e for e in record["exchanges"]}
    instances = [i for f in record["findings"] for i in f["instances"]]
    assert len(instances) >= 20, "the positive control: the demo scan has many instances"
    for instance in instances:
        assert instance["replay"].startswith("curl -i "), instance
        exchange = exchanges[instance["exchange"]]
        method, url = exchange["request"]["header"].split(" ", 2)[:2]
        assert (method, url) == (instance["method"], instance["url"])
        assert exchange["response"]["header"].startswith("HTTP/1.1 "), exchange["response"]["header"][:80]


def test_a_session_dropped_mid_scan_is_logged_in_again_and_recorded(
    demo: DemoApp, auth_scan: tuple[Scan, int]
) -> None:
    result, _ = auth_scan
    log = demo.log()
    assert "dropped every session" in log, "the positive control: the app really dropped the sessions"
    auth = result.results["auth"]
    assert auth["relogins"] >= 1, auth
    assert auth["logins"] == auth["relogins"] + 1
    assert auth["failed_logins"] == 0
    assert auth["logged_out_responses"] >= 1 and auth["responses_checked"] > auth["logged_out_responses"]
    # The app's own account of it: a new session after the drop.
    assert log.index("dropped every session") < log.rindex("got session")
    assert len(demo.session_ids()) == auth["logins"]
    # Every report says so.
    assert f"{auth['relogins']} re-login(s)" in (result.out / "summary.md").read_text()
    assert f"{auth['relogins']} re-login(s)" in (result.out / "report.html").read_text()
    properties = {p.get("name"): p.get("value") for p in ET.parse(result.out / "junit.xml").iter("property")}
    assert properties["auth.relogins"] == str(auth["relogins"])
    sarif = json.loads((result.out / "results.sarif").read_text())
    assert sarif["runs"][0]["properties"]["authentication"]["relogins"] == auth["relogins"]


def test_the_logout_url_was_found_but_never_requested(demo: DemoApp, auth_scan: tuple[Scan, int]) -> None:
    result, first_line = auth_scan
    not_requested = [urlsplit(u).path for u in result.results["coverage"]["not_requested"]]
    assert "/logout" in not_requested, "the spider found the logout link"
    reached = [urlsplit(u).path for u in result.results["coverage"]["reached"]]
    assert "/member/orders" in reached and "/logout" not in reached
    assert "/logout" in (result.out / "report.html").read_text()  # in the HTML's URL lists
    paths = [m["path"] for m in demo.requests(first_line)]
    assert any(p.startswith("/member/") for p in paths), (
        "the positive control: the scan's requests are logged"
    )
    assert [p for p in paths if p.startswith("/logout")] == []
    # The login page itself is not attacked: only the engine's own logins post to it.
    login_posts = [m for m in demo.requests(first_line) if m["method"] == "POST" and m["path"] == "/login"]
    attacked = [m["path"] for m in demo.requests(first_line) if m["path"].startswith("/login?")]
    assert attacked == []
    assert len(login_posts) <= result.results["auth"]["logins"] + 2  # the spider may submit the form once


def test_assertions_pass_and_fail_as_documented_in_every_format(auth_scan: tuple[Scan, int]) -> None:
    result, _ = auth_scan
    assertions = {a["name"]: a for a in result.results["assertions"]}
    assert {name: a["outcome"] for name, a in assertions.items()} == EXPECTED_ASSERTIONS
    cached = assertions["account page is never cached"]
    assert "Cache-Control: private, max-age=600" in cached["seen"]
    assert cached["acting_as"] == "user"
    assert assertions["anonymous users are denied /member/"]["acting_as"] == "anonymous"
    assert "gate FAILED" in result.stdout and "1 failed assertion(s)" in result.stdout

    cases = {c.get("name"): c for c in ET.parse(result.out / "junit.xml").iter("testcase")}
    for name, outcome in EXPECTED_ASSERTIONS.items():
        case = cases[f"assertion: {name}"]
        assert (case.find("failure") is not None) == (outcome == "failed"), name
    failure = cases["assertion: account page is never cached"].find("failure")
    assert failure is not None and "private, max-age=600" in (failure.text or "")

    sarif = json.loads((result.out / "results.sarif").read_text())["runs"][0]
    by_rule = {r["ruleId"]: r for r in sarif["results"] if r["ruleId"].startswith("dast-assertion/")}
    assert len(by_rule) == len(EXPECTED_ASSERTIONS)
    assert {a["rule_id"]: a["outcome"] for a in assertions.values()} == {
        rule: {"fail": "failed", "pass": "passed"}[r["kind"]] for rule, r in by_rule.items()
    }
    assert by_rule["dast-assertion/account-page-is-never-cached"]["level"] == "error"

    page = (result.out / "report.html").read_text()
    assert 'id="assertions"' in page
    for name, outcome in EXPECTED_ASSERTIONS.items():
        assert re.search(
            rf'assertion-{outcome}">\s*<td>.*?</td>\s*<td class="wrap">{re.escape(html.escape(name))}<', page
        )
    summary = (result.out / "summary.md").read_text()
    assert "**Assertions:** 5 passed, 1 failed, 0 not checked" in summary
    assert "- ❌ account page is never cached (High)" in summary


def forms(value: str) -> dict[str, str]:
    return {
        "plain": value,
        "url-encoded": quote(value, safe=""),
        "form-encoded": quote_plus(value),
        "html-escaped": html.escape(value),
        "base64": base64.b64encode(value.encode()).decode(),
    }


def leaks(texts: dict[str, str], values: dict[str, str]) -> list[str]:
    return [
        f"{name} ({encoding}) in {where}"
        for where, text in texts.items()
        for name, value in values.items()
        for encoding, form in forms(value).items()
        if form in text
    ]


def own_login(app: DemoApp) -> dict[str, str]:
    """Log in as a browser would; returns the traffic as text (request body, response headers)."""
    with _OPENER.open(app.url + "login", timeout=10) as response:
        cookie = response.headers["Set-Cookie"].split(";")[0]
        token = re.search(r'name="user_token" value="([^"]+)"', response.read().decode())
    assert token
    body = urllib.parse.urlencode(
        {"user_token": token.group(1), "username": app.user, "password": app.password, "Login": "Login"}
    )
    request = urllib.request.Request(app.url + "login", data=body.encode(), headers={"Cookie": cookie})
    with _OPENER.open(request, timeout=10) as response:
        headers = str(response.headers)
    return {"request body": body, "response headers": headers}


def test_no_credential_or_session_id_in_any_artefact(demo: DemoApp, auth_scan: tuple[Scan, int]) -> None:
    result, _ = auth_scan
    sessions = demo.session_ids()
    assert sessions, "the app logged the session ids it gave the scan"
    values = {"username": demo.user, "password": demo.password} | {
        f"session {i}": s for i, s in enumerate(sessions)
    }
    # Positive controls: the grep finds the credentials in the app's own traffic, and the
    # session ids the scan was given in the app's log.
    traffic = own_login(demo)
    found = leaks(traffic, {"password": demo.password, "username": demo.user})
    assert "password (form-encoded) in request body" in found and "username (plain) in request body" in found
    assert re.search(r"session=[0-9a-f]{32}", traffic["response headers"])
    assert all(s in demo.log() for s in sessions)

    artefacts = {
        str(p.relative_to(result.out)): p.read_text("utf-8", "replace") for p in result.out.rglob("*")
    }
    artefacts |= {"log file": result.log_file.read_text("utf-8", "replace")}
    artefacts |= {"stdout": result.stdout, "stderr": result.stderr}
    assert set(artefacts) >= {"results.json", "junit.xml", "report.html", "results.sarif", "summary.md"}
    assert leaks(artefacts, values) == []
    assert "${APP_USER}" in artefacts["results.json"], "the username is masked where the pages show it"


# --- without auth, and with a wrong password --------------------------------------------------


def test_without_auth_the_member_area_is_not_scanned_and_the_run_says_so(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    app = start_demo(docker_client, demo_image)
    try:
        result = scan(app, tmp_path, "--profile", FULL_UNPACED, "--fail-on", "never")
    finally:
        app.container.remove(force=True)
    assert result.returncode == 4, result.stderr  # nothing gates, but the scan is incomplete
    record = result.results
    for rule_id, path in MEMBER_VULNS:
        assert path not in result.urls(rule_id), (rule_id, path)
    assert "/products" in result.urls("40018"), "the positive control: the public part was attacked"
    assert record["auth"]["type"] == ""
    assert any(urlsplit(u).path == "/member/" for u in record["auth"]["login_walls"])
    reasons = record["completeness"]["reasons"]
    assert any("never got past login" in r for r in reasons), reasons
    assert re.search(r"(?m)^dast: error: scan INCOMPLETE: .*never got past login", result.stderr)


def test_a_wrong_password_stops_before_any_attack(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    app = start_demo(docker_client, demo_image)
    try:
        result = scan(app, tmp_path, "--profile", str(PROFILE), password="not-the-password")
        requests = app.requests()
    finally:
        app.container.remove(force=True)
    assert result.returncode == 3, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("dast: error:")]
    assert len(errors) == 1 and errors[0].startswith("dast: error: login failed: POST "), result.stderr
    assert "answered 200 and looks logged out" in errors[0]
    assert "not-the-password" not in result.stderr + result.stdout
    # The app saw the login page and one login, nothing else: no spider, no attack.
    assert [(m["method"], m["path"]) for m in requests if m["method"] == "POST"] == [("POST", "/login")]
    assert {m["path"] for m in requests} == {"/login"}, [m["path"] for m in requests]
    record = result.results
    assert record["auth"] == {**record["auth"], "type": "form", "verified": False, "failed_logins": 1}
    assert [p["name"] for p in record["phases"]][-1] == "login"
    assert record["findings"] == []


# --- JSON logins and header credentials: dast's HTTP Sender script in the real engine -----------

JSON_PROFILE = """name: demo-json
extends: baseline
max_duration: 3m
auth:
  type: json
  submit_url: /api/v1/login
  username: {env: APP_USER}
  password: {env: APP_PASSWORD}
  token_path: data.access_token
  verify_url: /api/v1/me
  logged_in: '"user"'
  logged_out: 'HTTP/1\\.[01] 401'
assertions:
  - name: the API answers the user
    request: {path: /api/v1/me}
    expect: {status: [200], body_contains: '"user"'}
  - name: the API refuses anonymous users
    request: {path: /api/v1/me, as: anonymous}
    expect: {status: [401]}
"""


def test_a_json_login_token_is_sent_as_a_header(docker_client: Any, demo_image: str, tmp_path: Path) -> None:
    profile = tmp_path / "json.yaml"
    profile.write_text(JSON_PROFILE)
    app = start_demo(docker_client, demo_image)
    try:
        result = scan(app, tmp_path, "--profile", str(profile))
        log = app.log()
    finally:
        app.container.remove(force=True)
    record = result.results
    assert record["error"] == "", result.stderr
    assert record["auth"]["type"] == "json" and record["auth"]["verified"] is True
    assert {a["name"]: a["outcome"] for a in record["assertions"]} == {
        "the API answers the user": "passed",
        "the API refuses anonymous users": "passed",
    }
    tokens = re.findall(r"got token (at[0-9a-f]{40})", log)
    assert len(tokens) == 1, "one login, through the engine"
    assert record["auth"]["responses_checked"] > 3, "the script counted the answers to credentialed requests"
    artefacts = {p.name: p.read_text("utf-8", "replace") for p in result.out.iterdir()}
    artefacts |= {"log": result.log_file.read_text(), "stdout": result.stdout, "stderr": result.stderr}
    assert leaks(artefacts, {"token": tokens[0], "password": app.password}) == []


@dataclass
class Seen:
    requests: list[dict[str, str]]


def header_recorder() -> tuple[ThreadingHTTPServer, Seen]:
    """A loopback HTTP server that keeps the headers of every request."""
    seen = Seen([])

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.requests.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return server, seen


def test_the_credential_goes_to_the_targets_origin_only() -> None:
    """Without the origin guard: the credential script alone keeps the header from other hosts."""
    require_local_engine()
    target, at_target = header_recorder()
    other, at_other = header_recorder()
    target_url = f"http://127.0.0.1:{target.server_address[1]}/"
    other_url = f"http://127.0.0.1:{other.server_address[1]}/"
    try:
        with LocalProvider().start(None, 180) as session:
            api = session.api
            api.new_session()
            credential = StaticCredential(
                target_url.rstrip("/"), "Bearer h4-cred-value", header="Authorization"
            )
            assert api.add_credential(credential, session.script_dir) is None
            api.send(request_line("GET", target_url + "a"))
            api.send(request_line("GET", other_url + "b"))
            api.set_credential(None)  # anonymous
            api.send(request_line("GET", target_url + "c"))
            api.set_credential("Bearer h4-cred-value")
            api.send(request_line("GET", target_url + "d"))
            checked = api.auth_counters(target_url).checked
    finally:
        target.shutdown()
        other.shutdown()
    assert [r.get("authorization") for r in at_target.requests] == [
        "Bearer h4-cred-value",
        None,
        "Bearer h4-cred-value",
    ]
    assert len(at_other.requests) == 1 and "authorization" not in at_other.requests[0]
    assert checked == 2
