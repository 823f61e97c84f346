"""People who use the web app: roles, adding, disabling, password links, all recorded.

Every function here is one change, made in one transaction and recorded with its author and
time (``registry/people.py``'s ``user_changes``); the command line and the admin page call the
same functions. Rules kept here, nowhere else: the last active admin can be neither disabled
nor demoted; a password link is valid :data:`RESET_HOURS` hours and usable once; only its
hash is stored.

Sessions: :func:`end_sessions` is called, inside the same transaction, whenever a change must
log a person out everywhere (disabled, password changed or reset, role changed); it ends
their server-side sessions (:mod:`scheduler.registry.access`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.core.errors import InputError
from scheduler.registry import Registry, User, token_hash
from scheduler.registry import people as store
from scheduler.services.users import _hasher, check_password, new_user

ROLES = ("admin", "coordinator", "viewer")
"""admin: people, templates, site settings and everything a coordinator does; coordinator:
patients; viewer: reads everything, changes nothing."""
RESET_HOURS = 24
LANGUAGES = ("en", "zh")
"""The languages the web app speaks (its catalogs: :mod:`scheduler.web.i18n`)."""


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`, else InputError naming them."""
    if role not in ROLES:
        raise InputError(f"role '{role}': choose admin, coordinator or viewer")
    return role


def end_sessions(registry: Registry, name: str, now: datetime, why: str) -> int:
    """End every session of ``name`` (``why``: disabled, password, reset, role), inside the
    change's transaction (:func:`scheduler.registry.access.end_all`); how many were live."""
    from scheduler.registry import access

    del why
    return access.end_all(registry, name, now)


def _person(registry: Registry, name: str) -> User:
    found = registry.user(name)
    if found is None:
        raise InputError(f"no user '{name}'")
    return found


def _keep_an_admin(registry: Registry, name: str, doing: str) -> None:
    if store.active_admins(registry) == [name]:
        raise InputError(f"{name} is the last active admin: {doing} would leave no one to add "
                         "people or approve templates; make another admin first")


def new(name: str, password: str, role: str, author: str, now: datetime) -> User:
    """A person's record, checked (name, password, role) and the password hashed, before
    anything is opened or written."""
    person = new_user(name, password, check_role(role) == "admin", author, now)
    return User(**{**person.__dict__, "role": role})


def add(registry: Registry, person: User) -> None:
    """Add a person made by :func:`new`; the change is recorded."""
    with registry.transaction():
        registry.add_user(person)
        store.record(registry, person.name, "added", {"role": person.role}, person.created_by,
                     person.created_at)


def set_role(registry: Registry, name: str, role: str, author: str, now: datetime) -> None:
    """Change ``name``'s role (never the last active admin's away from admin)."""
    check_role(role)
    with registry.transaction():
        person = _person(registry, name)
        if person.role == role:
            raise InputError(f"{name} is {role} already")
        if person.role == "admin" and person.active:
            _keep_an_admin(registry, name, f"making them {role}")
        store.update(registry, name, role=role)
        store.record(registry, name, "role", {"from": person.role, "to": role}, author, now.isoformat())
        end_sessions(registry, name, now, "role")


def disable(registry: Registry, name: str, author: str, now: datetime) -> int:
    """Disable ``name``: they can no longer log in, and their sessions end (never the last
    active admin); how many sessions were ended."""
    with registry.transaction():
        person = _person(registry, name)
        if not person.active:
            raise InputError(f"user '{name}' is disabled already")
        if person.role == "admin":
            _keep_an_admin(registry, name, "disabling them")
        store.update(registry, name, disabled_at=now.isoformat())
        store.close_resets(registry, name, now.isoformat())
        store.record(registry, name, "disabled", {}, author, now.isoformat())
        return end_sessions(registry, name, now, "disabled")


def enable(registry: Registry, name: str, author: str, now: datetime) -> None:
    """Let a disabled person log in again (with the password they had)."""
    with registry.transaction():
        if _person(registry, name).active:
            raise InputError(f"user '{name}' is active already")
        store.update(registry, name, disabled_at=None)
        store.record(registry, name, "enabled", {}, author, now.isoformat())


def set_language(registry: Registry, name: str, language: str | None, now: datetime) -> None:
    """A person chooses the web app's language (None: their browser's); recorded."""
    if language is not None and language not in LANGUAGES:
        raise InputError(f"language '{language}': choose one of {', '.join(LANGUAGES)}")
    with registry.transaction():
        store.update(registry, name, language=language)
        store.record(registry, name, "language", {"to": language}, name, now.isoformat())


@dataclass(frozen=True)
class Link:
    """A one-time password link: the token (shown once) and when it stops working."""

    token: str
    expires: datetime

    def path(self) -> str:
        """Where the link leads on the web app."""
        return f"/reset/{self.token}"


def issue_reset(registry: Registry, name: str, author: str, now: datetime) -> Link:
    """A one-time link for ``name`` to set a new password, valid :data:`RESET_HOURS` hours;
    older open links of ``name`` stop working. Only the token's hash is stored."""
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=RESET_HOURS)
    with registry.transaction():
        if not _person(registry, name).active:
            raise InputError(f"user '{name}' is disabled: enable them first")
        store.close_resets(registry, name, now.isoformat())
        store.add_reset(registry, name, token_hash(token), author, now.isoformat(), expires.isoformat())
        store.record(registry, name, "reset-issued", {"expires": expires.isoformat()}, author,
                     now.isoformat())
    return Link(token, expires)


def reset_holder(registry: Registry, token: str, now: datetime) -> str:
    """Whose link ``token`` is, if it can still be used; InputError in words if not."""
    found = store.reset(registry, token_hash(token))
    if found is None:
        raise InputError("This password link is not known: ask an admin for a new one.")
    if found.used_at is not None:
        raise InputError("This password link has been used already: ask an admin for a new one.")
    if now >= datetime.fromisoformat(found.expires_at):
        raise InputError(f"This password link expired {found.expires_at[:16].replace('T', ' ')} "
                         "UTC: ask an admin for a new one.")
    person = registry.user(found.user_name)
    if person is None or not person.active:
        raise InputError("This password link's user is disabled: ask an admin.")
    return found.user_name


def use_reset(registry: Registry, token: str, password: str, now: datetime) -> str:
    """Set a new password through a link, which then stops working; whose it was."""
    check_password(password, reset_holder(registry, token, now))
    with registry.transaction():
        name = reset_holder(registry, token, now)
        found = store.reset(registry, token_hash(token))
        assert found is not None
        if not store.use_reset(registry, found.id, now.isoformat()):
            raise InputError("This password link has been used already: ask an admin for a new one.")
        store.update(registry, name, password_hash=_hasher().hash(password))
        store.record(registry, name, "reset-used", {}, name, now.isoformat())
        end_sessions(registry, name, now, "reset")
    return name


def change_password(registry: Registry, name: str, current: str, new: str, now: datetime) -> None:
    """A person changes their own password, giving the current one."""
    from scheduler.services.users import verify

    check_password(new, name)
    with registry.transaction():
        if not verify(registry.user(name), current):
            raise InputError("current password: that is not your password")
        store.update(registry, name, password_hash=_hasher().hash(new))
        store.close_resets(registry, name, now.isoformat())
        store.record(registry, name, "password", {}, name, now.isoformat())
        end_sessions(registry, name, now, "password")
