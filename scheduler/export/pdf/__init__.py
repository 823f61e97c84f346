"""The printable patient calendar: a PDF with an overview, month grids and a list of every event.

Built only from ``plan.events`` and the plan's data (template, parameters, notes, calendar):
nothing here computes a treatment date. The calendar is only read to lay out months, shade
weekends, holidays and closures, and name them.

Pages, all landscape (A4 or Letter):

1. Overview: patient, protocol, start, time zone, version; a summary of every phase with its
   dates, holds and stops; notes in words for the patient (see :mod:`.notes`: the plan's own
   notes are the coordinator's and are not printed); a legend of codes, shapes and colours.
2. One month grid per month from the first to the last event (or the last day an infusion
   runs): each day lists its events in short form ("08:30 IO+nP+DDP C3D1", "14:00 RT 12/30",
   "TMZ daily"), after the infusions still running from an earlier day ("5FU46 infusion
   running (until Wed 09:15)").
3. The chronological list: date, weekday, time, code, name, cycle/day or fraction with the
   cumulative dose, dose text and notes (an infusion's end on a later day, moved,
   continuation, changed), then cancelled events.

Every page has a footer with "Page n of N", the version and the protocol source. Colour is
never the only cue: each component has its code and its own shape (the first drug a circle,
radiotherapy a square, daily medication a triangle, a visit a diamond, the others further
shapes: see :func:`.shapes._assign_shapes`), every event its own mark, fills are light tints
and all text is dark, so the calendar prints legibly in greyscale. Body text is 9 pt or larger.

Chinese (``lang="zh"`` or ``"en+zh"``, or a Chinese patient label or reason) is set in Droid
Sans Fallback, a TrueType font shipped in the package (Apache 2.0, ``scheduler/fonts/``), of
which the PDF embeds the subset of glyphs it uses: it prints on a machine with no CJK font.
Latin text stays in Helvetica, run by run.

The output is deterministic: invariant mode, the creation date and document ID come from
``generated``, and nothing reads the clock or the environment.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from scheduler.core.event import Event, EventKind
from scheduler.core.plan import Plan
from scheduler.core.protocol import Daily, Hours, Radiotherapy, Regimen, Visit
from scheduler.export.pdf.context import _by_date, _Context, _daily_positions, _running
from scheduler.export.pdf.document import PAPERS, _render
from scheduler.export.pdf.notes import _changes
from scheduler.export.pdf.shapes import Shape, _assign_shapes
from scheduler.export.pdf.words import Lang, _Words

__all__ = ["to_pdf"]


def to_pdf(
    plan: Plan,
    *,
    generated: datetime,
    patient: str | None = None,
    paper: Literal["a4", "letter"] = "a4",
    week_start: Literal["monday", "sunday"] = "monday",
    lang: Lang = "en",
    version: int = 1,
    replaces: tuple[int, date] | None = None,
    changed_uids: frozenset[str] = frozenset(),
    cancelled: tuple[Event, ...] = (),
    feed_url: str | None = None,
    layout: Literal["compact", "full"] = "compact",
) -> bytes:
    """The plan as a printable PDF calendar (landscape A4 or Letter).

    ``generated`` (an aware datetime) is the moment printed as "Generated" and the PDF's
    creation date; the same inputs give byte-identical output. ``replaces`` is the previous
    version's number and issue date, ``changed_uids`` the events changed since it, and
    ``cancelled`` its events that are no longer planned. ``feed_url``, the address of the
    patient's live calendar feed, is printed on page 1 as a QR code to scan with a phone.
    ``layout="compact"`` lists the months with few treatment days (at most
    :data:`.monthlist.SPARSE_DAYS`) several to a page instead of a grid each; ``"full"``
    draws every month's grid.
    """
    if layout not in ("compact", "full"):
        raise ValueError(f"layout must be 'compact' or 'full' (got {layout!r})")
    if generated.tzinfo is None or generated.utcoffset() is None:
        raise ValueError("generated must be an aware datetime (with a time zone)")
    if paper not in PAPERS:
        raise ValueError(f"paper must be 'a4' or 'letter' (got {paper!r})")
    if week_start not in ("monday", "sunday"):
        raise ValueError(f"week_start must be 'monday' or 'sunday' (got {week_start!r})")
    words = _Words(lang, plan)
    ctx = _Context(
        plan=plan, words=words, patient=patient, generated=generated, version=version,
        replaces=replaces, changed=frozenset(changed_uids), cancelled=tuple(cancelled),
        week_start=0 if week_start == "monday" else 6,
        daily_position=_daily_positions(plan.events),
        by_day=_by_date(plan.events, lambda e: e.date),
        moved_away=_by_date(plan.events, lambda e: e.moved_from),
        running=_running(plan.events),
        changes=tuple(_changes(plan, words)),
        feed_url=feed_url,
        layout=layout,
        shapes=_shapes(plan),
    )
    return _render(ctx, paper)


def _repeated_visits(plan: Plan) -> dict[str, str]:
    """Visit id -> the earlier visit it repeats for another phase (the same code and name:
    FLOT's blood tests before its cycles after surgery, as before those before it)."""
    first: dict[tuple[str, str], str] = {}
    repeats: dict[str, str] = {}
    for component in plan.template.components:
        if isinstance(component, Visit):
            earlier = first.setdefault((component.code, component.name), component.id)
            if earlier != component.id:
                repeats[component.id] = earlier
    return repeats


def _shapes(plan: Plan) -> dict[str, Shape]:
    """Each component's mark (:func:`.shapes._assign_shapes`); a repeated visit shares the
    mark of the visit it repeats, as it shares its code and name."""
    shapes = _assign_shapes(_template_components(plan))
    for repeat, earlier in _repeated_visits(plan).items():
        shapes[repeat] = shapes[earlier]
    return shapes


def _template_components(plan: Plan) -> list[tuple[str, EventKind]]:
    """Every component of the template (each drug of a regimen, once when it is written in two
    phases, and the event at the end of its infusion, a visit, once when it is repeated for
    another phase) with its kind, in order."""
    repeats = _repeated_visits(plan)
    components: list[tuple[str, EventKind]] = []
    for component in plan.template.components:
        if isinstance(component, Regimen):
            for drug in component.drugs:
                if (drug.id, "drug") in components:
                    continue  # the same drug in a phase that continues the numbering
                components.append((drug.id, "drug"))
                if drug.at_end is not None:  # e.g. a pump disconnection: an event of kind visit
                    components.append((drug.at_end.id, "visit"))
        elif isinstance(component, Radiotherapy):
            components.append((component.id, "fraction"))
        elif isinstance(component, Daily):
            components.append((component.id, "daily"))
        elif isinstance(component, Visit):
            if component.id not in repeats:
                components.append((component.id, "visit"))
        elif isinstance(component, Hours):
            components.append((component.id, "drug" if component.event == "dose" else "visit"))
    return components
