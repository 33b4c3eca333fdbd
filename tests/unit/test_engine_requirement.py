"""DAST_REQUIRE_ENGINES=1 turns the skip of an `engine` test into a failure (the hook in tests/conftest.py).

Each case runs a small pytest session in a subprocess, with this repository's conftest.py loaded as a
plugin and its pytest settings, on test files written to tmp_path.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent

ENGINE_TESTS = """
import pytest

pytestmark = pytest.mark.engine


@pytest.fixture
def engine():
    pytest.skip("no engine here (fixture)")


def test_skips_in_a_fixture(engine):
    pass


def test_skips_in_the_test():
    pytest.skip("no engine here (test)")


def test_runs():
    pass


@pytest.mark.xfail(reason="a known gap", strict=True)
def test_expected_failure():
    raise AssertionError
"""

PLAIN_TESTS = """
import pytest


def test_skips_without_the_marker():
    pytest.skip("not an engine test")
"""


def run_session(tmp_path: Path, require: str | None) -> tuple[int, str]:
    (tmp_path / "test_engine_skips.py").write_text(ENGINE_TESTS)
    (tmp_path / "test_plain_skip.py").write_text(PLAIN_TESTS)
    env = {k: v for k, v in os.environ.items() if k != "DAST_REQUIRE_ENGINES"}
    env["PYTHONPATH"] = str(TESTS)  # the conftest module and what it imports (fakes)
    if require is not None:
        env["DAST_REQUIRE_ENGINES"] = require
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "conftest",
            "-p",
            "no:cacheprovider",
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            "-rA",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode, result.stdout + result.stderr


def outcomes(output: str) -> dict[str, str]:
    """test name -> PASSED | FAILED | ERROR | SKIPPED | XFAIL, from the -rA summary."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        match = re.match(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL) (?:\[\d+\] )?(\S+)", line)
        if match:
            # SKIPPED lines name file:line, the others file::test.
            found[match.group(2).split("::")[-1]] = match.group(1)
    return found


def test_without_the_variable_engine_tests_skip(tmp_path: Path) -> None:
    code, output = run_session(tmp_path, None)
    assert code == 0, output
    assert re.search(r"\b1 passed, 3 skipped, 1 xfailed\b", output), output


@pytest.mark.parametrize("value", ["1", "true"])
def test_with_the_variable_engine_skips_fail(tmp_path: Path, value: str) -> None:
    code, output = run_session(tmp_path, value)
    assert code == 1, output
    result = outcomes(output)
    assert result["test_skips_in_a_fixture"] == "ERROR", output  # a failure in set-up
    assert result["test_skips_in_the_test"] == "FAILED", output
    assert result["test_runs"] == "PASSED", output
    assert result["test_expected_failure"] == "XFAIL", output
    # The skip's reason is in the failure, so CI says what was missing.
    assert "requires it to run: no engine here (fixture)" in output
    assert "requires it to run: no engine here (test)" in output
    assert re.search(r"\b1 failed, 1 passed, 1 skipped, 1 xfailed, 1 error\b", output), output


def test_other_values_leave_skips_alone(tmp_path: Path) -> None:
    code, output = run_session(tmp_path, "0")
    assert code == 0, output
    assert re.search(r"\b1 passed, 3 skipped, 1 xfailed\b", output), output
