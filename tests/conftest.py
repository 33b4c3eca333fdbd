"""Shared fixtures. Its presence also puts tests/ on sys.path, so tests can `import fakes`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from fakes import FakeClock
from typer.testing import CliRunner, Result

from dast.cli.app import app


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DAST_* or GitHub Actions variable from the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("DAST_") or name == "GITHUB_STEP_SUMMARY":
            monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "200")  # typer's own error box wraps at the terminal width


@pytest.fixture
def dast(clean_env: None) -> Callable[..., Result]:
    """Run the `dast` CLI in-process: dast("scan", "--target", ...)."""
    runner = CliRunner()

    def invoke(*args: str | Path) -> Result:
        return runner.invoke(app, [str(a) for a in args])

    return invoke
