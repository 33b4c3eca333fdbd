"""The CI templates' own shell lines, run as their runners would run them, against the demo app.

None of them needs a CI service: the GitHub action's steps run on the "runner" (this machine) and start
the worker image; GitLab's job script, the Jenkinsfile's `sh` step and the CronJob's command run inside
the worker image, as those systems run them. The app is a demo container on a user network of the
test's own; each run must end in the demo app's verdict (exit 1, gate failed) with the reports where
the template publishes them from.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ci_templates import (
    cronjob_container,
    github_action_defaults,
    github_action_steps,
    gitlab_job_lines,
    gitlab_job_variables,
    gitlab_jobs,
    jenkins_environment,
    jenkins_parameters,
    jenkins_scripts,
    kubernetes_documents,
)
from engines import leftovers, new_run_id
from worker import REPORTS, demo_on_user_network, output_folder, run_worker, worker_image

pytestmark = pytest.mark.engine

DEMO_URL = "http://demo:8000/"
STEP_TIMEOUT_S = 300


def test_github_action_steps_scan_write_the_summary_and_fail_the_job_on_the_gate(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    image = worker_image(docker_client)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    outputs, summary = tmp_path / "github_output", tmp_path / "step_summary"
    outputs.touch()
    summary.touch()
    run_id = new_run_id("h6-gha")
    scan, write_summary, gate = (step["run"] for step in github_action_steps())
    inputs = github_action_defaults()  # the action's defaults, but for what a workflow must give
    inputs.update({"worker-image": image, "target": DEMO_URL, "health-path": "/healthz"})
    with demo_on_user_network(docker_client, demo_image) as network:
        inputs["docker-network"] = network
        env = {
            "PATH": os.environ["PATH"],
            "GITHUB_OUTPUT": str(outputs),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_RUN_ID": run_id,
            "DAST_WORKER_IMAGE": inputs["worker-image"],
            **{f"INPUT_{name.upper().replace('-', '_')}": value for name, value in inputs.items()},
        }
        env["INPUT_NETWORK"] = env.pop("INPUT_DOCKER_NETWORK")
        first = _bash(scan, env, workspace)
    assert first.returncode == 0, first.stdout + first.stderr  # the scan step itself never fails
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert written == {"exit-code": "1", "report-dir": "dast-reports"}, first.stderr
    assert {p.name for p in (workspace / "dast-reports").iterdir()} >= REPORTS
    assert leftovers(docker_client, f"{run_id}-1") == []

    second = _bash(write_summary, {**env, "INPUT_OUT": inputs["out"]}, workspace)
    assert second.returncode == 0
    assert summary.read_text() == (workspace / "dast-reports" / "summary.md").read_text() != ""

    third = _bash(gate, {"DAST_EXIT": written["exit-code"]}, workspace)
    assert third.returncode == 1
    assert "::error title=dast::findings at or above the gate (exit 1)" in third.stdout


def test_gitlab_job_script_runs_in_the_worker_image_and_leaves_the_junit_report_where_gitlab_reads_it(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    project = output_folder(tmp_path / "project")
    ci = {
        "CI_PROJECT_DIR": "/builds/group/shop",
        "CI_JOB_ID": "4711",
        "CI_REGISTRY_IMAGE": "registry.example/x",
    }
    variables = {name: _expand(value, ci) for name, value in gitlab_job_variables("dast").items()}
    variables.update({"DAST_TARGET": DEMO_URL, "DAST_HEALTH_PATH": "/healthz"})
    script = gitlab_job_lines("dast")
    with demo_on_user_network(docker_client, demo_image) as network:
        # GitLab's shell in an image with `entrypoint: [""]`: the job's lines, stopping at the first failure.
        run = run_worker(
            docker_client,
            ["-e", "-c", "\n".join(script)],
            entrypoint=["sh"],
            network=network,
            mounts={str(project): ci["CI_PROJECT_DIR"]},
            environment={**ci, **variables},
            working_dir=ci["CI_PROJECT_DIR"],
        )
    assert run.exit_code == 1, run.explain()
    artifacts = gitlab_jobs()[".dast"]["artifacts"]
    assert (project / artifacts["reports"]["junit"]).is_file()
    assert {p.name for p in (project / artifacts["paths"][0]).iterdir()} >= REPORTS
    assert "gate FAILED" in run.stdout


def test_jenkinsfile_sh_step_runs_in_the_worker_agent_with_the_parameters_defaults(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    workspace = output_folder(tmp_path / "workspace")
    (script,) = jenkins_scripts()
    environment = {**jenkins_parameters(), **jenkins_environment()}
    environment.update({"DAST_TARGET": DEMO_URL, "DAST_RUN_ID": new_run_id("h6-jenkins")})
    assert environment["DAST_ALLOW_INCOMPLETE"] == "false"
    with demo_on_user_network(docker_client, demo_image) as network:
        # Jenkins' docker agent: `--entrypoint=` and the step run by `sh -xe` in the workspace.
        run = run_worker(
            docker_client,
            ["-xe", "-c", script],
            entrypoint=["sh"],
            network=network,
            mounts={str(workspace): "/workspace"},
            environment=environment,
            working_dir="/workspace",
        )
    assert run.exit_code == 1, run.explain()  # `returnStatus: true` hands this to `if (rc != 0) error(...)`
    reports = workspace / "dast-reports"
    assert {
        p.name for p in reports.iterdir()
    } >= REPORTS  # junit, publishHTML and archiveArtifacts read these


def test_cronjob_container_runs_as_kubernetes_would_run_it(
    docker_client: Any, demo_image: str, tmp_path: Path
) -> None:
    reports = output_folder(tmp_path / "reports")
    container = cronjob_container()
    config = kubernetes_documents()["configmap.yaml"]["data"]
    environment = {**config, "DAST_TARGET": DEMO_URL, "DAST_HEALTH_PATH": "/healthz"}
    # The pod's name, as the CronJob's controller makes it: <cronjob>-<scheduled minute>-<5 random>.
    cronjob_name = kubernetes_documents()["cronjob.yaml"]["metadata"]["name"]
    environment["DAST_RUN_ID"] = f"{cronjob_name}-29399040-{new_run_id('x')[-5:]}"
    security = container["securityContext"]
    limits = container["resources"]["limits"]
    pod = kubernetes_documents()["cronjob.yaml"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert any(v["name"] == "tmp" and "emptyDir" in v for v in pod["volumes"])  # played by the tmpfs below
    with demo_on_user_network(docker_client, demo_image) as network:
        run = run_worker(
            docker_client,
            container["args"],
            entrypoint=container["command"],
            network=network,
            mounts={str(reports): "/reports"},
            environment=environment,
            user="10002:10002",
            read_only=security["readOnlyRootFilesystem"],
            tmpfs={"/tmp": ""},  # the pod's emptyDir at /tmp
            cap_drop=security["capabilities"]["drop"],
            security_opt=["no-new-privileges"],
            mem_limit=limits["memory"].replace("Mi", "m"),
        )
    assert run.exit_code == 1, run.explain()
    (night,) = reports.iterdir()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d{6}Z", night.name), night.name
    assert {p.name for p in night.iterdir()} >= REPORTS


def _bash(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],  # GitHub's `shell: bash`
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT_S,
        check=False,
    )


def _expand(value: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: variables.get(m.group(1), ""), value)
