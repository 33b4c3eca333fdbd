"""Small units: redaction, fingerprints, the gate, atomic writes, polling, durations."""

from __future__ import annotations

import itertools
import math
import os
import stat
from pathlib import Path

import pytest
from fakes import CORE_CAPS, STANDARD_CAPS, FakeClock, caps

from dast.atomic import write_atomic
from dast.engine import rulepack
from dast.errors import EngineError
from dast.fingerprint import fingerprint, normalise_path, site_of
from dast.gate import GateVerdict, evaluate, fails_gate, parse_fail_on
from dast.models import (
    Confidence,
    EngineInfo,
    Finding,
    Instance,
    ProfileInfo,
    Risk,
    RunRecord,
    TargetInfo,
)
from dast.polling import FIRST_INTERVAL_S, GROWTH, MAX_INTERVAL_S, Deadline, poll_until
from dast.profiles.model import parse_duration
from dast.redact import MASK, REDACTOR, Redactor, redact

# --- redaction ----------------------------------------------------------------------------


def test_registered_secret_is_masked_everywhere() -> None:
    r = Redactor()
    r.add("k3y-Value-123")
    text = "GET /JSON/core/view/version/?apikey=k3y-Value-123 failed; key was k3y-Value-123."
    masked = r(text)
    assert "k3y-Value-123" not in masked
    assert masked.count(MASK) == 2


def test_longer_secret_wins_over_its_prefix() -> None:
    r = Redactor()
    r.add("abcd")
    r.add("abcdefgh")
    assert r("x abcdefgh y") == f"x {MASK} y"


@pytest.mark.parametrize("short", ["", None, "a", "abc"])
def test_very_short_secrets_are_not_registered(short: str | None) -> None:
    r = Redactor()
    r.add(short)
    assert r("a abc b") == "a abc b"


def test_process_wide_redactor() -> None:
    REDACTOR.add("global-secret-Zq81")
    assert redact("key=global-secret-Zq81") == f"key={MASK}"
    assert redact("") == ""


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        ("Authorization: Bearer eyJhbGciOi.xyz", "eyJhbGciOi", "Authorization: "),
        ("authorization:Basic YWRtaW46cGFzcw==", "YWRtaW46cGFzcw", "authorization:"),
        ("Proxy-Authorization: Basic Zm9vOmJhcg==", "Zm9vOmJhcg", "Proxy-Authorization"),
        ("Cookie: JSESSIONID=ABC123; theme=dark", "ABC123", "Cookie: "),
        ("Set-Cookie: sid=s3cr3t; HttpOnly; Path=/", "s3cr3t", "Set-Cookie: "),
        ("X-ZAP-API-Key: zapkey99", "zapkey99", "X-ZAP-API-Key"),
        ("HTTP/1.1 200 OK\r\nSet-Cookie: sid=s3cr3t\r\nServer: x", "s3cr3t", "Server: x"),
        ("http://a/cb?token=t0k3n&next=/home", "t0k3n", "&next=/home"),
        ("http://a/?x=1&access_token=AT-999", "AT-999", "x=1&access_token="),
        ("http://a/?id_token=eyJ.payload.sig", "eyJ.payload", "id_token="),
        ("user=bob&password=hunter2&remember=1", "hunter2", "user=bob&"),
        ("PASSWORD=Hunter2", "Hunter2", "PASSWORD="),
        ("apikey=k1k1k1", "k1k1k1", "apikey="),
        ('{"user": "bob", "password": "hunter2"}', "hunter2", '"user": "bob"'),
        ('{"apiKey":"zz-top"}', "zz-top", '"apiKey":'),
        ('{"password": "a\\"quoted\\" one", "next": 1}', "quoted", '"next": 1'),
        ('{"token" : "tt-1"}', "tt-1", '"token" : "'),
    ],
)
def test_secret_patterns_are_masked(text: str, secret: str, kept: str) -> None:
    masked = Redactor()(text)
    assert secret not in masked
    assert MASK in masked
    assert kept in masked


@pytest.mark.parametrize(
    "text",
    [
        "GET /search?q=tokens HTTP/1.1",
        "The password field is missing a label.",
        "mytoken=visible",  # only the listed names, not any name ending in one
        '{"user": "bob"}',
        "X-Frame-Options: DENY",
    ],
)
def test_innocent_text_is_left_alone(text: str) -> None:
    assert Redactor()(text) == text


# --- fingerprints -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("http://h/a/b", "/a/b"),
        ("http://h", "/"),
        ("http://h/", "/"),
        ("http://h//a//b", "/a/b"),
        ("http://h/a/./b/../c", "/a/c"),
        ("http://h/a/", "/a"),
        ("http://h/a%20b", "/a b"),
        ("http://h/a?x=1#frag", "/a"),
        ("https://user@h:8443/x", "/x"),
        ("/relative/only", "/relative/only"),
        ("", "/"),
    ],
)
def test_normalise_path(url: str, path: str) -> None:
    assert normalise_path(url) == path


def test_fingerprint_ignores_host_query_fragment_and_method_case() -> None:
    base = fingerprint("40012", "GET", "http://staging:8080/search?q=1", "q")
    assert base == fingerprint("40012", "get", "https://prod.example.com/search?q=2#x", "q")
    assert base == fingerprint("40012", "GET", "http://h//search/", "q")
    assert len(base) == 32 and int(base, 16) >= 0


@pytest.mark.parametrize(
    ("rule", "method", "url", "param"),
    [
        ("40018", "GET", "http://h/search", "q"),  # another rule
        ("40012", "POST", "http://h/search", "q"),  # another method
        ("40012", "GET", "http://h/search2", "q"),  # another path
        ("40012", "GET", "http://h/search", "p"),  # another parameter
    ],
)
def test_fingerprint_keeps_what_matters(rule: str, method: str, url: str, param: str) -> None:
    assert fingerprint(rule, method, url, param) != fingerprint("40012", "GET", "http://h/search", "q")


def test_fingerprint_survives_odd_text() -> None:
    assert fingerprint("1", "GET", "http://h/\udcff", "\x00")  # lone surrogate, NUL


@pytest.mark.parametrize(
    ("url", "site"),
    [
        ("http://a:1/x?y", "http://a:1"),
        ("https://b.example/", "https://b.example"),
        ("not a url", "not a url"),
    ],
)
def test_site_of(url: str, site: str) -> None:
    assert site_of(url) == site


# --- gate ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ("high", Risk.HIGH),
        ("HIGH", Risk.HIGH),
        (" Medium ", Risk.MEDIUM),
        ("low", Risk.LOW),
        ("info", Risk.INFO),
        ("informational", Risk.INFO),
        ("never", None),
        ("NEVER", None),
    ],
)
def test_parse_fail_on(text: str, risk: Risk | None) -> None:
    assert parse_fail_on(text) is risk


@pytest.mark.parametrize("text", ["bogus", "", "critical", "3"])
def test_parse_fail_on_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="must be one of high, medium, low, info, never"):
        parse_fail_on(text)


def _finding(rule_id: str, risk: Risk, instances: int = 1) -> Finding:
    return Finding(
        rule_id=rule_id,
        name=f"rule {rule_id}",
        risk=risk,
        confidence=Confidence.HIGH,
        cwe_id=-1,
        wasc_id=-1,
        description="",
        solution="",
        references=(),
        instances=tuple(
            Instance(
                url=f"http://h/{n}",
                method="GET",
                parameter="",
                attack="",
                evidence="",
                message_id=str(n),
                fingerprint=fingerprint(rule_id, "GET", f"http://h/{n}", ""),
            )
            for n in range(instances)
        ),
    )


def _record(findings: tuple[Finding, ...], fail_on: Risk | None) -> RunRecord:
    return RunRecord(
        tool_version="0",
        engine=EngineInfo("fake", "1", "engine"),
        profile=ProfileInfo("p", ""),
        target=TargetInfo("http://h/"),
        started_at="",
        finished_at="",
        phases=(),
        request_count=0,
        findings=findings,
        fail_on=fail_on,
    )


@pytest.mark.parametrize(
    ("risk", "fail_on", "fails"),
    [
        (Risk.HIGH, Risk.MEDIUM, True),
        (Risk.MEDIUM, Risk.MEDIUM, True),
        (Risk.LOW, Risk.MEDIUM, False),
        (Risk.INFO, Risk.INFO, True),
        (Risk.HIGH, None, False),
    ],
)
def test_fails_gate(risk: Risk, fail_on: Risk | None, fails: bool) -> None:
    assert fails_gate(_finding("1", risk), fail_on) is fails


def test_evaluate_counts_failing_findings_and_instances() -> None:
    findings = (_finding("1", Risk.HIGH, 3), _finding("2", Risk.MEDIUM, 2), _finding("3", Risk.LOW, 5))
    verdict = evaluate(_record(findings, Risk.MEDIUM))
    assert not verdict.passed
    assert [f.rule_id for f in verdict.failing] == ["1", "2"]
    assert (
        verdict.summary() == "gate FAILED (fail on: Medium): 2 finding(s), 5 instance(s) at or above Medium"
    )


def test_evaluate_passes() -> None:
    assert evaluate(_record((_finding("3", Risk.LOW),), Risk.MEDIUM)).summary() == (
        "gate passed (fail on: Medium)"
    )
    assert evaluate(_record((_finding("1", Risk.HIGH),), None)).passed
    assert GateVerdict(None, ()).summary() == "gate passed (fail on: never)"
    assert evaluate(_record((), Risk.INFO)).passed


@pytest.mark.parametrize(
    ("text", "risk"),
    [("High", Risk.HIGH), ("informational", Risk.INFO), ("INFO", Risk.INFO), ("low", Risk.LOW)],
)
def test_risk_parse(text: str, risk: Risk) -> None:
    assert Risk.parse(text) is risk
    assert Risk.parse(risk.label) is risk


def test_confidence_parse() -> None:
    assert Confidence.parse("False Positive") is Confidence.FALSE_POSITIVE
    assert Confidence.parse("confirmed") is Confidence.CONFIRMED
    assert Confidence.HIGH.label == "High"
    with pytest.raises(ValueError):
        Confidence.parse("sure")


# --- atomic write -------------------------------------------------------------------------


def test_atomic_write_creates_folders_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "report.html"
    write_atomic(target, b"<html>1</html>")
    write_atomic(target, b"<html>2</html>")
    assert target.read_bytes() == b"<html>2</html>"
    assert os.listdir(target.parent) == ["report.html"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_atomic_write_failure_keeps_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["results.json"]


def test_atomic_write_over_a_directory_fails_without_leftovers(tmp_path: Path) -> None:
    (tmp_path / "report.html").mkdir()
    with pytest.raises(OSError):
        write_atomic(tmp_path / "report.html", b"x")
    assert os.listdir(tmp_path) == ["report.html"]
    assert (tmp_path / "report.html").is_dir()


# --- clock and polling --------------------------------------------------------------------


def test_deadline(clock: FakeClock) -> None:
    deadline = Deadline.after(clock, 10)
    assert deadline.remaining() == 10 and not deadline.expired()
    clock.advance(4)
    assert deadline.remaining() == 6
    clock.advance(7)
    assert deadline.remaining() == 0 and deadline.expired()
    sooner = Deadline.after(clock, 1)
    later = Deadline.after(clock, 5)
    assert sooner.earliest(later) is sooner
    assert later.earliest(sooner) is sooner


def test_poll_intervals_grow_to_a_ceiling(clock: FakeClock) -> None:
    answers = iter([False] * 20 + [True])
    ticks: list[float] = []
    assert poll_until(lambda: next(answers), Deadline.after(clock, 1000), lambda: ticks.append(clock.now))
    sleeps = clock.sleeps
    assert len(sleeps) == 20 == len(ticks)
    assert sleeps[0] == pytest.approx(FIRST_INTERVAL_S)
    assert sleeps[1] == pytest.approx(FIRST_INTERVAL_S * GROWTH)
    assert all(b >= a for a, b in itertools.pairwise(sleeps))  # never shrink
    assert max(sleeps) == MAX_INTERVAL_S
    assert sleeps[-1] == MAX_INTERVAL_S


def test_poll_never_sleeps_past_the_deadline(clock: FakeClock) -> None:
    deadline = Deadline.after(clock, 7.3)
    calls = 0

    def never() -> bool:
        nonlocal calls
        calls += 1
        return False

    assert poll_until(never, deadline) is False
    assert clock.now == pytest.approx(deadline.at)
    assert clock.now <= deadline.at + 1e-9
    assert sum(clock.sleeps) == pytest.approx(7.3)
    assert calls == len(clock.sleeps) + 1  # one last look at the deadline


def test_poll_done_at_once_does_not_sleep_or_tick(clock: FakeClock) -> None:
    ticks: list[int] = []
    assert poll_until(lambda: True, Deadline.after(clock, 5), lambda: ticks.append(1))
    assert clock.sleeps == [] and ticks == []


def test_poll_with_no_time_left_asks_once(clock: FakeClock) -> None:
    calls: list[int] = []
    assert not poll_until(lambda: bool(calls.append(1)), Deadline.after(clock, 0))
    assert calls == [1]
    assert clock.sleeps == []


# --- durations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (90, 90.0),
        (0, 0.0),
        (1.5, 1.5),
        ("90s", 90.0),
        ("5m", 300.0),
        ("2h", 7200.0),
        ("1h30m", 5400.0),
        ("1h 30m 15s", 5415.0),
        ("  10m  ", 600.0),
        ("0s", 0.0),
        ("90m", 5400.0),
    ],
)
def test_parse_duration(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    "value",
    ["5 minutes", "", "m", "1.5m", "-5s", "5M", "30m1h", True, None, [], -1, -0.5, math.nan, math.inf],
)
def test_parse_duration_rejects(value: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(value)


# --- rule pack decisions ------------------------------------------------------------------


def test_standard_rules_detection() -> None:
    assert rulepack.has_standard_rules(STANDARD_CAPS)
    assert not rulepack.has_standard_rules(CORE_CAPS)
    # Active rules alone are not enough.
    assert not rulepack.has_standard_rules(caps(STANDARD_CAPS, passive_scanners=()))


@pytest.mark.parametrize(
    ("engines", "chosen"),
    [
        (("Graal.js", "Oracle Nashorn"), "Oracle Nashorn"),
        (("Graal.js",), "Graal.js"),
        (("ECMAScript : Oracle Nashorn",), "ECMAScript : Oracle Nashorn"),
        (("Zest", "JavaScript"), "JavaScript"),
    ],
)
def test_script_engine_choice(engines: tuple[str, ...], chosen: str) -> None:
    assert rulepack.script_engine(caps(CORE_CAPS, script_engines=engines)) == chosen


def test_no_script_engine() -> None:
    with pytest.raises(EngineError, match=r"it offers: none"):
        rulepack.script_engine(caps(CORE_CAPS, script_engines=()))
