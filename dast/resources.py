"""Where the data shipped with dast lives: profiles, report templates, the rule pack.

A wheel carries `profiles/` and `reports/templates/` inside the package as `dast/_data/...`
(see pyproject's force-include); an editable checkout reads them from the repository root.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(packaged_name: str, source_path: str) -> Path:
    packaged = _PACKAGE_DIR / "_data" / packaged_name
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / source_path


def profiles_dir() -> Path:
    return _data_dir("profiles", "profiles")


def templates_dir() -> Path:
    return _data_dir("templates", "reports/templates")


def rulepack_dir() -> Path:
    return _PACKAGE_DIR / "engine" / "rulepack"
