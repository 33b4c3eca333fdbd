"""The scan orchestration, driven end to end against the fakes at its seams (no ZAP, no network)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from fakes import (
    CORE_CAPS,
    NEVER,
    STANDARD_CAPS,
    FakeClock,
    FakeProvider,
    FakeTarget,
    FakeZap,
    alert,
    caps,
    make_profile,
)

from dast.core.events import Notice, PhaseFinished, PhaseProgress, PhaseStarted, RecordingObserver
from dast.core.findings import build_findings
from dast.core.scan import STATIC_ASSETS, ScanRequest, run_scan
from dast.engine.interface import ScanPolicy
from dast.engine.rulepack import pack_rules
from dast.errors import EngineError, Interrupted, TargetError, UsageError
from dast.fingerprint import fingerprint
from dast.models import Confidence, PhaseOutcome, PhaseResult, Risk, RunRecord
from dast.polling import MAX_INTERVAL_S
from dast.profiles.model import Profile
from dast.target.interface import RunningTarget
from dast.urlpattern import UrlPattern

PHASES = [
    "target_start",
    "engine_start",
    "spider",
    "ajax_spider",
    "openapi",
    "passive",
    "active",
    "alerts",
    "teardown",
]
# With an active scan, the passive scanner gets a second pass over the attack responses.
FULL_PHASES = [*PHASES[:7], "passive_attacks", *PHASES[7:]]
HOST_URL = "http://127.0.0.1:8080/"
NETWORK_URL = "http://app:8080/"


@dataclass
class Scan:
    record: RunRecord
    zap: FakeZap
    target: FakeTarget
    provider: FakeProvider
    observer: RecordingObserver
    clock: FakeClock
    log: list[str] = field(default_factory=list)

    def phase(self, name: str) -> PhaseResult:
        return next(p for p in self.record.phases if p.name == name)

    def notices(self) -> list[str]:
        return [e.message for e in self.observer.events if isinstance(e, Notice)]


def run(
    profile: Profile | None = None,
    zap: FakeZap | None = None,
    *,
    running: RunningTarget | None = None,
    in_network: bool = False,
    clock: FakeClock | None = None,
    script_dir: str = "/zap/dast-rulepack",
    engine_error: BaseException | None = None,
    target_error: BaseException | None = None,
) -> Scan:
    profile = profile or make_profile("baseline")
    zap = zap or FakeZap()
    clock = clock or FakeClock()
    log: list[str] = []
    target = FakeTarget(running, log=log, start_error=target_error)
    provider = FakeProvider(
        zap, in_network=in_network, script_dir=script_dir, log=log, start_error=engine_error
    )
    observer = RecordingObserver()
    request = ScanRequest(profile=profile, profile_sha256="0" * 64, fail_on=Risk.MEDIUM)
    record = run_scan(request, target, provider, observer, clock)
    return Scan(record, zap, target, provider, observer, clock, log)


def assert_cleaned_up(scan_target: FakeTarget, provider: FakeProvider, log: list[str]) -> None:
    assert scan_target.started == scan_target.stopped == 1
    assert provider.stopped == provider.started
    # The engine goes down before the target it was scanning.
    assert log[-1] == "target.stop"


# --- phases -------------------------------------------------------------------------------


def test_baseline_runs_phases_in_order_and_never_attacks() -> None:
    scan = run(make_profile("baseline"))

    assert [p.name for p in scan.record.phases] == PHASES
    outcomes = {p.name: (p.outcome, p.detail) for p in scan.record.phases}
    assert outcomes["spider"][0] is PhaseOutcome.COMPLETED
    assert outcomes["ajax_spider"] == (PhaseOutcome.SKIPPED, "disabled in profile")
    assert outcomes["openapi"] == (PhaseOutcome.SKIPPED, "disabled in profile")
    assert outcomes["passive"][0] is PhaseOutcome.COMPLETED
    assert outcomes["active"] == (PhaseOutcome.SKIPPED, "disabled in profile")
    assert outcomes["alerts"] == (PhaseOutcome.COMPLETED, "0 alerts")
    assert scan.record.error == ""
    assert scan.record.budgets_hit == ()

    names = scan.zap.names()
    assert "start_active_scan" not in names
    assert "apply_policy" not in names
    assert scan.zap.first_calls()[:8] == [
        "new_session",
        "capabilities",
        "pace_passive_scanner",  # while the passive scanner is idle: before the first request
        "apply_traffic_policy",  # before the first request to the target
        "create_context",
        "access_url",
        "set_spider_options",
        "start_spider",
    ]
    assert scan.zap.called("access_url") == [(HOST_URL,)]
    assert scan.zap.called("start_spider") == [(HOST_URL, "dast", 5, 0)]
    assert scan.log == ["target.start", "engine.start", "engine.stop", "target.stop"]
    assert scan.provider.networks == [None]


def test_record_describes_engine_target_and_profile() -> None:
    running = RunningTarget(host_url=HOST_URL, image="shop:1", image_digest="sha256:abc")
    scan = run(make_profile("baseline"), running=running)
    record = scan.record
    assert record.engine.provider == "fake"
    assert record.engine.version == STANDARD_CAPS.version
    assert record.target.url == HOST_URL
    assert record.target.image == "shop:1"
    assert record.target.image_digest == "sha256:abc"
    assert record.profile.name == "baseline"
    assert record.request_count == 42
    assert record.fail_on is Risk.MEDIUM


def test_engine_in_the_target_network_scans_the_network_url() -> None:
    running = RunningTarget(host_url=HOST_URL, network="dast-net-1", network_url=NETWORK_URL)
    scan = run(make_profile("baseline"), running=running, in_network=True)
    assert scan.provider.networks == ["dast-net-1"]
    assert scan.zap.called("access_url") == [(NETWORK_URL,)]
    assert scan.zap.called("start_spider")[0][0] == NETWORK_URL
    # ... and the record names the target as the findings do, so reports group them under one site.
    assert scan.record.target.url == NETWORK_URL


def test_full_profile_applies_its_policy_then_runs_the_active_scan() -> None:
    scan = run(make_profile("full"))
    (policy,) = (args[0] for args in scan.zap.called("apply_policy"))
    assert isinstance(policy, ScanPolicy)
    assert policy.name == "dast"
    assert (policy.default_strength, policy.default_threshold) == ("MEDIUM", "MEDIUM")
    assert policy.max_rule_duration_min == 5
    assert scan.zap.called("start_active_scan") == [(HOST_URL, "1", "dast")]
    names = scan.zap.names()
    assert names.index("apply_policy") < names.index("start_active_scan")
    assert names.index("passive_queue") < names.index("start_active_scan")
    assert scan.phase("active").outcome is PhaseOutcome.COMPLETED
    assert "stop_active_scan" not in names


def test_policy_carries_category_and_rule_settings() -> None:
    profile = make_profile(
        "nightly",
        active={
            "max_rule_duration": "90s",
            "categories": {"server_security": {"threshold": "low"}},
            "rules": [{"id": 40018, "strength": "insane"}, {"id": "10202", "enabled": False}],
        },
    )
    scan = run(profile)
    policy = scan.zap.called("apply_policy")[0][0]
    assert policy.category_strength == {"4": "HIGH"}  # nightly: injection HIGH
    assert policy.category_threshold == {"2": "LOW"}
    assert [(r.rule_id, r.enabled, r.strength) for r in policy.rules] == [
        ("40018", True, "INSANE"),
        ("10202", False, None),
    ]
    assert policy.max_rule_duration_min == 2  # rounded up to ZAP's minutes


# --- rule pack ----------------------------------------------------------------------------

ALL_PACK = [r.rule_id for r in pack_rules()]
PASSIVE_PACK = [r.rule_id for r in pack_rules() if r.kind == "passive"]


def test_pack_has_thirteen_rules() -> None:
    # At least the first thirteen; issue 11 adds more (active and passive), each id once.
    assert len(ALL_PACK) >= 13 and len(set(ALL_PACK)) == len(ALL_PACK)
    assert len(PASSIVE_PACK) >= 9


@pytest.mark.parametrize(
    ("engine_caps", "base", "mode", "expected", "source"),
    [
        pytest.param(CORE_CAPS, "full", "auto", ALL_PACK, "rulepack", id="core-auto-full"),
        pytest.param(CORE_CAPS, "baseline", "auto", PASSIVE_PACK, "rulepack", id="core-auto-passive-only"),
        pytest.param(STANDARD_CAPS, "full", "auto", [], "engine", id="standard-auto"),
        pytest.param(STANDARD_CAPS, "full", "always", ALL_PACK, "engine+rulepack", id="standard-always"),
        pytest.param(CORE_CAPS, "full", "never", [], "engine", id="core-never"),
    ],
)
def test_rule_pack_loading(engine_caps: Any, base: str, mode: str, expected: list[str], source: str) -> None:
    scan = run(make_profile(base, rulepack=mode), FakeZap(engine_caps))
    loaded = scan.zap.called("load_script")
    # Passive rules load one script each; active rules run behind the one entry script (its runner).
    rules = {r.rule_id: r for r in pack_rules()}
    active = [rule_id for rule_id in expected if rules[rule_id].kind == "active"]
    assert [name for name, *_ in loaded] == [
        f"dast-{rule_id}" for rule_id in expected if rule_id not in active
    ] + (["dast-active"] if active else [])
    assert {engine for _n, _t, engine, _p in loaded} <= {"Oracle Nashorn"}
    for name, kind, _engine, path in loaded:
        file = "active_entry.js" if name == "dast-active" else rules[name.removeprefix("dast-")].file
        assert kind == ("active" if name == "dast-active" else rules[name.removeprefix("dast-")].kind)
        assert path == f"/zap/dast-rulepack/{file}"
    run_files = scan.zap.script_vars.get("dast.rulepack.active", "").split()
    assert run_files == [rules[rule_id].file for rule_id in active]
    assert scan.record.engine.rule_source == source
    if expected:
        assert f"rule pack loaded: {len(expected)} rules" in scan.notices()
        assert set(expected) <= {r.rule_id for r in scan.record.rules}
    # Loading happens before the first request goes out.
    names = scan.zap.names()
    if loaded:
        assert max(i for i, n in enumerate(names) if n == "load_script") < names.index("access_url")


def test_a_rule_disabled_in_the_profile_is_not_loaded_from_the_pack() -> None:
    profile = make_profile("full", active={"rules": [{"id": 40018, "enabled": False}, {"id": 99999}]})
    scan = run(profile, FakeZap(CORE_CAPS))
    running = scan.zap.script_vars["dast.rulepack.active"].split()
    assert "ascan_40018_sql_injection.js" not in running and "ascan_40012_xss_reflected.js" in running
    assert "40018" not in {r.rule_id for r in scan.record.rules}
    assert "profile rule 99999 is not in this engine; its settings are ignored" in scan.notices()


def test_engine_rules_exclude_the_script_runners() -> None:
    scan = run(make_profile("full"), FakeZap(STANDARD_CAPS))
    ids = {r.rule_id for r in scan.record.rules}
    assert {"6", "40012", "40018", "10020", "10021", "10038"} <= ids
    assert not ids & {"50000", "50001", "50003"}


def test_baseline_lists_only_passive_engine_rules() -> None:
    scan = run(make_profile("baseline"), FakeZap(STANDARD_CAPS))
    assert {r.kind for r in scan.record.rules} == {"passive"}


def test_rule_pack_without_a_script_engine_fails_cleanly() -> None:
    scan = run(make_profile("full"), FakeZap(caps(CORE_CAPS, script_engines=("python",))))
    assert "no JavaScript script engine" in scan.record.error
    assert "python" in scan.record.error
    assert scan.zap.called("load_script") == []
    assert "start_spider" not in scan.zap.names()
    assert_cleaned_up(scan.target, scan.provider, scan.log)


def test_rule_pack_without_a_script_dir_fails_cleanly() -> None:
    scan = run(make_profile("full"), FakeZap(CORE_CAPS), script_dir="")
    assert "rule pack cannot be loaded" in scan.record.error
    assert scan.record.error_setting == "script_dir", "the CLI names the variable to set"
    assert_cleaned_up(scan.target, scan.provider, scan.log)


# --- AJAX spider --------------------------------------------------------------------------


def test_ajax_spider_skipped_when_engine_lacks_it() -> None:
    scan = run(make_profile("nightly"), FakeZap(caps(STANDARD_CAPS, has_ajax_spider=False)))
    phase = scan.phase("ajax_spider")
    assert phase.outcome is PhaseOutcome.SKIPPED
    assert phase.detail == "skipped: engine lacks AJAX spider"
    assert "skipped: engine lacks AJAX spider" in scan.notices()
    assert "start_ajax_spider" not in scan.zap.names()
    assert scan.record.budgets_hit == ()


def test_ajax_spider_runs_when_engine_has_it() -> None:
    scan = run(make_profile("nightly"), FakeZap(STANDARD_CAPS, ajax_running=(True, True, False)))
    assert scan.zap.called("start_ajax_spider") == [(HOST_URL, "dast", 10)]
    assert scan.phase("ajax_spider").outcome is PhaseOutcome.COMPLETED
    assert "stop_ajax_spider" not in scan.zap.names()


def test_ajax_spider_that_never_stops_is_stopped_at_its_budget() -> None:
    profile = make_profile("nightly", ajax_spider={"max_duration": "1m"})
    scan = run(profile, FakeZap(STANDARD_CAPS, ajax_running=(True,)))
    assert scan.zap.called("stop_ajax_spider") == [()]
    assert scan.phase("ajax_spider").outcome is PhaseOutcome.CUT_SHORT
    assert scan.record.budgets_hit == ("ajax_spider",)


# --- budgets ------------------------------------------------------------------------------


def test_never_finishing_active_scan_is_stopped_at_its_budget() -> None:
    profile = make_profile("full", max_duration="20m", active={"max_duration": "5m"})
    scan = run(profile, FakeZap(active=NEVER))

    assert scan.zap.called("stop_active_scan") == [("active-1",)]
    active = scan.phase("active")
    assert active.outcome is PhaseOutcome.CUT_SHORT
    assert active.detail == "budget of 300 s reached at 99%"
    assert 300 <= active.duration_s <= 300 + MAX_INTERVAL_S
    assert scan.record.budgets_hit == ("active",)
    assert scan.clock.elapsed <= profile.max_duration + 30
    # Alerts are still collected after the cut.
    assert scan.phase("alerts").outcome is PhaseOutcome.COMPLETED
    assert scan.record.error == ""
    # Polling backs off, but never waits longer than its ceiling.
    assert max(scan.clock.sleeps) <= MAX_INTERVAL_S
    assert scan.clock.sleeps[0] < scan.clock.sleeps[5]


def test_never_finishing_spider_is_stopped_at_its_budget() -> None:
    scan = run(make_profile("baseline", spider={"max_duration": "30s"}), FakeZap(spider=NEVER))
    assert scan.zap.called("stop_spider") == [("spider-1",)]
    assert scan.phase("spider").outcome is PhaseOutcome.CUT_SHORT
    assert scan.phase("spider").detail == "budget of 30 s reached at 99%"
    assert scan.record.budgets_hit == ("spider",)


def test_passive_queue_that_never_drains_is_cut_short() -> None:
    scan = run(make_profile("baseline", passive={"max_duration": "20s"}), FakeZap(passive_queue=(9, 7, 5)))
    passive = scan.phase("passive")
    assert passive.outcome is PhaseOutcome.CUT_SHORT
    assert passive.detail == "5 records not passively scanned"
    assert scan.record.budgets_hit == ("passive",)


def test_overall_budget_smaller_than_phase_budgets_cuts_the_phases() -> None:
    # 60 s overall, while the spider alone may take 120 s and the active scan 15 min.
    profile = make_profile("full", max_duration="60s")
    scan = run(profile, FakeZap(spider=NEVER, active=NEVER, passive_queue=(3, 0)))

    spider = scan.phase("spider")
    assert spider.outcome is PhaseOutcome.CUT_SHORT
    # The spider got what was left of the 60 s, minus a reserve for collecting the alerts.
    match = re.fullmatch(r"budget of (\d+) s reached at 99%", spider.detail)
    assert match is not None, spider.detail
    assert 40 <= int(match.group(1)) < 60
    assert int(match.group(1)) == round(spider.duration_s)
    active = scan.phase("active")
    assert active.outcome is PhaseOutcome.CUT_SHORT
    assert active.detail == "no time left in the overall budget"
    assert "start_active_scan" not in scan.zap.names()
    assert "active" in scan.record.budgets_hit
    assert "spider" in scan.record.budgets_hit
    assert scan.clock.elapsed < profile.max_duration
    assert scan.phase("alerts").outcome is PhaseOutcome.COMPLETED


def test_start_up_is_bounded_by_the_overall_budget_and_the_image_is_prepared_first() -> None:
    profile = make_profile("baseline", max_duration=90)
    scan = run(profile)
    assert scan.target.prepared == 1
    (target_timeout,) = scan.target.timeouts
    (engine_timeout,) = scan.provider.timeouts
    assert target_timeout == 90
    assert engine_timeout <= target_timeout


def test_everything_stuck_stays_within_the_overall_budget() -> None:
    profile = make_profile("nightly")
    zap = FakeZap(spider=NEVER, active=NEVER, ajax_running=(True,), passive_queue=(4,))
    scan = run(profile, zap)
    assert scan.clock.elapsed <= profile.max_duration + 30
    assert set(scan.record.budgets_hit) == {"spider", "ajax_spider", "passive", "active", "passive_attacks"}
    assert scan.zap.called("stop_spider") and scan.zap.called("stop_ajax_spider")
    assert scan.zap.called("stop_active_scan")


# --- scope --------------------------------------------------------------------------------


def test_scope_goes_to_the_context_and_excluded_alerts_are_dropped() -> None:
    # The tool's one URL rule: regexes searched in the path and query.
    exclude = ["^/logout", "/admin/"]
    profile = make_profile("baseline", scope={"exclude": exclude, "exclude_static_assets": False})
    alerts = [
        alert(url="http://127.0.0.1:8080/"),
        alert(url="http://127.0.0.1:8080/logout?next=/", messageId="8"),
        alert(url="http://127.0.0.1:8080/x/admin/users", messageId="9"),
        alert(url="http://admin.host:8080/other", messageId="10"),  # host names never match
    ]
    zap = FakeZap(alerts=alerts, site_urls=["http://127.0.0.1:8080/", "http://127.0.0.1:8080/logout"])
    scan = run(profile, zap)
    ((name, include, excluded, attack_exclude),) = scan.zap.called("create_context")
    assert name == "dast"
    assert include == [rf"\Q{HOST_URL}\E.*"]
    assert excluded == [UrlPattern(p).to_engine() for p in exclude]
    assert attack_exclude == []
    urls = [i.url for f in scan.record.findings for i in f.instances]
    assert urls == ["http://127.0.0.1:8080/", "http://admin.host:8080/other"]
    # /admin/ was never seen by the scan: the user is told, since it may be a typo.
    assert scan.record.warnings == (
        "scope exclude '/admin/' matched no URL the scan saw (patterns are searched in the URL's path and query)",
    )


def test_an_exclude_found_only_as_an_out_of_scope_link_is_not_warned_about() -> None:
    profile = make_profile("baseline", scope={"exclude": ["/setup\\.php"]})
    zap = FakeZap(out_of_scope_urls=["http://127.0.0.1:8080/setup.php"])
    assert run(profile, zap).record.warnings == ()


def test_explicit_include_replaces_the_default_and_stays_within_the_target() -> None:
    profile = make_profile("baseline", scope={"include": ["^/api/"]})
    scan = run(profile)
    assert scan.zap.called("create_context")[0][1] == [
        UrlPattern("^/api/").to_engine("http://127.0.0.1:8080")
    ]


@pytest.mark.parametrize(("switch", "expected"), [(True, [STATIC_ASSETS]), (False, [])])
def test_static_asset_switch_sets_the_attack_exclude(switch: bool, expected: list[str]) -> None:
    scan = run(make_profile("full", scope={"exclude_static_assets": switch}))
    assert scan.zap.called("create_context")[0][3] == expected


@pytest.mark.parametrize(
    ("url", "static"),
    [
        ("http://a/logo.PNG", True),
        ("http://a/css/site.css?v=3", True),
        ("http://a/fonts/x.woff2", True),
        ("http://a/app.js.map", True),
        ("http://a/api/users", False),
        ("http://a/page.php?img=a.png&x=1", False),
        ("http://a/download.pdf", False),
    ],
)
def test_static_asset_regex(url: str, static: bool) -> None:
    assert bool(re.fullmatch(STATIC_ASSETS, url)) is static


# --- findings -----------------------------------------------------------------------------


def test_alerts_grouped_into_findings_with_deduplicated_instances() -> None:
    alerts = [
        alert(url="http://127.0.0.1:8080/a", messageId="1"),
        alert(url="http://127.0.0.1:8080/a", messageId="2", evidence="again"),  # same instance
        alert(url="http://127.0.0.1:8080/b", messageId="3"),
        alert(
            pluginId="40012",
            alertRef="40012-1",
            alert="Cross Site Scripting (Reflected)",
            name="Cross Site Scripting (Reflected)",
            risk="High",
            confidence="Medium",
            url="http://127.0.0.1:8080/search?q=%3Cscript%3E",
            param="q",
            attack="<script>alert(1)</script>",
            cweid="79",
            wascid="8",
            messageId="4",
        ),
        alert(url="http://127.0.0.1:8080/c", confidence="False Positive", messageId="5"),
    ]
    scan = run(make_profile("full"), FakeZap(alerts=alerts))
    findings = scan.record.findings
    assert [(f.rule_id, f.risk) for f in findings] == [("40012", Risk.HIGH), ("10021", Risk.LOW)]
    xss, xcto = findings
    assert xss.cwe_id == 79 and xss.instances[0].parameter == "q"
    assert [i.url for i in xcto.instances] == ["http://127.0.0.1:8080/a", "http://127.0.0.1:8080/b"]
    assert xcto.instances[0].message_id == "1"  # the first one seen is kept
    assert xcto.references == ("https://owasp.org/a", "https://owasp.org/b")
    for finding in findings:
        for instance in finding.instances:
            expected = fingerprint(finding.rule_id, instance.method, instance.url, instance.parameter)
            assert instance.fingerprint == expected
    assert scan.phase("alerts").detail == "5 alerts"
    # The same alerts give the same fingerprints on the next run.
    again = run(make_profile("full"), FakeZap(alerts=alerts))
    assert [i.fingerprint for f in again.record.findings for i in f.instances] == [
        i.fingerprint for f in findings for i in f.instances
    ]


def test_fingerprint_is_the_same_across_hosts() -> None:
    a = fingerprint("10021", "GET", "http://a:1/x", "")
    b = fingerprint("10021", "get", "http://b:2/x?session=2#frag", "")
    assert a == b
    findings = build_findings([alert(url="http://a:1/x", param=""), alert(url="http://b:2/x", param="")])
    (finding,) = findings
    assert len(finding.instances) == 1
    assert finding.instances[0].fingerprint == a


def test_script_alerts_take_metadata_from_the_rule_pack() -> None:
    bare = alert(
        pluginId="40018",
        alertRef="40018",
        alert="SQL Injection",
        name="SQL Injection",
        risk="High",
        cweid="-1",
        wascid="0",
        description="",
        solution="",
        reference="",
    )
    (finding,) = build_findings([bare])
    assert finding.cwe_id == 89
    assert finding.wasc_id == 19
    assert finding.description and finding.solution and finding.references


def test_findings_redact_secrets_from_evidence() -> None:
    leaky = alert(
        url="http://127.0.0.1:8080/cb?token=abcdef123456",
        evidence="Set-Cookie: JSESSIONID=s3cr3tvalue",
        otherinfo='{"password": "hunter2"}',
    )
    (finding,) = build_findings([leaky])
    instance = finding.instances[0]
    assert "abcdef123456" not in instance.url
    assert "s3cr3tvalue" not in instance.evidence
    assert "hunter2" not in instance.other_info


def test_odd_alert_values_do_not_break_grouping() -> None:
    odd = alert(pluginId="", alert="", name="", risk="Critical", confidence="Sure", cweid="n/a", method="")
    (finding,) = build_findings([odd])
    assert finding.rule_id == "0"
    assert finding.name == "Unnamed alert"
    assert finding.risk is Risk.INFO
    assert finding.confidence is Confidence.MEDIUM
    assert finding.cwe_id == -1
    assert finding.instances[0].method == "GET"


def test_alerts_are_fetched_in_pages() -> None:
    alerts = [alert(url=f"http://127.0.0.1:8080/p{n}", messageId=str(n)) for n in range(4201)]
    scan = run(make_profile("baseline"), FakeZap(alerts=alerts))
    # Until a short page; no count first (ZAP's count reads the whole alert table too).
    assert [args[1:] for args in scan.zap.called("alerts")] == [(0, 2000), (2000, 2000), (4000, 2000)]
    assert not scan.zap.called("alert_count")
    assert len(scan.record.findings[0].instances) == 4201


# --- failures and cleanup -----------------------------------------------------------------


def test_engine_error_mid_scan_is_recorded_after_cleanup() -> None:
    zap = FakeZap(raise_on={"start_active_scan": EngineError("ZAP API call ascan/action/scan failed")})
    scan = run(make_profile("full"), zap)
    assert scan.record.error == "ZAP API call ascan/action/scan failed"
    assert [p.name for p in scan.record.phases] == PHASES[: PHASES.index("passive") + 1]  # up to the failure
    assert scan.record.findings == ()
    assert scan.log == ["target.start", "engine.start", "engine.stop", "target.stop"]


def test_engine_that_fails_to_start_still_stops_the_target() -> None:
    scan = run(make_profile("baseline"), engine_error=EngineError("ZAP did not start within 120 s"))
    assert scan.record.error == "ZAP did not start within 120 s"
    assert scan.target.stopped == 1
    assert scan.provider.stopped == 0
    assert scan.zap.calls == []
    assert [p.name for p in scan.record.phases] == ["target_start"]  # the engine never started


def test_target_that_fails_to_start_never_starts_the_engine() -> None:
    scan = run(make_profile("baseline"), target_error=TargetError("app not healthy after 60 s"))
    assert scan.record.error == "app not healthy after 60 s"
    assert scan.provider.started == 0
    assert scan.log == ["target.start"]


@pytest.mark.parametrize(
    ("method", "error"),
    [
        ("spider_progress", Interrupted("interrupted by SIGTERM; cleaned up")),
        ("passive_queue", KeyboardInterrupt()),
        ("start_active_scan", Interrupted("interrupted by SIGINT; cleaned up")),
    ],
)
def test_interrupt_propagates_after_cleanup(method: str, error: BaseException) -> None:
    log: list[str] = []
    target = FakeTarget(log=log)
    provider = FakeProvider(FakeZap(raise_on={method: error}), log=log)
    request = ScanRequest(profile=make_profile("full"), profile_sha256="", fail_on=None)
    with pytest.raises(type(error)):
        run_scan(request, target, provider, RecordingObserver(), FakeClock())
    assert log == ["target.start", "engine.start", "engine.stop", "target.stop"]


def test_bad_definition_file_is_a_usage_error_raised_after_cleanup(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    profile = make_profile("baseline", openapi={"enabled": True, "file": str(missing)})
    log: list[str] = []
    target, provider = FakeTarget(log=log), FakeProvider(FakeZap(CORE_CAPS), log=log)
    request = ScanRequest(profile=profile, profile_sha256="", fail_on=None)
    with pytest.raises(UsageError, match=r"openapi\.file .*nope\.json: cannot read"):
        run_scan(request, target, provider, RecordingObserver(), FakeClock())
    assert log[-2:] == ["engine.stop", "target.stop"]


# --- observer -----------------------------------------------------------------------------


def test_observer_sees_started_progress_and_finished() -> None:
    scan = run(make_profile("full"), FakeZap(spider=(25, 100), active=(10, 60, 100)))
    events = scan.observer.events
    spider = [e for e in events if getattr(e, "phase", None) == "spider" or _finished(e, "spider")]
    assert spider[0] == PhaseStarted("spider")
    assert isinstance(spider[1], PhaseProgress)
    assert (spider[1].percent, spider[1].urls_found) == (25, 7)
    assert isinstance(spider[-1], PhaseFinished)
    assert spider[-1].result.outcome is PhaseOutcome.COMPLETED
    active = [e.percent for e in events if isinstance(e, PhaseProgress) and e.phase == "active"]
    assert active == [10, 60]

    started = [e.phase for e in events if isinstance(e, PhaseStarted)]
    finished = [e.result.name for e in events if isinstance(e, PhaseFinished)]
    assert finished == FULL_PHASES
    assert started == [p for p in FULL_PHASES if p in started]  # in order
    # Skipped phases do not start; teardown is only measured.
    assert set(started) == {
        "target_start",
        "engine_start",
        "spider",
        "passive",
        "active",
        "passive_attacks",
        "alerts",
    }
    assert tuple(e.result for e in events if isinstance(e, PhaseFinished)) == scan.record.phases
    assert scan.phase("target_start").detail == f"ready at {HOST_URL}"
    assert scan.phase("engine_start").detail == "fake ZAP (in memory)"


def _finished(event: object, name: str) -> bool:
    return isinstance(event, PhaseFinished) and event.result.name == name


# --- OpenAPI ------------------------------------------------------------------------------

OPENAPI_3 = {
    "openapi": "3.0.3",
    "info": {"title": "pets", "version": "1"},
    "servers": [{"url": "https://api.example.com/v1"}],
    "paths": {
        "/pets": {
            "get": {"parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}]},
            "post": {
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}
                }
            },
        },
        "/pets/{petId}": {
            "parameters": [{"$ref": "#/components/parameters/PetId"}],
            "get": {"parameters": [{"name": "fields", "in": "query", "schema": {"enum": ["name", "age"]}}]},
            "delete": {},
        },
    },
    "components": {
        "parameters": {"PetId": {"name": "petId", "in": "path", "required": True, "example": 7}},
        "schemas": {
            "Pet": {
                "type": "object",
                "properties": {"name": {"type": "string", "example": "rex"}, "age": {"type": "integer"}},
            }
        },
    },
}

SWAGGER_2 = {
    "swagger": "2.0",
    "info": {"title": "users", "version": "1"},
    "host": "users.example.com",
    "basePath": "/api",
    "paths": {
        "/users": {
            "post": {
                "parameters": [
                    {
                        "name": "user",
                        "in": "body",
                        "schema": {"type": "object", "properties": {"email": {"type": "string"}}},
                    }
                ]
            }
        },
        "/users/{id}": {
            "get": {
                "parameters": [
                    {"name": "id", "in": "path", "type": "string", "default": "a b"},
                    {"name": "page", "in": "query", "type": "integer"},
                ]
            }
        },
        "/login": {
            "post": {
                "parameters": [
                    {"name": "username", "in": "formData", "type": "string"},
                    {"name": "remember", "in": "formData", "type": "string", "default": "yes"},
                ]
            }
        },
    },
}


def _request_lines(raw: str) -> tuple[str, dict[str, str], str]:
    head, _sep, body = raw.partition("\r\n\r\n")
    first, *headers = head.split("\r\n")
    return first, dict(h.split(": ", 1) for h in headers), body


def _import(tmp_path: Path, document: dict[str, Any], filename: str) -> Scan:
    path = tmp_path / filename
    text = json.dumps(document) if filename.endswith(".json") else yaml.safe_dump(document, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    profile = make_profile("baseline", openapi={"enabled": True, "file": str(path)})
    running = RunningTarget(host_url=HOST_URL, network="dast-net", network_url=NETWORK_URL)
    return run(profile, FakeZap(CORE_CAPS), running=running, in_network=True)


def test_openapi3_file_imported_by_dast_when_engine_lacks_the_addon(tmp_path: Path) -> None:
    scan = _import(tmp_path, OPENAPI_3, "openapi.json")
    assert "import_openapi" not in scan.zap.names()
    requests = [_request_lines(raw) for (raw,) in scan.zap.called("send_request")]
    firsts = [first for first, _h, _b in requests]
    assert firsts == [
        "GET http://app:8080/v1/pets?limit=1 HTTP/1.1",
        "POST http://app:8080/v1/pets HTTP/1.1",
        "GET http://app:8080/v1/pets/7?fields=name HTTP/1.1",
        "DELETE http://app:8080/v1/pets/7 HTTP/1.1",
    ]
    for _first, headers, _body in requests:
        assert headers["Host"] == "app:8080"
    _first, post_headers, post_body = requests[1]
    assert post_headers["Content-Type"] == "application/json"
    assert json.loads(post_body) == {"name": "rex", "age": 1}
    assert int(post_headers["Content-Length"]) == len(post_body.encode())
    assert "Content-Type" not in requests[0][1]
    phase = scan.phase("openapi")
    assert phase.outcome is PhaseOutcome.COMPLETED
    assert phase.detail == "4 operations imported by dast"
    # The operations go into the Sites tree before the passive and active phases look at it.
    names = scan.zap.names()
    assert names.index("send_request") > names.index("start_spider")
    assert names.index("send_request") < names.index("passive_queue")


def test_swagger2_file_imported_by_dast(tmp_path: Path) -> None:
    scan = _import(tmp_path, SWAGGER_2, "swagger.yaml")
    requests = [_request_lines(raw) for (raw,) in scan.zap.called("send_request")]
    assert [first for first, _h, _b in requests] == [
        "POST http://app:8080/api/users HTTP/1.1",
        "GET http://app:8080/api/users/a%20b?page=1 HTTP/1.1",
        "POST http://app:8080/api/login HTTP/1.1",
    ]
    _f, headers, body = requests[0]
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"email": "dast"}
    _f, headers, body = requests[2]
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert body == "username=dast&remember=yes"


def test_query_parameters_are_serialised_as_openapi_expects(tmp_path: Path) -> None:
    document = {
        "openapi": "3.0.0",
        "paths": {
            "/search": {
                "get": {
                    "parameters": [
                        {"name": "exact", "in": "query", "schema": {"type": "boolean"}},
                        {
                            "name": "tags",
                            "in": "query",
                            "schema": {"type": "array", "items": {"type": "string"}},
                        },
                    ]
                }
            }
        },
    }
    scan = _import(tmp_path, document, "openapi.json")
    ((raw,),) = scan.zap.called("send_request")
    first, _headers, _body = _request_lines(raw)
    assert first == "GET http://app:8080/search?exact=true&tags=dast HTTP/1.1"


def test_openapi_url_imported_by_the_engine_when_it_has_the_addon() -> None:
    profile = make_profile("api")
    running = RunningTarget(host_url=HOST_URL, network="dast-net", network_url=NETWORK_URL)
    scan = run(profile, FakeZap(STANDARD_CAPS, openapi_warnings=["w1"]), running=running, in_network=True)
    assert scan.zap.called("import_openapi") == [
        ("http://app:8080/openapi.json", True, "http://app:8080", "1")
    ]
    assert scan.zap.called("send_request") == []
    phase = scan.phase("openapi")
    assert phase.outcome is PhaseOutcome.COMPLETED
    assert phase.detail == "imported by the engine's OpenAPI add-on (1 warnings)"
    assert scan.phase("spider").outcome is PhaseOutcome.SKIPPED  # the api profile does not crawl


def test_openapi_file_is_imported_by_dast_even_when_the_engine_has_the_addon(tmp_path: Path) -> None:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(OPENAPI_3), encoding="utf-8")
    scan = run(make_profile("baseline", openapi={"enabled": True, "file": str(path)}), FakeZap(STANDARD_CAPS))
    assert "import_openapi" not in scan.zap.names()
    assert len(scan.zap.called("send_request")) == 4


def test_openapi_import_stops_when_the_budget_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(OPENAPI_3), encoding="utf-8")
    profile = make_profile("baseline", max_duration="30s", openapi={"enabled": True, "file": str(path)})
    scan = run(profile, FakeZap(CORE_CAPS, spider=NEVER))  # the spider uses up all the time
    phase = scan.phase("openapi")
    assert phase.outcome is PhaseOutcome.CUT_SHORT
    assert phase.detail == "0 of 4 operations sent before the budget ran out"
    assert scan.zap.called("send_request") == []
    assert "openapi" in scan.record.budgets_hit


def test_definition_that_is_not_openapi_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "api.yaml"
    path.write_text("just: a mapping\n", encoding="utf-8")
    profile = make_profile("baseline", openapi={"enabled": True, "file": str(path)})
    with pytest.raises(UsageError, match="not an OpenAPI 3 or Swagger 2 document"):
        run_scan(
            ScanRequest(profile, "", None),
            FakeTarget(),
            FakeProvider(FakeZap(CORE_CAPS)),
            RecordingObserver(),
            FakeClock(),
        )
