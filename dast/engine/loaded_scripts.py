"""Scripts loaded in an engine, as its API lists them: dast's guard, credential, export and rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def loaded_script(zap: Any, name: str) -> Mapping[str, Any] | None:
    """The engine's entry for the script called `name` (a `zaproxy` client), or None."""
    scripts = zap.script.list_scripts or ()
    return next((s for s in scripts if isinstance(s, dict) and s.get("name") == name), None)


def in_error(script: Mapping[str, Any] | None) -> bool:
    """Whether the engine marked the script in error: it threw, and ZAP stopped running it."""
    return script is not None and str(script.get("error", "")).lower() == "true"
