"""The scheduler's housekeeping: expired soft-deleted objects and old log records are purged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scimitar.apps import Apps
from scimitar.audit import Actor, AuditEntry, AuditLog
from scimitar.directory.service import DirectoryService
from scimitar.engine.state.logstore import ProvisioningLogStore
from scimitar.engine.state.registry import JobRegistry
from scimitar.errors import NotFoundError
from scimitar.jobs.scheduler import Scheduler
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.logrecords import NOW, make_record


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
        database,
        Apps.create(database, settings),
        jobs=JobRegistry(),
        clock=lambda: now,
        directory=directory,
    )
    kept = await directory.users.create({"userPrincipalName": "kept@contoso.com"})
    await directory.users.delete(kept.object_id)
    await scheduler.run_due()
    with pytest.raises(NotFoundError):
        await directory.users.get(user.object_id)
    assert (await directory.users.get(kept.object_id)).deleted_at is not None


async def test_the_hourly_pass_purges_every_apps_log_records_past_retention(
    database: Database, settings: Settings
) -> None:
    apps = Apps.create(database, settings)
    first = await apps.apps.add("scim", "Lab", actor=Actor.cli("tests"))
    second = await apps.apps.add("scim", "Other", actor=Actor.cli("tests"))
    logs = ProvisioningLogStore(database)
    for app_id, number in ((first.id, 1), (second.id, 2)):
        records = [make_record(number, age=timedelta(days=31)), make_record(number + 10)]
        await logs.append(app_id, [("User", r) for r in records])
    scheduler = Scheduler(
        database, apps, jobs=JobRegistry(), clock=lambda: NOW, log_retention_days=30
    )
    await scheduler.run_due()
    for app_id, number in ((first.id, 1), (second.id, 2)):
        page = await logs.query(app_id)
        assert [entry.record.id for entry in page.records] == [f"rec-{number + 10:04d}"]


async def test_the_hourly_pass_prunes_audit_records_past_retention(
    database: Database, settings: Settings
) -> None:
    old = AuditLog(database, clock=lambda: NOW - timedelta(days=100))
    await old.append(AuditEntry(Actor.cli("alice"), "app.add", "old"))
    audit = AuditLog(database, retention_days=90, clock=lambda: NOW)
    await audit.append(AuditEntry(Actor.cli("alice"), "app.add", "recent"))
    scheduler = Scheduler(
        database,
        Apps.create(database, settings),
        jobs=JobRegistry(),
        clock=lambda: NOW,
        audit=audit,
    )
    await scheduler.run_due()
    assert [r.object for r in (await audit.query()).records] == ["recent"]
