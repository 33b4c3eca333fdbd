"""How long the CLI takes to start: `dast --version`, `dast --help`, `dast scan --help` (target ≤ 0.2 s).

usage: .venv/bin/python bench/bench_cli_start.py [--runs 15] [--dast-root DIR]

Each command runs --runs times as a fresh process (the venv's `dast` entry point, as a user runs it);
the table gives the median and the fastest wall time, and the median CPU time (user + system), which a
busy machine disturbs less than wall time. --dast-root runs another checkout (e.g. an export of HEAD).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (("--version",), ("--help",), ("scan", "--help"))
TARGET_S = 0.2


def _entry_point() -> list[str]:
    script = Path(sys.executable).with_name("dast")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dast"]


def time_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=60
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--dast-root", type=Path, default=ROOT, help="the dast checkout to run")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(args.dast_root.resolve()), "NO_COLOR": "1", "COLUMNS": "100"}
    print(f"| command | median wall s | fastest wall s | median CPU s | ≤ {TARGET_S} s |")
    print("|---|---|---|---|---|")
    for arguments in COMMANDS:
        command = [*_entry_point(), *arguments]
        time_once(command, env)  # warm the file cache: the first run reads every module from disk
        samples = [time_once(command, env) for _ in range(args.runs)]
        wall = statistics.median(s[0] for s in samples)
        fastest = min(s[0] for s in samples)
        cpu = statistics.median(s[1] for s in samples)
        verdict = "yes" if wall <= TARGET_S else "no"
        print(
            f"| dast {' '.join(arguments)} | {wall:.3f} | {fastest:.3f} | {cpu:.3f} | {verdict} |", flush=True
        )
    print(f"runs={args.runs} load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
