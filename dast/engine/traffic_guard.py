"""The origin guard and rate limit inside ZAP: what the engine is told, as plain values.

The guard is an HTTP Sender script (rulepack/httpsender_traffic_guard.js) that sees every request
ZAP sends. It re-points a request for any other origin at a closed loopback port and spaces the
allowed ones; it reads its settings from ZAP global script variables set through the API.
"""

from __future__ import annotations

import math

from dast.engine.interface import TrafficPolicy

SCRIPT_FILE = "httpsender_traffic_guard.js"
SCRIPT_NAME = "dast-traffic-guard"
SCRIPT_TYPE = "httpsender"
# Port 1 (tcpmux) on loopback: nothing listens there on the machines ZAP runs on, so a blocked
# request is refused at once and never leaves the machine. An IP, never a name: no DNS lookup.
SINK = "http://127.0.0.1:1/"
BLOCKED_VAR = "dast.guard.blocked"


def guard_settings(policy: TrafficPolicy, run_id: str) -> dict[str, str]:
    """The global script variables the guard reads, in the order they are set."""
    return {
        "dast.guard.origins": " ".join(policy.origins),
        "dast.guard.sink": SINK,
        "dast.guard.interval_us": str(send_interval_us(policy)),
        BLOCKED_VAR: "0",
        # Set last: a new run id makes the guard start its counters and pacing afresh.
        "dast.guard.run": run_id,
    }


def send_interval_us(policy: TrafficPolicy) -> int:
    """Least time between two requests across all of ZAP's threads; 0: not paced."""
    if policy.max_rps is None:
        return 0
    return math.ceil(1_000_000 / policy.max_rps)


def active_scan_delay_ms(policy: TrafficPolicy) -> int:
    """ZAP's active-scan delay is per thread: `threads` threads each waiting this long stay within max_rps."""
    if policy.max_rps is None:
        return 0
    return math.ceil(policy.threads * 1000 / policy.max_rps)


def pick_script_engine(engines: list[str]) -> str | None:
    """The guard is written for Nashorn (Java.synchronized); None when the engine has none."""
    return next((e for e in engines if "nashorn" in e.lower()), None)
