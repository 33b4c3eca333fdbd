"""`--zap auto`: which provider serves, and the one line when none can."""

from __future__ import annotations

import logging

import pytest
from fakes import FakeProvider

from dast.cli.wiring import EngineOptions, ZapChoice, build_engine
from dast.errors import EngineError


class _Provider(FakeProvider):
    def __init__(self, name: str, reason: str | None) -> None:
        super().__init__()
        self.name = name
        self.reason = reason

    def availability(self) -> str | None:
        return self.reason


def options(choice: ZapChoice = ZapChoice.AUTO, zap_url: str | None = None) -> EngineOptions:
    return EngineOptions(choice=choice, zap_url=zap_url, api_key="k" * 8, zap_image="zap:test", run_id="r1")


def factories(local: str | None, docker: str | None, remote: str | None = None) -> dict[ZapChoice, object]:
    return {
        ZapChoice.LOCAL: lambda: _Provider("local", local),
        ZapChoice.DOCKER: lambda: _Provider("docker", docker),
        ZapChoice.REMOTE: lambda: _Provider("remote", remote),
    }


@pytest.mark.parametrize(
    ("local", "docker", "zap_url", "chosen"),
    [
        (None, None, None, "local"),
        ("no java on PATH", None, None, "docker"),
        (None, None, "http://zap.internal:8080", "remote"),
    ],
)
def test_auto_picks_the_first_provider_that_can_serve_and_says_which(
    local: str | None,
    docker: str | None,
    zap_url: str | None,
    chosen: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(logging.getLogger("dast"), "propagate", True)  # so caplog sees it
    with caplog.at_level(logging.INFO, logger="dast"):
        provider = build_engine(options(zap_url=zap_url), factories(local, docker))  # type: ignore[arg-type]
    assert provider.name == chosen
    assert f"engine provider: {chosen} (--zap auto)" in caplog.text


def test_auto_with_nothing_available_explains_each_reason() -> None:
    with pytest.raises(EngineError) as raised:
        build_engine(options(), factories("ZAP engine not installed", "Docker Engine is not reachable"))  # type: ignore[arg-type]
    assert str(raised.value) == (
        "no ZAP engine can serve: local: ZAP engine not installed; docker: Docker Engine is not reachable"
    )


def test_an_explicit_choice_is_taken_without_probing() -> None:
    provider = build_engine(options(ZapChoice.DOCKER), factories("broken", "broken"))  # type: ignore[arg-type]
    assert provider.name == "docker"
