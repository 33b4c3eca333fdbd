"""Shared Docker Engine access for the target runtime and the docker engine provider."""

from __future__ import annotations

import contextlib
from typing import Any

import docker.errors

import docker
from dast.errors import RuntimeUnavailableError
from dast.redact import redact

RUN_LABEL = "dev.dast.run"  # every container and network we create carries it, for cleanup checks


def docker_client(timeout_s: int = 120) -> Any:
    try:
        client = docker.from_env(timeout=timeout_s)  # type: ignore[attr-defined]
        client.ping()
    except docker.errors.DockerException as err:
        raise RuntimeUnavailableError(
            f"Docker Engine is not reachable ({_first_line(err)}); start dockerd, or scan a deployed app with --target"
        ) from None
    return client


def docker_availability() -> str | None:
    try:
        docker_client(timeout_s=5).close()
    except RuntimeUnavailableError as err:
        return str(err)
    return None


def remove_quietly(resource: Any) -> None:
    """Remove a container or network; cleanup must go on even if one removal fails."""
    with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
        if hasattr(resource, "stop") and hasattr(resource, "status"):
            resource.remove(force=True, v=True)
        else:
            resource.remove()


def exit_reason(container: Any) -> str | None:
    """None while the container is created or running, else how it ended and its last telling line."""
    container.reload()
    if container.status in ("created", "running"):
        return None
    tail = container.logs(tail=20).decode("utf-8", "replace").strip().splitlines()
    # A Java stack trace ends in noise; the ERROR / Exception line says what went wrong.
    telling = [line for line in tail if "ERROR" in line or "Exception" in line] or tail
    last = redact(telling[-1])[:300] if telling else "no output"
    return f"{container.status} (exit {container.attrs['State'].get('ExitCode')}): {last}"


def _first_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return text[0][:200] if text else type(err).__name__
