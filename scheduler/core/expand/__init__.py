"""The expansion: a plan request -> the sorted, dated events of the whole plan.

Pure and deterministic: no I/O, no clock. Semantics (see README, "Template language"):

- Day 1 is the start date (cycle 1 day 1). Plan day N is start + N - 1; week N starts on
  day 7*(N-1)+1 (week 7 = day 43).
- Components are expanded in template order, except that a component comes after those it
  is anchored to. An ``after`` anchor counts from the last event of the component it names
  (``from: last_day1``: from the actual day 1 of that regimen's last cycle given).
- A ``moved_from`` date is the date a rule pointed to before a non-working day moved it.
- ``at_end``: an event at the exact end of a timed drug's infusion (start + duration, in real
  time), whatever the day, with a note when that day is closed.
- ``resource``: a component is placed on its resource's calendar (site closures plus that
  resource's own).

The package, one module per job:

- :mod:`.run`: :func:`expand`, the order of work, and :data:`~.run.KINDS`, which maps each
  component model to the function that expands it;
- :mod:`.state`: :class:`~.state.Expansion`, the state every kind reads (anchors, spans,
  cycles, holds and stops) and :meth:`~.state.Expansion.emit`, the one way an event is made;
- :mod:`.rules`: what every kind shares: the plan's limits, :func:`wall_time` (clock times
  on daylight saving days), an event's look, the wording of moved and closed days;
- one module per component kind: :mod:`.regimen` (cycles), :mod:`.radiotherapy`,
  :mod:`.daily`, :mod:`.visit`. Phases are regimens: a regimen anchored after another and
  numbering its cycles on (``continue_numbering``), so they live in :mod:`.regimen`.

Adding a component kind: define its model in :mod:`scheduler.core.protocol` (a ``kind``
literal in the ``Component`` union), write a module here with one function
``expand_<kind>(expansion, component)`` that places its dates (``expansion.anchor_date``,
:func:`scheduler.core.workdays.place`) and adds events with ``expansion.emit``, list it in
:data:`~.run.KINDS`, and give it a ``tests/test_expand_<kind>.py``. No existing kind's module
changes.
"""

from .rules import MAX_PLAN_DAYS, MAX_PLAN_EVENTS, MAX_PLAN_YEARS, PLAN_LIMIT, wall_time
from .run import KINDS, expand, resolve_parameters

__all__ = [
    "KINDS",
    "MAX_PLAN_DAYS",
    "MAX_PLAN_EVENTS",
    "MAX_PLAN_YEARS",
    "PLAN_LIMIT",
    "expand",
    "resolve_parameters",
    "wall_time",
]
