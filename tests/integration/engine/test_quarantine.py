"""Quarantine (docs/entra.md §3.7) driven by a fake clock: weeks of retries in seconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scimitar.audit import Actor
from scimitar.engine.core.events import QuarantineChanged
from scimitar.engine.state.quarantine import (
    QuarantineReason,
    escrow_reason,
    next_attempt,
)
from scimitar.jobs.scheduler import Scheduler
from scimitar.secrets import Secret
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import World, world_for

HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("failures", "references", "exports", "reason"),
    [
        (4_000, 0, 0, None),
        (45_000, 0, 0, QuarantineReason.BASE_ESCROW),
        (30_000, 0, 5_000, QuarantineReason.ESCROW_PROPORTION),
        (20_000, 0, 100_000, None),
        (40_000, 21_000, 100_000, QuarantineReason.TOTAL_ESCROW),
    ],
)
def test_escrow_thresholds_follow_the_spec_examples(
    failures: int, references: int, exports: int, reason: QuarantineReason | None
) -> None:
    assert escrow_reason(failures, references, exports) == reason


def test_retries_come_6_12_24_hours_after_the_first_failure_then_daily() -> None:
    began = datetime(2026, 1, 1, tzinfo=UTC)
    attempts = []
    moment = began
    for failures in range(1, 7):
        moment = next_attempt(began, failures, moment)
        attempts.append((moment - began) / HOUR)
    assert attempts == [6, 12, 24, 48, 72, 96]
    # A retry run by hand in between moves to the next slot after now.
    assert next_attempt(began, 2, began + 13 * HOUR) == began + 24 * HOUR


def _scheduler(world: World) -> Scheduler:
    return Scheduler(
        world.database, world.apps, jobs=world.jobs, clock=world.clock, events=world.events
    )


async def test_invalid_credentials_quarantine_at_once_and_retry_on_schedule(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        await world.user("ada")
        scheduler = _scheduler(world)
        await world.tenants.rotate_token(world.tenant_id, actor=Actor.cli("tests"))
        began = world.clock.now

        assert await scheduler.run_due() == [world.app_id]

        status = await world.status()
        assert status.state == "quarantined"
        assert status.quarantine is not None
        assert status.quarantine.reason == QuarantineReason.EXCEPTION
        assert "401" in (status.quarantine.error or "")
        assert status.quarantine.next_attempt == began + 6 * HOUR
        assert status.next_run_at == began + 6 * HOUR
        (entered,) = world.events.of(QuarantineChanged)
        assert entered.reason == QuarantineReason.EXCEPTION
        assert entered.previous_reason is None

        # Retries at 6 h, 12 h, 24 h after the first failure, then every 24 h.
        expected = [6, 12, 24, 48, 72]
        for hours in expected:
            world.clock.now = began + hours * HOUR - timedelta(minutes=1)
            assert await scheduler.run_due() == [], f"ran before {hours} h"
            world.clock.now = began + hours * HOUR
            assert await scheduler.run_due() == [world.app_id], f"did not run at {hours} h"
        status = await world.status()
        assert status.quarantine is not None
        assert status.quarantine.series_count == 1 + len(expected)
        assert status.quarantine.next_attempt == began + 96 * HOUR
        # One event on entering; none for retries with the same reason.
        assert len(world.events.of(QuarantineChanged)) == 1

        # Still failing after 28 days: the job is disabled (provisioning off).
        day = 4
        while (await world.status()).state != "disabled":
            assert day <= 28, "not disabled after 28 days"
            world.clock.now = began + day * 24 * HOUR
            await scheduler.run_due()
            day += 1
        assert world.clock.now - began == timedelta(days=28)
        config = await world.apps.provisioning.config(world.app_name)
        assert config.is_on is False
        disabled = world.events.of(QuarantineChanged)[-1]
        assert "28 days" in (disabled.details or "")
        world.clock.advance(days=2)
        assert await scheduler.run_due() == []


async def test_the_first_successful_cycle_ends_the_quarantine(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        ada = await world.user("ada")
        scheduler = _scheduler(world)
        _tenant, token = await world.tenants.rotate_token(world.tenant_id, actor=Actor.cli("tests"))
        await scheduler.run_due()
        assert (await world.status()).state == "quarantined"

        # The admin pastes the new token; the next scheduled retry succeeds.
        await world.apps.provisioning.set_credentials(
            world.app_name, world.url, Secret(token), actor=Actor.cli("tests")
        )
        world.token = token
        world.clock.advance(hours=6)
        assert await scheduler.run_due() == [world.app_id]

        status = await world.status()
        assert status.state == "active"
        assert status.quarantine is None
        left = world.events.of(QuarantineChanged)[-1]
        assert left.reason is None
        assert left.previous_reason == QuarantineReason.EXCEPTION
        assert list(await world.target_users()) == [ada]
        # Back to the app's interval.
        config = await world.apps.provisioning.config(world.app_name)
        interval = timedelta(minutes=config.settings.interval_minutes)
        assert status.next_run_at == world.clock.now + interval
