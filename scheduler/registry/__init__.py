"""The patient registry: one store, two engines (SQLite by default, PostgreSQL for a team).

:func:`opened` is the one way in: it finds out what is at the location, refuses what is not
a registry, creates or upgrades only when asked, and hands back a :class:`Registry`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import sqlalchemy as sa

from scheduler.core.errors import InputError
from scheduler.registry.database import (
    Location,
    State,
    create_sqlite,
    engine_for,
    initialise,
    locate,
    reason,
    state,
)
from scheduler.registry.store import (
    PAUSE_AT_FOR_TESTS,
    PAUSE_FOR_TESTS,
    FeedToken,
    Registry,
    StaleError,
    StoredPlan,
    StoredVersion,
    User,
    pause_point,
    token_hash,
)

__all__ = [
    "PAUSE_AT_FOR_TESTS", "PAUSE_FOR_TESTS", "FeedToken", "Location", "Registry", "StaleError",
    "State", "StoredPlan", "StoredVersion", "User", "default_location", "locate", "opened",
    "pause_point", "token_hash",
]


def default_location() -> str:
    """``SCHEDULER_DB`` is read by the CLI; without it, a file in the per-user data folder."""
    import platformdirs

    return str(platformdirs.user_data_path("scheduler") / "registry.sqlite3")


def _refusal(location: Location, found: State) -> InputError:
    """Why a registry location holding ``found`` is refused; an older registry's remedy is
    the ``upgrade`` of the registry, which each shell says its own way."""
    older = InputError("made by an older scheduler", "db", remedy="upgrade", value=location.shown)
    return {
        State.FOREIGN: InputError("not a scheduler registry; nothing was written to it", "db",
                                  value=location.shown),
        State.NEWER: InputError("made by a newer scheduler; upgrade this one", "db",
                                value=location.shown),
        State.LEGACY: older,
        State.OLD: older,
    }.get(found) or InputError(found.value, "db", value=location.shown)


@contextlib.contextmanager
def opened(db: str | os.PathLike[str], create: bool = False) -> Iterator[Registry]:
    """The registry at ``db`` (a file path or URL), for the length of the block.

    Without ``create``, a missing file or an empty database is an InputError: a mistyped
    ``--db`` does not start an empty registry. With it, an empty location gets a new
    registry, made in one step (see :mod:`scheduler.registry.database`). A location holding
    anything but a current registry is refused before anything is written to it.
    """
    location = locate(db)
    engine = engine_for(location)
    try:
        found = state(location, engine)
        if found in (State.MISSING, State.EMPTY):
            if not create:
                raise InputError("no registry there", "db", remedy="init", value=location.shown)
            if found is State.MISSING and location.path is not None:
                create_sqlite(location.path)
            else:
                initialise(engine)
        elif found is not State.CURRENT:
            raise _refusal(location, found)
        yield Registry(location, engine)
    except sa.exc.OperationalError as error:  # the server went away, the disk is full...
        raise InputError(value=location.shown, field="db", message=reason(error)) from None
    finally:
        engine.dispose()
