"""Quarantine (docs/entra.md §3.7): when a job is quarantined, why, and when it is tried again.

A job enters quarantine when the app refuses it as a whole (invalid credentials, an
incompatible target: ``EncounteredQuarantineException``, at once), when a cycle's failures cross
the escrow thresholds, or when the accidental-deletion breaker trips (``TooManyDeletes``).
Retries follow the spec's schedule counted from the first failure — 6 h, 12 h, 24 h, then every
24 h — and a job still quarantined after 28 days is disabled (provisioning off). The first
successful cycle ends the quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.store.tables.resilience import QUARANTINE

__all__ = [
    "DISABLE_AFTER",
    "EVALUATION_STARTS",
    "Quarantine",
    "QuarantineReason",
    "escrow_reason",
    "explain",
    "failed_again",
    "lift",
    "load",
    "next_attempt",
    "save",
]

#: A job still quarantined this long after its first failure is disabled.
DISABLE_AFTER = timedelta(days=28)
#: Escrow thresholds (docs/entra.md §3.7, "subject to change"): evaluation starts at this many
#: failures.
EVALUATION_STARTS = 5_000
#: Quarantine when more than this share of a cycle's exports fail...
PROPORTION = 0.40
#: ...or more than this many objects fail (reference failures excluded)...
BASE_FAILURES = 40_000
#: ...or this many failures counting reference failures.
TOTAL_FAILURES = 60_000


class QuarantineReason(StrEnum):
    """Graph ``quarantine.reason``."""

    BASE_ESCROW = "EncounteredBaseEscrowThreshold"
    TOTAL_ESCROW = "EncounteredTotalEscrowThreshold"
    ESCROW_PROPORTION = "EncounteredEscrowProportionThreshold"
    EXCEPTION = "EncounteredQuarantineException"
    UNKNOWN = "Unknown"
    ON_DEMAND = "QuarantinedOnDemand"
    TOO_MANY_DELETES = "TooManyDeletes"
    INGESTION_INTERRUPTED = "IngestionInterrupted"


_EXPLAINED = {
    QuarantineReason.BASE_ESCROW: "more than 40,000 objects failed in one cycle",
    QuarantineReason.TOTAL_ESCROW: "60,000 or more failures (references included) in one cycle",
    QuarantineReason.ESCROW_PROPORTION: "more than 40% of a cycle's exports failed",
    QuarantineReason.EXCEPTION: "the app refused the job (credentials, TLS or compatibility)",
    QuarantineReason.TOO_MANY_DELETES: "a cycle was about to disable or delete more objects "
    "than the delete threshold allows",
}


def explain(reason: str) -> str:
    """The reason in a sentence, for status and mail."""
    try:
        return _EXPLAINED.get(QuarantineReason(reason), reason)
    except ValueError:
        return reason


def escrow_reason(failures: int, reference_failures: int, exports: int) -> QuarantineReason | None:
    """Whether a cycle's failures cross the escrow thresholds (docs/entra.md §3.7), and which.

    Args:
        failures: Objects that failed, reference failures excluded.
        reference_failures: Manager and member updates that failed.
        exports: Objects exported successfully (created, updated, enabled, disabled, deleted).
    """
    if failures + reference_failures >= TOTAL_FAILURES:
        return QuarantineReason.TOTAL_ESCROW
    if failures < EVALUATION_STARTS:
        return None
    if failures > BASE_FAILURES:
        return QuarantineReason.BASE_ESCROW
    if failures > PROPORTION * (failures + exports):
        return QuarantineReason.ESCROW_PROPORTION
    return None


def _offset(failures: int) -> timedelta:
    """Retry after the ``failures``-th failure, counted from the first: 6 h, 12 h, 24 h, 48 h..."""
    if failures <= 1:
        return timedelta(hours=6)
    if failures == 2:
        return timedelta(hours=12)
    return timedelta(hours=24 * (failures - 2))


def next_attempt(series_began: datetime, failures: int, now: datetime) -> datetime:
    """The first retry on the schedule after ``now``, given the failures so far."""
    count = max(failures, 1)
    moment = series_began + _offset(count)
    while moment <= now:
        count += 1
        moment = series_began + _offset(count)
    return moment


@dataclass(frozen=True, slots=True)
class Quarantine:
    """A job's quarantine (Graph ``synchronizationQuarantine``).

    Attributes:
        reason: Why (a :class:`QuarantineReason` value).
        error: What the app or the engine said.
        series_began: The first failure of this quarantine.
        current_began: When the current reason began.
        series_count: Failed cycles since the series began.
        next_attempt: When the job is tried again (``None``: only an admin can release it).
        disabled_at: When the job was disabled after 28 days, if it was.
    """

    reason: str
    error: str | None
    series_began: datetime
    current_began: datetime
    series_count: int
    next_attempt: datetime | None
    disabled_at: datetime | None = None

    @property
    def waits_for_admin(self) -> bool:
        """Held deletions: no scheduled cycle runs until an admin allows or rejects them."""
        return self.reason == QuarantineReason.TOO_MANY_DELETES

    def to_dict(self) -> dict[str, Any]:
        """Graph-shaped, camelCase."""
        return {
            "reason": self.reason,
            "explanation": explain(self.reason),
            "error": self.error,
            "seriesBegan": self.series_began.isoformat(),
            "currentBegan": self.current_began.isoformat(),
            "seriesCount": self.series_count,
            "nextAttempt": None if self.next_attempt is None else self.next_attempt.isoformat(),
            "disabledAt": None if self.disabled_at is None else self.disabled_at.isoformat(),
        }


async def load(conn: AsyncConnection, app_id: str) -> Quarantine | None:
    """The app's quarantine, or ``None`` when it is not quarantined."""
    row = (await conn.execute(select(QUARANTINE).where(QUARANTINE.c.app_id == app_id))).first()
    if row is None:
        return None
    return Quarantine(
        row.reason,
        row.error,
        row.series_began,
        row.current_began,
        row.series_count,
        row.next_attempt,
        row.disabled_at,
    )


async def save(conn: AsyncConnection, app_id: str, quarantine: Quarantine, *, is_new: bool) -> None:
    """Insert or update the app's quarantine row."""
    values = {
        "reason": quarantine.reason,
        "error": quarantine.error,
        "series_began": quarantine.series_began,
        "current_began": quarantine.current_began,
        "series_count": quarantine.series_count,
        "next_attempt": quarantine.next_attempt,
        "disabled_at": quarantine.disabled_at,
    }
    if is_new:
        await conn.execute(insert(QUARANTINE).values(app_id=app_id, **values))
    else:
        await conn.execute(update(QUARANTINE).where(QUARANTINE.c.app_id == app_id).values(**values))


async def lift(conn: AsyncConnection, app_id: str) -> Quarantine | None:
    """End the app's quarantine; returns the one that ended, if any."""
    found = await load(conn, app_id)
    if found is not None:
        await conn.execute(delete(QUARANTINE).where(QUARANTINE.c.app_id == app_id))
    return found


def failed_again(
    before: Quarantine | None, reason: str, error: str | None, now: datetime
) -> Quarantine:
    """The quarantine after a failure at ``now`` (entering it, or one more failure in it)."""
    if reason == QuarantineReason.TOO_MANY_DELETES:
        began = now if before is None else before.series_began
        count = 1 if before is None else before.series_count + 1
        return Quarantine(reason, error, began, now, count, None)
    if before is None:
        return Quarantine(reason, error, now, now, 1, next_attempt(now, 1, now))
    count = before.series_count + 1
    current = before.current_began if before.reason == reason else now
    upcoming = next_attempt(before.series_began, count, now)
    if now - before.series_began >= DISABLE_AFTER:
        return Quarantine(reason, error, before.series_began, current, count, None, now)
    return Quarantine(reason, error, before.series_began, current, count, upcoming)
