"""Users of the web app: names, roles and argon2 password hashes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from scheduler.core.errors import InputError
from scheduler.registry import User

if TYPE_CHECKING:
    from argon2 import PasswordHasher

PASSWORD_MIN = 10
PASSWORD_MAX = 1024


def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()


def new_user(name: str, password: str, admin: bool, author: str, now: datetime) -> User:
    """A user record with the password hashed; InputError for a bad name or a weak password."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,63}", name):
        raise InputError(f"user name '{name}': use 1 to 64 lower-case letters, digits, '.', '_' "
                         "or '-', e.g. li.na")
    check_password(password)
    return User(name, _hasher().hash(password), admin, now.isoformat(), author, None,
                "admin" if admin else "coordinator")


def check_password(password: str) -> None:
    """InputError unless ``password`` is acceptable (the one check every way of setting one
    passes through)."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InputError(f"password: use {PASSWORD_MIN} to {PASSWORD_MAX} characters")


def verify(user: User | None, password: str) -> bool:
    """True when ``user`` exists, is active and ``password`` is theirs.

    Without a user, a dummy hash is still verified, so that a wrong name takes as long as a
    wrong password (no way to learn which names exist from timing)."""
    from argon2.exceptions import VerificationError

    hasher = _hasher()
    stored = user.password_hash if user is not None else _DUMMY.get("hash") or _dummy(hasher)
    try:
        ok = bool(hasher.verify(stored, password))
    except VerificationError:
        ok = False
    return ok and user is not None and user.active


_DUMMY: dict[str, str] = {}


def _dummy(hasher: PasswordHasher) -> str:
    _DUMMY["hash"] = hasher.hash("not a password of anyone's")
    return _DUMMY["hash"]
