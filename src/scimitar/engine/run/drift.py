"""Drift: where the app's accounts differ from what the mappings produce today.

An incremental cycle compares the mapped values with the values it last sent (the link's
``last_exported``), never with the app: an attribute changed by hand in the app stays changed
until the directory changes it again. :func:`find_drift` reads the app's accounts a page at a
time and, for every managed (linked, enabled) one, runs the cycle's own per-object code with
the account as read standing in for the values last sent, so a difference is exactly the
update a cycle would send if it knew the app's values.

``fix`` queues the corrections for a normal cycle: each drifted link's values last sent become
the account as read (as an adopted account's do) and the account is logged in the app's scope
change log, so the next cycle takes it up, sends the corrections as updates within the
deletion threshold and the app's limits, and logs them like any update. The queueing is in
the audit log (``drift.fix``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from scimitar.apps import Apps
from scimitar.audit import Actor, AuditEntry, record
from scimitar.clock import utcnow
from scimitar.directory.source import SourceDirectory
from scimitar.engine.core.actions import Update
from scimitar.engine.core.planning import Link
from scimitar.engine.core.records import modified_properties
from scimitar.engine.run.accounts import linked_targets, open_accounts
from scimitar.engine.run.objects import prepare_user
from scimitar.engine.state.linkstore import LinkChange, save_links
from scimitar.store import Database, scopelog

__all__ = ["DriftReport", "DriftedAccount", "find_drift"]


@dataclass(frozen=True, slots=True)
class DriftedAccount:
    """A managed account with attributes the app holds otherwise than the mappings say."""

    source_id: str
    name: str
    target_id: str
    #: ``(attribute, value in the app, value the mappings produce)``, as logs show values.
    attributes: tuple[tuple[str, str | None, str | None], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON shape."""
        return {
            "sourceId": self.source_id,
            "name": self.name,
            "targetId": self.target_id,
            "attributes": [
                {"attribute": a, "app": app, "mapped": mapped} for a, app, mapped in self.attributes
            ],
        }


@dataclass
class DriftReport:
    """What :func:`find_drift` found."""

    app: str
    app_id: str
    accounts_read: int = 0
    managed: int = 0
    drifted: list[DriftedAccount] = field(default_factory=list)
    queued: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON shape."""
        return {
            "app": self.app,
            "accountsRead": self.accounts_read,
            "managed": self.managed,
            "drifted": [d.to_dict() for d in self.drifted],
            "queued": self.queued,
            "seconds": round(self.seconds, 3),
        }


async def find_drift(
    database: Database,
    apps: Apps,
    directory: SourceDirectory,
    app_key: str,
    *,
    fix: bool = False,
    actor: Actor | None = None,
) -> DriftReport:
    """Read the app's managed accounts and report every attribute that drifted.

    Args:
        database: The store.
        apps: The apps services.
        directory: The source directory.
        app_key: The app's name or id.
        fix: Queue the corrections for the next cycle (see the module docstring).
        actor: Who asked, for the audit log (required with ``fix``).

    Raises:
        ConfigError: The app has no credentials.
        SyncError: The app could not be read.
    """
    started = time.monotonic()
    async with open_accounts(apps, app_key) as accounts:
        ctx = accounts.ctx
        report = DriftReport(ctx.config.app.name, ctx.app_id)
        links = await linked_targets(database, ctx.app_id)
        found: dict[str, dict[str, Any]] = {}
        async for page in accounts.pages():
            report.accounts_read += len(page)
            managed = {
                str(r["id"]): links[str(r["id"])][0]
                for r in page
                if str(r.get("id")) in links and links[str(r["id"])][1] is None
            }
            report.managed += len(managed)
            users = await directory.get_users(list(managed.values()))
            for resource in page:
                source_id = managed.get(str(resource.get("id")))
                user = users.get(source_id) if source_id else None
                if source_id is None or user is None:
                    continue
                target_id = str(resource["id"])
                item = prepare_user(ctx, source_id, user, Link(target_id, resource), None, "drift")
                if not isinstance(item.action, Update) or item.result is None:
                    continue
                shown = modified_properties(item.changes, item.result.redacted)
                report.drifted.append(
                    DriftedAccount(
                        source_id,
                        item.display,
                        target_id,
                        tuple((p.display_name, p.old_value, p.new_value) for p in shown),
                    )
                )
                if fix:
                    found[source_id] = resource
    if fix and found:
        await _queue(database, report, found, actor or Actor.system("drift"))
    report.seconds = time.monotonic() - started
    return report


async def _queue(
    database: Database, report: DriftReport, found: dict[str, dict[str, Any]], actor: Actor
) -> None:
    app_id = report.app_id
    changes: list[LinkChange] = [
        ("User", source_id, Link(str(resource["id"]), resource))
        for source_id, resource in found.items()
    ]
    now = utcnow()
    async with database.write() as conn:
        await save_links(conn, app_id, changes)
        await scopelog.record(conn, app_id, [("User", s) for s in found], now)
        entry = AuditEntry(
            actor,
            "drift.fix",
            f"{len(found)} drifted accounts",
            app_id,
            report.app,
            after={"accounts": [d.to_dict() for d in report.drifted if d.source_id in found]},
        )
        await record(conn, entry)
    report.queued = len(found)
