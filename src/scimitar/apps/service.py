"""Apps: add one from a gallery template, list, show, delete."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from scimitar.apps.model import App
from scimitar.apps.rows import job_row
from scimitar.audit import Actor, AuditEntry, record
from scimitar.clock import utcnow
from scimitar.directory.errors import DuplicateObjectError
from scimitar.errors import ConfigError, NotFoundError
from scimitar.gallery.service import GalleryService
from scimitar.gallery.template import AppTemplate
from scimitar.store import Database
from scimitar.store.tables.apps import APP, ASSIGNMENT, JOB

__all__ = ["AppService", "app_from_row"]

_NAME_MAX = 200


def app_from_row(row: Any) -> App:
    """An :class:`App` from a row with ``id, name, template_id, created_at``."""
    return App(row.id, row.name, row.template_id, row.created_at)


class AppService:
    """The apps of one store.

    Args:
        database: The store.
        gallery: Where templates come from.
    """

    def __init__(self, database: Database, gallery: GalleryService) -> None:
        self._database = database
        self._gallery = gallery

    async def add(self, template_id: str, name: str, *, actor: Actor) -> App:
        """Add an app from a template, with its job set to the template's defaults.

        The audit log records the addition by ``actor``.

        Raises:
            NotFoundError: No such template.
            ConfigError: The name is empty or too long.
            DuplicateObjectError: Another app has the name (any case).
        """
        template = self._gallery.get(template_id)
        clean = _clean_name(name)
        app = App(str(uuid.uuid4()), clean, template.id, utcnow())
        try:
            async with self._database.write() as conn:
                await conn.execute(insert(APP).values(_app_values(app)))
                await conn.execute(insert(JOB).values(job_row(app.id, template)))
                await record(conn, _entry(actor, "app.add", app, after=app.to_dict()))
        except IntegrityError as exc:
            raise DuplicateObjectError(
                f"an app named {clean!r} exists already; choose another"
            ) from exc
        return app

    async def list(self) -> list[App]:
        """Every app, by name."""
        query = select(APP.c.id, APP.c.name, APP.c.template_id, APP.c.created_at)
        async with self._database.read() as conn:
            rows = await conn.execute(query.order_by(APP.c.name_key))
            return [app_from_row(row) for row in rows]

    async def get(self, key: str) -> App:
        """The app with this id or name (names compare case-insensitively).

        Raises:
            NotFoundError: No such app.
        """
        query = select(APP.c.id, APP.c.name, APP.c.template_id, APP.c.created_at).where(
            or_(APP.c.id == key.strip(), APP.c.name_key == key.strip().lower())
        )
        async with self._database.read() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise NotFoundError(f"no app {key!r}; `scimitar app list` shows them")
        return app_from_row(row)

    def template_of(self, app: App) -> AppTemplate:
        """The app's gallery template."""
        return self._gallery.get(app.template_id)

    async def delete(self, key: str, *, actor: Actor) -> App:
        """Delete an app with its assignments and job (the target's accounts stay as they are).

        The audit log records the deletion by ``actor``; the app's earlier records stay.

        Raises:
            NotFoundError: No such app.
        """
        app = await self.get(key)
        async with self._database.write() as conn:
            await conn.execute(delete(ASSIGNMENT).where(ASSIGNMENT.c.app_id == app.id))
            await conn.execute(delete(JOB).where(JOB.c.app_id == app.id))
            await conn.execute(delete(APP).where(APP.c.id == app.id))
            await record(conn, _entry(actor, "app.delete", app, before=app.to_dict()))
        return app

    async def count_assignments(self, app: App) -> int:
        """How many assignments the app has."""
        query = select(func.count()).select_from(ASSIGNMENT).where(ASSIGNMENT.c.app_id == app.id)
        async with self._database.read() as conn:
            return int((await conn.execute(query)).scalar_one())


def _entry(
    actor: Actor,
    action: str,
    app: App,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry(actor, action, f"app {app.name}", app.id, app.name, before, after)


def _clean_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean:
        raise ConfigError("give the app a name (--name)")
    if len(clean) > _NAME_MAX:
        raise ConfigError(f"an app name has at most {_NAME_MAX} characters")
    return clean


def _app_values(app: App) -> dict[str, object]:
    return {
        "id": app.id,
        "name": app.name,
        "name_key": app.name.lower(),
        "template_id": app.template_id,
        "created_at": app.created_at,
    }
