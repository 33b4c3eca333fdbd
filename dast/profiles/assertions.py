"""The profile's `assertions:` and `assertions_sets:`: security requirements written as tests.

Each assertion sends one request through the engine, as the logged-in user or anonymously, and
checks the answer; a failed one gates like a finding of its `risk`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from dast.profiles.auth import Regex, UrlOrPath

SET_NAMES = ("security-headers", "no-server-banner", "cookies-secure", "anonymous-denied")
COOKIE_FLAGS = ("HttpOnly", "Secure", "SameSite")
RISKS = ("High", "Medium", "Low", "Informational")
_METHOD = re.compile(r"[A-Z]{1,16}")
_HEADER = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True)


def _method(value: object) -> object:
    if isinstance(value, str) and _METHOD.fullmatch(value.upper()):
        return value.upper()
    raise ValueError(f"expected an HTTP method such as GET or POST, got {value!r}")


def _risk(value: object) -> object:
    if isinstance(value, str):
        for risk in RISKS:
            if value.strip().lower() in (risk.lower(), risk[:4].lower()):
                return risk
    raise ValueError(f"expected one of {', '.join(RISKS)}, got {value!r}")


def _header_names(value: object) -> object:
    names = value if isinstance(value, list) else list(value) if isinstance(value, dict) else [value]
    for name in names:
        if not isinstance(name, str) or not _HEADER.fullmatch(name):
            raise ValueError(f"{name!r} is not an HTTP header name")
    return value


def _statuses(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ValueError("expected a list of HTTP statuses, e.g. [401, 403]")
    for status in value:
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ValueError(f"{status!r} is not an HTTP status (100-599)")
    return value


Statuses = Annotated[list[int], BeforeValidator(_statuses)]
Method = Annotated[str, BeforeValidator(_method)]
RiskName = Annotated[Literal["High", "Medium", "Low", "Informational"], BeforeValidator(_risk)]


class AssertionRequest(_Section):
    method: Method = "GET"
    path: UrlOrPath = Field(description="relative to the target, e.g. /admin")
    as_: Literal["anonymous", "user"] | None = Field(
        default=None, alias="as", description="anonymous, or user (the auth: login); default: user with auth"
    )
    body: str | None = Field(default=None, max_length=100_000, description="request body, sent as it is")
    content_type: str | None = Field(default=None, max_length=200)


class Expect(_Section):
    status: Statuses | None = Field(default=None, description="the status is one of these")
    status_not: Statuses | None = Field(default=None, description="the status is none of these")
    header: Annotated[dict[str, Regex], BeforeValidator(_header_names)] | None = Field(
        default=None, description="each header present and matching its regex"
    )
    header_absent: Annotated[list[str], BeforeValidator(_header_names)] | None = Field(
        default=None, description="none of these headers present"
    )
    header_not: Annotated[dict[str, Regex], BeforeValidator(_header_names)] | None = Field(
        default=None, description="each header absent, or present but not matching its regex"
    )
    body_contains: Regex | None = None
    body_not_contains: Regex | None = None
    cookie_flags: list[Literal["HttpOnly", "Secure", "SameSite"]] | None = Field(
        default=None, description="every Set-Cookie of the answer has these attributes"
    )

    @model_validator(mode="after")
    def _something(self) -> Expect:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise ValueError("expect: give at least one of " + ", ".join(type(self).model_fields))
        return self


class Assertion(_Section):
    name: str = Field(min_length=1, max_length=200)
    request: AssertionRequest
    expect: Expect
    risk: RiskName = Field(default="High", description="a failed assertion gates like a finding of this risk")


def _set_ref(value: object) -> object:
    """`name` or `{name: [paths]}` -> {"name": ..., "paths": [...]}."""
    if isinstance(value, str):
        return {"name": value, "paths": []}
    if isinstance(value, dict) and len(value) == 1:
        name, paths = next(iter(value.items()))
        return {"name": name, "paths": paths if isinstance(paths, list) else [paths]}
    if isinstance(value, dict) and set(value) <= {"name", "paths"}:
        return value
    raise ValueError(f"expected a set name ({', '.join(SET_NAMES)}) or {{name: [paths]}}")


class AssertionSetRef(_Section):
    name: Literal["security-headers", "no-server-banner", "cookies-secure", "anonymous-denied"]
    paths: list[UrlOrPath] = Field(default_factory=list)

    @model_validator(mode="after")
    def _paths(self) -> AssertionSetRef:
        if self.name == "anonymous-denied" and not self.paths:
            raise ValueError(
                "anonymous-denied takes the paths anonymous users must not see: {anonymous-denied: [/admin]}"
            )
        return self


SetRef = Annotated[AssertionSetRef, BeforeValidator(_set_ref)]
