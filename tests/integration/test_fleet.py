"""`dast fleet run` for real: demo-app containers scanned on one warm local engine.

Lean on purpose: the baseline profile (spider + passive), two targets at a time.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from engines import dast, leftovers, new_run_id, require_local_engine, run_env, wait_for_line, zap_processes

pytestmark = pytest.mark.engine

FLEET_MANIFESTS = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes" / "fleet"

GOOD = "{{name: {name}, image: '{image}', port: 8000, health_path: /healthz, fail_on: never, allow_incomplete: true}}"
# Nothing listens on port 9 in the demo container: the target never becomes healthy.
BROKEN = "{{name: {name}, image: '{image}', port: 9, health_path: /healthz, wait: 3, fail_on: never}}"


def _fleet(tmp_path: Path, image: str, *entries: tuple[str, str]) -> Path:
    lines = [f"  - {template.format(name=name, image=image)}" for name, template in entries]
    path = tmp_path / "fleet.yaml"
    path.write_text("targets:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(fleet: Path, out: Path, run_id: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = dast("fleet", "run", str(fleet), "--out", str(out), *args)
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
        env=run_env(run_id, tmp_path / "tmp"),
        check=False,
    )


def _left_by(client: Any, run_id: str, count: int) -> list[str]:
    """What the fleet (its engine) and its targets (run ids <fleet>-NNNN) left behind."""
    ids = [run_id, *(f"{run_id}-{i:04d}" for i in range(count))]
    return [item for i in ids for item in leftovers(client, i)] + zap_processes(run_id)


def test_fleet_of_three_with_one_broken_gives_two_reports_index_junit_and_exit_3(
    tmp_path: Path, docker_client: Any, demo_image: str
) -> None:
    require_local_engine()
    run_id = new_run_id("fleet")
    fleet = _fleet(tmp_path, demo_image, ("shop", GOOD), ("broken", BROKEN), ("blog", GOOD))
    out = tmp_path / "out"

    done = _run(fleet, out, run_id, tmp_path, "--concurrency", "2", "--zap", "local")

    assert done.returncode == 3, done.stderr[-3000:]
    results = {
        name: json.loads((out / name / "results.json").read_text()) for name in ("shop", "blog", "broken")
    }
    for name in ("shop", "blog"):
        record = results[name]
        assert record["error"] == "", (name, record["error"])
        assert record["target"]["name"] == name
        assert record["findings"], f"{name}: a real scan of the demo app finds something"
        assert {"report.html", "junit.xml", "results.sarif", "summary.md"} <= {
            p.name for p in (out / name).iterdir()
        }
        # Nothing of the other target shows in this one's reports.
        other = results["blog" if name == "shop" else "shop"]["target"]["engine_url"]
        for report in (out / name).iterdir():
            assert other not in report.read_text(errors="replace"), (name, report.name)
    assert "not healthy" in results["broken"]["error"]
    assert "broken: scan failed" in done.stderr
    index = (out / "index.html").read_text()
    assert all(f'href="{n}/report.html"' in index for n in ("shop", "blog", "broken"))
    junit = ET.parse(out / "junit-fleet.xml").getroot()
    assert {"shop", "blog", "broken"} <= {s.get("name") for s in junit.findall("testsuite")}
    assert "shared by the fleet" in json.dumps(results["shop"]["phases"])
    assert _left_by(docker_client, run_id, 3) == []


def test_shards_one_and_two_of_two_cover_the_fleet_exactly_once(
    tmp_path: Path, docker_client: Any, demo_image: str
) -> None:
    require_local_engine()
    fleet = _fleet(tmp_path, demo_image, ("a", BROKEN), ("b", BROKEN), ("c", GOOD))
    scanned: list[str] = []
    for shard in ("1/2", "2/2"):
        run_id = new_run_id("shard")
        out = tmp_path / shard.replace("/", "-")
        done = _run(fleet, out, run_id, tmp_path, "--shard", shard, "--zap", "local")
        assert done.returncode in (0, 3), done.stderr[-3000:]
        names = sorted(p.name for p in out.iterdir() if p.is_dir())
        assert names, f"shard {shard} scanned nothing"
        scanned += names
        assert _left_by(docker_client, run_id, 3) == []
    assert sorted(scanned) == ["a", "b", "c"]


def test_sigterm_stops_the_whole_fleet_and_leaves_nothing(
    tmp_path: Path, docker_client: Any, demo_image: str
) -> None:
    require_local_engine()
    run_id = new_run_id("fleetint")
    fleet = _fleet(tmp_path, demo_image, ("one", GOOD), ("two", GOOD))
    command = dast(
        "fleet", "run", str(fleet), "--out", str(tmp_path / "out"), "--zap", "local", "--concurrency", "2"
    )
    process = subprocess.Popen(
        command,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=run_env(run_id, tmp_path / "tmp"),
    )
    try:
        wait_for_line(process, "phase spider", timeout_s=120)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=90) == 130
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert _left_by(docker_client, run_id, 2) == []


def test_kubernetes_validate_passes_the_fleet_manifests_strictly(tmp_path: Path) -> None:
    validate = Path(sys.executable).parent / "kubernetes-validate"
    if not validate.is_file():
        pytest.skip("kubernetes-validate is not installed (dev extra)")
    manifests = [str(p) for p in sorted(FLEET_MANIFESTS.glob("*.yaml")) if p.name != "kustomization.yaml"]
    result = subprocess.run(
        [str(validate), "--strict", *manifests], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0 and result.stdout.count(" passed for resource ") == len(manifests), (
        result.stdout
    )
    broken = tmp_path / "fleet-job.yaml"
    broken.write_text(
        (FLEET_MANIFESTS / "fleet-job.yaml").read_text().replace("completionMode", "completionMod")
    )
    result = subprocess.run(
        [str(validate), "--strict", str(broken)], capture_output=True, text=True, timeout=120, check=False
    )
    assert (
        "completionMod" in result.stdout + result.stderr
        and "did not validate" in result.stdout + result.stderr
    )
