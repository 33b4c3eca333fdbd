"""`dast --version` and `dast --help` start fast because they import none of the heavy machinery.

Each case runs the CLI's entry point in a fresh interpreter (a subprocess: this test process has
imported everything already) and reports which of the named modules ended up in sys.modules.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """\
import json, sys
from dast.cli.app import main
sys.argv = ["dast", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exit_:
    code = exit_.code
else:
    code = 0
watched = WATCHED
loaded = sorted(m for m in sys.modules if m in watched or m.split(".")[0] in watched)
print(json.dumps({"code": code, "loaded": loaded}))
"""

# The engine client, the Docker SDK, the report templates, HTTP, YAML and rich are for commands that
# run; so are pydantic and the results model, which only --version avoids altogether (Typer's own
# option coercion brings pydantic in for the others).
HEAVY = ("docker", "zaproxy", "jinja2", "requests", "urllib3", "yaml", "rich")


def loaded_modules(arguments: list[str], watched: tuple[str, ...]) -> tuple[int, list[str]]:
    probe = PROBE.replace("WATCHED", repr(set(watched)))
    result = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(arguments)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return int(report["code"] or 0), list(report["loaded"])


def test_version_imports_no_engine_docker_templates_rich_or_pydantic() -> None:
    code, loaded = loaded_modules(["--version"], (*HEAVY, "pydantic", "dast.models"))
    assert code == 0
    assert loaded == []


@pytest.mark.parametrize("arguments", [["--help"], ["scan", "--help"], ["report", "--help"]])
def test_help_imports_no_engine_docker_templates_or_rich(arguments: list[str]) -> None:
    code, loaded = loaded_modules(arguments, HEAVY)
    assert code == 0
    assert loaded == []
