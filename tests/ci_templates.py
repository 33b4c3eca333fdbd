"""Reading the CI templates (ci/) and the Kubernetes manifests (deploy/kubernetes/) the way their runners do.

Shared by the unit tests (what the templates say) and the integration tests (running their shell lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
import yaml

from dast.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
GITHUB_ACTION = ROOT / "ci" / "github" / "action.yml"
GITHUB_WORKFLOW = ROOT / "ci" / "github" / "example-workflow.yml"
GITLAB_TEMPLATE = ROOT / "ci" / "gitlab" / "dast.gitlab-ci.yml"
JENKINSFILE = ROOT / "ci" / "jenkins" / "Jenkinsfile"
KUBERNETES = ROOT / "deploy" / "kubernetes"

# A dast scan call: `dast scan ...`, or the worker image's name followed by `scan` in a `docker run`.
_SCAN_CALL = re.compile(r'(?:\bdast|"\$DAST_WORKER_IMAGE")\s+scan\b(?P<rest>[^\n;|&]*)')
_OPTION = re.compile(r"(?<![\w$-])(--[a-z][a-z0-9-]*)")
_JENKINS_SH = re.compile(r"\bsh\((?:[^()]*?)script:\s*'''(?P<script>.*?)'''", re.DOTALL)
_JENKINS_PARAM = re.compile(r"\b(?:string|choice|booleanParam)\(name:\s*'(?P<name>\w+)'(?P<rest>[^\n]*)")
_JENKINS_ENV_BLOCK = re.compile(r"environment\s*\{(?P<body>(?:[^{}]|\$\{[^}]*\})*)\}")
# Options kept in a shell variable and passed on to dast: `extra=(--allow-incomplete)`, `extra="--x"`.
_OPTION_VARIABLE = re.compile(r"\b\w+=(?:\((?P<array>[^)]*)\)|\"(?P<string>--[^\"]*)\")")


@dataclass(frozen=True)
class ShellScript:
    where: str  # template and place, for messages
    text: str


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def scan_command() -> Any:
    """The click command behind `dast scan` (typer may bring its own click: duck-typed)."""
    return typer.main.get_command(app).commands["scan"]  # type: ignore[attr-defined]


def scan_options() -> set[str]:
    """Every option `dast scan --help` shows."""
    found: set[str] = set()
    for param in scan_command().params:
        if param.param_type_name == "option" and not param.hidden:
            found.update(param.opts)
            found.update(param.secondary_opts)
    return found


def scan_environment() -> set[str]:
    """Every DAST_* variable `dast scan --help` names: the options' and those read from the environment only."""
    command = scan_command()
    names = set(re.findall(r"\bDAST_[A-Z_]+\b", command.help or ""))
    for param in command.params:
        envvar = getattr(param, "envvar", None)
        if isinstance(envvar, str):
            names.add(envvar)
        elif envvar:
            names.update(envvar)
    return names


def scan_calls(script: str) -> list[str]:
    """The argument text of each dast scan call in a shell script (continued lines joined), with the
    options the script keeps in variables for it."""
    joined = script.replace("\\\n", " ")
    kept = " ".join(
        m.group("array") or m.group("string") or "" for m in _OPTION_VARIABLE.finditer(joined)
    ).strip()
    return [f"{match.group('rest')} {kept}".strip() for match in _SCAN_CALL.finditer(joined)]


def options_in(call: str) -> list[str]:
    return _OPTION.findall(call)


def github_action_steps() -> list[dict[str, Any]]:
    return list(load_yaml(GITHUB_ACTION)["runs"]["steps"])


def github_action_defaults() -> dict[str, str]:
    return {name: str(spec.get("default", "")) for name, spec in load_yaml(GITHUB_ACTION)["inputs"].items()}


def gitlab_jobs() -> dict[str, dict[str, Any]]:
    document = load_yaml(GITLAB_TEMPLATE)
    return {name: job for name, job in document.items() if isinstance(job, dict) and name != "variables"}


def gitlab_job_lines(job: str, key: str = "script") -> list[str]:
    """A job's script lines with `extends:` resolved (one level deep is all the template uses)."""
    jobs = gitlab_jobs()
    body = jobs[job]
    while key not in body and "extends" in body:
        body = jobs[body["extends"]]
    return [str(line) for line in body.get(key, [])]


def gitlab_job_variables(job: str) -> dict[str, str]:
    """A job's variables merged over those of the jobs it extends, as GitLab merges them."""
    jobs = gitlab_jobs()
    chain = [jobs[job]]
    while "extends" in chain[-1]:
        chain.append(jobs[chain[-1]["extends"]])
    merged: dict[str, str] = {}
    for body in reversed(chain):
        merged.update({k: str(v) for k, v in (body.get("variables") or {}).items()})
    return merged


def jenkins_scripts() -> list[str]:
    return [match.group("script") for match in _JENKINS_SH.finditer(JENKINSFILE.read_text())]


def jenkins_parameters() -> dict[str, str]:
    """Each parameter's default, as the environment a build without input gets."""
    found: dict[str, str] = {}
    for match in _JENKINS_PARAM.finditer(JENKINSFILE.read_text()):
        rest = match.group("rest")
        default = re.search(r"defaultValue:\s*'?([^',)]*)'?", rest)
        choices = re.search(r"choices:\s*\['([^']*)'", rest)
        found[match.group("name")] = (default or choices).group(1) if (default or choices) else ""
    return found


def jenkins_environment() -> dict[str, str]:
    match = _JENKINS_ENV_BLOCK.search(JENKINSFILE.read_text())
    assert match is not None
    return dict(re.findall(r"(\w+)\s*=\s*['\"]([^'\"]*)['\"]", match.group("body")))


def kubernetes_documents() -> dict[str, dict[str, Any]]:
    """Every manifest by file name (kustomization.yaml included)."""
    return {path.name: load_yaml(path) for path in sorted(KUBERNETES.glob("*.yaml"))}


def cronjob_container() -> dict[str, Any]:
    cronjob = load_yaml(KUBERNETES / "cronjob.yaml")
    return dict(cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0])


def all_shell_scripts() -> list[ShellScript]:
    """Every shell text in every template: what a runner would execute."""
    scripts = [
        ShellScript(f"{GITHUB_ACTION.name} step {i}", str(step["run"]))
        for i, step in enumerate(github_action_steps())
        if "run" in step
    ]
    workflow = load_yaml(GITHUB_WORKFLOW)
    for name, job in workflow["jobs"].items():
        scripts += [ShellScript(f"workflow job {name}", str(s["run"])) for s in job["steps"] if "run" in s]
    for name in gitlab_jobs():
        for key in ("before_script", "script"):
            lines = gitlab_job_lines(name, key)
            if lines:
                scripts.append(ShellScript(f"gitlab {name} {key}", "\n".join(lines)))
    scripts += [ShellScript(f"Jenkinsfile sh {i}", text) for i, text in enumerate(jenkins_scripts())]
    container = cronjob_container()
    scripts.append(ShellScript("cronjob", " ".join(container["command"][2:] + container["args"])))
    return scripts
