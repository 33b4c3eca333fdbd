"""Render every report format for a large run and report time and memory.

usage: .venv/bin/python bench/bench_reports.py [--findings 200] [--instances 50]
Budget: under 2 s and 300 MB peak RSS for 10,000 instances on a 2-core machine.

Requests and responses are included as a scan stores them (dast/core/exchanges.py): every
instance carries its curl replay; the first 3 instances of each rule per site point to a stored
exchange (600 for 200 rules), each with realistic sizes: a 0.6 KiB request head, a 1 KiB form
body on POSTs, a 0.4 KiB response head and a response body excerpt at its full 16 KiB cap. A
replay carries the request's headers and body where the scan fetched the request: for those 600
and for further POSTs up to the scan's fetch limit (1,000 messages in all); the others are built
from method and URL.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from dast.core.exchanges import FULL_PER_RULE_AND_SITE, MAX_FETCHES, RESPONSE_BODY_LIMIT
from dast.core.replay import curl_command
from dast.fingerprint import fingerprint
from dast.models import (
    Confidence,
    EngineInfo,
    Exchange,
    Finding,
    HttpRequest,
    HttpResponse,
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


REQUEST_HEAD = (
    "{method} {url} HTTP/1.1\r\nHost: shop.example.test\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:92.0) "
    "Gecko/20100101 Firefox/92.0\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    "Accept-Language: en-US,en;q=0.5\r\nReferer: https://shop.example.test/catalog/\r\n"
    "Cookie: session=***session***; theme=light; consent=1\r\nCache-Control: no-cache\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1024\r\n\r\n"
)
RESPONSE_HEAD = (
    "HTTP/1.1 200 OK\r\nServer: nginx/1.25.3\r\nDate: Wed, 01 May 2024 10:00:00 GMT\r\n"
    "Content-Type: text/html; charset=utf-8\r\nContent-Length: 48213\r\nCache-Control: private\r\n"
    "Set-Cookie: session=***session***; Path=/; HttpOnly\r\nX-Request-Id: 7f2c9a0e-5b1d-4c3e-9f8a-2d6b1e0c4a7f\r\n\r\n"
)
PAGE_ROW = '<tr class="item"><td><a href="/catalog/{n}/item?id={n}">Item {n}</a></td><td>19.90</td></tr>\n'


def _exchange(message_id: str, method: str, url: str, evidence: str) -> Exchange:
    # Every page different (no two bodies alike, as in a real scan), the evidence in its middle.
    first = int(message_id) * 7
    rows = "".join(PAGE_ROW.format(n=first + n) for n in range(200))
    body = (rows[: RESPONSE_BODY_LIMIT // 2] + evidence + rows)[:RESPONSE_BODY_LIMIT]
    return Exchange(
        message_id=message_id,
        request=HttpRequest(
            header=REQUEST_HEAD.format(method=method, url=url),
            body=("q=" + "a" * 1022) if method == "POST" else "",
            body_length=1024 if method == "POST" else 0,
        ),
        response=HttpResponse(
            header=RESPONSE_HEAD, status_code=200, body=body, body_offset=20_000, body_length=48_213
        ),
    )


def build_record(findings: int, per_finding: int) -> RunRecord:
    rng = random.Random(42)  # the same record every run, so timings compare
    items = []
    exchanges = []
    extra_fetches = MAX_FETCHES - findings * FULL_PER_RULE_AND_SITE
    for n in range(findings):
        rule_id = str(10000 + n)
        instances = []
        for m in range(per_finding):
            url = f"https://shop.example.test/catalog/{rng.randrange(10_000)}/item?id={m}&sort=price"
            param = rng.choice(["id", "q", "sort", "page", "X-Frame-Options", ""])
            method = rng.choice(["GET", "POST"])
            message_id = str(n * per_finding + m)
            # The storage rule: the first 3 instances of a rule (one site here) keep an exchange.
            if m < FULL_PER_RULE_AND_SITE:
                exchanges.append(_exchange(message_id, method, url, EVIDENCE))
            fetched = m < FULL_PER_RULE_AND_SITE or (method == "POST" and extra_fetches > 0)
            if fetched and m >= FULL_PER_RULE_AND_SITE:
                extra_fetches -= 1
            instances.append(
                Instance(
                    url=url,
                    method=method,
                    parameter=param,
                    attack=f"<script>alert({m});</script>" if n % 3 == 0 else "",
                    evidence=EVIDENCE,
                    other_info="The response was compared with the original; see the evidence for the match.",
                    message_id=message_id,
                    fingerprint=fingerprint(rule_id, method, url, param),
                    exchange=message_id if m < FULL_PER_RULE_AND_SITE else "",
                    replay=curl_command(
                        method,
                        url,
                        "https://shop.example.test/",
                        headers=[("Cookie", "session=***session***; theme=light")] if fetched else [],
                        body="q=" + "a" * 1022 if method == "POST" and fetched else "",
                    ),
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
        exchanges=tuple(exchanges),
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
        f"bench_reports: instances={record.instance_count} exchanges={len(record.exchanges)} "
        f"total_s={total:.2f} peak_rss_mb={peak_mb:.0f} budget_s={BUDGET_S} budget_mb={BUDGET_MB} "
        f"load={os.getloadavg()[0]:.2f}"
    )
    return 0 if total < BUDGET_S and peak_mb < BUDGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
