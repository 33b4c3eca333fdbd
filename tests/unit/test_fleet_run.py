"""`dast fleet run` with fakes at the seams: one warm engine, contexts per target, failures kept apart."""

from __future__ import annotations

import json
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from fakes import FakeProvider, FakeTarget, FakeZap, alert, http_message, make_profile
from typer.testing import CliRunner

from dast.cli.app import app
from dast.cli.environment import Environment
from dast.cli.wiring import EngineOptions, TargetOptions
from dast.core.events import RecordingObserver
from dast.core.scan import ScanRequest
from dast.engine.interface import EngineProvider
from dast.errors import TargetError
from dast.fleet.groups import Member, group_members
from dast.fleet.model import load_fleet
from dast.fleet.runner import FleetHooks, FleetTarget, run_fleet
from dast.fleet.shard import Shard
from dast.gate import Outcome
from dast.models import RunRecord
from dast.target.interface import RunningTarget, TargetRuntime

SHOP, BLOG, WIKI = "http://127.0.0.1:8101/", "http://127.0.0.1:8102/", "http://127.0.0.1:8103/"


class SitesZap(FakeZap):
    """A shared engine that answers per site, as ZAP does by base URL (thread-safe for the fleet)."""

    def __init__(self, alerts_by_site: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        everything = [a for site in alerts_by_site.values() for a in site]
        recorded = [
            http_message(f"GET {a['url']} HTTP/1.1\r\n\r\n", message_id=int(a["messageId"]))
            for a in everything
        ]
        super().__init__(alerts=everything, recorded=recorded, passive_queue=(0,))
        self._lock = threading.Lock()

    def _record(self, name: str, *args: Any) -> None:
        with self._lock:
            super()._record(name, *args)

    def alerts(self, base_url: str, start: int, count: int) -> list[Mapping[str, Any]]:
        self._record("alerts", base_url, start, count)
        mine = [dict(a) for a in self.canned_alerts if str(a["url"]).startswith(base_url)]
        return mine[start : start + count]

    def alert_count(self, base_url: str) -> int:
        self._record("alert_count", base_url)
        return sum(1 for a in self.canned_alerts if str(a["url"]).startswith(base_url))

    def urls(self, base_url: str) -> list[str]:
        self._record("urls", base_url)
        return [base_url, base_url + "about"]


def _alerts() -> dict[str, list[dict[str, Any]]]:
    return {
        SHOP: [alert(url=SHOP + "cart?id=1", pluginId="40012", name="XSS", risk="High", messageId="11")],
        BLOG: [alert(url=BLOG + "post", pluginId="10038", name="CSP", risk="Medium", messageId="22")],
        WIKI: [alert(url=WIKI + "page", pluginId="10021", name="XCTO", risk="Low", messageId="33")],
    }


def _request(name: str, **profile: Any) -> ScanRequest:
    return ScanRequest(
        profile=make_profile("baseline", **profile), profile_sha256="0" * 64, fail_on=None, target_name=name
    )


def _run(
    targets: list[FleetTarget], provider: EngineProvider, concurrency: int = 2
) -> tuple[list[RunRecord], list[str]]:
    done: list[str] = []
    records = run_fleet(
        targets,
        lambda: provider,
        concurrency,
        FleetHooks(
            observer_for=lambda _name: RecordingObserver(), finished=lambda t, _r: done.append(t.name)
        ),
    )
    return records, done


def test_one_engine_serves_every_target_each_in_its_own_context() -> None:
    zap = SitesZap(_alerts())
    provider = FakeProvider(zap)
    targets = [
        FleetTarget(name, _request(name), FakeTarget(RunningTarget(host_url=url)), url=url)
        for name, url in (("shop", SHOP), ("blog", BLOG), ("wiki", WIKI))
    ]

    records, done = _run(targets, provider)

    assert provider.started == 1 and provider.stopped == 1
    assert zap.names().count("new_session") == 1, "a new session is global: once per engine"
    contexts = [args[0] for args in zap.called("create_context")]
    assert sorted(contexts) == ["dast-blog", "dast-shop", "dast-wiki"]
    assert sorted(done) == ["blog", "shop", "wiki"]
    # The origin guard, closed at first, lets the engine reach every admitted target.
    assert zap.called("apply_traffic_policy")[0][0].origins == ()
    assert set(zap.script_vars["dast.guard.origins"].split()) == {
        "http://127.0.0.1:8101",
        "http://127.0.0.1:8102",
        "http://127.0.0.1:8103",
    }
    # Each record holds its own site's findings and exchanges, nothing of the others'.
    by_name = {r.target.name: r for r in records}
    for name, url in (("shop", SHOP), ("blog", BLOG), ("wiki", WIKI)):
        record = by_name[name]
        assert record.error == ""
        urls = [i.url for f in record.findings for i in f.instances]
        assert urls and all(u.startswith(url) for u in urls), (name, urls)
        text = json.dumps(record.to_dict())
        for other in {SHOP, BLOG, WIKI} - {url}:
            assert other not in text, (name, other)
        assert record.rules, "the shared engine's rules are in every record"


def test_a_failing_target_is_recorded_and_the_others_go_on() -> None:
    provider = FakeProvider(SitesZap(_alerts()))
    broken = FakeTarget(start_error=TargetError("the app never became healthy"))
    targets = [
        FleetTarget("shop", _request("shop"), FakeTarget(RunningTarget(host_url=SHOP)), url=SHOP),
        FleetTarget("broken", _request("broken"), broken, url=None),
        FleetTarget("blog", _request("blog"), FakeTarget(RunningTarget(host_url=BLOG)), url=BLOG),
    ]

    records, done = _run(targets, provider)

    assert [r.target.name or "broken" for r in records] == ["shop", "broken", "blog"]
    assert "never became healthy" in records[1].error
    assert records[0].error == records[2].error == ""
    assert sorted(done) == ["blog", "broken", "shop"]
    assert provider.stopped == 1


def test_an_engine_that_cannot_start_fails_its_targets_only() -> None:
    provider = FakeProvider(start_error=TargetError("no engine here"))
    targets = [FleetTarget("shop", _request("shop"), FakeTarget(RunningTarget(host_url=SHOP)), url=SHOP)]

    records, _ = _run(targets, provider)

    assert "no engine here" in records[0].error


def test_engine_groups_follow_engine_wide_settings_auth_and_origin() -> None:
    base = make_profile("baseline")
    slower = make_profile("baseline", rate={"max_rps": 5})
    members = [
        Member(base, False, SHOP),
        Member(base, False, BLOG),
        Member(slower, False, WIKI),  # another pace: another engine
        Member(base, True, None),  # auth: an engine of its own
        Member(base, False, SHOP + "admin/"),  # shop's origin again: not on shop's engine
        Member(base, False, None),
        Member(make_profile("baseline", ajax_spider={"enabled": True}), False, None),  # one at a time
    ]
    assert group_members(members) == [0, 0, 1, 2, 3, 0, 4]


@pytest.mark.parametrize("count", [1, 2, 3, 5])
@pytest.mark.parametrize("size", [0, 1, 4, 10, 11])
def test_shards_cover_the_fleet_exactly_once_in_near_equal_shares(count: int, size: int) -> None:
    names = [f"t{i:02d}" for i in range(size)][::-1]
    shares = [Shard(i, count).select(names) for i in range(1, count + 1)]
    covered = sorted(p for share in shares for p in share)
    assert covered == list(range(size))
    assert max(map(len, shares)) - min(map(len, shares)) <= 1
    # Stable whatever the file's order: the same names land in the same share.
    shuffled = sorted(names)
    for i, share in enumerate(shares, start=1):
        assert {names[p] for p in share} == {shuffled[p] for p in Shard(i, count).select(shuffled)}


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "a/b", "1", "-1/2"])
def test_bad_shards_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"shard|I/N"):
        Shard.parse(text)


# --- through the CLI ------------------------------------------------------------------------------


def _fleet_environment(zap: FakeZap, broken_url: str) -> Environment:
    def engine(_options: EngineOptions) -> EngineProvider:
        return FakeProvider(zap)

    def target(options: TargetOptions, _sink: Any) -> TargetRuntime:
        assert options.target_url is not None
        if options.target_url == broken_url:
            return FakeTarget(start_error=TargetError("target never became healthy"))
        return FakeTarget(RunningTarget(host_url=options.target_url))

    return Environment(engine_factory=engine, target_factory=target, sweep=list, environ=lambda: {})


def _fleet_file(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.yaml"
    path.write_text(
        "targets:\n"
        f"  - {{name: shop, url: '{SHOP}', fail_on: never}}\n"
        f"  - {{name: broken, url: 'http://127.0.0.1:8199/', fail_on: never}}\n"
        f"  - {{name: blog, url: '{BLOG}', fail_on: never}}\n",
        encoding="utf-8",
    )
    return path


def test_cli_fleet_writes_folders_index_and_one_junit_and_exits_3(tmp_path: Path) -> None:
    env = _fleet_environment(SitesZap(_alerts()), "http://127.0.0.1:8199/")
    out = tmp_path / "out"

    result = CliRunner().invoke(
        app, ["fleet", "run", str(_fleet_file(tmp_path)), "--concurrency", "2", "--out", str(out)], obj=env
    )

    assert result.exit_code == 3, result.output
    for name in ("shop", "blog", "broken"):
        assert (out / name / "results.json").is_file()
    assert json.loads((out / "broken" / "results.json").read_text())["error"]
    index = (out / "index.html").read_text()
    assert 'href="shop/report.html"' in index and "never became healthy" in index
    junit = ET.parse(out / "junit-fleet.xml").getroot()
    names = {s.get("name") for s in junit.findall("testsuite")}
    assert {"shop", "blog", "broken"} <= names
    suites = {s.get("name"): s for s in junit.findall("testsuite")}
    assert suites["broken"].find("testcase[@name='dast scan']/error") is not None
    assert suites["shop"].get("errors") == suites["blog"].get("errors") == "0"
    assert int(junit.get("tests", "0")) == sum(int(s.get("tests", "0")) for s in suites.values())
    assert "broken: scan failed" in result.stderr


def test_cli_fleet_outcome_takes_the_scan_precedence_over_all_targets(tmp_path: Path) -> None:
    env = _fleet_environment(SitesZap(_alerts()), "http://127.0.0.1:8199/")
    path = tmp_path / "fleet.yaml"
    path.write_text(
        f"targets:\n  - {{name: shop, url: '{SHOP}', fail_on: high}}\n"
        "  - {name: broken, url: 'http://127.0.0.1:8199/'}\n",
        encoding="utf-8",
    )

    result = CliRunner().invoke(app, ["fleet", "run", str(path), "--out", str(tmp_path / "o")], obj=env)

    assert result.exit_code == 1, result.output  # shop's High finding wins over broken's error
    assert f"fleet: {Outcome.FAILED.value}" in result.stdout


def test_cli_fleet_shards_split_the_targets(tmp_path: Path) -> None:
    env = _fleet_environment(SitesZap(_alerts()), "none")
    path = _fleet_file(tmp_path)
    seen = []
    for shard in ("1/2", "2/2"):
        out = tmp_path / shard.replace("/", "-")
        result = CliRunner().invoke(
            app, ["fleet", "run", str(path), "--shard", shard, "--out", str(out)], obj=env
        )
        assert result.exit_code == 0, result.output
        seen += sorted(p.name for p in out.iterdir() if p.is_dir())
    assert sorted(seen) == ["blog", "broken", "shop"]


def test_the_readme_fleet_example_is_a_valid_fleet_file(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    section = readme[readme.index("\n## Fleet") : readme.index("\n## Development")]
    (example,) = re.findall(r"```yaml\n(.*?)```", section, re.S)
    path = tmp_path / "fleet.yaml"
    path.write_text(example, encoding="utf-8")
    assert [t.name for t in load_fleet(path).targets] == ["shop", "blog", "api"]
