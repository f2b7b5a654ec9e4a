"""Portal sessions kept in the store, so they can be ended before they expire.

A session is a random 256-bit id; the store keeps its SHA-256 only (a copy of the store yields
no working cookie). Signing out deletes the row, and so do a new admin password (every
password session) and revoking an API key (every session signed in with that key's id, not its
name: a new key given the revoked one's name does not bring them back).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.audit import Actor, AuditEntry, record
from scimitar.clock import utcnow
from scimitar.store import Database
from scimitar.store.tables.admin import API_KEY
from scimitar.store.tables.security import PORTAL_SESSION as table

__all__ = [
    "SESSION_LIFETIME",
    "PortalSession",
    "SessionMethod",
    "SessionService",
    "end_key_sessions",
    "end_password_sessions",
]

#: A session lasts a working day; signing in again makes a new one.
SESSION_LIFETIME = timedelta(hours=8)


class SessionMethod(StrEnum):
    """How the session signed in."""

    PASSWORD = "password"  # noqa: S105 - the method's name, not a password
    KEY = "key"


@dataclass(frozen=True, slots=True)
class PortalSession:
    """A live portal session.

    Attributes:
        id: The session's random id (the signed cookie carries it; the store has its hash).
        method: Password or API key.
        key_id: The API key's id, for a key session.
        key_name: That key's current name.
        csrf: The token every form of this session posts back.
        expires_at: When it ends by itself.
    """

    id: str
    method: SessionMethod
    key_id: str | None
    key_name: str | None
    csrf: str
    expires_at: datetime

    @property
    def subject(self) -> str:
        """``admin`` or ``key:<name>``: who, as logs and audit records name them."""
        return "admin" if self.method is SessionMethod.PASSWORD else f"key:{self.key_name}"

    @property
    def who(self) -> str:
        """How the portal's header names the signed-in admin."""
        return "admin" if self.method is SessionMethod.PASSWORD else f"API key {self.key_name}"


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


#: Who ends sessions as a consequence of another change, as the audit log names it.
_REVOKER = Actor.system("session-revocation")


async def _revoked(conn: AsyncConnection, ended: int, what: str, reason: str) -> int:
    if ended:
        after = {"sessions": ended, "reason": reason}
        await record(conn, AuditEntry(_REVOKER, "session.revoke", object=what, after=after))
    return ended


async def end_password_sessions(conn: AsyncConnection) -> int:
    """End every session signed in with the admin password, in the caller's transaction.

    The ending is recorded in the audit log (``session.revoke``) in the same transaction.
    """
    result = await conn.execute(delete(table).where(table.c.method == SessionMethod.PASSWORD))
    ended = int(result.rowcount or 0)
    return await _revoked(conn, ended, "portal sessions of the admin password", "password.set")


async def end_key_sessions(conn: AsyncConnection, key_id: str, key_name: str) -> int:
    """End every session signed in with the API key ``key_id``, in the caller's transaction.

    The ending is recorded in the audit log (``session.revoke``) in the same transaction.
    """
    result = await conn.execute(delete(table).where(table.c.key_id == key_id))
    ended = int(result.rowcount or 0)
    return await _revoked(conn, ended, f"portal sessions of API key {key_name}", "apikey.revoke")


class SessionService:
    """Starts, finds and ends portal sessions.

    Args:
        database: The store.
        clock: The current time (injectable so tests can move it).
        lifetime: How long a session lasts.
    """

    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime] = utcnow,
        lifetime: timedelta = SESSION_LIFETIME,
    ) -> None:
        self._db = database
        self._clock = clock
        self._lifetime = lifetime

    async def start(
        self, method: SessionMethod, *, key_id: str | None = None, key_name: str | None = None
    ) -> PortalSession:
        """A new session (expired ones are swept on the way)."""
        now = self._clock()
        session = PortalSession(
            secrets.token_urlsafe(32),
            method,
            key_id,
            key_name,
            secrets.token_urlsafe(32),
            now + self._lifetime,
        )
        async with self._db.write() as conn:
            await conn.execute(delete(table).where(table.c.expires_at <= now))
            await conn.execute(
                insert(table).values(
                    id_hash=_hash(session.id),
                    method=method.value,
                    key_id=key_id,
                    csrf=session.csrf,
                    created_at=now,
                    expires_at=session.expires_at,
                )
            )
        return session

    async def find(self, session_id: str) -> PortalSession | None:
        """The live session with this id; ``None`` if ended, expired or its key revoked."""
        query = (
            select(table, API_KEY.c.name.label("key_name"))
            .select_from(table.outerjoin(API_KEY, API_KEY.c.id == table.c.key_id))
            .where(table.c.id_hash == _hash(session_id))
        )
        async with self._db.read() as conn:
            row = (await conn.execute(query)).first()
        if row is None or row.expires_at <= self._clock():
            return None
        method = SessionMethod(row.method)
        if method is SessionMethod.KEY and row.key_name is None:
            return None
        return PortalSession(session_id, method, row.key_id, row.key_name, row.csrf, row.expires_at)

    async def end(self, session_id: str) -> bool:
        """End one session (sign out); whether it was live."""
        async with self._db.write() as conn:
            result = await conn.execute(delete(table).where(table.c.id_hash == _hash(session_id)))
        return bool(result.rowcount)
