"""Plan, drift and orphans through the admin API, over real HTTP to the embedded target."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.integration.api.conftest import API

_PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


async def _app(api: API, users: int = 2) -> tuple[str, str]:
    for number in range(users):
        upn = f"u{number}@contoso.com"
        await api.ok(
            "POST", "/directory/users", 201, json={"userPrincipalName": upn, "givenName": "U"}
        )
    await api.ok("POST", "/apps", 201, json={"template": "cisco-webex", "name": "Webex"})
    await api.ok("PATCH", "/apps/Webex/settings", json={"scope": "all"})
    url, token = await api.tenant()
    await api.ok("PUT", "/apps/Webex/credentials", json={"tenantUrl": url, "token": token})
    return url, token


async def _poll(api: API, location: str) -> dict[str, Any]:
    for _ in range(600):
        shown: dict[str, Any] = await api.ok("GET", location.removeprefix("/api/v1"))
        if shown["status"] != "running":
            return shown
        await asyncio.sleep(0.05)
    raise AssertionError("the plan did not end")


async def test_a_plan_in_the_background_then_the_cycle(api: API) -> None:
    await _app(api)
    response = await api.http.post("/apps/Webex/plan")
    assert response.status_code == 202, response.text

    done = await _poll(api, response.headers["location"])

    assert done["status"] == "succeeded", done
    assert done["plan"]["counts"] == {"create": 2}
    assert done["plan"]["kind"] == "initial"
    status = await api.ok("GET", "/apps/Webex/status")
    assert status["lastCycle"] is None
    await api.ok("PUT", "/apps/Webex/provisioning", json={"state": "on"})
    summary = await api.ok("POST", "/apps/Webex/sync?wait=true")
    assert summary["counts"] == {"create": 2}
    again = await api.ok("POST", "/apps/Webex/plan?wait=true&limit=1")
    assert again["plan"]["actionsTotal"] == 0


async def test_plan_errors_are_problems(api: API) -> None:
    await api.problem("POST", "/apps/Nope/plan?wait=true", 404)
    await _app(api)
    await api.problem("GET", "/apps/Webex/plan/unknown", 404)
    await api.problem(
        "POST", "/apps/Webex/plan?wait=true", 422, json={"proposedConfig": {"nonsense": 1}}
    )


async def test_drift_and_orphans(api: API) -> None:
    url, token = await _app(api)
    await api.ok("PUT", "/apps/Webex/provisioning", json={"state": "on"})
    await api.ok("POST", "/apps/Webex/sync?wait=true")
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers) as target:
        users = await target.get("Users", params={"filter": 'userName eq "u0@contoso.com"'})
        u0 = users.json()["Resources"][0]["id"]
        edit = {
            "schemas": [_PATCH],
            "Operations": [{"op": "replace", "path": "name.givenName", "value": "Hand"}],
        }
        assert (await target.patch(f"Users/{u0}", json=edit)).status_code in (200, 204)
        made = await target.post(
            "Users",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "stray@example.com",
            },
        )
        assert made.status_code == 201
        stray = made.json()["id"]

    drift = await api.ok("GET", "/apps/Webex/drift")
    assert [d["targetId"] for d in drift["drifted"]] == [u0]
    fixed = await api.ok("POST", "/apps/Webex/drift/fix")
    assert fixed["queued"] == 1
    await api.ok("POST", "/apps/Webex/sync?wait=true")
    assert (await api.ok("GET", "/apps/Webex/drift"))["drifted"] == []

    orphans = await api.ok("GET", "/apps/Webex/orphans")
    assert [(o["targetId"], o["match"]) for o in orphans["orphans"]] == [(stray, None)]
    await api.problem("POST", "/apps/Webex/orphans/adopt", 422, json={"ids": [stray]})
    await api.problem("POST", "/apps/Webex/orphans/explode", 422, json={"all": True})
    done = await api.ok("POST", "/apps/Webex/orphans/disable", json={"ids": [stray]})
    assert [(r["targetId"], r["status"]) for r in done["results"]] == [(stray, "success")]
