"""docs/results-schema.md, generated from the record model's JSON Schema (one definition per fact).

`python -m dast.report.schema_doc > docs/results-schema.md` regenerates it; a test keeps it in step.
"""

from __future__ import annotations

import json
from typing import Any

from dast.models import SCHEMA_VERSION, results_json_schema

INTRO = f"""# results.json (schema_version {SCHEMA_VERSION})

<!-- Generated from dast/models.py by `python -m dast.report.schema_doc`; do not edit by hand. -->

`results.json` is the complete record of one scan. `dast scan` writes it next to the other reports, and
`dast report` re-renders every other format from it. The JSON Schema is printed by `dast schema results`
(and kept in `docs/results.schema.json`). It is UTF-8 JSON, pretty-printed with sorted keys; findings are
ordered by risk (High first) then name, and instances by fingerprint, so two runs diff cleanly.

Every text field has been sanitised before writing: secrets are replaced by placeholders; characters XML
cannot carry are replaced by U+FFFD; text longer than 20,000 characters (URLs: 4,000) is cut and ends with
`… [truncated N characters]`.

`dast report` reads the file strictly: an unknown `schema_version`, a missing required key or a value of the
wrong type is an error naming the key (e.g. `findings[0].instances[2].url`), never a guess. Keys with a
default may be absent. Unknown extra keys are ignored. Older layouts are still read: `schema_version` 1
(no `completeness`: a budget cut or an error makes it incomplete when read).
"""


def _type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[1]
        target = defs[name]
        if "enum" in target:
            return " \\| ".join(f"`{v}`" for v in target["enum"])
        return f"object, see [{name}](#{name.lower()})"
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{json.dumps(prop['const'])}`"
    kind = prop.get("type")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}), defs)}"
    if "anyOf" in prop:
        return " or ".join(_type(p, defs) for p in prop["anyOf"])
    return {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}.get(
        str(kind), str(kind)
    )


def _table(obj: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    required = set(obj.get("required", ()))
    lines = ["| Key | Type | Default | Meaning |", "| --- | --- | --- | --- |"]
    for key, prop in obj.get("properties", {}).items():
        if key in required:
            default = "required"
        else:
            default = f"`{json.dumps(prop['default'])}`" if "default" in prop else "its own defaults"
        meaning = prop.get("description") or defs.get(prop.get("$ref", "/").rsplit("/", 1)[1], {}).get(
            "description", ""
        )
        lines.append(f"| `{key}` | {_type(prop, defs)} | {default} | {' '.join(meaning.split())} |")
    return lines


def render_markdown() -> str:
    schema = results_json_schema()
    defs: dict[str, Any] = schema.get("$defs", {})
    lines = [INTRO, "## RunRecord (the top level)", "", *_table(schema, defs)]
    for name in sorted(defs):
        definition = defs[name]
        if definition.get("type") != "object":
            continue
        lines += ["", f"## {name}", ""]
        if definition.get("description"):
            lines += [" ".join(definition["description"].split()), ""]
        lines += _table(definition, defs)
    return "\n".join(lines) + "\n"


def render_schema_json() -> str:
    return json.dumps(results_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    import sys

    which = sys.argv[1] if len(sys.argv) > 1 else "markdown"
    sys.stdout.write(render_schema_json() if which == "json" else render_markdown())
