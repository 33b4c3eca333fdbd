"""How much time dast itself adds on top of ZAP's work, on a real scan of the demo app.

usage: .venv/bin/python bench/bench_overhead.py [--runs 3] [--zap local|docker] [--profile full]

Each run is a real `dast scan` of the demo app in a container (subprocess, as a pipeline runs it).
From its results.json:
  engine work   = ZAP's startup + every ZAP phase (spider, passive, import, alert collection)
                  + the active scan as ZAP itself reports it (sum of its rules' own timings)
                  + ZAP's shutdown and container removal (teardown)
  target start  = Docker starting the app until its health URL answers
  overhead      = wall time of `dast scan` - engine work - target start
The overhead is what dast adds: Python start-up, profile loading, setting up the context and policy,
polling latency (the active scan's observed minus reported time), report rendering.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

ROOT = Path(__file__).resolve().parents[1]
BASE_IMAGE = "dast-base/debian:bookworm"
DEMO_IMAGE = "dast-demo:bench"
ENGINE_PHASES = {
    "engine_start", "spider", "ajax_spider", "openapi", "passive", "passive_attacks", "alerts", "teardown",
}  # fmt: skip


def build_demo() -> None:
    client = docker.from_env()
    client.images.build(
        path=str(ROOT / "demo-app"), tag=DEMO_IMAGE, buildargs={"BASE_IMAGE": BASE_IMAGE}, rm=True
    )
    client.close()


def one_run(zap: str, profile: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="dast-bench-") as tmp:
        out = Path(tmp) / "out"
        command = [
            sys.executable, "-m", "dast", "scan", "--image", DEMO_IMAGE, "--port", "8000",
            "--health-path", "/healthz", "--profile", profile, "--zap", zap, "--out", str(out), "--quiet",
        ]  # fmt: skip
        if zap == "docker":
            command += ["--zap-image", "dast-local/zap:2.11.1"]
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
        wall = time.perf_counter() - started
        if result.returncode not in (0, 1):
            raise SystemExit(f"dast scan failed ({result.returncode}): {result.stdout}{result.stderr}")
        record = json.loads((out / "results.json").read_text())
    phases = {p["name"]: p for p in record["phases"]}
    active = phases.get("active", {"duration_s": 0.0, "engine_duration_s": 0.0})
    engine = sum(p["duration_s"] for name, p in phases.items() if name in ENGINE_PHASES)
    engine += active["engine_duration_s"]
    target = phases["target_start"]["duration_s"]
    return {
        "wall_s": wall,
        "engine_s": engine,
        "target_start_s": target,
        "active_poll_latency_s": active["duration_s"] - active["engine_duration_s"],
        "overhead_s": wall - engine - target,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--zap", default="local", choices=["local", "docker"])
    parser.add_argument("--profile", default="full")
    args = parser.parse_args()
    build_demo()
    runs = [one_run(args.zap, args.profile) for _ in range(args.runs)]
    for index, run in enumerate(runs, 1):
        print(f"run {index}: " + " ".join(f"{k}={v:.2f}" for k, v in run.items()))
    median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    share = 100 * median["overhead_s"] / median["wall_s"]
    print(
        f"bench_overhead: zap={args.zap} profile={args.profile} runs={args.runs} "
        + " ".join(f"{k}={v:.2f}" for k, v in median.items())
        + f" overhead_pct={share:.1f}"
    )


if __name__ == "__main__":
    main()
