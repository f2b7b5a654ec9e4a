"""Quirk switches: a tenant that behaves like an imperfect real SCIM server, on purpose."""

from __future__ import annotations

from typing import Any

import pytest

from scimitar.audit import Actor
from scimitar.connector import TargetObjectNotFoundError, TransportResponse, error_for_response
from scimitar.store import Database
from scimitar.target.imperfections import WELL_BEHAVED, Imperfections
from scimitar.target.tenants import TenantService
from tests.integration.target.conftest import TargetClient

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


async def _switch(database: Database, client: TargetClient, switches: Imperfections) -> None:
    await TenantService(database).set_imperfections(
        client.tenant.id, switches, actor=Actor.cli("tests")
    )


async def _user(client: TargetClient, **extra: Any) -> dict[str, Any]:
    response = await client.post("/Users", {"schemas": [CORE], "userName": "ada", **extra})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH], "Operations": list(operations)}


async def test_patch_of_a_chosen_attribute_is_501_while_put_and_other_patches_work(
    database: Database, generic: TargetClient
) -> None:
    user = await _user(generic, title="Analyst")
    await _switch(database, generic, Imperfections(patch_unsupported=("title",)))
    path = f"/Users/{user['id']}"

    refused = await generic.patch(path, _patch({"op": "replace", "path": "title", "value": "X"}))
    assert refused.status_code == 501
    assert "PUT" in refused.json()["detail"]
    pathless = _patch({"op": "replace", "value": {"displayName": "A", "title": "X"}})
    assert (await generic.patch(path, pathless)).status_code == 501
    spc = (await generic.get("/ServiceProviderConfig")).json()
    assert spc["patch"]["supported"] is True

    other = await generic.patch(path, _patch({"op": "add", "path": "nickName", "value": "ada"}))
    assert other.status_code == 200
    put = await generic.put(path, {"schemas": [CORE], "userName": "ada", "title": "X"})
    assert put.status_code == 200
    assert (await generic.get(path)).json()["title"] == "X"


@pytest.mark.parametrize(
    ("switch", "operation", "status"),
    [
        ("op:remove", {"op": "Remove", "path": "nickName"}, 501),
        ("op:remove", {"op": "add", "path": "nickName", "value": "a"}, 200),
        ("*", {"op": "add", "path": "nickName", "value": "a"}, 501),
        (ENTERPRISE + ":manager", {"op": "add", "path": "manager", "value": {"value": "1"}}, 501),
    ],
    ids=["op-chosen", "op-other", "every-patch", "urn-named-attribute"],
)
async def test_patch_of_a_chosen_operation_is_501(
    database: Database,
    generic: TargetClient,
    switch: str,
    operation: dict[str, Any],
    status: int,
) -> None:
    user = await _user(generic, nickName="n")
    await _switch(database, generic, Imperfections(patch_unsupported=(switch,)))
    response = await generic.patch(f"/Users/{user['id']}", _patch(operation))
    assert response.status_code == status, response.text


async def test_a_filter_on_a_chosen_attribute_answers_200_with_nothing(
    database: Database, generic: TargetClient
) -> None:
    created = await generic.post("/Groups", {"schemas": [GROUP], "displayName": "Sales"})
    assert created.status_code == 201
    query = {"filter": 'displayName eq "Sales"'}
    assert (await generic.get("/Groups", params=query)).json()["totalResults"] == 1

    await _switch(database, generic, Imperfections(filters_ignored=("displayName",)))
    ignored = await generic.get("/Groups", params=query)
    assert ignored.status_code == 200
    assert ignored.json()["totalResults"] == 0
    assert ignored.json()["Resources"] == []
    searched = await generic.post("/Groups/.search", {"filter": 'displayname sw "S"'})
    assert searched.json()["totalResults"] == 0
    assert (await generic.get("/Groups")).json()["totalResults"] == 1
    by_id = await generic.get("/Groups", params={"filter": f'id eq "{created.json()["id"]}"'})
    assert by_id.json()["totalResults"] == 1


async def test_a_dropped_attribute_is_accepted_and_never_stored(
    database: Database, generic: TargetClient
) -> None:
    dropped = ("title", f"{ENTERPRISE}:department", "name.givenName")
    await _switch(database, generic, Imperfections(dropped=dropped))
    user = await _user(
        generic,
        title="Analyst",
        name={"givenName": "Ada", "familyName": "Lovelace"},
        **{ENTERPRISE: {"department": "R", "employeeNumber": "7"}},
    )
    assert "title" not in user
    assert "givenName" not in user["name"]
    assert user[ENTERPRISE] == {"employeeNumber": "7"}
    path = f"/Users/{user['id']}"

    only_dropped = await generic.patch(
        path, _patch({"op": "add", "path": "title", "value": "Boss"})
    )
    assert only_dropped.status_code == 200
    assert "title" not in only_dropped.json()
    mixed = _patch({"op": "replace", "value": {"title": "Boss", "nickName": "ada"}})
    answered = (await generic.patch(path, mixed)).json()
    assert answered["nickName"] == "ada"
    assert "title" not in answered
    name = _patch({"op": "replace", "path": "name", "value": {"givenName": "A", "familyName": "K"}})
    assert (await generic.patch(path, name)).json()["name"] == {"familyName": "K"}
    whole = {"schemas": [CORE], "userName": "ada", "title": "Boss", "nickName": "ada2"}
    assert (await generic.put(path, whole)).status_code == 200
    stored = (await generic.get(path)).json()
    assert "title" not in stored
    assert stored["nickName"] == "ada2"


@pytest.mark.parametrize("profile", ["generic", "webex"])
async def test_numeric_status_in_error_bodies(
    database: Database, generic: TargetClient, webex: TargetClient, profile: str
) -> None:
    client = generic if profile == "generic" else webex
    missing = "/Users/00000000-0000-0000-0000-000000000000"
    assert (await client.get(missing)).json()["status"] == "404"
    await _switch(database, client, Imperfections(numeric_status=True))
    response = await client.get(missing)
    assert response.status_code == 404
    assert response.json()["status"] == 404
    # The connector reads such a body all the same.
    answer = TransportResponse(404, dict(response.headers), response.content)
    error = error_for_response("GET", client.url(missing), answer)
    assert isinstance(error, TargetObjectNotFoundError)
    assert error.detail == response.json()["detail"]
    await _switch(database, client, WELL_BEHAVED)
    assert (await client.get(missing)).json()["status"] == "404"


async def test_switches_are_stored_and_listed(database: Database, generic: TargetClient) -> None:
    switches = Imperfections(("op:remove",), ("displayName",), ("title",), numeric_status=True)
    service = TenantService(database)
    await _switch(database, generic, switches)
    found = await service.get(generic.tenant.name)
    assert found.imperfections == switches
    assert found.as_dict()["quirk_switches"] == {
        "patch_unsupported": ["op:remove"],
        "filters_ignored": ["displayName"],
        "dropped": ["title"],
        "numeric_status": True,
    }
    await _switch(database, generic, WELL_BEHAVED)
    assert (await service.get(generic.tenant.id)).imperfections == WELL_BEHAVED
