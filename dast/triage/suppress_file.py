"""Adding one suppression to a suppressions file without disturbing what is already written there.

The entry is appended as text (comments and layout stay as they are), then the whole file is
read back: only when it is still valid and holds exactly one entry more is it written (atomically).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml

from dast.atomic import write_atomic
from dast.errors import UsageError
from dast.triage.rules import MAX_FILE_BYTES, Suppression, parse_text, rules_from_text


def entry_text(entry: Suppression, comment: str, indent: int = 0) -> str:
    fields: dict[str, Any] = {"rule": int(entry.rule) if entry.rule.isdigit() else entry.rule}
    for key in ("url", "method", "parameter", "fingerprint", "reason", "owner", "ticket", "expires"):
        value = getattr(entry, key)
        if value is not None:
            fields[key] = value
    dumped = yaml.safe_dump(
        [fields], sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000
    )
    lines = [f"# {' '.join(comment.split())}", *dumped.rstrip("\n").split("\n")]
    return "".join(" " * indent + line + "\n" for line in lines)


def append_suppression(path: Path, entry: Suppression, comment: str) -> None:
    """Append `entry` (headed by a comment line) to the file, creating it when missing."""
    name = str(path)
    existing = _read(path)
    before = len(rules_from_text(existing, name).suppressions)
    parsed = parse_text(existing, name)
    if parsed.data is None:
        text = _joined(existing, entry_text(entry, comment))
    elif parsed.top_is_list:
        text = _joined(
            existing, entry_text(entry, comment, indent=parsed.lists["suppressions"].start_mark.column)
        )
    else:
        node = parsed.lists.get("suppressions")
        if node is None:
            if "suppressions" in parsed.data:
                raise UsageError(f"{name}: its suppressions: is not a list; add the entry by hand")
            text = _joined(existing, "suppressions:\n" + entry_text(entry, comment))
        elif node.flow_style and not node.value:  # `suppressions: []`, as the ZAP rules importer writes it
            start, end = node.start_mark.index, node.end_mark.index
            text = (
                existing[:start].rstrip(" ") + "\n" + entry_text(entry, comment) + existing[end:].lstrip("\n")
            )
        elif node.flow_style or not node.value:
            raise UsageError(f"{name}: its suppressions: list is not a block list; add the entry by hand")
        else:
            text = _inserted_after(existing, node, entry_text(entry, comment, indent=node.start_mark.column))
    after = rules_from_text(text, name).suppressions
    if len(after) != before + 1 or after[-1].entry != entry:
        raise UsageError(f"{name}: the entry could not be appended safely; add it by hand")
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as err:
        raise UsageError(f"{name}: cannot write: {err.strerror or err}") from None


def added_comment(today: datetime.date, where: str) -> str:
    return f"added by dast suppress on {today.isoformat()}" + (f": {where}" if where else "")


def _read(path: Path) -> str:
    name = str(path)
    try:
        if path.is_dir():
            raise UsageError(f"{name}: is a folder, expected a suppressions YAML file")
        if path.exists() and path.stat().st_size > MAX_FILE_BYTES:
            raise UsageError(f"{name}: larger than {MAX_FILE_BYTES:,} bytes; not a suppressions file")
        return path.read_text(encoding="utf-8") if path.exists() else ""
    except UnicodeDecodeError:
        raise UsageError(f"{name}: not UTF-8 text") from None
    except OSError as err:
        raise UsageError(f"{name}: cannot read: {err.strerror or err}") from None


def _inserted_after(existing: str, node: yaml.SequenceNode, block: str) -> str:
    """The block on the lines right after the list's last item (other keys may follow the list)."""
    end = node.value[-1].end_mark
    lines = existing.splitlines(keepends=True)
    at = end.line if end.column == 0 else end.line + 1
    head = "".join(lines[:at])
    if head and not head.endswith("\n"):
        head += "\n"
    return head + block + "".join(lines[at:])


def _joined(existing: str, block: str) -> str:
    if not existing.strip():
        return block
    return (existing if existing.endswith("\n") else existing + "\n") + block
