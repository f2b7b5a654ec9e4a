"""Credentials (write-only token), Test Connection, settings, on/off, sync, status and logs.

The app's Tenant URL points at a tenant of the embedded target served by the same server, so
every call goes over real HTTP.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging

import pytest

from tests.integration.api.conftest import API


async def _webex_app(api: API) -> tuple[str, str]:
    await api.ok("POST", "/directory/users", 201, json={"userPrincipalName": "ada@contoso.com"})
    await api.ok("POST", "/apps", 201, json={"template": "cisco-webex", "name": "Webex"})
    await api.ok(
        "POST", "/apps/Webex/assignments", 201, json={"user": "ada@contoso.com", "role": "User"}
    )
    return await api.tenant()


async def test_the_token_is_write_only(
    api: API, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url, token = await _webex_app(api)
    seen: list[str] = []
    saved = await api.http.put("/apps/Webex/credentials", json={"tenantUrl": url, "token": token})
    assert saved.status_code == 200, saved.text
    assert saved.json()["hasToken"] is True
    assert saved.json()["tenantUrl"] == url
    seen.append(saved.text)
    for path in (
        "/apps/Webex",
        "/apps/Webex/settings",
        "/apps/Webex/status",
        "/apps/Webex/logs",
        "/apps/Webex/mappings",
        "/apps",
        "/openapi.json",
    ):
        response = await api.http.get(path)
        assert response.status_code == 200, (path, response.text)
        seen.append(response.text)
    seen.append((await api.http.post("/apps/Webex/test-connection")).text)
    seen.append((await api.http.put("/apps/Webex/provisioning", json={"state": "on"})).text)
    seen.append((await api.http.post("/apps/Webex/sync?wait=true")).text)
    seen.append((await api.http.get("/apps/Webex/logs?format=csv")).text)
    bad = await api.http.put(
        "/apps/Webex/credentials", json={"tenantUrl": "ftp://x", "token": token}
    )
    assert bad.status_code == 422
    seen.append(bad.text)
    out, err = capfd.readouterr()
    for text in [*seen, out, err, caplog.text]:
        assert token not in text


async def test_test_connection_wrong_token_then_right(api: API) -> None:
    url, token = await _webex_app(api)
    await api.ok("PUT", "/apps/Webex/credentials", json={"tenantUrl": url, "token": "wrong"})
    failed = await api.ok("POST", "/apps/Webex/test-connection")
    assert failed["ok"] is False
    assert failed["failure"]["status"] == 401
    assert failed["failure"]["hint"]
    refused = await api.problem("PUT", "/apps/Webex/provisioning", 409, json={"state": "on"})
    assert refused["type"] == "urn:scimitar:problem:connection-test-failed"
    assert refused["testConnection"]["ok"] is False
    assert (await api.ok("GET", "/apps/Webex"))["provisioning"] == "off"
    await api.ok("PUT", "/apps/Webex/credentials", json={"tenantUrl": url, "token": token})
    passed = await api.ok("POST", "/apps/Webex/test-connection")
    assert passed["ok"] is True
    assert [step["ok"] for step in passed["steps"]] == [True] * len(passed["steps"])
    on = await api.ok("PUT", "/apps/Webex/provisioning", json={"state": "on"})
    assert on["provisioning"] == "on"
    off = await api.ok("PUT", "/apps/Webex/provisioning", json={"state": "off"})
    assert off["provisioning"] == "off"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"tenantUrl": "http://scim.example.com/", "token": "t"}, "allowInsecureHttp"),
        ({"tenantUrl": "not a url", "token": "t"}, "Tenant URL"),
        ({"tenantUrl": "https://scim.example.com/", "token": "   "}, "Secret Token is empty"),
    ],
    ids=["insecure-http", "not-a-url", "blank-token"],
)
async def test_bad_credentials_are_refused(api: API, body: dict[str, str], says: str) -> None:
    await _webex_app(api)
    problem = await api.problem("PUT", "/apps/Webex/credentials", 422, json=body)
    assert says.lower() in problem["detail"].lower()
    assert (await api.ok("GET", "/apps/Webex"))["hasToken"] is False


async def test_test_connection_without_credentials(api: API) -> None:
    await _webex_app(api)
    problem = await api.problem("POST", "/apps/Webex/test-connection", 422)
    assert "no credentials" in problem["detail"]
    await api.problem("POST", "/apps/Nope/test-connection", 404)


async def test_settings(api: API) -> None:
    await _webex_app(api)
    settings = await api.ok("GET", "/apps/Webex/settings")
    assert settings["scope"] == "assigned"
    changed = await api.ok(
        "PATCH",
        "/apps/Webex/settings",
        json={
            "notify_email": "ops@contoso.com",
            "notify_on_failure": True,
            "delete_threshold": None,
            "interval_minutes": 60,
            "groups": False,
        },
    )
    assert changed["notify_email"] == "ops@contoso.com"
    assert changed["delete_threshold"] is None
    assert changed["disabled_object_types"] == ["Group"]
    assert changed["scope"] == "assigned"
    await api.problem("PATCH", "/apps/Webex/settings", 422, json={"interval_minutes": 0})
    await api.problem("PATCH", "/apps/Webex/settings", 422, json={"scope": None})
    await api.problem("PATCH", "/apps/Webex/settings", 422, json={"scope": "everyone"})
    await api.problem("PATCH", "/apps/Webex/settings", 422, json={"colour": "red"})
    assert (await api.ok("GET", "/apps/Webex/settings"))["interval_minutes"] == 60


async def test_sync_status_and_logs(api: API) -> None:
    url, token = await _webex_app(api)
    busy_off = await api.problem("POST", "/apps/Webex/sync", 409)
    assert busy_off["type"] == "urn:scimitar:problem:provisioning-off"
    await api.ok("PUT", "/apps/Webex/credentials", json={"tenantUrl": url, "token": token})
    await api.ok("PUT", "/apps/Webex/provisioning", json={"state": "on"})
    summary = await api.ok("POST", "/apps/Webex/sync?wait=true")
    assert summary["kind"] == "initial"
    assert summary["counts"]["create"] == 1
    status = await api.ok("GET", "/apps/Webex/status")
    assert status["state"] == "active"
    assert status["lastCycle"]["id"] == summary["cycleId"]
    assert status["linked"]["User"] == 1
    await api.ok("POST", "/directory/users", 201, json={"userPrincipalName": "bob@contoso.com"})
    await api.ok("POST", "/apps/Webex/assignments", 201, json={"user": "bob@contoso.com"})
    await api.ok(
        "POST", "/apps/Webex/assignments", 201, json={"user": "bob@contoso.com", "role": "User"}
    )
    response = await api.http.post("/apps/Webex/sync")
    assert response.status_code == 202, response.text
    assert response.headers["location"].endswith("/status")
    for _ in range(200):
        status = await api.ok("GET", "/apps/Webex/status")
        if status["lastCycle"]["id"] != summary["cycleId"] and status["runningCycle"] is None:
            break
        await asyncio.sleep(0.05)
    assert status["lastCycle"]["kind"] == "incremental"
    logs = await api.ok("GET", "/apps/Webex/logs?action=create")
    names = {r["sourceIdentity"]["details"]["userPrincipalName"] for r in logs["records"]}
    assert names == {"ada@contoso.com", "bob@contoso.com"}
    assert {r["sourceIdentity"]["displayName"] for r in logs["records"]} == {"ada", "bob"}
    page = await api.http.get("/apps/Webex/logs?action=create&limit=1")
    assert len(page.json()["records"]) == 1
    assert 'rel="next"' in page.headers["link"]
    older = await api.ok(
        "GET", f"/apps/Webex/logs?action=create&limit=1&before={page.json()['nextBefore']}"
    )
    assert older["records"][0]["id"] != page.json()["records"][0]["id"]
    download = await api.http.get("/apps/Webex/logs?format=csv&download=true&user=ADA@contoso.com")
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert {row["source_name"] for row in rows} == {"ada@contoso.com"}
    await api.problem("GET", "/apps/Webex/logs?status=broken", 422)
    await api.problem("GET", "/apps/Webex/logs?since=yesterday", 422)
    await api.problem("GET", "/apps/Webex/logs?before=!!!", 422)
    await api.problem("GET", "/apps/Nope/logs", 404)
    assert (await api.ok("GET", "/apps/Webex/logs?since=1h"))["records"]


async def test_sync_while_a_cycle_runs_conflicts(api: API) -> None:
    url, token = await _webex_app(api)
    await api.ok("PUT", "/apps/Webex/credentials", json={"tenantUrl": url, "token": token})
    await api.ok("PUT", "/apps/Webex/provisioning", json={"state": "on"})
    await api.ok("POST", "/directory/generate?users=300&groups=0")
    await api.ok("PATCH", "/apps/Webex/settings", json={"scope": "all"})
    first = await api.http.post("/apps/Webex/sync")
    assert first.status_code == 202
    second = await api.problem("POST", "/apps/Webex/sync", 409)
    assert second["type"] == "urn:scimitar:problem:cycle-running"


async def test_provision_on_demand(api: API) -> None:
    url, token = await _webex_app(api)
    await api.ok("PUT", "/apps/Webex/credentials", json={"tenantUrl": url, "token": token})
    trace = await api.ok("POST", "/apps/Webex/provision", json={"user": "ada@contoso.com"})
    assert trace["result"] == "success"
    assert trace["testConnection"] is None
    subject = trace["objects"][0]
    assert subject["displayName"] == "ada@contoso.com"
    assert [step["status"] for step in subject["steps"]].count("failure") == 0
    assert trace["record"]["provisioningAction"] == "create"
    assert trace["record"]["initiatedBy"]["displayName"] == "API key tests"
    logs = await api.ok("GET", f"/apps/Webex/logs?cycle={trace['cycleId']}")
    assert logs["records"][0]["initiatedBy"]["initiatorType"] == "application"
    await api.ok("POST", "/directory/groups", 201, json={"displayName": "Big"})
    for number in range(6):
        upn = f"m{number}@contoso.com"
        await api.ok("POST", "/directory/users", 201, json={"userPrincipalName": upn})
        await api.ok("POST", "/directory/groups/Big/members", json={"members": [upn]})
    await api.ok("POST", "/apps/Webex/assignments", 201, json={"group": "Big"})
    too_many = await api.problem("POST", "/apps/Webex/provision", 422, json={"group": "Big"})
    assert "at most 5" in too_many["detail"]
    await api.problem(
        "POST", "/apps/Webex/provision", 422, json={"group": "Big", "members": ["x"] * 6}
    )
    await api.problem(
        "POST", "/apps/Webex/provision", 422, json={"user": "ada@contoso.com", "group": "Big"}
    )
    await api.problem("POST", "/apps/Webex/provision", 404, json={"user": "eve@contoso.com"})


async def test_provision_on_demand_with_a_wrong_token_shows_the_connection(api: API) -> None:
    url, _token = await _webex_app(api)
    await api.ok("PUT", "/apps/Webex/credentials", json={"tenantUrl": url, "token": "wrong"})
    trace = await api.ok("POST", "/apps/Webex/provision", json={"user": "ada@contoso.com"})
    assert trace["result"] == "failure"
    assert trace["testConnection"]["status"] == "failure"
    assert trace["details"]["errorCode"] == "TestConnectionFailed"


async def test_the_next_page_link_encodes_the_app_name(api: API) -> None:
    url, token = await api.tenant()
    await api.ok("POST", "/apps", 201, json={"template": "cisco-webex", "name": "Cisco Webex"})
    for local in ("ada", "bob"):
        upn = f"{local}@contoso.com"
        await api.ok("POST", "/directory/users", 201, json={"userPrincipalName": upn})
        await api.ok(
            "POST", "/apps/Cisco Webex/assignments", 201, json={"user": upn, "role": "User"}
        )
    await api.ok("PUT", "/apps/Cisco Webex/credentials", json={"tenantUrl": url, "token": token})
    await api.ok("PUT", "/apps/Cisco Webex/provisioning", json={"state": "on"})
    await api.ok("POST", "/apps/Cisco Webex/sync?wait=true")

    page = await api.http.get("/apps/Cisco Webex/logs", params={"limit": 1})
    link = page.headers["link"]
    assert link.startswith("</api/v1/apps/Cisco%20Webex/logs?"), link
    older = await api.ok("GET", api.base + link[1 : link.index(">")])
    assert older["records"][0]["id"] != page.json()["records"][0]["id"]
