"""Pydantic's validation errors in words a coordinator reads.

Each error is worded from its ``type`` and ``ctx`` (the limit, the allowed values), never by
rewriting pydantic's message text, and quotes what was given as a short escaped excerpt
(:func:`scheduler.core.text.shown`). The template's own checks raise ``ValueError`` with their
message already in words; that message is used as it is.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic_core import ErrorDetails

from scheduler.core.text import shown

PATTERNS = {
    r"^[a-z][a-z0-9_-]{0,39}$": "an id (a lower-case letter, then at most 39 lower-case letters, "
                                "digits, '-' or '_', like 'ct-scan')",
    r"^[a-z][a-z0-9_]{0,39}$": "a name (a lower-case letter, then at most 39 lower-case letters, "
                               "digits or '_', like 'chemo_cycles')",
    r"^[a-z]{2}$": "a two-letter language code in lower case (like 'zh' or 'fr')",
    r"^\S+$": "one word without spaces",
}
"""The schema's patterns, in words."""

_WHOLE_NUMBER_TYPES = {"int_type", "int_parsing", "int_from_float", "int_parsing_size"}
_NUMBER_TYPES = {"float_type", "float_parsing", "decimal_type", "decimal_parsing"}
_DATE_TYPES = {"date_type", "date_parsing", "date_from_datetime_parsing",
               "date_from_datetime_inexact", "datetime_type", "datetime_parsing"}
_COMPARISONS = {"greater_than_equal": ("ge", "at least"), "greater_than": ("gt", "more than"),
                "less_than_equal": ("le", "at most"), "less_than": ("lt", "less than")}
_SHAPES = {"string_type": "text", "dict_type": "a mapping (name: value)",
           "model_type": "a mapping (name: value)", "model_attributes_type": "a mapping (name: value)",
           "list_type": "a list", "tuple_type": "a list", "bool_type": "true or false",
           "bool_parsing": "true or false", "time_type": "a clock time like '08:30'",
           "time_parsing": "a clock time like '08:30'"}


def in_words(error: ErrorDetails) -> str:
    """One validation error as a sentence (without its place, which the caller adds)."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    given = error.get("input")
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind == "missing":
        return "missing (required)"
    if kind == "extra_forbidden":
        return "unknown field"
    return _worded(kind, ctx, given)


def _worded(kind: str, ctx: dict[str, Any], given: Any) -> str:
    if kind == "string_pattern_mismatch":
        words = PATTERNS.get(str(ctx.get("pattern")), "in the form this field takes")
        return f"{shown(given)} is not {words}"
    if kind in ("string_too_long", "too_long"):
        return f"{_size(kind, given)}; the limit is {_count(kind, int(ctx['max_length']))}"
    if kind in ("string_too_short", "too_short"):
        if not given:
            return f"is empty; give at least {_count(kind, int(ctx['min_length']))}"
        return f"{_size(kind, given)}; give at least {_count(kind, int(ctx['min_length']))}"
    if kind in _COMPARISONS:
        key, words = _COMPARISONS[kind]
        return f"must be {words} {ctx[key]} (got {shown(given)})"
    if kind in ("literal_error", "enum"):
        return f"must be {_one_of(str(ctx['expected']))} (got {shown(given)})"
    if kind == "union_tag_invalid":
        field = str(ctx["discriminator"]).strip("'")
        return f"{field} {shown(ctx['tag'])} is not one of {ctx['expected_tags']}"
    if kind == "union_tag_not_found":
        return f"needs a {ctx['discriminator']}"
    if kind in _WHOLE_NUMBER_TYPES:
        if isinstance(given, str) and re.fullmatch(r"[-+]?[0-9]+", given.strip()):
            return f"{shown(given)} is too large a number"
        return f"must be a whole number (got {_given(given)})"
    if kind in _NUMBER_TYPES:
        return f"must be a number (got {_given(given)})"
    if kind in _DATE_TYPES:
        if isinstance(given, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", given.strip()):
            return f"{shown(given)} is not a real date"
        return f"must be a date in the form YYYY-MM-DD (got {_given(given)})"
    if kind in _SHAPES:
        return f"must be {_SHAPES[kind]} (got {_given(given)})"
    return f"is not accepted here (got {_given(given)})"


def _given(value: Any) -> str:
    """What was written, as YAML would show it: true/false, a list, a mapping, or the value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return shown(value)


def _size(kind: str, value: Any) -> str:
    """``is 9 characters long`` (text) or ``has 3 items`` (a list)."""
    length = len(value) if isinstance(value, str | list | tuple | dict) else 0
    if kind.startswith("string"):
        return f"is {_count(kind, length)} long"
    return f"has {_count(kind, length)}"


def _count(kind: str, number: int) -> str:
    unit = "character" if kind.startswith("string") else "item"
    return f"{number:,} {unit}{'' if number == 1 else 's'}"


def _one_of(expected: str) -> str:
    """pydantic's list of allowed values (``'a', 'b' or 'c'``), as "one of ..." when more
    than two."""
    return f"one of {expected}" if "," in expected else expected
