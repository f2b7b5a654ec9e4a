"""Escrows: a failed object is retried in later cycles on a growing schedule (docs/entra.md
§3.6)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import insert, select

from scimitar.audit import Actor
from scimitar.engine.state.escrows import retry_delay
from scimitar.engine.state.logstore import ProvisioningLogStore
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.store.tables.resilience import ESCROW
from tests.integration.engine.harness import world_for


def test_the_wait_grows_to_a_day() -> None:
    waits = [retry_delay(n) for n in range(1, 9)]
    assert waits[:3] == [timedelta(minutes=40), timedelta(minutes=80), timedelta(minutes=160)]
    assert waits == sorted(waits)
    assert waits[-1] == timedelta(hours=24)


async def test_failed_object_is_retried_on_schedule_and_cleared_on_success(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        ada = await world.user("ada")
        await world.user("bob")
        world.poisoned.add(ada)
        failed_at = world.clock.now

        first = await world.runner().run(world.app_name)

        assert first.counts["failure"] == 1
        status = await world.status()
        assert status.escrows.count == 1
        assert status.escrows.by_type == {"User": 1}
        assert status.escrows.next_attempt_at == failed_at + timedelta(minutes=40)
        assert status.to_dict()["escrows"]["nextAttemptAt"] is not None
        page = await ProvisioningLogStore(database).query(
            world.app_id, cycle=first.cycle_id, status="failure"
        )
        (entry,) = page.records
        details = entry.record.to_dict()["provisioningStatusInfo"]["errorInformation"]
        assert "failed once" in details["additionalDetails"]

        # Not due yet: an incremental cycle with no directory change leaves it alone.
        world.clock.advance(minutes=20)
        quiet = await world.runner().run(world.app_name)
        assert quiet.kind == "incremental"
        assert quiet.counts.get("failure", 0) == 0
        assert (await world.status()).escrows.most_attempts == 1

        # Due: retried although the directory did not change it; fails again, waits longer.
        world.clock.advance(minutes=21)
        second = await world.runner().run(world.app_name)
        assert second.counts["failure"] == 1
        status = await world.status()
        assert status.escrows.most_attempts == 2
        assert status.escrows.next_attempt_at == world.clock.now + timedelta(minutes=80)
        page = await ProvisioningLogStore(database).query(
            world.app_id, cycle=second.cycle_id, status="failure"
        )
        (entry,) = page.records
        details = entry.record.to_dict()["provisioningStatusInfo"]["errorInformation"]
        assert "failed 2 times" in details["additionalDetails"]

        # The app accepts it now: the next due retry creates it and clears the escrow.
        world.poisoned.clear()
        world.clock.advance(minutes=81)
        third = await world.runner().run(world.app_name)
        assert third.counts.get("create") == 1
        assert (await world.status()).escrows.count == 0
        assert sorted(await world.target_users()) == [ada, "bob@contoso.com"]


async def test_an_escrow_failing_for_four_weeks_is_dropped(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        ada = await world.user("ada")
        world.poisoned.add(ada)
        await world.runner().run(world.app_name)
        assert (await world.status()).escrows.count == 1

        world.clock.advance(days=27)
        await world.runner().run(world.app_name)  # retried, fails again: kept
        assert (await world.status()).escrows.count == 1
        world.clock.advance(days=2)
        last = await world.runner().run(world.app_name)

        assert last.counts.get("failure") == 1  # its last retry is logged
        assert (await world.status()).escrows.count == 0


async def test_escrows_that_wait_for_nothing_are_pruned_when_a_cycle_completes(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        await world.user("ada")
        config = await world.apps.provisioning.config(world.app_name)
        await world.apps.provisioning.update_settings(
            world.app_name,
            replace(config.settings, disabled_object_types=frozenset({"Group"})),
            actor=Actor.cli("tests"),
        )
        now = world.clock()
        row = {
            "app_id": world.app_id,
            "display": "x",
            "attempts": 1,
            "first_failed_at": now,
            "last_failed_at": now,
            "next_attempt_at": now + timedelta(days=1),
            "cycle_id": "c-old",
            "resolved_in": None,
        }
        async with database.write() as conn:
            await conn.execute(
                insert(ESCROW),
                [
                    {**row, "object_type": "Group", "source_id": "g-no-longer-provisioned"},
                    {**row, "object_type": "User", "source_id": "u-resolved", "resolved_in": "c-x"},
                    {**row, "object_type": "User", "source_id": "u-waiting"},
                ],
            )

        await world.runner().run(world.app_name)

        async with database.read() as conn:
            left = (await conn.execute(select(ESCROW.c.source_id))).scalars().all()
        assert left == ["u-waiting"]
