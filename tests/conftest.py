"""Shared fixtures and the engine-requirement hook.

Its presence also puts tests/ on sys.path, so tests can `import fakes`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeClock, recording_environment
from typer.testing import CliRunner, Result

from dast.cli.app import app

REQUIRE_ENGINES = "DAST_REQUIRE_ENGINES"
_ENGINES_REQUIRED = pytest.StashKey[bool]()


def pytest_configure(config: pytest.Config) -> None:
    # Read once, before any test runs: tests that clear DAST_* variables must not switch it off.
    value = os.environ.get(REQUIRE_ENGINES, "").strip().lower()
    config.stash[_ENGINES_REQUIRED] = value in ("1", "true", "yes")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """With DAST_REQUIRE_ENGINES=1 an `engine` test that skips fails instead, with the skip's reason.

    CI sets it so that a missing engine cannot turn the suite green by skipping its real tests.
    """
    report = yield
    if (
        report.skipped
        and not hasattr(report, "wasxfail")
        and item.get_closest_marker("engine") is not None
        and item.config.stash.get(_ENGINES_REQUIRED, False)
    ):
        report.outcome = "failed"
        report.longrepr = (
            f"engine test skipped but {REQUIRE_ENGINES}=1 requires it to run: {_skip_reason(report)}"
        )
    return report


def _skip_reason(report: pytest.TestReport) -> str:
    # A skip's longrepr is (file, line, "Skipped: <reason>").
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr)


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
def started() -> list[str]:
    """What the CLI built at its seams (engine providers, targets, sweeps), in order."""
    return []


@pytest.fixture
def dast(clean_env: None, started: list[str]) -> Callable[..., Result]:
    """Run the `dast` CLI in-process: dast("scan", "--target", ...).

    The CLI gets an Environment whose seams only record that they were asked for, so a test of
    bad input can prove that nothing was started.
    """
    runner = CliRunner()
    environment = recording_environment(started)

    def invoke(*args: str | Path) -> Result:
        return runner.invoke(app, [str(a) for a in args], obj=environment)

    return invoke
