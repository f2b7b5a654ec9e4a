"""What the engine tells the outside world about a job: failures, quarantine, held deletions.

The engine publishes these events to an :class:`EventSink`; the notifier (email) and the
process log are sinks. Events are plain values, so a sink can render them however it wants and
tests can collect them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import structlog

__all__ = [
    "CycleFailed",
    "DeleteThresholdTripped",
    "EngineEvent",
    "EventSink",
    "Fanout",
    "LogSink",
    "ObjectRef",
    "QuarantineChanged",
]

log = structlog.get_logger("scimitar.events")


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """An object an event is about.

    Attributes:
        object_type: ``User`` or ``Group``.
        source_id: The directory object's id.
        name: What an admin recognises it by (UPN or display name).
        error_code: Entra's error code for its failure, when there is one.
        message: What went wrong with it, in a sentence.
    """

    object_type: str
    source_id: str
    name: str
    error_code: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class CycleFailed:
    """A cycle ended failed, or succeeded with objects that failed.

    Attributes:
        app_id: The app.
        app_name: Its display name.
        cycle_id: The cycle.
        at: When it ended.
        error: Why the cycle as a whole failed, or ``None`` when only objects failed.
        failed: The objects that failed (the first few; ``failed_count`` has the total).
        failed_count: How many objects failed.
    """

    app_id: str
    app_name: str
    cycle_id: str
    at: datetime
    error: str | None = None
    failed: Sequence[ObjectRef] = field(default_factory=tuple)
    failed_count: int = 0


@dataclass(frozen=True, slots=True)
class QuarantineChanged:
    """A job entered quarantine, its reason changed, or it left quarantine.

    Attributes:
        app_id: The app.
        app_name: Its display name.
        at: When it happened.
        reason: The quarantine reason now (docs/entra.md §3.7), or ``None`` when the job left it.
        previous_reason: The reason before, or ``None`` when it was not quarantined.
        details: What the target or the engine said, in a sentence.
        next_attempt: When the job will be tried again, when quarantined.
    """

    app_id: str
    app_name: str
    at: datetime
    reason: str | None
    previous_reason: str | None = None
    details: str | None = None
    next_attempt: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeleteThresholdTripped:
    """A cycle was about to disable or delete more objects than the app allows (docs/entra.md §2.6).

    Attributes:
        app_id: The app.
        app_name: Its display name.
        cycle_id: The cycle that tripped.
        at: When.
        threshold: The app's delete threshold.
        staged: The held deletions (the first few; ``staged_count`` has the total).
        staged_count: How many deletions are held.
    """

    app_id: str
    app_name: str
    cycle_id: str
    at: datetime
    threshold: int
    staged: Sequence[ObjectRef] = field(default_factory=tuple)
    staged_count: int = 0


EngineEvent = CycleFailed | QuarantineChanged | DeleteThresholdTripped


class EventSink(Protocol):
    """Receives the engine's events. A sink must not raise: a failing sink logs and goes on."""

    async def publish(self, event: EngineEvent) -> None:
        """Deliver one event."""


class LogSink:
    """Writes each event to the process log (always on)."""

    async def publish(self, event: EngineEvent) -> None:
        """Log ``event`` at warning level, with its fields."""
        log.warning(type(event).__name__, app=event.app_name, app_id=event.app_id)


class Fanout:
    """Delivers each event to several sinks in order; one failing sink does not stop the rest."""

    def __init__(self, *sinks: EventSink) -> None:
        self._sinks = sinks

    async def publish(self, event: EngineEvent) -> None:
        """Deliver ``event`` to every sink."""
        for sink in self._sinks:
            try:
                await sink.publish(event)
            except Exception:
                log.exception("event_sink_failed", sink=type(sink).__name__)
