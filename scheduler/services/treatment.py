"""Following the treatment: what happened to each event (recorded), per patient.

Records are changes like any other (:mod:`scheduler.core.record`); this module is the
registry-side shell around them, and the JSON view of a registered patient.
"""

from __future__ import annotations

from typing import Any

from scheduler.core import history
from scheduler.export.table import event_record
from scheduler.services.patients import Snapshot


def snapshot_record(now: Snapshot) -> dict[str, Any]:
    """``patient show --json``: the plan, its changes and its events (with references)."""
    stored, plan = now.stored, now.plan
    undone = history.reverted(now.changes)
    return {
        "patient_key": stored.patient_key,
        "label": stored.label,
        "template": stored.template_id,
        "start": stored.start,
        "revision": now.revision,
        "ended": now.ended is not None,
        "changes": [{"number": c.number, "kind": c.kind, "text": c.describe(), "author": c.author,
                     "at": c.at, "reverted_by": undone.get(c.number)} for c in now.changes],
        "versions": [{"version": v.version, "issued_at": v.issued_at, "author": v.author}
                     for v in now.versions],
        "events": [{**event_record(e), "status": e.status, "status_note": e.status_note}
                   for e in plan.events],
    }
