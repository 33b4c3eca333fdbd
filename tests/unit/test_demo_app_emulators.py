"""The demo app's stand-ins for dangerous code (demo-app/emulators.py): realistic enough for the
scanner's payloads, bounded, and unable to run anything real."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from typing import Any

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "demo-app" / "emulators.py"


def _load() -> Any:
    spec = importlib.util.spec_from_file_location("demo_emulators", SOURCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


emu = _load()
PING = "ping -c 1 127.0.0.1"


def shell(suffix: str) -> Any:
    return emu.run_shell(PING + suffix)


def test_the_emulators_cannot_run_or_evaluate_anything_real() -> None:
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"re"}
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not called & {"eval", "exec", "compile", "__import__", "open", "getattr"}


def test_plain_ping_prints_its_output() -> None:
    result = emu.run_shell(PING)
    assert "64 bytes from 127.0.0.1" in result.output
    assert (result.status, result.sleep) == (0, 0.0)


@pytest.mark.parametrize(
    "suffix",
    [
        ";cat /etc/passwd",
        "|cat /etc/passwd",
        "&cat /etc/passwd",
        "&&cat /etc/passwd",
        "\ncat /etc/passwd",
        "$(cat /etc/passwd)",
        "`cat /etc/passwd`",
        ";cat /etc/passwd;",
        "; cat /etc/passwd #",
    ],
)
def test_shell_separators_and_substitutions_run_the_injected_command(suffix: str) -> None:
    assert "root:x:0:0:" in shell(suffix).output


def test_or_runs_only_after_a_failure_and_and_only_after_a_success() -> None:
    assert "root:x:0:0:" not in shell("||cat /etc/passwd").output
    assert "root:x:0:0:" in emu.run_shell("ping -c 1 nohost_||cat /etc/passwd").output
    assert "root:x:0:0:" not in emu.run_shell("ping -c 1 nohost_&&cat /etc/passwd").output


def test_quotes_keep_a_payload_inside_the_argument_as_in_a_real_shell() -> None:
    for suffix in ("';cat /etc/passwd;'", '";cat /etc/passwd;"'):
        result = shell(suffix)
        assert "root:x:0:0:" not in result.output
        assert "Name or service not known" in result.output
    assert "Unterminated quoted string" in shell("';cat /etc/passwd").output


def test_other_commands_and_windows_ones() -> None:
    assert "uid=10001(demo)" in shell(";id").output
    assert shell(";whoami").output.endswith("demo\n")
    assert "Linux" in shell(";uname -a").output
    assert "hello world" in shell(";echo hello world").output
    assert "[fonts]" in shell("&type %SYSTEMROOT%\\win.ini&").output
    assert "Microsoft Windows [Version" in shell("&ver").output
    unknown = shell(";rm -rf /")
    assert "rm: not found" in unknown.output and unknown.status == 127


def test_sleep_is_reported_not_slept_and_capped() -> None:
    assert shell(";sleep 2").sleep == 2.0
    assert shell("$(sleep 0.5)").sleep == 0.5
    assert shell(";sleep 60").sleep == emu.MAX_SLEEP
    assert shell(";sleep 4;sleep 4;sleep 4").sleep == emu.MAX_SLEEP
    for bad in ("-1", "inf", "nan", "x"):
        assert shell(";sleep " + bad).sleep == 0.0


def test_the_shell_is_bounded() -> None:
    assert "too long" in emu.run_shell("x" * (emu.MAX_COMMAND_LINE + 1)).output
    assert "too many commands" in shell(";id" * (emu.MAX_COMMANDS + 1)).output
    assert "nested too deeply" in shell(";echo $(echo $(echo $(echo $(id))))").output
    assert "end of file unexpected" in shell("$(id").output


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("127.0.0.1", True),
        ("demoshop.example", True),
        ("localhost", True),
        ("256.1.1.1", False),
        ("a;b", False),
        ("", False),
        ("-c", False),
        ("a b", False),
    ],
)
def test_is_host(value: str, ok: bool) -> None:
    assert emu.is_host(value) is ok


@pytest.mark.parametrize(
    ("source", "rendered"),
    [
        ("Hello, {{7*7}}!", "Hello, 49!"),
        ("{{ (2 + 3) * 4 }}", "20"),
        ("{{7/2}} {{-7/2}} {{10-2-3}}", "3 -3 5"),
        ("{{1/0}}", ""),
        ("{{7*'7'}}", ""),
        ("{{config}}", ""),
        ("{{7**7}}", ""),
        ("{{999999999999999999*999999999999999999}}", ""),
        ("{{" + "(" * 30 + "1" + ")" * 30 + "}}", ""),
        ("${7*7} <%= 7*7 %> {7*7}", "${7*7} <%= 7*7 %> {7*7}"),
    ],
)
def test_template_arithmetic_only(source: str, rendered: str) -> None:
    assert emu.render_template(source) == rendered


def test_the_template_engine_is_bounded() -> None:
    with pytest.raises(emu.TemplateError):
        emu.render_template("x" * (emu.MAX_TEMPLATE + 1))
    with pytest.raises(emu.TemplateError):
        emu.render_template("{{1}}" * (emu.MAX_EXPRESSIONS + 1))
    too_long = "{{" + "1+" * emu.MAX_EXPRESSION + "1}}"
    assert emu.render_template(too_long) == too_long  # not an expression at all: left as text


def _multipart(*parts: bytes, boundary: str = "XyZ") -> bytes:
    return b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts) + b"--XyZ--\r\n"


def test_multipart_fields_and_file_names() -> None:
    body = _multipart(
        b'Content-Disposition: form-data; name="title"\r\n\r\n<b>Invoice</b>',
        b'Content-Disposition: form-data; name="document"; filename="<img src=x onerror=alert(1)>.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nline1\r\nline2",
    )
    parts = emu.parse_multipart(body, "multipart/form-data; boundary=XyZ")
    assert [(p.name, p.filename, p.content) for p in parts] == [
        ("title", None, b"<b>Invoice</b>"),
        ("document", "<img src=x onerror=alert(1)>.txt", b"line1\r\nline2"),
    ]


def test_multipart_quoted_boundary_and_escaped_quotes() -> None:
    body = _multipart(b'Content-Disposition: form-data; name="document"; filename="a\\"b.txt"\r\n\r\nx')
    parts = emu.parse_multipart(body, 'multipart/form-data; boundary="XyZ"')
    assert [(p.name, p.filename) for p in parts] == [("document", 'a"b.txt')]


def test_multipart_refuses_other_bodies_and_is_bounded() -> None:
    body = _multipart(b'Content-Disposition: form-data; name="a"\r\n\r\nx')
    assert emu.parse_multipart(body, "application/x-www-form-urlencoded") == []
    assert emu.parse_multipart(body, "multipart/form-data") == []  # no boundary
    many = _multipart(*[b'Content-Disposition: form-data; name="f"\r\n\r\nx'] * (emu.MAX_PARTS + 5))
    assert len(emu.parse_multipart(many, "multipart/form-data; boundary=XyZ")) == emu.MAX_PARTS
