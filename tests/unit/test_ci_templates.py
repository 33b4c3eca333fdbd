"""The CI templates (ci/) and Kubernetes manifests (deploy/kubernetes/) call dast only as `dast scan --help`
documents it, and fail a pipeline on every non-zero exit (4, incomplete, included) unless the user opts in.

Linting with the CI systems' own schemas is in tests/integration/test_template_validators.py; running
the templates' shell lines against the demo app is in tests/integration/test_ci_templates_run.py.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from ci_templates import (
    GITHUB_ACTION,
    GITHUB_WORKFLOW,
    GITLAB_TEMPLATE,
    JENKINSFILE,
    KUBERNETES,
    ShellScript,
    all_shell_scripts,
    cronjob_container,
    github_action_defaults,
    github_action_steps,
    gitlab_job_variables,
    gitlab_jobs,
    jenkins_parameters,
    kubernetes_documents,
    load_yaml,
    options_in,
    scan_calls,
    scan_environment,
    scan_options,
)

# Variables the templates define for themselves (not dast's): the image to run, the nightly switch,
# a secret the user's auth header refers to, the step's copy of the exit code.
TEMPLATE_OWN_VARIABLES = {"DAST_WORKER_IMAGE", "DAST_NIGHTLY", "DAST_API_TOKEN", "DAST_EXIT"}
SCRIPTS = all_shell_scripts()


def test_the_help_reader_sees_the_options_and_variables_dast_documents() -> None:
    # Guards the checks below: an empty set would make every template pass.
    assert {"--target", "--fail-on", "--out", "--allow-incomplete", "--profile"} <= scan_options()
    assert {"DAST_TARGET", "DAST_FAIL_ON", "DAST_RUN_ID", "DAST_ZAP_API_KEY"} <= scan_environment()


@pytest.mark.parametrize(
    "template",
    [GITHUB_ACTION, GITLAB_TEMPLATE, JENKINSFILE, KUBERNETES / "cronjob.yaml"],
    ids=lambda p: p.name,
)
def test_every_template_calls_dast_scan_with_documented_options_only(template: object) -> None:
    scripts = [s for s in SCRIPTS if s.where.startswith(_prefix(template))]
    calls = [call for script in scripts for call in scan_calls(script.text)]
    assert calls, f"{template}: no dast scan call found"
    documented = scan_options()
    for call in calls:
        used = options_in(call)
        assert used, f"{template}: a dast scan call without options: {call!r}"
        unknown = sorted(set(used) - documented)
        assert not unknown, f"{template}: options not in `dast scan --help`: {unknown}"


def test_a_made_up_option_is_caught() -> None:
    (call,) = scan_calls('dast scan --target "$T" --fail-om high\n')
    assert set(options_in(call)) - scan_options() == {"--fail-om"}


def test_every_dast_variable_the_templates_set_is_one_dast_reads() -> None:
    documented = scan_environment() | TEMPLATE_OWN_VARIABLES
    texts = [GITHUB_ACTION, GITHUB_WORKFLOW, GITLAB_TEMPLATE, JENKINSFILE, *sorted(KUBERNETES.glob("*.yaml"))]
    for path in texts:
        names = set(re.findall(r"\bDAST_[A-Z_]+\b", path.read_text()))
        assert names - documented == set(), f"{path.name}: unknown DAST_ variables {names - documented}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.where)
def test_every_shell_script_parses(script: ShellScript) -> None:
    result = subprocess.run(["bash", "-n"], input=script.text, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{script.where}: {result.stderr}"


def test_github_run_scripts_take_inputs_from_the_environment_not_expressions() -> None:
    # `${{ inputs.x }}` pasted into a script is code injection; env: mappings are data.
    for step in github_action_steps():
        assert "${{" not in str(step.get("run", "")), step


def test_github_action_fails_on_every_non_zero_exit_unless_incomplete_is_allowed() -> None:
    assert github_action_defaults()["allow-incomplete"] == "false"
    gate = github_action_steps()[-1]["run"]
    for code in (1, 2, 3, 4, 130):
        result = subprocess.run(
            ["bash", "-c", gate], env={"DAST_EXIT": str(code)}, capture_output=True, text=True, check=False
        )
        assert result.returncode == code, (code, result.stdout)
        assert result.stdout.startswith("::error title=dast::"), result.stdout
    passed = subprocess.run(["bash", "-c", gate], env={"DAST_EXIT": "0"}, capture_output=True, check=False)
    assert passed.returncode == 0
    scan = github_action_steps()[0]["run"]
    assert '[ "$INPUT_ALLOW_INCOMPLETE" = "true" ]' in scan  # --allow-incomplete only on request


def test_github_workflow_uploads_reports_and_sarif_even_when_the_gate_fails() -> None:
    steps = load_yaml(GITHUB_WORKFLOW)["jobs"]["dast"]["steps"]
    uploads = [
        s for s in steps if str(s.get("uses", "")).startswith(("actions/upload-artifact", "github/codeql"))
    ]
    assert len(uploads) == 2
    for step in uploads:
        assert "!cancelled()" in str(step["if"])
    paths = " ".join(str(step["with"].get("path", step["with"].get("sarif_file"))) for step in uploads)
    for report in ("junit.xml", "report.html", "results.sarif"):
        assert report in paths
    dast_step = next(s for s in steps if s.get("uses") == "./ci/github")
    assert dast_step["with"]["fail-on"] == "high"


def test_gitlab_template_reports_junit_exposes_html_and_never_allows_failure() -> None:
    jobs = gitlab_jobs()
    base = jobs[".dast"]
    assert base["artifacts"]["reports"]["junit"] == "dast-reports/junit.xml"
    assert base["artifacts"]["when"] == "always" and base["artifacts"]["expose_as"]
    assert "dast-reports/" in base["artifacts"]["paths"]
    assert base["image"]["entrypoint"] == [""]  # GitLab runs its own shell in the worker image
    for name, job in jobs.items():
        assert "allow_failure" not in job, name
        assert "DAST_ALLOW_INCOMPLETE" not in (job.get("variables") or {}), name
    nightly = jobs["dast-nightly"]
    assert any("schedule" in rule["if"] for rule in nightly["rules"])
    assert gitlab_job_variables("dast-nightly")["DAST_PROFILE"] == "nightly"
    assert gitlab_job_variables("dast")["DAST_PROFILE"] == "baseline"


def test_jenkinsfile_publishes_junit_html_and_sarif_and_fails_on_non_zero() -> None:
    text = JENKINSFILE.read_text()
    assert "junit(testResults: 'dast-reports/junit.xml'" in text
    assert "publishHTML(" in text and "reportFiles: 'report.html'" in text
    assert re.search(r"archiveArtifacts\(artifacts: '[^']*results\.sarif", text)
    assert "if (rc != 0)" in text and "error(" in text
    assert jenkins_parameters()["DAST_ALLOW_INCOMPLETE"] == "false"
    assert re.search(r"post\s*\{\s*always\s*\{", text), "reports must be published whatever the verdict"


def test_kustomization_lists_every_manifest_but_the_secret_example() -> None:
    documents = kubernetes_documents()
    kustomization = documents.pop("kustomization.yaml")
    expected = sorted(name for name in documents if not name.endswith(".example.yaml"))
    assert sorted(kustomization["resources"]) == expected
    image_names = {image["name"] for image in kustomization["images"]}
    assert cronjob_container()["image"] in image_names


def test_cronjob_runs_non_root_with_sized_resources_reports_on_a_pvc_and_secrets_from_a_secret() -> None:
    documents = kubernetes_documents()
    job = documents["cronjob.yaml"]["spec"]["jobTemplate"]["spec"]
    pod = job["template"]["spec"]
    container = cronjob_container()
    assert job["backoffLimit"] == 0 and job["activeDeadlineSeconds"] > 0
    # The pod's name is the run id (at most 32 characters): <cronjob>-<8-digit minute>-<5 random>.
    assert len(documents["cronjob.yaml"]["metadata"]["name"]) + 15 <= 32
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10002
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    memory = container["resources"]["limits"]["memory"]
    assert _mebibytes(memory) >= 1024 + 256, "ZAP's heap cap (1 GiB) plus the JVM's and dast's own memory"
    assert _mebibytes(container["resources"]["requests"]["memory"]) >= 375, "the measured nightly peak"
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    claims = {v["name"]: v.get("persistentVolumeClaim", {}).get("claimName") for v in pod["volumes"]}
    assert claims["reports"] == documents["pvc.yaml"]["metadata"]["name"]
    assert '--out "/reports/' in container["args"][0] and mounts["reports"] == "/reports"
    secret_refs = [e["secretRef"] for e in container["envFrom"] if "secretRef" in e]
    assert secret_refs == [{"name": documents["secret.example.yaml"]["metadata"]["name"], "optional": True}]


def _mebibytes(quantity: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * (1024 if unit == "Gi" else 1)


def _prefix(template: object) -> str:
    return {
        GITHUB_ACTION: GITHUB_ACTION.name,
        GITLAB_TEMPLATE: "gitlab",
        JENKINSFILE: "Jenkinsfile",
        KUBERNETES / "cronjob.yaml": "cronjob",
    }[template]
