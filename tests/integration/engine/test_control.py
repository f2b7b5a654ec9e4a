"""Pause, start and restart (docs/entra.md §3.5): a pause lets the page finish, start resumes it."""

from __future__ import annotations

import asyncio

import pytest

from scimitar.audit import Actor
from scimitar.engine.core.events import QuarantineChanged
from scimitar.engine.run.control import ResetScope, parse_reset
from scimitar.engine.run.cycle import Progress
from scimitar.engine.state.quarantine import QuarantineReason
from scimitar.errors import ConfigError, JobError
from scimitar.secrets import Secret
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import World, world_for


def test_reset_options_parse_and_bad_ones_are_named() -> None:
    assert parse_reset(None) == {ResetScope.WATERMARK, ResetScope.ESCROWS, ResetScope.QUARANTINE}
    assert parse_reset("links") == {ResetScope.LINKS}
    assert parse_reset("full") == set(ResetScope)
    with pytest.raises(ConfigError, match=r"'cds'.*watermark, escrows"):
        parse_reset("watermark,cds")


async def test_pause_stops_at_a_page_boundary_and_start_resumes(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        # Ten pages: a pause lands while a few are in flight (three at most, all finished and
        # saved), never after the last.
        upns = [await world.user(f"p{n:02}") for n in range(40)]
        await world.tenants.set_faults(world.tenant_id, latency_ms=40, actor=Actor.cli("tests"))
        first_page = asyncio.Event()

        def progress(current: Progress) -> None:
            if current.objects:
                first_page.set()

        task = asyncio.create_task(
            world.runner(page_size=4, on_progress=progress).run(world.app_name)
        )
        await first_page.wait()
        paused = await world.control().pause(world.app_name, actor=Actor.cli("tests"))
        summary = await task

        assert "stops after its current page" in paused.message
        assert summary.status == "paused"
        created = len(await world.target_users())
        assert 4 <= created < 40
        status = await world.status()
        assert status.state == "paused"
        assert status.last_cycle is not None
        assert status.last_cycle.status == "paused"
        with pytest.raises(ConfigError, match=r"paused.*app start"):
            await world.runner().run(world.app_name)

        await world.tenants.set_faults(world.tenant_id, latency_ms=0, actor=Actor.cli("tests"))
        started = await world.control().start(world.app_name, actor=Actor.cli("tests"))
        assert summary.cycle_id in started.message
        resumed = await world.runner(page_size=4).run(world.app_name)

        assert resumed.cycle_id == summary.cycle_id
        assert resumed.status == "succeeded"
        assert sorted(await world.target_users()) == upns
        assert resumed.counts["create"] == 40
        assert (await world.status()).state == "active"


async def _with_history(world: World) -> None:
    """Two users provisioned, a third escrowed."""
    await world.user("ada")
    await world.user("bob")
    world.poisoned.add(await world.user("cy"))
    await world.runner().run(world.app_name)
    assert (await world.status()).escrows.count == 1


@pytest.mark.parametrize(
    ("reset", "watermark", "escrows", "links"),
    [
        (None, False, False, True),
        ("watermark", False, True, True),
        ("escrows", True, False, True),
        ("links", False, True, False),
        ("full", False, False, False),
    ],
)
async def test_restart_resets_what_it_is_asked_to(
    database: Database,
    settings: Settings,
    reset: str | None,
    watermark: bool,
    escrows: bool,
    links: bool,
) -> None:
    async with world_for(database, settings) as world:
        await _with_history(world)

        result = await world.control().restart(
            world.app_name, parse_reset(reset), actor=Actor.cli("tests")
        )

        status = await world.status()
        assert (status.watermark is not None) is watermark
        assert (status.escrows.count == 1) is escrows
        assert (status.linked["User"] == 2) is links
        assert result.state == "active"
        world.poisoned.clear()
        after = await world.runner().run(world.app_name)
        assert after.kind == ("incremental" if watermark else "initial")
        # Dropped escrows of unchanged objects are not retried by an incremental cycle.
        expected = 2 if watermark and not escrows else 3
        assert len(await world.target_users()) == expected
        # Nothing is created twice: unlinked users are matched and adopted.
        assert after.counts.get("create", 0) == expected - 2


async def test_restart_lifts_a_quarantine(database: Database, settings: Settings) -> None:
    async with world_for(database, settings) as world:
        await world.user("ada")
        _tenant, token = await world.tenants.rotate_token(world.tenant_id, actor=Actor.cli("tests"))
        with pytest.raises(JobError):
            await world.runner().run(world.app_name)
        assert (await world.status()).quarantine is not None

        await world.control().restart(
            world.app_name, {ResetScope.QUARANTINE}, actor=Actor.cli("tests")
        )

        status = await world.status()
        assert status.quarantine is None
        assert status.state == "active"
        await world.apps.provisioning.set_credentials(
            world.app_name, world.url, Secret(token), actor=Actor.cli("tests")
        )
        world.token = token
        lifted = world.events.of(QuarantineChanged)[-1]
        assert lifted.reason is None
        assert lifted.previous_reason == QuarantineReason.EXCEPTION
        assert lifted.details == "restarted by an admin"
        assert (await world.runner().run(world.app_name)).status == "succeeded"
