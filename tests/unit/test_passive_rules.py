"""`passive.rules` in a profile: enabled per rule everywhere, the threshold where the engine applies it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fakes import CORE_CAPS, STANDARD_CAPS, FakeClock, FakeProvider, FakeTarget, FakeZap, make_profile

from dast.core.events import Notice, RecordingObserver
from dast.core.scan import ScanRequest, run_scan
from dast.engine.interface import EngineCapabilities, PassiveRuleSetting
from dast.errors import ProfileError
from dast.models import Risk, RunRecord
from dast.profiles.loader import load_profile


def scan(caps: EngineCapabilities, rules: list[dict[str, Any]]) -> tuple[RunRecord, FakeZap, list[str]]:
    zap = FakeZap(caps)
    observer = RecordingObserver()
    request = ScanRequest(
        profile=make_profile("baseline", passive={"rules": rules}),
        profile_sha256="0" * 64,
        fail_on=Risk.MEDIUM,
    )
    record = run_scan(request, FakeTarget(), FakeProvider(zap), observer, FakeClock())
    notices = [e.message for e in observer.events if isinstance(e, Notice)]
    return record, zap, notices


def test_the_engines_own_rules_are_switched_and_tuned_through_its_api() -> None:
    record, zap, _ = scan(
        STANDARD_CAPS,
        [
            {"id": 10038, "enabled": False},
            {"id": "10020", "threshold": "low"},
            {"id": 10021, "threshold": "OFF"},
        ],
    )
    assert zap.called("set_passive_rules") == [
        (
            [
                PassiveRuleSetting("10038", enabled=False),
                PassiveRuleSetting("10020", enabled=True, threshold="LOW"),
                PassiveRuleSetting("10021", enabled=False),
            ],
        )
    ]
    ran = {r.rule_id for r in record.rules if r.kind == "passive"}
    assert "10038" not in ran and "10021" not in ran and "10020" in ran
    assert record.warnings == ()


def test_with_the_rule_pack_a_disabled_rule_is_not_loaded_and_a_threshold_is_said_to_be_ignored() -> None:
    record, zap, _ = scan(CORE_CAPS, [{"id": 10038, "enabled": False}, {"id": 10020, "threshold": "HIGH"}])
    loaded = {args[0] for args in zap.called("load_script")}
    assert "dast-10038" not in loaded and "dast-10020" in loaded
    assert "10038" not in {r.rule_id for r in record.rules}
    assert zap.called("set_passive_rules") == [], "none of these rules is the engine's own"
    assert record.warnings == (
        "passive rule 10020: threshold HIGH is not applied: dast's rule pack runs its passive rules in one "
        "script scanner, which has no per-rule threshold",
    )


def test_a_passive_rule_the_engine_lacks_is_reported() -> None:
    _, zap, notices = scan(STANDARD_CAPS, [{"id": 99999, "threshold": "LOW"}])
    assert "profile rule 99999 is not in this engine; its settings are ignored" in notices
    assert zap.called("set_passive_rules") == []


def test_bad_passive_rules_are_profile_errors(tmp_path: Any) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: p\npassive:\n  rules:\n    - {id: 10038, threshold: SOMETIMES}\n")
    with pytest.raises(ProfileError) as raised:
        load_profile(str(path))
    assert "passive.rules.0.threshold" in raised.value.problems[0]


# --- the pack's passive detection logic, read from the scripts (JavaScript regex and lists as text) ----

PACK = Path(__file__).resolve().parents[2] / "dast" / "engine" / "rulepack"


def _script(name: str) -> str:
    return (PACK / name).read_text(encoding="utf-8")


def _js_regex(source: str, var: str) -> re.Pattern[str]:
    """A `var NAME = /.../flags;` literal of a script, compiled by Python (the syntax used is common to both)."""
    match = re.search(rf"^var {var} = /(?P<body>.+)/(?P<flags>[a-z]*);$", source, re.M)
    assert match, f"no regex literal {var}"
    return re.compile(match["body"], re.I if "i" in match["flags"] else 0)


def _js_strings(source: str, var: str) -> list[str]:
    match = re.search(rf"^var {var} = \[\n(?P<body>.*?)\n\];$", source, re.M | re.S)
    assert match, f"no string list {var}"
    return [json.loads(s) for s in re.findall(r'"(?:[^"\\]|\\.)*"', match["body"])]


@pytest.mark.parametrize(
    ("server", "leaks"),
    [
        ("Apache/2.4.41 (Ubuntu)", True),
        ("nginx/1.25.3", True),
        ("Microsoft-IIS/10.0", True),
        ("DemoShop/1.4.2", True),
        ("BaseHTTP/0.6 Python/3.11.2", True),
        ("Jetty(9.4.z-SNAPSHOT)", True),
        ("Apache/2", True),
        ("1.2.3", True),
        ("nginx", False),
        ("Apache", False),
        ("AmazonS3", False),
        ("ECS (dcb/7F84)", False),
        ("cloudflare", False),
        ("gws", False),
        ("Kestrel", False),
        ("h2o", False),
    ],
)
def test_10036_needs_a_version_token_not_just_a_digit(server: str, leaks: bool) -> None:
    version = _js_regex(_script("pscan_10036_server_version.js"), "VERSION")
    assert bool(version.search(server)) is leaks


def test_10037_reports_every_non_empty_x_powered_by() -> None:
    source = _script("pscan_10037_x_powered_by.js")
    assert 'getHeaderValues("X-Powered-By")' in source
    assert "if (values.length == 0) return;" in source


def test_90022_ignores_quoted_error_messages_on_pages_that_did_not_fail() -> None:
    source = _script("pscan_90022_error_disclosure.js")
    traces, messages = _js_strings(source, "TRACES"), _js_strings(source, "MESSAGES")
    assert not set(traces) & set(messages)
    # What documentation quotes (the demo's /trap/docs page) is a message, never a trace.
    for quoted in ("You have an error in your SQL syntax", "sqlite3.OperationalError"):
        assert quoted in messages
    assert "Traceback (most recent call last)" in traces
    assert "if (message != null && status < 500) return;" in source
