"""The fleet file: every target with its own profile, auth and triage, validated all together.

Nothing is started until the whole file is known to be good; each problem is one line naming
the target and the field.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dast.errors import UsageError
from dast.gate import parse_fail_on
from dast.profiles.loader import validation_message

# A target's name becomes its report folder's name: one path segment, nothing a shell must quote.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
# A fleet this large is a typo or a generated file gone wrong, not a nightly plan.
MAX_TARGETS = 1000
# The fleet's own files beside the target folders (fleet/report.py); no target may be named so.
INDEX = "index.html"
COMBINED_JUNIT = "junit-fleet.xml"
RESERVED_NAMES = frozenset({INDEX, COMBINED_JUNIT})
MAX_FILE_BYTES = 1_000_000


class FleetTarget(BaseModel):
    """One target: a URL already deployed, or an image dast starts (like `dast scan`'s options)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    url: str | None = None
    image: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    health_path: str = "/"
    health_status: str = "200-399"
    wait: float = Field(default=60.0, gt=0, le=3600)
    profile: str = "baseline"
    fail_on: str = "medium"
    suppressions: str | None = None
    baseline: str | None = None
    fail_on_new: bool = False
    auth_header: str | None = None  # 'NAME: [prefix]$ENVVAR', as `dast scan --auth-header`
    auth_cookie: str | None = None  # 'NAME=$ENVVAR'
    report_base_url: str | None = None
    allow_incomplete: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if value.lower() in RESERVED_NAMES:
            raise ValueError(f"{value!r} is the name of the fleet's own report file; choose another")
        if not NAME.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a usable name: 1-63 letters, digits, '.', '_' or '-', starting with a "
                "letter or digit (it names the target's report folder)"
            )
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"(?i)^https?://[^/\s]+", value):
            raise ValueError(f"expected an http(s) URL, got {value!r}")
        return value

    @field_validator("fail_on")
    @classmethod
    def _fail_on(cls, value: str) -> str:
        parse_fail_on(value)  # its ValueError names the allowed values
        return value

    @field_validator("health_path")
    @classmethod
    def _health_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"expected a path starting with '/', got {value!r}")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> FleetTarget:
        if self.url and self.image:
            raise ValueError("give either url or image (with port), not both")
        if not self.url and not self.image:
            raise ValueError("nothing to scan: give url, or image and port")
        if self.image and self.port is None:
            raise ValueError("image needs port: the port the application listens on inside the container")
        if self.url and self.port is not None:
            raise ValueError("port goes with image (the port inside the container), not with url")
        if self.url and self.report_base_url:
            raise ValueError("report_base_url goes with image; with url, reports name URLs under the url")
        if self.fail_on_new and not self.baseline:
            raise ValueError("fail_on_new needs baseline")
        return self


class FleetFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    targets: tuple[FleetTarget, ...]

    @field_validator("targets")
    @classmethod
    def _count(cls, value: tuple[FleetTarget, ...]) -> tuple[FleetTarget, ...]:
        if not value:
            raise ValueError("no targets: give at least one (name and url, or name, image and port)")
        if len(value) > MAX_TARGETS:
            raise ValueError(f"{len(value)} targets is more than a fleet may hold ({MAX_TARGETS})")
        return value


def load_fleet(path: Path) -> FleetFile:
    """Read and validate a fleet file; UsageError with every problem, each naming target and field."""
    document = _read(path)
    try:
        fleet = FleetFile.model_validate(document)
    except ValidationError as err:
        problems = [_describe(document, e) for e in err.errors()]
        raise UsageError(f"{path}: " + "; ".join(problems)) from None
    problems = _cross_target_problems(fleet)
    if problems:
        raise UsageError(f"{path}: " + "; ".join(problems))
    return fleet


def resolve_path(fleet_path: Path, value: str) -> str:
    """Files a fleet file names are relative to the fleet file, not to where dast runs."""
    path = Path(value)
    return str(path if path.is_absolute() else fleet_path.parent / path)


def _read(path: Path) -> Mapping[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UsageError(f"{path}: {size} bytes is more than a fleet file may hold ({MAX_FILE_BYTES})")
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"{path}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise UsageError(
            f"{path}: YAML syntax error{where}: {getattr(err, 'problem', None) or 'invalid'}"
        ) from None
    if not isinstance(document, dict):
        raise UsageError(f"{path}: expected a mapping with a 'targets' list at the top level")
    return document


def _describe(document: Mapping[str, Any], error: Mapping[str, Any]) -> str:
    loc = list(error["loc"])
    where = ".".join(str(p) for p in loc) or "(top level)"
    if len(loc) >= 2 and loc[0] == "targets" and isinstance(loc[1], int):
        targets = document.get("targets")
        entry = targets[loc[1]] if isinstance(targets, list) and loc[1] < len(targets) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        label = f"target {name!r}" if isinstance(name, str) else f"targets[{loc[1]}]"
        field = ".".join(str(p) for p in loc[2:])
        where = f"{label}: {field}" if field else label
    return f"{where}: {validation_message(error)}"


def _cross_target_problems(fleet: FleetFile) -> list[str]:
    problems = []
    for name, count in Counter(t.name.lower() for t in fleet.targets).items():
        if count > 1:
            problems.append(f"target {name!r}: name: given {count} times; each target needs its own name")
    for url, count in Counter(t.url.rstrip("/").lower() for t in fleet.targets if t.url).items():
        if count > 1:
            problems.append(f"url {url!r} is given to {count} targets; scan it once")
    return problems
