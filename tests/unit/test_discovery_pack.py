"""The node-level rules of the pack (0, 10095, 40034, 40035, 40014's page pass, 40012's multipart forms).

The scripts are JavaScript for ZAP's Nashorn engine; they are read as text here, never executed (the
engine test tests/integration/test_discovery_rules.py runs them).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dast.engine import rulepack

PACK = Path(__file__).resolve().parents[2] / "dast" / "engine" / "rulepack"
LIB = PACK / "lib"
_LOAD = 'load(Java.type("org.zaproxy.zap.extension.script.ScriptVars").getGlobalVar("dast.rulepack.dir") + "/lib/{}");'
_COUNTS = re.compile(r"(?P<level>[A-Z]+): \[(?P<clean>\d+), (?P<most>\d+)\]")
# ZAP 2.11.1's ScriptVars: keys of at most 30 characters.
MAX_KEY = 30


def _script(name: str) -> str:
    return (PACK / name).read_text(encoding="utf-8")


def _scripts() -> list[str]:
    return sorted(p.name for p in PACK.glob("ascan_*.js"))


def _functions(library: str) -> set[str]:
    text = (LIB / library).read_text(encoding="utf-8")
    return set(re.findall(r"^function (dast\w+)\(", text, re.M)) | set(
        re.findall(r"^var (dast\w+) =", text, re.M)
    )


def _counts(source: str, var: str) -> dict[str, tuple[int, int]]:
    line = re.search(rf"^var {var} = \{{(.*)\}};$", source, re.M)
    assert line, f"no {var} line"
    return {m["level"]: (int(m["clean"]), int(m["most"])) for m in _COUNTS.finditer(line[1])}


@pytest.mark.parametrize("name", _scripts())
def test_a_node_rule_also_defines_the_parameter_function(name: str) -> None:
    # ZAP calls scanNode only through its ActiveScript2 interface, which needs both functions.
    source = _script(name)
    if "function scanNode(as, msg)" in source:
        assert re.search(r"^function scan\(as, msg, param, value\) \{", source, re.M)


@pytest.mark.parametrize("name", _scripts())
@pytest.mark.parametrize("library", ["nodes.js", "discovery.js", "multipart.js"])
def test_a_script_loads_the_library_whose_helpers_it_calls(name: str, library: str) -> None:
    source = _script(name)
    calls = {f for f in _functions(library) if re.search(rf"\b{f}\(", source)}
    # Loaded exactly when used: directly, or by multipart.js, which needs discovery.js.
    needed = bool(calls) or (library == "discovery.js" and _LOAD.format("multipart.js") in source)
    assert needed == (_LOAD.format(library) in source), calls
    if calls and library != "nodes.js":  # nodes.js needs nothing; the others need active.js first
        assert source.index(_LOAD.format("active.js")) < source.index(_LOAD.format(library))


def test_the_libraries_load_in_order() -> None:
    # multipart.js uses discovery.js's and nodes.js's helpers; discovery.js uses active.js's and nodes.js's.
    multipart = (LIB / "multipart.js").read_text(encoding="utf-8")
    discovery = (LIB / "discovery.js").read_text(encoding="utf-8")
    assert {"dastGet", "dastClaim"} <= {f for f in _functions("discovery.js") if f in multipart}
    assert {"dastPath", "dastSpiderFormPost"} <= {f for f in _functions("nodes.js") if f in multipart}
    assert {"dastStrip", "dastStatus"} <= {f for f in _functions("active.js") if f in discovery}
    for name in _scripts():
        source = _script(name)
        loads = [
            lib
            for lib in ("nodes.js", "active.js", "discovery.js", "multipart.js")
            if _LOAD.format(lib) in source
        ]
        positions = [source.index(_LOAD.format(lib)) for lib in loads]
        if "discovery.js" in loads:
            assert positions == sorted(positions) or loads[:2] == ["nodes.js", "active.js"], name
            assert source.index(_LOAD.format("active.js")) < source.index(_LOAD.format("discovery.js")), name


@pytest.mark.parametrize("name", _scripts())
def test_node_rules_load_the_libraries_only_for_a_node_with_work(name: str) -> None:
    # ZAP 2.11.1 evaluates every active script afresh for every node: top-level loads cost every time.
    source = _script(name)
    if _LOAD.format("nodes.js") not in source or name.startswith("ascan_40012_"):
        return
    top_level = [line for line in source.splitlines() if line.startswith("load(")]
    assert top_level == [_LOAD.format("nodes.js")]
    body = source[source.index("function scanNode(as, msg) {") :]
    assert body.index("dastUnclaimed(") < body.index("libraries();")


def test_10095_folder_counts_grow_with_strength_and_have_names_enough() -> None:
    source = _script("ascan_10095_backup_files.js")
    folder = _counts(source, "FOLDER_REQUESTS")
    assert list(folder) == list(rulepack.STRENGTHS)
    cleans = [folder[s][0] for s in rulepack.STRENGTHS]
    assert cleans == sorted(cleans) and all(clean * 2 == most for clean, most in folder.values())
    config_names = re.search(r"^var CONFIG_BACKUPS = \[\n(.*?)\n\];", source, re.M | re.S)
    assert config_names and len(re.findall(r'"[^"]+"', config_names[1])) >= folder["INSANE"][0]
    copies = re.search(r"^function copies\(name\) \{.*?return \[\n(.*?)\n  \];", source, re.M | re.S)
    assert copies
    names = [n.strip() for n in copies[1].replace("\n", ",").split(",") if n.strip()]
    assert len(names) >= rulepack.declared_requests("10095")["INSANE"].clean


@pytest.mark.parametrize(("rule", "var"), [("40034", "NAMES"), ("40035", "FILES")])
def test_folder_rules_have_names_enough_for_every_strength(rule: str, var: str) -> None:
    source = _script(next(n for n in _scripts() if n.startswith(f"ascan_{rule}_")))
    block = re.search(rf"^var {var} = \[\n?(.*?)\n?\];", source, re.M | re.S)
    assert block
    entries = re.findall(r'\{ name: "|"\.env[^"]*"', block[1])
    assert len(entries) >= rulepack.declared_requests(rule)["INSANE"].clean
    # At most two requests per name: the name, then the soft-404 comparison after a 200.
    for counts in rulepack.declared_requests(rule).values():
        assert counts.most == 2 * counts.clean


def test_state_and_setting_keys_fit_zaps_limit() -> None:
    for path in [*LIB.glob("*.js"), *PACK.glob("ascan_*.js")]:
        for key in re.findall(r'(?:Global(?:Custom)?Var)\("([^"]+)"', path.read_text(encoding="utf-8")):
            assert len(key) <= MAX_KEY, (path.name, key)
    nodes = (LIB / "nodes.js").read_text(encoding="utf-8")
    assert len(re.search(r'var DAST_STATE_VAR = "([^"]+)";', nodes)[1]) <= MAX_KEY  # type: ignore[index]
