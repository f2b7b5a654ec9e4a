"""A large group on the generic path (no Bulk): created with members, then changed in batches.

The ``scim`` template's app takes members in ``POST /Groups`` and at most 100 member changes
per request (``groupMembersOnCreate``, ``groupMembersMaxPerRequest``). A group of 230 members
is created with the first 100 in its POST and the other 130 in two PATCHes; later changes go
in PATCHes of at most 100 members, and the engine never reads the group's member list back.
Every request the connector sends is recorded by the transport.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from scimitar.apps import Scope
from scimitar.audit import Actor
from scimitar.connector.transport import (
    AiohttpTransport,
    Transport,
    TransportRequest,
    TransportResponse,
)
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import World, world_for

MEMBERS = 230
LIMIT = 100  # the scim template's groupMembersMaxPerRequest


class RecordingTransport:
    """The real transport, keeping every request sent."""

    def __init__(self, inner: Transport, sent: list[TransportRequest]) -> None:
        self._inner = inner
        self._sent = sent

    async def send(self, request: TransportRequest) -> TransportResponse:
        self._sent.append(request)
        return await self._inner.send(request)

    async def close(self) -> None:
        await self._inner.close()


@pytest.fixture
def sent() -> list[TransportRequest]:
    return []


@pytest.fixture
async def world(
    database: Database, settings: Settings, sent: list[TransportRequest]
) -> AsyncIterator[World]:
    def factory() -> Transport:
        return RecordingTransport(AiohttpTransport.create(), sent)

    async with world_for(database, settings, transport_factory=factory) as world:
        config = await world.apps.provisioning.config(world.app_name)
        await world.apps.provisioning.update_settings(
            world.app_name, replace(config.settings, scope=Scope.ALL), actor=Actor.cli("tests")
        )
        yield world


def _group_requests(sent: list[TransportRequest]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path after the base URL, body) of every request about groups."""
    found = []
    for request in sent:
        path = request.url.split("/v2/", 1)[1]
        if path.startswith("Groups"):
            found.append((request.method, path, json.loads(request.body) if request.body else {}))
    return found


def _member_ids(body: dict[str, Any]) -> list[str]:
    """The member ids a POST body or a PatchOp names (values and ``members[value eq]`` paths)."""
    if "Operations" not in body:
        return [m["value"] for m in body.get("members") or []]
    ids = []
    for operation in body["Operations"]:
        ids += [v["value"] for v in operation.get("value") or []]
        path = str(operation.get("path", ""))
        if path.startswith("members[value eq "):
            ids.append(path.split('"')[1])
    return ids


async def _held(world: World, group_id: str) -> set[str]:
    headers = {"Authorization": f"Bearer {world.token}"}
    async with httpx.AsyncClient(headers=headers) as client:
        response = await client.get(f"{world.url}Groups/{group_id}")
        response.raise_for_status()
        return {m["value"] for m in response.json().get("members") or []}


async def _target_ids(world: World) -> dict[str, str]:
    """userName → the user's id in the app."""
    return {name: user["id"] for name, user in (await world.target_users()).items()}


async def test_a_large_group_is_created_with_members_then_patched_in_batches(
    world: World, sent: list[TransportRequest]
) -> None:
    upns = [await world.user(f"member{n:03}", assign=False) for n in range(MEMBERS + 5)]
    await world.directory.groups.create({"displayName": "Everyone"})
    await world.directory.groups.add_members("Everyone", upns[:MEMBERS])

    assert (await world.runner().run(world.app_name)).status == "succeeded"

    ids = await _target_ids(world)
    requests = _group_requests(sent)
    posts = [(path, body) for method, path, body in requests if method == "POST"]
    assert len(posts) == 1
    group_path = f"Groups/{(await _group_id(world))}"
    patches = [body for method, path, body in requests if method == "PATCH"]
    first = _member_ids(posts[0][1])
    assert len(first) == LIMIT
    assert [len(_member_ids(body)) for body in patches] == [LIMIT, MEMBERS - 2 * LIMIT]
    sent_ids = first + [m for body in patches for m in _member_ids(body)]
    assert sorted(sent_ids) == sorted(ids[u] for u in upns[:MEMBERS])
    assert all(path.startswith(group_path) for method, path, _ in requests if method == "PATCH")
    # Groups are only ever looked up without their members (the match by displayName).
    reads = [path for method, path, _ in requests if method == "GET"]
    assert reads
    assert all("excludedAttributes=members" in path for path in reads)
    assert await _held(world, group_path.split("/")[1]) == {ids[u] for u in upns[:MEMBERS]}

    # 150 leave, 5 join: 150 removals in two PATCHes, then one PATCH of adds.
    sent.clear()
    await world.directory.groups.remove_members("Everyone", upns[:150])
    await world.directory.groups.add_members("Everyone", upns[MEMBERS:])

    assert (await world.runner().run(world.app_name)).status == "succeeded"

    requests = _group_requests(sent)
    # No read of the group at all: its PATCHes only.
    assert [method for method, _path, _body in requests] == ["PATCH"] * 3
    sizes = [len(_member_ids(body)) for _method, _path, body in requests]
    assert sizes == [LIMIT, 150 - LIMIT, 5]
    assert all(len(body["Operations"]) <= LIMIT for _method, _path, body in requests)
    wanted = {ids[u] for u in upns[150:MEMBERS]} | {ids[u] for u in upns[MEMBERS:]}
    assert await _held(world, group_path.split("/")[1]) == wanted


async def test_a_group_refused_with_its_members_is_created_without_them(
    world: World, sent: list[TransportRequest]
) -> None:
    upns = [await world.user(f"member{n}", assign=False) for n in range(3)]
    assert (await world.runner().run(world.app_name)).status == "succeeded"
    ids = await _target_ids(world)
    # The app loses a user the engine linked: a POST naming it is refused (400).
    headers = {"Authorization": f"Bearer {world.token}"}
    async with httpx.AsyncClient(headers=headers) as client:
        gone = await client.delete(f"{world.url}Users/{ids[upns[0]]}")
        assert gone.status_code == 204
    await world.directory.groups.create({"displayName": "Team"})
    await world.directory.groups.add_members("Team", upns)
    sent.clear()

    summary = await world.runner().run(world.app_name)

    posts = [body for method, _path, body in _group_requests(sent) if method == "POST"]
    assert [len(_member_ids(body)) for body in posts] == [3, 0]
    group_id = await _group_id(world)
    # The members follow in a PATCH, which the app refuses for the lost user: the group's
    # reference failure, the group itself created.
    assert summary.counts.get("create") == 1
    assert await _held(world, group_id) == set()
    assert summary.counts.get("failure") == 1


async def _group_id(world: World) -> str:
    headers = {"Authorization": f"Bearer {world.token}"}
    async with httpx.AsyncClient(headers=headers) as client:
        response = await client.get(f"{world.url}Groups", params={"excludedAttributes": "members"})
        response.raise_for_status()
        (group,) = response.json()["Resources"]
        return str(group["id"])
