"""How the command line says a move to a new template version (``patient move``, ``template
patients``): the events that move (old date -> new date, by reference), those added and
removed, and the cycles kept where they were (given, or begun before the move)."""

from __future__ import annotations

from collections.abc import Callable

from scheduler.core.text import printable
from scheduler.services.moves import Moving


def moving_lines(moving: Moving) -> list[str]:
    """What moving one plan does, one line each, indented."""
    diff = moving.diff
    lines = [f"{len(diff.moved)} event(s) move, {len(diff.added)} added, {len(diff.removed)} removed"]
    lines += [f"  moves    {m.before.ref}  {m.before.date.isoformat()} -> {m.after.date.isoformat()}"
              for m in diff.moved]
    lines += [f"  added    {e.ref}  {e.date.isoformat()}" for e in diff.added]
    lines += [f"  removed  {e.ref}  {e.date.isoformat()}" for e in diff.removed]
    lines += [f"  kept     cycle {r.cycle} of {r.regimen} on {r.given.isoformat()}, "
              f"{'the day it was given' if r.recorded else 'the day it began, before the move'} "
              f"(version {moving.to_version} alone plans it on {r.planned.isoformat()})"
              for r in moving.realigned]
    return [printable(line) for line in lines]


def echo_moving(echo: Callable[[str], None], moving: Moving) -> None:
    """Print :func:`moving_lines`."""
    for line in moving_lines(moving):
        echo(line)
