"""A plan's history: every change recorded against it, in order, never edited.

Pure. A change is a delay, hold, stop, record or move to a new template version (inputs of
the expansion, see :mod:`adjust`), a revert of an earlier one, the end of the plan, or
switching the feed's detail on or off.
The plan's adjustments are the delays, holds and stops that no later revert undid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scheduler.core.adjust import KINDS, Adjustment, Delay, from_record
from scheduler.core.errors import InputError
from scheduler.core.record import Record
from scheduler.core.text import text_problem

REASON_MAX = 500
"""The longest reason a change may give, in characters."""


def check_text(value: str, what: str, maximum: int) -> str:
    """``value`` stripped; InputError unless it is 1 to ``maximum`` characters of valid UTF-8
    without control characters (the one check of :mod:`scheduler.core.text`)."""
    text = value.strip()
    if not text:
        raise InputError("give some text", what)
    problem = text_problem(text, maximum)
    if problem:
        raise InputError(problem, what)
    return text


def check_reason(reason: str) -> str:
    """A change's reason, checked before it is recorded."""
    return check_text(reason, "reason", REASON_MAX)


@dataclass(frozen=True)
class Change:
    """One recorded change to a plan; ``number`` counts from 1 within the plan."""

    number: int
    kind: str
    fields: dict[str, Any]
    author: str
    at: str

    @property
    def adjustment(self) -> Adjustment | None:
        """The delay, hold or stop this change records, if it is one."""
        return from_record(self.kind, self.fields) if self.kind in KINDS else None

    @property
    def reason(self) -> str:
        """Why the change was made."""
        return str(self.fields.get("reason", ""))

    def describe(self) -> str:
        """One line for listings, e.g. ``cycle 3 of immunochemo delayed 7 days: neutropenia``."""
        adjustment = self.adjustment
        if adjustment is not None:
            return adjustment.describe()
        if self.kind == "revert":
            return f"reverted change {self.fields['change']}: {self.reason}"
        if self.kind == "end":
            return f"plan ended: {self.reason}"
        if self.kind == "feed-detail":
            state = "on" if self.fields["detail"] else "off"
            return f"feed detail switched {state}: {self.reason}"
        raise ValueError(f"unknown change kind {self.kind!r}")


def reverted(changes: Sequence[Change]) -> dict[int, int]:
    """Change number -> the number of the revert that undid it."""
    return {int(c.fields["change"]): c.number for c in changes if c.kind == "revert"}


def adjustments(changes: Sequence[Change]) -> tuple[Adjustment, ...]:
    """The delays, holds, stops and records in force, in the order they were made (a record
    that re-anchors its cycle brings its delay just before it)."""
    undone = reverted(changes)
    result: list[Adjustment] = []
    for change in changes:
        adjustment = change.adjustment
        if change.number in undone or adjustment is None:
            continue
        if isinstance(adjustment, Record) and adjustment.cycle_shift is not None:
            regimen, cycle, days = adjustment.cycle_shift
            result.append(Delay(regimen, cycle, days, f"{adjustment.status} {adjustment.when()}"))
        result.append(adjustment)
    return tuple(result)


def ended(changes: Sequence[Change]) -> Change | None:
    """The change that ended the plan, if one did."""
    return next((c for c in changes if c.kind == "end"), None)


def feed_detail(changes: Sequence[Change]) -> bool:
    """True when the coordinator has switched detail on in the patient's feed (off by default)."""
    detail = False
    for change in changes:
        if change.kind == "feed-detail":
            detail = bool(change.fields["detail"])
    return detail


def check_revert(changes: Sequence[Change], number: int) -> Change:
    """The change that ``revert number`` would undo; InputError if it cannot be undone."""
    if not 1 <= number <= len(changes):
        raise InputError(f"there is no change {number} (this plan has {len(changes)})")
    target = changes[number - 1]
    if target.adjustment is None:
        raise InputError(f"change {number} ({target.describe()}) is not a delay, hold, stop, "
                         "record or move to a template version; only those can be reverted")
    undone = reverted(changes)
    if number in undone:
        raise InputError(f"change {number} was already reverted by change {undone[number]}")
    return target
