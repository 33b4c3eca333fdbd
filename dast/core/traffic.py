"""Confining the engine to the target before it sends anything: its origin only, at the profile's rate."""

from __future__ import annotations

from dast.engine.interface import TrafficPolicy, ZapApi
from dast.profiles.model import Rate


def guard_traffic(api: ZapApi, script_dir: str, target_url: str, rate: Rate) -> str | None:
    """Apply the profile's rate and the origin guard; returns a warning when the guard is not running.

    A scan without the guard goes on (the spider's scope still applies) but says so loudly.
    """
    policy = TrafficPolicy.for_target(target_url, rate.max_rps, rate.threads)
    problem = api.apply_traffic_policy(policy, script_dir)
    if problem is not None:
        return (
            f"origin guard not running ({problem}); requests outside "
            f"{', '.join(policy.origins)} are not blocked by the engine"
        )
    return None
