"""What an app was found not to implement, learned from its answers and kept per app.

Real SCIM servers implement RFC 7644 partly (docs/provisioning.md, "Apps that implement SCIM
partly"). The engine learns three things from an app's answers and stores them
(``engine_learned_quirk``), so later cycles, and later processes, act on them at once:

- :attr:`QuirkKind.PATCH_REFUSED`: a PATCH touching the attribute was refused (501, 405, or
  400 ``noTarget``/``invalidPath`` for an attribute of its list); changes to it go as a PUT of
  the whole resource;
- :attr:`QuirkKind.FILTER_IGNORED`: a filter on the attribute says an object the app holds is
  not there; matching lists the app's objects of the type instead;
- :attr:`QuirkKind.NOT_KEPT`: the app accepted a value for the attribute and returned the
  resource without it; the attribute is no longer compared nor sent again in updates.

:meth:`LearnedQuirks.learn` says whether a quirk is new (across processes: the row's insert
decides), so each is warned about once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.clock import utcnow
from scimitar.store import Database
from scimitar.store.tables.engine import LEARNED_QUIRK

__all__ = ["LearnedQuirk", "LearnedQuirks", "QuirkKind", "load_learned"]

log = structlog.get_logger("scimitar.engine")


class QuirkKind(StrEnum):
    """What an app was found not to implement."""

    PATCH_REFUSED = "patchRefused"
    FILTER_IGNORED = "filterIgnored"
    NOT_KEPT = "notKept"


def _plural(object_type: str) -> str:
    return f"{object_type}s"


@dataclass(frozen=True, slots=True)
class LearnedQuirk:
    """One learned quirk.

    Attributes:
        kind: What the app does not implement.
        object_type: ``User`` or ``Group``.
        attribute: The target attribute (as mapped, e.g. ``title``, ``displayName``).
        detail: The app's answer that showed it, when there was one.
        detected_at: When it was first seen.
    """

    kind: QuirkKind
    object_type: str
    attribute: str
    detail: str | None = None
    detected_at: datetime | None = None

    @property
    def message(self) -> str:
        """What the engine does about it, for an admin."""
        kind, name = self.object_type, self.attribute
        match self.kind:
            case QuirkKind.PATCH_REFUSED:
                return (
                    f"this app refuses PATCH of {kind}.{name}; changes to it are sent as a PUT "
                    f"of the whole {kind.lower()}"
                )
            case QuirkKind.FILTER_IGNORED:
                plural = _plural(kind)
                return (
                    f"this app ignores filters on {plural}.{name}; matching lists "
                    f"{plural.lower()} instead"
                )
        return (
            f"this app does not keep {kind}.{name} (it accepts a value and drops it); it is "
            "no longer compared nor sent again in updates"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain values, camelCase, as ``scimitar app status --json`` prints them."""
        return {
            "kind": self.kind.value,
            "objectType": self.object_type,
            "attribute": self.attribute,
            "message": self.message,
            "detail": self.detail,
            "detectedAt": None if self.detected_at is None else self.detected_at.isoformat(),
        }


def _key(kind: QuirkKind, object_type: str, attribute: str) -> tuple[str, str, str]:
    return kind.value, object_type, attribute.lower()


class LearnedQuirks:
    """An app's learned quirks during one cycle (or one provision on demand).

    Args:
        known: The quirks stored so far.
        database: Where new ones are stored; without it they are kept in memory only.
        app_id: The app (with ``database``).
    """

    def __init__(
        self,
        known: Iterable[LearnedQuirk] = (),
        *,
        database: Database | None = None,
        app_id: str | None = None,
    ) -> None:
        self._known = {_key(q.kind, q.object_type, q.attribute): q for q in known}
        self._database = database
        self._app_id = app_id

    @classmethod
    async def load(cls, database: Database, app_id: str) -> LearnedQuirks:
        """The app's stored quirks, learning more into the same store."""
        async with database.read() as conn:
            known = await load_learned(conn, app_id)
        return cls(known, database=database, app_id=app_id)

    def has(self, kind: QuirkKind, object_type: str, attribute: str) -> bool:
        """Whether this quirk is known (attribute names compare case-insensitively)."""
        return _key(kind, object_type, attribute) in self._known

    def is_kept(self, object_type: str, attribute: str) -> bool:
        """Whether the app keeps what it is sent for this attribute (not known otherwise)."""
        return not self.has(QuirkKind.NOT_KEPT, object_type, attribute)

    def all(self) -> list[LearnedQuirk]:
        """Every known quirk."""
        return list(self._known.values())

    async def learn(
        self, kind: QuirkKind, object_type: str, attribute: str, detail: str | None = None
    ) -> LearnedQuirk | None:
        """Record a quirk; returns it when it is new (so the caller warns), else ``None``."""
        key = _key(kind, object_type, attribute)
        if key in self._known:
            return None
        quirk = LearnedQuirk(kind, object_type, attribute, (detail or "")[:500] or None, utcnow())
        self._known[key] = quirk  # before any await: concurrent objects learn it once
        if self._database is not None and self._app_id is not None:
            async with self._database.write() as conn:
                if not await _insert(conn, self._app_id, quirk):
                    return None  # another process learned it first and warned
        log.warning(
            "app_quirk_learned",
            app_id=self._app_id,
            kind=kind.value,
            object_type=object_type,
            attribute=attribute,
        )
        return quirk


async def load_learned(conn: AsyncConnection, app_id: str) -> list[LearnedQuirk]:
    """An app's stored quirks, oldest first."""
    query = (
        select(LEARNED_QUIRK)
        .where(LEARNED_QUIRK.c.app_id == app_id)
        .order_by(LEARNED_QUIRK.c.detected_at, LEARNED_QUIRK.c.attribute)
    )
    quirks: list[LearnedQuirk] = []
    for row in await conn.execute(query):
        try:
            kind = QuirkKind(row.kind)
        except ValueError:
            continue  # a kind a later version stored: not this version's to act on
        quirks.append(
            LearnedQuirk(kind, row.object_type, row.attribute, row.detail, row.detected_at)
        )
    return quirks


async def _insert(conn: AsyncConnection, app_id: str, quirk: LearnedQuirk) -> bool:
    values = {
        "app_id": app_id,
        "kind": quirk.kind.value,
        "object_type": quirk.object_type,
        "attribute": quirk.attribute,
        "detail": quirk.detail,
        "detected_at": quirk.detected_at or utcnow(),
    }
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    inserted = await conn.execute(
        dialect.insert(LEARNED_QUIRK).values(values).on_conflict_do_nothing()
    )
    return bool(inserted.rowcount)
