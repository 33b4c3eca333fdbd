"""No secret of the target in any output: a full scan of the demo app's planted credentials.

The demo app plants new random credentials at every start (demo-app/README.md, "Planted
credentials"): a token in a link, a session cookie, an API key in a response header and a link,
and an error page that echoes all three. The test learns them from the app's own responses (the
positive control), runs a full scan through the CLI, then greps every artefact for each value,
plain, URL-encoded, HTML-escaped and base64.
"""

from __future__ import annotations

import base64
import html
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from engines import FULL_UNPACED, require_local_engine, start_demo_container
from typer.testing import CliRunner

from dast.cli.app import app
from dast.engine.local import LocalProvider

pytestmark = pytest.mark.engine

TEST_LABEL = "dast-test.secrets"
# Loopback only, and never through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Page:
    status: int
    headers: Message
    body: str


@dataclass(frozen=True)
class Planted:
    token: str
    api_key: str
    session: str

    def values(self) -> dict[str, str]:
        return {"token": self.token, "api_key": self.api_key, "sessionid": self.session}


def fetch(url: str) -> Page:
    try:
        with _OPENER.open(url, timeout=10) as response:
            return Page(response.status, response.headers, response.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        return Page(err.code, err.headers, err.read().decode("utf-8"))


def forms(value: str) -> dict[str, str]:
    return {
        "plain": value,
        "url-encoded": quote(value, safe=""),
        "form-encoded": quote_plus(value),
        "html-escaped": html.escape(value),
        "base64": base64.b64encode(value.encode()).decode(),
        "base64url": base64.urlsafe_b64encode(value.encode()).decode(),
    }


@pytest.fixture
def demo_url(docker_client: Any, demo_image: str) -> Iterator[str]:
    """The demo app in a container of this test's own, published on loopback only."""
    container, url = start_demo_container(docker_client, demo_image, TEST_LABEL)
    try:
        yield url
    finally:
        container.remove(force=True)


def learn_planted(base: str) -> Planted:
    """The positive control: each planted value IS in the app's own responses, where the README says."""
    home = fetch(base)
    token = re.search(r'href="/account\?token=([^"&]+)"', home.body)
    assert token, "the home page links to the account page with its token"
    account = fetch(f"{base}account?token={token.group(1)}")
    assert account.status == 200
    api_key = account.headers["X-Api-Key"]
    session = re.search(r"sessionid=([^;]+)", account.headers["Set-Cookie"] or "")
    assert api_key and session, account.headers
    planted = Planted(token.group(1), api_key, session.group(1))
    assert html.escape(f"/account/keys?api_key={quote(planted.api_key, safe='')}") in account.body
    export = fetch(f"{base}account/export?token={planted.token}&format=csv")
    assert export.status == 500
    for value in planted.values().values():
        assert html.escape(value, quote=False) in export.body, "the error page echoes every planted value"
    # The values carry characters that each encoding changes, so every form below is its own test.
    distinct = {forms(planted.api_key)[e] for e in ("plain", "url-encoded", "html-escaped", "base64")}
    assert len(distinct) == 4
    return planted


def artefacts(out: Path, log_file: Path, stdout: str, stderr: str) -> dict[str, str]:
    found = {str(p.relative_to(out)): p.read_text("utf-8", "replace") for p in out.rglob("*") if p.is_file()}
    found |= {"log file": log_file.read_text("utf-8", "replace"), "stdout": stdout, "stderr": stderr}
    return found


def test_planted_secrets_appear_in_no_output(demo_url: str, tmp_path: Path) -> None:
    require_local_engine()
    planted = learn_planted(demo_url)
    out, log_file = tmp_path / "out", tmp_path / "dast.log"
    result = CliRunner().invoke(
        app,
        [
            "scan",
            "--target",
            demo_url,
            "--profile",
            FULL_UNPACED,
            "--zap",
            "local",
            "--out",
            str(out),
            "--log-file",
            str(log_file),
            "--progress",
            "plain",
            "-v",
        ],
    )
    assert result.exit_code == 1, (result.stdout, result.stderr)  # the demo app has gating findings

    leaks = [
        f"{name} ({encoding}) in {where}"
        for where, text in artefacts(out, log_file, result.stdout, result.stderr).items()
        for name, value in planted.values().items()
        for encoding, form in forms(value).items()
        if form in text
    ]
    assert leaks == [], "\n".join(leaks)

    # The scan did reach the planted pages and attacked the secret parameter: what is masked was there.
    findings = json.loads((out / "results.json").read_text())["findings"]
    instances = [(f["rule_id"], i) for f in findings for i in f["instances"]]
    account = [i for _rule, i in instances if "/account" in i["url"]]
    assert account, "findings on the planted pages"
    assert any("token=***token***" in i["url"] for i in account), [i["url"] for i in account]
    # Injected payloads stay visible, with the secret part masked.
    injections = [i["attack"] for rule, i in instances if rule == "40018" and i["parameter"] == "token"]
    assert injections and all(a.startswith("***token***") and a != "***token***" for a in injections), (
        injections
    )
    xss = [i["attack"] for rule, i in instances if rule == "40012"]
    assert any("<script" in a.lower() for a in xss), xss


def test_the_engine_pages_through_recorded_messages(demo_url: str) -> None:
    """ZAP 2.11 counts `start` from 1 for messages (unlike alerts); pages must neither overlap nor skip."""
    require_local_engine()
    paths = ["", "about", "login", "search?q=x", "products?id=1"]
    with LocalProvider().start(None, 180) as session:
        api = session.api
        api.new_session()
        for path in paths:
            api.access_url(demo_url + path)
        every = [m["id"] for m in api.messages(demo_url, 0, 100)]
        paged = [m["id"] for start in range(0, 6, 2) for m in api.messages(demo_url, start, 2)]
        first = api.messages(demo_url, 0, 1)[0]
    assert len(every) == len(paths)
    assert paged == every
    assert first["requestHeader"].startswith(f"GET {demo_url} HTTP/1.1")
    assert "DemoShop" in first["responseBody"] and first["responseHeader"].startswith("HTTP/1.1 200")
