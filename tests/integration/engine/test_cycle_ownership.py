"""One process never runs two cycles of an app at once; on demand keeps a paused cycle's place."""

from __future__ import annotations

import asyncio

import pytest

from scimitar.audit import Actor
from scimitar.engine.run.admission import CycleBusyError
from scimitar.engine.run.cycle import Progress
from scimitar.engine.run.ondemand import OnDemandProvisioner
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import world_for


async def test_a_second_cycle_of_the_same_app_in_this_process_is_refused(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        upns = [await world.user(f"o{n:02}") for n in range(8)]
        await world.tenants.set_faults(world.tenant_id, latency_ms=40, actor=Actor.cli("tests"))
        first_page = asyncio.Event()

        def progress(current: Progress) -> None:
            if current.objects:
                first_page.set()

        running = asyncio.create_task(
            world.runner(page_size=2, on_progress=progress).run(world.app_name)
        )
        await first_page.wait()
        with pytest.raises(CycleBusyError, match="already running"):
            await world.runner(page_size=2).run(world.app_name)
        summary = await running

        assert summary.status == "succeeded"
        assert summary.counts["create"] == 8
        assert sorted(await world.target_users()) == upns
        again = await world.runner(page_size=2).run(world.app_name)
        assert again.status == "succeeded"
        assert again.counts.get("create", 0) == 0


async def test_provision_on_demand_keeps_a_paused_cycles_resume_point(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        upns = [await world.user(f"q{n:02}") for n in range(12)]
        await world.tenants.set_faults(world.tenant_id, latency_ms=40, actor=Actor.cli("tests"))
        first_page = asyncio.Event()

        def progress(current: Progress) -> None:
            if current.objects:
                first_page.set()

        task = asyncio.create_task(
            world.runner(page_size=3, on_progress=progress).run(world.app_name)
        )
        await first_page.wait()
        await world.control().pause(world.app_name, actor=Actor.cli("tests"))
        paused = await task
        assert paused.status == "paused"
        await world.tenants.set_faults(world.tenant_id, latency_ms=0, actor=Actor.cli("tests"))

        provisioner = OnDemandProvisioner(
            world.database, world.apps, jobs=world.jobs, directory=world.directory, wait_seconds=0.5
        )
        trace = await provisioner.provision_user(world.app_name, upns[-1])
        assert trace.to_dict()

        await world.control().start(world.app_name, actor=Actor.cli("tests"))
        resumed = await world.runner(page_size=3).run(world.app_name)

        assert resumed.cycle_id == paused.cycle_id
        assert resumed.status == "succeeded"
        assert sorted(await world.target_users()) == upns
