"""What the next cycle would do, found by running it where nothing it does stays.

:func:`plan_cycle` runs the app's next cycle with the cycle runner itself
(:meth:`CycleRunner.rehearse`): the same scope, matching, mapping, planning table, deletion
threshold, group and reference phases. Two things differ, both at the edges:

- the store is a :func:`~scimitar.engine.state.rehearsal.rehearsal`: one transaction, rolled back,
so
  no link, watermark, escrow, held deletion or log record outlives the plan;
- the app is reached through a :class:`~scimitar.engine.run.recording.RecordingTransport`: reads go
  to the app, writes are recorded and answered as the app would answer them.

The plan is the cycle's own provisioning log records (read back before the rollback) and the
requests it would have sent. ``proposed`` (a file ``scimitar app config export`` writes) is
imported inside the rehearsal first, so a plan shows what a mapping or scoping change would do
before it is saved; such a plan is an initial cycle, which evaluates every object again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from scimitar.apps import Apps, JobConfig
from scimitar.apps.provisioning import INTERACTIVE_TIMEOUTS, TransportFactory
from scimitar.audit import Actor
from scimitar.connector.operations import TargetOperations
from scimitar.connector.ratelimit import AccountLimits, Throttle, account_of
from scimitar.connector.transport import AiohttpTransport, Transport
from scimitar.directory.store import SQLDirectory
from scimitar.engine.core.events import EngineEvent
from scimitar.engine.core.records import ProvisioningRecord
from scimitar.engine.run.admission import Surface
from scimitar.engine.run.cycle import CycleRunner, Progress
from scimitar.engine.run.objects import TargetPort
from scimitar.engine.run.recording import (
    RecordingTransport,
    RequestLog,
    reads_only_throttle,
)
from scimitar.engine.state.logstore import ProvisioningLogStore
from scimitar.engine.state.registry import JobRegistry
from scimitar.engine.state.rehearsal import rehearsal
from scimitar.gallery.service import GalleryService
from scimitar.settings import Settings
from scimitar.store import Database

__all__ = ["ACTION_ORDER", "CyclePlan", "PlannedAction", "plan_cycle"]

#: Actions in the order a plan's summary shows them.
ACTION_ORDER = ("create", "update", "enable", "disable", "delete", "stageddelete", "other")
_CONCURRENCY = 16


@dataclass(frozen=True, slots=True)
class PlannedAction:
    """What the next cycle would do to one object (one provisioning log record of it)."""

    object_type: str
    source_id: str | None
    name: str | None
    target_id: str | None
    action: str
    status: str
    changes: tuple[tuple[str, str | None, str | None], ...]
    reason: str | None

    @classmethod
    def of(cls, object_type: str, record: ProvisioningRecord) -> PlannedAction:
        """The action a cycle's record describes."""
        reason = record.error.reason if record.error is not None else record.skip_reason
        return cls(
            object_type,
            record.source_identity.id,
            record.source_identity.name,
            record.target_identity.id,
            record.action.value,
            record.status.value,
            tuple((p.display_name, p.old_value, p.new_value) for p in record.modified_properties),
            reason,
        )

    @property
    def is_held(self) -> bool:
        """A deletion the deletion threshold would hold for approval."""
        return self.action == "stageddelete"

    def to_dict(self) -> dict[str, Any]:
        """JSON shape."""
        return {
            "objectType": self.object_type,
            "sourceId": self.source_id,
            "name": self.name,
            "targetId": self.target_id,
            "action": self.action,
            "status": self.status,
            "changes": [{"attribute": a, "old": o, "new": n} for a, o, n in self.changes],
            "reason": self.reason,
        }


@dataclass
class CyclePlan:
    """Everything a plan found: the actions object by object, and the requests."""

    app: str
    kind: str
    actions: list[PlannedAction] = field(default_factory=list)
    requests: RequestLog = field(default_factory=RequestLog)
    events: list[EngineEvent] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def changes(self) -> list[PlannedAction]:
        """The actions that send something or fail (skips left out)."""
        return [a for a in self.actions if a.action != "skip" or a.status == "failure"]

    def counts(self) -> dict[str, int]:
        """Actions by kind (``failure`` for objects that would fail, ``skip`` for the rest)."""
        counts: dict[str, int] = {}
        for item in self.actions:
            key = "failure" if item.status == "failure" else item.action
            counts[key] = counts.get(key, 0) + 1
        return counts

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        """JSON shape; ``limit`` caps the per-object list and the request list."""
        changes = self.changes
        writes = self.requests.writes
        return {
            "app": self.app,
            "kind": self.kind,
            "counts": self.counts(),
            "requests": self.requests.by_method(),
            "held": sum(1 for a in self.actions if a.is_held),
            "seconds": round(self.seconds, 3),
            "actions": [a.to_dict() for a in changes[:limit]],
            "actionsShown": min(len(changes), limit if limit is not None else len(changes)),
            "actionsTotal": len(changes),
            "writes": [w.to_dict() for w in writes[:limit]],
        }


class _Collector:
    def __init__(self) -> None:
        self.events: list[EngineEvent] = []

    async def publish(self, event: EngineEvent) -> None:
        self.events.append(event)


def _default_transport() -> Transport:
    return AiohttpTransport.create(timeouts=INTERACTIVE_TIMEOUTS)


async def plan_cycle(
    database: Database,
    settings: Settings,
    app_key: str,
    *,
    initial: bool = False,
    proposed: str | None = None,
    gallery: GalleryService | None = None,
    transport_factory: TransportFactory | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    page_size: int = 500,
    surface: Surface = Surface.CLI,
    jobs: JobRegistry | None = None,
) -> CyclePlan:
    """What the next cycle of ``app_key`` would do, with nothing written anywhere.

    Args:
        database: The store (left exactly as it was).
        settings: The settings (the key file decrypts the Secret Token).
        app_key: The app's name or id.
        initial: Plan an initial cycle (what ``app sync --initial`` or a restart runs).
        proposed: A configuration file's text (``app config export``'s shape) to plan with
            instead of the saved configuration; the plan is then an initial cycle.
        gallery: The templates (the built-in gallery by default).
        transport_factory: Makes the transport reads go through (aiohttp by default).
        on_progress: Called after every page, as for a cycle.
        page_size: Objects per page.
        surface: Where the person asking is (errors name the fix they can use there).
        jobs: The cycles this process runs (a plan is refused while one of the app runs);
            a new registry for a process that runs none (``scimitar app plan``).

    Raises:
        ConfigError: The next cycle could not run (no credentials, paused, quarantined, held
            deletions waiting, a cycle running), or ``proposed`` is not a valid file.
        JobError: The app refused the plan's reads as a whole.
    """
    requests = RequestLog()
    inner = transport_factory or _default_transport
    collector = _Collector()
    async with rehearsal(database) as stage:
        apps = Apps.create(
            stage,
            settings,
            gallery=gallery,
            transport_factory=lambda: RecordingTransport(inner(), requests),
        )
        if proposed is not None:
            await apps.config.import_text(app_key, proposed, actor=Actor.system("plan"))
            initial = True
        runner = CycleRunner(
            stage,
            apps,
            SQLDirectory(stage),
            _port_opener(apps),
            jobs=jobs if jobs is not None else JobRegistry(),
            page_size=page_size,
            on_progress=on_progress,
            events=collector,
        )
        summary = await runner.rehearse(app_key, force_initial=initial, surface=surface)
        config = await apps.provisioning.config(app_key)
        actions = await _actions(stage, config.app.id, summary.cycle_id)
    return CyclePlan(
        config.app.name, summary.kind, actions, requests, collector.events, summary.seconds
    )


def _port_opener(apps: Apps) -> Callable[[JobConfig], Any]:
    """The cycle's port, as ``build_runner`` opens it, with limits on reads only."""
    shared = AccountLimits()

    @asynccontextmanager
    async def open_port(config: JobConfig) -> AsyncIterator[TargetPort]:
        credentials = await apps.provisioning.credentials(config.app.id)
        async with apps.provisioning.client(credentials) as client:
            throttle = Throttle.for_limits(
                config.template.document.rate_limits,
                concurrency=_CONCURRENCY,
                shared=shared,
                account=account_of(config.template.id, credentials.tenant_url),
            )
            yield TargetOperations(
                client, config.connector_options(), throttle=reads_only_throttle(throttle)
            )

    return open_port


async def _actions(stage: Database, app_id: str, cycle_id: str) -> list[PlannedAction]:
    """The rehearsed cycle's log records, oldest first, read before they are rolled back."""
    entries = await ProvisioningLogStore(stage).of_cycle(app_id, cycle_id)
    return [PlannedAction.of(e.object_type, e.record) for e in entries]
