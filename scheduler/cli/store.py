"""What the registry's commands share: ``--db`` and opening the registry, ``--now``,
``--author`` and ``--reason``. Imported by :mod:`scheduler.cli.patients`, :mod:`.feeds`,
:mod:`.users` and :mod:`.registry`; none of those imports another.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from scheduler.cli.common import (
    _converted,
)

AUTHOR_MAX = 64

if TYPE_CHECKING:
    from datetime import datetime

    from scheduler.registry import Registry


def db_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--db``, shared by every registry command."""
    return click.option(
        "--db", envvar="SCHEDULER_DB", metavar="FILE|URL",
        help="The registry: a SQLite file, or postgresql://USER@HOST/DBNAME for a team. "
             "Default: $SCHEDULER_DB, else registry.sqlite3 in your user data folder.",
    )(command)


@contextlib.contextmanager
def _registry(db: str | None, create: bool = False) -> Iterator[Registry]:
    from scheduler.registry import default_location, opened

    with opened(db or default_location(), create) as registry:
        yield registry


def _now(now: str | None) -> datetime:
    """``--now`` read by :func:`scheduler.services.options.resolve_now` (imported when a command runs)."""
    from scheduler.services.options import resolve_now

    return resolve_now(now)


def _author(author: str | None) -> str:
    import getpass

    return author or os.environ.get("USER") or getpass.getuser()


def _reason(text: str) -> str:
    from scheduler.core.history import REASON_MAX
    from scheduler.services.options import parse_text

    return parse_text(text, "reason", REASON_MAX)


# Text options are checked as they are read (the library checks them again when it records
# them), so a bad value is refused before the registry is even opened.
author_option = click.option("--author", metavar="NAME",
                             callback=_converted(
                                 lambda options, v: options.parse_text(v, "author", AUTHOR_MAX)),
                             help="Who makes the change (default: your user name).")
reason_option = click.option("--reason", required=True,
                             callback=_converted(lambda _, v: _reason(v)),
                             help="Why (printable text, at most 500 characters).")
