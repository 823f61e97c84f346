"""The files a plan is handed out as: which exporters run, with which options."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler.export import ics
from scheduler.plan import Plan
from scheduler.reissue import Revision


@dataclass(frozen=True)
class OutputOptions:
    """How to render: shared by ``generate``, ``issue`` and ``batch``."""

    discreet: bool = False


def render(
    plan: Plan,
    stamp: datetime,
    patient: str | None,
    options: OutputOptions,
    revision: Revision | None = None,
) -> dict[str, bytes]:
    """File suffix -> bytes for one plan."""
    return {
        ".ics": ics.to_ics(plan, stamp=stamp, patient=patient, discreet=options.discreet,
                           revision=revision),
    }
