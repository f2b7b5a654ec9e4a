"""``GET/PUT /apps/{app}/config``: the provisioning configuration as one document."""

from __future__ import annotations

import copy

from tests.integration.api.conftest import API


async def test_export_and_import_round_trip_without_credentials(api: API) -> None:
    await api.ok("POST", "/apps", 201, json={"template": "cisco-webex", "name": "Webex"})
    url, token = await api.tenant()
    await api.ok("PUT", "/apps/Webex/credentials", json={"tenantUrl": url, "token": token})
    await api.ok(
        "PUT",
        "/apps/Webex/mappings/user/attributes/displayName",
        json={"expression": 'Join(" ", [givenName], [surname])'},
    )
    exported = await api.ok("GET", "/apps/Webex/config")
    assert token not in str(exported)
    assert url not in str(exported)
    assert exported["format"] == "scimitar.app-config"

    await api.ok("POST", "/apps", 201, json={"template": "cisco-webex", "name": "Copy"})
    job = await api.ok("PUT", "/apps/Copy/config", json=exported)
    assert (job["hasToken"], job["needsInitialCycle"]) == (False, True)
    assert await api.ok("GET", "/apps/Copy/config") == exported


async def test_a_bad_document_is_a_422_naming_each_json_path(api: API) -> None:
    await api.ok("POST", "/apps", 201, json={"template": "cisco-webex", "name": "Webex"})
    exported = await api.ok("GET", "/apps/Webex/config")
    bad = copy.deepcopy(exported)
    bad["mappings"]["User"][3]["target"] = "title"
    bad["scoping"]["User"] = [{"name": "x", "clauses": []}]

    problem = await api.problem("PUT", "/apps/Webex/config", 422, json=bad)

    assert problem["type"] == "urn:scimitar:problem:import-rejected"
    fields = {error["field"]: error["message"] for error in problem["errors"]}
    assert "unknown target attribute title" in fields["$.mappings.User[3].target"]
    assert "at least one clause" in fields["$.scoping.User[0]"]
    assert await api.ok("GET", "/apps/Webex/config") == exported
    wrong = await api.problem("PUT", "/apps/Webex/config", 422, json={**exported, "token": "x"})
    assert wrong["errors"][0]["field"] == "$.token"
