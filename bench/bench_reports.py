"""Render every report format for a large run and report time and memory.

usage: .venv/bin/python bench/bench_reports.py [--findings 200] [--instances 50]
Budget: under 2 s and 300 MB peak RSS for 10,000 instances on a 2-core machine.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from dast.fingerprint import fingerprint
from dast.models import (
    Confidence,
    EngineInfo,
    Finding,
    Instance,
    PhaseOutcome,
    PhaseResult,
    ProfileInfo,
    Risk,
    RuleInfo,
    RunRecord,
    TargetInfo,
)
from dast.report.interface import OutputFormat, RenderOptions
from dast.report.registry import reporter_for
from dast.report.sanitize import sanitize_record
from dast.report.writer import write_reports

BUDGET_S = 2.0
BUDGET_MB = 300

DESCRIPTION = (
    "The application reflects user input into the response without encoding it for the HTML context. "
    "An attacker can craft a link that runs script in the victim's browser session, stealing cookies "
    "or performing actions on their behalf. "
) * 3
SOLUTION = (
    "Phase: Architecture and Design. Use a vetted library or framework that does not allow this weakness "
    "to occur or provides constructs that make it easier to avoid. Encode all output for its context."
)
EVIDENCE = (
    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nServer: nginx/1.25.3\r\n\r\n"
    '<div class="result">'
    "<script>alert(1);</script></div>"
)


def build_record(findings: int, per_finding: int) -> RunRecord:
    rng = random.Random(42)  # the same record every run, so timings compare
    items = []
    for n in range(findings):
        rule_id = str(10000 + n)
        instances = []
        for m in range(per_finding):
            url = f"https://shop.example.test/catalog/{rng.randrange(10_000)}/item?id={m}&sort=price"
            param = rng.choice(["id", "q", "sort", "page", "X-Frame-Options", ""])
            method = rng.choice(["GET", "POST"])
            instances.append(
                Instance(
                    url=url,
                    method=method,
                    parameter=param,
                    attack=f"<script>alert({m});</script>" if n % 3 == 0 else "",
                    evidence=EVIDENCE,
                    other_info="The response was compared with the original; see the evidence for the match.",
                    message_id=str(n * per_finding + m),
                    fingerprint=fingerprint(rule_id, method, url, param),
                )
            )
        items.append(
            Finding(
                rule_id=rule_id,
                name=f"Synthetic alert number {n}",
                risk=Risk(n % 4),
                confidence=Confidence.MEDIUM,
                cwe_id=79 + n % 50,
                wasc_id=8,
                description=DESCRIPTION,
                solution=SOLUTION,
                references=("https://owasp.org/www-community/attacks/xss/", "javascript:alert(1)"),
                instances=tuple(instances),
            )
        )
    return RunRecord(
        tool_version="0.1.0",
        engine=EngineInfo("local", "2.16.1", "engine+rulepack"),
        profile=ProfileInfo("full", "ab" * 32),
        target=TargetInfo("https://shop.example.test/", "registry.test/shop:1", "sha256:" + "cd" * 32),
        started_at="2024-05-01T10:00:00Z",
        finished_at="2024-05-01T10:30:00Z",
        phases=(
            PhaseResult("spider", PhaseOutcome.COMPLETED, 120.0),
            PhaseResult("active", PhaseOutcome.CUT_SHORT, 900.0),
        ),
        request_count=250_000,
        findings=tuple(items),
        rules=tuple(RuleInfo(str(10000 + n), f"Rule {n}", "passive") for n in range(findings + 50)),
        budgets_hit=("active",),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark report rendering.")
    parser.add_argument("--findings", type=int, default=200)
    parser.add_argument("--instances", type=int, default=50)
    args = parser.parse_args(argv)

    record = build_record(args.findings, args.instances)
    options = RenderOptions()
    # The breakdown: sanitising once (as write_reports does), then each format's rendering.
    start = time.perf_counter()
    clean = sanitize_record(record)
    print(f"  {'sanitize':<9} {time.perf_counter() - start:6.3f} s")
    for fmt in OutputFormat:
        reporter = reporter_for(fmt, options)
        start = time.perf_counter()
        data = reporter.render(clean)
        print(f"  {fmt.value:<9} {time.perf_counter() - start:6.3f} s  {len(data) / 1e6:7.2f} MB")
    del clean

    # The real path: every format rendered, then written atomically.
    with tempfile.TemporaryDirectory(prefix="dast-bench-") as out:
        start = time.perf_counter()
        write_reports(record, tuple(OutputFormat), Path(out), options)
        total = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"bench_reports: instances={record.instance_count} total_s={total:.2f} peak_rss_mb={peak_mb:.0f} "
        f"budget_s={BUDGET_S} budget_mb={BUDGET_MB}"
    )
    return 0 if total < BUDGET_S and peak_mb < BUDGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
