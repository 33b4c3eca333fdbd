"""Suppressions and overrides: what a team writes once so a pipeline that runs every day stays useful.

A suppression accepts the risk of matching instances, with a reason (and may expire); an override
changes their risk, or calls them false positives. Both match on the rule id and, optionally, the
URL (the tool's one URL rule: a regex searched in the path and query), method and parameter;
a suppression also on an exact fingerprint, an override on a regex searched in the evidence.

A suppressions file is either a list of suppressions, or a mapping with `suppressions:` and
`overrides:` lists. Entries keep where they were written (file:line) for every message about them.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from dast.errors import UsageError
from dast.models import PROFILE_SOURCE_PREFIX, Instance, Risk
from dast.urlpattern import UrlPattern

ANY_RULE = "*"
# A suppressions file is a few hundred entries at most; far larger is not one.
MAX_FILE_BYTES = 4 * 1024 * 1024


def _text(value: object) -> object:
    """YAML reads `ticket: 123` as a number; such values are meant as text."""
    if isinstance(value, bool):
        return value
    return str(value) if isinstance(value, int | float) else value


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _regex(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a regular expression string")
    try:
        re.compile(value)
    except re.error as err:
        raise ValueError(f"invalid regular expression {value!r}: {err}") from None
    return value


# Constraints first: pydantic applies them to the value the BeforeValidator hands on.
RuleRef = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^(\*|\d+)$"),
    BeforeValidator(_text),
    Field(description="scan rule id, or * for every rule"),
]
Regex = Annotated[str, BeforeValidator(_regex)]
Text = Annotated[str, BeforeValidator(_text)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), BeforeValidator(_text)]
Method = Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,20}$"), BeforeValidator(_upper)]
Fingerprint = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{32}$"),
    BeforeValidator(_lower),
    Field(description="an instance's fingerprint: 32 hex digits"),
]
OverrideRisk = Annotated[
    Literal["high", "medium", "low", "info", "false-positive"],
    BeforeValidator(lambda v: "info" if _lower(v) == "informational" else _lower(v)),
]


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: RuleRef
    url: Regex | None = Field(default=None, description="regex searched in the URL's path and query")
    method: Method | None = None
    parameter: Text | None = None

    def matches(self, rule_id: str, instance: Instance) -> bool:
        return (
            self.rule in (ANY_RULE, rule_id)
            and (self.url is None or UrlPattern(self.url).matches(instance.url))
            and (self.method is None or self.method == instance.method.upper())
            and (self.parameter is None or self.parameter == instance.parameter)
        )


class Suppression(_Entry):
    fingerprint: Fingerprint | None = None
    reason: Reason
    owner: Text | None = None
    ticket: Text | None = None
    expires: datetime.date | None = Field(default=None, description="last day the entry applies")

    def matches(self, rule_id: str, instance: Instance) -> bool:
        return super().matches(rule_id, instance) and (
            self.fingerprint is None or self.fingerprint == instance.fingerprint
        )

    def expired(self, today: datetime.date) -> bool:
        return self.expires is not None and self.expires < today


class Override(_Entry):
    evidence: Regex | None = Field(default=None, description="regex searched in the evidence")
    risk: OverrideRisk
    reason: Reason | None = None

    def matches(self, rule_id: str, instance: Instance) -> bool:
        return super().matches(rule_id, instance) and (
            self.evidence is None or re.search(self.evidence, instance.evidence) is not None
        )

    @property
    def false_positive(self) -> bool:
        return self.risk == "false-positive"

    @property
    def new_risk(self) -> Risk:
        return Risk.INFO if self.risk == "info" else Risk.parse(self.risk)


T = TypeVar("T")


@dataclass(frozen=True)
class Placed(Generic[T]):
    """An entry and where it was written (file:line, or the profile and list index)."""

    where: str
    entry: T


@dataclass(frozen=True)
class TriageRules:
    suppressions: tuple[Placed[Suppression], ...] = ()
    overrides: tuple[Placed[Override], ...] = ()
    sources: tuple[str, ...] = ()

    def __add__(self, other: TriageRules) -> TriageRules:
        return TriageRules(
            self.suppressions + other.suppressions,
            self.overrides + other.overrides,
            tuple(dict.fromkeys(self.sources + other.sources)),
        )


def from_profile(path: str, suppressions: list[Suppression], overrides: list[Override]) -> TriageRules:
    if not suppressions and not overrides:
        return TriageRules()
    source = f"{PROFILE_SOURCE_PREFIX}{path}"
    return TriageRules(
        tuple(Placed(f"{source}: suppressions[{n}]", s) for n, s in enumerate(suppressions)),
        tuple(Placed(f"{source}: overrides[{n}]", o) for n, o in enumerate(overrides)),
        (source,),
    )


# --- the file -----------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """A key given twice is an error: YAML would keep the last silently, hiding a typo."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


@dataclass(frozen=True)
class ParsedFile:
    """A suppressions file's document, with the YAML nodes of its lists (for lines and appending)."""

    data: Any
    lists: dict[str, yaml.SequenceNode]  # "suppressions" / "overrides" -> the list's node
    top_is_list: bool


def parse_text(text: str, name: str) -> ParsedFile:
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        raise UsageError(f"{where}: YAML error: {err.problem or err.context or 'invalid YAML'}") from None
    except yaml.YAMLError as err:
        raise UsageError(f"{name}: YAML error: {' '.join(str(err).split())}") from None
    except ValueError as err:  # a date YAML recognises but the calendar does not (2027-02-30)
        raise UsageError(f"{name}: a date that does not exist ({err})") from None
    finally:
        loader.dispose()
    lists: dict[str, yaml.SequenceNode] = {}
    if isinstance(node, yaml.SequenceNode):
        lists["suppressions"] = node
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(value, yaml.SequenceNode) and key.value in ("suppressions", "overrides"):
                lists[key.value] = value
    return ParsedFile(data, lists, isinstance(node, yaml.SequenceNode))


def rules_from_text(text: str, name: str) -> TriageRules:
    parsed = parse_text(text, name)
    data = parsed.data
    if data is None:
        return TriageRules(sources=(name,))
    if isinstance(data, list):
        sections: dict[str, Any] = {"suppressions": data}
    elif isinstance(data, dict):
        unknown = [str(k) for k in data if k not in ("suppressions", "overrides")]
        if unknown:
            raise UsageError(f"{name}: {unknown[0]}: unknown key (expected suppressions, overrides)")
        sections = {k: v for k, v in data.items() if v is not None}
    else:
        raise UsageError(
            f"{name}: expected a list of suppressions, or a mapping of suppressions and overrides"
        )
    placed: dict[str, list[Placed[Any]]] = {"suppressions": [], "overrides": []}
    problems: list[str] = []
    for section, model in (("suppressions", Suppression), ("overrides", Override)):
        items = sections.get(section, [])
        if not isinstance(items, list):
            problems.append(f"{name}: {section}: expected a list")
            continue
        node = parsed.lists.get(section)
        for index, item in enumerate(items):
            line = node.value[index].start_mark.line + 1 if node is not None else 0
            where = f"{name}:{line}" if line else f"{name}: {section}[{index}]"
            try:
                placed[section].append(Placed(where, model.model_validate(item)))
            except ValidationError as err:
                problems.extend(f"{where}: {_describe(section, index, e)}" for e in err.errors())
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise UsageError(problems[0] + more)
    return TriageRules(tuple(placed["suppressions"]), tuple(placed["overrides"]), (name,))


def load_rules(path: Path) -> TriageRules:
    """Read and validate a suppressions file; every problem is a one-line UsageError."""
    name = str(path)
    try:
        if path.is_dir():
            raise UsageError(f"{name}: is a folder, expected a suppressions YAML file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UsageError(f"{name}: larger than {MAX_FILE_BYTES:,} bytes; not a suppressions file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{name}: no such suppressions file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{name}: not UTF-8 text") from None
    except OSError as err:
        raise UsageError(f"{name}: cannot read: {err.strerror or err}") from None
    return rules_from_text(text, name)


_EXPECTED = {
    "rule": "a scan rule id (digits) or *",
    "method": "an HTTP method such as GET",
    "fingerprint": "a fingerprint (32 hex digits, as reports show it)",
}


def _describe(section: str, index: int, error: Any) -> str:
    field = ".".join(str(part) for part in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "missing":
        message = "required key is missing"
    elif kind == "model_type":
        return f"{section}[{index}]: expected a mapping with rule and reason"
    elif kind == "string_pattern_mismatch":
        message = f"{error['input']!r} is not {_EXPECTED.get(field, 'allowed')}"
    elif kind in ("string_too_short", "too_short"):
        message = "must not be empty"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    return f"{section}[{index}].{field}: {message}" if field else f"{section}[{index}]: {message}"
