"""The rule pack's injection rules on the real engine: requests per strength as declared, true positives,
and silence on the trap pages (tests/integration/injection_target.py, a small server of the test's own)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from engines import require_local_engine, serve_script, wait_for

from dast.engine import rulepack
from dast.engine.interface import EngineSession
from dast.engine.local import LocalProvider
from dast.engine.zap_api import ZapCallError

pytestmark = pytest.mark.engine

TARGET_SCRIPT = Path(__file__).with_name("injection_target.py")
RULES = ["6", "20019", "40012", "40018", "40019", "40022", "40024", "40027", "90020", "40003", "90035"]
UNIT_S = 0.25  # time unit of the time-based checks: INSANE delays by 1 s
SCAN_TIMEOUT_S = 120.0


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    with serve_script(TARGET_SCRIPT) as base:
        yield base


@pytest.fixture(scope="module")
def engine() -> Iterator[EngineSession]:
    require_local_engine()
    with LocalProvider().start(None, 120) as session:
        caps = session.api.capabilities()
        others = {r.rule_id for r in rulepack.pack_rules()} - set(RULES)
        loaded = rulepack.load_pack(
            session.api, caps, session.script_dir, include_active=True, disabled=frozenset(others)
        )
        assert sorted(r.rule_id for r in loaded) == sorted(RULES)
        yield session


def _scan(
    session: EngineSession, base: str, pages: list[str], strength: str, threshold: str = "MEDIUM"
) -> dict[str, int]:
    """Active scan of each page (method and path?query) at one strength; requests per rule."""
    api = session.api
    levels = rulepack.ActiveLevels(strength=strength, threshold=threshold, timing_unit_s=UNIT_S)
    api.set_script_vars(rulepack.pack_vars(session.script_dir, RULES, levels))
    zap: Any = api._zap  # type: ignore[attr-defined]  # the raw client: a scan of one URL, no context
    for page in pages:
        method, _, path = page.partition(" ")
        url = base + path
        if method == "POST":
            path_only, _, form = path.partition("?")
            raw = (
                f"POST {base}{path_only} HTTP/1.1\r\nHost: {base[7:]}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(form)}\r\n\r\n{form}"
            )
            api.send_request(raw)
            post = partial(zap.ascan.scan, base + path_only, recurse=False, method="POST", postdata=form)
            scan_id = _start(post)
        else:
            api.access_url(url)
            scan_id = _start(partial(zap.ascan.scan, url, recurse=False))
        wait_for(
            lambda sid=scan_id: int(zap.ascan.status(sid)) >= 100, f"active scan of {page}", SCAN_TIMEOUT_S
        )
    return rulepack.rule_requests(api, RULES)


def _start(call: Callable[[], str]) -> str:
    """Starts a scan once the engine's Sites tree holds the page (it adds pages asynchronously)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return call()
        except ZapCallError as err:
            if err.code != "url_not_found" or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _alerts(session: EngineSession, base: str) -> list[dict[str, Any]]:
    zap: Any = session.api._zap  # type: ignore[attr-defined]
    return [a for a in zap.core.alerts(base) if a["pluginId"] in RULES]


@pytest.mark.parametrize("strength", rulepack.STRENGTHS)
def test_requests_per_parameter_are_as_declared(engine: EngineSession, target: str, strength: str) -> None:
    # A parameter nothing is done with: every rule sends exactly its "nothing found" count.
    sent = _scan(engine, target, ["GET /clean?v=1"], strength)
    declared = {r: rulepack.declared_requests(r)[strength].clean for r in RULES}
    assert sent == declared
    assert _alerts(engine, target) == []


def test_true_positives_and_silent_traps(engine: EngineSession, target: str) -> None:
    traps = ["GET /echo?q=a", "GET /slow?period=year", "GET /calc?expr=7*7", "GET /doc?x=1"]
    sent = _scan(engine, target, traps, "MEDIUM")
    assert _alerts(engine, target) == []
    # 40012: /echo and /calc echo the marker (escaped), so both get all payloads; /slow and /doc do not.
    assert sent["40012"] == 3 + 1 + 3 + 1
    assert sent["40019"] == 4 * rulepack.declared_requests("40019")["MEDIUM"].clean  # no timing lead
    vulnerable = {
        "GET /ping?host=127.0.0.1": {"90020"},
        "POST /lookup?domain=example": {"90020"},
        "GET /lang?set=en": {"40003"},
        "GET /greet?name=guest": {"90035"},
        "GET /stock?id=1": {"40018", "40019", "40022", "40024"},
    }
    sent = _scan(engine, target, list(vulnerable), "MEDIUM")
    found = {(a["pluginId"], a["param"]) for a in _alerts(engine, target)}
    expected = {
        (rule, page.split("?")[1].split("=")[0]) for page, rules in vulnerable.items() for rule in rules
    }
    assert found == expected
    most = {r: rulepack.declared_requests(r)["MEDIUM"].most * len(vulnerable) for r in RULES}
    assert all(sent[r] <= most[r] for r in RULES), (sent, most)


@pytest.mark.parametrize(
    ("threshold", "confidence", "ssti_requests"),
    [("LOW", "Low", 1), ("HIGH", "High", 2)],
)
def test_threshold_chooses_the_evidence_reported(
    engine: EngineSession, target: str, threshold: str, confidence: str, ssti_requests: int
) -> None:
    # LOW: the first computed product is reported as weak evidence, unconfirmed; HIGH: only confirmed.
    # (The engine merges an alert equal to an earlier one, so this looks at the set of alerts.)
    sent = _scan(engine, target, ["GET /greet?name=guest"], "MEDIUM", threshold)
    assert ("90035", confidence) in {(a["pluginId"], a["confidence"]) for a in _alerts(engine, target)}
    assert sent["90035"] == ssti_requests
