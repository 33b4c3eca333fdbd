"""The fault matrix, with the real engine, real Docker and the demo app: every fault ends with the
documented exit code, an honest completeness, one clear line on stderr and nothing left behind.

(SIGKILL of dast and Ctrl-C during engine start are in test_leftovers.py.)
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from engines import (
    FULL_UNPACED,
    dast,
    leftovers,
    new_run_id,
    read_results,
    require_local_engine,
    run_env,
    scan_demo,
    wait_for_line,
    zap_processes,
)

pytestmark = pytest.mark.engine


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("dast: error:")]


def finish(process: subprocess.Popen[str], timeout_s: float = 120) -> str:
    try:
        _, stderr = process.communicate(timeout=timeout_s)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    return stderr


def assert_nothing_left(client: Any, run_id: str) -> None:
    assert leftovers(client, run_id) == []
    assert zap_processes(run_id) == []


def test_zap_killed_mid_active_scan_is_exit_3_and_incomplete(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    require_local_engine()
    run_id = new_run_id("fault-zap")
    out = tmp_path / "out"
    process = subprocess.Popen(
        scan_demo(
            demo_image,
            out,
            "--profile",
            FULL_UNPACED,
            "--zap",
            "local",
            "--progress",
            "plain",
            "--fail-on",
            "high",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=run_env(run_id, tmp_path / "tmp"),
    )
    seen = wait_for_line(process, "phase active: started", timeout_s=120)
    (line,) = zap_processes(run_id)
    os.kill(int(line.split()[0]), signal.SIGKILL)
    stderr = "".join(seen) + finish(process)
    assert process.returncode == 3, stderr
    assert "Traceback" not in stderr
    errors = error_lines(stderr)
    assert len(errors) == 1 and "scan failed" in errors[0], errors
    results = read_results(out)
    assert results["completeness"]["status"] == "incomplete"
    assert any("scan failed" in r for r in results["completeness"]["reasons"])
    assert_nothing_left(docker_client, run_id)


def test_target_killed_mid_scan_is_exit_4_and_incomplete(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    require_local_engine()
    run_id = new_run_id("fault-target")
    out = tmp_path / "out"
    process = subprocess.Popen(
        # --fail-on never: nothing can gate, so only completeness decides (1 would win over 4).
        scan_demo(
            demo_image,
            out,
            "--profile",
            FULL_UNPACED,
            "--zap",
            "local",
            "--progress",
            "plain",
            "--fail-on",
            "never",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=run_env(run_id, tmp_path / "tmp"),
    )
    seen = wait_for_line(process, "phase active: started", timeout_s=120)
    docker_client.containers.get(f"dast-target-{run_id}").kill()
    stderr = "".join(seen) + finish(process)
    assert process.returncode == 4, stderr
    assert "Traceback" not in stderr
    errors = error_lines(stderr)
    assert len(errors) == 1 and "scan INCOMPLETE" in errors[0] and "target stopped serving" in errors[0], (
        errors
    )
    results = read_results(out)
    assert results["completeness"]["status"] == "incomplete"
    junit = (out / "junit.xml").read_text()
    assert re.search(r'<testcase name="scan completeness"[^>]*>\s*<error type="Incomplete"', junit)
    assert_nothing_left(docker_client, run_id)


@pytest.mark.parametrize(("allow", "code"), [(False, 4), (True, 0)], ids=["incomplete", "allowed"])
def test_a_5_second_budget_is_incomplete(
    docker_client: Any, demo_image: str, tmp_path: Path, allow: bool, code: int
) -> None:
    require_local_engine()
    run_id = new_run_id("fault-budget")
    profile = tmp_path / "tight.yaml"
    profile.write_text("name: tight\nextends: full\nmax_duration: 5s\n")
    out = tmp_path / "out"
    args = ["--profile", str(profile), "--zap", "local", "--fail-on", "never"]
    result = subprocess.run(
        scan_demo(demo_image, out, *args, *(["--allow-incomplete"] if allow else [])),
        capture_output=True,
        text=True,
        timeout=120,
        env=run_env(run_id, tmp_path / "tmp"),
    )
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    results = read_results(out)
    assert results["completeness"]["status"] == "incomplete"
    assert results["completeness"]["reasons"]
    if allow:
        assert error_lines(result.stderr) == []
        assert "dast: warning: scan INCOMPLETE (allowed)" in result.stderr
    else:
        assert len(error_lines(result.stderr)) == 1
        assert "INCOMPLETE" in (out / "report.html").read_text()
    assert_nothing_left(docker_client, run_id)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Any:
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_leaves_the_previous_report_set_byte_identical(
    docker_client: Any, demo_image: str, tmp_path: Path, tiny_disk: Path
) -> None:
    require_local_engine()
    run_id = new_run_id("fault-disk")
    out = tiny_disk / "reports"
    out.mkdir()
    previous = {
        "results.json": b'{"last": "night"}\n',
        "junit.xml": b"<testsuites/>\n",
        "report.html": b"<html>gate passed last night</html>\n",
        "summary.md": b"gate passed\n",
    }
    for name, data in previous.items():
        (out / name).write_bytes(data)
    # Leave room for the validation probe, not for the new report set (about 200 KB).
    stats = os.statvfs(tiny_disk)
    (tiny_disk / "filler").write_bytes(b"\0" * (stats.f_bavail * stats.f_frsize - 16 * 1024))
    result = subprocess.run(
        scan_demo(demo_image, out, "--profile", "baseline", "--zap", "local"),
        capture_output=True,
        text=True,
        timeout=120,
        env=run_env(run_id, tmp_path / "tmp"),
    )
    assert result.returncode == 3, result.stderr
    errors = error_lines(result.stderr)
    assert len(errors) == 1 and "could not write the reports" in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == previous, "no temp file, no mixed set"
    assert_nothing_left(docker_client, run_id)


def test_docker_unreachable_is_one_line_and_exit_3(docker_client: Any, tmp_path: Path) -> None:
    require_local_engine()
    run_id = new_run_id("fault-docker")
    result = subprocess.run(
        dast("scan", "--image", "shop:1", "--port", "8000", "--zap", "local", "--out", str(tmp_path / "out")),
        capture_output=True,
        text=True,
        timeout=60,
        env=run_env(run_id, tmp_path / "tmp", DOCKER_HOST="unix:///nonexistent/docker.sock"),
    )
    assert result.returncode == 3, result.stderr
    errors = error_lines(result.stderr)
    assert len(errors) == 1 and "Docker Engine is not reachable" in errors[0], result.stderr
    assert "dast: error" not in result.stdout
    assert "Traceback" not in result.stderr
    # The pipeline still gets a report saying why: an <error> testcase, not a green run.
    assert '<error type="ScanError"' in (tmp_path / "out" / "junit.xml").read_text()
    assert_nothing_left(docker_client, run_id)


def test_a_wrong_remote_api_key_says_so_within_5_seconds(tmp_path: Path) -> None:
    require_local_engine()
    import http.server
    import threading
    import time

    from dast.engine.local import LocalProvider

    class Ok(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    target = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=target.serve_forever, daemon=True).start()
    try:
        with LocalProvider().start(None, timeout_s=180) as engine:
            port = engine.description.rsplit(":", 1)[1].rstrip(")")
            started = time.monotonic()
            result = subprocess.run(
                dast(
                    "scan",
                    "--target",
                    f"http://127.0.0.1:{target.server_address[1]}/",
                    "--zap",
                    "remote",
                    "--zap-url",
                    f"http://127.0.0.1:{port}",
                    "--out",
                    str(tmp_path / "out"),
                ),
                capture_output=True,
                text=True,
                timeout=60,
                env={**os.environ, "DAST_ZAP_API_KEY": "not-the-right-key"},
            )
            elapsed = time.monotonic() - started
    finally:
        target.shutdown()
    assert result.returncode == 3, result.stderr
    errors = error_lines(result.stderr)
    assert len(errors) == 1 and "API key is probably wrong" in errors[0], result.stderr
    assert "not-the-right-key" not in result.stderr + result.stdout
    assert elapsed < 5, f"took {elapsed:.1f} s to say the key is wrong"
