"""The passive pace script on the real engine: ZAP's passive scanner no longer sleeps 5 s between looks.

ZAP 2.11.1's passive scanner sleeps 5 s whenever it has caught up; the script shortens that sleep,
wakes the idle scanner from the sleep in progress (only on its first run, before any record), and
reports the newest history id that a scan on a shared engine waits for.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from engines import new_run_id, require_local_engine, serve_script, wait_for

from dast.engine.interface import EngineSession
from dast.engine.loaded_scripts import engine_lock
from dast.engine.local import ENGINE_HOME_PREFIX, LocalProvider
from dast.engine.passive_pace import PassivePace, PassivePacer

pytestmark = pytest.mark.engine

TARGET_SCRIPT = Path(__file__).with_name("discovery_target.py")


@pytest.fixture(scope="module")
def engine() -> Iterator[tuple[EngineSession, str]]:
    require_local_engine()
    run_id = new_run_id("pace")
    with LocalProvider(run_id=run_id).start(None, 120) as session:
        yield session, run_id


def _zap_log(run_id: str) -> str:
    logs = list(Path(tempfile.gettempdir()).glob(f"{ENGINE_HOME_PREFIX}{run_id}-*/home/zap.log"))
    assert len(logs) == 1, logs
    return logs[0].read_text(encoding="utf-8", errors="replace")


def _read(pacer: PassivePacer, zap: Any) -> PassivePace:
    with engine_lock(f"{zap.engine_key}/passive-pace"):
        pace = pacer.read()
    assert pace is not None, "the pace script did not run on the real engine"
    return pace


def test_the_idle_scanner_is_woken_once_and_then_looks_ten_times_a_second(
    engine: tuple[EngineSession, str],
) -> None:
    session, run_id = engine
    zap = session.api._zap  # type: ignore[attr-defined]  # the raw client the pacer drives
    pacer = PassivePacer(zap, session.script_dir)

    first = _read(pacer, zap)
    again = _read(pacer, zap)

    assert first.idle_ms == 100 and first.woken == 1, first  # 2.11.1: found, shortened from 5000 ms
    assert again.idle_ms == 100 and again.woken == 0, again  # never woken again: it may be busy now
    with serve_script(TARGET_SCRIPT) as base:
        session.api.access_url(base + "/")
        wait_for(lambda: session.api.passive_queue() == 0, "passive scan of one record", 30)
    after = _read(pacer, zap)
    assert after.newest_id > first.newest_id  # the request's record counts
    # The scanner took the wake-up in its stride: no record it failed to read, no stray interrupt.
    log = _zap_log(run_id)
    assert "Failed to read record" not in log
    assert "InterruptedException" not in log


def test_the_engine_api_gives_the_newest_id(engine: tuple[EngineSession, str]) -> None:
    session, _run_id = engine
    newest = session.api.pace_passive_scanner(session.script_dir)
    assert isinstance(newest, int) and newest >= 0
