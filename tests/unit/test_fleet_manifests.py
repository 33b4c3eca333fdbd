"""deploy/kubernetes/fleet: an Indexed Job whose pods each take their own share of the fleet."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from dast.fleet.model import load_fleet
from dast.fleet.shard import Shard

FLEET = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes" / "fleet"


def _load(name: str) -> Any:
    return yaml.safe_load((FLEET / name).read_text(encoding="utf-8"))


def _container() -> dict[str, Any]:
    return dict(_load("fleet-job.yaml")["spec"]["template"]["spec"]["containers"][0])


def test_kustomization_lists_the_fleet_manifests() -> None:
    kustomization = _load("kustomization.yaml")
    manifests = sorted(p.name for p in FLEET.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(kustomization["resources"]) == manifests
    assert _container()["image"] in {i["name"] for i in kustomization["images"]}


def test_every_pod_of_the_indexed_job_takes_a_distinct_share_and_folder() -> None:
    spec = _load("fleet-job.yaml")["spec"]
    assert spec["completionMode"] == "Indexed"
    count = spec["completions"]
    assert spec["parallelism"] == count
    script = _container()["args"][0]
    assert script.startswith("exec dast fleet run /etc/dast/fleet.yaml")
    # What the pod's shell makes of the arguments, for every index Kubernetes hands out.
    echo = "printf '%s\\n' " + script.removeprefix("exec dast fleet run ")
    shares, folders = [], set()
    for index in range(count):
        argv = subprocess.run(
            ["sh", "-c", echo],
            env={"JOB_COMPLETION_INDEX": str(index), "JOB_NAME": "dast-fleet"},
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.splitlines()
        shard = Shard.parse(argv[argv.index("--shard") + 1])
        assert shard.count == count
        shares.append(shard.index)
        folders.add(argv[argv.index("--out") + 1])
    assert sorted(shares) == list(range(1, count + 1))
    assert len(folders) == count, "each pod writes its own folder"


def test_the_fleet_file_in_the_config_map_is_valid_and_the_pod_reads_it(tmp_path: Path) -> None:
    config = _load("fleet-configmap.yaml")
    path = tmp_path / "fleet.yaml"
    path.write_text(config["data"]["fleet.yaml"], encoding="utf-8")
    fleet = load_fleet(path)
    assert all(t.url for t in fleet.targets), "a pod has no Docker: deployed apps only"
    pod = _load("fleet-job.yaml")["spec"]["template"]["spec"]
    mounts = {m["name"]: m["mountPath"] for m in _container()["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["fleet"]["configMap"]["name"] == config["metadata"]["name"]
    assert re.search(rf"{mounts['fleet']}/fleet\.yaml", _container()["args"][0])
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert _container()["securityContext"]["readOnlyRootFilesystem"] is True
