"""dast against wapiti on generated N-page sites: crawl + passive checks, no attacks.

usage: .venv/bin/python bench/bench_site.py [--pages 100,1000,5000] [--no-wapiti] [--dast-root DIR]

Each size gets a fresh site (bench/sitegen.py: every page links five others and has a form) served on
127.0.0.1 by this process. On it:
  dast    `dast scan --target URL --zap local` with a spider + passive profile (no active scan, no rate limit,
          no depth cut). Wall time of the whole process; per-phase times and the alert count from its
          results.json; alerts/s of the alerts phase; dast's own peak RSS (the Python process's
          ru_maxrss, read at its exit: the ZAP JVM is a child and is not counted). "rest" is the wall time
          outside every recorded phase: Python start, profile and context set-up, reports.
  wapiti  wapiti3 (scripts/wapiti-venv.sh, its own venv) on the same root with scope folder (the whole
          site), crawl plus its modules that only read responses' headers (http_headers, cookieflags, csp):
          no attack modules. Wall time of the process.
  ratio   dast wall / wapiti wall.
--dast-root runs another checkout of dast (e.g. an export of HEAD) for before/after figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from sitegen import serve_site  # noqa: E402 (a sibling module of this script, not a package)

WAPITI = ROOT / ".venv-wapiti" / "bin" / "wapiti"
WAPITI_MODULES = "http_headers,cookieflags,csp"
SHOWN_PHASES = ("engine_start", "spider", "passive", "alerts", "teardown")
TIMEOUT_S = 3600.0

PROFILE = """\
name: bench-site
description: bench_site.py - spider and passive rules only, unthrottled, the whole generated site.
max_duration: 60m
spider:
  enabled: true
  max_duration: 30m
  max_depth: 0
passive:
  max_duration: 30m
rate:
  max_rps: null
  threads: {threads}
active:
  enabled: false
"""

# Runs dast's CLI in this interpreter and writes its own peak RSS (kB) at exit, children excluded.
RSS_WRAPPER = """\
import atexit, os, resource, runpy, sys
def _peak():
    with open(os.environ["BENCH_RSS_FILE"], "w") as out:
        out.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
atexit.register(_peak)
sys.argv = ["dast", *sys.argv[1:]]
runpy.run_module("dast", run_name="__main__", alter_sys=True)
"""


@dataclass(frozen=True)
class DastRun:
    wall_s: float
    phases: dict[str, float]
    alerts: int
    urls: int
    rss_mb: float | None


def run_dast(url: str, dast_root: Path, threads: int, work: Path) -> DastRun:
    profile = work / "bench-site.yaml"
    profile.write_text(PROFILE.format(threads=threads))
    out, rss_file = work / "out", work / "rss"
    env = {**os.environ, "BENCH_RSS_FILE": str(rss_file), "PYTHONPATH": str(dast_root)}
    command = [
        sys.executable, "-c", RSS_WRAPPER, "scan", "--target", url, "--zap", "local", "--profile",
        str(profile), "--out", str(out), "--format", "json", "--fail-on", "never", "--quiet",
    ]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, env=env, cwd=work
    )
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"dast scan failed ({result.returncode}): {result.stdout}{result.stderr}")
    record = json.loads((out / "results.json").read_text())
    phases = {p["name"]: p["duration_s"] for p in record["phases"]}
    alerts = sum(len(finding["instances"]) for finding in record["findings"])
    detail = next((p["detail"] for p in record["phases"] if p["name"] == "alerts"), "")
    if detail.split(" ", 1)[0].replace(",", "").isdigit():  # "12019 alerts": the engine's count
        alerts = int(detail.split(" ", 1)[0].replace(",", ""))
    urls = int((record.get("coverage") or {}).get("urls") or 0)
    rss = int(rss_file.read_text()) / 1024 if rss_file.exists() else None
    return DastRun(wall, phases, alerts, urls, rss)


@dataclass(frozen=True)
class WapitiRun:
    wall_s: float
    pages: int | None  # pages it crawled, from its report


def run_wapiti(url: str, work: Path) -> WapitiRun:
    if not WAPITI.exists():
        raise SystemExit(f"{WAPITI} is missing: run scripts/wapiti-venv.sh (or pass --no-wapiti)")
    session, config, report = work / "wapiti-session", work / "wapiti-config", work / "wapiti.json"
    session.mkdir()
    config.mkdir()
    command = [
        str(WAPITI), "-u", url, "--scope", "folder", "-m", WAPITI_MODULES, "-d", "100",
        # Its defaults resolve dns.wapiti3.ovh and name wapiti3.ovh as endpoint: kept on loopback instead.
        "--dns-endpoint", "localhost", "--endpoint", url,
        "--flush-session", "--store-session", str(session), "--store-config", str(config),
        "--no-bugreport", "-v", "0", "-f", "json", "-o", str(report),
    ]  # fmt: skip
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, cwd=work)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(
            f"wapiti failed ({result.returncode}): {result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    crawled = (
        json.loads(report.read_text()).get("infos", {}).get("crawled_pages_nbr") if report.exists() else None
    )
    return WapitiRun(wall, crawled if isinstance(crawled, int) else None)


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


HEADERS = ["pages", "dast URLs", "dast wall s", *(f"{name} s" for name in SHOWN_PHASES), "rest s", "alerts", "alerts/s",
           "dast RSS MB", "wapiti pages", "wapiti wall s", "dast/wapiti"]  # fmt: skip


def table_row(pages: int, dast: DastRun, wapiti: WapitiRun | None) -> list[str]:
    collect = dast.phases.get("alerts", 0.0)
    return [
        f"{pages:,}", f"{dast.urls:,}", f"{dast.wall_s:.1f}",
        *(f"{dast.phases.get(name, 0.0):.1f}" for name in SHOWN_PHASES),
        f"{dast.wall_s - sum(dast.phases.values()):.1f}",
        f"{dast.alerts:,}", f"{dast.alerts / collect:,.0f}" if collect > 0 else "-",
        f"{dast.rss_mb:.0f}" if dast.rss_mb is not None else "n/a",
        f"{wapiti.pages:,}" if wapiti is not None and wapiti.pages is not None else "-",
        f"{wapiti.wall_s:.1f}" if wapiti is not None else "-",
        f"{dast.wall_s / wapiti.wall_s:.2f}" if wapiti is not None else "-",
    ]  # fmt: skip


def _line(cells: list[str], widths: list[int]) -> str:
    return "| " + " | ".join(cell.rjust(width) for cell, width in zip(cells, widths, strict=True)) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", default="100,1000", help="comma list of site sizes, e.g. 100,1000,5000")
    parser.add_argument("--threads", type=int, default=2, help="the profile's rate.threads (spider threads)")
    parser.add_argument("--no-wapiti", action="store_true", help="dast only")
    parser.add_argument("--dast-root", type=Path, default=ROOT, help="the dast checkout to run")
    args = parser.parse_args()
    sizes = [int(size) for size in args.pages.split(",") if size.strip()]
    rows: list[list[str]] = []
    for pages in sizes:
        with tempfile.TemporaryDirectory(prefix=f"dast-bench-site-{pages}-") as tmp, serve_site(pages) as url:
            work = Path(tmp)
            (work / "dast").mkdir()
            dast = run_dast(url, args.dast_root.resolve(), args.threads, work / "dast")
            wapiti = None
            if not args.no_wapiti:
                (work / "wapiti").mkdir()
                wapiti = run_wapiti(url, work / "wapiti")
        rows.append(table_row(pages, dast, wapiti))
        phases = " ".join(f"{name}={seconds:.2f}" for name, seconds in dast.phases.items())
        wapiti_part = f" wapiti_wall_s={wapiti.wall_s:.1f}" if wapiti is not None else ""
        print(
            f"bench_site: pages={pages} dast_wall_s={dast.wall_s:.1f} alerts={dast.alerts} {phases}"
            f"{wapiti_part} load={os.getloadavg()[0]:.1f}",
            flush=True,
        )
    widths = [max(len(header), *(len(row[i]) for row in rows)) for i, header in enumerate(HEADERS)]
    print(_line(HEADERS, widths))
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for row in rows:
        print(_line(row, widths))
    print(f"dast: spider + passive, {args.threads} spider threads; wapiti 3.2.3: crawl + {WAPITI_MODULES}")
    print(f"machine: {os.cpu_count()} CPUs, {_cpu_model()}, load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
