"""``/api/v1/directory``: users, groups, members, import, export, changes, and their errors."""

from __future__ import annotations

import json

import pytest

from tests.integration.api.conftest import API


async def test_user_lifecycle(api: API) -> None:
    made = await api.ok(
        "POST",
        "/directory/users",
        201,
        json={"userPrincipalName": "ada@contoso.com", "givenName": "Ada", "proxyAddresses": ["a"]},
    )
    assert made["givenName"] == "Ada"
    assert made["accountEnabled"] is True
    shown = await api.ok("GET", "/directory/users/ADA@contoso.com")
    assert shown["objectId"] == made["objectId"]
    changed = await api.ok(
        "PATCH", f"/directory/users/{made['objectId']}", json={"givenName": None, "jobTitle": "CTO"}
    )
    assert changed["givenName"] is None
    assert changed["jobTitle"] == "CTO"
    assert (await api.ok("POST", "/directory/users/ada@contoso.com/disable"))["isSoftDeleted"]
    assert (await api.ok("POST", "/directory/users/ada@contoso.com/enable"))["accountEnabled"]
    deleted = await api.ok("DELETE", "/directory/users/ada@contoso.com")
    assert deleted == {
        "objectId": made["objectId"],
        "userPrincipalName": "ada@contoso.com",
        "deleted": "soft",
    }
    assert (await api.ok("GET", "/directory/users"))["items"] == []
    binned = await api.ok("GET", "/directory/users?deleted=true")
    assert [u["objectId"] for u in binned["items"]] == [made["objectId"]]
    restored = await api.ok("POST", f"/directory/users/{made['objectId']}/restore")
    assert restored["deletedDateTime"] is None
    await api.ok("DELETE", "/directory/users/ada@contoso.com?hard=true")
    await api.problem("GET", "/directory/users/ada@contoso.com", 404)


async def test_user_paging(api: API) -> None:
    for number in range(5):
        await api.ok(
            "POST", "/directory/users", 201, json={"userPrincipalName": f"u{number}@c.com"}
        )
    first = await api.ok("GET", "/directory/users?limit=3")
    assert len(first["items"]) == 3
    rest = await api.ok("GET", f"/directory/users?limit=3&after={first['nextAfter']}")
    assert [u["userPrincipalName"] for u in rest["items"]] == ["u3@c.com", "u4@c.com"]
    assert rest["nextAfter"] is None


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"userPrincipalName": "not-an-upn"}, "body.userPrincipalName", "alias@domain"),
        ({"userPrincipalName": "a@b.c", "mail": "nope"}, "body.mail", "email"),
        (
            {"userPrincipalName": "a@b.c", "favouriteColour": "red"},
            "body.favouriteColour",
            "unknown attribute",
        ),
        (
            {"userPrincipalName": "a@b.c", "accountEnabled": "maybe"},
            "body.accountEnabled",
            "Input should be a valid boolean",
        ),
        ({"givenName": "NoUPN"}, "body.userPrincipalName", "required"),
    ],
    ids=["upn", "mail", "unknown", "boolean", "missing-upn"],
)
async def test_invalid_users_name_the_field(
    api: API, body: dict[str, object], field: str, says: str
) -> None:
    problem = await api.problem("POST", "/directory/users", 422, json=body)
    assert problem["errors"][0]["field"] == field
    assert says in problem["errors"][0]["message"]
    assert (await api.ok("GET", "/directory/users"))["items"] == []


async def test_duplicates_conflict(api: API) -> None:
    await api.ok("POST", "/directory/users", 201, json={"userPrincipalName": "ada@contoso.com"})
    problem = await api.problem(
        "POST", "/directory/users", 409, json={"userPrincipalName": "ADA@contoso.com"}
    )
    assert "ada@contoso.com" in problem["detail"].lower()


async def test_object_id_cannot_change(api: API) -> None:
    await api.ok("POST", "/directory/users", 201, json={"userPrincipalName": "ada@contoso.com"})
    problem = await api.problem(
        "PATCH", "/directory/users/ada@contoso.com", 422, json={"objectId": "x"}
    )
    assert "objectId cannot change" in problem["detail"]


async def test_groups_and_members(api: API) -> None:
    await api.ok("POST", "/directory/users", 201, json={"userPrincipalName": "ada@contoso.com"})
    group = await api.ok(
        "POST", "/directory/groups", 201, json={"displayName": "Sales", "description": "All"}
    )
    assert group["securityEnabled"] is True
    added = await api.ok(
        "POST", "/directory/groups/Sales/members", json={"members": ["ada@contoso.com"]}
    )
    assert added["added"] == 1
    assert [m["objectType"] for m in added["members"]] == ["user"]
    changed = await api.ok("PATCH", "/directory/groups/Sales", json={"description": "Sellers"})
    assert changed["description"] == "Sellers"
    listed = await api.ok("GET", "/directory/groups")
    assert [g["displayName"] for g in listed["items"]] == ["Sales"]
    removed = await api.ok("DELETE", "/directory/groups/Sales/members/ada@contoso.com")
    assert removed["removed"] == 1
    assert removed["members"] == []
    await api.problem("POST", "/directory/groups/Nope/members", 404, json={"members": ["x"]})
    await api.problem("POST", "/directory/groups/Sales/members", 422, json={"members": []})
    await api.problem("POST", "/directory/groups", 422, json={"displayName": "X", "colour": "r"})
    assert (await api.ok("DELETE", "/directory/groups/Sales"))["deleted"] == "soft"
    assert (await api.ok("POST", "/directory/groups/Sales/restore"))["displayName"] == "Sales"


async def test_import_csv_and_json_then_export(api: API) -> None:
    csv_text = "userPrincipalName,givenName\nada@contoso.com,Ada\nbob@contoso.com,Bob\n"
    report = await api.ok(
        "POST", "/directory/import", content=csv_text, headers={"Content-Type": "text/csv"}
    )
    assert report["users_created"] == 2
    exported = await api.ok("GET", "/directory/export")
    assert sorted(u["userPrincipalName"] for u in exported["users"]) == [
        "ada@contoso.com",
        "bob@contoso.com",
    ]
    again = await api.ok(
        "POST",
        "/directory/import",
        content=json.dumps(exported),
        headers={"Content-Type": "application/json"},
    )
    assert again["users_unchanged"] == 2
    changes = await api.ok("GET", "/directory/changes?since=0&limit=1")
    assert changes["hasMore"] is True
    assert changes["changes"][0]["kind"]


async def test_a_bad_import_writes_nothing_and_lists_the_lines(api: API) -> None:
    csv_text = "userPrincipalName,mail\nada@contoso.com,ada@contoso.com\nbad,x\n"
    problem = await api.problem(
        "POST", "/directory/import", 422, content=csv_text, headers={"Content-Type": "text/csv"}
    )
    assert problem["type"] == "urn:scimitar:problem:import-rejected"
    assert {e["line"] for e in problem["errors"]} == {3}
    assert (await api.ok("GET", "/directory/users"))["items"] == []
    partial = await api.ok(
        "POST",
        "/directory/import?partial=true",
        content=csv_text,
        headers={"Content-Type": "text/csv"},
    )
    assert partial["users_created"] == 1
    assert partial["problems"]


async def test_import_needs_a_known_media_type(api: API) -> None:
    problem = await api.problem(
        "POST", "/directory/import", 422, content="x", headers={"Content-Type": "text/plain"}
    )
    assert "text/csv or application/json" in problem["detail"]


async def test_generate_and_purge(api: API) -> None:
    report = await api.ok("POST", "/directory/generate?users=5&groups=1&seed=3")
    assert report["users_created"] == 5
    assert await api.ok("POST", "/directory/purge") == {"users": 0, "groups": 0}
    await api.problem("POST", "/directory/generate?users=-1", 422)
