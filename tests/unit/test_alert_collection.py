"""Alert collection: linear export through a standalone script, streamed into findings, never per poll."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from fakes import (
    FakeClock,
    FakeProvider,
    FakeScriptApi,
    FakeScriptClient,
    FakeTarget,
    FakeZap,
    alert,
    http_message,
    make_profile,
)
from pydantic import ValidationError

from dast.core.events import RecordingObserver
from dast.core.exchanges import attach_exchanges
from dast.core.findings import Tally, build_findings
from dast.core.scan import ScanRequest, run_scan
from dast.engine import local
from dast.engine.alert_export import FIELDS, AlertExporter, ExportUnavailable
from dast.engine.interface import SpiderOptions
from dast.errors import EngineError
from dast.models import Risk, RunRecord

BASE = "http://127.0.0.1:8080/"
POLLS = ("spider_progress", "ajax_spider_running", "passive_queue", "active_progress")


def _scan(zap: FakeZap) -> RunRecord:
    provider = FakeProvider(zap, in_network=False, script_dir="/zap/dast-rulepack", log=[])
    request = ScanRequest(profile=make_profile("full"), profile_sha256="0" * 64, fail_on=Risk.MEDIUM)
    return run_scan(request, FakeTarget(None, log=[]), provider, RecordingObserver(), FakeClock())


def _alerts(count: int) -> list[dict[str, Any]]:
    return [alert(url=f"{BASE}p{n}", messageId=str(n), id=str(n)) for n in range(count)]


def _zap(polls: int, alerts: int) -> FakeZap:
    rising = (*range(0, 100, max(1, 100 // polls))[:polls], 100)
    return FakeZap(
        spider=rising, active=rising, passive_queue=(*range(polls, 0, -1), 0), alerts=_alerts(alerts)
    )


def _alert_calls(zap: FakeZap) -> list[str]:
    return [name for name in zap.names() if "alert" in name.lower()]


def test_polling_phases_ask_nothing_whose_cost_grows_with_the_alerts() -> None:
    short, long = _zap(polls=2, alerts=4_500), _zap(polls=40, alerts=4_500)
    for zap in (short, long):
        record = _scan(zap)
        assert not record.error, record.error
        names = zap.names()
        last_poll = max(i for i, name in enumerate(names) if name in POLLS)
        first_alert_read = min(i for i, name in enumerate(names) if "alert" in name.lower())
        # Every alert read comes after the last poll of the last phase: none rides on a progress tick.
        assert first_alert_read > last_poll, names[last_poll - 3 : first_alert_read + 1]
        assert "alert_count" not in names
    # Twenty times the polls, the same alert reads: one stream, pages of 2,000 until a short one.
    assert _alert_calls(short) == _alert_calls(long) == ["alert_stream", "alerts", "alerts", "alerts"]
    assert len(long.called("passive_queue")) > 10 * len(short.called("passive_queue"))


def test_the_stream_is_told_where_the_scripts_are_on_the_engine_host() -> None:
    zap = _zap(polls=1, alerts=3)
    record = _scan(zap)
    assert zap.called("alert_stream") == [(BASE, "/zap/dast-rulepack")]
    assert next(p for p in record.phases if p.name == "alerts").detail == "3 alerts"


def test_findings_consume_the_stream_once_and_keep_the_first_alerts_texts() -> None:
    first = alert(url=BASE + "b", messageId="1", other="seen in a header")
    # Exported alerts after a rule's first come without description, solution and reference.
    later = {
        k: v
        for k, v in alert(url=BASE + "a", messageId="2").items()
        if k not in ("description", "solution", "reference")
    }

    def once() -> Iterator[Mapping[str, Any]]:
        yield first
        yield later

    tally = Tally(once())
    (finding,) = build_findings(tally)
    assert tally.count == 2
    assert finding.description == first["description"]
    assert finding.references == ("https://owasp.org/a", "https://owasp.org/b")
    assert [i.url for i in finding.instances] == [BASE + "a", BASE + "b"]
    assert next(i for i in finding.instances if i.url == BASE + "b").other_info == "seen in a header"


def test_of_alerts_sharing_a_fingerprint_the_plainest_is_kept_whatever_their_order() -> None:
    noisy = alert(url=BASE + "x", param="q", evidence="zzz", messageId="9")
    plain = alert(url=BASE + "x", param="q", evidence="aaa", messageId="8")
    for order in ([noisy, plain], [plain, noisy]):
        (finding,) = build_findings(iter(order))
        assert [(i.evidence, i.message_id) for i in finding.instances] == [("aaa", "8")]


# --- the export script's driver, against a fake zaproxy client -------------------------------


class _Script(FakeScriptApi):
    """The script API of a zaproxy client; runStandAloneScript pages like the real script."""

    def __init__(
        self, alerts: list[dict[str, Any]], types: tuple[str, ...] = ("standalone", "passive")
    ) -> None:
        super().__init__(types)
        self.alerts = alerts
        self.custom: dict[str, str] = {}
        self.broken = False
        self.per_page = 2
        self.has_custom_view = True

    def set_script_var(self, script: str, key: str, value: str) -> None:
        self.vars[f"{script}/{key}"] = value

    def clear_script_vars(self, script: str) -> None:
        self.vars = {k: v for k, v in self.vars.items() if not k.startswith(f"{script}/")}

    def script_custom_var(self, script: str, key: str) -> str:
        if not self.has_custom_view:
            raise EngineError("ZAP API script/view/scriptCustomVar failed: bad_view")
        if f"{script}/{key}" not in self.custom:
            raise EngineError("ZAP API script/view/scriptCustomVar failed: does_not_exist")
        return self.custom[f"{script}/{key}"]

    def clear_script_custom_var(self, script: str, key: str) -> None:
        self.custom.pop(f"{script}/{key}", None)

    def run_stand_alone_script(self, name: str) -> None:
        self.runs += 1
        if self.broken:
            return  # a script that fails in the engine leaves the request in place
        request = json.loads(self.vars[f"{name}/request"])
        start = request["index"]
        assert start == 0 or self.alerts[start - 1]["id"] == str(request["after"])  # the cursor and its check
        rest = self.alerts[start:]
        page = rest[: self.per_page]
        values = [[a.get(f, "") for f in FIELDS] for a in page if a["url"].startswith(request["base"])]
        last = int(page[-1]["id"]) if page else request["after"]
        answer = {
            "alerts": values,
            "last": last,
            "index": start + len(page),
            "done": len(rest) <= self.per_page,
            "nonce": request["nonce"],
        }
        if request["to"] == "plain":
            self.vars[f"{name}/page"] = json.dumps(answer)
        else:
            self.custom[f"{name}/page"] = json.dumps(answer)


def test_export_pages_by_alert_id_and_reads_one_page_ahead_at_most() -> None:
    script = _Script([alert(id=str(n), url=f"{BASE}p{n}") for n in range(1, 6)])
    stream = AlertExporter(FakeScriptClient(script), "/zap/rules").alerts(BASE)
    first = next(stream)
    # Memory holds the page in hand and the one the engine prepares meanwhile, however many alerts there are.
    assert script.runs <= 2
    rest = list(stream)
    assert [a["url"] for a in [first, *rest]] == [f"{BASE}p{n}" for n in range(1, 6)]
    assert script.runs == 3
    assert first["pluginId"] == "10021" and first["risk"] == "Low" and first["messageId"] == "7"
    assert script.loaded == [
        (
            "dast-export-alerts",
            "standalone",
            "ECMAScript : OpenJDK Nashorn",
            "/zap/rules/standalone_export_alerts.js",
        )
    ]
    # Pages travel in the script's custom variable (no size cap); its variables are cleared after use.
    assert not script.vars and not script.custom


def test_export_pages_through_a_plain_variable_without_the_custom_variable_view() -> None:
    script = _Script([alert(id=str(n), url=f"{BASE}p{n}") for n in range(1, 6)])
    script.has_custom_view = False
    assert len(list(AlertExporter(FakeScriptClient(script), "/zap/rules").alerts(BASE))) == 5
    assert script.runs == 1 + 3  # the first page tried once through the custom variable


def test_a_page_left_from_an_earlier_request_is_not_taken_for_this_one() -> None:
    script = _Script([alert(id="1", url=BASE + "a")])
    stale = {"alerts": [], "last": 0, "done": True, "nonce": "old"}
    script.custom["dast-export-alerts/page"] = script.vars["dast-export-alerts/page"] = json.dumps(stale)
    script.broken = True
    with pytest.raises(ExportUnavailable):
        next(AlertExporter(FakeScriptClient(script), "/zap/rules").alerts(BASE))


def test_export_filters_by_base_url_and_reuses_a_loaded_script() -> None:
    script = _Script([alert(id="1", url=BASE + "a"), alert(id="2", url="http://other:1/b")])
    script.loaded.append(("dast-export-alerts", "standalone", "x", "y"))
    assert [a["url"] for a in AlertExporter(FakeScriptClient(script), "/zap/rules").alerts(BASE)] == [
        BASE + "a"
    ]
    assert len(script.loaded) == 1


@pytest.mark.parametrize(
    ("script_dir", "types", "broken"),
    [
        ("", ("standalone",), False),
        ("/zap/rules", ("passive",), False),
        ("/zap/rules", ("standalone",), True),
    ],
    ids=["no-script-dir", "no-standalone-type", "script-fails-in-engine"],
)
def test_export_says_unavailable_before_yielding_anything(
    script_dir: str, types: tuple[str, ...], broken: bool
) -> None:
    script = _Script([alert(id="1")], types=types)
    script.broken = broken
    with pytest.raises(ExportUnavailable):
        next(AlertExporter(FakeScriptClient(script), script_dir).alerts(BASE))


def test_export_that_stops_making_progress_is_an_engine_error() -> None:
    script = _Script([alert(id=str(n), url=f"{BASE}p{n}") for n in range(1, 6)])
    stream = AlertExporter(FakeScriptClient(script), "/zap/rules").alerts(BASE)
    next(stream)
    script.broken = True  # the request stays in the variable: not a page
    with pytest.raises(EngineError, match="alert export script"):
        list(stream)


def test_evidence_messages_are_asked_for_a_few_at_once_and_each_once() -> None:
    findings = build_findings(
        alert(url=f"{BASE}p{n}", pluginId=str(10_000 + n), name=f"rule {n}", messageId=str(n))
        for n in range(8)
    )
    both_in_flight = threading.Barrier(2, timeout=5)
    asked: list[str] = []

    def fetch(message_id: str) -> Mapping[str, Any] | None:
        asked.append(message_id)
        both_in_flight.wait()  # breaks (and the test fails) unless two fetches overlap
        return http_message(f"GET {BASE}p{message_id} HTTP/1.1\r\n\r\n", message_id=int(message_id))

    evidence = attach_exchanges(findings, fetch, engine_url=BASE, base_url=BASE)
    assert sorted(asked, key=int) == [str(n) for n in range(8)]
    assert len(evidence.exchanges) == 8 and evidence.unavailable == 0


# --- spider options from the profile ---------------------------------------------------------


def test_spider_threads_and_parse_options_reach_the_engine_before_the_spider_starts() -> None:
    zap = FakeZap()
    profile = make_profile("baseline", spider={"threads": 6, "parse_comments": False, "post_forms": True})
    provider = FakeProvider(zap, in_network=False, script_dir="/zap/dast-rulepack", log=[])
    request = ScanRequest(profile=profile, profile_sha256="0" * 64, fail_on=Risk.MEDIUM)
    run_scan(request, FakeTarget(None, log=[]), provider, RecordingObserver(), FakeClock())
    assert zap.called("set_spider_options") == [
        (SpiderOptions(threads=6, parse_comments=False, post_forms=True),)
    ]
    names = zap.names()
    assert names.index("set_spider_options") < names.index("start_spider")


def test_unset_spider_options_leave_the_engine_and_rate_settings_alone() -> None:
    zap = FakeZap()
    provider = FakeProvider(zap, in_network=False, script_dir="/zap/dast-rulepack", log=[])
    request = ScanRequest(profile=make_profile("baseline"), profile_sha256="0" * 64, fail_on=Risk.MEDIUM)
    run_scan(request, FakeTarget(None, log=[]), provider, RecordingObserver(), FakeClock())
    assert zap.called("set_spider_options") == [(SpiderOptions(),)]
    assert make_profile("full").spider.threads == 8  # measured: the spider waits on the target


@pytest.mark.parametrize("threads", [0, 21, "four", True])
def test_spider_threads_out_of_range_are_refused_with_the_field_named(threads: object) -> None:
    with pytest.raises(ValidationError, match=r"spider\.threads"):
        make_profile("baseline", spider={"threads": threads})


# --- engine stop ------------------------------------------------------------------------------


def test_a_local_engine_is_stopped_by_sigterm_at_once_not_through_its_api() -> None:
    # A stand-in that ignores the API (nothing listens there): asked through it, it would be waited
    # for STOP_GRACE_S (10 s) before any signal.
    process = subprocess.Popen(["sleep", "30"])
    began = time.monotonic()
    local._stop(process, "http://127.0.0.1:1", "key", polite=True)
    assert process.returncode == -signal.SIGTERM
    assert time.monotonic() - began < 2.0


# --- fixed costs --------------------------------------------------------------------------------


@pytest.mark.parametrize("fresh", [True, False])
def test_an_engine_started_for_this_scan_is_not_given_a_new_session(fresh: bool) -> None:
    zap = FakeZap()
    provider = FakeProvider(zap, in_network=False, script_dir="/zap/dast-rulepack", log=[])
    provider.fresh = fresh
    request = ScanRequest(profile=make_profile("baseline"), profile_sha256="0" * 64, fail_on=Risk.MEDIUM)
    record = run_scan(request, FakeTarget(None, log=[]), provider, RecordingObserver(), FakeClock())
    assert not record.error
    assert zap.called("new_session") == ([] if fresh else [()])


def test_phases_are_looked_at_four_times_a_second_once_running_and_the_url_list_rarely() -> None:
    zap = FakeZap(spider=(*range(0, 100, 2), 100))  # fifty looks before the spider is done
    clock = FakeClock()
    provider = FakeProvider(zap, in_network=False, script_dir="/zap/dast-rulepack", log=[])
    request = ScanRequest(profile=make_profile("baseline"), profile_sha256="0" * 64, fail_on=Risk.MEDIUM)
    run_scan(request, FakeTarget(None, log=[]), provider, RecordingObserver(), clock)
    assert max(clock.sleeps) == 0.25
    spider_s = 0.2 + 0.25 * 49  # the first wait, then the cap
    assert len(zap.called("spider_progress")) == 51
    assert len(zap.called("spider_urls_found")) <= spider_s / 2.0 + 1
