"""Audit records as values, and the one function that writes one inside a change's transaction.

A service that changes something calls :func:`record` with the connection of the transaction
that makes the change, so the change and its record commit together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.audit.actor import Actor
from scimitar.clock import utcnow
from scimitar.secrets import redact_document
from scimitar.store.tables.audit import AUDIT

__all__ = ["AuditEntry", "AuditRecord", "record"]

Document = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A change to record.

    Attributes:
        actor: Who made it.
        action: What was done, dotted (``settings.update``, ``apikey.create``); see
            ``docs/audit.md`` for the list.
        object: What it was done to, in words (``User mappings``, ``API key ci``).
        app_id: The app it concerns, if any.
        app_name: That app's name at the time.
        before: The object before the change (``None`` when it was created).
        after: The object after the change (``None`` when it was deleted).
    """

    actor: Actor
    action: str
    object: str = ""
    app_id: str | None = None
    app_name: str | None = None
    before: Document | None = None
    after: Document | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A stored audit record (secrets already redacted).

    Attributes:
        id: Increasing with each record; paging uses it.
        at: When the change was made (UTC).
        actor: Who made it (``cli:alice``, ``api:ci``, ``portal:password``).
        session: The portal session's short id, if the change came from the portal.
        action: What was done.
        object: What it was done to.
        app_id: The app, if any.
        app_name: The app's name at the time.
        before: The object before, as recorded.
        after: The object after, as recorded.
    """

    id: int
    at: datetime
    actor: str
    session: str | None
    action: str
    object: str
    app_id: str | None
    app_name: str | None
    before: Any
    after: Any

    def to_dict(self) -> dict[str, Any]:
        """Plain values, camelCase, as the CLI and the API print them."""
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "session": self.session,
            "action": self.action,
            "object": self.object,
            "appId": self.app_id,
            "app": self.app_name,
            "before": self.before,
            "after": self.after,
        }


def _dump(document: Document | None) -> str | None:
    if document is None:
        return None
    return json.dumps(redact_document(document), sort_keys=True, ensure_ascii=False)


def entry_values(entry: AuditEntry, at: datetime) -> dict[str, Any]:
    """The row of ``entry``, its documents redacted (the one place redaction is applied)."""
    return {
        "at": at,
        "actor": str(entry.actor)[:300],
        "actor_session": entry.actor.session,
        "action": entry.action,
        "app_id": entry.app_id,
        "app_name": entry.app_name,
        "object": redact_document(entry.object)[:400],
        "before": _dump(entry.before),
        "after": _dump(entry.after),
    }


async def record(conn: AsyncConnection, entry: AuditEntry, *, at: datetime | None = None) -> None:
    """Write ``entry`` in the transaction ``conn`` belongs to (so it commits with the change).

    Args:
        conn: The open write connection of the change.
        entry: What to record.
        at: When (default: now).
    """
    await conn.execute(insert(AUDIT).values(entry_values(entry, at or utcnow())))
