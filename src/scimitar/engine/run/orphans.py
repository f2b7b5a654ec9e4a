"""Orphans: accounts in the app that no link points to, and what to do with them.

An orphan was never provisioned by Scimitar (made by hand, by another tool, or left when a
link was removed). :func:`find_orphans` reads the app's accounts a page at a time and, when
there are orphans, reads the directory once: every in-scope, unlinked user the cycle would
match (its planned action is ``Match``) gives its matching values, in precedence order, and an
orphan holding one of them (case-insensitively, as ``userName`` compares, RFC 7643 §4.1.1) is
the account the cycle would adopt for that user.

:func:`settle_orphans` acts on chosen orphans: ``adopt`` links matched ones to their directory
user (as the cycle's matching adopts, with the account as read as the values last sent, and the
user queued so the next cycle brings the account in line); ``disable`` and ``delete`` act on
unmatched ones through the app's SCIM endpoint. Disables and deletes count against the app's
deletion threshold as a cycle's do; every account acted on gets its own audit record
(``orphan.adopt``, ``orphan.disable``, ``orphan.delete``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from scimitar.apps import Apps
from scimitar.audit import Actor, AuditEntry, record
from scimitar.clock import utcnow
from scimitar.directory.source import SourceDirectory
from scimitar.engine.core.actions import Match
from scimitar.engine.core.planning import Link
from scimitar.engine.run.accounts import AppAccounts, linked_targets, open_accounts
from scimitar.engine.run.objects import prepare_user
from scimitar.engine.state.linkstore import save_links
from scimitar.errors import ConfigError, SyncError
from scimitar.scim.dialects import disable_body
from scimitar.store import Database, scopelog

__all__ = ["Orphan", "OrphanAction", "OrphanReport", "Settled", "find_orphans", "settle_orphans"]

_DIRECTORY_PAGE = 1000


class OrphanAction(StrEnum):
    """What an admin may do with orphans."""

    ADOPT = "adopt"
    DISABLE = "disable"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Orphan:
    """An account no link points to, and the directory user it would match, if any."""

    target_id: str
    name: str
    is_active: bool | None
    source_id: str | None = None
    source_name: str | None = None
    matched_on: str | None = None
    resource: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape."""
        match = None
        if self.source_id is not None:
            match = {"sourceId": self.source_id, "name": self.source_name, "on": self.matched_on}
        return {
            "targetId": self.target_id,
            "name": self.name,
            "active": self.is_active,
            "match": match,
        }


@dataclass
class OrphanReport:
    """What :func:`find_orphans` found."""

    app: str
    accounts_read: int = 0
    orphans: list[Orphan] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON shape."""
        return {
            "app": self.app,
            "accountsRead": self.accounts_read,
            "orphans": [o.to_dict() for o in self.orphans],
            "matched": sum(1 for o in self.orphans if o.source_id is not None),
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True, slots=True)
class Settled:
    """What happened to one orphan."""

    orphan: Orphan
    action: OrphanAction
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON shape."""
        return {
            **self.orphan.to_dict(),
            "action": self.action.value,
            "status": "failure" if self.error else "success",
            "error": self.error,
        }


async def find_orphans(
    database: Database, apps: Apps, directory: SourceDirectory, app_key: str
) -> OrphanReport:
    """The app's accounts no link points to, each with the user it would match.

    Raises:
        ConfigError: The app has no credentials.
        SyncError: The app could not be read.
    """
    async with open_accounts(apps, app_key) as accounts:
        return await _find(database, directory, accounts)


async def _find(
    database: Database, directory: SourceDirectory, accounts: AppAccounts
) -> OrphanReport:
    started = time.monotonic()
    report = OrphanReport(accounts.config.app.name)
    links = await linked_targets(database, accounts.ctx.app_id)
    found: list[dict[str, Any]] = []
    async for page in accounts.pages():
        report.accounts_read += len(page)
        found += [r for r in page if str(r.get("id")) not in links]
    matches = await _matches(accounts, directory, found, {s for s, _c in links.values()})
    for resource in found:
        target_id = str(resource["id"])
        active = resource.get("active")
        name = str(resource.get("userName") or resource.get("displayName") or target_id)
        source_id, source_name, matched_on = matches.get(target_id, (None, None, None))
        report.orphans.append(
            Orphan(
                target_id,
                name,
                active if isinstance(active, bool) else None,
                source_id,
                source_name,
                matched_on,
                resource=resource,
            )
        )
    report.seconds = time.monotonic() - started
    return report


async def _matches(
    accounts: AppAccounts,
    directory: SourceDirectory,
    orphans: Sequence[dict[str, Any]],
    linked: set[str],
) -> dict[str, tuple[str, str, str]]:
    """Orphan target id → (source id, name, matching attribute) of the user it would match."""
    mapping = accounts.ctx.mappings["User"]
    wanted: dict[tuple[str, str], str] = {}
    for resource in orphans:
        for matching in mapping.matching_mappings:
            value = matching.parsed_target().read(resource)
            if value is not None:
                wanted.setdefault((matching.target, str(value).lower()), str(resource["id"]))
    found: dict[str, tuple[str, str, str]] = {}
    if not wanted:
        return found
    cursor: str | None = None
    while True:
        page = await directory.read_users(cursor, _DIRECTORY_PAGE, by_id=True)
        for user in page.items:
            if user.object_id in linked:
                continue
            item = prepare_user(accounts.ctx, user.object_id, user, None, None, "orphans")
            if not isinstance(item.action, Match) or item.result is None:
                continue
            for matching in mapping.matching_mappings:  # in precedence order: first one wins
                value = item.result.values.get(matching.target)
                target_id = wanted.get((matching.target, str(value).lower()))
                if value is not None and target_id is not None and target_id not in found:
                    found[target_id] = (user.object_id, item.display, matching.target)
                    break
        cursor = page.cursor
        if cursor is None:
            return found


async def settle_orphans(
    database: Database,
    apps: Apps,
    directory: SourceDirectory,
    app_key: str,
    action: OrphanAction,
    *,
    ids: Sequence[str] | None,
    actor: Actor,
) -> list[Settled]:
    """Adopt matched orphans, or disable or delete unmatched ones.

    Args:
        database: The store.
        apps: The apps services.
        directory: The source directory.
        app_key: The app's name or id.
        action: What to do.
        ids: The orphans' target ids; ``None`` for every orphan the action applies to.
        actor: Who asked, for the audit log.

    Raises:
        ConfigError: An id is no orphan, or cannot take this action (a matched one is adopted,
            not disabled; an unmatched one cannot be adopted), or the disables and deletes
            reach the app's deletion threshold.
    """
    async with open_accounts(apps, app_key) as accounts:
        report = await _find(database, directory, accounts)
        chosen = _chosen(report, action, ids)
        _check_threshold(accounts, action, chosen)
        settled = []
        for orphan in chosen:
            settled.append(await _settle(database, accounts, orphan, action, actor))
        return settled


def _chosen(report: OrphanReport, action: OrphanAction, ids: Sequence[str] | None) -> list[Orphan]:
    wants_match = action is OrphanAction.ADOPT
    if ids is None:
        return [o for o in report.orphans if (o.source_id is not None) == wants_match]
    by_id = {o.target_id: o for o in report.orphans}
    chosen = []
    for target_id in dict.fromkeys(ids):
        orphan = by_id.get(target_id)
        if orphan is None:
            raise ConfigError(
                f"{report.app}: no orphan account with id {target_id!r}; list them with "
                f"`scimitar app orphans {report.app}`"
            )
        if wants_match and orphan.source_id is None:
            raise ConfigError(
                f"{report.app}: orphan {orphan.name} ({target_id}) matches no directory user "
                "under the current matching rules, so it cannot be adopted; disable or delete it"
            )
        if not wants_match and orphan.source_id is not None:
            raise ConfigError(
                f"{report.app}: orphan {orphan.name} ({target_id}) matches directory user "
                f"{orphan.source_name}; adopt it instead (`scimitar app orphans {report.app} "
                f"adopt --id {target_id}`)"
            )
        chosen.append(orphan)
    return chosen


def _check_threshold(accounts: AppAccounts, action: OrphanAction, chosen: list[Orphan]) -> None:
    threshold = accounts.config.settings.delete_threshold
    if action is OrphanAction.ADOPT or threshold is None or len(chosen) < threshold:
        return
    name = accounts.config.app.name
    raise ConfigError(
        f"{name}: {len(chosen)} accounts would be {action.value}d, and the app's deletion "
        f"threshold is {threshold}; choose fewer with --id, or raise the threshold "
        f"(`scimitar app settings {name} --delete-threshold N`)"
    )


async def _settle(
    database: Database, accounts: AppAccounts, orphan: Orphan, action: OrphanAction, actor: Actor
) -> Settled:
    config = accounts.config
    error = None
    try:
        if action is OrphanAction.DISABLE:
            await accounts.port.patch("User", orphan.target_id, disable_body(accounts.ctx.dialect))
        elif action is OrphanAction.DELETE:
            await accounts.port.delete("User", orphan.target_id)
    except SyncError as exc:
        error = str(exc)
    async with database.write() as conn:
        if action is OrphanAction.ADOPT and orphan.source_id is not None:
            link = Link(orphan.target_id, orphan.resource)
            await save_links(conn, config.app.id, [("User", orphan.source_id, link)])
            await scopelog.record(conn, config.app.id, [("User", orphan.source_id)], utcnow())
        entry = AuditEntry(
            actor,
            f"orphan.{action.value}",
            f"User {orphan.name} ({orphan.target_id})",
            config.app.id,
            config.app.name,
            before=orphan.to_dict(),
            after=_after(action, orphan, error),
        )
        await record(conn, entry)
    return Settled(orphan, action, error)


def _after(action: OrphanAction, orphan: Orphan, error: str | None) -> dict[str, Any] | None:
    """The audit record's ``after``: the link made, the account disabled, or nothing left."""
    if error is not None:
        return {"error": error}
    if action is OrphanAction.ADOPT:
        return {"linkedTo": orphan.source_id, "targetId": orphan.target_id}
    if action is OrphanAction.DISABLE:
        return {"targetId": orphan.target_id, "active": False}
    return None
