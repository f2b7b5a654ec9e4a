"""A source's provisioning log: one record per object per action, as the app side keeps them.

Records are :class:`~scimitar.engine.core.records.ProvisioningRecord` values (the same fields as the
app side: steps, modified properties, status, error code); ``jobId`` is the source's id and the
stored document carries ``sourceName`` too.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar import jsontext
from scimitar.engine.core.records import ProvisioningAction, ProvisioningRecord, RecordStatus
from scimitar.engine.state.logstore import LogEntry, LogPage
from scimitar.errors import ConfigError
from scimitar.sources.model import SOURCE_LOG
from scimitar.store import Database

__all__ = ["SourceLogFilter", "SourceLogStore"]

_NAME_LIMIT = 300


@dataclass(frozen=True, slots=True)
class SourceLogFilter:
    """Which records a query returns; ``None`` matches everything.

    Attributes:
        status: success, failure, skipped or warning.
        action: create, update, disable, enable, delete, skip...
        user: An anchor, a directory objectId or an object's name (any case).
        run: A sync run id (or an upload's tracking id).
        since: Only records at or after this time.
    """

    status: RecordStatus | None = None
    action: ProvisioningAction | None = None
    user: str | None = None
    run: str | None = None
    since: datetime | None = None


def _row(
    source_id: str, source_name: str, object_type: str, record: ProvisioningRecord
) -> dict[str, Any]:
    name = record.target_identity.name or record.source_identity.name
    document = record.to_dict()
    document["sourceName"] = source_name
    return {
        "id": record.id,
        "source_id": source_id,
        "run_id": record.cycle_id,
        "change_id": record.change_id[:160],
        "at": record.activity_date_time,
        "object_type": object_type,
        "action": record.action.value,
        "status": record.status.value,
        "anchor": (record.source_identity.id or "")[:300] or None,
        "object_id": record.target_identity.id,
        "object_name": None if name is None else name[:_NAME_LIMIT],
        "error_code": None if record.error is None else record.error.error_code,
        "duration_ms": record.duration_ms,
        "record": jsontext.dumps(document),
    }


async def append_records(
    conn: AsyncConnection,
    source_id: str,
    source_name: str,
    records: Sequence[tuple[str, ProvisioningRecord]],
) -> None:
    """Insert ``(object_type, record)`` pairs inside the caller's write transaction."""
    if records:
        rows = [_row(source_id, source_name, kind, record) for kind, record in records]
        await conn.execute(insert(SOURCE_LOG), rows)


class SourceLogStore:
    """The provisioning log records of every source, in the store."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def query(
        self,
        source_id: str,
        chosen: SourceLogFilter | None = None,
        *,
        limit: int = 100,
        before: str | None = None,
    ) -> LogPage:
        """Records of a source, newest first, one page at a time."""
        chosen = chosen or SourceLogFilter()
        conditions = [SOURCE_LOG.c.source_id == source_id, *_conditions(chosen)]
        if before is not None:
            at, record_id = _decode_cursor(before)
            conditions.append(
                or_(SOURCE_LOG.c.at < at, and_(SOURCE_LOG.c.at == at, SOURCE_LOG.c.id < record_id))
            )
        query = (
            select(SOURCE_LOG.c.object_type, SOURCE_LOG.c.record, SOURCE_LOG.c.at, SOURCE_LOG.c.id)
            .where(*conditions)
            .order_by(SOURCE_LOG.c.at.desc(), SOURCE_LOG.c.id.desc())
            .limit(limit + 1)
        )
        async with self._database.read() as conn:
            rows = (await conn.execute(query)).all()
        entries = tuple(
            LogEntry(row.object_type, ProvisioningRecord.from_dict(json.loads(row.record)))
            for row in rows[:limit]
        )
        cursor = (
            _encode_cursor(rows[limit - 1].at, rows[limit - 1].id) if len(rows) > limit else None
        )
        return LogPage(entries, cursor)

    async def purge(self, older_than: datetime) -> int:
        """Delete every source's records older than ``older_than``; returns how many."""
        async with self._database.write() as conn:
            result = await conn.execute(delete(SOURCE_LOG).where(SOURCE_LOG.c.at < older_than))
        return int(result.rowcount or 0)


def _conditions(chosen: SourceLogFilter) -> list[Any]:
    conditions: list[Any] = []
    if chosen.status is not None:
        conditions.append(SOURCE_LOG.c.status == chosen.status.value)
    if chosen.action is not None:
        conditions.append(SOURCE_LOG.c.action == chosen.action.value)
    if chosen.run is not None:
        conditions.append(SOURCE_LOG.c.run_id == chosen.run)
    if chosen.since is not None:
        conditions.append(SOURCE_LOG.c.at >= chosen.since)
    if chosen.user is not None:
        wanted = chosen.user.strip().lower()
        conditions.append(
            or_(
                func.lower(SOURCE_LOG.c.anchor) == wanted,
                func.lower(SOURCE_LOG.c.object_id) == wanted,
                func.lower(SOURCE_LOG.c.object_name) == wanted,
            )
        )
    return conditions


def _encode_cursor(at: datetime, record_id: str) -> str:
    raw = f"{at.astimezone(UTC).isoformat()}|{record_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, record_id = base64.urlsafe_b64decode(padded).decode().split("|", 1)
        moment = datetime.fromisoformat(at)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(
            f"cursor {cursor!r} is not one this log gave; pass the next cursor of a page"
        ) from exc
    if moment.tzinfo is None:
        raise ConfigError(f"cursor {cursor!r} is not one this log gave")
    return moment.astimezone(UTC), record_id
