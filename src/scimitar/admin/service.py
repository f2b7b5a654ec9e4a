"""One entry point for admin sign-in: API keys and the admin password."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, insert, select

from scimitar.admin.keys import APIKey, APIKeyService
from scimitar.admin.password import check_password_policy, hash_password, password_matches
from scimitar.admin.sessions import SessionService, end_password_sessions
from scimitar.audit import Actor, AuditEntry, record
from scimitar.clock import utcnow
from scimitar.secrets import CHANGED_IN_DOCUMENT, REDACTED_IN_DOCUMENT
from scimitar.store import Database
from scimitar.store.tables.admin import ADMIN_CREDENTIAL as credentials

__all__ = ["AdminAuth"]

_PASSWORD = "password"  # noqa: S105 - the row's name, not a password
# Hashing an unset password still costs one scrypt, so a probe cannot tell "unset" by timing.
_NEVER_MATCHES = "scrypt$15$8$1$" + "A" * 22 + "==$" + "A" * 43 + "="


class AdminAuth:
    """Checks and changes the admin's credentials.

    Args:
        database: The store.
        clock: The current time (injectable so tests can move it).

    Attributes:
        keys: The API keys.
        sessions: The portal sessions.
    """

    def __init__(self, database: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._clock = clock
        self.keys = APIKeyService(database, clock)
        self.sessions = SessionService(database, clock)

    async def verify_key(self, key: str) -> APIKey | None:
        """The API key ``key`` is, or None if it is not a valid key."""
        return await self.keys.verify(key)

    async def set_password(self, password: str, *, actor: Actor) -> datetime:
        """Set (or replace) the admin password, ending password sessions; returns when it was set.

        The audit log records that ``actor`` set it (never the password or its hash).

        Raises:
            ConfigError: The password breaks the policy (at least 12 characters).
        """
        check_password_policy(password)
        hashed = await asyncio.to_thread(hash_password, password)
        now = self._clock()
        async with self._db.write() as conn:
            replaced = await conn.execute(
                delete(credentials).where(credentials.c.name == _PASSWORD)
            )
            await conn.execute(
                insert(credentials).values(name=_PASSWORD, secret_hash=hashed, updated_at=now)
            )
            # Whoever signed in with the old password is signed out.
            await end_password_sessions(conn)
            before = {"password": REDACTED_IN_DOCUMENT} if replaced.rowcount else None
            after = {"password": CHANGED_IN_DOCUMENT, "updatedAt": now.isoformat()}
            entry = AuditEntry(actor, "password.set", "admin password", before=before, after=after)
            await record(conn, entry)
        return now

    async def has_password(self) -> bool:
        """Whether an admin password has been set."""
        return await self._stored_password() is not None

    async def verify_password(self, password: str) -> bool:
        """Whether ``password`` is the admin password (False while none is set)."""
        stored = await self._stored_password()
        matches = await asyncio.to_thread(password_matches, password, stored or _NEVER_MATCHES)
        return matches and stored is not None

    async def _stored_password(self) -> str | None:
        async with self._db.read() as conn:
            row = (
                await conn.execute(
                    select(credentials.c.secret_hash).where(credentials.c.name == _PASSWORD)
                )
            ).first()
        return None if row is None else str(row.secret_hash)
