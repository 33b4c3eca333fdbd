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

from dast.engine import traffic_guard

PACK = Path(__file__).resolve().parents[2] / "dast" / "engine" / "rulepack"
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
    # HTTP Sender scripts (the origin guard, the credential) are no rules.
    scripts = [p.name for p in PACK.glob("*.js") if not p.name.startswith("httpsender_")]
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
    scanner = {"active": "as", "passive": "ps"}[rule["type"]]
    signature = {
        "active": r"function scan\(as, msg, param, value\)",
        "passive": r"function scan\(ps, msg, src\)",
    }
    assert re.search(signature[rule["type"]], code)
    # Every alert chain starts with newAlert() and sets the plugin id first, from RULE.id only.
    chains = re.findall(r"\b(\w+)\.newAlert\(\)\s*\.(\w+)\(([^)]*)\)", code)
    assert chains, "script raises no alert"
    assert all(chain == (scanner, "setPluginId", "RULE.id") for chain in chains), chains
    assert len(re.findall(r"\.setPluginId\(", code)) == len(chains)
    assert len(re.findall(r"\.raise\(\)", code)) == len(chains)
    assert "raiseAlert(" not in code


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
