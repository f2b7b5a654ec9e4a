"""One admission check: every caller refuses a cycle for the same reasons, with its own words."""

from __future__ import annotations

import os
import socket
from collections.abc import Awaitable, Callable

import pytest

from scimitar.audit import Actor
from scimitar.engine.core.resume import CycleKind, Owner, Phase, ResumeState
from scimitar.engine.run.admission import (
    AdmissionError,
    CycleBusyError,
    DeletionsHeldError,
    JobPausedError,
    ProvisioningOffError,
    Refusal,
    Surface,
    admit,
)
from scimitar.engine.run.launcher import CycleLauncher
from scimitar.engine.state import jobstate, quarantine
from scimitar.engine.state.quarantine import QuarantineReason
from scimitar.jobs.scheduler import Scheduler
from scimitar.portal.runs import SyncLauncher
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import World, world_for


async def _off(world: World) -> None:
    await world.apps.provisioning.set_provisioning(
        world.app_name, is_on=False, actor=Actor.cli("tests")
    )


async def _paused(world: World) -> None:
    await world.control().pause(world.app_name, actor=Actor.cli("tests"))


async def _deletions_held(world: World) -> None:
    held = quarantine.failed_again(None, QuarantineReason.TOO_MANY_DELETES, "held", world.clock())
    async with world.database.write() as conn:
        await quarantine.save(conn, world.app_id, held, is_new=True)


async def _busy_elsewhere(world: World) -> None:
    """A cycle running in another live process of this machine (our parent's pid)."""
    await jobstate.load_state(world.database, world.app_id)
    owner = Owner(socket.gethostname(), os.getppid())
    resume = ResumeState(CycleKind.INCREMENTAL, Phase.CHANGES, owner=owner)
    await jobstate.start_cycle(world.database, world.app_id, resume)


CASES: list[tuple[Callable[[World], Awaitable[None]], Refusal, type[AdmissionError], str]] = [
    (_off, Refusal.PROVISIONING_OFF, ProvisioningOffError, "is off"),
    (_paused, Refusal.PAUSED, JobPausedError, "is paused"),
    (_deletions_held, Refusal.DELETIONS_HELD, DeletionsHeldError, "deletions|delete too many"),
    (_busy_elsewhere, Refusal.BUSY, CycleBusyError, "already running"),
]


@pytest.mark.parametrize(
    ("arrange", "refusal", "error", "words"), CASES, ids=[c[1].value for c in CASES]
)
async def test_every_caller_refuses_for_the_same_reason(
    database: Database,
    settings: Settings,
    arrange: Callable[[World], Awaitable[None]],
    refusal: Refusal,
    error: type[AdmissionError],
    words: str,
) -> None:
    async with world_for(database, settings) as world:
        await world.user("ada")
        await arrange(world)
        config = await world.apps.provisioning.config(world.app_name)

        admission = await admit(database, config, world.jobs)
        assert admission.refusals == (refusal,)
        assert not admission.is_admitted
        launcher = CycleLauncher(database, world.apps, jobs=world.jobs)
        portal = SyncLauncher(database, launcher, scheduled=False)

        with pytest.raises(error, match=words) as cli:
            await world.runner().run(world.app_name)
        with pytest.raises(error, match=words) as api:
            await launcher.check_startable(world.app_name)
        with pytest.raises(error, match=words) as page:
            await portal.sync_now(config)
        assert "scimitar app" in str(cli.value)
        assert "/api/v1/apps/" in str(api.value)
        assert "scimitar app" not in str(page.value)
        assert "/api/" not in str(page.value)
        if refusal is not Refusal.BUSY:
            # The scheduler skips the app (a busy one it leaves to the runner to refuse).
            assert await Scheduler(database, world.apps, jobs=world.jobs).run_due() == []
        assert await world.target_users() == {}


async def test_held_deletions_do_not_refuse_a_cycle_that_sends_them(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        await _deletions_held(world)
        config = await world.apps.provisioning.config(world.app_name)
        assert (await admit(database, config, world.jobs)).refusals == (Refusal.DELETIONS_HELD,)
        assert (await admit(database, config, world.jobs, force_deletes=True)).is_admitted


async def test_refusals_are_listed_in_the_order_to_fix_them(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        # A new cycle sets the job active, so it comes before the pause.
        for arrange in (_busy_elsewhere, _off, _deletions_held, _paused):
            await arrange(world)
        config = await world.apps.provisioning.config(world.app_name)
        admission = await admit(database, config, world.jobs)
        assert admission.refusals == tuple(Refusal)
        busy = admission.error(Surface.API, considering={Refusal.BUSY})
        assert isinstance(busy, CycleBusyError)
        with pytest.raises(ProvisioningOffError):
            admission.raise_if_refused(Surface.CLI)


async def test_a_cycle_running_in_this_process_refuses_another_launch(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        config = await world.apps.provisioning.config(world.app_name)
        assert (await admit(database, config, world.jobs)).is_admitted
        admission = await admit(database, config, world.jobs, is_running_here=True)
        assert admission.refusals == (Refusal.BUSY,)
