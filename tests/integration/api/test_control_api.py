"""Pause, start, restart and held deletions through the API, over real HTTP to the target."""

from __future__ import annotations

from tests.integration.api.conftest import API


async def _running_app(api: API, users: int = 2) -> None:
    for number in range(users):
        upn = f"u{number}@contoso.com"
        await api.ok("POST", "/directory/users", 201, json={"userPrincipalName": upn})
    await api.ok("POST", "/apps", 201, json={"template": "cisco-webex", "name": "Webex"})
    await api.ok("PATCH", "/apps/Webex/settings", json={"scope": "all"})
    url, token = await api.tenant()
    await api.ok("PUT", "/apps/Webex/credentials", json={"tenantUrl": url, "token": token})
    await api.ok("PUT", "/apps/Webex/provisioning", json={"state": "on"})
    summary = await api.ok("POST", "/apps/Webex/sync?wait=true")
    assert summary["counts"]["create"] == users


async def test_pause_start_restart(api: API) -> None:
    await _running_app(api)
    paused = await api.ok("POST", "/apps/Webex/pause")
    assert paused["state"] == "paused"
    assert (await api.ok("GET", "/apps/Webex/status"))["state"] == "paused"
    refused = await api.problem("POST", "/apps/Webex/sync", 409)
    assert refused["type"] == "urn:scimitar:problem:paused"
    assert "/start" in refused["detail"]
    started = await api.ok("POST", "/apps/Webex/start")
    assert started["state"] == "active"
    assert (await api.ok("POST", "/apps/Webex/sync?wait=true"))["kind"] == "incremental"
    restarted = await api.ok("POST", "/apps/Webex/restart", json={"reset": ["watermark"]})
    assert restarted["reset"] == {"watermark": 1}
    assert (await api.ok("POST", "/apps/Webex/sync?wait=true"))["kind"] == "initial"
    full = await api.ok("POST", "/apps/Webex/restart")
    assert "initial" in full["message"]
    await api.problem("POST", "/apps/Webex/restart", 422, json={"reset": ["everything"]})
    await api.problem("POST", "/apps/Nope/pause", 404)


async def test_restart_while_a_cycle_runs_conflicts(api: API) -> None:
    await _running_app(api)
    await api.ok("POST", "/directory/generate?users=300&groups=0")
    assert (await api.http.post("/apps/Webex/sync?initial=true")).status_code == 202
    busy = await api.problem("POST", "/apps/Webex/restart", 409)
    assert busy["type"] == "urn:scimitar:problem:cycle-running"


async def test_held_deletions_rejected_then_allowed(api: API) -> None:
    await _running_app(api, users=3)
    await api.ok("PATCH", "/apps/Webex/settings", json={"delete_threshold": 1})
    nothing = await api.problem("POST", "/apps/Webex/deletes/reject", 409)
    assert nothing["type"] == "urn:scimitar:problem:no-held-deletions"
    for number in range(3):
        await api.ok("POST", f"/directory/users/u{number}@contoso.com/disable")
    held_cycle = await api.ok("POST", "/apps/Webex/sync?wait=true")
    assert held_cycle["counts"].get("staged_delete", 0) >= 2
    held = await api.ok("GET", "/apps/Webex/deletes")
    assert {row["name"] for row in held} >= {"u1@contoso.com", "u2@contoso.com"}
    refused = await api.problem("POST", "/apps/Webex/sync", 409)
    assert refused["type"] == "urn:scimitar:problem:deletions-held"
    rejected = await api.ok("POST", "/apps/Webex/deletes/reject")
    assert rejected["decision"] == "rejected"
    assert rejected["count"] == len(held)
    assert await api.ok("GET", "/apps/Webex/deletes") == []
    await api.ok("POST", "/apps/Webex/restart", json={"reset": ["watermark"]})
    again = await api.ok("POST", "/apps/Webex/sync?wait=true")
    assert again["counts"].get("staged_delete", 0) >= 2
    allowed = await api.ok("POST", "/apps/Webex/deletes/allow?wait=true")
    assert allowed["decision"] == "allowed"
    assert allowed["cycle"]["status"] == "succeeded"
    assert await api.ok("GET", "/apps/Webex/deletes") == []
