"""Shared Docker Engine access for the target runtime and the docker engine provider."""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from typing import Any

import docker.errors
import requests

import docker
from dast.errors import RuntimeUnavailableError
from dast.ownership import RUN_LABEL as RUN_LABEL  # re-exported: tests and older callers import it here
from dast.ownership import Owner
from dast.redact import redact

SCAN_HINT = "start dockerd, or scan an already deployed app by its URL"


def docker_client(timeout_s: int = 120, hint: str = SCAN_HINT) -> Any:
    try:
        client = docker.from_env(timeout=timeout_s)  # type: ignore[attr-defined]
        client.ping()
    except docker.errors.DockerException as err:
        raise RuntimeUnavailableError(
            f"Docker Engine is not reachable ({_first_line(err)}); {hint}"
        ) from None
    return client


def owned_labels(run_id: str) -> dict[str, str]:
    """Labels for a container or network this process creates for this run."""
    return Owner.current().labels(run_id)


def remove_owned(client: Any, run_id: str, names: Collection[str]) -> None:
    """Teardown's safety net: remove this process's containers and networks of this run by name.

    An interrupt can land after Docker created something but before we held it; looking it up
    by our own labels and its name finds it without touching anything another process made.
    """
    filters = {"label": Owner.current().label_filters(run_id)}
    with contextlib.suppress(docker.errors.DockerException, requests.RequestException):
        for container in client.containers.list(all=True, sparse=True, filters=filters):
            if container_name(container) in names:
                remove_quietly(container)
        for network in client.networks.list(filters=filters):
            if network.name in names:
                remove_quietly(network)


def container_name(container: Any) -> str:
    """The name of a container, also from `list(sparse=True)`, whose attrs have only `Names`."""
    names = container.attrs.get("Names") or [container.attrs.get("Name") or ""]
    return str(names[0]).lstrip("/")


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
