"""The ownership table (``source_object``): which source feeds which directory object."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar import jsontext
from scimitar.sources.model import SOURCE, SOURCE_OBJECT

__all__ = [
    "Link",
    "drop_links",
    "insert_links",
    "links_by_anchor",
    "live_anchors",
    "object_ids_by_anchor",
    "other_links",
    "owners_by_object",
    "owners_of",
    "update_links",
]

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Link:
    """One object a source feeds.

    Attributes:
        id: The row's id.
        source_id: The source.
        anchor: The source's id for the object.
        object_id: The directory object's objectId.
        contributed: The values the source last gave it.
        vanished_at: When it vanished from the source, if it did.
    """

    id: int
    source_id: str
    anchor: str
    object_id: str
    contributed: dict[str, Any]
    vanished_at: datetime | None


def _link(row: Any) -> Link:
    return Link(
        row.id,
        row.source_id,
        row.anchor,
        row.object_id,
        jsontext.loads(row.contributed),
        row.vanished_at,
    )


_COLUMNS = (
    SOURCE_OBJECT.c.id,
    SOURCE_OBJECT.c.source_id,
    SOURCE_OBJECT.c.anchor,
    SOURCE_OBJECT.c.object_id,
    SOURCE_OBJECT.c.contributed,
    SOURCE_OBJECT.c.vanished_at,
)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


async def links_by_anchor(
    conn: AsyncConnection, source_id: str, object_type: str, anchors: Sequence[str]
) -> dict[str, Link]:
    """This source's links of ``object_type`` among ``anchors``, by anchor."""
    found: dict[str, Link] = {}
    for chunk in _chunks(sorted(set(anchors))):
        query = select(*_COLUMNS).where(
            SOURCE_OBJECT.c.source_id == source_id,
            SOURCE_OBJECT.c.object_type == object_type,
            SOURCE_OBJECT.c.anchor.in_(chunk),
        )
        found.update((row.anchor, _link(row)) for row in await conn.execute(query))
    return found


async def object_ids_by_anchor(
    conn: AsyncConnection, source_id: str, object_type: str, anchors: Sequence[str]
) -> dict[str, str]:
    """ObjectIds of this source's live links of ``object_type`` among ``anchors``."""
    found: dict[str, str] = {}
    for chunk in _chunks(sorted(set(anchors))):
        query = select(SOURCE_OBJECT.c.anchor, SOURCE_OBJECT.c.object_id).where(
            SOURCE_OBJECT.c.source_id == source_id,
            SOURCE_OBJECT.c.object_type == object_type,
            SOURCE_OBJECT.c.anchor.in_(chunk),
        )
        found.update((row.anchor, row.object_id) for row in await conn.execute(query))
    return found


async def other_links(
    conn: AsyncConnection, source_id: str, object_ids: Sequence[str]
) -> dict[str, list[Link]]:
    """Live links of other sources to ``object_ids``, by objectId."""
    found: dict[str, list[Link]] = {}
    for chunk in _chunks(sorted(set(object_ids))):
        query = select(*_COLUMNS).where(
            SOURCE_OBJECT.c.object_id.in_(chunk),
            SOURCE_OBJECT.c.source_id != source_id,
            SOURCE_OBJECT.c.vanished_at.is_(None),
        )
        for row in await conn.execute(query):
            found.setdefault(row.object_id, []).append(_link(row))
    return found


async def live_anchors(conn: AsyncConnection, source_id: str, object_type: str) -> dict[str, str]:
    """Every anchor this source feeds and that has not vanished, with its objectId."""
    query = select(SOURCE_OBJECT.c.anchor, SOURCE_OBJECT.c.object_id).where(
        SOURCE_OBJECT.c.source_id == source_id,
        SOURCE_OBJECT.c.object_type == object_type,
        SOURCE_OBJECT.c.vanished_at.is_(None),
    )
    return {row.anchor: row.object_id for row in await conn.execute(query)}


async def owners_of(conn: AsyncConnection, object_id: str) -> list[tuple[str, str]]:
    """``(name, kind)`` of the sources that feed the object now, by name."""
    query = (
        select(SOURCE.c.name, SOURCE.c.kind)
        .join(SOURCE_OBJECT, SOURCE_OBJECT.c.source_id == SOURCE.c.id)
        .where(SOURCE_OBJECT.c.object_id == object_id, SOURCE_OBJECT.c.vanished_at.is_(None))
        .order_by(SOURCE.c.name_key)
    )
    return [(row.name, row.kind) for row in await conn.execute(query)]


async def owners_by_object(conn: AsyncConnection, object_ids: Sequence[str]) -> dict[str, str]:
    """For each of ``object_ids`` a source feeds now, its sources as an error names them."""
    found: dict[str, list[str]] = {}
    for chunk in _chunks(sorted(set(object_ids))):
        query = (
            select(SOURCE_OBJECT.c.object_id, SOURCE.c.name, SOURCE.c.kind)
            .join(SOURCE, SOURCE_OBJECT.c.source_id == SOURCE.c.id)
            .where(SOURCE_OBJECT.c.object_id.in_(chunk), SOURCE_OBJECT.c.vanished_at.is_(None))
        )
        for row in await conn.execute(query):
            found.setdefault(row.object_id, []).append(f"{row.name!r} ({row.kind})")
    return {object_id: ", ".join(sorted(names)) for object_id, names in found.items()}


async def insert_links(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Insert new links (``source_id, object_type, anchor, object_id, contributed, updated_at``)."""
    if rows:
        await conn.execute(insert(SOURCE_OBJECT), rows)


async def update_links(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Set ``object_id``, ``contributed`` and ``vanished_at`` of links by id."""
    if not rows:
        return
    statement = (
        update(SOURCE_OBJECT)
        .where(SOURCE_OBJECT.c.id == bindparam("b_id"))
        .values(
            object_id=bindparam("b_object_id"),
            contributed=bindparam("b_contributed"),
            vanished_at=bindparam("b_vanished_at"),
            updated_at=bindparam("b_updated_at"),
        )
    )
    await conn.execute(statement, [{f"b_{k}": v for k, v in row.items()} for row in rows])


async def drop_links(conn: AsyncConnection, ids: Sequence[int]) -> None:
    """Delete links by id."""
    for start in range(0, len(ids), _CHUNK):
        await conn.execute(
            delete(SOURCE_OBJECT).where(SOURCE_OBJECT.c.id.in_(ids[start : start + _CHUNK]))
        )
