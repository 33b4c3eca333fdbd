"""Stable identities: the target's name, URLs under a stable base, the same instance chosen every run."""

from __future__ import annotations

import random

import pytest
from fakes import FakeClock, FakeProvider, FakeTarget, FakeZap, alert, make_profile

from dast.core.events import RecordingObserver
from dast.core.findings import build_findings
from dast.core.scan import ScanRequest, run_scan
from dast.identity import check_name, default_name, rebase, rebase_text
from dast.models import Risk, RunRecord
from dast.target.interface import RunningTarget

ENGINE = "http://127.0.0.1:40001/"


@pytest.mark.parametrize(
    ("image", "build", "url", "name"),
    [
        ("registry.example:5000/team/shop:1.4@sha256:" + "a" * 64, None, None, "shop"),
        ("dast-demo:test", None, None, "dast-demo"),
        (None, "/src/demo-app", None, "demo-app"),
        (None, None, "https://Staging.Shop.example:8443/app/", "staging.shop.example"),
        (None, None, "http://127.0.0.1:8080/", "127.0.0.1"),
    ],
)
def test_default_name(image: str | None, build: str | None, url: str | None, name: str) -> None:
    assert default_name(image, build, url) == name
    assert check_name(name) == name


@pytest.mark.parametrize("bad", ["", "has space", "-dash-first", "a/b", "x" * 101])
def test_a_name_is_a_plain_token(bad: str) -> None:
    with pytest.raises(ValueError):
        check_name(bad)


@pytest.mark.parametrize(
    ("url", "engine", "base", "expected"),
    [
        (f"{ENGINE}a/b?x=1", ENGINE, "http://shop/", "http://shop/a/b?x=1"),
        (ENGINE, ENGINE, "http://shop/", "http://shop/"),
        (f"{ENGINE}x", ENGINE, "https://shop.example/app/", "https://shop.example/app/x"),
        ("http://app:8000/p/x", "http://app:8000/p/", "http://shop/q/", "http://shop/q/x"),
        ("http://elsewhere/x", ENGINE, "http://shop/", "http://elsewhere/x"),  # another origin stays
        (f"{ENGINE}x", ENGINE, "", f"{ENGINE}x"),
    ],
)
def test_rebase(url: str, engine: str, base: str, expected: str) -> None:
    assert rebase(url, engine, base) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"Sent to {ENGINE}guestbook in name; shown on {ENGINE}.",
            "Sent to http://shop/guestbook in name; shown on http://shop/.",
        ),
        (f"<a href='{ENGINE}x?a=1'>", "<a href='http://shop/x?a=1'>"),
        ("ping 127.0.0.1;cat /etc/passwd", "ping 127.0.0.1;cat /etc/passwd"),  # a value, not the origin
        (f"{ENGINE.rstrip('/')}0/x", f"{ENGINE.rstrip('/')}0/x"),  # another port that starts alike
        ("", ""),
    ],
)
def test_rebase_text_names_the_engines_origin_in_free_text(text: str, expected: str) -> None:
    assert rebase_text(text, ENGINE, "http://shop/") == expected


def scan(zap: FakeZap, base: str = "", in_network: bool = False) -> RunRecord:
    request = ScanRequest(
        profile=make_profile("baseline"),
        profile_sha256="0" * 64,
        fail_on=Risk.MEDIUM,
        target_name="shop",
        report_base_url=base,
    )
    running = RunningTarget(host_url=ENGINE, network="net", network_url="http://app:8000/")
    provider = FakeProvider(zap, in_network=in_network)
    return run_scan(request, FakeTarget(running), provider, RecordingObserver(), FakeClock())


def test_the_record_names_urls_under_the_base_and_keeps_the_engines_url_once() -> None:
    zap = FakeZap(alerts=[alert(url="http://app:8000/about?x=1"), alert(url="http://app:8000/", param="p")])
    record = scan(zap, base="http://shop/", in_network=True)
    assert (record.target.url, record.target.engine_url, record.target.name) == (
        "http://shop/",
        "http://app:8000/",
        "shop",
    )
    assert sorted(i.url for f in record.findings for i in f.instances) == [
        "http://shop/",
        "http://shop/about?x=1",
    ]


def test_without_a_base_the_record_names_the_url_the_engine_reached() -> None:
    record = scan(FakeZap(alerts=[alert(url=f"{ENGINE}about")]))
    assert record.target.url == record.target.engine_url == ENGINE
    assert record.findings[0].instances[0].url == f"{ENGINE}about"


def test_the_instance_kept_for_a_fingerprint_does_not_depend_on_the_engines_order() -> None:
    # One fingerprint (rule, method, path, parameter), raised from three attack requests.
    alerts = [
        alert(pluginId="90022", url=f"{ENGINE}products?id=%3Cscript%3E", param="", messageId="7"),
        alert(pluginId="90022", url=f"{ENGINE}products?id=2%27", param="", messageId="9"),
        alert(pluginId="90022", url=f"{ENGINE}products?id=http%3A%2F%2Fx", param="", messageId="8"),
    ]
    kept = set()
    for seed in range(6):
        shuffled = alerts[:]
        random.Random(seed).shuffle(shuffled)
        (finding,) = build_findings(shuffled)
        kept.add(finding.instances[0].url)
    assert kept == {f"{ENGINE}products?id=2%27"}, "the shortest URL, every time"
