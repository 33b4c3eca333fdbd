"""Loading profiles: YAML files, `extends:` chains, validation with readable, per-field errors."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dast.errors import ProfileError
from dast.profiles.model import Profile
from dast.resources import profiles_dir

MAX_EXTENDS_DEPTH = 8


@dataclass(frozen=True)
class LoadedProfile:
    profile: Profile
    source: str  # the file the profile came from, for messages
    merged: Mapping[str, Any]  # the merged document before validation defaults

    @property
    def sha256(self) -> str:
        canonical = json.dumps(self.profile.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def available_profiles(directory: Path | None = None) -> dict[str, Path]:
    folder = directory or profiles_dir()
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def resolve(name_or_path: str, relative_to: Path | None = None) -> Path:
    """A bundled profile's name, or a path to a YAML file."""
    builtin = available_profiles()
    if name_or_path in builtin:
        return builtin[name_or_path]
    path = Path(name_or_path)
    if not path.is_absolute() and relative_to is not None:
        candidate = relative_to / path
        if candidate.exists():
            path = candidate
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ProfileError([f"{name_or_path}: no such profile file"])
        return path
    names = ", ".join(builtin) or "none"
    raise ProfileError([f"{name_or_path}: no such profile (bundled: {names}; or give a path to a YAML file)"])


def load_profile(name_or_path: str) -> LoadedProfile:
    path = resolve(name_or_path)
    merged = _load_merged(path, seen=())
    try:
        profile = Profile.model_validate(merged)
    except ValidationError as err:
        raise ProfileError([_describe(path, e) for e in err.errors()]) from None
    return LoadedProfile(profile=profile, source=str(path), merged=merged)


def _load_merged(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(p.name for p in (*seen, resolved))
        raise ProfileError([f"{path}: extends: circular chain {chain}"])
    if len(seen) >= MAX_EXTENDS_DEPTH:
        raise ProfileError([f"{path}: extends: chain longer than {MAX_EXTENDS_DEPTH} profiles"])
    document = _read_yaml(path)
    parent_name = document.get("extends")
    if parent_name is None:
        return document
    if not isinstance(parent_name, str):
        raise ProfileError([f"{path}: extends: expected the name or path of a profile"])
    try:
        parent_path = resolve(parent_name, relative_to=path.parent)
    except ProfileError as err:  # say which file's `extends:` points nowhere
        raise ProfileError([f"{path}: extends: {problem}" for problem in err.problems]) from None
    parent = _load_merged(parent_path, (*seen, resolved))
    return deep_merge(parent, document)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ProfileError([f"{path}: cannot read: {err.strerror}"]) from None
    except UnicodeDecodeError:
        raise ProfileError([f"{path}: not UTF-8 text"]) from None
    try:
        document = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as err:
        raise ProfileError([f"{path}: {err}"]) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise ProfileError([f"{path}: YAML syntax error{where}: {problem}"]) from None
    if not isinstance(document, dict):
        raise ProfileError([f"{path}: expected a mapping of profile keys at the top level"])
    return document


class _DuplicateKey(ValueError):
    pass


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice: YAML keeps the last silently, hiding a typo."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise _DuplicateKey(f"line {line}: duplicate key {key!r}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else (lists included) is replaced whole."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    merged.pop("extends", None)
    return merged


def _describe(path: Path, error: Mapping[str, Any]) -> str:
    location = ".".join(str(part) for part in error["loc"]) or "(top level)"
    return f"{path}: {location}: {validation_message(error)}"


def validation_message(error: Mapping[str, Any]) -> str:
    """One pydantic validation error in the words profile and fleet files use."""
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    return str(error["msg"]).removeprefix("Value error, ")
