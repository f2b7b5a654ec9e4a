"""API keys of the admin API: random bearer keys, stored as their SHA-256 only.

A key reads ``scimadm_<id>_<secret>``: the id finds the stored row, then the SHA-256 of the whole
key is compared with the stored one in constant time. Keys are 256-bit random values, so a plain
hash is as strong as a slow one here; the prefix makes a leaked key easy to find with grep.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, overload

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from scimitar.admin.sessions import end_key_sessions
from scimitar.audit import Actor, AuditEntry, record
from scimitar.clock import utcnow
from scimitar.errors import ConfigError, NotFoundError
from scimitar.store import Database
from scimitar.store.tables.admin import API_KEY as table

__all__ = ["KEY_PREFIX", "APIKey", "APIKeyService", "key_id_of"]

KEY_PREFIX = "scimadm"
_NAME_MAX = 200
# Recording every use would make each API call a write; a minute's precision is enough to see
# whether a key is still in use.
_LAST_USED_PRECISION = timedelta(minutes=1)
_UNKNOWN_KEY_HASH = hashlib.sha256(b"no such key").hexdigest()


def key_id_of(text: str) -> str | None:
    """The public id of text shaped like an API key (never its secret part), else ``None``."""
    parts = text.strip().split("_", 2)
    return parts[1][:32] if len(parts) == 3 and parts[0] == KEY_PREFIX and parts[1] else None


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class APIKey:
    """An API key as listed: its name and times, never the key or its hash.

    Attributes:
        id: The public part of the key (after ``scimadm_``).
        name: What the admin called it, unique.
        created_at: When it was created.
        last_used_at: When it last authenticated a request (to the minute), or None.
    """

    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """Plain values, as the CLI prints them."""
        return {
            "id": self.id,
            "name": self.name,
            "createdAt": self.created_at.isoformat(),
            "lastUsedAt": self.last_used_at.isoformat() if self.last_used_at else None,
        }


_VERIFY_SQL = (
    "SELECT id, name, key_hash, created_at, last_used_at FROM admin_api_key WHERE id = :id"
)


@overload
def _moment(value: datetime | str) -> datetime: ...
@overload
def _moment(value: None) -> None: ...
def _moment(value: datetime | str | None) -> datetime | None:
    """A stored time as timezone-aware UTC (inline SQLite reads give text)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _key_from_row(row: Any) -> APIKey:
    return APIKey(row.id, row.name, row.created_at, row.last_used_at)


def _audited(key: APIKey) -> dict[str, Any]:
    return {"id": key.id, "name": key.name, "createdAt": key.created_at.isoformat()}


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > _NAME_MAX:
        raise ConfigError(
            f"API key name {name!r}: use 1 to {_NAME_MAX} characters, e.g. 'ci-pipeline'"
        )
    return cleaned


class APIKeyService:
    """Creates, lists, revokes and verifies admin API keys.

    Args:
        database: The store.
        clock: The current time (injectable so tests can move it).
    """

    def __init__(self, database: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._clock = clock

    async def create(self, name: str, *, actor: Actor) -> tuple[APIKey, str]:
        """Create a key named ``name``; returns it with the key itself, which is not stored.

        The audit log records the creation by ``actor`` (the key's name and id, never the key).

        Raises:
            ConfigError: The name is empty, too long or already used.
        """
        cleaned = _clean_name(name)
        key_id = secrets.token_hex(6)
        key = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        created_at = self._clock()
        values = {
            "id": key_id,
            "name": cleaned,
            "name_key": cleaned.casefold(),
            "key_hash": _hash_key(key),
            "created_at": created_at,
            "last_used_at": None,
        }
        made = APIKey(key_id, cleaned, created_at, None)
        entry = AuditEntry(actor, "apikey.create", f"API key {cleaned}", after=_audited(made))
        try:
            async with self._db.write() as conn:
                await conn.execute(insert(table).values(**values))
                await record(conn, entry)
        except IntegrityError as exc:
            raise ConfigError(
                f"an API key named {cleaned!r} already exists; choose another name or revoke "
                "that one first (scimitar admin key revoke NAME)"
            ) from exc
        return made, key

    async def list(self) -> list[APIKey]:
        """Every key, oldest first."""
        async with self._db.read() as conn:
            rows = await conn.execute(select(table).order_by(table.c.created_at, table.c.name))
        return [_key_from_row(row) for row in rows]

    async def revoke(self, name: str, *, actor: Actor) -> APIKey:
        """Delete the key named ``name`` (or with that id); it and its portal sessions stop
        working at once.

        The audit log records the revocation by ``actor``.

        Raises:
            NotFoundError: No such key.
        """
        cleaned = name.strip()
        async with self._db.write() as conn:
            row = (
                await conn.execute(
                    select(table).where(
                        (table.c.name_key == cleaned.casefold()) | (table.c.id == cleaned)
                    )
                )
            ).first()
            if row is None:
                raise NotFoundError(
                    f"no API key named {cleaned!r}; see the names with scimitar admin key list"
                )
            await conn.execute(delete(table).where(table.c.id == row.id))
            # The key's portal sessions end with it, bound to its id: a new key given this
            # name later does not bring them back.
            await end_key_sessions(conn, row.id, row.name)
            revoked = _key_from_row(row)
            entry = AuditEntry(
                actor, "apikey.revoke", f"API key {revoked.name}", before=_audited(revoked)
            )
            await record(conn, entry)
        return revoked

    async def verify(self, key: str) -> APIKey | None:
        """The key ``key`` is, if it is a valid key; records when it was last used.

        The comparison takes the same time whether the id exists or not.
        """
        parts = key.split("_", 2)
        key_id = parts[1] if len(parts) == 3 and parts[0] == KEY_PREFIX else ""
        row = None
        if key_id:
            # Every API request comes through here: the hot-path read (inline on SQLite).
            async with self._db.fast_read() as conn:
                row = await conn.fetch_one(_VERIFY_SQL, {"id": key_id})
        stored = str(row[2]) if row is not None else _UNKNOWN_KEY_HASH
        if not hmac.compare_digest(_hash_key(key), stored) or row is None:
            return None
        found = APIKey(str(row[0]), str(row[1]), _moment(row[3]), _moment(row[4]))
        return await self._touch(found)

    async def _touch(self, found: APIKey) -> APIKey:
        now = self._clock()
        if found.last_used_at is not None and now - found.last_used_at < _LAST_USED_PRECISION:
            return found
        async with self._db.write() as conn:
            await conn.execute(update(table).where(table.c.id == found.id).values(last_used_at=now))
        return APIKey(found.id, found.name, found.created_at, now)
