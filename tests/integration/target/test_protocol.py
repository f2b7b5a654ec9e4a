"""RFC 7644 behaviour of the target: auth, isolation, queries, ETags, Bulk, limits, discovery."""

from __future__ import annotations

from typing import Any

import pytest

from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.target.conftest import TargetClient, make_client

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def user(name: str, **extra: Any) -> dict[str, Any]:
    return {"schemas": [CORE_USER], "userName": name, **extra}


async def make_users(client: TargetClient, names: list[str]) -> list[dict[str, Any]]:
    out = []
    for name in names:
        response = await client.post("/Users", user(name, displayName=name.split("@")[0].title()))
        assert response.status_code == 201, response.text
        out.append(response.json())
    return out


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer ", "Bearer wrong-token", "Basic dXNlcjpwYXNz"],
    ids=["none", "empty", "wrong", "basic"],
)
async def test_missing_or_wrong_token_is_401(
    webex: TargetClient, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    del webex.http.headers["Authorization"]
    response = await webex.get("/Users", headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == "401"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_tenant_token_never_reaches_another_tenant(
    database: Database, settings: Settings, webex: TargetClient
) -> None:
    other = await make_client(database, settings, "webex", "other-org")
    try:
        created = await other.post("/Users", user("eve@other.org"))
        eve = created.json()["id"]
        spoofed = await webex.http.get(f"{other.base}/Users/{eve}")
        assert spoofed.status_code == 401
        listed = await webex.get("/Users")
        assert listed.json()["totalResults"] == 0
        assert (await webex.get(f"/Users/{eve}")).status_code == 404
        await webex.post("/Users", user("eve@other.org"))
        assert (await other.get("/Users")).json()["totalResults"] == 1
    finally:
        await other.http.aclose()


async def test_profile_url_forms(database: Database, settings: Settings) -> None:
    webex = await make_client(database, settings, "webex", "forms", form=1)
    try:
        assert (await webex.get("/Users")).status_code == 200
        generic_form = f"/scim/{webex.tenant.id}/v2/Users"
        assert (await webex.http.get(generic_form)).status_code == 401
    finally:
        await webex.http.aclose()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('userName sw "a"', ["alice@x.org", "anna@x.org"]),
        ('userName ew "@y.org"', ["bob@y.org"]),
        ('userName co "NN"', ["anna@x.org"]),
        ('userName ne "bob@y.org" and not (userName sw "anna")', ["alice@x.org"]),
        ('userName Eq "alice@x.org" or userName Eq "bob@y.org"', ["alice@x.org", "bob@y.org"]),
        ("title pr", ["bob@y.org"]),
        ('emails[type eq "work" and value sw "ANNA"]', ["anna@x.org"]),
        ('meta.created gt "2000-01-01T00:00:00Z"', ["alice@x.org", "anna@x.org", "bob@y.org"]),
        ('displayName eq "ANNA"', ["anna@x.org"]),
    ],
    ids=[
        "sw",
        "ew",
        "co-case-insensitive",
        "ne-and-not",
        "or-capitalised-op",
        "pr",
        "value-path",
        "date-gt",
        "displayName-eq",
    ],
)
async def test_filters(generic: TargetClient, query: str, expected: list[str]) -> None:
    _alice, anna = await make_users(generic, ["alice@x.org", "anna@x.org"])
    await generic.post("/Users", user("bob@y.org", title="Engineer"))
    await generic.patch(
        f"/Users/{anna['id']}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "add", "path": "emails", "value": [{"type": "work", "value": "anna@x.org"}]}
            ],
        },
    )
    response = await generic.get("/Users", params={"filter": query, "sortBy": "userName"})
    assert response.status_code == 200, response.text
    assert [r["userName"] for r in response.json()["Resources"]] == expected


async def test_bad_filter_is_invalid_filter(generic: TargetClient) -> None:
    response = await generic.get("/Users", params={"filter": 'userName eq "unterminated'})
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidFilter"


async def test_paging_sorting_and_projection(generic: TargetClient) -> None:
    await make_users(generic, [f"user{n:02}@x.org" for n in range(12)])
    page = await generic.get(
        "/Users",
        params={
            "startIndex": 4,
            "count": 3,
            "sortBy": "userName",
            "sortOrder": "descending",
            "attributes": "userName",
        },
    )
    body = page.json()
    assert body["totalResults"] == 12
    assert body["startIndex"] == 4
    assert body["itemsPerPage"] == 3
    assert [r["userName"] for r in body["Resources"]] == [
        "user08@x.org",
        "user07@x.org",
        "user06@x.org",
    ]
    assert set(body["Resources"][0]) == {"id", "schemas", "userName"}
    count_only = (await generic.get("/Users", params={"count": 0})).json()
    assert count_only["totalResults"] == 12
    assert count_only["Resources"] == []
    unsorted = (await generic.get("/Users", params={"startIndex": 11})).json()
    assert [r["userName"] for r in unsorted["Resources"]] == ["user10@x.org", "user11@x.org"]
    excluded = (await generic.get("/Users", params={"excludedAttributes": "displayName"})).json()
    assert all("displayName" not in r for r in excluded["Resources"])


async def test_page_size_is_clamped(database: Database, settings: Settings) -> None:
    client = await make_client(
        database, settings.model_copy(update={"target_max_page": 5}), "generic", "small"
    )
    try:
        await make_users(client, [f"u{n}@x.org" for n in range(8)])
        body = (await client.get("/Users", params={"count": 1000})).json()
        assert body["totalResults"] == 8
        assert body["itemsPerPage"] == 5
    finally:
        await client.http.aclose()


async def test_search_endpoint(generic: TargetClient) -> None:
    await make_users(generic, ["alice@x.org", "bob@x.org"])
    await generic.post("/Groups", {"schemas": [CORE_GROUP], "displayName": "Alpha"})
    response = await generic.post(
        "/Users/.search",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": 'userName sw "b"',
            "attributes": ["userName"],
        },
    )
    assert [r["userName"] for r in response.json()["Resources"]] == ["bob@x.org"]
    everything = await generic.post(
        "/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
    )
    assert everything.json()["totalResults"] == 3


async def test_etags_and_if_match(generic: TargetClient) -> None:
    created = await generic.post("/Users", user("ada@x.org"))
    uid = created.json()["id"]
    first = created.headers["etag"]
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Ada"}],
    }
    ok = await generic.patch(f"/Users/{uid}", patch, headers={"If-Match": first})
    assert ok.status_code == 200
    second = ok.headers["etag"]
    assert second != first
    stale = await generic.patch(f"/Users/{uid}", patch, headers={"If-Match": first})
    assert stale.status_code == 412
    stale_put = await generic.put(f"/Users/{uid}", user("ada@x.org"), headers={"If-Match": first})
    assert stale_put.status_code == 412
    stale_delete = await generic.delete(f"/Users/{uid}", headers={"If-Match": first})
    assert stale_delete.status_code == 412
    assert (await generic.delete(f"/Users/{uid}", headers={"If-Match": second})).status_code == 204


async def test_put_replaces_and_keeps_id_and_created(webex: TargetClient) -> None:
    created = (await webex.post("/Users", user("ada@x.org", title="Dr", nickName="A"))).json()
    replaced = await webex.put(f"/Users/{created['id']}", user("ada@x.org", displayName="Ada"))
    body = replaced.json()
    assert replaced.status_code == 200
    assert body["id"] == created["id"]
    assert body["meta"]["created"] == created["meta"]["created"]
    assert "title" not in body
    assert "nickName" not in body


@pytest.mark.parametrize(
    ("body", "scim_type", "named"),
    [
        ({"schemas": [CORE_USER]}, "invalidValue", "userName"),
        (
            {"schemas": [CORE_USER], "userName": "a@x.org", "active": "maybe"},
            "invalidValue",
            "active",
        ),
        ({"userName": "a@x.org"}, "invalidValue", "schemas"),
        ({"schemas": [CORE_USER], "userName": 42}, "invalidValue", "userName"),
    ],
    ids=["missing-username", "bad-boolean", "no-schemas", "username-not-string"],
)
async def test_invalid_input_names_the_attribute(
    generic: TargetClient, body: dict[str, Any], scim_type: str, named: str
) -> None:
    response = await generic.post("/Users", body)
    assert response.status_code == 400
    assert response.json()["scimType"] == scim_type
    assert named in response.json()["detail"]


async def test_invalid_json_and_oversized_bodies(database: Database, settings: Settings) -> None:
    client = await make_client(
        database, settings.model_copy(update={"max_request_bytes": 2048}), "generic", "tiny"
    )
    try:
        bad = await client.http.post(client.url("/Users"), content=b"{not json")
        assert bad.status_code == 400
        assert bad.json()["scimType"] == "invalidSyntax"
        huge = await client.post("/Users", user("a@x.org", displayName="x" * 5000))
        assert huge.status_code == 413
        assert (await client.get("/Users")).json()["totalResults"] == 0
    finally:
        await client.http.aclose()


async def test_bulk_with_bulk_id_references(generic: TargetClient) -> None:
    request = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            {
                "method": "POST",
                "path": "/Groups",
                "bulkId": "g1",
                "data": {
                    "schemas": [CORE_GROUP],
                    "displayName": "Team",
                    "members": [{"value": "bulkId:u1", "type": "User"}],
                },
            },
            {"method": "POST", "path": "/Users", "bulkId": "u1", "data": user("ann@x.org")},
            {"method": "POST", "path": "/Users", "bulkId": "u2", "data": user("ANN@x.org")},
            {"method": "DELETE", "path": "/Users/does-not-exist"},
        ],
    }
    response = await generic.post("/Bulk", request)
    assert response.status_code == 200
    results = response.json()["Operations"]
    assert [r["status"] for r in results] == ["201", "201", "409", "404"]
    group_id = results[0]["location"].rsplit("/", 1)[1]
    members = (await generic.get(f"/Groups/{group_id}")).json()["members"]
    assert [m["value"] for m in members] == [results[1]["location"].rsplit("/", 1)[1]]
    assert results[2]["response"]["scimType"] == "uniqueness"


async def test_bulk_fail_on_errors_stops(generic: TargetClient) -> None:
    ops = [
        {"method": "POST", "path": "/Users", "bulkId": f"b{n}", "data": user("same@x.org")}
        for n in range(4)
    ]
    response = await generic.post(
        "/Bulk",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            "failOnErrors": 2,
            "Operations": ops,
        },
    )
    assert [r["status"] for r in response.json()["Operations"]] == ["201", "409", "409"]
    assert (await generic.get("/Users")).json()["totalResults"] == 1


async def test_webex_bulk_is_limited_to_100_operations(webex: TargetClient) -> None:
    ops = [
        {"method": "POST", "path": "/Users", "bulkId": f"b{n}", "data": user(f"u{n}@x.org")}
        for n in range(101)
    ]
    response = await webex.post(
        "/Bulk",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "operations": ops},
    )
    assert response.status_code == 413
    assert "100" in response.json()["detail"]
    assert (await webex.get("/Users")).json()["totalResults"] == 0


async def test_webex_create_normalisation(webex: TargetClient) -> None:
    body = {
        "schemas": [CORE_USER, "urn:scim:schemas:extension:cisco:webexidentity:2.0:User"],
        "userName": "sarah@example.com",
        "emails": [{"value": "sarah@example.home.com", "type": "home"}],
        "urn:scim:schemas:extension:cisco:webexidentity:2.0:User": {"accountStatus": "active"},
    }
    created = (await webex.post("/Users", body)).json()
    assert created["userType"] == "user"
    assert {"value": "sarah@example.com", "type": "work", "primary": True} in created["emails"]
    cisco = created["urn:scim:schemas:extension:cisco:webexidentity:2.0:User"]
    assert cisco["accountStatus"] == ["active"]
    assert cisco["meta"]["organizationId"] == webex.tenant.id


async def test_webex_group_members_listing_and_cap(webex: TargetClient) -> None:
    users = await make_users(webex, [f"m{n}@x.org" for n in range(3)])
    group = (
        await webex.post(
            "/Groups",
            {
                "schemas": [CORE_GROUP],
                "displayName": "G",
                "members": [{"value": u["id"]} for u in users],
            },
        )
    ).json()
    assert len(group["members"]) == 3
    assert all(m["type"] == "user" for m in group["members"])
    listed = (await webex.get("/Groups")).json()["Resources"][0]
    assert "members" not in listed
    with_members = (await webex.get("/Groups", params={"includeMembers": "true"})).json()[
        "Resources"
    ][0]
    assert len(with_members["members"]) == 3
    page = (
        await webex.get(f"/Groups/{group['id']}/Members", params={"startIndex": 2, "count": 1})
    ).json()
    assert page["memberSize"] == 3
    assert page["itemsPerPage"] == 1
    assert page["members"][0]["value"] == users[1]["id"]
    assert page["members"][0]["display"] == "M1"


async def test_unknown_member_is_rejected(generic: TargetClient) -> None:
    response = await generic.post(
        "/Groups", {"schemas": [CORE_GROUP], "displayName": "G", "members": [{"value": "nobody"}]}
    )
    assert response.status_code == 400
    assert "nobody" in response.json()["detail"]
    assert (await generic.get("/Groups")).json()["totalResults"] == 0


async def test_deleting_a_user_removes_its_memberships(generic: TargetClient) -> None:
    [ann] = await make_users(generic, ["ann@x.org"])
    group = (
        await generic.post(
            "/Groups",
            {"schemas": [CORE_GROUP], "displayName": "G", "members": [{"value": ann["id"]}]},
        )
    ).json()
    assert (await generic.get(f"/Users/{ann['id']}")).json()["groups"][0]["value"] == group["id"]
    await generic.delete(f"/Users/{ann['id']}")
    assert (await generic.get(f"/Groups/{group['id']}")).json().get("members", []) == []


@pytest.mark.parametrize("profile", ["webex", "generic"])
async def test_discovery(profile: str, webex: TargetClient, generic: TargetClient) -> None:
    client = webex if profile == "webex" else generic
    spc = (await client.get("/ServiceProviderConfig")).json()
    assert spc["patch"]["supported"] is True
    assert spc["bulk"]["maxOperations"] == (100 if profile == "webex" else 1000)
    types = (await client.get("/ResourceTypes")).json()
    assert {t["name"] for t in types["Resources"]} == {"User", "Group"}
    schemas = (await client.get("/Schemas")).json()
    ids = {s["id"] for s in schemas["Resources"]}
    assert {CORE_USER, CORE_GROUP} <= ids
    one = (await client.get(f"/Schemas/{CORE_USER}")).json()
    user_name = next(a for a in one["attributes"] if a["name"] == "userName")
    assert user_name["mutability"] == "readWrite"
    if profile == "webex":
        native = (await client.get("/Schemas/SCIM2/User")).json()
        assert CORE_USER in native
        attr = next(a for a in native[CORE_USER]["attributes"] if a["name"] == "userName")
        assert attr["mutability"] == "ReadWrite"


class _BrokenService:
    """Stands in for the service to inject a failure no real request can cause on demand."""

    async def get(self, *_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire: /var/lib/secret-path token=abc123")


async def test_unexpected_errors_return_a_request_id_and_no_traceback(
    generic: TargetClient,
) -> None:
    app = generic.http._transport.app  # type: ignore[attr-defined]
    app.state.target.service = _BrokenService()
    response = await generic.get("/Users/some-id")
    assert response.status_code == 500
    body = response.json()
    request_id = response.headers["x-request-id"]
    assert request_id in body["detail"]
    assert "Traceback" not in response.text
    assert "disk on fire" not in response.text
    assert "secret-path" not in response.text


async def test_member_patches_are_set_operations(generic: TargetClient) -> None:
    users = await make_users(generic, [f"m{n}@x.org" for n in range(3)])
    ids = [u["id"] for u in users]
    group = (await generic.post("/Groups", {"schemas": [CORE_GROUP], "displayName": "G"})).json()
    path = f"/Groups/{group['id']}"

    def op(kind: str, values: list[str]) -> dict[str, Any]:
        return {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": kind, "path": "members", "value": [{"value": v} for v in values]}
            ],
        }

    first = await generic.patch(path, op("Add", ids[:2]))
    assert first.status_code == 204
    again = await generic.patch(path, op("add", ids[:2]))
    assert again.headers["etag"] != first.headers["etag"]
    await generic.patch(path, op("Remove", [ids[2]]))
    members = (await generic.get(path)).json()["members"]
    assert [m["value"] for m in members] == ids[:2]
    unknown = await generic.patch(path, op("add", ["not-a-user"]))
    assert unknown.status_code == 400
    assert "not-a-user" in unknown.json()["detail"]
    assert [m["value"] for m in (await generic.get(path)).json()["members"]] == ids[:2]


async def test_webex_member_patch_answers_as_the_projection_asks(webex: TargetClient) -> None:
    users = await make_users(webex, [f"m{n}@x.org" for n in range(3)])
    ids = [u["id"] for u in users]
    group = (await webex.post("/Groups", {"schemas": [CORE_GROUP], "displayName": "G"})).json()
    path = f"/Groups/{group['id']}"

    def add(values: list[str]) -> dict[str, Any]:
        return {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "add", "path": "members", "value": [{"value": v} for v in values]}
            ],
        }

    bare = await webex.patch(path, add(ids[:2]), params={"excludedAttributes": "members"})
    assert bare.status_code == 200
    assert bare.json()["displayName"] == "G"
    assert "members" not in bare.json()
    # A member already in is skipped, a new one goes after the others.
    full = await webex.patch(path, add([ids[1], ids[2], ids[0]]))
    assert [m["value"] for m in full.json()["members"]] == ids
    named = await webex.patch(path, add(ids[:1]), params={"attributes": "displayName"})
    assert set(named.json()) >= {"id", "displayName"}
    assert "members" not in named.json()


async def test_an_or_of_100_equalities_finds_each_indexed_match(generic: TargetClient) -> None:
    """A batch of matching queries (``userName eq "a" or ...``) answers from the indexes:
    userName ignoring case, externalId exactly, terms on both columns mixed, absent values
    simply not found, and the whole filter still applied to what the indexes return."""
    names = [f"u{i:03d}@x.org" for i in range(120)]
    for i, name in enumerate(names):
        created = await generic.post("/Users", user(name, externalId=f"Ext-{i}"))
        assert created.status_code == 201, created.text
    asked = [f'userName eq "{n.upper()}"' for n in names[:97]]
    asked += ['externalId eq "Ext-110"', 'externalId eq "ext-111"', 'userName eq "nobody@x.org"']
    response = await generic.get(
        "/Users", params={"filter": " or ".join(asked), "count": "200", "sortBy": "userName"}
    )
    assert response.status_code == 200, response.text
    found = [r["userName"] for r in response.json()["Resources"]]
    assert found == [*names[:97], "u110@x.org"]
    narrowed = await generic.get(
        "/Users",
        params={"filter": '(userName eq "u001@x.org" or userName eq "u002@x.org") and '
                'externalId eq "Ext-2"'},
    )  # fmt: skip
    assert [r["userName"] for r in narrowed.json()["Resources"]] == ["u002@x.org"]
