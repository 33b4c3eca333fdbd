"""One error channel: every problem is `dast: error: …` on stderr (also under -q), the verdict on
stdout, an unexpected exception is exit 3 with one line and no traceback."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator

import pytest
from cli_support import assert_no_traceback, error_lines
from typer.testing import CliRunner, Result

from dast.cli.app import app
from dast.cli.environment import Environment
from dast.errors import TargetStartTimeout
from dast.target.health import HealthyStatuses, probe, wait_healthy

Dast = Callable[..., Result]


def test_errors_stay_on_stderr_under_quiet(dast: Dast) -> None:
    result = dast("scan", "-q", "--target", "http://127.0.0.1:9/", "--fail-on", "bogus")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(error_lines(result)) == 1


def test_parser_errors_are_one_line_not_a_box(dast: Dast) -> None:
    result = dast("scan", "--no-such-option")
    assert result.exit_code == 2
    assert result.stderr.startswith("dast: error: No such option: --no-such-option")
    assert len(result.stderr.splitlines()) == 1
    assert "╭" not in result.stderr and "│" not in result.stderr


def test_an_unexpected_exception_is_exit_3_and_one_line(clean_env: None, tmp_path: object) -> None:
    def broken_target(_options: object, _sink: object) -> object:
        raise ZeroDivisionError("division by zero in a place nobody expected")

    environment = Environment(target_factory=broken_target)  # type: ignore[arg-type]
    result = CliRunner().invoke(
        app, ["scan", "--target", "http://127.0.0.1:9/", "--out", f"{tmp_path}/out"], obj=environment
    )
    assert result.exit_code == 3
    assert_no_traceback(result)
    assert error_lines(result) == [
        "dast: error: unexpected ZeroDivisionError: division by zero in a place nobody expected"
    ]
    assert result.stdout == ""


# --- healthy means 2xx/3xx by default ------------------------------------------------------


@pytest.fixture
def server() -> Iterator[Callable[[int], str]]:
    """A loopback HTTP server answering every GET with the status set by the test."""
    state = {"status": 200}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(state["status"])
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()

    def answering(status: int) -> str:
        state["status"] = status
        return f"http://127.0.0.1:{httpd.server_address[1]}/healthz"

    yield answering
    httpd.shutdown()


@pytest.mark.parametrize(
    ("status", "healthy"), [(200, True), (204, True), (302, True), (404, False), (503, False)]
)
def test_healthy_means_2xx_or_3xx(server: Callable[[int], str], status: int, healthy: bool) -> None:
    assert (probe(server(status)) is None) is healthy


def test_a_404_health_url_never_becomes_healthy(server: Callable[[int], str]) -> None:
    with pytest.raises(TargetStartTimeout, match="last: HTTP 404; healthy means HTTP 200-399"):
        wait_healthy(server(404), timeout_s=0.5)


def test_health_statuses_are_configurable(server: Callable[[int], str]) -> None:
    assert probe(server(401), HealthyStatuses.parse("200-399,401")) is None


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        ("200-399", ((200, 399),)),
        ("200,401", ((200, 200), (401, 401))),
        (" 200 - 204 , 418", ((200, 204), (418, 418))),
    ],
)
def test_health_status_syntax(text: str, ranges: tuple[tuple[int, int], ...]) -> None:
    assert HealthyStatuses.parse(text).ranges == ranges
