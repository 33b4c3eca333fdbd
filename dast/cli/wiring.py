"""Choosing and building the concrete seams from the command line's options."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dast.cli.engine_choice import ZapChoice as ZapChoice  # re-exported: the seams' options name it
from dast.engine.docker import DockerProvider
from dast.engine.interface import EngineProvider
from dast.engine.local import LocalProvider
from dast.engine.remote import RemoteProvider
from dast.errors import EngineError, UsageError
from dast.target.container import ContainerSpec, ContainerTarget
from dast.target.health import DEFAULT_HEALTHY, HealthyStatuses
from dast.target.interface import TargetRuntime
from dast.target.url import UrlTarget

LOGGER = logging.getLogger("dast")


@dataclass(frozen=True)
class EngineOptions:
    choice: ZapChoice
    zap_url: str | None
    api_key: str | None
    zap_image: str
    run_id: str
    script_dir: str | None = None  # the rule pack's folder as the remote ZAP host sees it


ProviderFactories = Mapping[ZapChoice, Callable[[], EngineProvider]]


def provider_factories(options: EngineOptions) -> ProviderFactories:
    return {
        ZapChoice.REMOTE: lambda: RemoteProvider(options.zap_url, options.api_key, options.script_dir),
        ZapChoice.LOCAL: lambda: LocalProvider(run_id=options.run_id),
        ZapChoice.DOCKER: lambda: DockerProvider(options.zap_image, run_id=options.run_id),
    }


def build_engine(options: EngineOptions, factories: ProviderFactories | None = None) -> EngineProvider:
    candidates = factories if factories is not None else provider_factories(options)
    if options.choice is not ZapChoice.AUTO:
        if options.choice is not ZapChoice.REMOTE and options.zap_url:
            raise UsageError(f"--zap-url goes with --zap remote (or auto), not --zap {options.choice.value}")
        return candidates[options.choice]()
    # auto: an engine the user pointed at wins; then one we can start here.
    order = [ZapChoice.REMOTE] if options.zap_url else [ZapChoice.LOCAL, ZapChoice.DOCKER]
    reasons = []
    for choice in order:
        provider = candidates[choice]()
        reason = provider.availability()
        if reason is None:
            LOGGER.info(f"engine provider: {choice.value} (--zap auto)")
            return provider
        reasons.append(f"{choice.value}: {reason}")
    raise EngineError("no ZAP engine can serve: " + "; ".join(reasons))


@dataclass(frozen=True)
class TargetOptions:
    target_url: str | None
    image: str | None
    build_dir: Path | None
    build_args: tuple[str, ...]
    port: int | None
    health_path: str
    wait_s: float
    run_id: str
    healthy: HealthyStatuses = DEFAULT_HEALTHY


def build_target(options: TargetOptions, logs_sink: Callable[[str], None]) -> TargetRuntime:
    if options.target_url and (options.image or options.build_dir):
        raise UsageError("give either --target URL or --image/--build, not both")
    if options.target_url:
        return UrlTarget(options.target_url, options.health_path, options.wait_s, options.healthy)
    if not options.image and not options.build_dir:
        raise UsageError("nothing to scan: give --target URL, or --image IMAGE --port N")
    if options.port is None:
        raise UsageError("--image needs --port: the port the application listens on inside the container")
    if not 0 < options.port < 65536:
        raise UsageError(f"--port must be 1-65535, got {options.port}")
    build_args: dict[str, str] = {}
    for item in options.build_args:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--build-arg must look like KEY=VALUE, got {item!r}")
        build_args[key] = value
    if options.build_dir is not None and not options.build_dir.is_dir():
        raise UsageError(f"--build {options.build_dir}: no such folder")
    image = options.image or f"dast-target-{options.run_id}:latest"
    return ContainerTarget(
        ContainerSpec(
            image=image,
            port=options.port,
            run_id=options.run_id,
            build_context=options.build_dir,
            build_args=build_args,
            health_path=options.health_path,
            health_timeout_s=options.wait_s,
            healthy=options.healthy,
            logs_sink=logs_sink,
        )
    )
