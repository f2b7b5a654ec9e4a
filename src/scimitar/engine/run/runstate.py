"""A cycle's state while it runs: progress, summary, and what the pages have learned."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scimitar.engine.core.actions import StagedDelete
from scimitar.engine.core.deletions import DeletionCounter
from scimitar.engine.core.events import ObjectRef
from scimitar.engine.core.records import StepType
from scimitar.engine.core.resume import ResumeState
from scimitar.engine.run.context import CycleContext
from scimitar.engine.state import jobstate
from scimitar.engine.state.staged import Held
from scimitar.engine.state.work import Outcome, Prepared, TargetPort

__all__ = [
    "FAILED_SHOWN",
    "CycleSummary",
    "Progress",
    "Run",
    "chunks",
    "first",
]

#: Failed objects a cycle keeps by name for its ``CycleFailed`` event (the count has the rest).
FAILED_SHOWN = 20


@dataclass
class Progress:
    """A running cycle's progress, reported after every page."""

    cycle_id: str
    kind: str
    phase: str = "users"
    pages: int = 0
    objects: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    #: Objects an initial cycle will read (counted before it starts); ``None`` when unknown.
    total: int | None = None
    #: How an initial cycle matches each object type (``listing``, ``perObject``...).
    matching: dict[str, str] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Objects per second so far."""
        elapsed = time.monotonic() - self.started
        return self.objects / elapsed if elapsed > 0 else 0.0

    @property
    def percent(self) -> float | None:
        """Objects processed out of :attr:`total`, 0 to 100; ``None`` without a total."""
        if not self.total:
            return None
        return min(100.0, 100.0 * self.objects / self.total)

    def to_dict(self) -> dict[str, Any]:
        """What the cycle row stores and ``app status`` shows."""
        shown: dict[str, Any] = {
            "phase": self.phase,
            "pages": self.pages,
            "objects": self.objects,
            "rate": round(self.rate, 1),
        }
        if self.total is not None:
            shown["total"] = self.total
        if self.matching:
            shown["matching"] = dict(self.matching)
        return shown


@dataclass(frozen=True)
class CycleSummary:
    """How a cycle ended."""

    cycle_id: str
    kind: str
    status: str
    counts: dict[str, int]
    objects: int
    seconds: float
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON shape for ``--json``."""
        return {
            "cycleId": self.cycle_id,
            "kind": self.kind,
            "status": self.status,
            "counts": self.counts,
            "objects": self.objects,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


@dataclass
class Run:
    """One cycle in progress."""

    ctx: CycleContext
    port: TargetPort
    cycle: jobstate.CycleRow
    progress: Progress
    resume: ResumeState
    counter: DeletionCounter
    managers: list[tuple[str, str, str | None]] = field(default_factory=list)
    touched_users: dict[str, int] = field(default_factory=dict)
    touched_groups: dict[str, int] = field(default_factory=dict)
    is_resumed: bool = False
    is_draining: bool = False
    failed: list[ObjectRef] = field(default_factory=list)
    reference_failures: int = 0
    force_deletes: bool = False
    has_escrows: bool = False
    has_staged: bool = False
    held: dict[tuple[str, str], Held] = field(default_factory=dict)
    #: Users an incremental cycle has already sent through its pages.
    visited_users: set[str] = field(default_factory=set)
    staged_here: set[tuple[str, str]] = field(default_factory=set)

    def summary(self, status: str, started: float) -> CycleSummary:
        """How the cycle ended, ``started`` being its ``time.monotonic()`` start."""
        counts = dict(self.cycle.counts)
        elapsed = time.monotonic() - started
        return CycleSummary(
            self.cycle.id, self.cycle.kind, status, counts, self.progress.objects, elapsed
        )

    def admit(self, prepared: Sequence[Prepared]) -> None:
        """Count a page's deletions; those over the threshold become ``StagedDelete``."""
        self.counter, actions = self.counter.admit([p.action for p in prepared])
        for item, action in zip(prepared, actions, strict=True):
            item.action = action
            if isinstance(action, StagedDelete):
                key = (item.object_type, item.source_id)
                self.held[key] = Held(item.display, action.held, item.change)
                self.staged_here.add(key)

    def is_held_here(self, object_type: str, source_id: str) -> bool:
        """Whether this cycle already held the object's deletion: it is not taken up again.

        An object can reach a cycle twice (a scope change and the change feed); its deletion
        counts once against the threshold.
        """
        return (object_type, source_id) in self.staged_here

    def note_staged(self, outcomes: Sequence[Outcome]) -> None:
        """Forget what was held once written (the store has it)."""
        for outcome in outcomes:
            if outcome.count == "staged_delete":
                self.held.pop((outcome.object_type, outcome.source_id), None)

    def first_visits(self, user_ids: Sequence[str]) -> list[str]:
        """The users this cycle has not yet planned: one object, one record per cycle.

        An incremental cycle reaches a user from the change feed, then perhaps again from
        its assignment follow-ups or its escrow retries; the first visit decided with what
        the directory says now, so a second would only log the same outcome twice. An
        initial cycle reads each user once and keeps no set.
        """
        if self.cycle.kind != "incremental":
            return list(user_ids)
        fresh = [u for u in user_ids if u not in self.visited_users]
        self.visited_users.update(fresh)
        return fresh

    def touch_users(self, user_ids: Iterable[str], *, before_this_run: bool = False) -> None:
        """Users whose link changed (created, enabled, disabled...): their groups must follow.

        Each is remembered with the page it changed on, so :meth:`is_member_current` can tell
        whether a group brought in line whole came after the change; ``before_this_run``: the
        change was committed by an earlier, killed run of this cycle.
        """
        if before_this_run:
            for user_id in user_ids:
                self.touched_users.setdefault(user_id, -1)
            return
        self.touched_users.update(dict.fromkeys(user_ids, self.progress.pages))

    def touch_groups(self, group_ids: Iterable[str]) -> None:
        """Groups whose whole membership is brought in line now, from the links as they stand."""
        self.touched_groups.update(dict.fromkeys(group_ids, self.progress.pages))

    def is_member_current(self, group_id: str, user_id: str) -> bool:
        """Whether the group was brought in line whole after the user's link last changed.

        A group handled on an earlier page than the user's change still holds (or lacks) the
        user as the link was then, so it must be looked at again for that user.
        """
        handled = self.touched_groups.get(group_id)
        return handled is not None and handled > self.touched_users.get(user_id, -1)

    def note_failures(self, outcomes: Sequence[Outcome]) -> None:
        """Remember the first :data:`FAILED_SHOWN` failed objects for the cycle's event."""
        for outcome in outcomes:
            if outcome.count != "failure":
                continue
            record = outcome.record
            if any(s.step_type is StepType.REFERENCE_RESOLUTION for s in record.steps):
                self.reference_failures += 1
            if len(self.failed) >= FAILED_SHOWN:
                continue
            error = record.error
            self.failed.append(
                ObjectRef(
                    outcome.object_type,
                    outcome.source_id,
                    record.source_identity.name or outcome.source_id,
                    error.error_code if error else None,
                    error.reason if error else None,
                )
            )


def first(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        return str(value[0]) if value else None
    return str(value) if value else None


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
