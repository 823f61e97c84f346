"""Feed tokens sealed with the server's key, so that an address can be shown again.

A token is looked up by its SHA-256 (:func:`scheduler.registry.token_hash`); beside it the
registry keeps the token encrypted with the server's key (Fernet: AES-128-CBC with an
HMAC-SHA256, from the ``cryptography`` package), as GitLab keeps feed tokens. Someone with a
copy of the database and not the key learns no address. The key is
``$SCHEDULER_FEED_KEY_FILE`` (a file holding a Fernet key, made by :func:`new_key_file`),
else derived from ``$SCHEDULER_SECRET`` (the server's session secret); with neither, tokens
are not sealed and an address is shown once, as before.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from scheduler.core.errors import InputError

KEY_FILE_VARIABLE = "SCHEDULER_FEED_KEY_FILE"
SECRET_VARIABLE = "SCHEDULER_SECRET"


def server_key(environ: dict[str, str] | None = None) -> Fernet | None:
    """The server's sealing key, from the environment; None when there is none."""
    environ = dict(os.environ) if environ is None else environ
    path = environ.get(KEY_FILE_VARIABLE)
    if path:
        try:
            return Fernet(Path(path).read_bytes().strip())
        except OSError as error:
            raise InputError(f"{KEY_FILE_VARIABLE}: cannot read {path} ({error.strerror})") from None
        except ValueError:
            raise InputError(f"{KEY_FILE_VARIABLE}: {path} is not a feed sealing key",
                             remedy="feed_key") from None
    secret = environ.get(SECRET_VARIABLE)
    if secret:
        digest = hashlib.sha256(b"scheduler feed tokens\x00" + secret.encode("utf-8")).digest()
        return Fernet(base64.urlsafe_b64encode(digest))
    return None


def new_key_file(path: Path) -> None:
    """Write a new random key to ``path`` (readable by its owner only); refuse to replace one."""
    try:
        with path.open("xb") as handle:
            os.chmod(path, 0o600)
            handle.write(Fernet.generate_key() + b"\n")
    except FileExistsError:
        raise InputError(f"{path} exists; a new key would make every sealed address unreadable") from None


def seal(key: Fernet | None, token: str) -> str | None:
    """The token encrypted with ``key`` (None without a key)."""
    return None if key is None else key.encrypt(token.encode("ascii")).decode("ascii")


def unseal(key: Fernet | None, sealed: str | None) -> str | None:
    """The token back, or None (no key, nothing sealed, or sealed with another key)."""
    if key is None or not sealed:
        return None
    try:
        return key.decrypt(sealed.encode("ascii")).decode("ascii")
    except InvalidToken:
        return None
