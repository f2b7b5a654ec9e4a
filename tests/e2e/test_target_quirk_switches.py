"""Quirk switches over real sockets, switched on and off by the CLI while the server runs."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


async def _walk(tenant: dict[str, Any], user_id: str | None, title: str) -> dict[str, Any]:
    """Create (or reuse) a user, PATCH its title, filter by userName, read a missing user."""
    base = tenant["tenant_urls"][0]
    headers = {"Authorization": f"Bearer {tenant['token']}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        if user_id is None:
            body = {"schemas": [CORE], "userName": "ada", "title": "Analyst"}
            async with session.post(base + "Users", json=body) as response:
                user_id = (await response.json())["id"]
        patch = {
            "schemas": [PATCH],
            "Operations": [{"op": "replace", "path": "title", "value": title}],
        }
        async with session.patch(f"{base}Users/{user_id}", json=patch) as response:
            patched = response.status
        params = {"filter": 'userName eq "ada"'}
        async with session.get(base + "Users", params=params) as response:
            found = (await response.json())["totalResults"]
        async with session.get(f"{base}Users/{user_id}") as response:
            stored = await response.json()
        async with session.get(base + "Users/00000000-0000-0000-0000-000000000000") as response:
            status = (await response.json())["status"]
    return {"id": user_id, "patch": patched, "found": found, "stored": stored, "status": status}


def test_a_running_server_obeys_the_quirk_switches_at_once(server: Server) -> None:
    tenant = server.tenant("quirky", "--profile", "generic")
    well = asyncio.run(_walk(tenant, None, "B"))
    assert (well["patch"], well["found"], well["status"]) == (200, 1, "404")

    server.cli(
        "target", "tenant", "quirk-switches", "quirky",
        "--patch-unsupported", "title", "--filter-ignored", "userName", "--numeric-status",
    )  # fmt: skip
    quirky = asyncio.run(_walk(tenant, well["id"], "C"))
    assert (quirky["patch"], quirky["found"], quirky["status"]) == (501, 0, 404)

    server.cli("target", "tenant", "quirk-switches", "quirky", "--off", "--drop-attribute", "title")
    dropped = asyncio.run(_walk(tenant, well["id"], "D"))
    assert (dropped["patch"], dropped["found"], dropped["status"]) == (200, 1, "404")
    assert well["stored"]["title"] == "B"
    assert quirky["stored"]["title"] == "B"
    assert dropped["stored"]["title"] == "B"  # "D" was accepted and not stored
