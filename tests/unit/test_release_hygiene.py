"""What a user of the released project relies on: the licence, type information, the README's promises."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.MULTILINE | re.DOTALL)
    assert match is not None, f"README has no '## {title}' section"
    return match.group(1)


def test_license_file_matches_the_declared_licence() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]
    assert declared == "Apache-2.0"
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text


def test_the_package_says_it_is_typed() -> None:
    assert (ROOT / "dast" / "py.typed").is_file()


def test_quickstart_keeps_exactly_its_two_commands() -> None:
    (block,) = re.findall(r"```sh\n(.*?)```", _section("Quickstart"), re.DOTALL)
    commands = [line.split("#")[0].strip() for line in block.splitlines()]
    assert [c for c in commands if c] == ["make demo", "make test"]


def test_readme_documents_installing_from_source_and_the_images_build_arguments() -> None:
    assert "pip install ." in README
    arguments = re.findall(r"^ARG (\w+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert {"ENGINE_IMAGE", "EXTRA_CA_PEM"} <= set(arguments)
    for argument in arguments:
        assert f"`{argument}`" in README, f"build argument {argument} is not in the README"


def test_use_in_ci_points_to_every_template_and_each_exists() -> None:
    section = _section("Use in CI")
    links = set(re.findall(r"\]\(((?:ci|deploy|docker)/[^)#]*)\)", section))
    for expected in (
        "ci/github/action.yml",
        "ci/github/example-workflow.yml",
        "ci/gitlab/dast.gitlab-ci.yml",
        "ci/jenkins/Jenkinsfile",
        "deploy/kubernetes/",
    ):
        assert expected in links, f"'Use in CI' does not link {expected}"
    for link in links:
        assert (ROOT / link).exists(), f"README links {link}, which does not exist"
