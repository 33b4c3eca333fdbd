"""Which targets may share one engine: those that agree on everything the engine holds globally.

A ZAP engine's passive rules, the rule pack's scripts and their levels, the origin guard's pace and
thread counts apply to every site it scans, so only targets whose profiles agree on them share it.
A target with `auth:` gets an engine of its own: the credential script is engine-wide and bound to
one origin, so credentials could otherwise be added to another target's requests. So does one with
the AJAX spider on: the engine runs one AJAX spider at a time. Two targets on one origin never share
either: their alerts and messages are told apart by base URL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from dast.engine.interface import origin_of
from dast.profiles.model import Profile


@dataclass(frozen=True)
class Member:
    """What grouping needs to know of one target."""

    profile: Profile
    has_auth: bool
    url: str | None  # a URL target's URL; None for a container (its own port on loopback)


def engine_key(profile: Profile) -> str:
    """The engine-wide part of a profile, canonical: equal keys may share an engine."""
    active = profile.active.model_dump(mode="json", exclude={"max_duration", "max_rule_duration"})
    wide = {
        "passive_rules": profile.passive.model_dump(mode="json").get("rules"),
        "active": active,
        "rulepack": profile.rulepack,
        "rate": profile.rate.model_dump(mode="json"),
    }
    return json.dumps(wide, sort_keys=True, default=str)


def group_members(members: Sequence[Member]) -> list[int]:
    """Each member's group number (0, 1, ...), in first-seen order."""
    groups: list[tuple[str, set[str]]] = []  # (key, origins of URL targets in it)
    assigned = []
    for member in members:
        key = engine_key(member.profile)
        origin = origin_of(member.url) if member.url else None
        chosen = None
        alone = member.has_auth or member.profile.ajax_spider.enabled
        if not alone:
            for number, (group_key, origins) in enumerate(groups):
                if group_key == key and (origin is None or origin not in origins):
                    chosen = number
                    break
        if chosen is None:
            # A group of one gets a key no other target can match.
            groups.append((f"alone:{len(groups)}" if alone else key, set()))
            chosen = len(groups) - 1
        if origin is not None:
            groups[chosen][1].add(origin)
        assigned.append(chosen)
    return assigned
