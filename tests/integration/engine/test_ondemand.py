"""Provision on demand against the embedded target, on SQLite and PostgreSQL (docs/entra.md §3.8).

The provisioner writes links and log records as a cycle does, fails an object with Entra's
error code when the app refuses it (the refusal injected by a transport), and never runs beside
a cycle of the same app: each waits for the other, and a registration left by a dead process is
released.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable

import pytest
from sqlalchemy import select

from scimitar.apps import Apps
from scimitar.audit import Actor
from scimitar.connector.transport import (
    AiohttpTransport,
    Transport,
    TransportRequest,
    TransportResponse,
)
from scimitar.engine.core.records import Initiator
from scimitar.engine.core.resume import CycleKind, Owner, ResumeState
from scimitar.engine.run.ondemand import OnDemandProvisioner, TooManyMembersError
from scimitar.engine.run.ondemand_lease import ONDEMAND_KIND, JobBusyError, ensure_held, hold
from scimitar.engine.state import jobstate
from scimitar.engine.state.logstore import ProvisioningLogStore
from scimitar.errors import ConfigError
from scimitar.settings import Settings
from scimitar.store import Database
from scimitar.store.tables.engine import CYCLE, LINK
from tests.integration.engine.harness import World, world_for

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class RefusingTransport:
    """The real transport, except that requests ``refuses`` picks are answered 400."""

    def __init__(self, refuses: Callable[[TransportRequest], bool]) -> None:
        self._inner = AiohttpTransport.create()
        self._refuses = refuses

    async def send(self, request: TransportRequest) -> TransportResponse:
        if self._refuses(request):
            body = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "scimType": "invalidValue",
                "detail": "userName is not allowed here",
            }
            headers = {"content-type": "application/scim+json"}
            return TransportResponse(400, headers, json.dumps(body).encode())
        return await self._inner.send(request)

    async def close(self) -> None:
        await self._inner.close()


def provisioner(
    world: World, transport: Callable[[], Transport] | None = None
) -> OnDemandProvisioner:
    apps = (
        Apps.create(world.database, world.settings, transport_factory=transport)
        if transport
        else world.apps
    )
    return OnDemandProvisioner(
        world.database, apps, jobs=world.jobs, directory=world.directory, wait_seconds=0.5
    )


def dead_pid() -> int:
    """The id of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


async def test_link_and_record_are_written_as_a_cycle_would(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        ada = await world.user("ada", surname="Lovelace")
        who = Initiator("admin@contoso.com", "user")

        trace = await provisioner(world).provision_user(world.app_name, ada, initiator=who)

        assert trace.result == "success"
        created = (await world.target_users())[ada]
        assert trace.record is not None
        assert trace.record.target_identity.id == created["id"]
        page = await ProvisioningLogStore(database).query(world.app_id, cycle=trace.cycle_id)
        assert [e.record for e in page.records] == [trace.record]
        assert page.records[0].record.initiated_by == who
        async with database.read() as conn:
            linked = (await conn.execute(select(LINK.c.target_id))).scalars().all()
            kinds = (await conn.execute(select(CYCLE.c.kind))).scalars().all()
        assert linked == [created["id"]]
        assert ONDEMAND_KIND not in kinds

        summary = await world.runner().run(world.app_name)

        assert summary.counts == {"skip": 1}
        assert len(await world.target_users()) == 1


async def test_refused_create_fails_with_entra_code(database: Database, settings: Settings) -> None:
    async with world_for(database, settings) as world:
        bob = await world.user("bob")
        refusing = provisioner(
            world,
            lambda: RefusingTransport(lambda r: r.method == "POST" and b"bob@" in (r.body or b"")),
        )

        trace = await refusing.provision_user(world.app_name, bob)

        assert trace.is_failed
        assert trace.record is not None
        assert trace.record.error is not None
        assert trace.record.error.error_code == "SystemForCrossDomainIdentityManagementBadRequest"
        action = trace.objects[0].steps[-1]
        assert action.status == "failure"
        [request] = action.details["requests"]
        assert (request["method"], request["status"], request["httpStatus"]) == (
            "POST",
            "error",
            400,
        )
        assert action.details["error"]["recommendedAction"]
        assert trace.error() == {
            "errorCode": "SystemForCrossDomainIdentityManagementBadRequest",
            "errorMessage": trace.record.error.reason,
        }
        assert await world.target_users() == {}
        async with database.read() as conn:
            assert (await conn.execute(select(LINK))).first() is None


async def test_disabled_linked_user_is_disabled(database: Database, settings: Settings) -> None:
    async with world_for(database, settings) as world:
        ada = await world.user("ada")
        await provisioner(world).provision_user(world.app_name, ada)
        await world.directory.users.set_enabled(ada, is_enabled=False)

        trace = await provisioner(world).provision_user(world.app_name, ada)

        scope = trace.objects[0].steps[1]
        assert (scope.status, scope.details["rule"]) == ("skipped", "Disabled")
        assert trace.record is not None
        assert trace.record.action.value == "disable"
        assert (await world.target_users())[ada]["active"] is False


async def test_group_members_must_be_direct_and_at_most_five(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        members = [await world.user(f"m{i}", assign=False) for i in range(6)]
        outsider = await world.user("eve", assign=False)
        await world.directory.groups.create({"displayName": "Crew"})
        await world.directory.groups.add_members("Crew", members)
        await world.apps.assignments.assign(
            world.app_name, group="Crew", role="User", actor=Actor.cli("tests")
        )
        service = provisioner(world)

        with pytest.raises(TooManyMembersError, match="at most 5") as refused:
            await service.provision_group(world.app_name, "Crew")
        assert all(m in str(refused.value) for m in members)
        with pytest.raises(TooManyMembersError, match="at most 5"):
            await service.provision_group(world.app_name, "Crew", members)
        with pytest.raises(ConfigError, match="not a direct member"):
            await service.provision_group(world.app_name, "Crew", [outsider])

        trace = await service.provision_group(world.app_name, "Crew", members[:2])

        assert trace.result == "success"
        assert [o.role for o in trace.objects] == ["subject", "member", "member", "membership"]
        assert sorted(await world.target_users()) == sorted(members[:2])


async def registered(database: Database, app_id: str, kind: str, pid: int) -> jobstate.CycleRow:
    """A cycle of ``kind`` registered as the job's current one by process ``pid``."""
    await jobstate.load_state(database, app_id)
    resume = ResumeState(CycleKind(kind), owner=Owner(socket.gethostname(), pid))
    return await jobstate.start_cycle(database, app_id, resume)


async def test_a_cycle_waits_for_an_on_demand_run(database: Database, settings: Settings) -> None:
    async with world_for(database, settings) as world:
        await world.user("ada")

        async with hold(database, world.app_id, world.app_name, world.jobs):
            cycle = asyncio.create_task(world.runner().run(world.app_name))
            await asyncio.sleep(0.6)
            assert not cycle.done()
            assert await world.target_users() == {}

        summary = await cycle
        assert summary.counts == {"create": 1}


async def test_on_demand_waits_then_refuses_while_a_cycle_runs(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        ada = await world.user("ada")
        running = await registered(database, world.app_id, "initial", os.getppid())

        with pytest.raises(JobBusyError, match="is running"):
            await provisioner(world).provision_user(world.app_name, ada)

        await jobstate.finish_cycle(
            database, world.app_id, running, status="succeeded", watermark="0"
        )
        trace = await provisioner(world).provision_user(world.app_name, ada)
        assert trace.result == "success"


async def test_interrupted_cycle_must_resume_first(database: Database, settings: Settings) -> None:
    async with world_for(database, settings) as world:
        ada = await world.user("ada")
        await registered(database, world.app_id, "initial", dead_pid())

        with pytest.raises(JobBusyError, match="was interrupted"):
            await provisioner(world).provision_user(world.app_name, ada)


async def test_abandoned_on_demand_registration_is_released(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        ada = await world.user("ada")
        gone = dead_pid()
        await registered(database, world.app_id, ONDEMAND_KIND, gone)

        trace = await provisioner(world).provision_user(world.app_name, ada)
        assert trace.result == "success"
        await registered(database, world.app_id, ONDEMAND_KIND, gone)

        summary = await world.runner().run(world.app_name)

        assert summary.status == "succeeded"
        async with database.read() as conn:
            kinds = (await conn.execute(select(CYCLE.c.kind))).scalars().all()
        assert ONDEMAND_KIND not in kinds


async def test_manager_reference_once_the_manager_is_provisioned(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        boss = await world.user("boss")
        ada = await world.user("ada", manager=boss)
        service = provisioner(world)

        early = await service.provision_user(world.app_name, ada)

        assert [o.role for o in early.objects] == ["subject", "manager"]
        left_out = early.objects[1].steps[0]
        assert (left_out.status, left_out.details["requests"]) == ("skipped", [])
        assert boss in left_out.description
        assert early.result == "success"

        await service.provision_user(world.app_name, boss)
        later = await service.provision_user(world.app_name, ada)

        assert [o.role for o in later.objects] == ["subject", "manager"]
        set_now = later.objects[1]
        assert set_now.record is not None
        assert set_now.record.initiated_by is not None
        users = await world.target_users()
        assert users[ada][ENTERPRISE]["manager"]["value"] == users[boss]["id"]
        again = await service.provision_user(world.app_name, ada)
        assert [o.role for o in again.objects] == ["subject"]


async def test_a_cycle_that_slipped_in_is_noticed_before_anything_is_sent(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        async with hold(database, world.app_id, world.app_name, world.jobs) as cycle_id:
            await ensure_held(database, world.app_id, world.app_name, cycle_id)
            # A cycle that read the job state just before it was taken registers anyway.
            await registered(database, world.app_id, "incremental", os.getpid())

            with pytest.raises(JobBusyError, match="started at the same moment"):
                await ensure_held(database, world.app_id, world.app_name, cycle_id)

        state = await jobstate.load_state(database, world.app_id)
        assert state.current_cycle_id is not None
        assert state.current_cycle_id != cycle_id
