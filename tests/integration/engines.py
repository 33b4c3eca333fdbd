"""Finding (or building) the real engines integration tests need; skip with a reason when absent.

Tests are marked `engine`; with DAST_REQUIRE_ENGINES=1 their skips become failures (tests/conftest.py).
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import re
import secrets
import select
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dast.dockerx import RUN_LABEL, docker_availability
from dast.engine.local import LocalProvider

ROOT = Path(__file__).resolve().parents[2]
BASE_IMAGE = os.environ.get("DAST_BASE_IMAGE", "dast-base/debian:bookworm")
ZAP_IMAGE = os.environ.get("DAST_TEST_ZAP_IMAGE", "dast-local/zap:2.11.1")
DEMO_IMAGE = "dast-demo:test"


def require_local_engine() -> None:
    reason = LocalProvider().availability()
    if reason is not None:
        pytest.skip(f"local ZAP engine unavailable: {reason} (run: make engine)")


def require_docker() -> Any:
    reason = docker_availability()
    if reason is not None:
        pytest.skip(f"Docker unavailable: {reason} (run: scripts/docker-up.sh)")
    import docker

    return docker.from_env()


def require_image(client: Any, name: str, how: str) -> None:
    import docker.errors

    try:
        client.images.get(name)
    except docker.errors.ImageNotFound:
        pytest.skip(f"image {name} missing ({how})")


def build_demo_image(client: Any) -> str:
    require_image(client, BASE_IMAGE, "run: scripts/build-images.sh")
    client.images.build(
        path=str(ROOT / "demo-app"),
        tag=DEMO_IMAGE,
        buildargs={"BASE_IMAGE": BASE_IMAGE},
        rm=True,
        forcerm=True,
    )
    return DEMO_IMAGE


def new_run_id(prefix: str) -> str:
    """A run id of the test's own (DAST_RUN_ID), so it checks only what its own run left."""
    return f"{prefix}-{secrets.token_hex(4)}"[:32]


def run_env(run_id: str, temp_root: Path, **extra: str) -> dict[str, str]:
    """Environment for a `dast` subprocess: its run id, and a temp dir of the test's own for the engine home."""
    temp_root.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "DAST_RUN_ID": run_id, "TMPDIR": str(temp_root), **extra}


def leftovers(client: Any, run_id: str | None = None) -> list[str]:
    """Containers and networks that dast created (for this run when given) and that still exist.

    Without a run id it sees every dast run on this Docker Engine, other people's included.
    """
    label = RUN_LABEL if run_id is None else f"{RUN_LABEL}={run_id}"
    found = [f"container {c.name}" for c in client.containers.list(all=True, filters={"label": label})]
    found += [f"network {n.name}" for n in client.networks.list(filters={"label": label})]
    return found


def zap_processes(run_id: str | None = None) -> list[str]:
    """ZAP engines started by the local provider: their home is a dast-zap-<run id>-* temp dir.

    `-ww`: without it ps cuts lines at 80 columns when its output is not a terminal (as under
    pytest), and the home never shows: the check would pass whatever runs.
    """
    home = "dast-zap-" if run_id is None else f"dast-zap-{re.escape(run_id)}-"
    out = subprocess.run(["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in out.splitlines() if re.search(rf"org\.zaproxy\.zap\.ZAP .*{home}", line)]


def engine_homes(run_id: str, temp_root: Path) -> list[str]:
    """The local engine's temp homes of this run (they hold its API key)."""
    return sorted(str(path) for path in temp_root.glob(f"dast-zap-{run_id}-*"))


def dast(*args: str) -> list[str]:
    return [sys.executable, "-m", "dast", *args]


# The full profile without its rate cap (profiles/full-unpaced.yaml says why).
FULL_UNPACED = str(Path(__file__).resolve().parent / "profiles" / "full-unpaced.yaml")


def read_results(out: Path) -> dict[str, Any]:
    """The results.json a scan wrote to its out folder."""
    return dict(json.loads((out / "results.json").read_text()))


def scan_demo(image: str, out: Path, *args: str) -> list[str]:
    """`dast scan` of the demo app in a container."""
    return dast(
        "scan", "--image", image, "--port", "8000", "--health-path", "/healthz", "--out", str(out), *args
    )


def wait_for_line(process: subprocess.Popen[str], needle: str, timeout_s: float) -> list[str]:
    """Read the child's stderr until a line contains `needle`; bounded in time.

    Returns every line read so far, also those after the needle's line. Reads the pipe itself:
    a buffered readline() can hold lines select() no longer sees, and the needle would be
    found only with the next burst of output, seconds too late.
    """
    assert process.stderr is not None
    fd = process.stderr.fileno()
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending, seen, found = "", [], False
    deadline = time.monotonic() + timeout_s
    while not found and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        *lines, pending = (pending + decoder.decode(chunk)).split("\n")
        seen += [f"{line}\n" for line in lines]
        found = any(needle in line for line in lines)
    if not found:
        pytest.fail(f"never saw {needle!r} within {timeout_s} s; output: {''.join(seen)[-2000:]}")
    return seen


def start_demo_container(client: Any, image: str, label: str, **env: str) -> tuple[Any, str]:
    """The demo app in a container of the caller's own (labelled `label`), published on loopback only.

    Returns the container and its base URL once /healthz answers 200 (bounded: 60 s).
    """
    import urllib.request

    from dast.polling import Deadline, SystemClock, poll_until

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    name = f"{label.replace('.', '-')}-{secrets.token_hex(4)}"
    container = client.containers.run(
        image,
        name=name,
        detach=True,
        labels={label: name},
        ports={"8000/tcp": ("127.0.0.1", None)},
        environment=env,
    )

    def answering() -> bool:
        container.reload()
        bindings = container.attrs["NetworkSettings"]["Ports"].get("8000/tcp") or []
        if not bindings:
            return False
        try:
            with opener.open(f"http://127.0.0.1:{bindings[0]['HostPort']}/healthz", timeout=5) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    try:
        assert poll_until(answering, Deadline.after(SystemClock(), 60)), container.logs()[-2000:]
    except BaseException:
        container.remove(force=True)
        raise
    port = container.attrs["NetworkSettings"]["Ports"]["8000/tcp"][0]["HostPort"]
    return container, f"http://127.0.0.1:{port}/"


def wait_for(done: Callable[[], bool], what: str, timeout_s: float) -> None:
    """Fail the test unless `done()` becomes true within `timeout_s`."""
    from dast.polling import Deadline, SystemClock, poll_until

    assert poll_until(done, Deadline.after(SystemClock(), timeout_s)), (
        f"{what} did not finish in {timeout_s} s"
    )


@contextlib.contextmanager
def serve_script(script: Path) -> Iterator[str]:
    """A test's own stdlib HTTP server (`script PORT`) on a free loopback port; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = subprocess.Popen([sys.executable, str(script), str(port)])
    base = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            return False

    try:
        wait_for(answering, f"the test server {script.name}", 10)
        yield base
    finally:
        server.kill()
        server.wait()
