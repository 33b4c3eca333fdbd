"""The bad-input corpus: every case goes through the CLI and must end with exit 2, exactly one
`dast: error:` line on stderr that says what is wrong, nothing on stdout, no traceback, nothing
started at any seam and nothing written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cli_support import assert_usage_error
from typer.testing import Result

Dast = Callable[..., Result]
T = ("--target", "http://127.0.0.1:9/")
IMG = ("--image", "shop:1", "--port", "8000")


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    fragments: tuple[str, ...]
    files: dict[str, str | bytes] = field(default_factory=dict)  # created in the temp folder first
    env: dict[str, str] = field(default_factory=dict)
    command: str = "scan"


def scan(id: str, args: tuple[str, ...], *fragments: str, **kw: Any) -> Case:
    return Case(id, args, fragments, **kw)


def profile(id: str, yaml_text: str | bytes, *fragments: str) -> Case:
    return Case(id, (*T, "--profile", "{tmp}/p.yaml"), fragments, files={"p.yaml": yaml_text})


def _record() -> dict[str, Any]:
    from dast.cli.scan_command import TARGET_LOG  # noqa: F401 - the CLI module must import cleanly
    from dast.report.sample import sample_record

    data: dict[str, Any] = sample_record().to_dict()
    return data


def _edit(value: Any, *path: str | int) -> str:
    data = _record()
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return json.dumps(data)


_DELETE = object()


def suppressions(id: str, content: str | bytes | None, *fragments: str, path: str = "{tmp}/s.yaml") -> Case:
    files: dict[str, str | bytes] = {} if content is None else {"s.yaml": content}
    return Case(id, (*T, "--suppressions", path), fragments, files=files)


def results(id: str, content: str | bytes | None, *fragments: str) -> Case:
    files: dict[str, str | bytes] = {} if content is None else {"results.json": content}
    return Case(id, ("--from", "{tmp}/results.json"), fragments, files=files, command="report")


_SHOP = "{name: shop, url: 'http://127.0.0.1:9/'}"


def fleet(id: str, content: str | None, *fragments: str, extra: tuple[str, ...] = ()) -> Case:
    files = {"fleet.yaml": content} if content is not None else {}
    name = "fleet.yaml" if content is not None else "nope.yaml"
    return Case(id, ("run", f"{{tmp}}/{name}", *extra), fragments, files=files, command="fleet")


CASES: list[Case] = [
    # --- what to scan ------------------------------------------------------------------
    scan("nothing-to-scan", (), "nothing to scan"),
    scan("image-without-port", ("--image", "shop:1"), "--image needs --port"),
    scan("build-without-port", ("--build", "{tmp}"), "--image needs --port"),
    scan("target-and-image", (*T, "--image", "shop:1"), "not both"),
    scan("target-and-build", (*T, "--build", "{tmp}"), "not both"),
    scan("port-with-target", (*T, "--port", "8000"), "--port goes with --image"),
    scan("port-zero", ("--image", "shop:1", "--port", "0"), "'--port'", "0"),
    scan("port-too-big", ("--image", "shop:1", "--port", "70000"), "'--port'", "70000"),
    scan("port-negative", ("--image", "shop:1", "--port", "-1"), "'--port'"),
    scan("port-not-a-number", ("--image", "shop:1", "--port", "eighty"), "'--port'", "valid integer"),
    scan("target-ftp", ("--target", "ftp://x/"), "http(s) URL with a host", "ftp://x/"),
    scan("target-no-host", ("--target", "http:///path"), "http(s) URL with a host"),
    scan("target-no-scheme", ("--target", "localhost:8080"), "http(s) URL"),
    scan("target-bad-ipv6", ("--target", "http://[::1:9/"), "not a valid URL", "Invalid IPv6 URL"),
    scan("target-port-too-big", ("--target", "http://127.0.0.1:99999/"), "not a valid URL"),
    scan("target-port-text", ("--target", "http://127.0.0.1:http/"), "not a valid URL"),
    scan("target-credentials", ("--target", "http://admin:pw1234@x/"), "must not carry credentials"),
    scan("target-fragment", ("--target", "http://x/#top"), "#fragment"),
    scan("target-empty", ("--target", ""), "http(s) URL"),
    scan("image-upper-case", ("--image", "UPPER:bad", "--port", "80"), "not an image reference"),
    scan("image-spaces", ("--image", "shop app", "--port", "80"), "not an image reference"),
    scan("image-bad-tag", ("--image", "shop:-x", "--port", "80"), "not an image reference"),
    scan("image-double-colon", ("--image", "shop::1", "--port", "80"), "not an image reference"),
    scan("image-bad-digest", ("--image", "shop@sha256:xyz", "--port", "80"), "not an image reference"),
    scan("image-trailing-slash", ("--image", "team/", "--port", "80"), "not an image reference"),
    scan("image-empty", ("--image", "", "--port", "80"), "not an image reference"),
    scan("build-dir-missing", ("--build", "/nonexistent/app", "--port", "80"), "'--build'", "does not exist"),
    scan("build-dir-is-file", ("--build", "{tmp}/f.txt", "--port", "80"), "'--build'", files={"f.txt": "x"}),
    scan("build-no-dockerfile", ("--build", "{tmp}", "--port", "80"), "no Dockerfile there"),
    scan("build-arg-without-build", (*IMG, "--build-arg", "A=1"), "--build-arg goes with --build"),
    scan(
        "build-arg-no-equals",
        ("--build", "{tmp}", "--port", "80", "--build-arg", "NOEQUALS"),
        "KEY=VALUE",
        files={"Dockerfile": "FROM scratch\n"},
    ),
    scan(
        "build-arg-no-key",
        ("--build", "{tmp}", "--port", "80", "--build-arg", "=v"),
        "KEY=VALUE",
        files={"Dockerfile": "FROM scratch\n"},
    ),
    # --- waiting and health ------------------------------------------------------------
    scan("wait-negative", (*T, "--wait", "-5"), "'--wait'", "above 0"),
    scan("wait-zero", (*T, "--wait", "0"), "'--wait'", "above 0"),
    scan("wait-nan", (*T, "--wait", "nan"), "'--wait'"),
    scan("wait-inf", (*T, "--wait", "inf"), "'--wait'"),
    scan("wait-absurd", (*T, "--wait", "99999999"), "'--wait'", "7 days"),
    scan("wait-text", (*T, "--wait", "soon"), "'--wait'"),
    scan("health-path-relative", (*T, "--health-path", "healthz"), "'--health-path'", "starting with '/'"),
    scan("health-path-space", (*T, "--health-path", "/a b"), "'--health-path'"),
    scan("health-status-text", (*T, "--health-status", "ok"), "'--health-status'"),
    scan("health-status-range-backwards", (*T, "--health-status", "399-200"), "'--health-status'"),
    scan("health-status-out-of-range", (*T, "--health-status", "200-700"), "'--health-status'"),
    scan("health-status-empty-item", (*T, "--health-status", "200,"), "'--health-status'"),
    # --- gate, formats, output ---------------------------------------------------------
    scan("fail-on", (*T, "--fail-on", "bogus"), "'--fail-on'", "must be one of"),
    scan("fail-on-critical", (*T, "--fail-on", "critical"), "'--fail-on'"),
    scan("format-unknown", (*T, "--format", "pdf"), "unknown report format 'pdf'"),
    scan("format-partly-bad", (*T, "--format", "json,pdf"), "unknown report format 'pdf'"),
    scan("format-empty", (*T, "--format", " , "), "no report format given"),
    scan("out-is-a-file", (*T, "--out", "{tmp}/f.txt"), "exists and is not a folder", files={"f.txt": "x"}),
    scan("out-under-a-file", (*T, "--out", "{tmp}/f.txt/sub"), "is not a folder", files={"f.txt": "x"}),
    scan("template-dir-missing", (*T, "--template-dir", "/nonexistent"), "'--template-dir'", "no such folder"),
    scan(
        "template-dir-is-file", (*T, "--template-dir", "{tmp}/f.txt"), "no such folder", files={"f.txt": "x"}
    ),
    scan(
        "template-does-not-compile",
        (*T, "--template-dir", "{tmp}/tpl"),
        "do not render",
        "TemplateSyntaxError",
        files={"tpl/report.html.j2": "{% if %}"},
    ),
    scan(
        "template-undefined-name",
        (*T, "--template-dir", "{tmp}/tpl"),
        "do not render",
        "no_such_thing",
        files={"tpl/report.html.j2": "{{ no_such_thing.x }}"},
    ),
    scan("progress-unknown", (*T, "--progress", "fancy"), "'--progress'", "fancy"),
    scan("log-file-folder-missing", (*T, "--log-file", "/nonexistent/folder/dast.log"), "'--log-file'"),
    scan("log-file-is-folder", (*T, "--log-file", "{tmp}"), "'--log-file'", "is a folder"),
    # --- engine ------------------------------------------------------------------------
    scan("zap-unknown", (*T, "--zap", "bogus"), "'--zap'"),
    scan("zap-url-with-local", (*T, "--zap", "local", "--zap-url", "http://zap:8080"), "goes with --zap remote"),
    scan("zap-url-with-docker", (*T, "--zap", "docker", "--zap-url", "http://zap:8080"), "goes with --zap remote"),
    scan("remote-without-url", (*T, "--zap", "remote"), "--zap remote needs --zap-url"),
    scan(
        "remote-without-key",
        (*T, "--zap", "remote", "--zap-url", "http://127.0.0.1:8090"),
        "DAST_ZAP_API_KEY",
    ),
    scan(
        "remote-url-bad",
        (*T, "--zap", "remote", "--zap-url", "zap:8090"),
        "--zap-url must be an http(s) URL",
        env={"DAST_ZAP_API_KEY": "k3y-for-test"},
    ),
    scan(
        "remote-url-bad-ipv6",
        (*T, "--zap", "remote", "--zap-url", "http://[::1/"),
        "not a valid URL",
        env={"DAST_ZAP_API_KEY": "k3y-for-test"},
    ),
    scan("zap-image-bad", (*T, "--zap-image", "Bad Image"), "'--zap-image'"),
    # --- unknown and malformed options -------------------------------------------------
    scan("unknown-option", (*T, "--no-such-option"), "No such option"),
    scan("option-missing-value", ("--target",), "'--target'"),
    scan("extra-argument", (*T, "surplus"), "surplus"),
    # --- environment -------------------------------------------------------------------
    scan("env-fail-on", (), "'--fail-on'", "'sometimes'", env={"DAST_TARGET": "http://x/", "DAST_FAIL_ON": "sometimes"}),
    scan("env-target", (), "http(s) URL", env={"DAST_TARGET": "gopher://x/"}),
    scan("env-port", ("--image", "shop:1"), "'--port'", env={"DAST_PORT": "x"}),
    scan("env-run-id", T, "DAST_RUN_ID", env={"DAST_RUN_ID": "Has Spaces"}),
    scan("env-run-id-long", T, "DAST_RUN_ID", env={"DAST_RUN_ID": "a" * 40}),
    scan("env-progress", T, "'--progress'", env={"DAST_PROGRESS": "loud"}),
    scan("env-format", T, "unknown report format", env={"DAST_FORMAT": "docx"}),
    scan("env-wait", T, "'--wait'", env={"DAST_TARGET_TIMEOUT": "-1"}),
    # --- profiles ----------------------------------------------------------------------
    scan("profile-unknown", (*T, "--profile", "nosuch"), "nosuch: no such profile"),
    scan("profile-file-missing", (*T, "--profile", "/nonexistent/p.yaml"), "no such profile file"),
    profile("profile-yaml-syntax", "name: x\nspider: [\n", "YAML syntax error"),
    profile("profile-not-mapping", "- a\n- b\n", "expected a mapping"),
    profile("profile-empty", "", "expected a mapping"),
    profile("profile-not-utf8", b"name: \xff\xfe\n", "not UTF-8"),
    profile("profile-duplicate-key", "name: x\nname: y\n", "duplicate key 'name'", "line 2"),
    profile("profile-duplicate-nested", "name: x\nspider:\n  enabled: true\n  enabled: false\n", "duplicate key 'enabled'"),
    profile("profile-unknown-key", "name: x\ncolour: blue\n", "colour: unknown key"),
    profile("profile-unknown-nested", "name: x\nspider:\n  speed: 3\n", "spider.speed: unknown key"),
    profile("profile-name-missing", "spider: {enabled: true}\n", "name: required key is missing"),
    profile("profile-name-bad", "name: 'a b'\n", "name:"),
    profile("profile-duration-text", "name: x\nmax_duration: soon\n", "max_duration:", "duration such as"),
    profile("profile-duration-negative", "name: x\nmax_duration: -5\n", "cannot be negative"),
    profile("profile-duration-zero", "name: x\nmax_duration: 0\n", "more than 0"),
    profile("profile-duration-nan", "name: x\nmax_duration: .nan\n", "max_duration:"),
    profile("profile-duration-inf", "name: x\nmax_duration: .inf\n", "max_duration:"),
    profile("profile-duration-absurd", "name: x\nmax_duration: 9999h\n", "7 days"),
    profile("profile-phase-duration-absurd", "name: x\nactive: {max_duration: 30000000}\n", "7 days"),
    profile("profile-depth-negative", "name: x\nspider: {max_depth: -1}\n", "spider.max_depth:"),
    profile("profile-strength", "name: x\nactive: {strength: MEGA}\n", "active.strength:"),
    profile("profile-threshold", "name: x\nactive: {threshold: SOMETIMES}\n", "active.threshold:"),
    profile("profile-rule-id", "name: x\nactive: {rules: [{id: abc}]}\n", "active.rules.0.id:"),
    profile("profile-category", "name: x\nactive: {categories: {magic: {strength: LOW}}}\n", "active.categories"),
    profile("profile-bad-regex", "name: x\nscope: {exclude: ['(']}\n", "invalid regular expression"),
    profile("profile-regex-not-text", "name: x\nscope: {exclude: [5]}\n", "scope.exclude.0:"),
    profile("profile-openapi-no-source", "name: x\nopenapi: {enabled: true}\n", "neither url nor file"),
    profile("profile-openapi-both", "name: x\nopenapi: {url: /a, file: b}\n", "not both"),
    profile("profile-rulepack", "name: x\nrulepack: sometimes\n", "rulepack:"),
    profile("profile-min-urls", "name: x\nmin_urls: -1\n", "min_urls:"),
    profile("profile-allow-incomplete", "name: x\nallow_incomplete: maybe\n", "allow_incomplete:"),
    profile("profile-extends-missing", "name: x\nextends: nosuch\n", "extends:", "no such profile"),
    profile("profile-extends-not-text", "name: x\nextends: [a]\n", "extends:"),
    profile("profile-extends-self", "name: x\nextends: p.yaml\n", "circular"),
    profile(
        "profile-openapi-file-missing",
        "name: x\nopenapi: {enabled: true, file: /nonexistent/openapi.json}\n",
        "/nonexistent/openapi.json",
    ),
    # --- dast report --from ------------------------------------------------------------
    results("results-missing", None, "results file not found"),
    results("results-not-json", "<html>not json</html>", "is not valid JSON", "line 1 column 1"),
    results("results-truncated", json.dumps(_record())[:200], "is not valid JSON"),
    results("results-not-utf8", b"\xff\xfe{}", "is not UTF-8 text"),
    results("results-list", "[]", "must hold a JSON object, found a list"),
    results("results-version-3", _edit(3, "schema_version"), "has schema_version 3", "reads schema_version 1 or 2"),
    results("results-version-text", _edit("2", "schema_version"), 'has schema_version "2"'),
    results("results-version-bool", _edit(True, "schema_version"), "has schema_version true"),
    results("results-no-version", _edit(_DELETE, "schema_version"), "missing key 'schema_version'"),
    results("results-no-findings", _edit(_DELETE, "findings"), "missing key 'findings'"),
    results(
        "results-no-fingerprint",
        _edit(_DELETE, "findings", 0, "instances", 0, "fingerprint"),
        "missing key 'findings[0].instances[0].fingerprint'",
    ),
    results("results-no-engine-version", _edit(_DELETE, "engine", "version"), "missing key 'engine.version'"),
    results("results-count-text", _edit("many", "request_count"), "request_count: expected an integer"),
    results("results-count-float", _edit(1.5, "request_count"), "request_count: expected an integer"),
    results("results-phases-object", _edit({}, "phases"), "phases: expected a list, got an object"),
    results("results-bad-outcome", _edit("exploded", "phases", 0, "outcome"), "phases[0].outcome:"),
    results("results-bad-risk", _edit("Severe", "findings", 0, "risk"), "findings[0].risk:", "unknown risk"),
    results("results-risk-number", _edit(3, "findings", 0, "risk"), "findings[0].risk:"),
    results("results-bad-fail-on", _edit("sometimes", "fail_on"), "fail_on:"),
    results("results-cwe-null", _edit(None, "findings", 0, "cwe_id"), "findings[0].cwe_id: expected an integer, got null"),
    results("results-bad-completeness", _edit("partial", "completeness", "status"), "completeness.status:"),
    results("results-deep-nesting", '{"schema_version": 2, "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
    # --- triage: suppressions files, baselines, names (issue 9) --------------------------
    suppressions("suppressions-missing", None, "no such suppressions file", "--suppressions / DAST_SUPPRESSIONS"),
    suppressions("suppressions-yaml-syntax", "- rule: [\n", "s.yaml:2: YAML error"),
    suppressions("suppressions-not-list", "rule: 10038\n", "rule: unknown key (expected suppressions, overrides)"),
    suppressions("suppressions-scalar", "just text\n", "expected a list of suppressions"),
    suppressions("suppressions-item-scalar", "- 10038\n", "s.yaml:1: suppressions[0]: expected a mapping"),
    suppressions("suppressions-no-reason", "- rule: 10038\n", "s.yaml:1: suppressions[0].reason: required key is missing"),
    suppressions("suppressions-empty-reason", "- {rule: 10038, reason: '  '}\n", "suppressions[0].reason: must not be empty"),
    suppressions("suppressions-no-rule", "- reason: x\n", "suppressions[0].rule: required key is missing"),
    suppressions("suppressions-bad-rule", "- {rule: abc, reason: x}\n", "suppressions[0].rule: 'abc' is not a scan rule id"),
    suppressions("suppressions-bad-regex", "- {rule: 1, url: '(', reason: x}\n", "suppressions[0].url: invalid regular expression"),
    suppressions("suppressions-bad-method", "- {rule: 1, method: 'G T', reason: x}\n", "'G T' is not an HTTP method"),
    suppressions("suppressions-short-fingerprint", "- {rule: 1, fingerprint: 3f2a, reason: x}\n", "'3f2a' is not a fingerprint"),
    suppressions("suppressions-bad-date", "- {rule: 1, reason: x, expires: soon}\n", "suppressions[0].expires:"),
    suppressions("suppressions-impossible-date", "- {rule: 1, reason: x, expires: 2027-02-30}\n", "a date that does not exist"),
    suppressions("suppressions-unknown-key", "- {rule: 1, reason: x, colour: red}\n", "suppressions[0].colour: unknown key"),
    suppressions("suppressions-duplicate-key", "- rule: 1\n  rule: 2\n  reason: x\n", "s.yaml:2: YAML error: duplicate key 'rule'"),
    suppressions("suppressions-second-entry", "- {rule: 1, reason: ok}\n- {rule: 2}\n", "s.yaml:2: suppressions[1].reason"),
    suppressions("suppressions-list-not-list", "suppressions: {rule: 1}\n", "s.yaml: suppressions: expected a list"),
    suppressions("suppressions-not-utf8", b"- {rule: 1, reason: \xff}\n", "s.yaml: not UTF-8 text"),
    suppressions("suppressions-is-folder", "", "is a folder", path="{tmp}"),
    suppressions("overrides-bad-risk", "overrides:\n- {rule: 1, risk: critical}\n", "overrides[0].risk:"),
    suppressions("overrides-no-risk", "overrides:\n- {rule: 1}\n", "overrides[0].risk: required key is missing"),
    suppressions("overrides-fingerprint", "overrides:\n- {rule: 1, risk: low, fingerprint: " + "a" * 32 + "}\n", "overrides[0].fingerprint: unknown key"),
    profile("profile-suppression-no-reason", "name: x\nsuppressions:\n- {rule: 10038}\n", "suppressions.0.reason: required key is missing"),
    profile("profile-override-risk", "name: x\noverrides:\n- {rule: 1, risk: severe}\n", "overrides.0.risk:"),
    profile("profile-passive-rule-id", "name: x\npassive: {rules: [{id: x1}]}\n", "passive.rules.0.id:"),
    profile("profile-passive-threshold", "name: x\npassive: {rules: [{id: 1, threshold: SOMETIMES}]}\n", "passive.rules.0.threshold:"),
    scan("baseline-missing", (*T, "--baseline", "/nonexistent/results.json"), "baseline: results file not found", "--baseline / DAST_BASELINE"),
    scan("baseline-not-json", (*T, "--baseline", "{tmp}/b.json"), "baseline: results file", "is not valid JSON", files={"b.json": "<html>"}),
    scan("baseline-not-a-record", (*T, "--baseline", "{tmp}/b.json"), "missing key 'schema_version'", files={"b.json": "{}"}),
    scan("fail-on-new-alone", (*T, "--fail-on-new"), "--fail-on-new needs --baseline"),
    scan("env-fail-on-new-alone", T, "--fail-on-new needs --baseline", env={"DAST_FAIL_ON_NEW": "1"}),
    scan("name-spaces", (*T, "--name", "my app"), "'--name'", "is not a target name"),
    scan("name-slash", (*IMG, "--name", "team/shop"), "'--name'", "is not a target name"),
    scan("env-name", T, "'--name'", env={"DAST_NAME": "-x"}),
    scan("report-base-with-target", (*T, "--report-base-url", "http://shop/"), "--report-base-url goes with --image"),
    scan("report-base-ftp", (*IMG, "--report-base-url", "ftp://shop/"), "'--report-base-url'", "the report base must be an http(s) URL"),
    scan("report-base-query", (*IMG, "--report-base-url", "http://shop/?a=1"), "'--report-base-url'", "?query"),
    scan("report-base-credentials", (*IMG, "--report-base-url", "http://u:p4ss@shop/"), "'--report-base-url'", "credentials"),
    Case("report-suppressions-bad", ("--from", "{tmp}/results.json", "--suppressions", "{tmp}/s.yaml"), ("s.yaml:1: suppressions[0].reason",), files={"results.json": json.dumps(_record()), "s.yaml": "- rule: 1\n"}, command="report"),
    Case("report-baseline-bad", ("--from", "{tmp}/results.json", "--baseline", "{tmp}/b.json"), ("baseline: results file", "is not valid JSON"), files={"results.json": json.dumps(_record()), "b.json": "nope"}, command="report"),
    # --- code scanning placement, evidence (issue 10) -------------------------------------
    scan("sarif-anchor-absolute", (*T, "--sarif-anchor", "/srv/app/Dockerfile"), "'--sarif-anchor'", "not relative to the repository root"),
    scan("sarif-anchor-dotdot", (*T, "--sarif-anchor", "../other/Dockerfile"), "'--sarif-anchor'", "leaves the repository"),
    scan("sarif-anchor-url", (*T, "--sarif-anchor", "https://example.test/Dockerfile"), "'--sarif-anchor'", "not relative"),
    scan("sarif-anchor-file-uri", (*T, "--sarif-anchor", "file:///srv/Dockerfile"), "'--sarif-anchor'", "not relative"),
    scan("sarif-anchor-empty", (*T, "--sarif-anchor", " "), "'--sarif-anchor'", "must not be empty"),
    scan("sarif-anchor-backslash", (*T, "--sarif-anchor", "app\\views.py"), "'--sarif-anchor'", "characters a repository path cannot have"),
    scan("sarif-anchor-empty-segment", (*T, "--sarif-anchor", "app//views.py"), "'--sarif-anchor'", "empty or '.' segment"),
    scan("env-sarif-anchor", T, "'--sarif-anchor'", "leaves the repository", env={"DAST_SARIF_ANCHOR": "a/../../b"}),
    profile("profile-sarif-route-regex", "name: x\nsarif: {routes: {'(': app/a.py}}\n", "sarif.routes", "invalid regular expression"),
    profile("profile-sarif-route-absolute", "name: x\nsarif: {routes: {'^/a': /srv/app/a.py}}\n", "sarif.routes", "not relative to the repository root"),
    profile("profile-sarif-route-dotdot", "name: x\nsarif: {routes: {'^/a': ../a.py}}\n", "sarif.routes", "leaves the repository"),
    profile("profile-sarif-route-number", "name: x\nsarif: {routes: {'^/a': 5}}\n", "sarif.routes", "expected a file path"),
    profile("profile-sarif-routes-list", "name: x\nsarif: {routes: [app/a.py]}\n", "sarif.routes"),
    profile("profile-evidence-negative", "name: x\nevidence: {exchanges_per_rule: -1}\n", "evidence.exchanges_per_rule", "greater than or equal to 0"),
    profile("profile-evidence-word", "name: x\nevidence: {exchanges_per_rule: every}\n", "evidence.exchanges_per_rule"),
    profile("profile-evidence-too-many", "name: x\nevidence: {exchanges_per_rule: 5000}\n", "evidence.exchanges_per_rule", "less than or equal to 1000"),
    profile("profile-sarif-unknown-key", "name: x\nsarif: {anchor: Dockerfile}\n", "sarif.anchor: unknown key"),
    Case("report-sarif-anchor-bad", ("--from", "{tmp}/results.json", "--sarif-anchor", "/etc/x"), ("'--sarif-anchor'", "not relative"), files={"results.json": json.dumps(_record())}, command="report"),
    results("results-sarif-route-regex", _edit([{"pattern": "(", "path": "a.py"}], "sarif", "routes"), "sarif.routes[0]", "invalid regular expression"),
    results("results-sarif-anchor-absolute", _edit("/etc/passwd", "sarif", "anchor"), "sarif", "not relative to the repository root"),
    results("results-exchanges-object", _edit({}, "exchanges"), "exchanges: expected a list, got an object"),
    results("results-exchange-no-request", _edit([{"message_id": "1", "response": {"header": ""}}], "exchanges"), "missing key 'exchanges[0].request'"),
    results("results-replay-number", _edit(5, "findings", 0, "instances", 0, "replay"), "findings[0].instances[0].replay: expected a string, got a number"),
    results("results-body-length-text", _edit("big", "exchanges", 0, "response", "body_length"), "exchanges[0].response.body_length: expected an integer"),
    Case("report-fail-on-new-alone", ("--from", "{tmp}/results.json", "--fail-on-new"), ("--fail-on-new needs --baseline",), files={"results.json": _edit(None, "baseline")}, command="report"),
    # --- fleet files (issue 13): every target checked before anything starts ----------------
    fleet("fleet-missing-file", None, "nope.yaml: cannot read"),
    fleet("fleet-not-mapping", "- shop\n", "expected a mapping with a 'targets' list"),
    fleet("fleet-yaml-syntax", "targets: [\n", "YAML syntax error"),
    fleet("fleet-no-targets", "targets: []\n", "targets: no targets"),
    fleet("fleet-unknown-top-key", f"targets: [{_SHOP}]\ncolour: red\n", "colour: unknown key"),
    fleet("fleet-unknown-target-key", "targets: [{name: shop, url: 'http://127.0.0.1:9/', colour: red}]\n", "target 'shop': colour: unknown key"),
    fleet("fleet-no-name", "targets: [{url: 'http://127.0.0.1:9/'}]\n", "targets[0]: name: required key is missing"),
    fleet("fleet-bad-name", "targets: [{name: 'a b', url: 'http://127.0.0.1:9/'}]\n", "target 'a b': name:", "report folder"),
    fleet("fleet-name-reserved", "targets: [{name: index.html, url: 'http://127.0.0.1:9/'}]\n", "target 'index.html': name:", "fleet's own report file"),
    fleet("fleet-name-dotdot", "targets: [{name: '..', url: 'http://127.0.0.1:9/'}]\n", "target '..': name:"),
    fleet("fleet-duplicate-names", f"targets: [{_SHOP}, {_SHOP.replace('9/', '10/')}]\n", "target 'shop': name: given 2 times"),
    fleet("fleet-duplicate-url", "targets: [{name: a, url: 'http://127.0.0.1:9/'}, {name: b, url: 'http://127.0.0.1:9'}]\n", "is given to 2 targets"),
    fleet("fleet-url-and-image", "targets: [{name: shop, url: 'http://127.0.0.1:9/', image: 'shop:1', port: 80}]\n", "target 'shop':", "either url or image"),
    fleet("fleet-nothing", "targets: [{name: shop}]\n", "target 'shop':", "nothing to scan"),
    fleet("fleet-image-no-port", "targets: [{name: shop, image: 'shop:1'}]\n", "target 'shop':", "image needs port"),
    fleet("fleet-port-range", "targets: [{name: shop, image: 'shop:1', port: 70000}]\n", "target 'shop': port:", "less than or equal to 65535"),
    fleet("fleet-ftp-url", "targets: [{name: shop, url: 'ftp://127.0.0.1/'}]\n", "target 'shop': url:", "http(s) URL"),
    fleet("fleet-bad-fail-on", "targets: [{name: shop, url: 'http://127.0.0.1:9/', fail_on: severe}]\n", "target 'shop': fail_on:", "high, medium, low"),
    fleet("fleet-bad-profile", "targets: [{name: shop, url: 'http://127.0.0.1:9/', profile: nosuch}]\n", "target 'shop':", "no such profile"),
    fleet("fleet-bad-health-path", "targets: [{name: shop, url: 'http://127.0.0.1:9/', health_path: up}]\n", "target 'shop': health_path:"),
    fleet("fleet-second-target-bad", f"targets: [{_SHOP}, {{name: blog, url: 'http://127.0.0.1:10/', wait: 0}}]\n", "target 'blog': wait:"),
    fleet("fleet-auth-secret-missing", "targets: [{name: shop, url: 'http://127.0.0.1:9/', auth_header: 'Authorization: Bearer $DAST_TEST_NO_SUCH_TOKEN'}]\n", "target 'shop':", "DAST_TEST_NO_SUCH_TOKEN"),
    fleet("fleet-auth-literal-secret", "targets: [{name: shop, url: 'http://127.0.0.1:9/', auth_header: 'Authorization: Bearer abc'}]\n", "target 'shop':", "environment variable"),
    fleet("fleet-fail-on-new-alone", "targets: [{name: shop, url: 'http://127.0.0.1:9/', fail_on_new: true}]\n", "target 'shop':", "fail_on_new needs baseline"),
    fleet("fleet-bad-shard", f"targets: [{_SHOP}]\n", "--shard", "3/2", extra=("--shard", "3/2")),
    fleet("fleet-shard-word", f"targets: [{_SHOP}]\n", "--shard", "I/N", extra=("--shard", "half")),
    fleet("fleet-concurrency-zero", f"targets: [{_SHOP}]\n", "--concurrency must be 1-32", extra=("--concurrency", "0")),
    fleet("fleet-zap-docker", f"targets: [{_SHOP}]\n", "--zap docker cannot serve a fleet", extra=("--zap", "docker")),
]  # fmt: skip


def test_the_corpus_is_large_and_unique() -> None:
    assert len(CASES) >= 100, len(CASES)
    assert len({c.id for c in CASES}) == len(CASES)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"/" for p in folder.rglob("*")}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(
    case: Case, dast: Dast, started: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, content in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    for key, value in case.env.items():
        monkeypatch.setenv(key, value)
    before = _snapshot(tmp_path)
    args = [a.replace("{tmp}", str(tmp_path)) for a in case.args]
    has_out = any(a == "--out" for a in args)
    out = ["--out", str(tmp_path / "out")] if not has_out else []

    result = dast(case.command, *args, *out)

    assert_usage_error(result, *(f.replace("{tmp}", str(tmp_path)) for f in case.fragments))
    assert started == [], "nothing may be started for bad input"
    assert _snapshot(tmp_path) == before, "nothing may be written for bad input"
