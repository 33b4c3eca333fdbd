"""Scan profiles: what a security engineer configures once and a pipeline runs every night."""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from dast.profiles.assertions import Assertion, SetRef
from dast.profiles.auth import Auth
from dast.repo_path import check_repo_path
from dast.triage.rules import Override, Suppression

_DURATION = re.compile(r"^\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$")


def parse_duration(value: object) -> float:
    """`90` / `90s` / `5m` / `1h30m` -> seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 90s, 5m or 1h30m")
    if isinstance(value, int | float):
        if not math.isfinite(value):  # YAML's .nan / .inf
            raise ValueError(f"expected a duration such as 90s, 5m or 1h30m, got {value!r}")
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return _bounded(float(value))
    if isinstance(value, str):
        if value.strip().isdigit():  # "90", as env vars and quoted YAML give it
            return float(value.strip())
        match = _DURATION.match(value)
        if match and any(match.groups()):
            hours, minutes, seconds = (int(g or 0) for g in match.groups())
            return _bounded(float(hours * 3600 + minutes * 60 + seconds))
    raise ValueError(f"expected a duration such as 90s, 5m or 1h30m, got {value!r}")


# A scan that may run for more than a week is a typo (e.g. seconds meant as minutes), not a plan.
MAX_DURATION_S = 7 * 24 * 3600


def _bounded(seconds: float) -> float:
    if seconds > MAX_DURATION_S:
        raise ValueError(f"{seconds:.0f} s is more than the 7 days a scan may be given")
    return seconds


def _check_regex(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a regular expression string")
    try:
        re.compile(value)
    except re.error as err:
        raise ValueError(f"invalid regular expression {value!r}: {err}") from None
    return value


Duration = Annotated[float, BeforeValidator(parse_duration)]
Regex = Annotated[str, BeforeValidator(_check_regex)]
Strength = Literal["LOW", "MEDIUM", "HIGH", "INSANE"]
Threshold = Literal["OFF", "LOW", "MEDIUM", "HIGH"]

# ZAP's active-scan categories (policy ids), by the names users see in ZAP's policy dialog.
CATEGORY_IDS = {
    "information_gathering": "0",
    "client_browser": "1",
    "server_security": "2",
    "miscellaneous": "3",
    "injection": "4",
}
Category = Literal["information_gathering", "client_browser", "server_security", "miscellaneous", "injection"]


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scope(_Section):
    # Patterns follow the tool's one URL rule (dast/urlpattern.py): a regex searched in the
    # URL's path and query, e.g. `/logout`, `^/admin/`, `\.php\.bak$`.
    include: list[Regex] = Field(
        default_factory=list, description="path+query regexes in scope, within the target; default: all of it"
    )
    exclude: list[Regex] = Field(
        default_factory=list, description="path+query regexes never requested, attacked or reported"
    )
    exclude_static_assets: bool = False


def _optional_threads(value: object) -> int | None:
    return None if value is None else _threads(value)


class Spider(_Section):
    enabled: bool = True
    max_duration: Duration = 120.0
    max_depth: int = Field(default=5, ge=0, le=100)
    max_children: int = Field(default=0, ge=0, description="0: no limit")
    threads: Annotated[int | None, BeforeValidator(_optional_threads)] = Field(
        default=None, description="spider threads; null: rate.threads (the rate limit applies either way)"
    )
    # What the spider reads links from; null leaves the engine's own setting.
    parse_comments: bool | None = None
    parse_robots_txt: bool | None = None
    parse_sitemap_xml: bool | None = None
    process_forms: bool | None = Field(default=None, description="follow forms (GET)")
    post_forms: bool | None = Field(default=None, description="submit POST forms too")


class AjaxSpider(_Section):
    enabled: bool = False
    max_duration: Duration = 120.0


class OpenApi(_Section):
    enabled: bool = False
    url: str | None = None  # absolute, or a path relative to the target
    file: str | None = None
    override_server: bool = True  # send requests to the target, whatever server the definition names

    @model_validator(mode="after")
    def _one_source(self) -> OpenApi:
        if self.enabled and not (self.url or self.file):
            raise ValueError("openapi is enabled but neither url nor file is set")
        if self.url and self.file:
            raise ValueError("give openapi.url or openapi.file, not both")
        return self


def _rule_id_as_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class PassiveRule(_Section):
    id: Annotated[str, BeforeValidator(_rule_id_as_text)] = Field(
        pattern=r"^\d+$", description="ZAP scan rule id"
    )
    enabled: bool = True
    # Applied per rule where the engine has the rule itself; dast's rule pack runs every passive
    # rule inside one script scanner, where only OFF (= not loaded) can be honoured.
    threshold: Annotated[Threshold | None, BeforeValidator(_upper)] = None


class Passive(_Section):
    max_duration: Duration = 120.0
    rules: list[PassiveRule] = Field(default_factory=list)


class ActiveRule(_Section):
    id: str = Field(pattern=r"^\d+$", description="ZAP scan rule id")
    enabled: bool = True
    strength: Annotated[Strength | None, BeforeValidator(_upper)] = None
    threshold: Annotated[Threshold | None, BeforeValidator(_upper)] = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class CategorySetting(_Section):
    strength: Annotated[Strength | None, BeforeValidator(_upper)] = None
    threshold: Annotated[Threshold | None, BeforeValidator(_upper)] = None


class Active(_Section):
    enabled: bool = False
    max_duration: Duration = 600.0
    max_rule_duration: Duration = 0.0  # 0: no per-rule limit
    strength: Annotated[Strength, BeforeValidator(_upper)] = "MEDIUM"
    threshold: Annotated[Threshold, BeforeValidator(_upper)] = "MEDIUM"
    # Time-based rules of dast's rule pack delay by this unit x 1 (LOW) .. 4 (INSANE).
    timing_unit: Annotated[Duration, Field(gt=0, le=5)] = 0.5
    categories: dict[Category, CategorySetting] = Field(default_factory=dict)
    rules: list[ActiveRule] = Field(default_factory=list)


MAX_RPS_LIMITS = (1.0, 1000.0)
THREAD_LIMITS = (1, 20)


def _max_rps(value: object) -> float | None:
    low, high = MAX_RPS_LIMITS
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number of requests per second, or null for no limit, got {value!r}")
    if not (math.isfinite(value) and low <= value <= high):
        raise ValueError(f"must be from {low:g} to {high:g} requests per second, got {value!r}")
    return float(value)


def _threads(value: object) -> int:
    low, high = THREAD_LIMITS
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number of threads, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"must be from {low} to {high} threads, got {value}")
    return value


class Rate(_Section):
    """How hard the engine may hit the target; the defaults are safe against production."""

    max_rps: Annotated[float | None, BeforeValidator(_max_rps)] = Field(
        default=10.0, description="requests per second to the target, all threads together; null: no limit"
    )
    threads: Annotated[int, BeforeValidator(_threads)] = Field(
        default=2, description="spider threads and active-scan threads per host"
    )


def _repo_path(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a file path relative to the repository root")
    return check_repo_path(value)


RepoPath = Annotated[str, BeforeValidator(_repo_path)]


class Sarif(_Section):
    # URL pattern (the one URL rule: a regex searched in path and query) -> the repository file
    # that serves it; SARIF places a result there, so code scanning shows it beside the code.
    routes: dict[Regex, RepoPath] = Field(
        default_factory=dict, max_length=1000, description="URL pattern -> repository file, first match wins"
    )


def _exchanges_per_rule(value: object) -> object:
    return MAX_EXCHANGES_PER_RULE if value == "all" else value


# The engine is asked for at most this many messages per scan (dast.core.exchanges.MAX_FETCHES).
MAX_EXCHANGES_PER_RULE = 1000


class Evidence(_Section):
    # The storage rule keeps a 10,000-instance record small; a small app can afford every exchange.
    exchanges_per_rule: Annotated[int, BeforeValidator(_exchanges_per_rule)] = Field(
        default=3,
        ge=0,
        le=MAX_EXCHANGES_PER_RULE,
        description="request and response kept for the first N instances of a rule per site ('all': every one); "
        "every instance keeps its curl",
    )


class Profile(_Section):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    extends: str | None = None
    max_duration: Duration = 1800.0
    rulepack: Literal["auto", "always", "never"] = "auto"
    allow_incomplete: bool = Field(
        default=False, description="an incomplete scan exits 0 with a warning instead of 4"
    )
    min_urls: int = Field(
        default=2,
        ge=0,
        le=1_000_000,
        description="fewer distinct in-scope URLs reached makes the scan incomplete (2: more than the root)",
    )
    scope: Scope = Field(default_factory=Scope)
    spider: Spider = Field(default_factory=Spider)
    ajax_spider: AjaxSpider = Field(default_factory=AjaxSpider)
    openapi: OpenApi = Field(default_factory=OpenApi)
    passive: Passive = Field(default_factory=Passive)
    active: Active = Field(default_factory=Active)
    rate: Rate = Field(default_factory=Rate)
    # Triage entries (dast/triage/rules.py); applied together with a --suppressions file's.
    suppressions: list[Suppression] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)
    auth: Auth | None = Field(
        default=None, description="log in before scanning; see README, Authenticated scans"
    )
    assertions: list[Assertion] = Field(default_factory=list, max_length=500)
    assertions_sets: list[SetRef] = Field(default_factory=list, max_length=20)
    sarif: Sarif = Field(default_factory=lambda: Sarif())
    evidence: Evidence = Field(default_factory=lambda: Evidence())

    @model_validator(mode="after")
    def _users_need_auth(self) -> Profile:
        for index, assertion in enumerate(self.assertions):
            if assertion.request.as_ == "user" and self.auth is None:
                raise ValueError(f"assertions.{index}.request.as: user needs an auth: section to log in with")
        return self

    @field_validator("max_duration")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("max_duration must be more than 0 s")
        return value
