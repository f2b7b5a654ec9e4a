"""The audit log: reading records with filters and paging, retention, and failed sign-ins.

Changes are recorded by the services that make them (:func:`scimitar.audit.records.record`,
in the change's own transaction). This service reads them back, prunes them past retention,
and records what has no transaction of its own: sign-ins, sign-outs and failed sign-ins.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, text

from scimitar.audit.actor import Actor, ActorKind
from scimitar.audit.failures import FailureCoalescer
from scimitar.audit.records import AuditEntry, AuditRecord, record
from scimitar.clock import utcnow
from scimitar.errors import ConfigError
from scimitar.store import Database
from scimitar.store.tables.audit import AUDIT

__all__ = [
    "ANONYMOUS_API",
    "ANONYMOUS_PORTAL",
    "DEFAULT_RETENTION_DAYS",
    "AuditLog",
    "AuditPage",
    "AuditQuery",
]

#: How long records are kept unless ``SCIMITAR_AUDIT_RETENTION_DAYS`` says otherwise.
DEFAULT_RETENTION_DAYS = 365
MAX_PAGE = 5000


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Which records to read; every field narrows the result.

    Attributes:
        app: An app's id or name (any case); records of deleted apps still match.
        since: Only records at or after this time.
        actor: ``api:ci`` exactly, or a prefix ending before a colon (``api``, ``portal:key``).
        action: ``settings.update`` exactly, or a group (``mappings``, ``apikey``).
    """

    app: str | None = None
    since: datetime | None = None
    actor: str | None = None
    action: str | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of records, newest first.

    Attributes:
        records: The records.
        next_cursor: Pass it as ``before`` for the next page; ``None`` on the last page.
    """

    records: list[AuditRecord]
    next_cursor: str | None


def _loaded(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def _from_row(row: Any) -> AuditRecord:
    return AuditRecord(
        int(row.id),
        row.at,
        row.actor,
        row.actor_session,
        row.action,
        row.object,
        row.app_id,
        row.app_name,
        _loaded(row.before),
        _loaded(row.after),
    )


_MAX_ID = 2**63 - 1


def _cursor(before: str | None) -> int | None:
    if before is None:
        return None
    # Record ids are 64-bit integers in both stores: a larger number is no cursor either.
    if not before.strip().isdigit() or int(before) > _MAX_ID:
        raise ConfigError(
            f"before {before!r} is not a cursor; pass the nextBefore of the previous page"
        )
    return int(before)


def _prefix(column: Any, value: str, separator: str) -> Any:
    cleaned = value.strip()
    return or_(column == cleaned, column.startswith(cleaned + separator, autoescape=True))


def _filtered(query: Select[Any], where: AuditQuery) -> Select[Any]:
    if where.app:
        key = where.app.strip()
        query = query.where(or_(AUDIT.c.app_id == key, func.lower(AUDIT.c.app_name) == key.lower()))
    if where.since is not None:
        query = query.where(AUDIT.c.at >= where.since)
    if where.actor:
        query = query.where(_prefix(AUDIT.c.actor, where.actor, ":"))
    if where.action:
        query = query.where(_prefix(AUDIT.c.action, where.action, "."))
    return query


class AuditLog:
    """The audit log of one store.

    Args:
        database: The store.
        retention_days: How long records are kept (``Settings.audit_retention_days``).
        clock: The current time (injectable so tests can move it).
        failures: Decides which failed sign-ins are written (shared by the faces of a process).
    """

    def __init__(
        self,
        database: Database,
        *,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        clock: Callable[[], datetime] = utcnow,
        failures: FailureCoalescer | None = None,
    ) -> None:
        self._db = database
        self._retention = timedelta(days=retention_days)
        self._clock = clock
        self._failures = failures or FailureCoalescer()

    async def append(self, entry: AuditEntry) -> None:
        """Record something that has no transaction of its own (a sign-in, a sign-out)."""
        async with self._db.write() as conn:
            await record(conn, entry, at=self._clock())

    async def failed(self, actor: Actor, action: str, source: str, **details: Any) -> bool:
        """Record a failed sign-in or API authentication, coalesced per source and minute.

        Args:
            actor: Who tried, as far as known (``portal:anonymous``).
            action: ``signin.failed`` or ``api.auth_failed``.
            source: The client's address.
            details: What else identifies the attempt (never a secret: a key's public id,
                the method).

        Returns:
            Whether a record was written (``False``: counted towards the next one).
        """
        now = self._clock()
        attempts = self._failures.admit(action, source, now)
        if attempts is None:
            return False
        after = {"source": source, "attempts": attempts, **details}
        await self.append_at(AuditEntry(actor, action, object=source, after=after), now)
        return True

    async def append_at(self, entry: AuditEntry, at: datetime) -> None:
        """Record ``entry`` as made at ``at``."""
        async with self._db.write() as conn:
            await record(conn, entry, at=at)

    async def query(
        self, where: AuditQuery | None = None, *, limit: int = 100, before: str | None = None
    ) -> AuditPage:
        """A page of records matching ``where``, newest first.

        Raises:
            ConfigError: ``before`` is not a cursor, or ``limit`` is out of range.
        """
        if not 1 <= limit <= MAX_PAGE:
            raise ConfigError(f"limit {limit}: give 1 to {MAX_PAGE} records per page")
        query = _filtered(select(AUDIT), where or AuditQuery())
        cursor = _cursor(before)
        if cursor is not None:
            query = query.where(AUDIT.c.id < cursor)
        query = query.order_by(AUDIT.c.id.desc()).limit(limit + 1)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        records = [_from_row(row) for row in rows[:limit]]
        next_cursor = str(records[-1].id) if len(rows) > limit else None
        return AuditPage(records, next_cursor)

    async def prune(self, *, now: datetime | None = None) -> int:
        """Delete the records older than the retention; the only delete of the audit log.

        Returns:
            How many records were deleted.
        """
        cutoff = (now or self._clock()) - self._retention
        async with self._db.write() as conn:
            if conn.dialect.name == "postgresql":
                # The append-only trigger lets this transaction, and only it, delete.
                await conn.execute(text("SELECT set_config('scimitar.audit_pruning', 'on', true)"))
            result = await conn.execute(delete(AUDIT).where(AUDIT.c.at < cutoff))
        return int(result.rowcount or 0)


#: Who a failed sign-in is recorded as: nobody is signed in yet.
ANONYMOUS_PORTAL = Actor(ActorKind.PORTAL, "anonymous")
ANONYMOUS_API = Actor(ActorKind.API, "anonymous")
