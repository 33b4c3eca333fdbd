"""Microsoft's sarif-multitool with the GitHub code scanning ingestion rules, for the SARIF tests.

Installed from npm by `make tools` into .venv/sarif-multitool (a self-contained binary); a test
that needs it skips without it, which DAST_REQUIRE_ENGINES=1 (CI) turns into a failure.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL_DIR = ROOT / ".venv" / "sarif-multitool"
BINARY = TOOL_DIR / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
POLICY = ROOT / "tests" / "schemas" / "sarif-github-policy.xml"
# GitHub's rules (GH...) and the SARIF rules; everything they call an error must be absent.
RULE_KINDS = "Gh;Ghas;Sarif"


def require_multitool() -> Path:
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("sarif-multitool's npm binary is for Linux x64 here")
    if not os.access(BINARY, os.X_OK):
        pytest.skip(f"sarif-multitool not installed at {BINARY} (run: make tools)")
    return BINARY


def github_errors(sarif: Path, work: Path) -> list[str]:
    """Every error sarif-multitool reports for this file under GitHub's ingestion rules."""
    binary = require_multitool()
    out = work / f"{sarif.stem}.validation.sarif"
    done = subprocess.run(
        [
            str(binary),
            "validate",
            "--config",
            str(POLICY),
            "--rule-kind",
            RULE_KINDS,
            "-o",
            str(out),
            str(sarif),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1", "HOME": str(work)},
        check=False,
    )
    assert out.is_file(), f"sarif-multitool wrote no result (exit {done.returncode}): {done.stdout[-2000:]}"
    log = json.loads(out.read_text("utf-8-sig"))
    errors = []
    for run in log.get("runs", []):
        errors += [
            f"{r.get('ruleId')}: {r.get('message', {}).get('id', '')} {r.get('message', {}).get('arguments', '')}"
            for r in run.get("results", [])
            if r.get("level", "warning") == "error"
        ]
        errors += [
            f"tool: {n.get('message', {}).get('text', '')}"
            for inv in run.get("invocations", [])
            for n in inv.get("toolExecutionNotifications", [])
            if n.get("level") == "error"
        ]
    return errors
