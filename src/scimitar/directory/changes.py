"""The change feed: numbering changes inside the writing transaction, and reading them in pages.

Why a counter row and not an autoincrement column: on PostgreSQL a sequence hands numbers out at
insert time, so transaction B can commit change 11 while transaction A still holds change 10; a
reader that saw 11 and saved it as its watermark would never see 10. Here every writer numbers
its changes with ``UPDATE directory_counter ... RETURNING`` as the last statement before commit.
The row lock that UPDATE takes is held until commit, so writers commit in number order and a
reader (which sees only committed rows) can never see a number before a smaller one. Numbering
last keeps the lock short. On SQLite writers are serialised anyway.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.directory.errors import AttributeValueError
from scimitar.directory.model import ObjectType
from scimitar.directory.source import Change, ChangeKind, ChangePage
from scimitar.store.signals import announce
from scimitar.store.tables.directory import CHANGE, COUNTER

__all__ = [
    "CHANGE_COUNTER",
    "PendingChange",
    "current_sequence",
    "parse_watermark",
    "read_changes",
    "record_changes",
]

CHANGE_COUNTER = "change"
_INSERT_BATCH = 5000


@dataclass(frozen=True, slots=True)
class PendingChange:
    """A change made in the current transaction, not numbered yet."""

    kind: ChangeKind
    object_type: ObjectType
    object_id: str
    attributes: tuple[str, ...] = ()
    member_id: str | None = None
    member_type: ObjectType | None = None


def parse_watermark(watermark: str | None) -> int:
    """The sequence number a watermark names (``None`` → 0, before every change).

    Raises:
        AttributeValueError: The watermark is not one this directory handed out.
    """
    if watermark is None or watermark == "":
        return 0
    try:
        position = int(watermark)
    except ValueError as exc:
        raise AttributeValueError("watermark", f"{watermark!r} is not a change number") from exc
    if position < 0:
        raise AttributeValueError("watermark", "must not be negative")
    return position


def _row(change: PendingChange, seq: int, now: datetime) -> dict[str, Any]:
    return {
        "seq": seq,
        "kind": change.kind.value,
        "object_type": change.object_type.value,
        "object_id": change.object_id,
        "member_id": change.member_id,
        "member_type": change.member_type.value if change.member_type else None,
        "attributes": json.dumps(list(change.attributes)) if change.attributes else None,
        "changed_at": now,
    }


async def record_changes(
    conn: AsyncConnection, changes: Sequence[PendingChange], now: datetime
) -> int:
    """Number and store the changes of the current transaction; call it last, before commit.

    Returns:
        The sequence number of the last change recorded (0 when there was none).
    """
    if not changes:
        return 0
    counted = (
        update(COUNTER)
        .where(COUNTER.c.name == CHANGE_COUNTER)
        .values(value=COUNTER.c.value + len(changes))
        .returning(COUNTER.c.value)
    )
    last = int((await conn.execute(counted)).scalar_one())
    first = last - len(changes) + 1
    rows = [_row(change, first + offset, now) for offset, change in enumerate(changes)]
    for start in range(0, len(rows), _INSERT_BATCH):
        await conn.execute(insert(CHANGE), rows[start : start + _INSERT_BATCH])
    await announce(conn)  # every app reads the feed: wake them all once this commits
    return last


async def current_sequence(conn: AsyncConnection) -> int:
    """The number of the latest committed change (0 before the first)."""
    query = select(COUNTER.c.value).where(COUNTER.c.name == CHANGE_COUNTER)
    return int((await conn.execute(query)).scalar_one())


def _change(row: Any) -> Change:
    member_type = ObjectType(row.member_type) if row.member_type else None
    return Change(
        seq=int(row.seq),
        kind=ChangeKind(row.kind),
        object_type=ObjectType(row.object_type),
        object_id=row.object_id,
        attributes=tuple(json.loads(row.attributes)) if row.attributes else (),
        member_id=row.member_id,
        member_type=member_type,
        changed_at=row.changed_at,
    )


async def read_changes(conn: AsyncConnection, after: int, limit: int) -> ChangePage:
    """The committed changes numbered above ``after``, at most ``limit`` of them.

    A keyset range on the primary key: the cost depends on the page, not on the feed's length.
    """
    query = select(CHANGE).where(CHANGE.c.seq > after).order_by(CHANGE.c.seq).limit(limit + 1)
    rows = (await conn.execute(query)).all()
    changes = tuple(_change(row) for row in rows[:limit])
    watermark = changes[-1].seq if changes else after
    return ChangePage(changes, str(watermark), has_more=len(rows) > limit)
