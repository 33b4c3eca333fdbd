"""Never harm the target or the network, with the real engine: nothing leaves the target's origin and
the profile's rate holds.

Everything is on loopback: the demo app runs as a process of this test (its env var
DEMO_FOREIGN_ORIGIN adds a /partners page linking to another origin), and that other origin is a
small HTTP server inside this test process that records every connection it accepts.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest
from engines import ROOT, dast, new_run_id, require_local_engine, run_env, zap_processes

from dast.engine.interface import EngineSession, TrafficPolicy
from dast.engine.local import LocalProvider
from dast.errors import EngineError
from dast.polling import Deadline, SystemClock, poll_until

pytestmark = pytest.mark.engine

GUARD_OFF_WARNING = "origin guard not running"
# One access-log line of the demo app: `127.0.0.1 - [26/Nov/2026 15:35:31] "GET / HTTP/1.1" 200 -`.
ACCESS_LINE = re.compile(r'\[(?P<second>[^\]]+)\] "(?P<method>[A-Z]+) (?P<path>\S+) HTTP/1\.[01]"')


# --- servers --------------------------------------------------------------------------------


class _Recording(BaseHTTPRequestHandler):
    server: Recorder

    def _answer(self) -> None:
        self.server.requests.append((time.monotonic(), self.command, self.path))
        body = b"<html><body>recorded</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the recorder's lists are the log."""


class Recorder(ThreadingHTTPServer):
    """An HTTP server on a free loopback port that records every connection and request."""

    daemon_threads = True

    def __init__(self) -> None:
        self.connections: list[tuple[str, int]] = []
        self.requests: list[tuple[float, str, str]] = []  # (monotonic time, method, path)
        super().__init__(("127.0.0.1", 0), _Recording)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.connections.append(client_address)  # counted even if no request follows
        return True

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def forget(self) -> None:
        self.connections.clear()
        self.requests.clear()


@contextlib.contextmanager
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def foreign() -> Iterator[Recorder]:
    """The other origin, which must never see a request from the engine."""
    with recorder() as server:
        yield server


@dataclass(frozen=True)
class DemoApp:
    url: str
    log: Path

    def access_lines(self) -> list[re.Match[str]]:
        text = self.log.read_text("utf-8", "replace")
        return [m for m in map(ACCESS_LINE.search, text.splitlines()) if m]


@contextlib.contextmanager
def demo_app(tmp_path: Path, foreign_origin: str) -> Iterator[DemoApp]:
    """The demo app as a process on a free loopback port, linking to `foreign_origin` on /partners."""
    log = tmp_path / "demo.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "demo-app" / "app.py"), "--host", "127.0.0.1", "--port", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={"PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1", "DEMO_FOREIGN_ORIGIN": foreign_origin},
        )
    try:
        found: dict[str, str] = {}

        def listening() -> bool:
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+/)", log.read_text("utf-8", "replace"))
            if match:
                found["url"] = match.group(1)
            assert process.poll() is None, log.read_text()
            return bool(match)

        assert poll_until(listening, Deadline.after(SystemClock(), 30)), log.read_text()
        yield DemoApp(found["url"], log)
    finally:
        process.terminate()
        process.wait(timeout=10)


def scan(demo: DemoApp, tmp_path: Path, profile: str) -> subprocess.CompletedProcess[str]:
    run_id = new_run_id("traffic")
    result = subprocess.run(
        dast(
            "scan",
            "--target",
            demo.url,
            "--health-path",
            "/healthz",
            "--profile",
            profile,
            "--zap",
            "local",
            "--out",
            str(tmp_path / "out"),
            "--progress",
            "plain",
        ),
        capture_output=True,
        text=True,
        timeout=600,
        env=run_env(run_id, tmp_path / "tmp"),
    )
    assert zap_processes(run_id) == []
    return result


def assert_links_to(demo: DemoApp, foreign: Recorder) -> None:
    """Positive controls: the page really names the other origin, and that origin really answers."""
    with urlopen(f"{demo.url}partners", timeout=10) as response:
        page = response.read().decode()
    assert f'href="{foreign.origin}/shop?ref=demoshop"' in page
    assert f'<form action="{foreign.origin}/newsletter"' in page
    with urlopen(f"{foreign.origin}/control", timeout=10) as response:
        assert response.status == 200
    assert [r[2] for r in foreign.requests] == ["/control"]
    foreign.forget()


def per_second(lines: list[re.Match[str]]) -> Counter[str]:
    """Requests the engine sent, per wall-clock second of the access log (dast's own health probes left out)."""
    return Counter(m["second"] for m in lines if not m["path"].startswith("/healthz"))


# --- whole scans ----------------------------------------------------------------------------


def test_a_full_scan_sends_nothing_to_another_origin(tmp_path: Path, foreign: Recorder) -> None:
    require_local_engine()
    with demo_app(tmp_path, foreign.origin) as demo:
        assert_links_to(demo, foreign)
        result = scan(demo, tmp_path, "full")
        lines = demo.access_lines()
    assert result.returncode == 1, result.stderr  # the demo app fails the gate
    assert "gate FAILED" in result.stdout
    assert GUARD_OFF_WARNING not in result.stdout + result.stderr
    paths = [m["path"] for m in lines]
    assert "/partners" in paths, "the engine saw the page that links to the other origin"
    assert any(re.search(r"(%3C|<)script", p, re.I) for p in paths), "the active scan ran"
    assert foreign.connections == [], foreign.requests
    assert foreign.requests == []


def test_baseline_stays_within_its_rate(tmp_path: Path, foreign: Recorder) -> None:
    require_local_engine()
    max_rps = 10  # profiles/baseline.yaml
    with demo_app(tmp_path, foreign.origin) as demo:
        result = scan(demo, tmp_path, "baseline")
        counts = per_second(demo.access_lines())
    assert result.returncode == 1, result.stderr
    assert GUARD_OFF_WARNING not in result.stdout + result.stderr
    assert sum(counts.values()) >= 15, f"too few requests to measure a rate: {counts}"
    # Unpaced, the spider sends about twice that within one second. The log counts whole seconds,
    # so one request delayed across a second's boundary may add one: tolerance 2.
    assert max(counts.values()) <= max_rps + 2, sorted(counts.items())
    assert foreign.connections == []


# --- the guard itself, in a real engine ------------------------------------------------------


@pytest.fixture(scope="module")
def engine() -> Iterator[EngineSession]:
    require_local_engine()
    run_id = new_run_id("traffic-guard")
    with LocalProvider(run_id=run_id).start(None, 180) as session:
        yield session
    assert zap_processes(run_id) == []


@pytest.fixture
def target() -> Iterator[Recorder]:
    with recorder() as server:
        yield server


def test_the_guard_blocks_another_origin_inside_the_engine(
    engine: EngineSession, target: Recorder, foreign: Recorder
) -> None:
    api = engine.api
    # Positive control: where the other origin is allowed, the engine does reach it.
    api.apply_traffic_policy(TrafficPolicy((foreign.origin,), None, 2), engine.script_dir)
    api.access_url(f"{foreign.origin}/control")
    assert [r[2] for r in foreign.requests] == ["/control"]
    foreign.forget()

    problem = api.apply_traffic_policy(
        TrafficPolicy.for_target(target.origin + "/", None, 2), engine.script_dir
    )
    assert problem is None
    # Straight through the engine, past any spider scope: a page, a raw request, a redirect target.
    with contextlib.suppress(EngineError):  # the blocked request fails inside the engine
        api.access_url(f"{foreign.origin}/page")
    with contextlib.suppress(EngineError):
        api.send_request(
            f"POST {foreign.origin}/form HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
        )
    api.access_url(f"{target.origin}/allowed")

    assert foreign.connections == [], foreign.requests
    assert [r[2] for r in target.requests] == ["/allowed"]
    assert api.blocked_requests() == 2


def test_the_guard_paces_requests_across_threads(engine: EngineSession, target: Recorder) -> None:
    api = engine.api
    max_rps = 5.0

    def burst(policy: TrafficPolicy) -> list[float]:
        assert api.apply_traffic_policy(policy, engine.script_dir) is None
        target.forget()
        workers = [
            threading.Thread(
                target=lambda i=i: [api.access_url(f"{target.origin}/t{i}/{n}") for n in range(2)]
            )
            for i in range(5)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        return sorted(r[0] for r in target.requests)

    def busiest_second(times: list[float]) -> int:
        return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)

    unpaced = burst(TrafficPolicy.for_target(target.origin, None, 5))
    assert len(unpaced) == 10
    assert busiest_second(unpaced) > max_rps + 1, "positive control: unpaced, the burst is faster"

    paced = burst(TrafficPolicy.for_target(target.origin, max_rps, 5))
    assert len(paced) == 10
    assert busiest_second(paced) <= max_rps + 1, paced  # +1: arrival jitter of a few ms
    assert paced[-1] - paced[0] >= 9 / max_rps * 0.9, paced
