"""``GET /api/v1/audit``: changes made through the API, with the key's name as the actor."""

from __future__ import annotations

import httpx

from tests.integration.api.conftest import API


async def _changes(api: API) -> str:
    """Add an app, save credentials and settings through the API; returns the token used."""
    await api.ok("POST", "/directory/users", 201, json={"userPrincipalName": "ada@contoso.com"})
    await api.ok("POST", "/apps", 201, json={"template": "cisco-webex", "name": "Webex"})
    await api.ok(
        "POST", "/apps/Webex/assignments", 201, json={"user": "ada@contoso.com", "role": "User"}
    )
    url, token = await api.tenant()
    await api.ok("PUT", "/apps/Webex/credentials", json={"tenantUrl": url, "token": token})
    await api.ok("PATCH", "/apps/Webex/settings", json={"interval_minutes": 60})
    return token


async def test_changes_through_the_api_are_listed_with_the_keys_name(api: API) -> None:
    token = await _changes(api)
    page = await api.ok("GET", "/audit", params={"app": "webex"})
    assert [r["action"] for r in page["records"]] == [
        "settings.update",
        "credentials.set",
        "assignment.add",
        "app.add",
    ]
    assert {r["actor"] for r in page["records"]} == {"api:tests"}
    settings, credentials = page["records"][0], page["records"][1]
    assert settings["before"]["interval_minutes"] == 5
    assert settings["after"]["interval_minutes"] == 60
    assert credentials["before"] == {"tenantUrl": None, "secretToken": None}
    assert credentials["after"]["secretToken"] == "<changed>"
    everything = await api.http.get("/audit", params={"limit": 5000})
    assert token not in everything.text
    assert api.key not in everything.text


async def test_filters_and_paging(api: API) -> None:
    await _changes(api)
    only = await api.ok("GET", "/audit", params={"action": "settings", "actor": "api"})
    assert [r["action"] for r in only["records"]] == ["settings.update"]
    assert (await api.ok("GET", "/audit", params={"actor": "cli"}))["records"] == [
        r for r in (await api.ok("GET", "/audit"))["records"] if r["actor"].startswith("cli:")
    ]
    assert (await api.ok("GET", "/audit", params={"since": "2999-01-01T00:00:00Z"}))[
        "records"
    ] == []
    first = await api.ok("GET", "/audit", params={"app": "Webex", "limit": 3})
    assert len(first["records"]) == 3
    rest = await api.ok(
        "GET", "/audit", params={"app": "Webex", "limit": 3, "before": first["nextBefore"]}
    )
    assert [r["action"] for r in rest["records"]] == ["app.add"]
    assert rest["nextBefore"] is None
    await api.problem("GET", "/audit", 422, params={"before": "yesterday"})
    await api.problem("GET", "/audit", 422, params={"before": "99999999999999999999"})
    await api.problem("GET", "/audit", 422, params={"since": "last tuesday"})
    await api.problem("GET", "/audit", 422, params={"actr": "api"})


async def test_the_audit_log_needs_a_key_and_records_wrong_ones(api: API) -> None:
    async with httpx.AsyncClient(base_url=f"{api.base}/api/v1") as anonymous:
        wrong = {"Authorization": "Bearer scimadm_0a1b2c3d4e5f_not-the-secret"}
        for _ in range(5):
            assert (await anonymous.get("/audit", headers=wrong)).status_code == 401
        assert (await anonymous.get("/audit")).status_code == 401
    failed = await api.ok("GET", "/audit", params={"action": "api.auth_failed"})
    # Six failures from one address within a minute: one record, the rest counted later.
    (record,) = failed["records"]
    assert record["actor"] == "api:anonymous"
    assert record["after"] == {"source": "127.0.0.1", "attempts": 1, "keyId": "0a1b2c3d4e5f"}
    assert "not-the-secret" not in str(failed)
