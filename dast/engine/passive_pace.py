"""The passive scanner's pace and position, through a standalone script inside ZAP.

ZAP's passive scanner reads the history table in id order and sleeps 5 s (2.11.1) each time it has
caught up; records written meanwhile wait for the sleep to end (a scan's passive phase measured
0-4.5 s longer than its work). The script (rulepack/standalone_passive_pace.js) shortens that idle
sleep, wakes the scanner from the one in progress when it is idle (run it before a scan's first
request), and gives the newest history id. With that id a scan on an engine shared by a fleet waits for
its own records only: ZAP's `recordsToScan` is the newest id minus the last one scanned, engine-wide,
and other targets keep adding to it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from dast.engine.loaded_scripts import install_standalone
from dast.errors import EngineError

LOGGER = logging.getLogger("dast.engine")
SCRIPT_FILE = "standalone_passive_pace.js"
SCRIPT_NAME = "dast-passive-pace"
STATE_VAR = "state"


@dataclass(frozen=True)
class PassivePace:
    """What the script saw: the newest history id, the scanner's idle sleep (-1: not found), and
    how many passive threads it woke from their sleep (only ever on its first run)."""

    newest_id: int
    idle_ms: int
    woken: int = 0


class PassivePacer:
    """Runs the pace script on `zap` (a `zaproxy` client whose errors raise EngineError).

    Once the engine has shown it cannot run the script, later calls answer None without asking.
    One run at a time per engine: concurrent scans share the script's variable (`read`'s caller
    holds loaded_scripts.engine_lock).
    """

    def __init__(self, zap: Any, script_dir: str) -> None:
        self._zap = zap
        self._script_dir = script_dir
        self._unavailable: str | None = None
        self._reported_idle = False

    def read(self) -> PassivePace | None:
        """Run the script once; the caller holds `engine_lock` (scans share the script's variable)."""
        if self._unavailable is not None:
            return None
        try:
            pace = self._run()
        except (EngineError, ValueError, KeyError, TypeError) as err:
            self._unavailable = str(err) or type(err).__name__
            LOGGER.info(f"passive scanner pace not available: {self._unavailable}")
            return None
        if not self._reported_idle:
            self._reported_idle = True
            idle = f"{pace.idle_ms} ms" if pace.idle_ms >= 0 else "the engine's own (not found)"
            LOGGER.info(f"passive scanner idle sleep: {idle}; woken from a longer one: {pace.woken}")
        return pace

    def _run(self) -> PassivePace:
        install_standalone(self._zap, SCRIPT_NAME, SCRIPT_FILE, self._script_dir)
        self._zap.script.run_stand_alone_script(SCRIPT_NAME)
        state = json.loads(str(self._zap.script.script_var(SCRIPT_NAME, STATE_VAR)))
        return PassivePace(
            newest_id=int(state["newest"]), idle_ms=int(state["idle_ms"]), woken=int(state.get("woken", 0))
        )
