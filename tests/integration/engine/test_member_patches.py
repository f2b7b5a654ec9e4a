"""Many groups' member PATCHes against the embedded target, one by one or in Bulk requests.

Groups are cut into bodies of a few members (the template's per-request cap), and the Bulk
requests into a few operations or a few hundred bytes each, so one group's bodies span several
requests that must reach the app in order; whichever way they go, each group ends up with
exactly the members asked for, and a group the app no longer holds fails on its own. A group's
bodies leave in their order and two requests of one group are never in flight together.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any

import httpx
import pytest

from scimitar.apps.model import ConnectorOptions
from scimitar.connector.bulk import BulkOperation, BulkResult
from scimitar.connector.errors import TargetObjectNotFoundError
from scimitar.connector.operations import TargetOperations
from scimitar.engine.run.memberpatches import MemberPatches, send_member_patches
from scimitar.gallery.schema import UpdateMethod
from scimitar.scim.dialects import DIALECTS, member_patch_bodies
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import World, world_for

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
CAP = 2
OPTIONS = ConnectorOptions(UpdateMethod.PATCH, False, None, True, CAP)
#: Kinds of sending: one PATCH at a time; Bulk cut by operations; Bulk cut by size.
WAYS = {
    "patches": (OPTIONS, 10**6),
    "bulk-by-operations": (replace(OPTIONS, use_bulk=True, bulk_max_operations=3), 10**6),
    "bulk-by-size": (replace(OPTIONS, use_bulk=True, bulk_max_operations=100), 700),
}


@pytest.fixture
async def world(database: Database, settings: Settings) -> AsyncIterator[World]:
    async with world_for(database, settings) as world:
        yield world


async def _http(world: World) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=world.url, headers={"Authorization": f"Bearer {world.token}"})


async def _users(http: httpx.AsyncClient, count: int) -> list[str]:
    ids = []
    for n in range(count):
        body = {"schemas": [CORE_USER], "userName": f"u{n}@contoso.com"}
        response = await http.post("Users", json=body)
        ids.append(str(response.json()["id"]))
    return ids


async def _group(http: httpx.AsyncClient, name: str, members: list[str]) -> str:
    body: dict[str, Any] = {
        "schemas": [CORE_GROUP],
        "displayName": name,
        "members": [{"value": m} for m in members],
    }
    return str((await http.post("Groups", json=body)).json()["id"])


async def _members(http: httpx.AsyncClient, group_id: str) -> set[str]:
    group = (await http.get(f"Groups/{group_id}")).json()
    return {str(m["value"]) for m in group.get("members") or []}


async def _send(world: World, way: str, groups: list[MemberPatches]) -> list[BaseException | None]:
    options, budget = WAYS[way]
    credentials = await world.apps.provisioning.credentials(world.app_id)
    async with world.apps.provisioning.client(credentials) as client:
        port = TargetOperations(client, options, concurrency=4)
        errors = await send_member_patches(options, port, groups, payload_budget=budget)
    return list(errors)


@pytest.mark.parametrize("dialect", ["rfc", "entra"])
@pytest.mark.parametrize("way", list(WAYS))
async def test_each_group_gets_exactly_its_members(world: World, way: str, dialect: str) -> None:
    async with await _http(world) as http:
        users = await _users(http, 12)
        big = await _group(http, "big", users[:3])
        small = await _group(http, "small", [])
        other = await _group(http, "other", users[10:])
        wanted = {big: set(users[2:11]), small: {users[0]}, other: set(users[4:9])}
        changes = {
            big: (users[3:11], users[:2]),
            small: ([users[0]], []),
            other: (users[4:9], users[10:]),
        }
        plans = [
            MemberPatches(group, member_patch_bodies(added, removed, DIALECTS[dialect], CAP))
            for group, (added, removed) in changes.items()
        ]
        assert await _send(world, way, plans) == [None, None, None]
        assert {group: await _members(http, group) for group in wanted} == wanted


@pytest.mark.parametrize("way", list(WAYS))
async def test_a_group_the_app_no_longer_holds_fails_alone(world: World, way: str) -> None:
    async with await _http(world) as http:
        users = await _users(http, 6)
        kept = await _group(http, "kept", [])
        gone = await _group(http, "gone", [])
        await http.delete(f"Groups/{gone}")
        plans = [
            MemberPatches(group, member_patch_bodies(users, [], DIALECTS["rfc"], CAP))
            for group in (gone, kept)
        ]
        lost, fine = await _send(world, way, plans)
        assert isinstance(lost, TargetObjectNotFoundError)
        assert fine is None
        assert await _members(http, kept) == set(users)


class WatchingPort:
    """The real operations, noting each group's bodies in the order sent and any overlap.

    A request is held a little before it goes, so two requests of one group sent side by side
    would be seen in flight together.
    """

    def __init__(self, port: TargetOperations) -> None:
        self._port = port
        self.sent: dict[str, list[dict[str, Any]]] = {}
        self.overlaps: list[str] = []
        self._in_flight: set[str] = set()

    async def _around(self, touched: list[tuple[str, dict[str, Any]]], send: Any) -> Any:
        groups = {group for group, _body in touched}
        self.overlaps += sorted(groups & self._in_flight)
        self._in_flight |= groups
        for group, body in touched:
            self.sent.setdefault(group, []).append(body)
        try:
            await asyncio.sleep(0.01)
            return await send()
        finally:
            self._in_flight -= groups

    async def patch(self, object_type: str, target_id: str, body: dict[str, Any]) -> None:
        await self._around(
            [(target_id, body)], lambda: self._port.patch(object_type, target_id, body)
        )

    async def bulk(self, operations: Sequence[BulkOperation]) -> list[BulkResult]:
        touched = [(op.path.rsplit("/", 1)[1], dict(op.data or {})) for op in operations]
        results: list[BulkResult] = await self._around(touched, lambda: self._port.bulk(operations))
        return results


@pytest.mark.parametrize("way", list(WAYS))
async def test_a_groups_bodies_go_in_order_and_never_side_by_side(world: World, way: str) -> None:
    async with await _http(world) as http:
        users = await _users(http, 14)
        groups = [await _group(http, name, []) for name in ("big", "also-big", "small")]
        plans = [
            MemberPatches(group, member_patch_bodies(members, [], DIALECTS["rfc"], CAP))
            for group, members in zip(groups, (users, users[1:], users[:1]), strict=True)
        ]
        options, budget = WAYS[way]
        credentials = await world.apps.provisioning.credentials(world.app_id)
        async with world.apps.provisioning.client(credentials) as client:
            port = WatchingPort(TargetOperations(client, options, concurrency=4))
            await send_member_patches(options, port, plans, payload_budget=budget)  # type: ignore[arg-type]
        assert port.overlaps == []
        assert port.sent == {plan.target_id: list(plan.bodies) for plan in plans}
        assert await _members(http, groups[1]) == set(users[1:])
