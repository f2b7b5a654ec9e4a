"""The admin password: a policy, and scrypt hashing with a per-password salt.

The hash is stored as ``scrypt$LOG2N$R$P$SALT$HASH`` (salt and hash urlsafe base64), so the
cost can be raised later without breaking passwords already set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from scimitar.errors import ConfigError

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "check_password_policy",
    "hash_password",
    "password_matches",
]

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
_SCHEME = "scrypt"
_LOG2_N = 15  # 32 MiB of memory and about 0.1 s per check: slow for guessing, fine for sign-in
_R = 8
_P = 1
_SALT_BYTES = 16
_HASH_BYTES = 32
_MAX_MEMORY = 128 * 1024 * 1024


def check_password_policy(password: str) -> None:
    """Refuse a password too short, too long, or of blanks only.

    Raises:
        ConfigError: Saying which rule the password breaks and what to do.
    """
    if not password.strip():
        raise ConfigError("admin password: it is empty; choose one of at least 12 characters")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(
            f"admin password: it has {len(password)} characters; choose one of at least "
            f"{MIN_PASSWORD_LENGTH} (a passphrase of a few words is easy to remember)"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ConfigError(
            f"admin password: it has {len(password)} characters; use at most {MAX_PASSWORD_LENGTH}"
        )


def _derive(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=1 << log2_n,
        r=r,
        p=p,
        maxmem=_MAX_MEMORY,
        dklen=_HASH_BYTES,
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    """The storable scrypt hash of ``password`` with a fresh random salt (blocks ~0.1 s)."""
    salt = secrets.token_bytes(_SALT_BYTES)
    derived = _derive(password, salt, _LOG2_N, _R, _P)
    return f"{_SCHEME}${_LOG2_N}${_R}${_P}${_b64(salt)}${_b64(derived)}"


def password_matches(password: str, stored: str) -> bool:
    """Whether ``password`` hashes to ``stored``, compared in constant time (blocks ~0.1 s).

    A stored value in an unknown format never matches.
    """
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != _SCHEME:
        return False
    try:
        log2_n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.urlsafe_b64decode(parts[4])
        expected = base64.urlsafe_b64decode(parts[5])
    except ValueError:
        return False
    if len(password) > MAX_PASSWORD_LENGTH or not 1 <= log2_n <= 20:
        return False
    return hmac.compare_digest(_derive(password, salt, log2_n, r, p), expected)
