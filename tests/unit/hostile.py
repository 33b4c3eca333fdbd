"""Builders for run records used by the reporter tests: a plain one and a hostile one.

The hostile record carries what a malicious or broken target can put into evidence:
markup that tries to break out of every context, XML-illegal characters, a 5 MB body,
javascript: links and secrets that must never reach a report.
"""

from __future__ import annotations

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

APP = "http://app.test:8080"
API = "https://api.test"

SECRET_COOKIE = "s3cr3tCookieValue42"
SECRET_BEARER = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu"
SECRET_QUERY_TOKEN = "qTok3nValue99"
SECRETS = (SECRET_COOKIE, SECRET_BEARER, SECRET_QUERY_TOKEN)

HUGE_LEN = 5 * 1024 * 1024
EVIL_HOST = "evil.example"

SCRIPT = "<script>window.__pwned=1;document.title='pwned';alert(1)</script>"
IMG = '"><img src=x onerror="window.__pwned=1;document.title=\'pwned\';alert(1)">'
BREAKOUTS = (
    SCRIPT,
    IMG,
    "</textarea><script>window.__pwned=1</script>",
    "]]><script>alert(1)</script><![CDATA[",
    "</script><script>window.__pwned=1;alert(1)</script>",
    "</style><style>body{background:url(http://evil.example/bg.png)}</style>",
    '<link rel="stylesheet" href="http://evil.example/x.css"><img src="http://evil.example/p.png">',
    "'><svg/onload=alert(1)>",
)
CONTROL = "ctl:\x00\x07\x1b[31m\x7f\ufffe lone:\udcff end"
JAVASCRIPT_REFS = (
    "javascript:alert(1)",
    " JaVaScRiPt:window.__pwned=1",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
)


def _instance(rule_id: str, url: str, method: str = "GET", parameter: str = "", **text: str) -> Instance:
    return Instance(
        url=url,
        method=method,
        parameter=parameter,
        attack=text.get("attack", ""),
        evidence=text.get("evidence", ""),
        other_info=text.get("other_info", ""),
        message_id=text.get("message_id", "1"),
        fingerprint=fingerprint(rule_id, method, url, parameter),
        exchange=text.get("exchange", ""),
        replay=text.get("replay", ""),
    )


def _record(
    default_findings: tuple[Finding, ...], rules: tuple[RuleInfo, ...], **overrides: object
) -> RunRecord:
    """Overrides win over every default, findings and rules included."""
    fields: dict[str, object] = {
        "tool_version": "0.1.0",
        "engine": EngineInfo(provider="local", version="2.16.1", rule_source="engine+rulepack"),
        "profile": ProfileInfo(name="baseline", sha256="ab" * 32),
        "target": TargetInfo(
            url=f"{APP}/", image="registry.test/shop:1.4", image_digest="sha256:" + "cd" * 32
        ),
        "started_at": "2024-05-01T10:00:00Z",
        "finished_at": "2024-05-01T10:04:30Z",
        "phases": (
            PhaseResult("spider", PhaseOutcome.COMPLETED, 40.2, engine_duration_s=39.0),
            PhaseResult("passive", PhaseOutcome.COMPLETED, 12.0),
            PhaseResult("active", PhaseOutcome.CUT_SHORT, 180.0, detail="budget of 180 s ran out at 62 %"),
            PhaseResult("ajax-spider", PhaseOutcome.SKIPPED, 0.0, detail="not enabled"),
        ),
        "request_count": 1234,
        "findings": default_findings,
        "rules": rules,
        "fail_on": Risk.MEDIUM,
        "budgets_hit": ("active",),
    }
    fields.update(overrides)
    return RunRecord(**fields)  # type: ignore[arg-type]


RULES = (
    RuleInfo("40012", "Cross Site Scripting (Reflected)", "active"),
    RuleInfo("10038", "Content Security Policy (CSP) Header Not Set", "passive"),
    RuleInfo("10021", "X-Content-Type-Options Header Missing", "passive"),
    RuleInfo("10036", "Server Leaks Version Information", "passive"),
    RuleInfo("10020", "Missing Anti-clickjacking Header", "passive"),
    RuleInfo("90022", "Application Error Disclosure", "passive"),
)


XSS_REPLAY = 'curl -i "${TARGET:-http://app.test:8080}/search?q=%3CscrIpt%3Ealert(1);%3C/scRipt%3E"'
XSS_EXCHANGE = Exchange(
    message_id="11",
    request=HttpRequest(
        header=f"GET {APP}/search?q=%3CscrIpt%3Ealert(1);%3C/scRipt%3E HTTP/1.1\r\nHost: app.test:8080\r\n\r\n"
    ),
    response=HttpResponse(
        header="HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
        status_code=200,
        body="<p>Results for <scrIpt>alert(1);</scRipt></p>",
        body_length=45,
    ),
)


def sample_record(**overrides: object) -> RunRecord:
    """A realistic record: two sites, one finding per risk, two rules that found nothing."""
    xss = Finding(
        rule_id="40012",
        name="Cross Site Scripting (Reflected)",
        risk=Risk.HIGH,
        confidence=Confidence.MEDIUM,
        cwe_id=79,
        wasc_id=8,
        description="The page writes a request parameter back into its HTML unencoded, so a link can run script.",
        solution="Validate all input and encode all output for the context it lands in.",
        references=("https://owasp.org/www-community/attacks/xss/", "https://cwe.mitre.org/data/definitions/79.html"),
        instances=(
            _instance("40012", f"{APP}/search?q=x", parameter="q", attack="<scrIpt>alert(1);</scRipt>",
                      evidence="<scrIpt>alert(1);</scRipt>", message_id="11", exchange="11",
                      replay=XSS_REPLAY),
            _instance("40012", f"{APP}/comment", method="POST", parameter="body", attack="\"><svg onload=1>",
                      evidence="\"><svg onload=1>"),
            _instance("40012", f"{API}/v1/echo?msg=x", parameter="msg", attack="<b>1</b>",
                      evidence="<b>1</b>"),
        ),
    )  # fmt: skip
    csp = Finding(
        rule_id="10038",
        name="Content Security Policy (CSP) Header Not Set",
        risk=Risk.MEDIUM,
        confidence=Confidence.HIGH,
        cwe_id=693,
        wasc_id=15,
        description="Content Security Policy is an added layer of security.",
        solution="Set the Content-Security-Policy header.",
        references=("https://developer.mozilla.org/en-US/docs/Web/HTTP/CSP",),
        instances=(_instance("10038", f"{APP}/"),),
    )
    xcto = Finding(
        rule_id="10021",
        name="X-Content-Type-Options Header Missing",
        risk=Risk.LOW,
        confidence=Confidence.MEDIUM,
        cwe_id=693,
        wasc_id=15,
        description="The Anti-MIME-Sniffing header X-Content-Type-Options was not set to 'nosniff'.",
        solution="Set X-Content-Type-Options: nosniff on every response.",
        references=(),
        instances=(
            _instance("10021", f"{APP}/static/app.js", parameter="x-content-type-options"),
            _instance("10021", f"{APP}/", parameter="x-content-type-options"),
        ),
    )
    server = Finding(
        rule_id="10036",
        name="Server Leaks Version Information",
        risk=Risk.INFO,
        confidence=Confidence.HIGH,
        cwe_id=200,
        wasc_id=13,
        description="The web server leaks its version in the Server header.",
        solution="Configure the server to omit its version.",
        references=(),
        instances=(_instance("10036", f"{APP}/", evidence="nginx/1.25.3"),),
    )
    return _record((xss, csp, xcto, server), RULES, **{"exchanges": (XSS_EXCHANGE,), **overrides})


def hostile_record(**overrides: object) -> RunRecord:
    """Everything a hostile target can send back, in every text field a report shows."""
    secret_evidence = (
        "HTTP/1.1 200 OK\r\n"
        f"Set-Cookie: session={SECRET_COOKIE}; HttpOnly\r\n"
        f"Authorization: Bearer {SECRET_BEARER}\r\n"
        f"Location: /next?token={SECRET_QUERY_TOKEN}\r\n\r\n" + "".join(BREAKOUTS)
    )
    first = Finding(
        rule_id="40012",
        name=f"XSS {SCRIPT}",
        risk=Risk.HIGH,
        confidence=Confidence.HIGH,
        cwe_id=79,
        wasc_id=8,
        description="Description " + "".join(BREAKOUTS) + CONTROL,
        solution="Solution " + IMG + CONTROL,
        references=(*JAVASCRIPT_REFS, "https://owasp.org/www-community/attacks/xss/"),
        instances=(
            _instance("40012", f'{APP}/search?q="><script>alert(1)</script>', parameter=f"q{IMG}",
                      attack=SCRIPT + CONTROL, evidence=secret_evidence, other_info="".join(BREAKOUTS),
                      message_id="66", exchange="66", replay=HOSTILE_REPLAY),
            _instance("40012", f"{API}/echo", method="POST", parameter="msg", attack=BREAKOUTS[4],
                      evidence=f"Cookie: session={SECRET_COOKIE}", replay=SCRIPT + CONTROL),
        ),
    )  # fmt: skip
    huge = Finding(
        rule_id="90022",
        name="Application Error Disclosure",
        risk=Risk.MEDIUM,
        confidence=Confidence.MEDIUM,
        cwe_id=200,
        wasc_id=13,
        description="The page contains an error message " + BREAKOUTS[5],
        solution="Review the source code.",
        references=("https://example.test/ref",),
        instances=(
            _instance("90022", f"{APP}/crash", evidence="Traceback " + "A" * HUGE_LEN, attack="B" * HUGE_LEN),
        ),
    )
    odd = Finding(
        rule_id='10021"><b>',
        name="Low </textarea> ]]> |pipe| `tick` [link](javascript:alert(1))",
        risk=Risk.LOW,
        confidence=Confidence.LOW,
        cwe_id=0,
        wasc_id=0,
        description="line one\nline two | with pipe",
        solution="",
        references=(),
        instances=(_instance("10021", f"{APP}/x", evidence=CONTROL),),
    )
    defaults: dict[str, object] = {
        "target": TargetInfo(url=f"{APP}/", image=f"shop{SCRIPT}", image_digest="sha256:" + "ef" * 32),
        "profile": ProfileInfo(name=f"team {IMG}", sha256="12" * 32),
        "error": f"engine died: {SCRIPT}\nAuthorization: Bearer {SECRET_BEARER}",
        "phases": (
            PhaseResult("spider", PhaseOutcome.COMPLETED, 10.0),
            PhaseResult(
                f"active {BREAKOUTS[2]}", PhaseOutcome.CUT_SHORT, 90.0, detail=BREAKOUTS[0] + CONTROL
            ),
        ),
        "budgets_hit": (f"active{IMG}",),
        "exchanges": (hostile_exchange(secret_evidence),),
    }
    defaults.update(overrides)
    return _record((first, huge, odd), RULES, **defaults)


# A replay whose every part a hostile target chose: quotes, substitutions, markup, secrets.
HOSTILE_REPLAY = (
    f"curl -i \"${{TARGET:-{APP}}}\"'/search?q=$(touch /tmp/pwned)`id`' -H 'Cookie: session={SECRET_COOKIE}' "
    f"-H 'Authorization: Bearer {SECRET_BEARER}' --data-raw '{SCRIPT}{CONTROL}'"
)


def hostile_exchange(evidence: str) -> Exchange:
    """Headers and bodies with markup that breaks out of every context, secrets and a 5 MB body."""
    return Exchange(
        message_id="66",
        request=HttpRequest(
            header=(
                f'GET {APP}/search?q="><script>alert(1)</script> HTTP/1.1\r\n'
                f"Cookie: session={SECRET_COOKIE}\r\nAuthorization: Bearer {SECRET_BEARER}\r\n"
                f"X-Evil: {BREAKOUTS[1]}{CONTROL}\r\n"
            ),
            body=f"token={SECRET_QUERY_TOKEN}&q=" + "".join(BREAKOUTS) + CONTROL,
            body_length=HUGE_LEN,
        ),
        response=HttpResponse(
            header=evidence + f"\r\nX-Note: {BREAKOUTS[2]}",
            status_code=200,
            body="".join(BREAKOUTS) + evidence + "A" * HUGE_LEN + CONTROL,
            body_offset=7,
            body_length=HUGE_LEN + 500,
        ),
    )
