"""A fleet on one warm engine versus one `dast scan` per target, on the demo app.

usage: .venv/bin/python bench/bench_fleet.py [--targets 10] [--concurrency 3] [--profile baseline]

Both sides scan the same N demo-app containers with the same profile, as subprocesses:
  sequential  N runs of `dast scan --image ... --zap local`, one after the other (each starts and
              stops its own engine)
  fleet       one `dast fleet run --concurrency C --zap local` over a fleet file of the N targets
Printed: wall times, per-target seconds and the speed-up (goal: >= 3x for 10 targets at C=3), plus
the load average before, so a busy machine shows in the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

ROOT = Path(__file__).resolve().parents[1]
BASE_IMAGE = "dast-base/debian:bookworm"
DEMO_IMAGE = "dast-demo:bench"
TARGET = ("--port", "8000", "--health-path", "/healthz")


def build_demo() -> None:
    client = docker.from_env()
    client.images.build(
        path=str(ROOT / "demo-app"), tag=DEMO_IMAGE, buildargs={"BASE_IMAGE": BASE_IMAGE}, rm=True
    )
    client.close()


def _run(command: list[str], ok: tuple[int, ...] = (0, 1, 4)) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    wall = time.perf_counter() - started
    if result.returncode not in ok:
        raise SystemExit(f"{' '.join(command[:4])} failed ({result.returncode}): {result.stderr[-2000:]}")
    return wall


def sequential(targets: int, profile: str, folder: Path) -> float:
    total = 0.0
    for i in range(targets):
        out = folder / f"scan-{i}"
        command = [
            sys.executable, "-m", "dast", "scan", "--image", DEMO_IMAGE, *TARGET, "--profile", profile,
            "--zap", "local", "--name", f"demo-{i}", "--out", str(out), "--quiet",
        ]  # fmt: skip
        total += _run(command)
    return total


def fleet(targets: int, concurrency: int, profile: str, folder: Path) -> tuple[float, list[str]]:
    fleet_file = folder / "fleet.yaml"
    lines = [
        f"  - {{name: demo-{i}, image: '{DEMO_IMAGE}', port: 8000, health_path: /healthz, profile: {profile}}}"
        for i in range(targets)
    ]
    fleet_file.write_text("targets:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    out = folder / "fleet"
    command = [
        sys.executable, "-m", "dast", "fleet", "run", str(fleet_file), "--concurrency", str(concurrency),
        "--zap", "local", "--out", str(out), "--quiet",
    ]  # fmt: skip
    wall = _run(command)
    errors = [
        f"{p.parent.name}: {json.loads(p.read_text())['error']}"
        for p in sorted(out.glob("*/results.json"))
        if json.loads(p.read_text())["error"]
    ]
    return wall, errors


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--targets", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=3)
    parser.add_argument("--profile", default="baseline")
    args = parser.parse_args()
    build_demo()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="dast-bench-fleet-") as tmp:
        folder = Path(tmp)
        seq = sequential(args.targets, args.profile, folder)
        par, errors = fleet(args.targets, args.concurrency, args.profile, folder)
    n = args.targets
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
    print(f"| {n} demo targets, profile {args.profile} | wall | per target |")
    print("|---|---|---|")
    print(f"| {n} x `dast scan` (sequential) | {seq:.1f} s | {seq / n:.1f} s |")
    print(f"| `dast fleet run --concurrency {args.concurrency}` | {par:.1f} s | {par / n:.1f} s |")
    print(f"speed-up: {seq / par:.2f}x (goal >= 3x)")
    for line in errors:
        print(f"fleet target error: {line}")


if __name__ == "__main__":
    main()
