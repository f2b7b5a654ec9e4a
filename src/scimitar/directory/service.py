"""The directory as the CLI, API and portal use it: users, groups, reads, purge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.clock import utcnow
from scimitar.directory.bulk import BulkWriter, ImportReport, batches_from_items
from scimitar.directory.changes import PendingChange, record_changes
from scimitar.directory.generator import generate_directory
from scimitar.directory.groups import GroupService, hard_delete_group
from scimitar.directory.importer import parse_import
from scimitar.directory.lifecycle import Lifecycle
from scimitar.directory.store import SQLDirectory
from scimitar.directory.users import UserService, hard_delete_user
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.store.tables.directory import GROUP, USER

__all__ = ["DirectoryService", "PurgeResult"]


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """How many soft-deleted objects a purge removed for good."""

    users: int
    groups: int


class DirectoryService:
    """One directory: its users, groups, the read side (a :class:`SourceDirectory`) and purge.

    Attributes:
        users: Writes to users.
        groups: Writes to groups and memberships.
        source: The read side a provisioning job uses.
        bulk: Imports and other many-row writes.
        lifecycle: The soft-delete window.
    """

    def __init__(
        self,
        database: Database,
        *,
        soft_delete_days: int = 30,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database = database
        self.lifecycle = Lifecycle(soft_delete_days, clock)
        self.users = UserService(database, self.lifecycle)
        self.groups = GroupService(database, self.lifecycle)
        self.source = SQLDirectory(database)
        self.bulk = BulkWriter(database, self.lifecycle)

    @classmethod
    def from_settings(cls, database: Database, settings: Settings) -> DirectoryService:
        """The service with the soft-delete window the settings name."""
        return cls(database, soft_delete_days=settings.directory_soft_delete_days)

    async def purge(self) -> PurgeResult:
        """Hard-delete every object soft-deleted longer ago than the window, recording each.

        Entra purges deleted users 30 days after deletion; docs/entra.md §2.4 turns that into a
        ``DELETE`` to the apps that still manage them.
        """
        now = self.lifecycle.now()
        cutoff = self.lifecycle.purge_before(now)
        async with self.database.write() as conn:
            pending: list[PendingChange] = []
            users = await _expired(conn, USER, cutoff)
            for object_id in users:
                await hard_delete_user(conn, object_id, pending, now)
            groups = await _expired(conn, GROUP, cutoff)
            for object_id in groups:
                await hard_delete_group(conn, object_id, pending, now)
            await record_changes(conn, pending, now)
        return PurgeResult(len(users), len(groups))

    async def import_text(
        self, text: str, file_format: str, *, partial: bool = False
    ) -> ImportReport:
        """Import a CSV or JSON file's content (see ``importer.py`` for the formats)."""
        return await self.bulk.apply(parse_import(text, file_format), partial=partial)

    async def generate(self, users: int, groups: int, seed: int = 0) -> ImportReport:
        """Add a generated directory (see ``generator.py``), one transaction per batch."""
        total = ImportReport()
        for batch in batches_from_items(generate_directory(users, groups, seed)):
            report = await self.bulk.apply(batch)
            for name in ImportReport.__slots__:
                if name != "problems":
                    setattr(total, name, getattr(total, name) + getattr(report, name))
        return total


async def _expired(conn: AsyncConnection, table: Table, cutoff: datetime) -> list[str]:
    query = (
        select(table.c.object_id)
        .where(table.c.deleted_at.is_not(None), table.c.deleted_at < cutoff)
        .order_by(table.c.seq)
    )
    return list((await conn.execute(query)).scalars())
