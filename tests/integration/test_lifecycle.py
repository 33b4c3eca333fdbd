"""Cleanup on every exit path, and one clear line for every failure — with the real engines."""

from __future__ import annotations

import io
import os
import selectors
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest
from engines import (
    ZAP_IMAGE,
    leftovers,
    require_image,
    require_local_engine,
    zap_processes,
)

pytestmark = pytest.mark.engine

BASE_IMAGE = os.environ.get("DAST_BASE_IMAGE", "dast-base/debian:bookworm")
CRASHING_IMAGE = "dast-crashing-target:test"


def dast(*args: str) -> list[str]:
    return [sys.executable, "-m", "dast", *args]


def scan_demo(image: str, out: Path, *args: str) -> list[str]:
    """`dast scan` of the demo app in a container."""
    return dast(
        "scan", "--image", image, "--port", "8000", "--health-path", "/healthz", "--out", str(out), *args
    )


def wait_for_line(process: subprocess.Popen[str], needle: str, timeout_s: float) -> list[str]:
    """Read the child's stderr until a line contains `needle`; bounded in time."""
    assert process.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stderr, selectors.EVENT_READ)
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
            continue
        line = process.stderr.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return seen
    pytest.fail(f"never saw {needle!r} within {timeout_s} s; output: {''.join(seen)[-2000:]}")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_mid_scan_cleans_up_and_exits_130(
    signum: signal.Signals, docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    require_local_engine()
    out = tmp_path / "out"
    process = subprocess.Popen(
        scan_demo(demo_image, out, "--profile", "full", "--zap", "local", "--progress", "plain"),
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_line(process, "phase spider: started", timeout_s=120)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 130, stderr
    assert f"interrupted by {signum.name}" in stderr
    assert "Traceback" not in stderr
    assert not out.exists() or list(out.iterdir()) == [], "no report from an interrupted scan"
    assert leftovers(docker_client) == []
    assert zap_processes() == []


@pytest.fixture(scope="module")
def crashing_image(docker_client: Any) -> str:
    require_image(docker_client, BASE_IMAGE, "run: scripts/build-images.sh")
    dockerfile = (
        f'FROM {BASE_IMAGE}\nEXPOSE 8000\nCMD ["sh", "-c", "echo boom: missing config >&2; exit 3"]\n'
    )
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as archive:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        archive.addfile(info, io.BytesIO(dockerfile.encode()))
    context.seek(0)
    docker_client.images.build(fileobj=context, custom_context=True, tag=CRASHING_IMAGE, rm=True)
    return CRASHING_IMAGE


def test_a_target_that_crashes_is_one_line_and_exit_3(
    docker_client: Any, crashing_image: str, tmp_path: Path
) -> None:
    require_local_engine()
    result = subprocess.run(
        dast(
            "scan",
            "--image",
            crashing_image,
            "--port",
            "8000",
            "--zap",
            "local",
            "--out",
            str(tmp_path / "out"),
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3, result.stderr
    assert "target stopped before it became healthy" in result.stdout + result.stderr
    assert "boom: missing config" in result.stdout + result.stderr, "the container's last words are shown"
    assert "Traceback" not in result.stderr
    assert leftovers(docker_client) == []
    assert zap_processes() == []


def test_an_engine_that_cannot_start_is_one_line_and_exit_3(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    require_image(docker_client, BASE_IMAGE, "run: scripts/build-images.sh")
    result = subprocess.run(
        scan_demo(demo_image, tmp_path / "out", "--zap", "docker", "--zap-image", BASE_IMAGE),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 3, result.stderr
    assert "ZAP container" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert leftovers(docker_client) == []


def test_a_missing_image_is_bad_usage_and_starts_nothing(docker_client: Any, tmp_path: Path) -> None:
    require_image(docker_client, ZAP_IMAGE, "run: make images")
    result = subprocess.run(
        dast(
            "scan",
            "--image",
            "dast-no-such-image:none",
            "--port",
            "80",
            "--zap",
            "docker",
            "--zap-image",
            ZAP_IMAGE,
            "--out",
            str(tmp_path / "out"),
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "is not on this Docker Engine" in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("dast: error:")]) == 1
    assert not (tmp_path / "out").exists()
    assert leftovers(docker_client) == []


def test_remote_provider_scans_with_an_engine_someone_else_started(
    docker_client: Any, demo_image: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_local_engine()
    from dast.engine.local import LocalProvider

    # A ZAP we start ourselves stands in for the team's shared one; dast must not stop it.
    with LocalProvider().start(None, timeout_s=180) as engine:
        port = engine.description.rsplit(":", 1)[1].rstrip(")")
        api_key = engine.api._zap._api_key
        environment = {**os.environ, "DAST_ZAP_API_KEY": api_key}
        result = subprocess.run(
            scan_demo(
                demo_image,
                tmp_path / "out",
                "--profile",
                "full",
                "--zap",
                "remote",
                "--zap-url",
                f"http://127.0.0.1:{port}",
                "--verbose",
                "--log-file",
                str(tmp_path / "dast.log"),
            ),
            capture_output=True,
            text=True,
            timeout=300,
            env=environment,
        )
        assert result.returncode == 1, result.stdout + result.stderr
        assert engine.api.capabilities().version == "2.11.1", "the remote engine is still running"
    record = (tmp_path / "out" / "results.json").read_text()
    assert '"provider": "remote"' in record and '"rule_id": "40012"' in record
    log = (tmp_path / "dast.log").read_text()
    assert "ZAP API GET JSON/core/view/version/" in log and "phase active: completed" in log
    assert api_key not in result.stdout + result.stderr + record + log, "the API key never appears"
    assert leftovers(docker_client) == []
