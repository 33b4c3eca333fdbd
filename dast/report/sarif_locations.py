"""Where a SARIF result sits in the repository.

GitHub code scanning displays only results located in a repository file (a relative path, or a
file: URI). A DAST finding is at a URL, so each result is placed at the file the profile's route
map names for that URL (`sarif: {routes: {'^/search': app/views/search.py}}`, patterns under the
one URL rule), else at the anchor file (`--sarif-anchor`; default the profile file or Dockerfile).
The URL itself goes into the message, a logical location and the result's properties.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from dast.models import SarifLocations
from dast.urlpattern import UrlPattern, path_and_query

DEFAULT_ANCHOR = "Dockerfile"
# GitHub resolves paths against the checkout; the base id says they are relative to the sources.
SOURCE_ROOT = "%SRCROOT%"
_PATH_SAFE = "/-._~!$&'()+,;=@"


def _path_and_query(url: str) -> str:
    """path_and_query without a full parse (asked of every result): cut after the authority."""
    scheme_end = url.find("://")
    if scheme_end < 0:
        return path_and_query(url)
    rest = url[scheme_end + 3 :]
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    tail = rest[cut:].split("#", 1)[0]
    return tail if tail.startswith("/") else "/" + tail


class Locator:
    def __init__(self, locations: SarifLocations) -> None:
        self.anchor = locations.anchor or DEFAULT_ANCHOR
        self._routes = [(UrlPattern(r.pattern), r.path) for r in locations.routes]
        self._quoted: dict[str, str] = {}

    def path_for(self, url: str) -> str:
        """The repository file a URL is reported at: the first route that matches, else the anchor."""
        if not self._routes:
            return self.anchor
        return next((path for pattern, path in self._routes if pattern.matches(url)), self.anchor)

    def location(self, url: str) -> dict[str, Any]:
        path = self.path_for(url)
        uri = self._quoted.get(path)
        if uri is None:
            uri = self._quoted[path] = quote(path, safe=_PATH_SAFE)
        return {
            "physicalLocation": {
                "artifactLocation": {"uri": uri, "uriBaseId": SOURCE_ROOT},
                # The whole file: a URL has no line; code scanning needs one to show the result.
                "region": {"startLine": 1},
            },
            "logicalLocations": [
                {"name": _path_and_query(url), "fullyQualifiedName": url, "kind": "resource"}
            ],
        }
