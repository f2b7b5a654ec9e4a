"""Provisioning log records tell the truth: names, modified properties, one record per object."""

from __future__ import annotations

from dataclasses import replace

from scimitar.audit import Actor
from scimitar.connector.transport import (
    AiohttpTransport,
    Transport,
    TransportRequest,
    TransportResponse,
)
from scimitar.engine.core.records import ProvisioningAction, ProvisioningRecord
from scimitar.engine.state.logstore import ProvisioningLogStore
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


async def test_an_unassigned_account_left_alone_is_logged_once(
    database: Database, settings: Settings
) -> None:
    """SkipOutOfScopeDeletions: the unassign is logged as a skip once, not every cycle."""
    async with world_for(database, settings) as world:
        config = await world.apps.provisioning.config(world.app_name)
        await world.apps.provisioning.update_settings(
            world.app_name,
            replace(config.settings, skip_out_of_scope_deletions=True),
            actor=Actor.cli("tests"),
        )
        upn = await world.user("ada")
        await world.user("bob")
        await world.runner().run(world.app_name)
        await world.apps.assignments.unassign(
            world.app_name, user=upn, role="User", actor=Actor.cli("tests")
        )
        for _ in range(3):
            await world.runner().run(world.app_name)

        records = await _records(world, user=upn)

        assert [r.action for r in records] == [ProvisioningAction.SKIP, ProvisioningAction.CREATE]
        assert records[0].skip_reason == "SkipOutOfScopeDeletions"
        assert len(await world.target_users()) == 2  # left alone in the app


async def test_an_account_disabled_by_a_scoping_filter_is_not_logged_again(
    database: Database, settings: Settings
) -> None:
    """Still assigned, still failing the filter: one disable, then no skip every cycle."""
    async with world_for(database, settings) as world:
        upn = await world.user("anna", department="Sales")
        await world.user("ben", department="Sales")
        await world.apps.mappings.add_scoping_clause(
            world.app_name,
            "User",
            "sales",
            ("department", "EQUALS", "Sales"),
            actor=Actor.cli("tests"),
        )
        await world.runner().run(world.app_name)
        await world.directory.users.update(upn, {"department": "Legal"})
        for _ in range(3):
            await world.runner().run(world.app_name)

        records = await _records(world, user=upn)

        assert [r.action for r in records] == [
            ProvisioningAction.DISABLE,
            ProvisioningAction.CREATE,
        ]
        await world.directory.users.update(upn, {"department": "Sales"})
        back = await world.runner().run(world.app_name)
        assert back.counts == {"enable": 1}


class _RecordingTransport:
    """The real transport, keeping every request sent."""

    def __init__(self, inner: Transport, sent: list[TransportRequest]) -> None:
        self._inner = inner
        self._sent = sent

    async def send(self, request: TransportRequest) -> TransportResponse:
        self._sent.append(request)
        return await self._inner.send(request)

    async def close(self) -> None:
        await self._inner.close()


async def test_an_unassigned_group_left_alone_is_logged_once(
    database: Database, settings: Settings
) -> None:
    """SkipOutOfScopeDeletions: an unassigned linked group gets one skip, then no record every
    cycle, and the app hears nothing about it."""
    sent: list[TransportRequest] = []

    def factory() -> Transport:
        return _RecordingTransport(AiohttpTransport.create(), sent)

    async with world_for(database, settings, transport_factory=factory) as world:
        upn = await world.user("ben")  # assigned directly: only the group leaves scope
        await world.directory.groups.create({"displayName": "Willow"})
        await world.directory.groups.add_members("Willow", [upn])
        await world.apps.assignments.assign(
            world.app_name, group="Willow", role="User", actor=Actor.cli("tests")
        )
        await world.runner().run(world.app_name)
        (created,) = await _records(world, user="Willow")
        assert created.action is ProvisioningAction.CREATE
        group_id = created.target_identity.id
        assert group_id

        config = await world.apps.provisioning.config(world.app_name)
        await world.apps.provisioning.update_settings(
            world.app_name,
            replace(config.settings, skip_out_of_scope_deletions=True),
            actor=Actor.cli("tests"),
        )
        await world.apps.assignments.unassign(
            world.app_name, group="Willow", role=None, actor=Actor.cli("tests")
        )
        sent.clear()
        cycles = [await world.runner().run(world.app_name) for _ in range(3)]

        records = await _records(world, user="Willow")
        assert [r.action for r in records] == [ProvisioningAction.SKIP, ProvisioningAction.CREATE]
        assert records[0].skip_reason == "SkipOutOfScopeDeletions"
        assert records[0].cycle_id == cycles[0].cycle_id
        about_group = [r for r in sent if "/Groups" in r.url or group_id in r.url]
        assert about_group == []
