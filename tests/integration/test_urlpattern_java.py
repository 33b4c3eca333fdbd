"""The tool's one URL rule, checked against the JVM's own regex engine (the one ZAP matches with):
a pattern searched in path+query must select exactly the same URLs once translated for the engine."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from dast.urlpattern import UrlPattern

pytestmark = pytest.mark.engine

# (pattern, url, matches?)
CASES = [
    ("/logout", "http://t:8000/a/logout?x=1", True),
    ("/logout", "http://t:8000/a/log?next=/logout", True),
    ("^/admin/", "http://t:8000/admin/x", True),
    ("^/admin/", "http://t:8000/x/admin/x", False),
    (r"\.php\.bak$", "http://t:8000/x.php.bak", True),
    (r"\.php\.bak$", "http://t:8000/x.php.bak?a=1", False),
    ("/setup.php", "http://127.0.0.1:5000/setup.php", True),
    ("^/$", "http://t:8000/", True),
    ("^/$", "http://t:8000/a", False),
    ("[^a]dmin", "http://t:8000/xdmin", True),
    ("^/a|^/b", "http://t:8000/b/c", True),
    ("^/a|^/b", "http://t:8000/c/b", False),
    ("(?P<x>ab)(?P=x)", "http://t:8000/abab", True),
    ("(?i)^/ADMIN", "http://t:8000/admin", True),
    ("private", "http://private.host:8000/x", False),
    ("^.*host", "http://private.host:8000/x", False),
    (r"\A/x", "http://t:8000/x", True),
    ("id=1$", "http://t:8000/p?id=1", True),
]


def test_translated_patterns_match_in_java_as_they_do_in_python() -> None:
    jshell = shutil.which("jshell")
    if jshell is None:
        pytest.skip("jshell (a JDK) is not installed (run: scripts/bootstrap.sh)")
    lines = []
    for pattern, url, expected in CASES:
        assert UrlPattern(pattern).matches(url) is expected, (pattern, url)
        regex = json.dumps(UrlPattern(pattern).to_engine())
        lines.append(
            f"System.out.println(java.util.regex.Pattern.compile({regex}).matcher({json.dumps(url)}).matches());"
        )
    within = json.dumps(UrlPattern("^/admin").to_engine("http://t:8000"))
    lines.append(
        f'System.out.println(java.util.regex.Pattern.compile({within}).matcher("http://t:8000/admin/x").matches());'
    )
    lines.append(
        f'System.out.println(java.util.regex.Pattern.compile({within}).matcher("http://t:80001/admin/x").matches());'
    )
    output = subprocess.run(
        [jshell, "-q", "-"],
        input="\n".join([*lines, "/exit"]) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    got = [word for word in output.split() if word in ("true", "false")]
    expected = [str(e).lower() for _, _, e in CASES] + ["true", "false"]
    assert got == expected, list(zip([c[0] for c in CASES], got, expected, strict=False))
