"""Evidence a reviewer can act on: each finding's request and response, kept by the storage rule,
and a curl command that sends the request again (issue 10)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from fakes import FakeClock, FakeProvider, FakeTarget, FakeZap, alert, http_message, make_profile
from hostile import XSS_REPLAY, sample_record

from dast.core.events import RecordingObserver
from dast.core.exchanges import (
    FULL_PER_RULE_AND_SITE,
    MAX_FETCHES,
    REQUEST_BODY_LIMIT,
    RESPONSE_BODY_LIMIT,
    attach_exchanges,
    excerpt,
)
from dast.core.findings import build_findings
from dast.core.replay import curl_command
from dast.core.scan import ScanRequest, run_scan
from dast.errors import EngineError
from dast.models import Risk, RunRecord
from dast.polling import Deadline
from dast.redact import REDACTOR, Redactor
from dast.report.html import HtmlReporter
from dast.report.markdown import MarkdownReporter
from dast.report.writer import load_record

ENGINE = "http://127.0.0.1:41234/"
BASE = "http://shop/"


def message(message_id: int, path: str, method: str = "GET", **parts: str) -> dict[str, Any]:
    """A message as ZAP records it: absolute URL in the request line, the engine's host."""
    head = parts.get("head", "")
    return http_message(
        f"{method} {ENGINE.rstrip('/')}{path} HTTP/1.1\r\nHost: 127.0.0.1:41234\r\n"
        f"User-Agent: ZAP\r\n{head}\r\n",
        parts.get("response", "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"),
        request_body=parts.get("request_body", ""),
        response_body=parts.get("response_body", "<html>ok</html>"),
        message_id=message_id,
    )


def findings_of(*alerts: Mapping[str, Any]) -> Any:
    from dast.identity import rebase

    return build_findings(alerts, rebase=lambda url: rebase(url, ENGINE, BASE))


class Engine:
    """`message(id)` from canned messages, counting calls."""

    def __init__(self, *messages: Mapping[str, Any], fail: bool = False) -> None:
        self.messages = {str(m["id"]): m for m in messages}
        self.calls: list[str] = []
        self.fail = fail

    def __call__(self, message_id: str) -> Mapping[str, Any] | None:
        self.calls.append(message_id)
        if self.fail:
            raise EngineError("ZAP API core/view/message failed: internal_error")
        return self.messages.get(message_id)


# --- the storage rule ---------------------------------------------------------------------


def test_first_three_instances_of_a_rule_per_site_keep_their_exchange_and_every_one_a_replay() -> None:
    paths = [f"/page{n}" for n in range(6)]
    alerts = [
        alert(pluginId="10038", alert="CSP", url=f"{ENGINE.rstrip('/')}{p}", param="", messageId=str(n + 1))
        for n, p in enumerate(paths)
    ]
    engine = Engine(*(message(n + 1, p) for n, p in enumerate(paths)))
    result = attach_exchanges(findings_of(*alerts), engine, ENGINE, BASE)
    (finding,) = result.findings
    kept = [i for i in finding.instances if i.exchange]
    assert len(kept) == FULL_PER_RULE_AND_SITE
    assert [i.url for i in kept] == [f"http://shop{p}" for p in paths[:3]]
    assert all(i.exchange == i.message_id for i in kept)
    assert {e.message_id for e in result.exchanges} == {i.message_id for i in kept}
    assert len(engine.calls) == 3, "the others point to nothing heavier, and cost no engine call"
    assert all(i.replay.startswith("curl -i ") for i in finding.instances)
    assert finding.instances[5].replay == 'curl -i "${TARGET:-http://shop}/page5"'


def test_a_profile_can_keep_every_instance_s_exchange_or_none() -> None:
    paths = [f"/page{n}" for n in range(6)]
    alerts = [
        alert(pluginId="10038", alert="CSP", url=f"{ENGINE.rstrip('/')}{p}", param="", messageId=str(n + 1))
        for n, p in enumerate(paths)
    ]
    engine = Engine(*(message(n + 1, p) for n, p in enumerate(paths)))
    every = attach_exchanges(findings_of(*alerts), engine, ENGINE, BASE, full_per_rule_and_site=1000)
    assert all(i.exchange == i.message_id for i in every.findings[0].instances)
    assert len(every.exchanges) == 6
    engine.calls.clear()
    none = attach_exchanges(findings_of(*alerts), engine, ENGINE, BASE, full_per_rule_and_site=0)
    assert not any(i.exchange for i in none.findings[0].instances) and none.exchanges == ()
    assert engine.calls == [] and all(i.replay for i in none.findings[0].instances)


def test_the_profile_s_all_is_the_engine_fetch_bound() -> None:
    from dast.core.exchanges import MAX_FETCHES
    from dast.profiles.model import MAX_EXCHANGES_PER_RULE, Evidence

    assert MAX_EXCHANGES_PER_RULE == MAX_FETCHES
    assert Evidence.model_validate({"exchanges_per_rule": "all"}).exchanges_per_rule == MAX_FETCHES
    assert Evidence().exchanges_per_rule == FULL_PER_RULE_AND_SITE


def test_a_message_is_stored_once_however_many_rules_point_to_it() -> None:
    alerts = [
        alert(pluginId=rule, alert=f"rule {rule}", url=f"{ENGINE}", param="", messageId="7")
        for rule in ("10038", "10020", "10021")
    ]
    engine = Engine(message(7, "/"))
    result = attach_exchanges(findings_of(*alerts), engine, ENGINE, BASE)
    assert [e.message_id for e in result.exchanges] == ["7"]
    assert all(f.instances[0].exchange == "7" for f in result.findings)
    assert engine.calls == ["7"]


def test_three_per_site_counts_each_site_apart() -> None:
    other = "http://api.other:9000"
    alerts = [
        alert(pluginId="10038", url=f"{host}/p{k}{n}", param="", messageId=str(10 * k + n))
        for k, host in enumerate((ENGINE.rstrip("/"), other))
        for n in range(4)
    ]
    messages = [message(10 * k + n, f"/p{k}{n}") for k in range(2) for n in range(4)]
    result = attach_exchanges(findings_of(*alerts), Engine(*messages), ENGINE, BASE)
    kept = [i.url for i in result.findings[0].instances if i.exchange]
    assert len(kept) == 6
    assert sum(u.startswith(other) for u in kept) == 3


def test_the_exchange_is_named_under_the_report_base_and_redacted_by_value() -> None:
    redactor_value = "s3ss-value-8842"
    REDACTOR.add(redactor_value, source="$APP_SESSION")
    alerts = [
        alert(
            pluginId="40012",
            alert="Cross Site Scripting (Reflected)",
            url=f"{ENGINE}search?q=%3Cscript%3E",
            param="q",
            attack="<script>",
            evidence="<script>",
            messageId="3",
        )
    ]
    engine = Engine(
        message(
            3,
            "/search?q=%3Cscript%3E",
            head=f"Cookie: session={redactor_value}\r\nAuthorization: Bearer unknown-token-1\r\n",
            response=f"HTTP/1.1 200 OK\r\nLocation: {ENGINE}next\r\nSet-Cookie: id=abc12345\r\n\r\n",
            response_body="<p>You searched <script></p>",
        )
    )
    result = attach_exchanges(findings_of(*alerts), engine, ENGINE, BASE, variables=REDACTOR.variables())
    (exchange,) = result.exchanges
    head = exchange.request.header
    assert head.startswith("GET http://shop/search?q=%3Cscript%3E HTTP/1.1\r\n")
    assert "Host: shop\r\n" in head
    assert redactor_value not in head and "Cookie: session=${APP_SESSION}" in head
    assert "unknown-token-1" not in head and "Authorization: Bearer ***" in head
    assert "Location: http://shop/next" in exchange.response.header
    assert "abc12345" not in exchange.response.header
    assert exchange.response.status_code == 200
    assert exchange.response.body == "<p>You searched <script></p>"
    replay = result.findings[0].instances[0].replay
    assert replay == (
        'curl -i "${TARGET:-http://shop}/search?q=%3Cscript%3E" -H "Cookie: session=${APP_SESSION}" '
        '-H "Authorization: Bearer ***"'
    )


def test_bodies_are_cut_and_the_response_excerpt_is_centred_on_the_evidence() -> None:
    evidence = "SQLITE_ERROR near quote"
    response_body = "a" * 50_000 + evidence + "b" * 50_000
    request_body = "q=" + "x" * 20_000
    alerts = [
        alert(pluginId="40018", alert="SQL Injection", url=f"{ENGINE}search", method="POST", param="q",
              evidence=evidence, messageId="5")
    ]  # fmt: skip
    engine = Engine(message(5, "/search", "POST", request_body=request_body, response_body=response_body))
    result = attach_exchanges(findings_of(*alerts), engine, ENGINE, BASE)
    (exchange,) = result.exchanges
    assert len(exchange.request.body) == REQUEST_BODY_LIMIT
    assert exchange.request.body_length == len(request_body)
    body = exchange.response.body
    assert len(body) == RESPONSE_BODY_LIMIT
    assert exchange.response.body_length == len(response_body)
    position = body.index(evidence)
    assert abs(position + len(evidence) / 2 - RESPONSE_BODY_LIMIT / 2) <= 1
    assert response_body[exchange.response.body_offset :].startswith(body)
    replay = result.findings[0].instances[0].replay
    assert replay.endswith("  # body cut to its first part")
    assert '--data-raw "q=xxx' in replay


def test_excerpt_masks_a_secret_at_its_edge_and_starts_at_the_top_without_evidence() -> None:
    secret = "edge-secret-000123"  # straddles the cut at 104 characters
    body = "z" * 100 + secret + "y" * 100
    REDACTOR.add(secret)
    text, offset = excerpt(body, "", 104)
    assert offset == 0 and secret[:4] not in text
    text, offset = excerpt("p" * 10 + "EVIDENCE" + "q" * 10, "EVIDENCE", 12)
    assert text == "ppEVIDENCEqq" and offset == 8


def test_an_instance_beyond_the_first_three_with_a_body_gets_its_request_for_the_replay() -> None:
    alerts = [
        alert(pluginId="40012", url=f"{ENGINE}form{n}", method="POST", param="msg", messageId=str(n))
        for n in range(1, 6)
    ]
    messages = [message(n, f"/form{n}", "POST", request_body=f"msg=%3Cb%3E{n}") for n in range(1, 6)]
    result = attach_exchanges(findings_of(*alerts), Engine(*messages), ENGINE, BASE)
    fifth = result.findings[0].instances[4]
    assert fifth.exchange == ""
    assert fifth.replay == 'curl -i "${TARGET:-http://shop}/form5" --data-raw "msg=%3Cb%3E5"'


def test_an_engine_that_fails_or_has_nothing_costs_the_exchange_not_the_scan() -> None:
    alerts = [alert(pluginId="10038", url=f"{ENGINE}", param="", messageId="9")]
    for engine in (Engine(fail=True), Engine()):
        result = attach_exchanges(findings_of(*alerts), engine, ENGINE, BASE)
        assert result.exchanges == ()
        assert result.unavailable == 1
        assert result.findings[0].instances[0].replay == 'curl -i "${TARGET:-http://shop}/"'


def test_fetching_is_bounded_in_count_and_time() -> None:
    many = [
        alert(pluginId=str(20000 + n), alert=f"r{n}", url=f"{ENGINE}x", param="", messageId=str(n + 1))
        for n in range(MAX_FETCHES + 50)
    ]
    engine = Engine(*(message(n + 1, "/x") for n in range(MAX_FETCHES + 50)))
    result = attach_exchanges(findings_of(*many), engine, ENGINE, BASE)
    assert len(engine.calls) == MAX_FETCHES
    assert len(result.exchanges) == MAX_FETCHES
    clock = FakeClock()
    late = Engine(message(1, "/x"))
    attach_exchanges(findings_of(*many[:1]), late, ENGINE, BASE, deadline=Deadline.after(clock, 0))
    assert late.calls == []


# --- in a scan (fakes at the seams) -------------------------------------------------------


def test_a_scan_records_the_exchanges_and_replays_and_results_json_keeps_them(tmp_path: Path) -> None:
    host = "http://127.0.0.1:8080"
    zap = FakeZap(
        alerts=[
            alert(pluginId="40012", alert="Cross Site Scripting (Reflected)", risk="High",
                  url=f"{host}/search?q=%3Cscript%3E", param="q", attack="<script>", evidence="<script>",
                  messageId="21"),
        ],
        recorded=[
            http_message(f"GET {host}/search?q=%3Cscript%3E HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
                         response_body="<b><script></b>", message_id=21),
        ],
    )  # fmt: skip
    request = ScanRequest(
        profile=make_profile("full"), profile_sha256="0" * 64, fail_on=Risk.MEDIUM, report_base_url=BASE
    )
    record = run_scan(request, FakeTarget(), FakeProvider(zap), RecordingObserver(), FakeClock())
    (instance,) = record.findings[0].instances
    assert instance.exchange == "21"
    assert instance.replay == 'curl -i "${TARGET:-http://shop}/search?q=%3Cscript%3E"'
    assert record.exchanges[0].request.header.startswith("GET http://shop/search?q=%3Cscript%3E HTTP/1.1")
    assert zap.called("message") == [("21",)]
    path = tmp_path / "results.json"
    path.write_text(json.dumps(record.to_dict()))
    assert load_record(path).to_dict() == record.to_dict()


def test_a_results_file_from_before_exchanges_still_reads(tmp_path: Path) -> None:
    data = sample_record().to_dict()
    del data["exchanges"], data["sarif"]
    for finding in data["findings"]:
        for instance in finding["instances"]:
            del instance["exchange"], instance["replay"]
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    record = load_record(path)
    assert record.exchanges == ()
    assert all(i.replay == "" and i.exchange == "" for f in record.findings for i in f.instances)
    assert HtmlReporter().render(record) and MarkdownReporter().render(record)


# --- the replay is safe to paste ----------------------------------------------------------

HOSTILE = "$(touch pwned)`touch pwned2`${HOME}'\"\\!x"


def _argv(command: str, tmp_path: Path, environ: Mapping[str, str]) -> list[str]:
    """The arguments bash hands to curl for this command line (curl replaced by a printer)."""
    script = 'curl() { printf "%s\\0" "$@"; }\n' + command + "\n"
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script],
        capture_output=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", **environ},
        timeout=10,
        check=True,
    )
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()
    return done.stdout.decode().split("\0")[:-1]


def test_a_replay_of_hostile_text_runs_nothing_and_sends_it_literally(tmp_path: Path) -> None:
    command = curl_command(
        "POST",
        f"http://shop/a?q={HOSTILE}",
        BASE,
        headers=[("X-Note", HOSTILE), ("Cookie", "session=${APP_SESSION}"), ("Host", "evil")],
        body=f"msg={HOSTILE}\nline two",
        variables=frozenset({"APP_SESSION"}),
    )
    argv = _argv(command, tmp_path, {"APP_SESSION": "from-my-env", "HOME": "/nowhere"})
    assert argv == [
        "-i",
        "--globoff",
        f"http://shop/a?q={HOSTILE}",
        "-H",
        f"X-Note: {HOSTILE}",
        "-H",
        "Cookie: session=from-my-env",
        "--data-raw",
        f"msg={HOSTILE}\nline two",
    ]


def test_the_target_variable_points_the_replay_elsewhere(tmp_path: Path) -> None:
    assert _argv(XSS_REPLAY, tmp_path, {}) == [
        "-i",
        "http://app.test:8080/search?q=%3CscrIpt%3Ealert(1);%3C/scRipt%3E",
    ]
    moved = _argv(XSS_REPLAY, tmp_path, {"TARGET": "http://127.0.0.1:9"})
    assert moved[1] == "http://127.0.0.1:9/search?q=%3CscrIpt%3Ealert(1);%3C/scRipt%3E"


def test_a_placeholder_the_target_sent_is_not_expanded(tmp_path: Path) -> None:
    command = curl_command("GET", "http://shop/?x=${HOME}", BASE, variables=frozenset({"APP_TOKEN"}))
    assert _argv(command, tmp_path, {"HOME": "/secret-home"})[-1] == "http://shop/?x=${HOME}"


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    [
        (
            "GET",
            "http://shop/file?name=../../etc/passwd",
            'curl -i "${TARGET:-http://shop}/file?name=../../etc/passwd"',
        ),
        ("GET", "http://shop/a/../b", 'curl -i --path-as-is "${TARGET:-http://shop}/a/../b"'),
        ("GET", "http://shop/q?x[0]=1", 'curl -i --globoff "${TARGET:-http://shop}/q?x[0]=1"'),
        ("PUT", "http://shop/item", 'curl -i -X PUT "${TARGET:-http://shop}/item"'),
        ("HEAD", "http://shop/", 'curl -i --head "${TARGET:-http://shop}/"'),
        ("GET", "http://elsewhere:8/x", 'curl -i "http://elsewhere:8/x"'),
        ("GET", "http://shopping/x", 'curl -i "http://shopping/x"'),
    ],
)
def test_replay_forms(method: str, url: str, expected: str) -> None:
    assert curl_command(method, url, BASE) == expected


# --- shown in the reports -----------------------------------------------------------------


def test_html_shows_the_replay_and_a_collapsible_exchange_with_the_evidence_marked() -> None:
    tree = lxml.html.document_fromstring(HtmlReporter().render(sample_record()))
    (replay,) = [pre.text_content() for pre in tree.xpath("//pre[contains(@class, 'replay')]")]
    assert replay == XSS_REPLAY
    (details,) = tree.xpath("//details[contains(@class, 'exchange')]")
    assert "Request and response (200)" in details.xpath("summary")[0].text_content()
    request, response = (pre.text_content() for pre in details.xpath(".//pre"))
    assert request.startswith("GET http://app.test:8080/search?q=")
    assert [m.text_content() for m in details.xpath(".//mark")] == ["<scrIpt>alert(1);</scRipt>"]
    assert "<p>Results for" in response
    links = {a.text_content(): a.get("href") for a in tree.xpath("//a")}
    assert links["CWE-79"] == "https://cwe.mitre.org/data/definitions/79.html"
    assert links["WASC-8"].startswith("http://projects.webappsec.org/")


def test_markdown_says_how_to_reproduce() -> None:
    text = MarkdownReporter().render(sample_record()).decode()
    assert "**How to reproduce**" in text
    line = next(x for x in text.splitlines() if x.startswith("- 40012 "))
    assert 'curl -i "${TARGET:-http://app.test:8080}/search?q=%3CscrIpt%3Ealert(1);%3C/scRipt%3E"' in line


def test_a_record_without_exchanges_renders_no_exchange_section() -> None:
    record: RunRecord = dataclasses.replace(sample_record(), exchanges=())
    tree = lxml.html.document_fromstring(HtmlReporter().render(record))
    assert not tree.xpath("//details[contains(@class, 'exchange')]")


# --- redaction of long bodies: the word checks skip nothing a rule would mask -------------


def _unguarded(text: str) -> str:
    """The three position rules applied unconditionally, as before the word checks."""
    from dast import redact as r

    text = r._HEADER_LINE.sub(
        lambda m: f"{m.group(1)}{m.group(2)}{r._mask_header(m.group(1), m.group(3))}", text
    )
    text = r._NAME_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{r._mask_unless_marked(m.group(3))}", text)
    return r._JSON_MEMBER.sub(lambda m: f'{m.group(1)}"{r._mask_unless_marked(m.group(3))}"', text)


@pytest.mark.parametrize(
    "snippet",
    [
        "PASSWORD=hunter22",
        "x=1&Access_Token=abc123",
        "\r\nSet-Cookie: sid=abc123; Path=/\r\n",
        "\nProxy-Authorization: Basic dXNlcjpwYXNz\n",
        '{"ApiKey": "k-123456"}',
        "JSESSIONID=ABCDEF0123",
        "tokens=plural-no-match",
        "nothing to mask here",
        "caf\u00e9 S\u00c9SSION=non-ascii-text",
    ],
)
def test_long_texts_are_redacted_as_by_the_rules_alone(snippet: str) -> None:
    redactor = Redactor()  # no values: only the position rules
    for filler in ("a" * 3000, "<tr><td>row</td></tr>\n" * 150):
        text = filler + snippet + filler
        assert redactor(text) == _unguarded(text)


def test_html_shows_the_part_of_a_long_body_around_the_evidence() -> None:
    from hostile import XSS_EXCHANGE

    from dast.models import HttpResponse
    from dast.report.html import BODY_CONTEXT

    body = "a" * 10_000 + "<scrIpt>alert(1);</scRipt>" + "b" * 10_000
    exchange = dataclasses.replace(
        XSS_EXCHANGE, response=HttpResponse(header="HTTP/1.1 200 OK\r\n\r\n", status_code=200, body=body)
    )
    tree = lxml.html.document_fromstring(
        HtmlReporter().render(dataclasses.replace(sample_record(), exchanges=(exchange,)))
    )
    (details,) = tree.xpath("//details[contains(@class, 'exchange')]")
    response = details.xpath(".//pre")[1].text_content()
    assert "…" + "a" * BODY_CONTEXT + "<scrIpt>alert(1);</scRipt>" + "b" * BODY_CONTEXT + "…" in response
    assert len(response) < 2 * BODY_CONTEXT + 200
    assert "the part around the evidence" in details.text_content()


def test_a_scan_says_when_the_engine_could_not_give_the_evidence() -> None:
    zap = FakeZap(
        alerts=[alert(url="http://127.0.0.1:8080/", messageId="4")],
        raise_on={"message": EngineError("ZAP API core/view/message failed: internal_error")},
    )
    request = ScanRequest(profile=make_profile("baseline"), profile_sha256="0" * 64, fail_on=Risk.MEDIUM)
    record = run_scan(request, FakeTarget(), FakeProvider(zap), RecordingObserver(), FakeClock())
    assert record.error == "" and record.exchanges == ()
    assert record.findings[0].instances[0].replay.startswith("curl -i ")
    assert any(w.startswith("1 request(s) and response(s) could not be read") for w in record.warnings)
