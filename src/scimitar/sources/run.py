"""The state of one sync run, shared by its phases (users, managers, groups, deletions)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scimitar.directory.changes import PendingChange
from scimitar.engine.core.records import Initiator, ProvisioningRecord
from scimitar.mapping.flow import CompiledMappingSet
from scimitar.sources.config import SourceDefinition
from scimitar.sources.logrecords import ObjectOutcome, build_record

__all__ = ["RunContext", "SyncSummary"]

COUNTS = (
    "created",
    "updated",
    "unchanged",
    "restored",
    "deleted",
    "disabled",
    "released",
    "skipped",
    "failed",
    "held",
)


@dataclass(frozen=True, slots=True)
class SyncSummary:
    """What one sync run did.

    Attributes:
        run_id: The run's id (its log records carry it as ``cycleId``).
        source: The source's name.
        is_complete: The read was complete (vanished objects were looked for).
        counts: created, updated, unchanged, restored, deleted, disabled, released (let go
            to another source), skipped, failed, held (deletions held over the threshold).
        watermark: Where the next incremental read starts.
    """

    run_id: str
    source: str
    is_complete: bool
    counts: Mapping[str, int]
    watermark: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the CLI and API."""
        return {
            "runId": self.run_id,
            "source": self.source,
            "complete": self.is_complete,
            "counts": dict(self.counts),
            "watermark": dict(self.watermark),
        }


@dataclass(slots=True)
class RunContext:
    """One run in progress."""

    source: SourceDefinition
    sources: Mapping[str, SourceDefinition]
    sets: Mapping[str, CompiledMappingSet]
    run_id: str
    now: datetime
    is_complete: bool
    change_ids: Mapping[str, str] = field(default_factory=dict)
    #: Anchor → the run id its record carries, when one run applies several uploads.
    run_ids: Mapping[str, str] = field(default_factory=dict)
    initiator: Initiator | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    #: Anchors read and in scope, by object type (a complete read's survivors).
    seen: dict[str, set[str]] = field(default_factory=lambda: {"User": set(), "Group": set()})
    #: Anchors the source says are gone or out of scope, by object type, with the reason.
    gone: dict[str, dict[str, str]] = field(default_factory=lambda: {"User": {}, "Group": {}})
    #: ``(objectId, manager anchor or None)`` to resolve once every user is written.
    managers: list[tuple[str, str | None]] = field(default_factory=list)

    def change_id(self, anchor: str) -> str:
        """The change id a record logs under (an upload's bulkId, else the anchor)."""
        return self.change_ids.get(anchor, anchor)

    def count(self, name: str, amount: int = 1) -> None:
        """Add to a count."""
        self.counts[name] += amount

    def record(self, outcome: ObjectOutcome) -> tuple[str, ProvisioningRecord]:
        """The log record of ``outcome``, counted."""
        return outcome.object_type, build_record(
            outcome,
            source_id=self.source.id,
            source_name=self.source.name,
            run_id=self.run_ids.get(outcome.anchor, self.run_id),
            at=self.now,
            initiator=self.initiator,
        )


@dataclass(slots=True)
class BatchWrites:
    """Rows one batch writes in its transaction."""

    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    restores: list[str] = field(default_factory=list)
    new_links: list[dict[str, Any]] = field(default_factory=list)
    link_updates: list[dict[str, Any]] = field(default_factory=list)
    pending: list[PendingChange] = field(default_factory=list)
    records: list[tuple[str, ProvisioningRecord]] = field(default_factory=list)
