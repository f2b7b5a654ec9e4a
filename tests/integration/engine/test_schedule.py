"""The next cycle follows the interval at once, and turning provisioning off stops the schedule."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from scimitar.audit import Actor
from scimitar.jobs.scheduler import Scheduler
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import World, world_for


async def _interval(world: World, minutes: int) -> None:
    config = await world.apps.provisioning.config(world.app_name)
    await world.apps.provisioning.update_settings(
        world.app_name, replace(config.settings, interval_minutes=minutes), actor=Actor.cli("tests")
    )


async def test_a_new_interval_reschedules_the_next_cycle(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        await world.user("ada")
        await _interval(world, 40)
        scheduler = Scheduler(
            world.database, world.apps, jobs=world.jobs, clock=world.clock, events=world.events
        )
        assert await scheduler.run_due() == [world.app_id]
        ended = world.clock()
        assert (await world.status()).next_run_at == ended + timedelta(minutes=40)

        await _interval(world, 5)
        assert (await world.status()).next_run_at == ended + timedelta(minutes=5)
        world.clock.advance(minutes=6)
        assert await scheduler.run_due() == [world.app_id]

        await _interval(world, 24 * 60)
        world.clock.advance(minutes=30)
        assert await scheduler.run_due() == []
        status = await world.status()
        assert status.next_run_at == world.clock() - timedelta(minutes=30) + timedelta(days=1)


async def test_provisioning_off_shows_off_and_runs_nothing(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        await world.user("ada")
        scheduler = Scheduler(
            world.database, world.apps, jobs=world.jobs, clock=world.clock, events=world.events
        )
        await scheduler.run_due()
        assert (await world.status()).state == "active"

        await world.apps.provisioning.set_provisioning(
            world.app_name, is_on=False, actor=Actor.cli("tests")
        )
        world.clock.advance(days=1)

        status = await world.status()
        assert status.state == "off"
        assert status.next_run_at is None
        assert await scheduler.run_due() == []
