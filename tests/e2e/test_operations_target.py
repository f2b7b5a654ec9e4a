"""TargetOperations against ``scimitar serve``'s embedded target, over a real socket."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

from scimitar.apps.model import ConnectorOptions
from scimitar.connector import (
    AiohttpTransport,
    Credentials,
    SCIMClient,
    TargetObjectConflictError,
    TargetObjectNotFoundError,
    Timeouts,
)
from scimitar.connector.bulk import BulkOperation
from scimitar.connector.operations import TargetOperations
from scimitar.gallery.schema import UpdateMethod
from scimitar.scim.bodies import create_group_body, create_user_body
from scimitar.scim.dialects import ENTRA
from scimitar.secrets import Secret
from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def _ops(
    tenant: dict[str, Any], *, bulk_max: int | None = 100, retries: int = 3
) -> TargetOperations:
    transport = AiohttpTransport.create(timeouts=Timeouts(total=10, connect=5, read=10))
    credentials = Credentials(tenant["tenant_urls"][0], Secret(tenant["token"]))
    options = ConnectorOptions(UpdateMethod.PATCH, True, bulk_max, True, None)
    return TargetOperations(SCIMClient(credentials, transport), options, retries=retries)


def _user(user_name: str) -> dict[str, Any]:
    resource = {
        "userName": user_name,
        "externalId": str(uuid.uuid4()),
        "active": True,
        "displayName": user_name.split("@")[0],
        "name": {"givenName": "Test", "familyName": user_name.split("@")[0]},
        "emails": [{"primary": True, "type": "work", "value": user_name}],
    }
    return create_user_body(resource, ENTRA)


def _patch(path: str, value: Any) -> dict[str, Any]:
    operation = {"op": "replace", "path": path, "value": value}
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [operation]}


async def test_find_matches_nothing_for_a_random_guid_and_user_name_case_insensitively(
    server: Server,
) -> None:
    async with _ops(server.tenant("ops-find")) as ops:
        assert await ops.find("User", "userName", str(uuid.uuid4())) == []
        assert await ops.find("Group", "displayName", str(uuid.uuid4())) == []
        created = await ops.create("User", _user("Ada.Lovelace@example.com"))
        found = await ops.find("User", "userName", "ada.lovelace@EXAMPLE.com")
    assert [user["id"] for user in found] == [created["id"]]


async def test_a_user_is_created_read_patched_replaced_and_deleted(server: Server) -> None:
    async with _ops(server.tenant("ops-users")) as ops:
        created = await ops.create("User", _user("grace@example.com"))
        user_id = created["id"]
        assert (await ops.get("User", user_id) or {})["userName"] == "grace@example.com"

        await ops.patch("User", user_id, _patch("displayName", "Grace H."))
        assert (await ops.get("User", user_id) or {})["displayName"] == "Grace H."

        current = await ops.get("User", user_id) or {}
        replaced = {k: v for k, v in current.items() if k != "meta"}
        await ops.put("User", user_id, {**replaced, "title": "Rear Admiral"})
        assert (await ops.get("User", user_id) or {})["title"] == "Rear Admiral"

        await ops.delete("User", user_id)
        assert await ops.get("User", user_id) is None
        with pytest.raises(TargetObjectNotFoundError):
            await ops.delete("User", user_id)


async def test_a_group_is_created_given_members_replaced_and_deleted(server: Server) -> None:
    async with _ops(server.tenant("ops-groups")) as ops:
        member = await ops.create("User", _user("alan@example.com"))
        group = await ops.create("Group", create_group_body({"displayName": "Engineers"}, ENTRA))
        group_id = group["id"]
        add = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": member["id"]}]}],
        }
        await ops.patch("Group", group_id, add)
        assert "members" not in (await ops.get("Group", group_id) or {})
        full = await ops.get("Group", group_id, with_members=True) or {}
        assert [m["value"] for m in full["members"]] == [member["id"]]
        found = await ops.find("Group", "displayName", "engineers")
        assert [g["id"] for g in found] == [group_id]
        assert "members" not in found[0]

        body = {k: v for k, v in full.items() if k not in ("meta", "members")}
        await ops.put("Group", group_id, {**body, "displayName": "Engineering"})
        assert (await ops.get("Group", group_id) or {})["displayName"] == "Engineering"

        await ops.delete("Group", group_id)
        assert await ops.get("Group", group_id) is None


async def test_list_all_walks_every_page(server: Server) -> None:
    async with _ops(server.tenant("ops-paging")) as ops:
        created = await asyncio.gather(
            *(ops.create("User", _user(f"page{n}@example.com")) for n in range(7))
        )
        pages = [page async for page in ops.list_all("User", page_size=3)]
    assert [len(page) for page in pages] == [3, 3, 1]
    assert sorted(u["id"] for page in pages for u in page) == sorted(u["id"] for u in created)


async def test_bulk_creates_report_a_duplicate_as_a_conflict(server: Server) -> None:
    names = ["b0@example.com", "b1@example.com", "b0@example.com", "b3@example.com"]
    operations = [
        BulkOperation("POST", "/Users", bulk_id=f"op{n}", data=_user(name))
        for n, name in enumerate(names)
    ]
    async with _ops(server.tenant("ops-bulk"), bulk_max=3) as ops:
        results = await ops.bulk(operations)
        assert [(r.index, r.status) for r in results] == [(0, 201), (1, 201), (2, 409), (3, 201)]
        assert isinstance(results[2].error, TargetObjectConflictError)
        for result, name in zip(results, names, strict=True):
            if result.target_id is not None:
                assert (await ops.get("User", result.target_id) or {})["userName"] == name


async def test_a_burst_over_the_rate_limit_completes_through_429_retries(server: Server) -> None:
    tenant = server.tenant("ops-rate")
    server.cli("target", "tenant", "faults", tenant["name"], "--rate-limit", "5")
    started = time.monotonic()
    async with _ops(tenant, retries=6) as ops:
        created = await asyncio.gather(
            *(ops.create("User", _user(f"burst{n}@example.com")) for n in range(12))
        )
        assert len({user["id"] for user in created}) == 12
        pages = [page async for page in ops.list_all("User")]
    assert sum(len(page) for page in pages) == 12
    # Twelve creates at 5/s cannot finish without waiting out at least one Retry-After.
    assert 1 <= time.monotonic() - started < 10
