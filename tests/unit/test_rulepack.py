"""The rule pack's scripts agree with rules.yaml and stay within the pack's own rules.

The scripts are JavaScript for ZAP's Nashorn engine; they are read as text here, never executed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from fakes import CORE_CAPS, FakeClock, FakeProvider, FakeTarget, FakeZap, make_profile, shared_engine_scans
from pydantic import ValidationError

from dast.core.events import RecordingObserver
from dast.core.scan import ScanRequest, run_scan
from dast.engine import rulepack, traffic_guard
from dast.engine.rulepack import RuleError
from dast.models import Risk, RunRecord
from dast.profiles.model import CATEGORY_IDS
from dast.target.interface import RunningTarget

PACK = Path(__file__).resolve().parents[2] / "dast" / "engine" / "rulepack"
LIB = PACK / "lib" / "active.js"
# How an active script loads the shared library: from the folder dast names in a global variable, so it
# works wherever the pack is mounted on the ZAP host.
LIB_LOAD = (
    'load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") '
    '+ "/lib/active.js");'
)
DOCUMENT = yaml.safe_load((PACK / "rules.yaml").read_text(encoding="utf-8"))
RULES: list[dict[str, Any]] = DOCUMENT["rules"]
RISK = {"Informational": 0, "Low": 1, "Medium": 2, "High": 3}
CONFIDENCE = {"Low": 1, "Medium": 2, "High": 3}
# The only host a payload may name: reserved by RFC 2606, it never resolves.
PAYLOAD_HOST = "dast-redirect.invalid"
# References point at documentation only.
REFERENCE_HOSTS = {"owasp.org", "cheatsheetseries.owasp.org", "cwe.mitre.org", "developer.mozilla.org"}
# Passive rules that also scan the active scanner's messages (see the script for why).
SCANS_ATTACK_TRAFFIC = {90022}

_RULE_BLOCK = re.compile(r"^var RULE = \{\n(?P<body>.*?)\n\};\n", re.S | re.M)
_JS_STRING = r'"(?:[^"\\\n]|\\.)*"'
_RULE_FIELD = re.compile(rf"\b(?P<key>[a-z]+):\s*(?P<value>{_JS_STRING}|-?\d+)")
_STRING_LITERAL = re.compile(_JS_STRING + r"|'(?:[^'\\\n]|\\.)*'")
# scheme://host anywhere, or a scheme-relative //host at the start of a string ("....//etc" is a
# path); "http://" alone, completed with + HOST, names no host.
_URL_IN_STRING = re.compile(r"(?:\b[a-z][a-z0-9+.-]*:|^)//(?P<host>[a-z0-9][a-z0-9.-]*)", re.I)


def _ids(rule: dict[str, Any]) -> str:
    return f"{rule['id']}-{rule['file']}"


def _source(rule: dict[str, Any]) -> str:
    return (PACK / rule["file"]).read_text(encoding="utf-8")


def _rule_object(source: str) -> dict[str, Any]:
    """The script's top-level RULE object: string values decoded as JSON strings, numbers as ints."""
    match = _RULE_BLOCK.search(source)
    assert match, "no top-level `var RULE = {...};` block"
    fields: dict[str, Any] = {}
    for field in _RULE_FIELD.finditer(match.group("body")):
        value = field.group("value")
        fields[field.group("key")] = json.loads(value) if value.startswith('"') else int(value)
    return fields


def _code_without_rule_and_comments(source: str) -> str:
    code = _RULE_BLOCK.sub("", source)
    return "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("//"))


def test_pack_lists_every_script_once() -> None:
    files = [r["file"] for r in RULES]
    assert len(files) == len(set(files))
    assert len({r["id"] for r in RULES}) == len(RULES)
    # Rules are the ascan_/pscan_ scripts; HTTP Sender scripts (the origin guard, the credential),
    # standalone ones and the active rules' one entry script are no rules.
    scripts = [p.name for p in PACK.glob("*.js") if p.name.startswith(("ascan_", "pscan_"))]
    others = {p.name for p in PACK.glob("*.js")} - set(scripts)
    assert all(name.startswith(("httpsender_", "standalone_", "active_entry")) for name in others), others
    assert traffic_guard.SCRIPT_FILE.startswith("httpsender_")
    assert sorted(files) == sorted(scripts)


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_rule_object_matches_rules_yaml(rule: dict[str, Any]) -> None:
    path = PACK / rule["file"]
    assert path.is_file()
    js = _rule_object(_source(rule))
    for key in ("id", "name", "cwe", "wasc", "description", "solution"):
        assert js.get(key) == rule[key], key
    assert js["risk"] == RISK[rule["risk"]]
    assert js["confidence"] == CONFIDENCE[rule["confidence"]]
    assert js["reference"] == "\n".join(rule["references"])
    assert path.name.startswith({"active": "ascan_", "passive": "pscan_"}[rule["type"]] + f"{rule['id']}_")


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_texts_are_filled_in(rule: dict[str, Any]) -> None:
    for key in ("description", "solution"):
        text = rule[key]
        assert isinstance(text, str) and len(text) >= 80, key
        assert text == " ".join(text.split()), f"{key} has stray whitespace"


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_references_are_documentation_links(rule: dict[str, Any]) -> None:
    assert rule["references"]
    for url in rule["references"]:
        parts = urlsplit(url)
        assert parts.scheme == "https", url
        assert parts.hostname in REFERENCE_HOSTS, url


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_alerts_are_raised_under_the_rule_id(rule: dict[str, Any]) -> None:
    code = _code_without_rule_and_comments(_source(rule))
    signature = {
        "active": r"function scan(Node)?\(as, msg(, param, value)?\)",
        "passive": r"function scan\(ps, msg, src\)",
    }
    assert re.search(signature[rule["type"]], code)
    assert "raiseAlert(" not in code
    if rule["type"] == "active":
        # Active rules raise through the shared library, which sets the plugin id from RULE.id.
        assert LIB_LOAD in code
        assert ".newAlert(" not in code
        # Its own ctx.raise, or the shared time-based SQL flow (lib/sql_time.js), which raises the same way.
        assert re.search(r"\bctx\.raise\(|\bdastSqlTimeScan\(RULE, ", code), "script raises no alert"
        if "dastSqlTimeScan(" in code:
            assert LIB_LOAD.replace("active.js", "sql_time.js") in code
        return
    chains = re.findall(r"\b(\w+)\.newAlert\(\)\s*\.(\w+)\(([^)]*)\)", code)
    assert chains, "script raises no alert"
    assert all(chain == ("ps", "setPluginId", "RULE.id") for chain in chains), chains
    assert len(re.findall(r"\.setPluginId\(", code)) == len(chains)
    assert len(re.findall(r"\.raise\(\)", code)) == len(chains)


def test_the_library_raises_under_the_rules_id_and_never_follows_redirects() -> None:
    code = _code_without_rule_and_comments(LIB.read_text(encoding="utf-8"))
    chains = re.findall(r"\b(\w+(?:\.\w+)?)\.newAlert\(\)\s*\.(\w+)\(([^)]*)\)", code)
    assert chains == [("this.as", "setPluginId", "this.rule.id")]
    assert len(re.findall(r"\.raise\(\)", code)) == 1
    # The one place that sends: sendAndReceive(message, followRedirects=false, ...), counted first.
    sends = re.findall(r"sendAndReceive\(([^)]*)\)", code)
    assert sends == ["m, false, false"]
    assert code.index("dastCount(this.rule.id, ") < code.index("sendAndReceive(")


def test_active_scripts_send_only_through_the_library() -> None:
    for rule in (r for r in RULES if r["type"] == "active"):
        code = _code_without_rule_and_comments(_source(rule))
        assert "sendAndReceive(" not in code, rule["file"]


@pytest.mark.parametrize("rule", RULES, ids=_ids)
def test_no_payload_names_another_host(rule: dict[str, Any]) -> None:
    code = _code_without_rule_and_comments(_source(rule))
    for literal in _STRING_LITERAL.findall(code):
        for url in _URL_IN_STRING.finditer(literal[1:-1]):
            assert url.group("host") == PAYLOAD_HOST, literal
    # "http://" + HOST builds a payload from this constant.
    for match in re.finditer(rf"var HOST = ({_JS_STRING});", code):
        assert json.loads(match.group(1)) == PAYLOAD_HOST
    # Regular-expression literals that match a redirect target must name the same host.
    for host in re.findall(r"\[\\/\\\\\]\{2\}([\w\\.-]+)", code):
        assert host.replace("\\", "") == PAYLOAD_HOST


@pytest.mark.parametrize("rule", [r for r in RULES if r["type"] == "passive"], ids=_ids)
def test_only_chosen_passive_rules_see_attack_traffic(rule: dict[str, Any]) -> None:
    defines = "function appliesToHistoryType(" in _source(rule)
    assert defines == (rule["id"] in SCANS_ATTACK_TRAFFIC)


# --- strength, threshold and request counts -------------------------------------------------

ACTIVE = [r for r in RULES if r["type"] == "active"]
README = Path(__file__).resolve().parents[2] / "README.md"
_README_ROW = re.compile(r"^\| (?P<id>\d+) \| [^|]+ \|.*?((?: \d+ / \d+ \|){4})", re.M)


def _readme_counts() -> dict[str, list[tuple[int, int]]]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Rule pack") :]
    section = section[: section.index("\n### ", 1)]
    rows: dict[str, list[tuple[int, int]]] = {}
    for row in _README_ROW.finditer(section):
        cells = re.findall(r"(\d+) / (\d+)", row.group(2))
        rows[row.group("id")] = [(int(a), int(b)) for a, b in cells]
    return rows


@pytest.mark.parametrize("rule", ACTIVE, ids=_ids)
def test_declared_counts_grow_with_strength(rule: dict[str, Any]) -> None:
    counts = rulepack.declared_requests(str(rule["id"]))
    previous = rulepack.Requests(0, 0)
    for strength in rulepack.STRENGTHS:
        current = counts[strength]
        assert 1 <= current.clean <= current.most, strength
        assert current.clean >= previous.clean and current.most >= previous.most, strength
        previous = current


def test_readme_rule_pack_table_matches_the_scripts() -> None:
    table = _readme_counts()
    declared = {
        str(r["id"]): [
            (c.clean, c.most)
            for c in map(rulepack.declared_requests(str(r["id"])).get, rulepack.STRENGTHS)
            if c
        ]
        for r in ACTIVE
    }
    assert table == declared


def test_pack_vars_give_every_active_rule_its_levels_in_one_variable() -> None:
    levels = rulepack.ActiveLevels(
        strength="LOW", threshold="HIGH", per_rule={"40018": ("INSANE", None), "90020": (None, "LOW")}
    )
    values = rulepack.pack_vars("/mnt/pack", ["40018", "90020", "6"], levels)
    # ZAP keeps about 50 global variables in all: the pack uses six, however many rules it has.
    assert values == {
        rulepack.PACK_DIR_VAR: "/mnt/pack",
        rulepack.ACTIVE_VAR: "ascan_40018_sql_injection.js ascan_90020_os_command_injection.js ascan_6_path_traversal.js",
        rulepack.TIMING_UNIT_VAR: "500",
        rulepack.LEVELS_VAR: "40018=INSANE/HIGH 90020=LOW/LOW 6=LOW/HIGH",
        rulepack.REQUESTS_VAR: "",
        rulepack.ERRORS_VAR: "",
    }


def test_load_pack_sets_the_variables_before_the_first_script_loads() -> None:
    zap = FakeZap(CORE_CAPS)
    levels = rulepack.ActiveLevels(per_rule={"40003": (None, "OFF")}, timing_unit_s=0.25)
    loaded = rulepack.load_pack(zap, CORE_CAPS, "/zap/pack", include_active=True, levels=levels)
    names = zap.names()
    assert names.index("set_script_vars") < names.index("load_script")
    assert zap.script_vars[rulepack.PACK_DIR_VAR] == "/zap/pack"
    assert zap.script_vars[rulepack.TIMING_UNIT_VAR] == "250"
    # Threshold OFF: ZAP's meaning, the rule does not run at all.
    assert "40003" not in {r.rule_id for r in loaded}
    listed = dict(e.split("=") for e in zap.script_vars[rulepack.LEVELS_VAR].split())
    assert "40003" not in listed
    assert listed["90020"] == "MEDIUM/MEDIUM"
    assert set(listed) == {r.rule_id for r in loaded if r.kind == "active"}
    assert zap.script_vars[rulepack.REQUESTS_VAR] == ""


def test_rule_requests_reads_what_the_scripts_published() -> None:
    zap = FakeZap(CORE_CAPS)
    zap.script_vars[rulepack.REQUESTS_VAR] = "40018=17 6=junk 90035=3"
    assert rulepack.rule_requests(zap, ["40018", "6", "90020"]) == {"40018": 17, "6": 0, "90020": 0}
    assert rulepack.rule_requests(FakeZap(CORE_CAPS), ["6"]) == {"6": 0}


SHOP_ORIGIN, BLOG_ORIGIN = "http://127.0.0.1:8101", "http://127.0.0.1:8102"


def test_rule_requests_are_read_per_origin() -> None:
    zap = FakeZap(CORE_CAPS)
    zap.script_vars[rulepack.REQUESTS_VAR] = (
        f"40018@{SHOP_ORIGIN}=17 40018@{BLOG_ORIGIN}=4 6@{BLOG_ORIGIN}=2 6@[::1]:80=x"
    )
    assert rulepack.rule_requests(zap, ["40018", "6"], SHOP_ORIGIN) == {"40018": 17, "6": 0}
    assert rulepack.rule_requests(zap, ["40018", "6"], BLOG_ORIGIN) == {"40018": 4, "6": 2}
    assert rulepack.rule_requests(zap, ["40018", "6"]) == {"40018": 21, "6": 2}  # any origin


def test_rule_errors_are_read_per_origin() -> None:
    zap = FakeZap(CORE_CAPS)
    zap.script_vars[rulepack.ERRORS_VAR] = (
        f"40018@{SHOP_ORIGIN}=3:TypeError: x |40018@{BLOG_ORIGIN}=1:Error: y |6@{BLOG_ORIGIN}=2:Error: z"
    )
    assert rulepack.rule_errors(zap, SHOP_ORIGIN) == [RuleError("40018", 3, "TypeError: x")]
    assert rulepack.rule_errors(zap, BLOG_ORIGIN) == [
        RuleError("40018", 1, "Error: y"),
        RuleError("6", 2, "Error: z"),
    ]
    assert rulepack.rule_errors(zap) == [RuleError("40018", 4, "Error: y"), RuleError("6", 2, "Error: z")]


def _pack_scan(zap: FakeZap, profile: Any = None, **request: Any) -> RunRecord:
    """A scan through the fakes with the rule pack's folder known to the engine."""
    scan_request = ScanRequest(
        profile=profile or make_profile("full"), profile_sha256="0" * 64, fail_on=Risk.MEDIUM, **request
    )
    provider = FakeProvider(zap, script_dir="/zap/pack")
    return run_scan(scan_request, FakeTarget(), provider, RecordingObserver(), FakeClock())


def test_a_scan_records_the_requests_per_pack_rule() -> None:
    zap = FakeZap(CORE_CAPS)
    zap.script_vars[rulepack.REQUESTS_VAR] = "40018=7"
    profile = make_profile("full", active={"strength": "HIGH", "rules": [{"id": 6, "strength": "LOW"}]})
    record = _pack_scan(zap, profile)
    # load_pack emptied the counters; the fake's scripts "sent" nothing after that.
    assert set(record.rule_requests) == {r.rule_id for r in record.rules if r.kind == "active"}
    assert set(record.rule_requests.values()) == {0}
    listed = dict(e.split("=") for e in zap.script_vars[rulepack.LEVELS_VAR].split())
    assert listed["40018"] == "HIGH/MEDIUM" and listed["6"] == "LOW/MEDIUM"
    assert RunRecord.from_dict(record.to_dict()).rule_requests == record.rule_requests


def test_the_profile_bounds_the_time_unit_and_hands_it_to_the_scripts() -> None:
    profile = make_profile("full", active={"timing_unit": 0.25})
    assert profile.active.timing_unit == 0.25
    for bad in (0, 10):
        with pytest.raises(ValidationError, match="timing_unit"):
            make_profile("full", active={"timing_unit": bad})


@pytest.mark.parametrize("rule", ACTIVE, ids=_ids)
def test_active_rules_name_one_of_zaps_categories(rule: dict[str, Any]) -> None:
    assert rule.get("category") in CATEGORY_IDS


def test_a_rules_own_level_beats_its_categorys_which_beats_the_profiles() -> None:
    levels = rulepack.ActiveLevels(
        strength="LOW",
        threshold="MEDIUM",
        per_rule={"40018": ("INSANE", None)},
        per_category={"injection": ("HIGH", "LOW")},
    )
    assert levels.of("40018") == ("INSANE", "LOW")  # own strength, the category's threshold
    assert levels.of("90020") == ("HIGH", "LOW")  # injection
    assert levels.of("6") == ("LOW", "MEDIUM")  # server_security: the profile's


def test_the_library_reads_and_writes_the_variables_dast_sets_and_reads() -> None:
    code = LIB.read_text(encoding="utf-8")
    for name in (rulepack.LEVELS_VAR, rulepack.REQUESTS_VAR, rulepack.TIMING_UNIT_VAR):
        assert f'"{name}"' in code, name
    assert f'getGlobalVar("{rulepack.PACK_DIR_VAR}")' in LIB_LOAD


class _ThrowingRuleZap(FakeZap):
    """An engine whose runner recorded a rule that threw while the active scan ran."""

    def __init__(self, errors: str) -> None:
        super().__init__(CORE_CAPS)
        self.errors = errors

    def start_active_scan(self, url: str, context_id: str, policy_name: str) -> str:
        self.script_vars[rulepack.ERRORS_VAR] = self.errors
        return super().start_active_scan(url, context_id, policy_name)


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("", []),
        (
            "40018=3:TypeError: x is undefined",
            ["rule 40018 failed 3 time(s) in the engine: TypeError: x is undefined"],
        ),
        (
            "6=1:Error: boom |90020=12:ReferenceError: y",
            [
                "rule 6 failed 1 time(s) in the engine: Error: boom",
                "rule 90020 failed 12 time(s) in the engine: ReferenceError: y",
            ],
        ),
        ("junk |40012=x:not a count", []),
    ],
)
def test_a_rule_that_threw_makes_the_scan_incomplete(published: str, expected: list[str]) -> None:
    zap = _ThrowingRuleZap(published)
    record = _pack_scan(zap)
    failed = [r for r in record.completeness.reasons if r.startswith("rule ")]
    assert failed == expected
    assert record.completeness.complete == (not expected)


def test_a_rules_error_message_is_rebased_and_redacted() -> None:
    zap = _ThrowingRuleZap("40018=1:Error at http://127.0.0.1:8080/search?token=abcdef0123456789abcdef")
    record = _pack_scan(zap, target_name="shop", report_base_url="http://shop/")
    (reason,) = [r for r in record.completeness.reasons if r.startswith("rule ")]
    assert reason.startswith("rule 40018 failed 1 time(s) in the engine: Error at http://shop/search?token=")
    assert "abcdef0123456789abcdef" not in reason


def test_a_failed_entry_script_means_no_active_rule_ran_and_the_scan_is_incomplete() -> None:
    zap = FakeZap(CORE_CAPS)
    zap.failed_scripts.add(rulepack.ACTIVE_ENTRY_SCRIPT)
    record = _pack_scan(zap)
    assert (
        "the rule pack's active_entry.js failed in the engine: no active rule ran"
        in record.completeness.reasons
    )
    assert not record.completeness.complete


def test_a_baseline_scan_does_not_ask_about_the_entry_script() -> None:
    zap = FakeZap(CORE_CAPS)
    zap.failed_scripts.add(rulepack.ACTIVE_ENTRY_SCRIPT)
    record = _pack_scan(zap, make_profile("baseline"))
    assert "script_failed" not in zap.names()
    assert not [r for r in record.completeness.reasons if "active_entry" in r]


class _SharedCountingZap(FakeZap):
    """A shared engine whose runner counts 5 requests of rule 40018 per active scan; in the first one it threw."""

    def __init__(self) -> None:
        super().__init__(CORE_CAPS)
        self.active_scans = 0

    def start_active_scan(self, url: str, context_id: str, policy_name: str) -> str:
        self.active_scans += 1
        self.script_vars[rulepack.REQUESTS_VAR] = f"40018={5 * self.active_scans}"
        if self.active_scans == 1:
            self.script_vars[rulepack.ERRORS_VAR] = "40018=1:Error: boom"
        return super().start_active_scan(url, context_id, policy_name)


def test_on_a_shared_engine_each_scan_counts_only_what_the_counters_grew_by_while_it_ran() -> None:
    zap = _SharedCountingZap()
    first, second = shared_engine_scans(
        zap, make_profile("full"), [("shop", FakeTarget()), ("blog", FakeTarget())], script_dir="/zap/pack"
    )

    assert first.rule_requests["40018"] == second.rule_requests["40018"] == 5  # not 10 for the second
    assert "rule 40018 failed 1 time(s) in the engine: Error: boom" in first.completeness.reasons
    # The first scan's error is not the second's: it ran after it, with no error of its own.
    assert not [r for r in second.completeness.reasons if r.startswith("rule ")]


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        ([], [RuleError("6", 2, "a")], [RuleError("6", 2, "a")]),
        ([RuleError("6", 2, "a")], [RuleError("6", 2, "a")], []),
        ([RuleError("6", 2, "a")], [RuleError("6", 5, "b")], [RuleError("6", 3, "b")]),
        (
            [RuleError(rulepack.EVERY_RULE, 1, "x")],
            [RuleError(rulepack.EVERY_RULE, 1, "x")],
            [RuleError(rulepack.EVERY_RULE, 1, "x")],
        ),
    ],
    ids=["new", "unchanged", "grown", "entry-script-stays-failed"],
)
def test_errors_since_an_earlier_reading(
    before: list[RuleError], now: list[RuleError], expected: list[RuleError]
) -> None:
    assert rulepack.errors_since(before, now) == expected


class _NeighbourZap(FakeZap):
    """A shared engine where another target's scan, running beside this one, sent requests and threw."""

    def start_active_scan(self, url: str, context_id: str, policy_name: str) -> str:
        self.script_vars[rulepack.REQUESTS_VAR] = f"40018@{SHOP_ORIGIN}=7 40018@{BLOG_ORIGIN}=3"
        self.script_vars[rulepack.ERRORS_VAR] = f"40018@{BLOG_ORIGIN}=1:Error: boom"
        return super().start_active_scan(url, context_id, policy_name)


def test_on_a_shared_engine_a_target_reads_its_own_origins_counts_not_its_neighbours() -> None:
    shop = FakeTarget(RunningTarget(host_url=SHOP_ORIGIN + "/"))

    (record,) = shared_engine_scans(
        _NeighbourZap(CORE_CAPS), make_profile("full"), [("shop", shop)], script_dir="/zap/pack"
    )

    assert record.rule_requests["40018"] == 7
    assert not [r for r in record.completeness.reasons if r.startswith("rule ")]  # blog's error is blog's
