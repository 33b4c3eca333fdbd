"""Where dast runs relative to the Docker Engine decides how it reaches what it starts (dast.docker_reach).

There is no docker-in-docker image here, so the remote engine (DOCKER_HOST=tcp://docker:2376) is tested
at this seam; the in-container case also runs for real in tests/integration/test_worker_image.py.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dast.cli.container_hint import unwritable_folder_hint
from dast.docker_reach import (
    ALL_INTERFACES,
    LOOPBACK,
    DockerReach,
    Placement,
    detect_reach,
    own_container_ids,
    remote_docker_host,
)
from dast.errors import TargetError
from dast.target.container import ContainerSpec, ContainerTarget

OWN_ID = "3f0bee1fc6e85fb0695558f7d2affc5da8fca1bde83e26852d3c6f548ca3844d"
OTHER_ID = "9" * 64
MOUNTINFO_IN_CONTAINER = f"""\
129 1 0:52 / / rw,relatime - overlay overlay rw
146 129 254:0 /var/lib/docker/containers/{OWN_ID}/resolv.conf /etc/resolv.conf rw - ext4 /dev/vda rw
147 129 254:0 /var/lib/docker/containers/{OWN_ID}/hostname /etc/hostname rw - ext4 /dev/vda rw
148 129 254:0 /var/lib/docker/containers/{OWN_ID}/hosts /etc/hosts rw - ext4 /dev/vda rw
"""
# On the engine's host, other containers' mounts can show in our mount table: they are not us.
MOUNTINFO_ON_HOST = f"""\
29 1 254:0 / / rw,relatime - ext4 /dev/vda rw
301 29 0:60 / /var/lib/docker/containers/{OTHER_ID}/mounts/shm rw - tmpfs shm rw
"""


def no_container(_id: str) -> str | None:
    return None


@pytest.mark.parametrize(
    ("docker_host", "expected"),
    [
        ("tcp://docker:2376", "docker"),
        ("tcp://10.1.2.3:2375", "10.1.2.3"),
        ("ssh://ci@build-host", "build-host"),
        ("tcp://[fd00::5]:2376", "fd00::5"),
        ("unix:///var/run/docker.sock", None),
        ("", None),
        ("npipe:////./pipe/docker_engine", None),
    ],
)
def test_remote_docker_host_is_the_host_name_of_a_network_docker_host(
    docker_host: str, expected: str | None
) -> None:
    assert remote_docker_host(docker_host) == expected


def test_gitlab_docker_in_docker_publishes_on_the_engine_host_and_reaches_it_there() -> None:
    reach = detect_reach({"DOCKER_HOST": "tcp://docker:2376"}, [OWN_ID], lambda _id: OWN_ID)
    assert reach == DockerReach(Placement.REMOTE, host="docker", bind=ALL_INTERFACES)
    # The engine host's 127.0.0.1 is not this job's: ports go on its interfaces, reached by its name.
    assert reach.ports(8000) == {"8000/tcp": (ALL_INTERFACES, None)}
    assert reach.url("dast-target-r1", 8000, 49153) == "http://docker:49153"
    assert reach.engine_network_mode() is None  # the engine host's default bridge, port published


def test_a_remote_engine_on_loopback_keeps_ports_on_loopback() -> None:
    reach = detect_reach({"DOCKER_HOST": "tcp://127.0.0.1:2375"}, [], no_container)
    assert reach.bind == LOOPBACK and reach.url("x", 8000, 40000) == "http://127.0.0.1:40000"
    reach = detect_reach({"DOCKER_HOST": "tcp://[::1]:2375"}, [], no_container)
    assert reach.bind == LOOPBACK and reach.url("x", 8000, 40000) == "http://[::1]:40000"


def test_in_a_container_of_the_engine_it_reaches_containers_by_name_without_publishing() -> None:
    candidates = own_container_ids(MOUNTINFO_IN_CONTAINER, "0::/\n", "3f0bee1fc6e8")
    assert candidates == [OWN_ID, "3f0bee1fc6e8"]
    reach = detect_reach({}, candidates, lambda cid: OWN_ID if OWN_ID.startswith(cid) else None)
    assert reach == DockerReach(Placement.CONTAINER, container_id=OWN_ID)
    assert reach.ports(8000) == {}
    assert reach.url("dast-target-r1", 8000, None) == "http://dast-target-r1:8000"
    # Without a target network ZAP shares this container's network, so it sees the target as we do.
    assert reach.engine_network_mode() == f"container:{OWN_ID}"


def test_a_cgroup_v1_path_names_the_container_too() -> None:
    cgroup = f"12:memory:/docker/{OWN_ID}\n0::/system.slice/docker-{OWN_ID}.scope\n"
    assert own_container_ids("", cgroup, "ci-runner-7") == [OWN_ID]


def test_on_the_engines_host_other_containers_mounts_do_not_make_it_a_container() -> None:
    candidates = own_container_ids(MOUNTINFO_ON_HOST, "0::/user.slice\n", "build-host")
    assert candidates == []
    reach = detect_reach({}, candidates, lambda _id: OTHER_ID)
    assert reach == DockerReach(Placement.HOST)
    assert reach.ports(8000) == {"8000/tcp": (LOOPBACK, None)}
    assert reach.url("dast-target-r1", 8000, 40000) == "http://127.0.0.1:40000"
    assert reach.engine_network_mode() == "host"


def test_an_id_this_engine_does_not_know_is_not_ours() -> None:
    # e.g. a container of another engine, whose socket is not the one mounted
    candidates = own_container_ids(MOUNTINFO_IN_CONTAINER, "", "")
    assert detect_reach({}, candidates, no_container).placement is Placement.HOST


def test_outside_a_container_a_published_port_is_required() -> None:
    with pytest.raises(ValueError, match="published port"):
        DockerReach(Placement.HOST).url("x", 8000, None)


def test_the_unwritable_folder_hint_names_the_way_out_only_in_the_worker_image() -> None:
    hint = unwritable_folder_hint(Path("/work"), env={"DAST_WORKER_IMAGE": "1"}, uid=10002)
    assert "/work is not writable by uid 10002" in hint
    assert '--user "$(id -u):$(id -g)"' in hint and "\n" not in hint
    assert unwritable_folder_hint(Path("/work"), env={}, uid=10002) == ""


# ContainerTarget against a remote engine, through a fake Docker client: the port is published on the
# engine host's interfaces and the health URL polled at DOCKER_HOST's host. The "engine host" is this
# machine's loopback, where a tiny HTTP server plays the app.


class _Healthy(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def app_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


class _FakeNetwork:
    def __init__(self, name: str, calls: list[str]) -> None:
        self.name, self._calls = name, calls

    def connect(self, container_id: str) -> None:
        self._calls.append(f"connect {container_id}")

    def disconnect(self, container_id: str, force: bool = False) -> None:
        self._calls.append(f"disconnect {container_id}")

    def remove(self) -> None:
        self._calls.append(f"remove network {self.name}")


class _FakeContainer:
    def __init__(self, host_port: int, calls: list[str], exits: bool) -> None:
        self.status, self.ports, self.attrs = "created", {}, {"State": {"ExitCode": 3}}
        self._host_port, self._calls, self._exits = host_port, calls, exits

    def start(self) -> None:
        self.status = "exited" if self._exits else "running"
        self.ports = {"8000/tcp": [{"HostIp": ALL_INTERFACES, "HostPort": str(self._host_port)}]}

    def reload(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def logs(self, **_kwargs: Any) -> bytes:
        return b""

    def remove(self, force: bool = False, v: bool = False) -> None:
        self._calls.append("remove container")


class _FakeDocker:
    """Just what ContainerTarget asks of the docker SDK client."""

    def __init__(self, host_port: int, exits: bool = False) -> None:
        self.calls: list[str] = []
        self.created: dict[str, Any] = {}
        outer = self

        class Images:
            def get(self, name: str) -> Any:
                return type("Image", (), {"id": "sha256:" + "a" * 64})()

        class Networks:
            def create(self, name: str, **_kwargs: Any) -> _FakeNetwork:
                outer.calls.append(f"create network {name}")
                return _FakeNetwork(name, outer.calls)

            def list(self, **_kwargs: Any) -> list[Any]:
                return []

        class Containers:
            def create(self, image: str, **kwargs: Any) -> _FakeContainer:
                outer.created = kwargs
                return _FakeContainer(host_port, outer.calls, exits)

            def list(self, **_kwargs: Any) -> list[Any]:
                return []

        class Api:
            def create_endpoint_config(self, **kwargs: Any) -> dict[str, Any]:
                return kwargs

        self.images, self.networks, self.containers, self.api = Images(), Networks(), Containers(), Api()

    def close(self) -> None:
        self.calls.append("close")


def test_container_target_on_a_remote_engine_publishes_there_and_polls_the_engine_host(app_port: int) -> None:
    client = _FakeDocker(app_port)
    remote = DockerReach(Placement.REMOTE, host="127.0.0.1", bind=ALL_INTERFACES)
    target = ContainerTarget(
        ContainerSpec(image="shop:1", port=8000, run_id="r1", health_path="/healthz", health_timeout_s=5),
        client_factory=lambda: client,
        reach_of=lambda _client: remote,
    )
    with target.start(timeout_s=5) as running:
        assert client.created["ports"] == {"8000/tcp": (ALL_INTERFACES, None)}
        assert running.host_url == f"http://127.0.0.1:{app_port}/"
        assert running.network_url == "http://target:8000/"  # an engine on the scan network uses this
        assert running.check_alive() is None
    assert "connect" not in " ".join(client.calls)  # not a container of that engine: nothing to join
    assert client.calls[-3:] == ["remove container", "remove network dast-r1", "close"]


def test_container_target_in_a_container_joins_the_network_and_leaves_before_removing_it() -> None:
    client = _FakeDocker(1, exits=True)
    inside = DockerReach(Placement.CONTAINER, container_id=OWN_ID)
    target = ContainerTarget(
        ContainerSpec(image="shop:1", port=8000, run_id="r2"),
        client_factory=lambda: client,
        reach_of=lambda _client: inside,
    )
    # The app exits at once (so its name is never looked up); joining and leaving happen on that path
    # as on every other.
    with pytest.raises(TargetError, match="target stopped before it became healthy"), target.start(5):
        pass
    assert client.created["ports"] == {}
    assert client.calls.index(f"connect {OWN_ID}") < client.calls.index(f"disconnect {OWN_ID}")
    assert client.calls.index(f"disconnect {OWN_ID}") < client.calls.index("remove network dast-r2")
