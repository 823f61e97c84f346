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
PASSWORD_MIN_SCORE = 3
"""The least zxcvbn score (0-4) a new password needs: 3 is "safely unguessable" (about 10^8
guesses or more), which a long passphrase of ordinary words reaches."""


def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()


def new_user(name: str, password: str, admin: bool, author: str, now: datetime) -> User:
    """A user record with the password hashed; InputError for a bad name or a weak password."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,63}", name):
        raise InputError(f"user name '{name}': use 1 to 64 lower-case letters, digits, '.', '_' "
                         "or '-', e.g. li.na")
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InputError(f"password: use {PASSWORD_MIN} to {PASSWORD_MAX} characters")
    check_strength(name, password)
    return User(name, _hasher().hash(password), admin, now.isoformat(), author, None)


def check_strength(name: str, password: str) -> None:
    """InputError, in words, for a password that is easy to guess (zxcvbn score below
    :data:`PASSWORD_MIN_SCORE`, counting the user name as known to an attacker)."""
    from zxcvbn import zxcvbn

    found = zxcvbn(password[:100], user_inputs=[name])
    if int(found["score"]) >= PASSWORD_MIN_SCORE:
        return
    feedback = found.get("feedback") or {}
    why = " ".join(part for part in [feedback.get("warning") or "", *feedback.get("suggestions", [])] if part)
    raise InputError("password: too easy to guess" + (f" ({why.rstrip('.')})" if why else "")
                     + "; use a passphrase of four or more ordinary words, such as 'plum kettle "
                       "river nine'")


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
