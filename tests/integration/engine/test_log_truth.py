"""Provisioning log records tell the truth: names, modified properties, one record per object."""

from __future__ import annotations

from scimitar.audit import Actor
from scimitar.engine.logstore import ProvisioningLogStore
from scimitar.engine.records import ProvisioningAction, ProvisioningRecord
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import World, world_for


async def _records(world: World, **options: object) -> list[ProvisioningRecord]:
    page = await ProvisioningLogStore(world.database).query(
        world.app_id,
        limit=1000,
        **options,  # type: ignore[arg-type]
    )
    return [entry.record for entry in page.records]


async def test_a_user_is_found_by_display_name_and_upn(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        upn = await world.user("bob", displayName="Bob Builder")
        await world.runner().run(world.app_name)

        (by_name,) = await _records(world, user="bob builder")
        (by_upn,) = await _records(world, user=upn)

        assert by_name == by_upn
        assert by_name.action is ProvisioningAction.CREATE
        assert by_name.source_identity.display_name == "Bob Builder"
        assert by_name.source_identity.name == upn


async def test_disable_and_enable_records_show_active(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        upn = await world.user("ada")
        await world.runner().run(world.app_name)
        await world.apps.assignments.unassign(
            world.app_name, user=upn, role="User", actor=Actor.cli("tests")
        )
        await world.runner().run(world.app_name)
        await world.apps.assignments.assign(
            world.app_name, user=upn, role="User", actor=Actor.cli("tests")
        )
        await world.runner().run(world.app_name)

        (disabled,) = await _records(world, action="disable")
        (enabled,) = await _records(world, action="enable")

        shown = [(p.display_name, p.old_value, p.new_value) for p in disabled.modified_properties]
        assert shown == [("active", "True", "False")]
        shown = [(p.display_name, p.old_value, p.new_value) for p in enabled.modified_properties]
        assert ("active", "False", "True") in shown


async def test_a_user_failing_in_an_incremental_cycle_gets_one_record(
    database: Database, settings: Settings
) -> None:
    """The change feed and the assignment follow-up both name a new user that fails."""
    async with world_for(database, settings) as world:
        await world.user("ada")
        await world.runner().run(world.app_name)
        bob = await world.user("bob")
        world.poisoned.add(bob)

        summary = await world.runner().run(world.app_name)

        assert summary.counts == {"failure": 1}
        (failed,) = await _records(world, user=bob)
        assert failed.action is ProvisioningAction.CREATE
