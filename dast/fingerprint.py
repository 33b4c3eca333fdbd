"""Stable identity of a finding instance, the same across runs and hosts.

rule id + method + normalised URL path + parameter: the host, query values and
fragment are left out so a staging and a production scan of one app agree.
"""

from __future__ import annotations

import hashlib
import posixpath
from urllib.parse import unquote, urlsplit


def normalise_path(url: str) -> str:
    path = unquote(urlsplit(url).path) or "/"
    # posixpath.normpath keeps a leading "//"; collapse it so "//a" and "/a" agree.
    normalised = posixpath.normpath("/" + path.lstrip("/"))
    return normalised if normalised != "." else "/"


def fingerprint(rule_id: str, method: str, url: str, parameter: str) -> str:
    key = "\x1f".join((rule_id, method.upper(), normalise_path(url), parameter))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def site_of(url: str) -> str:
    """scheme://host[:port] of a URL, the unit CI servers group findings by."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    return f"{parts.scheme}://{parts.netloc}"
