"""The user commands: add, list and disable the coordinators who may sign in to the web app.
Part of the command line (:mod:`scheduler.cli`), loaded by :mod:`scheduler.cli.main` on demand.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from scheduler.cli.common import (
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
    """Add, list and disable the people who may log in to the web app.

    \b
    Example:
        scheduler user add li.na --admin
        scheduler user list
    """


@user.command("add")
@click.argument("name")
@click.option("--admin", is_flag=True, help="May add users and see every page.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts).")
@author_option
@now_option
@db_option
def user_add(name: str, admin: bool, password_stdin: bool, author: str | None, now: str | None,
             db: str | None) -> None:
    """Add a user NAME who may log in to the web app ('scheduler serve').

    The password is asked for twice (or read from standard input) and stored as an argon2
    hash only. The first 'user add' creates the registry if there is none.

    \b
    Example:
        scheduler user add li.na --admin
        printf '%s\\n' "$PASSWORD" | scheduler user add wang.fang --password-stdin
    """
    from scheduler.services import users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    record = users.new_user(name, password, admin, _author(author), _now(now))
    with _registry(db, create=True) as registry, registry.transaction():
        registry.add_user(record)
    click.echo(f"Added {'admin' if admin else 'coordinator'} {name}")


@user.command("list")
@db_option
def user_list(db: str | None) -> None:
    """List users: name, role, created, disabled.

    \b
    Example:
        scheduler user list
    """
    with _registry(db) as registry:
        people = registry.users()
    click.echo("NAME\tROLE\tCREATED\tSTATUS")
    for person in people:
        status = f"disabled {person.disabled_at}" if person.disabled_at else "active"
        click.echo(f"{person.name}\t{'admin' if person.admin else 'coordinator'}\t"
                   f"{person.created_at}\t{status}")


@user.command("disable")
@click.argument("name")
@now_option
@db_option
def user_disable(name: str, now: str | None, db: str | None) -> None:
    """Disable user NAME: they can no longer log in; what they did stays theirs.

    \b
    Example:
        scheduler user disable wang.fang
    """
    from scheduler.registry import access

    with _registry(db) as registry, registry.transaction():
        registry.disable_user(name, _now(now))
        ended = access.end_all(registry, name, _now(now))
    click.echo(f"Disabled {name}" + (f"; ended {ended} session(s)" if ended else ""))
