"""Scheduled syncs: each enabled source at its interval; failures kept in its state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scimitar.directory.service import DirectoryService
from scimitar.errors import ConfigError
from scimitar.sources.config import SourceKind
from scimitar.sources.schedule import SourceRunner
from scimitar.sources.service import SourceBusyError, SourceService
from scimitar.sources.sync import SourceSync
from scimitar.store import Database
from tests.integration.sources.conftest import ACTOR


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_due_sources_sync_at_their_interval(
    database: Database, sources: SourceService, directory: DirectoryService, tmp_path: Path
) -> None:
    feed = tmp_path / "hr.csv"
    feed.write_text("employeeId,userPrincipalName\nE1,ada@contoso.com\n", encoding="utf-8")
    await sources.add(SourceKind.CSV, "hr", {"path": str(feed)}, actor=ACTOR)
    await sources.add(SourceKind.CSV, "off", {"path": str(feed)}, actor=ACTOR)
    await sources.update_settings("off", {"is_enabled": False}, actor=ACTOR)
    await sources.add(
        SourceKind.CSV, "broken", {"path": str(tmp_path / "missing.csv")}, actor=ACTOR
    )
    await sources.add(SourceKind.API, "hr-api", {}, actor=ACTOR)
    clock = Clock()
    runner = SourceRunner(sources, SourceSync(database, sources, clock=clock), clock=clock)
    assert sorted(await runner.run_due()) == ["broken", "hr"]
    assert (await directory.users.get("ada@contoso.com")).attributes["employeeId"] == "E1"
    broken = await sources.get("broken")
    assert "no such file" in broken.state["lastRun"]["error"]
    assert broken.next_run_at == clock.now + timedelta(minutes=40)
    assert await runner.run_due() == []
    clock.now += timedelta(minutes=41)
    assert sorted(await runner.run_due()) == ["broken", "hr"]


async def test_a_source_syncs_once_at_a_time(
    database: Database, sources: SourceService, tmp_path: Path
) -> None:
    feed = tmp_path / "hr.csv"
    feed.write_text("employeeId,userPrincipalName\nE1,ada@contoso.com\n", encoding="utf-8")
    await sources.add(SourceKind.CSV, "hr", {"path": str(feed)}, actor=ACTOR)
    clock = Clock()
    sync = SourceSync(database, sources, clock=clock)
    await sources.start_run(await sources.get("hr"), clock.now)
    with pytest.raises(SourceBusyError, match="is being synced since"):
        await sync.run("hr")
    clock.now += timedelta(hours=2)  # a sync that died an hour ago holds nothing
    assert (await sync.run("hr")).counts["created"] == 1
    assert "runningSince" not in (await sources.get("hr")).state
    feed.unlink()
    with pytest.raises(ConfigError, match="no such file"):
        await sync.run("hr")
    state = (await sources.get("hr")).state
    assert "runningSince" not in state
    assert "watermark" in state
