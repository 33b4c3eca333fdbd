"""How this process reaches the containers it starts: it depends on where it runs relative to the engine.

- HOST: on the Docker Engine's own machine. Ports are published on 127.0.0.1 and reached there.
- CONTAINER: in a container of that same engine (its socket mounted). The host's 127.0.0.1 is not ours,
  so dast joins the scan's network itself and reaches each container by name and container port.
- REMOTE: the engine is elsewhere (DOCKER_HOST=tcp://docker:2376, e.g. GitLab's docker-in-docker
  service). Ports are published on the engine host's interfaces and reached at DOCKER_HOST's host name.
"""

from __future__ import annotations

import enum
import ipaddress
import os
import re
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.1"
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - only on a remote engine's host, the one way to reach it from here
MOUNTINFO = Path("/proc/self/mountinfo")
CGROUP = Path("/proc/self/cgroup")
# Docker bind-mounts /etc/hostname, /etc/hosts and /etc/resolv.conf from .../containers/<id>/ into each
# container. Only those mount points count: on the engine's host other containers' mounts may show.
_OWN_FILES = frozenset({"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"})
_MOUNT_SOURCE_ID = re.compile(r"/containers/([0-9a-f]{64})/")
_CGROUP_ID = re.compile(r"(?:/docker/|docker-)([0-9a-f]{64})\b")  # this process's own cgroup
_SHORT_ID = re.compile(r"^[0-9a-f]{12}$")


class Placement(enum.StrEnum):
    HOST = "host"
    CONTAINER = "container"
    REMOTE = "remote"


@dataclass(frozen=True)
class DockerReach:
    placement: Placement
    host: str = LOOPBACK  # where published ports are reached from here
    bind: str = LOOPBACK  # the address ports are published on, on the engine's machine
    container_id: str | None = None  # this process's own container (CONTAINER only)

    def ports(self, container_port: int) -> dict[str, tuple[str, None]]:
        """Port publishing for a container we start: none needed when we reach it by name."""
        if self.placement is Placement.CONTAINER:
            return {}
        return {f"{container_port}/tcp": (self.bind, None)}

    def url(self, name: str, container_port: int, published_port: int | None) -> str:
        """The base URL (no trailing slash) of a container's port, as this process reaches it."""
        if self.placement is Placement.CONTAINER:
            return f"http://{name}:{container_port}"
        if published_port is None:
            raise ValueError("a published port is needed outside a container of the engine")
        return f"http://{_url_host(self.host)}:{published_port}"

    def engine_network_mode(self) -> str | None:
        """The network a ZAP container uses when there is no target network: where the target's URL works.

        HOST: the host's network (the URL may be on the host's loopback). CONTAINER: ours, so the engine
        sees the target exactly as we do. REMOTE: the engine host's default bridge, ports published.
        """
        if self.placement is Placement.HOST:
            return "host"
        if self.placement is Placement.CONTAINER:
            return f"container:{self.container_id}"
        return None


def remote_docker_host(docker_host: str) -> str | None:
    """The engine's host name in DOCKER_HOST when it is reached over the network, else None."""
    parts = urlsplit(docker_host.strip())
    if parts.scheme not in ("tcp", "http", "https", "ssh") or not parts.hostname:
        return None
    return parts.hostname


def own_container_ids(mountinfo: str, cgroup: str = "", hostname: str = "") -> list[str]:
    """Ids this process's container may have, most telling first (full ids, then the short hostname)."""
    from_mounts = []
    for line in mountinfo.splitlines():
        fields = line.split()  # id, parent, major:minor, root (source path), mount point, ...
        if len(fields) > 4 and fields[4] in _OWN_FILES:
            from_mounts += _MOUNT_SOURCE_ID.findall(fields[3])
    found = list(dict.fromkeys(from_mounts + _CGROUP_ID.findall(cgroup)))
    if _SHORT_ID.match(hostname):
        found.append(hostname)  # Docker's default hostname is the short id
    return found


def detect_reach(
    env: Mapping[str, str],
    candidate_ids: Iterable[str],
    running_container: Callable[[str], str | None],
) -> DockerReach:
    """Where this process is relative to the engine.

    `running_container(id)` asks the engine for a running container by (short) id and returns its
    full id, or None: an id found in our own mounts is ours only if this engine knows it.
    """
    remote = remote_docker_host(env.get("DOCKER_HOST", ""))
    if remote is not None:
        bind = LOOPBACK if _is_loopback(remote) else ALL_INTERFACES
        return DockerReach(Placement.REMOTE, host=remote, bind=bind)
    for candidate in candidate_ids:
        full_id = running_container(candidate)
        if full_id:
            return DockerReach(Placement.CONTAINER, container_id=full_id)
    return DockerReach(Placement.HOST)


def docker_reach(client: object) -> DockerReach:
    """`detect_reach` for this process, asking the engine behind `client` (a docker SDK client)."""
    import docker.errors

    def running_container(container_id: str) -> str | None:
        try:
            container = client.containers.get(container_id)  # type: ignore[attr-defined]
        except docker.errors.DockerException:
            return None
        return str(container.id) if container.status == "running" else None

    candidates = own_container_ids(_read(MOUNTINFO), _read(CGROUP), socket.gethostname())
    return detect_reach(os.environ, candidates, running_container)


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace")
    except OSError:
        return ""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
