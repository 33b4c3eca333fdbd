"""Rate and origin guard: the profile's `rate`, its mapping to engine settings, and what the core sends."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fakes import FakeClock, FakeProvider, FakeTarget, FakeZap, make_profile

from dast.core.events import Notice, RecordingObserver
from dast.core.scan import ScanRequest, run_scan
from dast.engine import traffic_guard
from dast.engine.interface import TrafficPolicy, origin_of
from dast.errors import ProfileError
from dast.models import Risk, RunRecord
from dast.profiles.loader import load_profile
from dast.profiles.model import Profile, Rate
from dast.resources import rulepack_dir
from dast.target.interface import RunningTarget

HOST_URL = "http://127.0.0.1:8080/"
NETWORK_URL = "http://app:8080/"

# --- the profile's rate section -----------------------------------------------------------


def test_a_profile_without_rate_gets_the_safe_defaults() -> None:
    assert Profile.model_validate({"name": "p"}).rate == Rate(max_rps=10.0, threads=2)


def test_no_limit_is_spelled_null() -> None:
    assert Profile.model_validate({"name": "p", "rate": {"max_rps": None}}).rate.max_rps is None


def test_baseline_is_gentle_and_the_others_looser() -> None:
    baseline, full, nightly, api = (load_profile(n).profile for n in ("baseline", "full", "nightly", "api"))
    assert baseline.rate == Rate(max_rps=10.0, threads=2)
    for looser in (full, nightly, api):
        assert looser.rate.max_rps is not None, "every bundled profile is bounded"
        assert looser.rate.max_rps >= 10.0
        assert looser.rate.threads >= baseline.rate.threads


# (case id, rate section as YAML, fragments of the one problem line)
BAD_RATES = [
    ("rps-zero", "max_rps: 0", ["rate.max_rps:", "must be from 1 to 1000 requests per second, got 0"]),
    ("rps-too-low", "max_rps: 0.5", ["rate.max_rps:", "from 1 to 1000", "got 0.5"]),
    ("rps-too-high", "max_rps: 5000", ["rate.max_rps:", "from 1 to 1000", "got 5000"]),
    ("rps-negative", "max_rps: -3", ["rate.max_rps:", "got -3"]),
    ("rps-infinite", "max_rps: .inf", ["rate.max_rps:", "from 1 to 1000"]),
    ("rps-nan", "max_rps: .nan", ["rate.max_rps:", "from 1 to 1000"]),
    ("rps-words", "max_rps: fast", ["rate.max_rps:", "expected a number of requests per second", "'fast'"]),
    ("rps-quoted", "max_rps: '10'", ["rate.max_rps:", "expected a number", "'10'"]),
    ("rps-bool", "max_rps: true", ["rate.max_rps:", "expected a number", "True"]),
    ("threads-zero", "threads: 0", ["rate.threads:", "must be from 1 to 20 threads, got 0"]),
    ("threads-too-many", "threads: 64", ["rate.threads:", "from 1 to 20", "got 64"]),
    ("threads-fraction", "threads: 2.5", ["rate.threads:", "expected a whole number of threads, got 2.5"]),
    ("threads-words", "threads: two", ["rate.threads:", "whole number", "'two'"]),
    ("threads-bool", "threads: true", ["rate.threads:", "whole number", "True"]),
    ("threads-null", "threads: null", ["rate.threads:", "whole number", "None"]),
    ("unknown-key", "burst: 5", ["rate.burst: unknown key"]),
]


@pytest.mark.parametrize(("section", "fragments"), [pytest.param(s, f, id=i) for i, s, f in BAD_RATES])
def test_bad_rate_is_one_problem_naming_the_field(tmp_path: Path, section: str, fragments: list[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(f"name: p\nrate:\n  {section}\n", encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(str(path))
    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}: rate.")
    for fragment in fragments:
        assert fragment in problem


def test_bounds_are_inclusive() -> None:
    rate = Profile.model_validate({"name": "p", "rate": {"max_rps": 1, "threads": 20}}).rate
    assert rate == Rate(max_rps=1.0, threads=20)
    assert (
        Profile.model_validate({"name": "p", "rate": {"max_rps": 1000, "threads": 1}}).rate.max_rps == 1000.0
    )


# --- origins ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://App.Example:8080/shop?q=1", "http://app.example:8080"),
        ("HTTP://app/", "http://app:80"),
        ("https://app.example/", "https://app.example:443"),
        ("https://app.example:8443/x", "https://app.example:8443"),
        ("http://[::1]:9000/", "http://[::1]:9000"),
        ("http://[FE80::1]/", "http://[fe80::1]:80"),
    ],
)
def test_origin_of(url: str, origin: str) -> None:
    assert origin_of(url) == origin


def test_a_policy_for_the_target_allows_its_origin_only() -> None:
    policy = TrafficPolicy.for_target("http://app:8080/shop/", 10.0, 2)
    assert policy == TrafficPolicy(origins=("http://app:8080",), max_rps=10.0, threads=2)


# --- mapping to the engine's settings -------------------------------------------------------


@pytest.mark.parametrize(
    ("max_rps", "threads", "delay_ms", "interval_us"),
    [
        (10.0, 2, 200, 100_000),
        (50.0, 2, 40, 20_000),
        (100.0, 4, 40, 10_000),
        (3.0, 1, 334, 333_334),  # rounded up: never faster than asked
        (1000.0, 20, 20, 1_000),
        (None, 2, 0, 0),
    ],
)
def test_rate_maps_to_active_scan_delay_and_guard_interval(
    max_rps: float | None, threads: int, delay_ms: int, interval_us: int
) -> None:
    policy = TrafficPolicy(origins=("http://app:80",), max_rps=max_rps, threads=threads)
    assert traffic_guard.active_scan_delay_ms(policy) == delay_ms
    assert traffic_guard.send_interval_us(policy) == interval_us
    if max_rps is not None:
        # `threads` threads each waiting delay_ms, and one request per interval overall, stay within max_rps.
        assert threads * 1000 / delay_ms <= max_rps
        assert 1_000_000 / interval_us <= max_rps


def test_guard_settings() -> None:
    policy = TrafficPolicy(origins=("http://app:8080", "https://[::1]:443"), max_rps=10.0, threads=2)
    settings = traffic_guard.guard_settings(policy, "run-1")
    assert settings == {
        "dast.guard.origins": "http://app:8080 https://[::1]:443",
        "dast.guard.sink": traffic_guard.SINK,
        "dast.guard.interval_us": "100000",
        "dast.guard.blocked": "0",
        "dast.guard.run": "run-1",
    }
    assert list(settings)[-1] == "dast.guard.run", "the run id is set last: it restarts the guard's counters"


def test_the_sink_is_a_loopback_address_not_a_name() -> None:
    host = urlsplit(traffic_guard.SINK).hostname
    assert host is not None
    assert ipaddress.ip_address(host).is_loopback  # raises for a DNS name


def test_the_guard_script_ships_in_the_rule_pack_folder() -> None:
    # The docker provider copies that folder into the ZAP container; the local one loads it in place.
    script = (rulepack_dir() / traffic_guard.SCRIPT_FILE).read_text(encoding="utf-8")
    for function in ("function sendingRequest(msg, initiator, helper)", "function responseReceived("):
        assert function in script
    for setting in traffic_guard.guard_settings(TrafficPolicy(("http://a:80",), 1.0, 1), "r"):
        assert f'"{setting}"' in script or f'"{setting.removeprefix("dast.guard.")}"' in script


@pytest.mark.parametrize(
    ("engines", "picked"),
    [
        (["ECMAScript : OpenJDK Nashorn"], "ECMAScript : OpenJDK Nashorn"),
        (["Graal.js", "Oracle Nashorn"], "Oracle Nashorn"),
        (["Graal.js"], None),
        ([], None),
    ],
)
def test_the_guard_needs_nashorn(engines: list[str], picked: str | None) -> None:
    assert traffic_guard.pick_script_engine(engines) == picked


# --- what the scan asks of the engine -------------------------------------------------------


def scan(
    profile: Profile, zap: FakeZap, running: RunningTarget | None = None, in_network: bool = False
) -> tuple[RunRecord, list[str]]:
    observer = RecordingObserver()
    record = run_scan(
        ScanRequest(profile=profile, profile_sha256="0" * 64, fail_on=Risk.MEDIUM),
        FakeTarget(running or RunningTarget(host_url=HOST_URL)),
        FakeProvider(zap, in_network=in_network, script_dir="/zap/scripts"),
        observer,
        FakeClock(),
    )
    return record, [e.message for e in observer.events if isinstance(e, Notice)]


def test_the_policy_is_applied_once_before_any_request() -> None:
    zap = FakeZap()
    record, notices = scan(make_profile("baseline"), zap)
    assert zap.called("apply_traffic_policy") == [
        (TrafficPolicy(origins=("http://127.0.0.1:8080",), max_rps=10.0, threads=2), "/zap/scripts")
    ]
    names = zap.names()
    first_request = min(names.index(n) for n in ("create_context", "access_url", "start_spider"))
    assert names.index("apply_traffic_policy") < first_request
    assert record.error == ""
    assert not [n for n in notices if "guard" in n]


def test_the_policy_names_the_target_as_the_engine_reaches_it() -> None:
    zap = FakeZap()
    running = RunningTarget(host_url=HOST_URL, network="net", network_url=NETWORK_URL)
    scan(make_profile("full", rate={"max_rps": 25, "threads": 3}), zap, running, in_network=True)
    ((policy, _dir),) = zap.called("apply_traffic_policy")
    assert policy == TrafficPolicy(origins=("http://app:8080",), max_rps=25.0, threads=3)


def test_no_limit_reaches_the_engine_as_none() -> None:
    zap = FakeZap()
    scan(make_profile("full", rate={"max_rps": None}), zap)
    ((policy, _dir),) = zap.called("apply_traffic_policy")
    assert policy.max_rps is None


def test_an_engine_that_cannot_run_the_guard_is_reported_loudly() -> None:
    zap = FakeZap(guard_problem="the engine has no HTTP Sender scripts")
    record, _notices = scan(make_profile("baseline"), zap)
    (warning,) = [w for w in record.warnings if "guard" in w]
    assert warning.startswith("origin guard not running (the engine has no HTTP Sender scripts)")
    assert "http://127.0.0.1:8080" in warning
    # The scan goes on within the spider's scope; the reason is there to be recorded.
    assert record.error == ""
    assert "start_spider" in zap.names()
