"""A cycle tells its event sink when objects fail or the app refuses the job."""

from __future__ import annotations

import pytest

from scimitar.audit import Actor
from scimitar.engine.core.events import CycleFailed
from scimitar.errors import JobError
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import world_for


async def test_failed_objects_make_one_event_per_cycle(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        ada = await world.user("ada")
        bob = await world.user("bob")
        await world.user("cy")
        world.poisoned.update({ada, bob})

        summary = await world.runner().run(world.app_name)

        assert summary.counts["failure"] == 2
        (event,) = world.events.of(CycleFailed)
        assert event.cycle_id == summary.cycle_id
        assert event.app_name == world.app_name
        assert event.error is None
        assert event.failed_count == 2
        assert sorted(ref.name for ref in event.failed) == [ada, bob]
        codes = {ref.error_code for ref in event.failed}
        assert codes == {"SystemForCrossDomainIdentityManagementBadRequest"}

        world.poisoned.clear()
        await world.runner().run(world.app_name)
        assert len(world.events.of(CycleFailed)) == 1


async def test_refused_credentials_fail_the_cycle_with_an_event(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        await world.user("ada")
        await world.tenants.rotate_token(world.tenant_id, actor=Actor.cli("tests"))

        with pytest.raises(JobError):
            await world.runner().run(world.app_name)

        (event,) = world.events.of(CycleFailed)
        assert event.error is not None
        assert "401" in event.error
