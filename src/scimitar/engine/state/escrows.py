"""Escrows: objects whose export failed, retried in later cycles on a growing schedule (§3.6).

A failed object gets an escrow row in its page's transaction; its failure record says how many
times it was tried and when the next attempt is due. Incremental cycles retry the escrows that
are due even when the directory did not change them; initial cycles read everything anyway. An
object exported since its last failure is marked resolved by that cycle, and the cycle deletes
its resolved escrows when it ends — so a group whose own update passes but whose members then
fail in the same cycle stays escrowed, with its count kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.engine.core.records import ErrorInformation
from scimitar.engine.state.work import Outcome
from scimitar.store.fastsql import SQLConnection, as_sql, in_list, timestamp
from scimitar.store.queries import is_among
from scimitar.store.tables.resilience import ESCROW

__all__ = [
    "FIRST_RETRY",
    "LONGEST_WAIT",
    "RETENTION",
    "EscrowSummary",
    "clear",
    "due",
    "escrow_page",
    "retry_delay",
    "settle",
    "summary",
]

#: The wait before the first retry (Entra's "retried in 40 minutes"); it doubles per failure.
FIRST_RETRY = timedelta(minutes=40)
#: The longest wait between two attempts.
LONGEST_WAIT = timedelta(hours=24)
#: How long an object is retried before its escrow is dropped (Entra: four weeks).
RETENTION = timedelta(days=28)

Key = tuple[str, str]


def retry_delay(attempts: int) -> timedelta:
    """How long after its ``attempts``-th failure an object is tried again.

    40 minutes, 80, 160... doubling up to once a day.
    """
    doublings: int = min(max(attempts, 1) - 1, 16)
    step: timedelta = FIRST_RETRY * (1 << doublings)
    return min(step, LONGEST_WAIT)


def retry_note(attempts: int, next_attempt: datetime) -> str:
    """What a failure record says about its retries."""
    when = next_attempt.strftime("%Y-%m-%d %H:%M UTC")
    if attempts <= 1:
        return f"Escrowed: failed once; will be retried after {when}."
    return f"Escrowed: failed {attempts} times; will be retried again after {when}."


@dataclass(frozen=True, slots=True)
class EscrowSummary:
    """An app's escrows as ``app status`` shows them.

    Attributes:
        count: Escrowed objects.
        by_type: Escrowed objects per type.
        next_attempt_at: When the earliest one is due.
        most_attempts: The most times one object has failed.
    """

    count: int = 0
    by_type: dict[str, int] | None = None
    next_attempt_at: datetime | None = None
    most_attempts: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain values, camelCase."""
        upcoming = self.next_attempt_at
        return {
            "count": self.count,
            "byType": dict(self.by_type or {}),
            "nextAttemptAt": None if upcoming is None else upcoming.isoformat(),
            "mostAttempts": self.most_attempts,
        }


async def escrow_page(
    conn: AsyncConnection | SQLConnection,
    app_id: str,
    cycle_id: str,
    outcomes: Sequence[Outcome],
    now: datetime,
    *,
    may_resolve: bool,
) -> list[Outcome]:
    """Escrow a page's failed objects and mark the exported ones resolved, in its transaction.

    Args:
        conn: The page's write transaction.
        app_id: The app.
        cycle_id: The running cycle.
        outcomes: The page's outcomes.
        now: The time the schedule counts from.
        may_resolve: Whether the app may have escrows to resolve (saves a statement per page
            when it has none).

    Returns:
        The outcomes, with each failure record's ``additionalDetails`` saying how many times
        the object failed and when it is retried.
    """
    sql = as_sql(conn)
    failed = {(o.object_type, o.source_id): o for o in outcomes if o.count == "failure"}
    if may_resolve:
        exported = {(o.object_type, o.source_id) for o in outcomes if o.count != "failure"}
        await _resolve(sql, app_id, cycle_id, exported - set(failed))
    if not failed:
        return list(outcomes)
    notes = await _record_failures(sql, app_id, cycle_id, failed, now)
    return [_annotated(o, notes.get((o.object_type, o.source_id))) for o in outcomes]


def _annotated(outcome: Outcome, note: str | None) -> Outcome:
    error = outcome.record.error
    if note is None or error is None or outcome.count != "failure":
        return outcome
    details = f"{error.additional_details} {note}" if error.additional_details else note
    new_error: ErrorInformation = replace(error, additional_details=details)
    return replace(outcome, record=replace(outcome.record, error=new_error))


_RESOLVE = (
    "UPDATE engine_escrow SET resolved_in = :cycle WHERE app_id = :app_id"
    " AND object_type = :object_type AND cycle_id <> :cycle AND source_id IN "
)
_EXISTING = (
    "SELECT source_id, attempts, cycle_id FROM engine_escrow WHERE app_id = :app_id"
    " AND object_type = :object_type AND source_id IN "
)
_INSERT = (
    "INSERT INTO engine_escrow (app_id, object_type, source_id, display, attempts,"
    " first_failed_at, last_failed_at, next_attempt_at, error_code, error, cycle_id, resolved_in)"
    " VALUES (:app_id, :object_type, :source_id, :display, :attempts, :now, :now, :next,"
    " :error_code, :error, :cycle_id, NULL)"
)
_UPDATE = (
    "UPDATE engine_escrow SET display = :display, attempts = :attempts, last_failed_at = :now,"
    " next_attempt_at = :next, error_code = :error_code, error = :error, cycle_id = :cycle_id,"
    " resolved_in = NULL"
    " WHERE app_id = :app_id AND object_type = :object_type AND source_id = :source_id"
)


async def _resolve(sql: SQLConnection, app_id: str, cycle_id: str, keys: set[Key]) -> None:
    for object_type, ids in _by_type(keys).items():
        members, params = in_list("s", ids)
        await sql.run(
            _RESOLVE + members,  # placeholders only, values are parameters
            {"cycle": cycle_id, "app_id": app_id, "object_type": object_type, **params},
        )


async def _record_failures(
    sql: SQLConnection, app_id: str, cycle_id: str, failed: dict[Key, Outcome], now: datetime
) -> dict[Key, str]:
    existing: dict[Key, tuple[int, str]] = {}
    for object_type, ids in _by_type(failed).items():
        members, params = in_list("s", ids)
        rows = await sql.fetch_all(
            _EXISTING + members,  # placeholders only, values are parameters
            {"app_id": app_id, "object_type": object_type, **params},
        )
        existing.update(((object_type, str(r[0])), (int(r[1]), str(r[2]))) for r in rows)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    notes: dict[Key, str] = {}
    for key, outcome in failed.items():
        before = existing.get(key)
        # A second failure in the same cycle (a group, then its members) is one attempt.
        attempts = 1 if before is None else before[0] + int(before[1] != cycle_id)
        next_attempt = now + retry_delay(attempts)
        error = outcome.record.error
        row = {
            "app_id": app_id,
            "object_type": key[0],
            "source_id": key[1],
            "display": (outcome.record.source_identity.name or key[1])[:300],
            "attempts": attempts,
            "now": timestamp(sql, now),
            "next": timestamp(sql, next_attempt),
            "error_code": None if error is None else error.error_code[:120],
            "error": None if error is None else error.reason,
            "cycle_id": cycle_id,
        }
        (inserts if before is None else updates).append(row)
        notes[key] = retry_note(attempts, next_attempt)
    if inserts:
        await sql.run_many(_INSERT, inserts)
    if updates:
        await sql.run_many(_UPDATE, updates)
    return notes


def _by_type(keys: Iterable[Key]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for object_type, source_id in keys:
        grouped.setdefault(object_type, []).append(source_id)
    return grouped


async def due(conn: AsyncConnection, app_id: str, cycle_id: str, now: datetime) -> list[Key]:
    """The escrows to retry now: due, and not already tried (or failed) in this cycle."""
    query = (
        select(ESCROW.c.object_type, ESCROW.c.source_id)
        .where(
            ESCROW.c.app_id == app_id,
            ESCROW.c.next_attempt_at <= now,
            ESCROW.c.cycle_id != cycle_id,
            or_(ESCROW.c.resolved_in.is_(None), ESCROW.c.resolved_in != cycle_id),
        )
        .order_by(ESCROW.c.next_attempt_at)
    )
    return [(row[0], row[1]) for row in await conn.execute(query)]


async def count(conn: AsyncConnection, app_id: str) -> int:
    """How many escrows the app has."""
    query = select(func.count()).select_from(ESCROW).where(ESCROW.c.app_id == app_id)
    return int((await conn.execute(query)).scalar() or 0)


async def settle(
    conn: AsyncConnection,
    app_id: str,
    *,
    now: datetime,
    object_types: Sequence[str],
) -> int:
    """At the end of a cycle that completed: delete the escrows that wait for nothing.

    - resolved: the object was exported after its last failure, by this cycle or by an
      earlier one that then failed as a whole before it could settle;
    - obsolete: of an object type the job no longer provisions (its cycles never retry it);
    - expired: failing for :data:`RETENTION` (Entra removes an escrow after four weeks). The
      object is tried again when it changes in the directory, or by an initial cycle.

    Objects deleted from the directory and never linked, or out of scope, are settled when
    their retry comes due (:func:`drop`; a skip resolves the escrow). A deleted app's escrows
    go with it (the table's foreign key cascades).

    Returns:
        How many escrows were deleted.
    """
    query = delete(ESCROW).where(
        ESCROW.c.app_id == app_id,
        or_(
            ESCROW.c.resolved_in.is_not(None),
            ESCROW.c.object_type.not_in(list(object_types)),
            ESCROW.c.first_failed_at < now - RETENTION,
        ),
    )
    result = await conn.execute(query)
    return int(result.rowcount or 0)


async def drop(conn: AsyncConnection, app_id: str, keys: Iterable[Key]) -> None:
    """Delete these escrows (objects that are gone from both sides)."""
    for object_type, ids in _by_type(keys).items():
        await conn.execute(
            delete(ESCROW).where(
                ESCROW.c.app_id == app_id,
                ESCROW.c.object_type == object_type,
                is_among(conn, ESCROW.c.source_id, ids),
            )
        )


async def clear(conn: AsyncConnection, app_id: str) -> int:
    """Delete every escrow of the app (a restart); returns how many there were."""
    result = await conn.execute(delete(ESCROW).where(ESCROW.c.app_id == app_id))
    return int(result.rowcount or 0)


async def summary(conn: AsyncConnection, app_id: str) -> EscrowSummary:
    """Counts per type, the next attempt and the most attempts."""
    query = (
        select(
            ESCROW.c.object_type,
            func.count(),
            func.min(ESCROW.c.next_attempt_at),
            func.max(ESCROW.c.attempts),
        )
        .where(ESCROW.c.app_id == app_id)
        .group_by(ESCROW.c.object_type)
    )
    by_type: dict[str, int] = {}
    first: datetime | None = None
    most = 0
    for object_type, number, next_at, attempts in await conn.execute(query):
        by_type[str(object_type)] = int(number)
        if next_at is not None and (first is None or next_at < first):
            first = next_at
        most = max(most, int(attempts or 0))
    return EscrowSummary(sum(by_type.values()), by_type, first, most)
