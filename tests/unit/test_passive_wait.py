"""The passive phase: the scanner's idle sleep shortened, and a shared engine's scan waiting for its own records."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fakes import (
    FakeClock,
    FakeProvider,
    FakeScriptApi,
    FakeScriptClient,
    FakeTarget,
    FakeZap,
    make_profile,
    shared_engine_scans,
)

from dast.core.events import RecordingObserver
from dast.core.scan import ScanRequest, run_scan
from dast.engine.passive_pace import SCRIPT_NAME, PassivePace, PassivePacer
from dast.models import PhaseOutcome, RunRecord

PROFILE = make_profile("baseline", passive={"max_duration": "20s"})


def _shared_scan(zap: FakeZap) -> RunRecord:
    (record,) = shared_engine_scans(zap, PROFILE, [("shop", FakeTarget())])
    return record


def _passive(record: RunRecord) -> tuple[PhaseOutcome, str]:
    phase = next(p for p in record.phases if p.name == "passive")
    return phase.outcome, phase.detail


def _passive_calls(zap: FakeZap) -> list[str]:
    """The pace and queue calls after set-up (the first pace call is the engine's set-up)."""
    names = [n for n in zap.names() if n in ("pace_passive_scanner", "passive_queue")]
    return names[1:]


def test_a_shared_engine_scan_ends_when_its_own_records_are_scanned_though_others_keep_the_queue_full() -> (
    None
):
    # Set-up, then the mark (newest id 50 when the phase starts), then polls: scanned through
    # 60-12=48 (2 of its records left), then 70-12=58 (all of them, and more).
    zap = FakeZap(passive_queue=(12,), newest_ids=(10, 50, 60, 70))

    record = _shared_scan(zap)

    assert _passive(record) == (PhaseOutcome.COMPLETED, "")
    # The newest id is read before the queue each time: what was written in between counts as left.
    poll = ["passive_queue", "pace_passive_scanner", "passive_queue"]
    assert _passive_calls(zap) == ["pace_passive_scanner", *poll, *poll]


def test_an_empty_queue_ends_a_shared_scans_wait_without_running_the_script() -> None:
    zap = FakeZap(passive_queue=(0,), newest_ids=(10, 50))

    record = _shared_scan(zap)

    assert _passive(record) == (PhaseOutcome.COMPLETED, "")
    assert _passive_calls(zap) == ["pace_passive_scanner", "passive_queue"]  # the mark, one look


def test_a_shared_engine_that_cannot_say_its_newest_id_waits_for_the_whole_queue() -> None:
    zap = FakeZap(passive_queue=(12,), newest_ids=(None,))

    record = _shared_scan(zap)

    assert _passive(record) == (PhaseOutcome.CUT_SHORT, "12 records not passively scanned")
    assert record.budgets_hit == ("passive",)


def test_records_left_behind_the_mark_keep_a_shared_scan_waiting() -> None:
    # The scanner never gets past id 41 (53 - 12): 9 of the records up to the mark (50) are left,
    # though the engine-wide queue says 12.
    zap = FakeZap(passive_queue=(12,), newest_ids=(10, 50, 53))

    record = _shared_scan(zap)

    assert _passive(record) == (PhaseOutcome.CUT_SHORT, "9 records not passively scanned")


def test_a_scan_on_its_own_engine_shortens_the_sleep_once_and_waits_for_the_queue() -> None:
    zap = FakeZap(passive_queue=(3, 0), newest_ids=(10, 999))
    provider = FakeProvider(zap)
    request = ScanRequest(profile=PROFILE, profile_sha256="0" * 64, fail_on=None)

    record = run_scan(request, FakeTarget(), provider, RecordingObserver(), FakeClock())

    assert _passive(record) == (PhaseOutcome.COMPLETED, "")
    assert zap.called("pace_passive_scanner") == [("/zap/dast-rulepack",)]  # once, at set-up
    names = zap.names()
    assert names.index("pace_passive_scanner") < names.index("access_url")  # while the scanner is idle


# --- the pace script's driver, against a fake `zaproxy` client --------------------------------


class _Script(FakeScriptApi):
    """Standalone scripts whose runs publish a state (None: the script threw, published nothing)."""

    def __init__(self, states: list[dict[str, Any] | None], types: tuple[str, ...] = ("standalone",)) -> None:
        super().__init__(types)
        self.states = states

    def run_stand_alone_script(self, name: str) -> None:
        state = self.states[min(self.runs, len(self.states) - 1)]
        self.runs += 1
        if state is not None:
            self.vars[f"{name}/state"] = json.dumps(state)


def test_the_pacer_loads_its_script_once_and_reads_each_run() -> None:
    script = _Script([{"newest": 41, "idle_ms": 100, "woken": 1}, {"newest": 57, "idle_ms": 100, "woken": 0}])
    pacer = PassivePacer(FakeScriptClient(script), "/zap/rules")

    assert pacer.read() == PassivePace(newest_id=41, idle_ms=100, woken=1)
    assert pacer.read() == PassivePace(newest_id=57, idle_ms=100, woken=0)
    assert script.loaded == [
        (SCRIPT_NAME, "standalone", "ECMAScript : OpenJDK Nashorn", "/zap/rules/standalone_passive_pace.js")
    ]


@pytest.mark.parametrize(
    ("script", "script_dir"),
    [
        pytest.param(_Script([{"newest": 1, "idle_ms": 100}]), "", id="no-script-folder"),
        pytest.param(
            _Script([{"newest": 1, "idle_ms": 100}], types=("httpsender",)), "/z", id="no-standalone"
        ),
        pytest.param(_Script([None]), "/z", id="script-published-nothing"),
        pytest.param(_Script([{"idle_ms": 100}]), "/z", id="no-newest-id"),
        pytest.param(_Script([{"newest": "many", "idle_ms": 100}]), "/z", id="newest-not-a-number"),
    ],
)
def test_an_engine_that_cannot_run_the_pace_script_is_not_asked_again(
    script: _Script, script_dir: str
) -> None:
    pacer = PassivePacer(FakeScriptClient(script), script_dir)

    assert pacer.read() is None
    runs = script.runs
    assert pacer.read() is None
    assert script.runs == runs  # given up on: the scan waits for the queue as before


def test_a_pace_script_in_error_is_not_trusted() -> None:
    script = _Script([{"newest": 1, "idle_ms": 100}])
    script.loaded.append((SCRIPT_NAME, "standalone", "x", "y"))
    script.error = "true"

    assert PassivePacer(FakeScriptClient(script), "/z").read() is None
    assert script.runs == 0
