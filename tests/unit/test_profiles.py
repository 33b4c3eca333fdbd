"""Profiles: the bundled ones, `extends:` merging, the hash, and every way a profile can be wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from cli_support import assert_no_traceback, assert_usage_error
from typer.testing import Result

from dast.errors import ProfileError
from dast.profiles.loader import available_profiles, load_profile
from dast.profiles.model import Profile

BUNDLED = ["api", "baseline", "full", "nightly"]

Dast = Callable[..., Result]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- bundled profiles ---------------------------------------------------------------------


def test_bundled_profiles_are_the_documented_four() -> None:
    assert list(available_profiles()) == BUNDLED


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_profile_loads(name: str) -> None:
    loaded = load_profile(name)
    assert loaded.profile.name == name
    assert loaded.profile.description
    assert loaded.source.endswith(f"{name}.yaml")
    assert loaded.profile.max_duration > 0


def test_bundled_profiles_mean_what_their_names_say() -> None:
    baseline, full, nightly, api = (load_profile(n).profile for n in ("baseline", "full", "nightly", "api"))
    assert not baseline.active.enabled
    assert full.active.enabled and full.spider.enabled
    assert nightly.ajax_spider.enabled
    assert nightly.active.categories["injection"].strength == "HIGH"
    assert api.openapi.enabled and api.openapi.url == "/openapi.json"
    assert not api.spider.enabled
    # Phase budgets fit in the overall budget.
    for profile in (baseline, full, nightly, api):
        phases = profile.spider.max_duration + profile.passive.max_duration
        if profile.active.enabled:
            phases += profile.active.max_duration
        assert phases <= profile.max_duration


# --- extends ------------------------------------------------------------------------------


def test_extends_merges_nested_keys_and_replaces_lists(tmp_path: Path) -> None:
    write(
        tmp_path,
        "parent.yaml",
        "name: parent\n"
        "max_duration: 20m\n"
        "scope:\n  exclude: ['.*/logout.*', '.*/admin.*']\n  exclude_static_assets: true\n"
        "spider:\n  max_duration: 3m\n  max_depth: 4\n"
        "active:\n  enabled: true\n  strength: HIGH\n  rules:\n    - id: 40018\n    - id: 40012\n",
    )
    child = write(
        tmp_path,
        "child.yaml",
        "name: child\n"
        "extends: parent.yaml\n"  # relative to the child's own folder
        "scope:\n  exclude: ['.*/reset.*']\n"
        "spider:\n  max_depth: 9\n"
        "active:\n  rules:\n    - id: 6\n      strength: low\n",
    )
    loaded = load_profile(str(child))
    profile = loaded.profile
    assert profile.name == "child"
    assert profile.max_duration == 1200  # inherited
    assert profile.spider.max_depth == 9  # overridden
    assert profile.spider.max_duration == 180  # sibling key kept
    assert profile.scope.exclude == [".*/reset.*"]  # list replaced, not appended
    assert profile.scope.exclude_static_assets is True
    assert profile.active.enabled and profile.active.strength == "HIGH"
    assert [(r.id, r.strength) for r in profile.active.rules] == [("6", "LOW")]
    assert "extends" not in loaded.merged
    assert profile.extends is None


def test_extends_a_bundled_profile_by_name(tmp_path: Path) -> None:
    child = write(tmp_path, "mine.yaml", "name: mine\nextends: full\nactive:\n  max_duration: 1m\n")
    profile = load_profile(str(child)).profile
    assert profile.active.enabled  # from full
    assert profile.spider.max_duration == 120  # from baseline, two levels up
    assert profile.active.max_duration == 60
    assert profile.active.max_rule_duration == 300  # from full


def test_sha256_is_stable_and_tracks_content(tmp_path: Path) -> None:
    first = load_profile("full").sha256
    assert first == load_profile("full").sha256
    assert len(first) == 64 and int(first, 16) >= 0
    assert first != load_profile("baseline").sha256
    # Spelling does not matter, meaning does: 15m == 900 s.
    a = write(tmp_path, "a.yaml", "name: same\nactive:\n  max_duration: 15m\n")
    b = write(tmp_path, "b.yaml", "# comment\nactive: {max_duration: 900}\nname: same\n")
    c = write(tmp_path, "c.yaml", "name: same\nactive:\n  max_duration: 16m\n")
    assert load_profile(str(a)).sha256 == load_profile(str(b)).sha256
    assert load_profile(str(a)).sha256 != load_profile(str(c)).sha256


def test_extends_chain_too_long(tmp_path: Path) -> None:
    for n in range(12):
        write(tmp_path, f"p{n}.yaml", f"name: p{n}\nextends: p{n + 1}.yaml\n")
    write(tmp_path, "p12.yaml", "name: p12\n")
    with pytest.raises(ProfileError, match="chain longer than"):
        load_profile(str(tmp_path / "p0.yaml"))


# --- CLI: profiles list / show ------------------------------------------------------------


def test_profiles_show_full(dast: Dast, tmp_path: Path) -> None:
    result = dast("profiles", "show", "full")
    assert result.exit_code == 0, result.output
    first, _newline, body = result.output.partition("\n")
    assert first.startswith("# ") and "full.yaml" in first
    assert load_profile("full").sha256[:16] in first
    document = yaml.safe_load(body)
    assert document["name"] == "full"
    assert document["active"]["enabled"] is True
    assert document["active"]["max_duration"] == 900.0
    assert document["spider"]["max_duration"] == 120.0  # inherited from baseline, filled in
    assert "extends" not in document
    # What `show` prints is itself a valid profile, with the same hash.
    copy = write(tmp_path, "copy.yaml", result.output)
    assert load_profile(str(copy)).sha256 == load_profile("full").sha256


def test_profiles_show_unknown(dast: Dast) -> None:
    result = dast("profiles", "show", "nosuch")
    assert_usage_error(result, "nosuch: no such profile", "baseline")


def test_profiles_list(dast: Dast) -> None:
    result = dast("profiles", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == BUNDLED
    assert all("invalid" not in line for line in lines)


# --- bad profiles through `dast scan` -----------------------------------------------------

# (case id, file content, fragments expected in the single error line). "{path}" is the profile file.
BAD_PROFILES = [
    ("unknown-top-level-key", "name: p\nbogus: 1\n", ["{path}: bogus: unknown key"]),
    ("unknown-nested-key", "name: p\nspider:\n  max_dept: 3\n", ["{path}: spider.max_dept: unknown key"]),
    (
        "string-for-integer",
        "name: p\nspider:\n  max_depth: deep\n",
        ["{path}: spider.max_depth:", "valid integer"],
    ),
    ("max-depth-out-of-range", "name: p\nspider:\n  max_depth: 1000\n", ["spider.max_depth:", "100"]),
    (
        "bad-regex",
        "name: p\nscope:\n  exclude: ['(unclosed']\n",
        ["{path}: scope.exclude.0:", "invalid regular expression", "(unclosed"],
    ),
    (
        "duration-in-words",
        "name: p\nmax_duration: 5 minutes\n",
        ["{path}: max_duration:", "expected a duration such as 90s, 5m or 1h30m", "5 minutes"],
    ),
    (
        "negative-duration",
        "name: p\nspider:\n  max_duration: -5\n",
        ["{path}: spider.max_duration:", "cannot be negative"],
    ),
    ("nan-duration", "name: p\npassive:\n  max_duration: .nan\n", ["{path}: passive.max_duration:"]),
    ("zero-overall-duration", "name: p\nmax_duration: 0s\n", ["{path}: max_duration:", "more than 0"]),
    ("yaml-syntax", "name: p\nspider: [\n", ["{path}: YAML syntax error at line"]),
    ("tab-indented-yaml", "name: p\nspider:\n\tmax_depth: 3\n", ["{path}: YAML syntax error"]),
    ("top-level-list", "- name: p\n", ["{path}: expected a mapping of profile keys at the top level"]),
    ("top-level-scalar", "just words\n", ["{path}: expected a mapping of profile keys at the top level"]),
    ("empty-file", "", ["{path}: expected a mapping of profile keys at the top level"]),
    ("missing-name", "description: no name\n", ["{path}: name: required key is missing"]),
    ("bad-name", "name: 'my profile!'\n", ["{path}: name:"]),
    (
        "extends-missing-file",
        "name: p\nextends: ./gone.yaml\n",
        ["{path}: extends:", "gone.yaml: no such profile file"],
    ),
    (
        "extends-missing-name",
        "name: p\nextends: nosuch\n",
        ["{path}: extends:", "nosuch: no such profile", "baseline"],
    ),
    ("extends-not-a-name", "name: p\nextends: [full]\n", ["{path}: extends:", "name or path of a profile"]),
    ("circular-extends", "name: p\nextends: loop.yaml\n", ["{path}: extends: circular chain"]),
    (
        "openapi-without-source",
        "name: p\nopenapi:\n  enabled: true\n",
        ["{path}: openapi:", "neither url nor file is set"],
    ),
    (
        "openapi-two-sources",
        "name: p\nopenapi:\n  enabled: true\n  url: /o.json\n  file: o.json\n",
        ["{path}: openapi:", "not both"],
    ),
    (
        "bad-strength",
        "name: p\nactive:\n  strength: ultra\n",
        ["{path}: active.strength:", "'LOW', 'MEDIUM', 'HIGH' or 'INSANE'"],
    ),
    (
        "bad-category-threshold",
        "name: p\nactive:\n  categories:\n    injection:\n      threshold: max\n",
        ["{path}: active.categories.injection.threshold:", "'OFF', 'LOW', 'MEDIUM' or 'HIGH'"],
    ),
    ("unknown-category", "name: p\nactive:\n  categories:\n    xss: {}\n", ["{path}: active.categories.xss"]),
    (
        "rule-id-not-numeric",
        "name: p\nactive:\n  rules:\n    - id: sqli\n",
        ["{path}: active.rules.0.id:", "pattern"],
    ),
    (
        "rule-without-id",
        "name: p\nactive:\n  rules:\n    - enabled: false\n",
        ["active.rules.0.id:", "missing"],
    ),
    (
        "bad-rulepack-mode",
        "name: p\nrulepack: sometimes\n",
        ["{path}: rulepack:", "'auto', 'always' or 'never'"],
    ),
    ("bool-as-text", "name: p\nspider:\n  enabled: perhaps\n", ["{path}: spider.enabled:", "boolean"]),
    ("section-not-a-mapping", "name: p\nspider: 5\n", ["{path}: spider:"]),
]


@pytest.mark.parametrize(("content", "fragments"), [pytest.param(c, f, id=i) for i, c, f in BAD_PROFILES])
def test_bad_profile_is_a_one_line_usage_error(
    dast: Dast, tmp_path: Path, content: str, fragments: list[str]
) -> None:
    profile = write(tmp_path, "profile.yaml", content)
    write(tmp_path, "loop.yaml", "name: loop\nextends: profile.yaml\n")
    out = tmp_path / "out"
    result = dast("scan", "--target", "http://127.0.0.1:9/", "--profile", profile, "--out", out)
    assert_usage_error(result, *(f.replace("{path}", str(profile)) for f in fragments))
    assert not out.exists()
    assert result.stdout == ""  # errors go to stderr; nothing on stdout


def test_bad_profile_reports_every_problem(dast: Dast, tmp_path: Path) -> None:
    profile = write(tmp_path, "p.yaml", "name: p\nspider:\n  max_depth: deep\nactive:\n  strength: ultra\n")
    result = dast("scan", "--target", "http://127.0.0.1:9/", "--profile", profile, "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert_no_traceback(result)
    lines = [line for line in result.output.splitlines() if line.startswith("dast: error:")]
    assert len(lines) == 2
    assert "spider.max_depth" in lines[0] and "active.strength" in lines[1]
    assert not (tmp_path / "o").exists()


def test_unreadable_profile_path(dast: Dast, tmp_path: Path) -> None:
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    result = dast("scan", "--target", "http://x/", "--profile", folder, "--out", tmp_path / "out")
    assert_usage_error(result, "no such profile file")
    assert not (tmp_path / "out").exists()


def test_profile_not_utf8(dast: Dast, tmp_path: Path) -> None:
    profile = tmp_path / "latin1.yaml"
    profile.write_bytes("name: p\ndescription: caf\xe9\n".encode("latin-1"))
    result = dast("scan", "--target", "http://x/", "--profile", profile, "--out", tmp_path / "out")
    assert_usage_error(result, str(profile), "not UTF-8")


def test_model_rejects_unknown_keys_directly() -> None:
    with pytest.raises(ValueError, match="Extra inputs"):
        Profile.model_validate({"name": "x", "spidr": {}})
