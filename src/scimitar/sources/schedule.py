"""Scheduled source syncs: ``scimitar serve``'s scheduler calls :meth:`SourceRunner.run_due`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import structlog

from scimitar.clock import utcnow
from scimitar.errors import ScimitarError
from scimitar.secrets import SecretBox
from scimitar.settings import Settings
from scimitar.sources.config import SourceKind
from scimitar.sources.service import SourceService
from scimitar.sources.sync import SourceSync
from scimitar.store import Database

__all__ = ["SourceRunner", "source_runner"]

log = structlog.get_logger("scimitar.sources")


class SourceRunner:
    """Runs the syncs of sources whose interval has come, one source at a time.

    Args:
        sources: The sources service.
        sync: Runs one sync.
        clock: The current UTC time.
    """

    def __init__(
        self, sources: SourceService, sync: SourceSync, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._sources = sources
        self._sync = sync
        self._clock = clock

    async def run_due(self) -> list[str]:
        """Sync every enabled, scheduled source that is due; returns the names synced.

        A failed sync is logged and kept in the source's state; it is tried again at its next
        interval. Inbound API sources are fed by uploads, not read.
        """
        ran: list[str] = []
        now = self._clock()
        for source in await self._sources.list():
            if source.kind is SourceKind.API or not source.is_enabled:
                continue
            if not source.interval_minutes:
                continue
            if source.next_run_at is not None and source.next_run_at > now:
                continue
            try:
                summary = await self._sync.run(source.id)
                log.info("source_sync_finished", source=source.name, counts=summary.counts)
            except ScimitarError as exc:
                log.warning("source_sync_failed", source=source.name, error=str(exc))
                await self._sync.record_failure(source, str(exc))
            ran.append(source.name)
        return ran


def source_runner(database: Database, settings: Settings) -> SourceRunner:
    """The runner over a store, with the key file the settings name."""
    sources = SourceService(database, SecretBox.from_settings(settings))
    return SourceRunner(sources, SourceSync(database, sources))
