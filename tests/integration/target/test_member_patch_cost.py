"""What a group PATCH costs the target: the members it names, never the whole member list.

The repository's member functions are wrapped to record their calls, so each test sees which
statements a PATCH ran: adding or removing k members touches those k (one statement per kind
of change), and a rename reads no member at all, however large the group.
"""

from __future__ import annotations

from typing import Any

import pytest

from scimitar.target import repository
from scimitar.target import service as target_service
from tests.integration.target.conftest import TargetClient

CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP_SIZE = 150


class Calls:
    """The repository's member functions the service called, with how many ids each got."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []

    def names(self) -> list[str]:
        return [name for name, _count in self.seen]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    recorded = Calls()

    def wrap(name: str, counted: int) -> None:
        real = getattr(repository, name)

        async def recording(*args: Any, **kwargs: Any) -> Any:
            recorded.seen.append((name, len(args[counted]) if counted else 0))
            return await real(*args, **kwargs)

        monkeypatch.setattr(target_service.repo, name, recording)

    wrap("list_members", 0)
    wrap("add_members", 3)
    wrap("remove_members", 3)
    return recorded


async def _users(client: TargetClient, count: int) -> list[str]:
    body = {
        "schemas": ["urn:ietf:params:api:messages:2.0:BulkRequest"],
        "Operations": [
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": f"u{n}",
                "data": {
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": f"member{n}@contoso.com",
                },
            }
            for n in range(count)
        ],
    }
    response = await client.post("/Bulk", body)
    assert response.status_code == 200, response.text
    return [op["location"].rsplit("/", 1)[1] for op in response.json()["Operations"]]


async def _group(client: TargetClient, members: list[str]) -> str:
    body = {
        "schemas": [CORE_GROUP],
        "displayName": "Everyone",
        "members": [{"value": m} for m in members],
    }
    response = await client.post("/Groups", body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _members(client: TargetClient, group: str) -> list[str]:
    document = (await client.get(f"/Groups/{group}")).json()
    return [m["value"] for m in document.get("members") or []]


def _patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


async def test_adding_and_removing_members_touches_only_those_members(
    generic: TargetClient, calls: Calls
) -> None:
    users = await _users(generic, GROUP_SIZE + 10)
    group = await _group(generic, users[:GROUP_SIZE])
    path = f"/Groups/{group}"
    added, removed = users[GROUP_SIZE:], users[:100]
    calls.seen.clear()
    response = await generic.patch(
        path,
        _patch({"op": "add", "path": "members", "value": [{"value": m} for m in added]}),
        params={"excludedAttributes": "members"},
    )
    assert response.status_code == 204, response.text
    # RFC 7644 §3.5.2.3 removals by filter, one operation per member (the rfc dialect's way).
    removals = [{"op": "remove", "path": f'members[value eq "{m}"]'} for m in removed]
    response = await generic.patch(path, _patch(*removals))
    assert response.status_code == 204, response.text
    assert calls.seen == [("add_members", len(added)), ("remove_members", len(removed))]
    assert await _members(generic, group) == users[100:]


async def test_a_rename_reads_no_member(generic: TargetClient, calls: Calls) -> None:
    users = await _users(generic, GROUP_SIZE)
    group = await _group(generic, users)
    calls.seen.clear()
    for operation in (
        {"op": "replace", "path": "displayName", "value": "All staff"},
        {"op": "replace", "value": {"displayName": "All staff 2", "externalId": "all"}},
    ):
        response = await generic.patch(f"/Groups/{group}", _patch(operation))
        assert response.status_code == 204, response.text
    assert calls.seen == []
    document = (await generic.get(f"/Groups/{group}")).json()
    assert (document["displayName"], document["externalId"]) == ("All staff 2", "all")
    assert [m["value"] for m in document["members"]] == users


async def test_a_patch_mixing_members_and_attributes_still_applies_both(
    generic: TargetClient,
) -> None:
    users = await _users(generic, 4)
    group = await _group(generic, users[:2])
    response = await generic.patch(
        f"/Groups/{group}",
        _patch(
            {"op": "replace", "path": "displayName", "value": "Renamed"},
            {"op": "add", "path": "members", "value": [{"value": users[3]}]},
            {"op": "replace", "value": {"members": [{"value": users[2]}, {"value": users[3]}]}},
        ),
    )
    assert response.status_code == 204, response.text
    document = (await generic.get(f"/Groups/{group}")).json()
    assert document["displayName"] == "Renamed"
    assert sorted(m["value"] for m in document["members"]) == sorted(users[2:])
