"""Entra's request sequences (docs/entra.md §1.3, §1.6, §1.7), replayed on the target.

Each test sends what Entra sends, in Entra's order, and checks what Entra needs back.
"""

from __future__ import annotations

import uuid

import pytest

from tests.integration.target.conftest import TargetClient
from tests.integration.target.samples import sample

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
WEBEX_ERROR = "urn:scim:schemas:extension:cisco:webexidentity:api:messages:2.0:Error"


def _eq(attribute: str, value: str) -> dict[str, str]:
    return {"filter": f'{attribute} eq "{value}"'}


@pytest.mark.parametrize("profile", ["webex", "generic"])
async def test_probe_with_random_guid_finds_nothing(
    profile: str, webex: TargetClient, generic: TargetClient
) -> None:
    client = webex if profile == "webex" else generic
    users = await client.get("/Users", params=_eq("userName", str(uuid.uuid4())))
    groups = await client.get(
        "/Groups", params={**_eq("displayName", str(uuid.uuid4())), "excludedAttributes": "members"}
    )
    for response in (users, groups):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/scim+json")
        assert response.json()["totalResults"] == 0
        assert response.json()["Resources"] == []


async def test_user_lifecycle_default_dialect(webex: TargetClient) -> None:
    created = await webex.post("/Users", sample("entra-wire-create-user"))
    assert created.status_code == 201
    user = created.json()
    user_id = user["id"]
    assert user["meta"]["resourceType"] == "User"
    assert user["meta"]["location"].endswith(f"{webex.base}/Users/{user_id}")
    assert created.headers["etag"] == user["meta"]["version"]
    assert user["userType"] == "user"
    assert "addresses" not in user

    found = await webex.get("/Users", params=_eq("userName", "ada.lovelace@CONTOSO.com"))
    assert [r["id"] for r in found.json()["Resources"]] == [user_id]

    updated = await webex.patch(f"/Users/{user_id}", sample("entra-wire-update-user-default"))
    assert updated.status_code == 200
    body = updated.json()
    work = [e for e in body["emails"] if e["type"] == "work"]
    assert [e["value"] for e in work] == ["ada@contoso.com"]
    assert body["name"]["familyName"] == "King"
    assert body[ENTERPRISE]["employeeNumber"] == "1815"
    assert body[ENTERPRISE]["department"] == "Research"
    assert body["title"] == "Analyst"
    assert body["meta"]["version"] != user["meta"]["version"]

    disabled = await webex.patch(f"/Users/{user_id}", sample("entra-wire-disable-user-default"))
    assert disabled.json()["active"] is False
    still_there = await webex.get(f"/Users/{user_id}")
    assert still_there.status_code == 200
    assert still_there.json()["active"] is False

    enabled = await webex.patch(f"/Users/{user_id}", sample("entra-wire-enable-user-default"))
    assert enabled.json()["active"] is True

    assert (await webex.delete(f"/Users/{user_id}")).status_code == 204
    gone = await webex.get(f"/Users/{user_id}")
    assert gone.status_code == 404
    assert gone.json()["status"] == "404"


async def test_user_update_compliant_dialect(generic: TargetClient) -> None:
    user_id = (await generic.post("/Users", sample("entra-wire-create-user"))).json()["id"]
    updated = await generic.patch(f"/Users/{user_id}", sample("entra-wire-update-user-aadopt"))
    assert updated.status_code == 200
    body = updated.json()
    assert body["displayName"] == "Augusta Ada King"
    assert body["name"]["givenName"] == "Augusta"
    assert body["name"]["familyName"] == "King"
    assert body["name"]["formatted"] == "Ada Lovelace"
    assert body[ENTERPRISE]["department"] == "Mathematics"
    assert body["phoneNumbers"] == [{"type": "mobile", "value": "+44 20 7946 0000"}]
    assert body["nickName"] == "Ada"
    disabled = await generic.patch(f"/Users/{user_id}", sample("entra-wire-disable-user-aadopt"))
    assert disabled.json()["active"] is False


async def test_matching_on_external_id_and_work_email(generic: TargetClient) -> None:
    user_id = (await generic.post("/Users", sample("entra-wire-create-user"))).json()["id"]
    by_external = await generic.get(
        "/Users", params=_eq("externalId", "0a21f0f2-8d2a-4f8e-bf6e-1d7a2f3d9c11")
    )
    by_email = await generic.get(
        "/Users", params={"filter": 'emails[type eq "work"].value eq "ADA.LOVELACE@contoso.com"'}
    )
    assert [r["id"] for r in by_external.json()["Resources"]] == [user_id]
    assert [r["id"] for r in by_email.json()["Resources"]] == [user_id]


@pytest.mark.parametrize("profile", ["webex", "generic"])
async def test_group_lifecycle_both_dialects(
    profile: str, webex: TargetClient, generic: TargetClient
) -> None:
    client = webex if profile == "webex" else generic
    ids = []
    for n in range(2):
        body = {
            **sample("entra-wire-create-user"),
            "userName": f"member{n}@contoso.com",
            "externalId": f"ext-{n}",
        }
        ids.append((await client.post("/Users", body)).json()["id"])

    created = await client.post("/Groups", sample("entra-wire-create-group"))
    assert created.status_code == 201
    group = created.json()
    assert group.get("members", []) == []
    expected_type = "group" if profile == "webex" else "Group"
    assert group["meta"]["resourceType"] == expected_type
    gid = group["id"]

    matched = await client.get(
        "/Groups", params={**_eq("displayName", "sales emea"), "excludedAttributes": "members"}
    )
    assert [r["id"] for r in matched.json()["Resources"]] == [gid]

    added = await client.patch(
        f"/Groups/{gid}", sample("entra-wire-add-members", member1=ids[0], member2=ids[1])
    )
    assert added.status_code in (200, 204)
    members = (await client.get(f"/Groups/{gid}")).json()["members"]
    assert sorted(m["value"] for m in members) == sorted(ids)

    removed = await client.patch(
        f"/Groups/{gid}", sample("entra-wire-remove-member-default", member1=ids[0])
    )
    assert removed.status_code in (200, 204)
    members = (await client.get(f"/Groups/{gid}")).json()["members"]
    assert [m["value"] for m in members] == [ids[1]]

    await client.patch(f"/Groups/{gid}", sample("entra-wire-remove-member-aadopt", member2=ids[1]))
    assert (await client.get(f"/Groups/{gid}")).json().get("members", []) == []

    await client.patch(f"/Groups/{gid}", sample("entra-wire-rename-group"))
    renamed = await client.get(f"/Groups/{gid}", params={"excludedAttributes": "members"})
    assert renamed.json()["displayName"] == "Sales Europe"
    assert "members" not in renamed.json()

    assert (await client.delete(f"/Groups/{gid}")).status_code == 204
    assert (await client.get(f"/Groups/{gid}")).status_code == 404


async def test_manager_reference_add_and_remove(webex: TargetClient) -> None:
    boss = (
        await webex.post(
            "/Users", {**sample("entra-wire-create-user"), "userName": "boss@contoso.com"}
        )
    ).json()
    worker = (await webex.post("/Users", sample("entra-wire-create-user"))).json()
    added = await webex.patch(
        f"/Users/{worker['id']}", sample("entra-wire-manager-add", manager=boss["id"])
    )
    assert added.status_code == 200
    manager = added.json()[ENTERPRISE]["manager"]
    assert manager["value"] == boss["id"]
    assert manager["displayName"] == "Ada Lovelace"
    check = await webex.get(
        "/Users",
        params={
            "filter": f'id eq "{worker["id"]}" and manager eq "{boss["id"]}"',
            "attributes": "id",
        },
    )
    assert [r["id"] for r in check.json()["Resources"]] == [worker["id"]]
    removed = await webex.patch(
        f"/Users/{worker['id']}", sample("entra-wire-manager-remove", manager=boss["id"])
    )
    assert removed.status_code == 200
    assert "manager" not in removed.json().get(ENTERPRISE, {})


async def test_single_app_role_assignment_is_stored_as_sent(generic: TargetClient) -> None:
    created = await generic.post("/Users", sample("entra-wire-single-app-role-post"))
    assert created.status_code == 201
    assert created.json()["roles"] == [
        {"primary": True, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}
    ]


async def test_duplicate_user_name_is_a_uniqueness_conflict(webex: TargetClient) -> None:
    await webex.post("/Users", sample("entra-wire-create-user"))
    again = await webex.post(
        "/Users", {**sample("entra-wire-create-user"), "userName": "ADA.LOVELACE@contoso.com"}
    )
    assert again.status_code == 409
    body = again.json()
    assert body["scimType"] == "uniqueness"
    assert "userName" in body["detail"]
    assert body[WEBEX_ERROR]["details"] == body["detail"]
    assert body[WEBEX_ERROR]["trackingId"]
