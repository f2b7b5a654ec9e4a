"""Accidental deletions (docs/entra.md §2.6): held over the threshold, then allowed or rejected."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scimitar.audit import Actor
from scimitar.engine.core.events import DeleteThresholdTripped, QuarantineChanged
from scimitar.engine.state.quarantine import QuarantineReason
from scimitar.errors import ConfigError
from scimitar.jobs.scheduler import Scheduler
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import World, world_for


async def _tripped(world: World) -> list[str]:
    """Five users provisioned with a threshold of 3, then four hard-deleted in the directory.

    Two deletions proceed; the one that reaches the threshold and the next are held.
    """
    config = await world.apps.provisioning.config(world.app_name)
    await world.apps.provisioning.update_settings(
        world.app_name, replace(config.settings, delete_threshold=3), actor=Actor.cli("tests")
    )
    upns = [await world.user(f"u{n}") for n in range(5)]
    await world.runner().run(world.app_name)
    assert len(await world.target_users()) == 5
    for upn in upns[:4]:
        await world.directory.users.delete(upn, hard=True)
    summary = await world.runner().run(world.app_name)
    assert summary.counts.get("delete") == 2
    assert summary.counts.get("staged_delete") == 2
    return upns


async def test_tripping_holds_deletions_and_quarantines(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        await _tripped(world)

        assert len(await world.target_users()) == 3
        status = await world.status()
        assert status.state == "quarantined"
        assert status.quarantine is not None
        assert status.quarantine.reason == QuarantineReason.TOO_MANY_DELETES
        assert status.staged_deletes == 2
        (tripped,) = world.events.of(DeleteThresholdTripped)
        assert tripped.threshold == 3
        assert tripped.staged_count == 2
        assert {ref.object_type for ref in tripped.staged} == {"User"}
        (entered,) = world.events.of(QuarantineChanged)
        assert entered.reason == QuarantineReason.TOO_MANY_DELETES

        held = await world.control().staged(world.app_name)
        assert [row.action for row in held] == ["delete", "delete"]
        with pytest.raises(ConfigError, match=r"deletes .* allow"):
            await world.runner().run(world.app_name)
        scheduler = Scheduler(
            world.database, world.apps, jobs=world.jobs, clock=world.clock, events=world.events
        )
        world.clock.advance(days=1)
        assert await scheduler.run_due() == []


async def test_allow_sends_the_held_deletions_and_lifts_the_quarantine(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        upns = await _tripped(world)

        result = await world.control().allow(world.app_name, actor=Actor.cli("tests"))

        assert result.decision == "allowed"
        assert len(result.deletions) == 2
        assert result.cycle is not None
        assert result.cycle.counts.get("delete") == 2
        assert sorted(await world.target_users()) == [upns[4]]
        status = await world.status()
        assert status.state == "active"
        assert status.quarantine is None
        assert status.staged_deletes == 0
        assert world.events.of(QuarantineChanged)[-1].reason is None
        nothing = await world.runner().run(world.app_name)
        assert nothing.counts.get("delete", 0) == 0


async def test_reject_drops_the_held_deletions_and_keeps_the_links(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        await _tripped(world)

        result = await world.control().reject(world.app_name, actor=Actor.cli("tests"))

        assert result.decision == "rejected"
        assert len(result.deletions) == 2
        status = await world.status()
        assert status.quarantine is None
        assert status.staged_deletes == 0
        assert status.linked["User"] == 3
        after = await world.runner().run(world.app_name)
        assert after.counts.get("delete", 0) == 0
        assert len(await world.target_users()) == 3
        with pytest.raises(ConfigError, match="holds no deletions"):
            await world.control().reject(world.app_name, actor=Actor.cli("tests"))
