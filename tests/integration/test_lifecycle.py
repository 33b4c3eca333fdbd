"""Cleanup on every exit path, and one clear line for every failure — with the real engines."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest
from engines import (
    FULL_UNPACED,
    ZAP_IMAGE,
    dast,
    engine_homes,
    leftovers,
    new_run_id,
    require_image,
    require_local_engine,
    run_env,
    scan_demo,
    wait_for_line,
    zap_processes,
)

pytestmark = pytest.mark.engine

BASE_IMAGE = os.environ.get("DAST_BASE_IMAGE", "dast-base/debian:bookworm")
CRASHING_IMAGE = "dast-crashing-target:test"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_mid_scan_cleans_up_and_exits_130(
    signum: signal.Signals, docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    require_local_engine()
    out = tmp_path / "out"
    run_id = new_run_id(f"lc-{signum.name.lower()}")
    process = subprocess.Popen(
        scan_demo(demo_image, out, "--profile", FULL_UNPACED, "--zap", "local", "--progress", "plain"),
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=run_env(run_id, tmp_path / "tmp"),
    )
    try:
        wait_for_line(process, "phase spider: started", timeout_s=120)
        # What the checks below must find gone exists now.
        assert len(leftovers(docker_client, run_id)) == 2, "the target's container and network"
        assert len(zap_processes(run_id)) == 1 and len(engine_homes(run_id, tmp_path / "tmp")) == 1
        signalled = time.monotonic()
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
        took = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 130, stderr
    assert took < 2.0, f"exit took {took:.1f} s after {signum.name}"
    assert f"interrupted by {signum.name}" in stderr
    assert "Traceback" not in stderr
    assert not out.exists() or list(out.iterdir()) == [], "no report from an interrupted scan"
    assert leftovers(docker_client, run_id) == []
    assert zap_processes(run_id) == []
    assert engine_homes(run_id, tmp_path / "tmp") == []


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
    run_id = new_run_id("lc-crash")
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
        env=run_env(run_id, tmp_path / "tmp"),
    )
    assert result.returncode == 3, result.stderr
    assert "target stopped before it became healthy" in result.stdout + result.stderr
    assert "boom: missing config" in result.stdout + result.stderr, "the container's last words are shown"
    assert "Traceback" not in result.stderr
    assert leftovers(docker_client, run_id) == []
    assert zap_processes(run_id) == []
    assert engine_homes(run_id, tmp_path / "tmp") == []


def test_an_engine_that_cannot_start_is_one_line_and_exit_3(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    require_image(docker_client, BASE_IMAGE, "run: scripts/build-images.sh")
    run_id = new_run_id("lc-no-engine")
    result = subprocess.run(
        scan_demo(demo_image, tmp_path / "out", "--zap", "docker", "--zap-image", BASE_IMAGE),
        capture_output=True,
        text=True,
        timeout=120,
        env=run_env(run_id, tmp_path / "tmp"),
    )
    assert result.returncode == 3, result.stderr
    assert "ZAP container" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert leftovers(docker_client, run_id) == []


def test_a_missing_image_is_bad_usage_and_starts_nothing(docker_client: Any, tmp_path: Path) -> None:
    require_image(docker_client, ZAP_IMAGE, "run: make images")
    run_id = new_run_id("lc-missing-image")
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
        env=run_env(run_id, tmp_path / "tmp"),
    )
    assert result.returncode == 2, result.stderr
    assert "is not on this Docker Engine" in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("dast: error:")]) == 1
    assert not (tmp_path / "out").exists()
    assert leftovers(docker_client, run_id) == []


def test_remote_provider_scans_with_an_engine_someone_else_started(
    docker_client: Any, demo_image: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_local_engine()
    from dast.engine.local import LocalProvider

    run_id = new_run_id("lc-remote")
    # A ZAP we start ourselves stands in for the team's shared one; dast must not stop it.
    with LocalProvider(run_id=f"{run_id}-shared").start(None, timeout_s=180) as engine:
        port = engine.description.rsplit(":", 1)[1].rstrip(")")
        api_key = engine.api._zap._api_key
        environment = run_env(run_id, tmp_path / "tmp", DAST_ZAP_API_KEY=api_key)
        result = subprocess.run(
            scan_demo(
                demo_image,
                tmp_path / "out",
                "--profile",
                FULL_UNPACED,
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
    assert leftovers(docker_client, run_id) == []
    assert zap_processes(f"{run_id}-shared") == [], "the shared engine stopped with its provider"
