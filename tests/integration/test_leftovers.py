"""Nothing left behind, even after SIGKILL of dast; Ctrl-C honoured within 2 s - with the real engines.

Each test has a run id of its own (DAST_RUN_ID) and looks only at what that run left, and runs
dast with a temp dir of its own, where the local engine makes its home.
"""

from __future__ import annotations

import signal
import subprocess
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

from dast.dockerx import RUN_LABEL
from dast.engine.local import free_loopback_port
from dast.polling import Deadline, SystemClock, poll_until

pytestmark = pytest.mark.engine

INTERRUPT_LIMIT_S = 2.0


def start_scan(demo_image: str, tmp_path: Path, run_id: str, *engine: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        scan_demo(demo_image, tmp_path / "out", "--profile", FULL_UNPACED, "--progress", "plain", *engine),
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=run_env(run_id, tmp_path / "tmp"),
    )


def sigkill_once_scanning(process: subprocess.Popen[str]) -> None:
    """Like a CI runner out of patience: SIGKILL mid scan, so none of dast's cleanup runs."""
    try:
        wait_for_line(process, "phase spider: started", timeout_s=180)
    finally:
        process.kill()
        process.communicate(timeout=30)


def within(seconds: float, done: Any) -> bool:
    return poll_until(done, Deadline.after(SystemClock(), seconds))


def test_sigkill_mid_scan_with_the_docker_engine_then_cleanup_leaves_nothing(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    require_image(docker_client, ZAP_IMAGE, "run: make images")
    run_id = new_run_id("lo-kill-docker")
    process = start_scan(demo_image, tmp_path, run_id, "--zap", "docker", "--zap-image", ZAP_IMAGE)
    sigkill_once_scanning(process)
    left = leftovers(docker_client, run_id)
    assert sorted(left) == [
        f"container dast-target-{run_id}",
        f"container dast-zap-{run_id}",
        f"network dast-{run_id}",
    ], "the positive control: a SIGKILL leaves the containers (ZAP still running) and the network"

    result = subprocess.run(
        dast("cleanup", "--run", run_id),
        capture_output=True,
        text=True,
        timeout=120,
        env=run_env("", tmp_path / "tmp"),
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    *lines, count = result.stdout.splitlines()
    assert count == f"removed {len(lines)} leftover(s)"
    assert_removed_as_dead(lines, left, run_id, process.pid, "removed ")
    assert leftovers(docker_client, run_id) == []


def assert_removed_as_dead(lines: list[str], left: list[str], run_id: str, pid: int, prefix: str) -> None:
    """Each line names one of this run's things, its owner proven dead.

    Alone on a machine (as in CI) the lines name all of them. Where other people run dast at the
    same time, the sweep before each of their scans may take some or all first: the leftover
    check after this one says whether anything stayed.
    """
    expected = {f"{prefix}{item} (run {run_id}: owner pid {pid} gone" for item in left}
    for line in lines:
        assert any(line.startswith(start) for start in expected), line


def test_sigkill_mid_scan_with_the_local_engine_takes_zap_along_and_the_next_scan_sweeps_the_rest(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    require_local_engine()
    run_id = new_run_id("lo-kill-local")
    temp = tmp_path / "tmp"
    process = start_scan(demo_image, tmp_path, run_id, "--zap", "local")
    try:
        wait_for_line(process, "phase spider: started", timeout_s=180)
        assert len(zap_processes(run_id)) == 1, "the positive control: this run's ZAP is running"
    finally:
        process.kill()
        process.communicate(timeout=30)

    left = leftovers(docker_client, run_id)
    assert sorted(left) == [f"container dast-target-{run_id}", f"network dast-{run_id}"]
    assert within(5, lambda: zap_processes(run_id) == []), "ZAP dies with dast (parent-death signal)"
    homes = engine_homes(run_id, temp)
    assert len(homes) == 1, "the positive control: its temp home (with the API key) is still there"

    # The next scan, whatever it scans, first removes what a provably dead run left. This one
    # fails fast (nothing listens on its target) and starts nothing itself.
    sweeper = subprocess.run(
        dast(
            "scan",
            "--target",
            f"http://127.0.0.1:{free_loopback_port()}/",
            "--wait",
            "1",
            "--zap",
            "local",
            "--out",
            str(tmp_path / "out2"),
        ),
        capture_output=True,
        text=True,
        timeout=120,
        env=run_env(new_run_id("lo-sweeper"), temp),
    )
    assert sweeper.returncode == 3, sweeper.stderr
    swept = [line for line in sweeper.stderr.splitlines() if f"(run {run_id}:" in line]
    assert_removed_as_dead(
        swept, [*left, f"temp dir {homes[0]}"], run_id, process.pid, "dast: removed leftover "
    )
    # Its temp dir is private to this test: no one else's sweep can have taken it.
    assert any(f"temp dir {homes[0]}" in line for line in swept)

    cleanup = subprocess.run(
        dast("cleanup", "--run", run_id), capture_output=True, text=True, timeout=120, env=run_env("", temp)
    )
    assert cleanup.returncode == 0, cleanup.stderr
    assert cleanup.stdout.splitlines()[-1] == "removed 0 leftover(s)"
    assert leftovers(docker_client, run_id) == []
    assert zap_processes(run_id) == []
    assert engine_homes(run_id, temp) == []


def zap_container_running(client: Any, run_id: str) -> bool:
    return bool(
        client.containers.list(filters={"label": f"{RUN_LABEL}={run_id}", "name": f"dast-zap-{run_id}"})
    )


@pytest.mark.parametrize("engine", ["local", "docker"])
def test_ctrl_c_during_engine_start_exits_130_within_2_s_and_leaves_nothing(
    engine: str, docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    if engine == "local":
        require_local_engine()
        options = ["--zap", "local"]
    else:
        require_image(docker_client, ZAP_IMAGE, "run: make images")
        options = ["--zap", "docker", "--zap-image", ZAP_IMAGE]
    run_id = new_run_id(f"lo-int-{engine}")
    process = start_scan(demo_image, tmp_path, run_id, *options)
    try:
        before = wait_for_line(process, "phase engine_start: started", timeout_s=120)
        # Mid start: the engine runs but has not answered yet (ZAP takes several seconds to boot).
        if engine == "local":
            assert within(10, lambda: len(zap_processes(run_id)) == 1)
        else:
            assert within(10, lambda: zap_container_running(docker_client, run_id))
        signalled = time.monotonic()
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=30)
        took = time.monotonic() - signalled
        stderr = "".join(before) + rest
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)
    assert process.returncode == 130, stderr
    assert "phase engine_start: completed" not in stderr, "the signal landed during engine start"
    assert took < INTERRUPT_LIMIT_S, f"exit took {took:.1f} s after Ctrl-C"
    assert "interrupted by SIGINT" in stderr and "Traceback" not in stderr
    assert leftovers(docker_client, run_id) == []
    assert zap_processes(run_id) == []
    assert engine_homes(run_id, tmp_path / "tmp") == []
