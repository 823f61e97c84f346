"""The user commands: add, list and disable the coordinators who may sign in to the web app.
Part of the command line (:mod:`scheduler.cli`), loaded by :mod:`scheduler.cli.main` on demand.
"""

from __future__ import annotations

import sys
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
)

if TYPE_CHECKING:

    pass


# --- users --------------------------------------------------------------------------------------


@click.group()
def user() -> None:
    """Add, list, disable and enable the people who may log in to the web app; set their
    role; make a one-time password link. Every change is recorded with its author and time.

    \b
    Example:
        scheduler user add li.na --admin
        scheduler user role wang.fang viewer
        scheduler user reset wang.fang
        scheduler user list
    """


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "coordinator", "viewer"]), default=None,
              help="admin: people, templates, site settings and patients; coordinator (the "
                   "default): patients; viewer: reads everything, changes nothing.")
@click.option("--admin", is_flag=True, help="The same as --role admin.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts).")
@author_option
@now_option
@db_option
def user_add(name: str, role: str | None, admin: bool, password_stdin: bool, author: str | None,
             now: str | None, db: str | None) -> None:
    """Add a user NAME who may log in to the web app ('scheduler serve').

    The password is asked for twice (or read from standard input) and stored as an argon2
    hash only. The first 'user add' creates the registry if there is none.

    \b
    Example:
        scheduler user add li.na --admin
        printf '%s\\n' "$PASSWORD" | scheduler user add wang.fang --password-stdin
    """
    from scheduler.services import people

    if admin and role not in (None, "admin"):
        raise _UserError(f"--admin and --role {role}: choose one")
    chosen = "admin" if admin else role or "coordinator"
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    person = people.new(name, password, chosen, _author(author), _now(now))
    with _registry(db, create=True) as registry:
        people.add(registry, person)
    click.echo(f"Added {chosen} {name}")


@user.command("list")
@db_option
def user_list(db: str | None) -> None:
    """List users: name, role, created, disabled.

    \b
    Example:
        scheduler user list
    """
    with _registry(db) as registry:
        found = registry.users()
    click.echo("NAME\tROLE\tCREATED\tSTATUS")
    for person in found:
        status = f"disabled {person.disabled_at}" if person.disabled_at else "active"
        click.echo(f"{person.name}\t{person.role}\t{person.created_at}\t{status}")


@user.command("disable")
@click.argument("name")
@author_option
@now_option
@db_option
def user_disable(name: str, author: str | None, now: str | None, db: str | None) -> None:
    """Disable user NAME: they can no longer log in; what they did stays theirs. The last
    active admin cannot be disabled.

    \b
    Example:
        scheduler user disable wang.fang
    """
    from scheduler.services import people

    with _registry(db) as registry:
        ended = people.disable(registry, name, _author(author), _now(now))
    click.echo(f"Disabled {name}" + (f"; ended {ended} session(s)" if ended else ""))


@user.command("enable")
@click.argument("name")
@author_option
@now_option
@db_option
def user_enable(name: str, author: str | None, now: str | None, db: str | None) -> None:
    """Let disabled user NAME log in again, with the password they had.

    \b
    Example:
        scheduler user enable wang.fang
    """
    from scheduler.services import people

    with _registry(db) as registry:
        people.enable(registry, name, _author(author), _now(now))
    click.echo(f"Enabled {name}")


@user.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(["admin", "coordinator", "viewer"]))
@author_option
@now_option
@db_option
def user_role(name: str, role: str, author: str | None, now: str | None, db: str | None) -> None:
    """Give user NAME the ROLE admin, coordinator or viewer. The last active admin keeps
    the admin role.

    \b
    Example:
        scheduler user role wang.fang viewer
    """
    from scheduler.services import people

    with _registry(db) as registry:
        people.set_role(registry, name, role, _author(author), _now(now))
    click.echo(f"{name} is now {role}")


@user.command("reset")
@click.argument("name")
@click.option("--base-url", envvar="SCHEDULER_BASE_URL", default="http://127.0.0.1:8000",
              show_default=True, metavar="URL", help="The web app's address, for the link.")
@author_option
@now_option
@db_option
def user_reset(name: str, base_url: str, author: str | None, now: str | None, db: str | None) -> None:
    """Make a one-time link for user NAME to set a new password in the web app: valid 24
    hours, usable once; an older link of NAME stops working. Pass it on to them yourself (it
    is printed once; only its hash is kept).

    \b
    Example:
        scheduler user reset wang.fang --base-url https://scheduler.example.org
    """
    from scheduler.services import people

    with _registry(db) as registry:
        link = people.issue_reset(registry, name, _author(author), _now(now))
    click.echo(f"Password link for {name}, valid until {link.expires.isoformat(timespec='minutes')} "
               "(once):")
    click.echo(base_url.rstrip("/") + link.path())
