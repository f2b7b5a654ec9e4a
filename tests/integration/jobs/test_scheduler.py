"""The scheduler's housekeeping: the directory's expired soft-deleted objects are purged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scimitar.apps import Apps
from scimitar.directory.service import DirectoryService
from scimitar.errors import NotFoundError
from scimitar.jobs.scheduler import Scheduler
from scimitar.settings import Settings
from scimitar.store import Database


async def test_expired_soft_deletes_are_purged_and_recent_ones_kept(
    database: Database, settings: Settings
) -> None:
    then = datetime(2026, 1, 1, tzinfo=UTC)
    past = DirectoryService(database, clock=lambda: then)
    user = await past.users.create({"userPrincipalName": "gone@contoso.com"})
    await past.users.delete(user.object_id)
    now = then + timedelta(days=31)
    directory = DirectoryService(database, clock=lambda: now)
    scheduler = Scheduler(
        database, Apps.create(database, settings), clock=lambda: now, directory=directory
    )
    kept = await directory.users.create({"userPrincipalName": "kept@contoso.com"})
    await directory.users.delete(kept.object_id)
    await scheduler.run_due()
    with pytest.raises(NotFoundError):
        await directory.users.get(user.object_id)
    assert (await directory.users.get(kept.object_id)).deleted_at is not None
