"""The rule pack's discovery, persistent-XSS, multipart-XSS and header rules on the real engine.

One spider + active scan of a small server of the test's own (tests/integration/discovery_target.py) with
only these rules loaded: true positives where the server leaks, silence on its fixed twins (/safe/) and
traps (/trap/: a soft 404 for every name, a page quoting error and listing text), and the requests each
node-level rule sends per folder and per file as its script declares.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from engines import require_local_engine, serve_script, wait_for

from dast.engine import rulepack
from dast.engine.interface import EngineSession
from dast.engine.local import LocalProvider
from dast.resources import rulepack_dir

pytestmark = pytest.mark.engine

TARGET_SCRIPT = Path(__file__).with_name("discovery_target.py")
ACTIVE = ["0", "10095", "40012", "40014", "40034", "40035"]
PASSIVE = ["10036", "10037", "90022"]
TIMEOUT_S = 120.0


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    with serve_script(TARGET_SCRIPT) as base:
        yield base


@pytest.fixture(scope="module")
def engine(target: str) -> Iterator[EngineSession]:
    """An engine with only these rules, whose Sites tree holds the spidered site."""
    require_local_engine()
    with LocalProvider().start(None, 120) as session:
        api = session.api
        others = {r.rule_id for r in rulepack.pack_rules()} - set(ACTIVE) - set(PASSIVE)
        loaded = rulepack.load_pack(
            api, api.capabilities(), session.script_dir, include_active=True, disabled=frozenset(others)
        )
        assert sorted(r.rule_id for r in loaded) == sorted(ACTIVE + PASSIVE)
        zap = _raw(session)
        api.access_url(target + "/")
        spider = zap.spider.scan(target + "/")
        wait_for(lambda: int(zap.spider.status(spider)) >= 100, "spider", TIMEOUT_S)
        yield session


@pytest.fixture(scope="module")
def scanned(engine: EngineSession, target: str) -> tuple[list[dict[str, Any]], dict[str, int], list[str]]:
    """Active scan of the whole site at MEDIUM: (alerts of these rules, requests per rule, paths)."""
    zap = _raw(engine)
    # The site as spidered (alerts add the paths they name, e.g. /.git/config, to the Sites tree).
    paths = sorted({urlsplit(str(u)).path or "/" for u in zap.core.urls(target)})
    sent = _active_scan(engine, target + "/", "MEDIUM", recurse=True)
    wait_for(lambda: int(zap.pscan.records_to_scan) == 0, "passive scan", TIMEOUT_S)
    alerts = [a for a in zap.core.alerts(target) if a["pluginId"] in ACTIVE + PASSIVE]
    return alerts, sent, paths


def _raw(session: EngineSession) -> Any:
    return session.api._zap  # type: ignore[attr-defined]  # the raw client: one site, no context


def _active_scan(session: EngineSession, url: str, strength: str, recurse: bool) -> dict[str, int]:
    """One active scan with fresh counters; requests per rule."""
    api = session.api
    levels = rulepack.ActiveLevels(strength=strength, threshold="MEDIUM")
    api.set_script_vars(rulepack.pack_vars(session.script_dir, ACTIVE, levels))
    zap = _raw(session)
    scan = zap.ascan.scan(url, recurse=recurse)
    wait_for(lambda: int(zap.ascan.status(scan)) >= 100, "active scan", TIMEOUT_S)
    return rulepack.rule_requests(api, ACTIVE)


def _folders(paths: list[str]) -> set[str]:
    """Every folder the rules visit: each path's folders from the root down (lib/discovery.js)."""
    out = set()
    for path in paths:
        parts = [p for p in path.split("/")[1:-1] if p]
        out |= {"/" + "".join(f"{p}/" for p in parts[:i]) for i in range(len(parts) + 1)}
    return out


def _folder_requests(strength: str) -> int:
    """10095's per-folder names at a strength, as its script declares them (FOLDER_REQUESTS)."""
    script = (rulepack_dir() / "ascan_10095_backup_files.js").read_text(encoding="utf-8")
    line = re.search(r"^var FOLDER_REQUESTS = \{(.*)\};$", script, re.M)
    assert line
    return int(re.search(rf"{strength}: \[(\d+), \d+\]", line[1])[1])  # type: ignore[index]


def _found(alerts: list[dict[str, Any]], base: str) -> set[tuple[str, str]]:
    return {(a["pluginId"], a["url"].removeprefix(base)) for a in alerts}


def test_true_positives(scanned: tuple[list[dict[str, Any]], dict[str, int], list[str]], target: str) -> None:
    alerts, _, _ = scanned
    found = _found(alerts, target)
    for expected in [
        ("10095", "/static/style.css.bak"),
        ("10095", "/config.php.bak"),
        ("40034", "/.env"),
        ("40035", "/.git/config"),
        ("0", "/files/"),
        ("40014", "/guestbook"),
    ]:
        assert expected in found, (expected, sorted(found))
    stored = [a for a in alerts if a["pluginId"] == "40014"]
    assert {a["param"] for a in stored} == {"name", "comment"}
    assert all(f"Sent to {target}/guestbook" in a["other"] for a in stored), stored
    multipart = {a["param"] for a in alerts if a["pluginId"] == "40012" and a["url"] == f"{target}/upload"}
    assert multipart == {"title", "document"}, multipart
    headers = {a["pluginId"] for a in alerts if a["pluginId"] in PASSIVE}
    assert {"10036", "10037"} <= headers


def test_fixed_twins_and_traps_stay_quiet(
    scanned: tuple[list[dict[str, Any]], dict[str, int], list[str]], target: str
) -> None:
    alerts, _, _ = scanned
    loud = sorted(
        (a["pluginId"], a["url"])
        for a in alerts
        if a["risk"] != "Informational"
        and a["pluginId"] not in ("10036", "10037")  # every answer has the headers
        and ("/safe/" in a["url"] or "/trap/" in a["url"])
    )
    assert loud == []
    # The docs page quotes error messages on a page that did not fail: not an error disclosure.
    assert [a["url"] for a in alerts if a["pluginId"] == "90022" and "/trap/" in a["url"]] == []


def test_requests_of_a_whole_site_scan(
    scanned: tuple[list[dict[str, Any]], dict[str, int], list[str]],
) -> None:
    _, sent, paths = scanned
    folders = len(_folders(paths))
    files = len([p for p in paths if not p.endswith("/")])
    declared = {r: rulepack.declared_requests(r)["MEDIUM"] for r in ACTIVE}
    # Each folder once: one request for 0; the names per folder, plus one soft-404 comparison for each
    # real leak at the root (the /trap/ soft 404 fails the content checks before any comparison).
    assert sent["0"] == folders
    assert sent["40034"] == folders * declared["40034"].clean + 1
    assert sent["40035"] == folders * declared["40035"].clean + 1
    # 10095: each file's copies once and each folder's config names once; leads (the two real backups
    # and every name in the soft-404 folder /trap/) cost one comparison more.
    least = files * declared["10095"].clean + folders * _folder_requests("MEDIUM")
    assert least < sent["10095"] <= files * declared["10095"].most + 2 * folders * _folder_requests("MEDIUM")


@pytest.mark.parametrize("strength", rulepack.STRENGTHS)
def test_requests_per_strength_are_as_declared(engine: EngineSession, target: str, strength: str) -> None:
    # One node, /safe/about.html: its folders "/" and "/safe/", the file itself. Nothing is there but the
    # root's three leaks, each the first name of 10095's folder list, 40034's and 40035's list: found with
    # one comparison more; 10095 and 40034 then leave that folder (one finding per folder), 40035 goes on.
    sent = _active_scan(engine, target + "/safe/about.html", strength, recurse=False)
    declared = {r: rulepack.declared_requests(r)[strength] for r in ACTIVE}
    assert sent == {
        "0": 2 * declared["0"].clean,
        "10095": declared["10095"].clean + _folder_requests(strength) + 2,
        "40012": 0,  # no parameter, not a POST
        "40014": 1,  # the page fetched once more, searched for markers
        "40034": declared["40034"].clean + 2,
        "40035": 2 * declared["40035"].clean + 1,
    }
