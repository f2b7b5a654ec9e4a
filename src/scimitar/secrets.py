"""Secrets at rest: a Fernet key in the data directory, and a value type that never prints.

Tokens and client secrets are encrypted with the key in ``settings.key_file`` (created with mode
0600 on first use). A :class:`Secret` holds a decrypted value in memory; its ``repr`` and ``str``
are redacted, so a secret passed to a log call, an exception or a print shows nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from scimitar.errors import ConfigError
from scimitar.logs import REDACTED, SECRET_KEYS, redact_text
from scimitar.security.filemodes import check_private_file, make_private_directory
from scimitar.settings import Settings

__all__ = [
    "CHANGED_IN_DOCUMENT",
    "REDACTED_IN_DOCUMENT",
    "REDACTED_SECRET",
    "Secret",
    "SecretBox",
    "redact_document",
]

REDACTED_SECRET = REDACTED
#: What a recorded document (an audit record's before/after) shows instead of a secret.
REDACTED_IN_DOCUMENT = "<redacted>"
#: What a recorded "after" document shows for a secret that the change replaced.
CHANGED_IN_DOCUMENT = "<changed>"
_MARKERS = frozenset({REDACTED_IN_DOCUMENT, CHANGED_IN_DOCUMENT})
_KEY_MODE = 0o600


class Secret:
    """A secret value that is redacted wherever it would be shown.

    Args:
        value: The plain value. Read it with :meth:`reveal`, only where it is sent.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The plain value, for the one place that sends it (an ``Authorization`` header)."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED_SECRET!r})"

    def __str__(self) -> str:
        return REDACTED_SECRET

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


class SecretBox:
    """Encrypts and decrypts secrets with one Fernet key (AES-128-CBC + HMAC-SHA256).

    Args:
        key: A urlsafe-base64 Fernet key.
        source: Where the key came from, for error messages.
    """

    def __init__(self, key: bytes, source: str = "the key") -> None:
        try:
            self._fernet = Fernet(key)
        except ValueError as exc:
            raise ConfigError(f"{source} is not a valid Fernet key: {exc}") from exc
        self._source = source

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        """The box using ``settings.key_file``, creating the key (mode 0600) on first use."""
        return cls(_read_or_create_key(settings.key_file), str(settings.key_file))

    @classmethod
    def derived_key(cls, settings: Settings, purpose: str) -> bytes:
        """A 32-byte key for ``purpose`` (signing, say) derived from ``settings.key_file``.

        Keys for different purposes differ, and none reveals the Fernet key.
        """
        material = _read_or_create_key(settings.key_file)
        return hmac.new(material, f"scimitar:{purpose}".encode(), hashlib.sha256).digest()

    def encrypt(self, secret: Secret) -> str:
        """The secret as ciphertext text, safe to store."""
        return self._fernet.encrypt(secret.reveal().encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str) -> Secret:
        """The secret stored as ``ciphertext``.

        Raises:
            ConfigError: The ciphertext was made with another key or was altered.
        """
        try:
            plain = self._fernet.decrypt(ciphertext.encode("ascii"))
        except (InvalidToken, ValueError) as exc:
            raise ConfigError(
                f"a stored secret cannot be decrypted with {self._source}: the key file was "
                "replaced or the store was copied without it; enter the secret again"
            ) from exc
        return Secret(plain.decode("utf-8"))


def _read_key(path: Path) -> bytes:
    check_private_file(path, "the key file")
    return path.read_bytes().strip()


def _read_or_create_key(path: Path) -> bytes:
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    make_private_directory(path.parent)
    key = Fernet.generate_key()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _KEY_MODE)
    except FileExistsError:
        # Another process created it between our read and our create: use theirs.
        return _read_key(path)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key


def redact_document(value: Any, *, key: str = "") -> Any:
    """A JSON-ready copy of ``value`` with every secret replaced by ``"<redacted>"``.

    Secrets are :class:`Secret` and pydantic ``SecretStr`` values, text under a secret-looking
    key (``token``, ``password``, ``authorization`` ...; booleans such as ``hasToken`` and
    nulls stay), and bearer credentials or Scimitar keys inside any text. The markers
    ``"<redacted>"`` and ``"<changed>"`` pass through, so a caller can say a secret changed.

    Args:
        value: A document of dicts, lists and scalars (other values are turned into text).
        key: The name the value is stored under, if any.
    """
    if isinstance(value, Secret | SecretStr):
        return REDACTED_IN_DOCUMENT
    if isinstance(value, Mapping):
        return {str(k): redact_document(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [redact_document(item, key=key) for item in items]
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    if text in _MARKERS:
        return text
    if key and SECRET_KEYS.search(key):
        return REDACTED_IN_DOCUMENT
    return redact_text(text, REDACTED_IN_DOCUMENT)
