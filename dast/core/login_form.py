"""Finding the login form in a login page: its action, and the hidden fields that carry a CSRF token."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Hidden inputs whose value is a per-session anti-CSRF token.
_CSRF_NAME = re.compile(r"(?i)csrf|xsrf|token|nonce|authenticity")


@dataclass
class Form:
    action: str
    method: str
    inputs: list[tuple[str, str, str]] = field(default_factory=list)  # (type, name, value)

    def names(self) -> set[str]:
        return {name for _type, name, _value in self.inputs}

    def csrf_fields(self) -> tuple[str, ...]:
        return tuple(name for kind, name, _v in self.inputs if kind == "hidden" and _CSRF_NAME.search(name))


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._open: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        if tag == "form":
            self._open = Form(action=values.get("action", ""), method=values.get("method", "get").lower())
            self.forms.append(self._open)
        elif (
            tag in ("input", "button", "select", "textarea") and self._open is not None and values.get("name")
        ):
            kind = values.get("type", "text" if tag == "input" else tag).lower()
            self._open.inputs.append((kind, values["name"], values.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def find_login_form(page: str, password_field: str) -> Form | None:
    """The first form with an input named `password_field`, or None."""
    parser = _Forms()
    try:
        parser.feed(page[:2_000_000])
        parser.close()
    except (ValueError, AssertionError):  # HTMLParser's way of giving up on broken markup
        pass
    return next((f for f in parser.forms if password_field in f.names()), None)
