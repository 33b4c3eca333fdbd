"""Assertions shared by the CLI tests: errors on stderr only, one line each, no traceback."""

from __future__ import annotations

import re

from typer.testing import Result

_BOX = re.compile(r"[│╭╮╰╯─]+")


def one_line(text: str) -> str:
    """Output with box drawing removed and whitespace collapsed, for substring checks."""
    return " ".join(_BOX.sub(" ", text).split())


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("dast: error:")]


def assert_usage_error(result: Result, *fragments: str) -> None:
    """Exit 2, exactly one `dast: error:` line on stderr holding every fragment, nothing on stdout."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert_no_traceback(result)
    lines = error_lines(result)
    assert len(lines) == 1, result.stderr
    assert result.stdout == "", result.stdout
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
