"""The target attribute list and typed mappings through the admin API."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.integration.api.conftest import API

BADGE = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User:badge"
SPONSOR = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User:sponsor"


@pytest.fixture
async def webex(api: API) -> API:
    await api.ok("POST", "/apps", 201, json={"template": "cisco-webex", "name": "Webex"})
    return api


async def test_add_list_map_and_remove_an_attribute(webex: API) -> None:
    api = webex
    added = await api.ok(
        "POST",
        "/apps/Webex/attributes/user",
        201,
        json={"name": BADGE, "type": "integer", "multiValued": False, "required": True},
    )
    assert added[-1] == {
        "name": BADGE,
        "type": "Integer",
        "multiValued": False,
        "required": True,
        "referencedObject": None,
        "origin": "custom",
    }
    listed = await api.ok("GET", "/apps/Webex/attributes/user")
    assert [a["name"] for a in listed][-1] == BADGE
    mapped = await api.ok(
        "PUT", f"/apps/Webex/mappings/user/attributes/{quote(BADGE)}", json={"source": "employeeId"}
    )
    assert mapped["attributeMappings"][-1]["targetType"] == "Integer"
    assert mapped["warnings"] == []
    problem = await api.problem("DELETE", f"/apps/Webex/attributes/user/{quote(BADGE)}", 422)
    assert "remove its mapping first" in problem["detail"]
    await api.ok("DELETE", f"/apps/Webex/mappings/user/attributes/{quote(BADGE)}")
    left = await api.ok("DELETE", f"/apps/Webex/attributes/user/{quote(BADGE)}")
    assert BADGE not in [a["name"] for a in left]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": SPONSOR, "type": "Reference"}, "which object type"),
        ({"name": BADGE, "type": "Complex"}, "cannot be Complex"),
        ({"name": "userName"}, "already"),
    ],
    ids=["reference-without-object", "complex", "twice"],
)
async def test_bad_attributes_are_refused(webex: API, body: dict[str, str], message: str) -> None:
    problem = await webex.problem("POST", "/apps/Webex/attributes/user", 422, json=body)
    assert message in problem["detail"]


async def test_manager_mappings_are_typed(webex: API) -> None:
    api = webex
    await api.ok(
        "POST",
        "/apps/Webex/attributes/user",
        201,
        json={"name": SPONSOR, "type": "Reference", "referencedObject": "User"},
    )
    inferred = await api.ok(
        "PUT", f"/apps/Webex/mappings/user/attributes/{quote(SPONSOR)}", json={"source": "manager"}
    )
    assert inferred["attributeMappings"][-1]["targetType"] == "Reference"
    refused = await api.problem(
        "PUT", "/apps/Webex/mappings/user/attributes/displayName", 422, json={"source": "manager"}
    )
    assert "--type string" in refused["detail"]
    typed = await api.ok(
        "PUT",
        "/apps/Webex/mappings/user/attributes/displayName",
        json={"source": "manager", "type": "string"},
    )
    assert "objectId" in typed["warnings"][0]
