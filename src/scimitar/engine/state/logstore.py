"""The provisioning log in the store: append records, query them newest first, purge by age.

One row per record (docs/entra.md §6.1): the indexed columns (cycle, action, status, source and
target
ids, error code) are copied out of the record so filters never parse JSON, and the rest is kept
as compact JSON (:mod:`scimitar.engine.core.logformat`) from which reads rebuild the Graph-shaped
record (:meth:`ProvisioningRecord.to_dict`). Records are immutable:
the store only appends, reads and, for retention, deletes whole rows (Entra keeps 30 days).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar import jsontext
from scimitar.engine.core.logformat import loaded, stored
from scimitar.engine.core.records import ProvisioningAction, ProvisioningRecord, RecordStatus
from scimitar.errors import ConfigError, NotFoundError
from scimitar.store import Database
from scimitar.store.fastsql import SQLConnection, as_sql, timestamp
from scimitar.store.tables.engine import LOG

__all__ = [
    "LogEntry",
    "LogFilter",
    "LogPage",
    "ProvisioningLogStore",
    "parse_action",
    "parse_since",
    "parse_status",
    "retention_cutoff",
]

_NAME_LIMIT = 300
_LIKE_ESCAPE = "\\"


@dataclass(frozen=True, slots=True)
class LogEntry:
    """A stored record with the object type it was logged under.

    Attributes:
        object_type: ``User`` or ``Group``.
        record: The provisioning log record.
    """

    object_type: str
    record: ProvisioningRecord


@dataclass(frozen=True, slots=True)
class LogPage:
    """One page of records, newest first.

    Attributes:
        records: The records on this page.
        next_cursor: Pass as ``before`` to read the next (older) page; ``None`` on the last.
    """

    records: tuple[LogEntry, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Which records a query returns; every field left ``None`` matches everything.

    Attributes:
        status: success, failure, skipped or warning.
        action: The record's action (create, update, disable, ...).
        user: A source id, target id, source name (userPrincipalName) or displayName,
            compared case-insensitively.
        cycle: A cycle id.
        since: Only records at or after this time.
    """

    status: RecordStatus | None = None
    action: ProvisioningAction | None = None
    user: str | None = None
    cycle: str | None = None
    since: datetime | None = None


def retention_cutoff(days: int, *, now: datetime | None = None) -> datetime:
    """The time before which records are purged when they are kept ``days`` days.

    Args:
        days: ``Settings.log_retention_days``.
        now: The current time (default: now, UTC).
    """
    return (now or datetime.now(UTC)) - timedelta(days=days)


class ProvisioningLogStore:
    """Provisioning log records of every app, in the store.

    Args:
        database: The store.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def append(
        self,
        app_id: str,
        records: Sequence[tuple[str, ProvisioningRecord]],
        *,
        conn: AsyncConnection | SQLConnection | None = None,
    ) -> None:
        """Insert records in one batch.

        Args:
            app_id: The app whose job produced the records.
            records: ``(object_type, record)`` pairs; the object type is ``User`` or ``Group``.
            conn: An open write connection, so the records commit with the links of the same
                page; without it the batch is its own transaction.
        """
        if not records:
            return
        if conn is not None:
            await _insert(as_sql(conn), app_id, records)
            return
        async with self._database.batch_write() as own:
            await _insert(own, app_id, records)

    async def query(
        self,
        app_id: str,
        *,
        status: RecordStatus | str | None = None,
        action: ProvisioningAction | str | None = None,
        user: str | None = None,
        cycle: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
        before: str | None = None,
    ) -> LogPage:
        """One page of an app's records, newest first.

        Args:
            app_id: The app.
            status: Only records with this status.
            action: Only records with this action.
            user: Only records whose source id, target id, source name or displayName is
                this value (case-insensitive).
            cycle: Only records of this cycle.
            since: Only records at or after this time (timezone-aware).
            limit: The most records on the page (at least 1).
            before: The ``next_cursor`` of the previous page.

        Raises:
            ConfigError: A bad status, action, limit, time or cursor.
        """
        if limit < 1:
            raise ConfigError(f"limit {limit}: give at least 1")
        chosen = LogFilter(
            status=parse_status(status),
            action=parse_action(action),
            user=user.strip() if user and user.strip() else None,
            cycle=cycle,
            since=None if since is None else _aware(since),
        )
        conditions = [LOG.c.app_id == app_id, *_conditions(chosen)]
        if before is not None:
            conditions.append(_older_than(*_decode_cursor(before)))
        statement = (
            select(*_RECORD_COLUMNS)
            .where(and_(*conditions))
            .order_by(LOG.c.at.desc(), LOG.c.id.desc())
            .limit(limit + 1)
        )
        async with self._database.read() as conn:
            rows = (await conn.execute(statement)).all()
        page = rows[:limit]
        entries = tuple(LogEntry(row.object_type, loaded(row)) for row in page)
        cursor = _encode_cursor(page[-1].at, page[-1].id) if len(rows) > limit else None
        return LogPage(entries, cursor)

    async def get(self, app_id: str, record_id: str) -> LogEntry:
        """One record of an app by its id.

        Raises:
            NotFoundError: The app has no record with this id.
        """
        statement = select(*_RECORD_COLUMNS).where(LOG.c.app_id == app_id, LOG.c.id == record_id)
        async with self._database.read() as conn:
            row = (await conn.execute(statement)).first()
        if row is None:
            raise NotFoundError(f"no provisioning log record {record_id!r} for this app")
        return LogEntry(row.object_type, loaded(row))

    async def of_cycle(self, app_id: str, cycle_id: str) -> list[LogEntry]:
        """Every record of one cycle, oldest first, read through the cycle's index.

        Unlike :meth:`query` with ``cycle``, which walks the app's log newest first and so
        reads past every older record to fill its page, this costs what the cycle logged.
        """
        statement = select(*_RECORD_COLUMNS).where(
            LOG.c.app_id == app_id, LOG.c.cycle_id == cycle_id
        )
        async with self._database.read() as conn:
            rows = sorted((await conn.execute(statement)).all(), key=lambda r: (r.at, r.id))
        return [LogEntry(row.object_type, loaded(row)) for row in rows]

    async def changed_in_cycle(self, app_id: str, cycle_id: str, object_type: str) -> set[str]:
        """Source ids of the objects a cycle has created, updated, enabled or disabled so far.

        The records commit in the same transaction as the links they describe, so after a kill
        this is exactly what the dead run of the cycle changed in the app.
        """
        changed = (
            ProvisioningAction.CREATE,
            ProvisioningAction.UPDATE,
            ProvisioningAction.ENABLE,
            ProvisioningAction.DISABLE,
        )
        query = (
            select(LOG.c.source_id)
            .where(
                LOG.c.app_id == app_id,
                LOG.c.cycle_id == cycle_id,
                LOG.c.object_type == object_type,
                LOG.c.status == RecordStatus.SUCCESS.value,
                LOG.c.action.in_([a.value for a in changed]),
            )
            .distinct()
        )
        async with self._database.read() as conn:
            return {str(row[0]) for row in await conn.execute(query) if row[0]}

    async def purge(self, older_than: datetime, *, app_id: str | None = None) -> int:
        """Delete the records from before ``older_than`` (retention).

        Args:
            older_than: The cutoff, usually :func:`retention_cutoff`.
            app_id: Only this app's records: the ``(app, time)`` index finds them, where every
                app's means reading the whole log (a cycle purges its own app's).

        Returns:
            How many records were deleted.
        """
        cutoff = _aware(older_than)
        query = delete(LOG).where(LOG.c.at < cutoff)
        if app_id is not None:
            query = query.where(LOG.c.app_id == app_id)
        async with self._database.write() as conn:
            result = await conn.execute(query)
        return int(result.rowcount or 0)


#: What :func:`~scimitar.engine.core.logformat.loaded` reads from a row, and the object type.
_RECORD_COLUMNS = (
    LOG.c.object_type,
    LOG.c.record,
    LOG.c.id,
    LOG.c.app_id,
    LOG.c.cycle_id,
    LOG.c.change_id,
    LOG.c.at,
    LOG.c.action,
    LOG.c.duration_ms,
)

_INSERT = (
    "INSERT INTO provisioning_log (id, app_id, cycle_id, change_id, at, object_type, action, "
    "status, source_id, source_name, target_id, error_code, duration_ms, record) VALUES (:id, "
    ":app_id, :cycle_id, :change_id, :at, :object_type, :action, :status, :source_id, "
    ":source_name, :target_id, :error_code, :duration_ms, :record)"
)


async def _insert(
    conn: SQLConnection, app_id: str, records: Sequence[tuple[str, ProvisioningRecord]]
) -> None:
    # A page's records mostly share one time: turn each distinct time into a parameter once.
    times: dict[datetime, Any] = {}
    rows = []
    for object_type, record in records:
        moment = record.activity_date_time
        at = times.get(moment)
        if at is None:
            at = times[moment] = timestamp(conn, moment)
        rows.append(_row(app_id, object_type, record, at))
    await conn.run_many(_INSERT, rows)


def _row(app_id: str, object_type: str, record: ProvisioningRecord, at: Any) -> dict[str, Any]:
    source = record.source_identity
    name = source.name
    return {
        "id": record.id,
        "app_id": app_id,
        "cycle_id": record.cycle_id,
        "change_id": record.change_id,
        "at": at,
        "object_type": object_type,
        "action": record.action.value,
        "status": record.status.value,
        "source_id": source.id,
        "source_name": None if name is None else name[:_NAME_LIMIT],
        "target_id": record.target_identity.id,
        "error_code": None if record.error is None else record.error.error_code,
        "duration_ms": record.duration_ms,
        "record": stored(record, app_id),
    }


def _conditions(chosen: LogFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if chosen.status is not None:
        conditions.append(LOG.c.status == chosen.status.value)
    if chosen.action is not None:
        conditions.append(LOG.c.action == chosen.action.value)
    if chosen.cycle is not None:
        conditions.append(LOG.c.cycle_id == chosen.cycle)
    if chosen.since is not None:
        conditions.append(LOG.c.at >= chosen.since)
    if chosen.user is not None:
        conditions.append(_identity_matches(chosen.user))
    return conditions


def _identity_matches(value: str) -> ColumnElement[bool]:
    """Source id, target id or source name equal to ``value``, or a displayName equal to it.

    Both sides go through the database's own ``lower()`` so SQLite (ASCII folding) and
    PostgreSQL (Unicode folding) each compare consistently. A displayName is found in the
    stored JSON, where :func:`scimitar.jsontext.dumps` wrote it exactly as the pattern spells
    it (compact; records written before that had a space after the colon, so both are tried).
    """
    wanted = func.lower(literal(value))
    encoded = jsontext.dumps(value)
    found = [
        func.lower(LOG.c.record).like(
            func.lower(literal(f"%{_like_escaped(pattern)}%")), escape=_LIKE_ESCAPE
        )
        for pattern in (f'"displayName":{encoded}', f'"displayName": {encoded}')
    ]
    return or_(
        func.lower(LOG.c.source_id) == wanted,
        func.lower(LOG.c.target_id) == wanted,
        func.lower(LOG.c.source_name) == wanted,
        *found,
    )


def _like_escaped(text: str) -> str:
    for special in (_LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, _LIKE_ESCAPE + special)
    return text


def _older_than(at: datetime, record_id: str) -> ColumnElement[bool]:
    return or_(LOG.c.at < at, and_(LOG.c.at == at, LOG.c.id < record_id))


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
    return _aware(moment), record_id


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ConfigError(f"time {moment.isoformat()} has no time zone; give one (e.g. Z)")
    return moment.astimezone(UTC)


def parse_status(
    value: RecordStatus | str | None, *, option: str = "status"
) -> RecordStatus | None:
    """A status filter from its name, any case.

    Args:
        value: success, failure, skipped or warning (``None`` passes through).
        option: How the caller names the filter in the error (``--status`` on the CLI).

    Raises:
        ConfigError: Not a status; the message lists the statuses.
    """
    if value is None or isinstance(value, RecordStatus):
        return value
    try:
        return RecordStatus(value.strip().lower())
    except ValueError as exc:
        choices = ", ".join(status.value for status in RecordStatus)
        raise ConfigError(f"{option} {value!r}: use one of {choices}") from exc


def parse_action(
    value: ProvisioningAction | str | None, *, option: str = "action"
) -> ProvisioningAction | None:
    """An action filter from its name, any case; ``staged delete``/``staged_delete`` work too.

    Args:
        value: create, update, disable, enable, delete, stageddelete, skip or other.
        option: How the caller names the filter in the error (``--action`` on the CLI).

    Raises:
        ConfigError: Not an action; the message lists the actions.
    """
    if value is None or isinstance(value, ProvisioningAction):
        return value
    key = value.strip().lower().replace(" ", "").replace("_", "").replace("-", "")
    try:
        return ProvisioningAction(key)
    except ValueError as exc:
        choices = ", ".join(action.value for action in ProvisioningAction)
        hint = " (failed records: filter by status failure)" if key == "failure" else ""
        raise ConfigError(f"{option} {value!r}: use one of {choices}{hint}") from exc


_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """A ``--since`` value: ISO 8601 (no zone means UTC) or an age such as ``15m``, ``2h``, ``7d``.

    Args:
        text: What the user typed.
        now: The current time (default: now, UTC).

    Raises:
        ConfigError: Neither form; the message names the option and both forms.
    """
    relative = _RELATIVE.match(text)
    if relative:
        try:
            amount, unit = int(relative.group(1)), relative.group(2).lower()
            return (now or datetime.now(UTC)) - timedelta(**{_UNITS[unit]: amount})
        except (OverflowError, ValueError) as exc:  # before year 1, or too many digits
            raise ConfigError(
                f"--since {relative.group(1)[:20]}{relative.group(2)}: the age reaches back "
                "before year 1; give a smaller age such as 7d or 52w"
            ) from exc
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(
            f"--since {text!r} is neither a time nor an age; give ISO 8601 "
            "(2024-05-01T12:00:00Z) or an age such as 15m, 2h or 7d"
        ) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
