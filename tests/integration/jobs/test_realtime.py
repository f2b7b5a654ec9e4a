"""Real-time runs in one process: a committed change reaches the app within seconds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

import pytest

from scimitar.audit import Actor
from scimitar.directory.service import DirectoryService
from scimitar.engine.core.records import ProvisioningRecord, Trigger
from scimitar.engine.state.logstore import ProvisioningLogStore
from scimitar.jobs.locks import AppLocks
from scimitar.jobs.realtime import RealtimeRunner
from scimitar.jobs.storewatch import StoreWatcher
from scimitar.settings import Settings
from scimitar.store import Database, open_database
from scimitar.store.signals import ALL_APPS, announce
from tests.integration.engine.harness import World, world_for

CLI = Actor.cli("tests")


async def _eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.1)
    return False


@pytest.fixture
async def world(database: Database, settings: Settings) -> AsyncIterator[World]:
    async with world_for(database, settings, template="cisco-webex", profile="webex") as world:
        yield world


@pytest.fixture
async def runner(world: World) -> AsyncIterator[RealtimeRunner]:
    """A runner the test starts once its initial cycle has run (it would run it otherwise)."""
    realtime = RealtimeRunner(
        world.database, world.apps, jobs=world.jobs, locks=AppLocks(), window_seconds=0.1
    )
    try:
        yield realtime
    finally:
        await realtime.stop()


async def _active(world: World, upn: str) -> bool | None:
    found = (await world.target_users()).get(upn)
    return None if found is None else bool(found.get("active"))


async def _records(world: World, upn: str) -> list[ProvisioningRecord]:
    page = await ProvisioningLogStore(world.database).query(world.app_id, limit=500)
    return [
        entry.record
        for entry in page.records
        if entry.record.source_identity.details.get("userPrincipalName") == upn
    ]


async def _set_realtime(world: World, **values: object) -> None:
    config = await world.apps.provisioning.config(world.app_id)
    updated = replace(config.settings, **values)  # type: ignore[arg-type]
    await world.apps.provisioning.update_settings(world.app_id, updated, actor=CLI)


async def test_a_commit_announces_every_app_and_a_rollback_nothing(database: Database) -> None:
    heard: list[frozenset[str]] = []
    database.changes.subscribe(heard.append)
    await DirectoryService(database).users.create({"userPrincipalName": "ada@contoso.com"})
    assert heard == [frozenset({ALL_APPS})]
    with pytest.raises(RuntimeError, match="rolled back"):
        await _announce_then_fail(database)
    assert heard == [frozenset({ALL_APPS})]


async def _announce_then_fail(database: Database) -> None:
    async with database.write() as conn:
        await announce(conn, "app-1")
        raise RuntimeError("rolled back")


async def test_an_assignment_announces_its_app(world: World) -> None:
    await world.user("ada", assign=False)
    heard: list[frozenset[str]] = []
    world.database.changes.subscribe(heard.append)
    await world.apps.assignments.assign(
        world.app_name, user="ada@contoso.com", role="User", actor=CLI
    )
    assert heard == [frozenset({world.app_id})]


async def test_changes_reach_the_app_in_realtime_runs(world: World, runner: RealtimeRunner) -> None:
    ada = await world.user("ada")
    await world.runner().run(world.app_name)  # the initial cycle
    runner.start()
    user = await world.directory.users.get(ada)
    await world.directory.users.update(user.object_id, {"accountEnabled": False})
    assert await _eventually(lambda: _is(_active(world, ada), False))
    bob = await world.user("bob")  # a new user, then its assignment
    assert await _eventually(lambda: _is(_active(world, bob), True))
    assert await _eventually(lambda: _nothing_pending(world))  # the run has ended too
    status = await world.status()
    assert status.is_realtime
    assert status.last_cycle is not None
    assert status.last_cycle.trigger == "realtime"
    disables = [r for r in await _records(world, ada) if r.action.value == "disable"]
    assert [r.trigger for r in disables] == [Trigger.REALTIME]
    assert disables[0].to_dict()["trigger"] == "realtime"


async def test_with_realtime_off_changes_wait_for_the_cycle(
    world: World, runner: RealtimeRunner
) -> None:
    ada = await world.user("ada")
    await world.runner().run(world.app_name)
    await _set_realtime(world, realtime=False)
    runner.start()
    user = await world.directory.users.get(ada)
    await world.directory.users.update(user.object_id, {"accountEnabled": False})
    await asyncio.sleep(2)  # twenty windows
    assert await _active(world, ada) is True
    await world.runner().run(world.app_name)
    assert await _active(world, ada) is False
    assert [r.trigger for r in await _records(world, ada) if r.action.value == "disable"] == [
        Trigger.CYCLE
    ]


async def test_a_paused_job_gets_no_realtime_run(world: World, runner: RealtimeRunner) -> None:
    ada = await world.user("ada")
    await world.runner().run(world.app_name)
    await world.control().pause(world.app_name, actor=CLI)
    runner.start()
    user = await world.directory.users.get(ada)
    await world.directory.users.update(user.object_id, {"accountEnabled": False})
    await asyncio.sleep(2)
    assert await _active(world, ada) is True


@pytest.mark.parametrize("realtime", [True, False], ids=["window", "per-cycle"])
async def test_the_delete_threshold_counts_over_the_window_with_realtime(
    world: World, realtime: bool
) -> None:
    """Three one-disable runs: with real-time runs the third reaches a threshold of 3."""
    users = [await world.user(name) for name in ("ada", "bob", "cy")]
    await world.runner().run(world.app_name)
    await _set_realtime(world, realtime=realtime, delete_threshold=3)
    for upn in users:
        user = await world.directory.users.get(upn)
        await world.directory.users.update(user.object_id, {"accountEnabled": False})
        await world.runner().run(world.app_name)
    status = await world.status()
    if realtime:
        assert [await _active(world, u) for u in users] == [False, False, True]
        assert status.staged_deletes == 1
        assert status.quarantine is not None
    else:
        assert [await _active(world, u) for u in users] == [False, False, False]
        assert status.staged_deletes == 0


async def test_the_window_slides_and_restarts_after_a_decision(world: World) -> None:
    users = [await world.user(name) for name in ("ada", "bob", "cy", "dee")]
    await world.runner().run(world.app_name)
    await _set_realtime(world, delete_threshold=2, delete_window_minutes=10)
    for upn in users[:2]:
        user = await world.directory.users.get(upn)
        await world.directory.users.update(user.object_id, {"accountEnabled": False})
        await world.runner().run(world.app_name)
    assert (await world.status()).staged_deletes == 1  # bob's, the second in the window
    await world.control().reject(world.app_name, actor=CLI)
    user = await world.directory.users.get(users[2])
    await world.directory.users.update(user.object_id, {"accountEnabled": False})
    await world.runner().run(world.app_name)
    assert await _active(world, users[2]) is False  # counted from the decision on
    world.clock.advance(minutes=11)  # ada's and cy's disables leave the window
    user = await world.directory.users.get(users[3])
    await world.directory.users.update(user.object_id, {"accountEnabled": False})
    await world.runner().run(world.app_name)
    assert await _active(world, users[3]) is False


async def test_the_store_watcher_sees_another_process_write(settings: Settings) -> None:
    served = await open_database(settings)
    other = await open_database(settings)
    heard: list[frozenset[str]] = []
    stopping = asyncio.Event()
    watcher = StoreWatcher(served, heard.append, every=0.2 if served.is_sqlite else 1.0)
    task = asyncio.create_task(watcher.run(stopping))
    try:
        await asyncio.sleep(1.0)  # listening / first look taken
        heard.clear()
        looks = watcher.looks
        await asyncio.sleep(1.0)
        assert watcher.looks == looks  # nothing written: nothing read
        await DirectoryService(other).users.create({"userPrincipalName": "ada@contoso.com"})
        assert await _eventually(_said(heard), seconds=5)
        assert ALL_APPS in heard[-1]
    finally:
        stopping.set()
        await task
        await other.dispose()
        await served.dispose()


def _said(heard: list[frozenset[str]]) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return bool(heard)

    return check


async def _nothing_pending(world: World) -> bool:
    applied = (await world.status()).applied
    return applied is not None and applied.pending == 0


async def _is(value: Awaitable[bool | None], expected: bool) -> bool:
    return await value is expected
