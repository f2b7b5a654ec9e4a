"""``/api/v1/gallery`` and ``/api/v1/apps``: templates, apps, assignments and their errors."""

from __future__ import annotations

from tests.integration.api.conftest import API


async def test_gallery(api: API) -> None:
    listed = await api.ok("GET", "/gallery?search=webex")
    assert [t["id"] for t in listed] == ["cisco-webex"]
    shown = await api.ok("GET", "/gallery/cisco-webex")
    assert shown["roles"] == ["Default Access", "User"]
    problem = await api.problem("GET", "/gallery/nope", 404)
    assert "nope" in problem["detail"]


async def test_app_lifecycle(api: API) -> None:
    response = await api.http.post("/apps", json={"template": "cisco-webex", "name": "Webex"})
    assert response.status_code == 201
    made = response.json()
    assert response.headers["location"] == f"/api/v1/apps/{made['id']}"
    assert [a["id"] for a in await api.ok("GET", "/apps")] == [made["id"]]
    shown = await api.ok("GET", "/apps/webex")
    assert shown["hasToken"] is False
    assert shown["provisioning"] == "off"
    assert "userName" in shown["targetAttributes"]["User"]
    taken = await api.problem(
        "POST", "/apps", 409, json={"template": "cisco-webex", "name": "WEBEX"}
    )
    assert "exists already" in taken["detail"]
    await api.problem("POST", "/apps", 404, json={"template": "nope", "name": "X"})
    await api.problem("POST", "/apps", 422, json={"template": "scim"})
    assert (await api.ok("DELETE", "/apps/Webex"))["id"] == made["id"]
    await api.problem("DELETE", "/apps/Webex", 404)


async def test_assignments(api: API) -> None:
    await api.ok("POST", "/directory/users", 201, json={"userPrincipalName": "ada@contoso.com"})
    await api.ok("POST", "/directory/groups", 201, json={"displayName": "Sales"})
    await api.ok("POST", "/apps", 201, json={"template": "cisco-webex", "name": "Webex"})
    user = await api.ok(
        "POST", "/apps/Webex/assignments", 201, json={"user": "ada@contoso.com", "role": "User"}
    )
    assert user == {
        "type": "user",
        "objectId": user["objectId"],
        "name": "ada@contoso.com",
        "role": "User",
    }
    await api.ok("POST", "/apps/Webex/assignments", 201, json={"group": "Sales"})
    listed = await api.ok("GET", "/apps/Webex/assignments")
    assert [(a["type"], a["role"]) for a in listed] == [
        ("user", "User"),
        ("group", "Default Access"),
    ]
    problem = await api.problem(
        "POST", "/apps/Webex/assignments", 422, json={"user": "ada@contoso.com", "role": "Boss"}
    )
    assert "Boss" in problem["detail"]
    both = await api.problem(
        "POST", "/apps/Webex/assignments", 422, json={"user": "ada@contoso.com", "group": "Sales"}
    )
    assert "exactly one of user" in both["detail"]
    await api.problem("POST", "/apps/Webex/assignments", 404, json={"user": "eve@contoso.com"})
    await api.problem("POST", "/apps/Nope/assignments", 404, json={"user": "ada@contoso.com"})
    removed = await api.ok("DELETE", "/apps/Webex/assignments?user=ada@contoso.com")
    assert removed == {"removed": 1}
    await api.problem("DELETE", "/apps/Webex/assignments?user=ada@contoso.com", 404)
    await api.problem("DELETE", "/apps/Webex/assignments", 422)
