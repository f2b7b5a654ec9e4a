"""The generic SCIM path (``scim`` template: no Bulk, one request per change), as the app sees it.

docs/provisioning.md "Matching and requests per user": an initial cycle matches without a query
per user where the app allows it (``quirks.matching``: the listing of an app holding few
objects, or ``or`` batches), and creates managers before their reports so that each create
carries its manager; a lost create answer never makes a duplicate. Requests are counted off
the wire by a transport around the real one; the app's state is read over HTTP.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text

from scimitar.audit import Actor
from scimitar.connector.errors import NetworkFailure, TargetUnreachableError
from scimitar.connector.transport import (
    AiohttpTransport,
    Transport,
    TransportRequest,
    TransportResponse,
)
from scimitar.gallery import BUILTIN_TEMPLATES
from scimitar.gallery.service import GalleryService
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import World, world_for

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class Wire:
    """The real transport, keeping each request; drops the answer of the creates named in
    ``lose`` (once each), as a timeout after the app committed would."""

    def __init__(self, inner: Transport, sent: list[TransportRequest], lose: set[str]) -> None:
        self._inner = inner
        self._sent = sent
        self._lose = lose

    async def send(self, request: TransportRequest) -> TransportResponse:
        self._sent.append(request)
        response = await self._inner.send(request)
        if request.method == "POST" and request.body:
            name = json.loads(request.body).get("userName")
            if name in self._lose:
                self._lose.discard(name)
                raise TargetUnreachableError(NetworkFailure.TIMEOUT, request.url, "timed out")
        return response

    async def close(self) -> None:
        await self._inner.close()


@pytest.fixture
def sent() -> list[TransportRequest]:
    return []


@pytest.fixture
def lose() -> set[str]:
    return set()


def _factory(sent: list[TransportRequest], lose: set[str]) -> Any:
    def factory() -> Transport:
        return Wire(AiohttpTransport.create(), sent, lose)

    return factory


@pytest.fixture
async def world(
    database: Database, settings: Settings, sent: list[TransportRequest], lose: set[str]
) -> AsyncIterator[World]:
    async with world_for(database, settings, transport_factory=_factory(sent, lose)) as world:
        yield world


async def _org(world: World, reports: int = 3, depth: int = 3) -> dict[str, str | None]:
    """A management tree (each manager ``reports`` reports, ``depth`` levels): UPN → manager
    UPN. Reports are added before their managers, so the directory's order is no help."""
    tree: dict[str, str | None] = {"u0": None}
    level = ["u0"]
    for _ in range(depth - 1):
        level = [f"{boss}-{i}" for boss in level for i in range(reports)]
        tree.update((name, name.rsplit("-", 1)[0]) for name in level)
    ids: dict[str, str] = {}
    for local in sorted(tree, key=lambda n: -n.count("-")):
        upn = await world.user(local)
        ids[local] = (await world.directory.users.get(upn)).object_id
    for local, boss in tree.items():
        if boss is not None:
            await world.directory.users.update(ids[local], {"manager": ids[boss]})
    return {f"{k}@contoso.com": f"{v}@contoso.com" if v else None for k, v in tree.items()}


def _managers(users: dict[str, dict[str, Any]]) -> dict[str, str | None]:
    by_id = {user["id"]: name for name, user in users.items()}
    return {
        name: by_id.get(((user.get(ENTERPRISE) or {}).get("manager") or {}).get("value"))
        for name, user in users.items()
    }


def _methods(sent: list[TransportRequest]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for request in sent:
        counts[request.method] = counts.get(request.method, 0) + 1
    return counts


async def test_each_user_is_created_in_one_request_carrying_its_manager(
    world: World, sent: list[TransportRequest]
) -> None:
    org = await _org(world)
    sent.clear()

    summary = await world.runner(page_size=4).run(world.app_name)

    assert (summary.status, summary.counts) == ("succeeded", {"create": len(org)})
    users = await world.target_users()
    assert _managers(users) == org
    methods = _methods(sent)
    assert (methods.get("POST"), methods.get("PATCH", 0)) == (len(org), 0)
    assert len(sent) <= 1.1 * len(org), methods
    async with world.database.read() as conn:
        query = text("SELECT progress FROM engine_cycle WHERE id = :id")
        progress = json.loads((await conn.execute(query, {"id": summary.cycle_id})).scalar_one())
    assert progress["matching"] == {"User": "listing", "Group": "perObject"}  # no group


async def test_managers_in_a_cycle_of_the_graph_are_set_by_a_later_patch(
    world: World, sent: list[TransportRequest]
) -> None:
    ada, bob = await world.user("ada"), await world.user("bob")
    ada_id = (await world.directory.users.get(ada)).object_id
    bob_id = (await world.directory.users.get(bob)).object_id
    await world.directory.users.update(ada_id, {"manager": bob_id})
    await world.directory.users.update(bob_id, {"manager": ada_id})
    sent.clear()

    assert (await world.runner().run(world.app_name)).status == "succeeded"

    assert _managers(await world.target_users()) == {ada: bob, bob: ada}
    assert _methods(sent)["PATCH"] == 1  # the one created first could not carry the other


async def test_a_create_whose_answer_is_lost_is_adopted_not_duplicated(
    world: World, lose: set[str]
) -> None:
    org = await _org(world, reports=2)
    lost = sorted(org)[1:3]
    lose.update(lost)

    summary = await world.runner(page_size=3).run(world.app_name)

    assert summary.status == "succeeded"
    assert "failure" not in summary.counts
    assert not lose  # both answers were dropped
    users = await world.target_users()
    assert sorted(users) == sorted(org)
    assert _managers(users) == org
    again = await world.runner().run(world.app_name)
    assert (again.counts.get("create", 0), again.counts.get("failure", 0)) == (0, 0)


@pytest.fixture
def batching_gallery(tmp_path: Path) -> GalleryService:
    """The built-in templates, the ``scim`` one saying its app takes 5 ``or`` terms."""
    shutil.copytree(BUILTIN_TEMPLATES, tmp_path / "templates")
    path = tmp_path / "templates" / "scim.json"
    template = json.loads(path.read_text())
    template["quirks"].update(matching="filterBatches", filterOrMaxTerms=5)
    path.write_text(json.dumps(template))
    return GalleryService.from_directories([tmp_path / "templates"])


async def test_filter_batches_match_several_users_per_query(
    database: Database,
    settings: Settings,
    sent: list[TransportRequest],
    batching_gallery: GalleryService,
) -> None:
    factory = _factory(sent, set())
    async with world_for(
        database, settings, transport_factory=factory, gallery=batching_gallery
    ) as world:
        names = [await world.user(f"user{i:02d}") for i in range(12)]
        headers = {"Authorization": f"Bearer {world.token}"}
        async with httpx.AsyncClient(headers=headers) as client:
            for name in names[::3]:  # already in the app: matched and adopted
                body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}
                made = await client.post(f"{world.url}Users", json={**body, "userName": name})
                assert made.status_code == 201, made.text
        sent.clear()

        summary = await world.runner().run(world.app_name)

        assert summary.status == "succeeded"
        assert summary.counts.get("create") == 8
        assert sorted(await world.target_users()) == sorted(names)
        filters = [
            parse_qs(urlsplit(r.url).query).get("filter", [""])[0]
            for r in sent
            if r.method == "GET" and "filter=" in r.url
        ]
        # and one `eq` filter checking that the app's filter finds a user it lists
        # (docs/provisioning.md, "Apps that implement SCIM partly")
        assert len(filters) == math.ceil(len(names) / 5) + 1
        assert all(f.count(" or ") <= 4 for f in filters)


async def test_renamed_users_leave_their_groups_alone_a_disabled_one_leaves_them(
    world: World, sent: list[TransportRequest]
) -> None:
    upns = [await world.user(name) for name in ("ada", "bob", "cleo")]
    await world.directory.groups.create({"displayName": "Willow"})
    await world.directory.groups.add_members("Willow", upns)
    await world.apps.assignments.assign(
        world.app_name, group="Willow", role="User", actor=Actor.cli("tests")
    )
    assert (await world.runner().run(world.app_name)).status == "succeeded"
    ids = {upn: (await world.directory.users.get(upn)).object_id for upn in upns}
    await world.directory.users.update(ids[upns[0]], {"displayName": "Ada Renamed"})
    await world.directory.users.update(ids[upns[1]], {"accountEnabled": False})
    sent.clear()

    summary = await world.runner().run(world.app_name)

    assert (summary.kind, summary.status) == ("incremental", "succeeded")
    users = await world.target_users()
    group_patches = [r for r in sent if r.method == "PATCH" and "/Groups/" in r.url]
    assert len(group_patches) == 1  # bob leaves; ada's rename touches no group
    body = json.loads(group_patches[0].body or b"{}")
    assert users[upns[1]]["id"] in json.dumps(body)
    assert users[upns[0]]["id"] not in json.dumps(body)
    assert users[upns[0]]["displayName"] == "Ada Renamed"
    assert (summary.counts.get("update"), summary.counts.get("disable")) == (2, 1)
