"""Write a draft as YAML a person reads: each value with its provenance as a comment beside
it, and the same provenance as data under ``provenance:`` (for the web app)."""

from __future__ import annotations

from typing import Any

import yaml

from scheduler.core.loader import field_path
from scheduler.draft.drafter import OPEN, Draft, Value


class _NoAliases(yaml.SafeDumper):
    """Writes a value used twice twice: a template refuses aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def flow(value: Any) -> str:
    """A value as the draft writes it, on one line: ``[1, 8]``, ``{day: 1}``, ``CN``."""
    if isinstance(value, dict | list):
        return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    text = yaml.safe_dump(value, allow_unicode=True, width=10_000)
    return text.removesuffix("\n...\n").strip()


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def comment(value: Value) -> str:
    """The comment beside a value: where it came from."""
    if value.status == "stated":
        return f'stated: "{_one_line(value.words)}"'
    if value.status == "inferred":
        words = f' from "{_one_line(value.words)}"' if value.words else ""
        return f"inferred{words} ({value.rule})"
    words = f' ("{_one_line(value.words)}")' if value.words else ""
    if not needs_filling(value):
        return f"not stated in the record{words}: {value.note}"
    return f"NOT STATED in the record{words}: fill it in ({value.note})"


def needs_filling(value: Value) -> bool:
    """Whether the value is, or holds, the open value a person must replace."""
    if isinstance(value.value, dict):
        return OPEN in value.value.values()
    return bool(value.value == OPEN)


class _Emitter:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.provenance: list[dict[str, Any]] = []

    def record(self, path: tuple[Any, ...], value: Value) -> None:
        entry: dict[str, Any] = {"field": field_path(path), "status": value.status,
                                 "value": value.value}
        if value.words:
            entry["words"] = value.words
        if value.span is not None:
            entry["span"] = list(value.span)
        if value.rule:
            entry["rule"] = value.rule
        if value.note:
            entry["note"] = value.note
        self.provenance.append(entry)

    def mapping(self, data: dict[str, Any], indent: int, path: tuple[Any, ...], first: str = "") -> None:
        prefix = first
        for key, item in data.items():
            pad = prefix or " " * indent
            prefix = ""
            self.item(f"{pad}{key}:", item, indent, (*path, key))

    def item(self, head: str, item: Any, indent: int, path: tuple[Any, ...]) -> None:
        if isinstance(item, Value):
            self.record(path, item)
            self.lines.append(f"{head} {flow(item.value)}  # {comment(item)}")
        elif isinstance(item, dict):
            self.lines.append(head)
            self.mapping(item, indent + 2, path)
        elif isinstance(item, list) and item and isinstance(item[0], dict):
            self.lines.append(head)
            for index, element in enumerate(item):
                self.mapping(element, indent + 4, (*path, index), first=" " * (indent + 2) + "- ")
        else:
            self.lines.append(f"{head} {flow(item)}")


def count_open(result: Draft) -> int:
    """How many values of the draft a person must fill in."""
    found = 0

    def walk(item: Any) -> None:
        nonlocal found
        if isinstance(item, Value):
            found += needs_filling(item)
        elif isinstance(item, dict):
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(result.template)
    return found


def to_yaml(result: Draft) -> str:
    """The draft as YAML text."""
    emitter = _Emitter()
    emitter.mapping(result.template, 0, ())
    record = result.record
    open_count = count_open(result)
    head = [
        f"# Draft template from the registry record {record.nct_id or ''}".rstrip()
        + (f", arm '{_one_line(result.arm, 80)}'" if result.arm else "") + ".",
        "# Drafted by `scheduler draft`: every value says where it came from, 'stated' (the",
        "# record's words), 'inferred' (with the rule) or 'not stated'. Check each against the record.",
        f"# {open_count} value{' is' if open_count == 1 else 's are'} '{OPEN}': `scheduler validate` "
        "refuses the draft until a",
        "# person fills them in. Times, places and reminders are not drafted: add the site's own.",
    ]
    provenance = yaml.dump({"provenance": emitter.provenance}, Dumper=_NoAliases, allow_unicode=True,
                           sort_keys=False, width=100)
    return "\n".join(head + emitter.lines) + "\n\n" + provenance
