"""The worker image (top-level Dockerfile) for integration tests: built once per session, run bounded.

Scans from the worker reach only containers these helpers start on user networks they create.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from engines import ROOT, ZAP_IMAGE, require_image

WORKER_IMAGE = "dast-worker:test"
WORKER_UID = 10002  # the Dockerfile's `dast` user
SOCKET = "/var/run/docker.sock"
RUN_TIMEOUT_S = 300  # one worker run: a scan of the demo app takes well under a minute
REPORTS = {"results.json", "junit.xml", "report.html", "results.sarif", "summary.md"}


def extra_ca_pem() -> str:
    """This machine reaches PyPI through a TLS-intercepting proxy; the build must trust its CA too."""
    folder = Path("/usr/local/share/ca-certificates")
    return "".join(p.read_text() for p in sorted(folder.glob("*.crt"))) if folder.is_dir() else ""


@functools.cache
def _build(client: Any) -> str:
    client.images.build(
        path=str(ROOT),
        tag=WORKER_IMAGE,
        buildargs={"ENGINE_IMAGE": ZAP_IMAGE, "EXTRA_CA_PEM": extra_ca_pem()},
        rm=True,
        forcerm=True,
    )
    return WORKER_IMAGE


def worker_image(client: Any) -> str:
    """Built FROM the local ZAP image (the engine is not assembled again); cached layers make it quick."""
    require_image(client, ZAP_IMAGE, "run: make images")
    return _build(client)


@dataclass(frozen=True)
class WorkerRun:
    exit_code: int
    stdout: str
    stderr: str

    def explain(self) -> str:
        return f"exit {self.exit_code}; stdout: {self.stdout[-1500:]}; stderr: {self.stderr[-3000:]}"


def output_folder(path: Path) -> Path:
    """A folder the worker's user can write, as a pipeline owner makes it (`mkdir`, then chown or --user)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.getuid() == 0:
        os.chown(path, WORKER_UID, WORKER_UID)
    return path


def run_user() -> str | None:
    """As root we hand the folder to the image's user; otherwise the worker runs as us (`--user`)."""
    return None if os.getuid() == 0 else f"{os.getuid()}:{os.getgid()}"


def run_worker(
    client: Any,
    command: Sequence[str],
    *,
    network: str | None = None,
    mounts: Mapping[str, str] | None = None,
    environment: Mapping[str, str] | None = None,
    socket: bool = False,
    entrypoint: Sequence[str] | None = None,
    user: str | None = None,
    working_dir: str | None = None,
    **docker_options: Any,
) -> WorkerRun:
    """`docker run --rm` of the worker image, bounded in time; the container is always removed.

    `docker_options` go to the SDK's `containers.run` as they are (read_only, tmpfs, mem_limit, ...).
    """
    volumes = {host: {"bind": inside, "mode": "rw"} for host, inside in (mounts or {}).items()}
    group_add: list[str] = []
    if socket:
        volumes[SOCKET] = {"bind": SOCKET, "mode": "rw"}
        group_add = [str(os.stat(SOCKET).st_gid)]  # the image's user reaches the socket through its group
    container = client.containers.run(
        worker_image(client),
        list(command),
        entrypoint=list(entrypoint) if entrypoint is not None else None,
        name=f"dast-test-worker-{secrets.token_hex(4)}",
        network=network,
        volumes=volumes,
        environment=dict(environment or {}),
        group_add=group_add or None,
        user=user or run_user() or "",
        working_dir=working_dir,
        detach=True,
        **docker_options,
    )
    try:
        try:
            status = container.wait(timeout=RUN_TIMEOUT_S)
        except Exception:  # the SDK raises a requests timeout here
            pytest.fail(f"the worker did not finish within {RUN_TIMEOUT_S} s")
        return WorkerRun(
            exit_code=int(status["StatusCode"]),
            stdout=container.logs(stdout=True, stderr=False).decode("utf-8", "replace"),
            stderr=container.logs(stdout=False, stderr=True).decode("utf-8", "replace"),
        )
    finally:
        container.remove(force=True)


@contextlib.contextmanager
def demo_on_user_network(client: Any, demo_image: str, alias: str = "demo") -> Iterator[str]:
    """A user network of the test's own with the demo app on it as `alias`; yields the network's name."""
    name = f"dast-test-net-{secrets.token_hex(4)}"
    network = client.networks.create(name, driver="bridge")
    demo = None
    try:
        demo = client.containers.run(
            demo_image,
            name=f"{name}-{alias}",
            network=name,
            detach=True,
            networking_config={name: client.api.create_endpoint_config(aliases=[alias])},
        )
        yield name
    finally:
        if demo is not None:
            demo.remove(force=True)
        network.remove()


def shell(lines: Sequence[str]) -> list[str]:
    """A `sh -c` command running `lines` as a CI runner does: stop at the first failing line."""
    return ["sh", "-c", "set -e\n" + "\n".join(lines)]


def quoted(*args: str) -> str:
    return shlex.join(args)
