"""The CI templates and Kubernetes manifests pass the validators of the systems that run them, offline.

actionlint (`make tools` builds it from its Go module into the venv), check-jsonschema with its vendored
GitHub and GitLab schemas, kubernetes-validate with its shipped Kubernetes schemas (both dev extras).
Each is also shown a broken copy, so a validator that checks nothing cannot pass these tests.
Marked `engine`: a missing validator skips, which DAST_REQUIRE_ENGINES=1 (CI) turns into a failure.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ci_templates import GITHUB_ACTION, GITHUB_WORKFLOW, GITLAB_TEMPLATE, KUBERNETES, kubernetes_documents

pytestmark = pytest.mark.engine

TIMEOUT_S = 120


def tool(name: str) -> str:
    found = Path(sys.executable).parent / name
    if found.is_file():
        return str(found)
    on_path = shutil.which(name)
    if on_path is None:
        pytest.skip(f"{name} is not installed (run: make tools)")
    return on_path


def run(*command: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=cwd, check=False)


def github_project(root: Path, workflow_text: str) -> Path:
    """A scratch repository as actionlint expects one: the workflow in .github/workflows, the action
    at ci/github, so `uses: ./ci/github` is checked against the action's inputs."""
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "dast.yml").write_text(workflow_text)
    (root / "ci" / "github").mkdir(parents=True)
    shutil.copy(GITHUB_ACTION, root / "ci" / "github" / "action.yml")
    subprocess.run(["git", "init", "-q", str(root)], check=True, timeout=TIMEOUT_S)
    return root


def test_actionlint_passes_the_example_workflow_and_its_use_of_the_action(tmp_path: Path) -> None:
    actionlint = tool("actionlint")
    good = github_project(tmp_path / "good", GITHUB_WORKFLOW.read_text())
    result = run(actionlint, "-no-color", cwd=good)
    assert result.returncode == 0, result.stdout + result.stderr

    broken = GITHUB_WORKFLOW.read_text().replace("fail-on: high", "fail-onn: high")
    bad = github_project(tmp_path / "bad", broken)
    result = run(actionlint, "-no-color", cwd=bad)
    assert result.returncode == 1 and 'input "fail-onn" is not defined' in result.stdout, result.stdout


@pytest.mark.parametrize(
    ("schema", "path", "breakage"),
    [
        ("vendor.github-workflows", GITHUB_WORKFLOW, ("runs-on:", "runs_on:")),
        ("vendor.github-actions", GITHUB_ACTION, ("using: composite", "using: compost")),
        ("vendor.gitlab-ci", GITLAB_TEMPLATE, ("when: always", "when: sometimes")),
    ],
    ids=["github-workflow", "github-action", "gitlab-ci"],
)
def test_check_jsonschema_passes_the_template(
    schema: str, path: Path, breakage: tuple[str, str], tmp_path: Path
) -> None:
    check = tool("check-jsonschema")
    result = run(check, "--builtin-schema", schema, str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout
    text = path.read_text()
    if path == GITLAB_TEMPLATE:
        # The schema does not look inside hidden jobs (`.dast:`), where most of the template is:
        # checked again with them made visible.
        text = re.sub(r"^\.([\w-]+):", r"visible-\1:", text, flags=re.MULTILINE)
        visible = tmp_path / "visible.gitlab-ci.yml"
        visible.write_text(text)
        result = run(check, "--builtin-schema", schema, str(visible))
        assert result.returncode == 0, result.stdout + result.stderr

    broken = tmp_path / path.name
    assert breakage[0] in text
    broken.write_text(text.replace(*breakage))
    result = run(check, "--builtin-schema", schema, str(broken))
    assert result.returncode == 1 and "Schema validation errors" in result.stdout, result.stdout


def test_kubernetes_validate_passes_every_manifest_strictly(tmp_path: Path) -> None:
    validate = tool("kubernetes-validate")
    manifests = [str(KUBERNETES / name) for name in kubernetes_documents() if name != "kustomization.yaml"]
    assert len(manifests) >= 4
    result = run(validate, "--strict", *manifests)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(" passed for resource ") == len(manifests), result.stdout

    broken = tmp_path / "cronjob.yaml"
    broken.write_text((KUBERNETES / "cronjob.yaml").read_text().replace("backoffLimit", "backofLimit"))
    result = run(validate, "--strict", str(broken))
    assert result.returncode != 0 and "backofLimit" in result.stdout + result.stderr
