"""The README's Triage section says what the tool does: its YAML loads, its commands and options exist."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

from dast.triage.rules import rules_from_text

README = Path(__file__).resolve().parents[2] / "README.md"


def section() -> str:
    text = README.read_text("utf-8")
    return text[text.index("\n## Triage\n") : text.index("\n## Performance\n")]


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", section(), re.S)


def test_every_yaml_example_loads() -> None:
    examples = blocks("yaml")
    assert len(examples) == 3
    for n, example in enumerate(examples):
        rules_from_text(example, f"README example {n}")


def test_the_reference_example_has_every_field_of_a_suppression() -> None:
    (entry,) = rules_from_text(blocks("yaml")[0], "README").suppressions
    assert all(getattr(entry.entry, field) is not None for field in type(entry.entry).model_fields)


def test_the_commands_in_the_section_parse(dast: Callable[..., Result]) -> None:
    commands = [
        line.removeprefix("dast ")
        for block in blocks("sh")
        for line in block.replace("\\\n", " ").splitlines()
        if line.startswith("dast ")
    ]
    assert {c.split()[0] for c in commands} == {"scan", "diff", "suppress"}
    for command in commands:
        words = shlex.split(command.split("#", 1)[0])
        result = dast(words[0], "--help")
        assert result.exit_code == 0
        for option in (w.split("=", 1)[0] for w in words if w.startswith("--")):
            assert option in result.stdout, (option, words[0])
