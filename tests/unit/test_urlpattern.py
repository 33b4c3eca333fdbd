"""The tool's one URL rule: a regex searched in the URL's path and query, never in scheme or host."""

from __future__ import annotations

import pytest

from dast.urlpattern import UrlPattern, path_and_query


@pytest.mark.parametrize(
    ("pattern", "url", "matches"),
    [
        ("/logout", "http://shop:8000/app/logout?x=1", True),
        ("^/admin/", "http://shop:8000/admin/users", True),
        ("^/admin/", "http://shop:8000/x/admin/", False),
        (r"\.php\.bak$", "http://shop/setup.php.bak", True),
        ("/setup.php", "http://127.0.0.1:5000/setup.php", True),
        ("shop", "http://shop:8000/", False),
        ("8000", "http://shop:8000/", False),
        ("next=/", "http://shop/login?next=/", True),
        ("#top", "http://shop/a#top", False),
    ],
)
def test_searched_in_path_and_query(pattern: str, url: str, matches: bool) -> None:
    assert UrlPattern(pattern).matches(url) is matches


def test_path_and_query() -> None:
    assert path_and_query("http://h:1") == "/"
    assert path_and_query("https://h/a/b?c=d#e") == "/a/b?c=d"


def test_translation_anchors_at_the_path_not_the_url() -> None:
    engine = UrlPattern("^/admin").to_engine()
    assert engine.startswith("[A-Za-z]")
    assert "(?<=^" in engine, "the pattern's ^ becomes 'right after the origin'"


def test_within_an_origin_the_origin_is_quoted() -> None:
    assert UrlPattern("/api").to_engine("http://t:8000").startswith(r"\Qhttp://t:8000\E(?![^/?#])")


def test_a_bad_pattern_is_refused() -> None:
    import re

    with pytest.raises(re.error):
        UrlPattern("(")
