"""The worker image as a pipeline runs it: no socket (ZAP inside), a socket (`--image`), a bad folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from engines import ZAP_IMAGE, leftovers, new_run_id
from worker import REPORTS, WORKER_UID, demo_on_user_network, output_folder, run_worker, worker_image

pytestmark = pytest.mark.engine


def test_worker_image_is_non_root_and_carries_the_engine(docker_client: Any) -> None:
    image = docker_client.images.get(worker_image(docker_client))
    assert image.attrs["Config"]["User"] == "dast", "the worker does not run as root"
    assert image.attrs["Config"]["Entrypoint"] == ["dast"]
    status = run_worker(docker_client, ["engine", "status"])
    assert status.exit_code == 0, status.explain()
    assert "local:  ready" in status.stdout, status.stdout  # ZAP is in the image: no socket needed
    identity = run_worker(docker_client, ["-c", "id -u"], entrypoint=["sh"])
    assert identity.stdout.strip() == str(WORKER_UID)
    shipped = run_worker(
        docker_client,
        [
            "-c",
            "import dast, pathlib, importlib.metadata as m; print(pathlib.Path(dast.__file__).with_name('py.typed').is_file(), m.metadata('dast')['License-Expression'], any('LICENSE' in str(f) for f in m.files('dast')))",
        ],
        entrypoint=["python3"],
    )
    assert shipped.stdout.split() == ["True", "Apache-2.0", "True"], shipped.explain()


def test_worker_without_socket_scans_a_demo_container_by_name_on_a_user_network(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    out = output_folder(tmp_path / "out")
    with demo_on_user_network(docker_client, demo_image, alias="demo") as network:
        run = run_worker(
            docker_client,
            ["scan", "--target", "http://demo:8000/", "--health-path", "/healthz", "--progress", "plain"],
            network=network,
            mounts={str(out): "/work"},
        )
    assert run.exit_code == 1, run.explain()  # the demo app fails the default gate
    assert "gate FAILED" in run.stdout
    reports = out / "dast-reports"
    assert {p.name for p in reports.iterdir()} >= REPORTS, sorted(p.name for p in reports.iterdir())
    record = json.loads((reports / "results.json").read_text())
    assert record["engine"]["provider"] == "local"  # the engine inside the image
    assert record["target"]["url"] == "http://demo:8000/"
    assert record["findings"], "a scan that found nothing on the demo app did not scan it"


def test_worker_with_the_socket_scans_the_demo_image_reaching_target_and_zap_by_name(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    out = output_folder(tmp_path / "out")
    run_id = new_run_id("h6-sock")
    run = run_worker(
        docker_client,
        [
            "scan",
            "--image",
            demo_image,
            "--port",
            "8000",
            "--health-path",
            "/healthz",
            "--zap",
            "docker",
            "--zap-image",
            ZAP_IMAGE,
            "--progress",
            "plain",
        ],
        mounts={str(out): "/work"},
        environment={"DAST_RUN_ID": run_id},
        socket=True,  # on the default bridge, not the host's network: 127.0.0.1 is the worker's own
    )
    assert run.exit_code == 1, run.explain()
    reports = out / "dast-reports"
    assert {p.name for p in reports.iterdir()} >= REPORTS
    record = json.loads((reports / "results.json").read_text())
    assert record["engine"]["provider"] == "docker"
    # The worker polled the app by its container name, and ZAP reached it on the scan network.
    assert f"ready at http://dast-target-{run_id}:8000/" in run.stderr, run.stderr
    assert record["target"]["engine_url"] == "http://target:8000/"
    assert record["findings"]
    # The worker left the scan network before it was removed: nothing of the run is left.
    assert leftovers(docker_client, run_id) == []


def test_an_output_folder_the_image_user_cannot_write_is_one_line_saying_what_to_do(
    docker_client: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "root-owned"
    folder.mkdir(mode=0o755)  # what `docker run -v "$PWD/out:/work"` creates when out/ is missing
    if folder.stat().st_uid == WORKER_UID:
        pytest.fail("the folder must not belong to the image's user")
    run = run_worker(
        docker_client,
        ["scan", "--target", "http://demo.invalid:8000/"],
        mounts={str(folder): "/work"},
        user="dast",  # as the image runs by default, whoever runs the tests
    )
    assert run.exit_code == 2, run.explain()
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dast: error: "), run.stderr
    assert "/work is not writable by uid 10002" in lines[0]
    assert '--user "$(id -u):$(id -g)"' in lines[0]
    assert list(folder.iterdir()) == []
