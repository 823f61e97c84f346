"""The feed commands: create, rotate and revoke a patient's calendar feed, and switch its
detail on or off. Part of the command line (:mod:`scheduler.cli`), loaded by
:mod:`scheduler.cli.main` on demand.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from scheduler.cli.common import (
    _UserError,
    now_option,
)
from scheduler.cli.store import (
    _author,
    _now,
    _registry,
    author_option,
    db_option,
    reason_option,
)

if TYPE_CHECKING:

    pass


# --- feeds -----------------------------------------------------------------------------------------

base_url_option = click.option(
    "--base-url", envvar="SCHEDULER_BASE_URL", default="http://127.0.0.1:8000", show_default=True,
    metavar="URL", help="The address patients' calendars reach the server at (https://... behind "
                        "a reverse proxy); feed URLs start with it. Also $SCHEDULER_BASE_URL.")


@click.group()
def feed() -> None:
    """Give a patient a calendar feed that their phone keeps current.

    The feed is served by 'scheduler serve' at <base-url>/feed/<token>.ics and always holds
    the current plan. It is discreet (no drug, dose or place) unless detail is switched on.

    \b
    Example:
        scheduler feed create P017 --base-url https://calendar.example.org
        scheduler feed rotate P017
        scheduler feed revoke P017
    """


def _feed_url(base_url: str, token: str) -> str:
    from urllib.parse import urlsplit

    from scheduler.services.feed import feed_path

    if urlsplit(base_url).hostname in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"Note: {base_url} is this computer's own address: a patient's phone or "
                   "Google's and Microsoft's servers cannot reach it. Give --base-url (or "
                   "$SCHEDULER_BASE_URL) the address the server is reached at, then rotate.",
                   err=True)
    return base_url.rstrip("/") + feed_path(token)


@feed.command("create")
@click.argument("key")
@base_url_option
@author_option
@now_option
@db_option
def feed_create(key: str, base_url: str, author: str | None, now: str | None, db: str | None) -> None:
    """Make KEY's feed and print its address. With a server key ($SCHEDULER_FEED_KEY_FILE,
    see 'feed key', or $SCHEDULER_SECRET) it is kept sealed, and 'feed show' prints it again.

    \b
    Example:
        scheduler feed create P017 --base-url https://calendar.example.org
    """
    from scheduler.services import feed as feeds

    with _registry(db) as registry:
        token = feeds.create(registry, key, _author(author), _now(now))
    click.echo(_feed_url(base_url, token))


@feed.command("show")
@click.argument("key")
@base_url_option
@db_option
def feed_show(key: str, base_url: str, db: str | None) -> None:
    """Print KEY's feed address again (from its token sealed with the server's key).

    \b
    Example:
        scheduler feed show P017 --base-url https://calendar.example.org
    """
    from scheduler.services import feed as feeds

    with _registry(db) as registry:
        url = feeds.address(registry, key, base_url)
    if url is None:
        raise _UserError(f"{key}: no address to show (no live feed, or it was made without the "
                         "server's key); 'feed rotate' makes a new one")
    click.echo(url)


@feed.command("key")
@click.argument("path", type=click.Path(path_type=Path))
def feed_key(path: Path) -> None:
    """Write a new server key to PATH, for $SCHEDULER_FEED_KEY_FILE (feed addresses are kept
    sealed with it). Refuses to replace a key: addresses sealed with it could not be read.

    \b
    Example:
        scheduler feed key /etc/scheduler/feed.key
    """
    from scheduler.services.sealing import new_key_file

    new_key_file(path)
    click.echo(f"Wrote {path}: set SCHEDULER_FEED_KEY_FILE={path} for 'serve' and 'feed'.")


@feed.command("rotate")
@click.argument("key")
@base_url_option
@author_option
@now_option
@db_option
def feed_rotate(key: str, base_url: str, author: str | None, now: str | None, db: str | None) -> None:
    """Give KEY's feed a new address; the old one stops working at once.

    \b
    Example:
        scheduler feed rotate P017
    """
    from scheduler.services import feed as feeds

    with _registry(db) as registry:
        token = feeds.create(registry, key, _author(author), _now(now), rotate=True)
    click.echo(_feed_url(base_url, token))


@feed.command("revoke")
@click.argument("key")
@author_option
@now_option
@db_option
def feed_revoke(key: str, author: str | None, now: str | None, db: str | None) -> None:
    """Stop KEY's feed: its address answers 404 from now on.

    \b
    Example:
        scheduler feed revoke P017
    """
    from scheduler.services import feed as feeds

    with _registry(db) as registry:
        feeds.revoke(registry, key, _author(author), _now(now))
    click.echo(f"Revoked the feed of {key}")


@feed.command("detail")
@click.argument("key")
@click.argument("state", type=click.Choice(["on", "off"]))
@reason_option
@author_option
@now_option
@db_option
def feed_detail(key: str, state: str, reason: str, author: str | None, now: str | None,
                db: str | None) -> None:
    """Switch drug names, doses and places in KEY's feed on or off (off by default).

    The feed is fetched by the patient's calendar provider (Google, Microsoft, Apple): switch
    detail on only when the patient wants it there. The change is recorded with its reason.

    \b
    Example:
        scheduler feed detail P017 on --reason "patient asked for drug names"
    """
    from scheduler.services import feed as feeds

    with _registry(db) as registry:
        change = feeds.set_detail(registry, key, state == "on", reason, _author(author), _now(now))
    click.echo(f"Recorded for {key}: {change.describe()}")
