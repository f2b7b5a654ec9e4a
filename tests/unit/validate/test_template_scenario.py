"""The ``--template`` scenario's checks, against discovery documents that miss what a template
needs (the embedded target and scim2-server offer all of it: tests/e2e)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from scimitar.gallery.service import GalleryService
from scimitar.scim.urns import CORE_GROUP, CORE_USER
from scimitar.validate.context import DIALECTS, Context, Scene
from scimitar.validate.model import ScenarioResult
from scimitar.validate.template import template_scenario

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _run(template_id: str, discovered: dict[str, Any]) -> ScenarioResult:
    template = GalleryService.builtin().get(template_id)
    context = Context(cast(Any, None), cast(Any, None), DIALECTS["entra-2020"], "p-")
    context.discovered.update(discovered)
    scenario = template_scenario(template)
    result = ScenarioResult(scenario.name, scenario.title, scenario.group)
    asyncio.run(scenario.run(Scene(context, result)))
    return result


def _schemas(*without: str) -> list[dict[str, Any]]:
    core = ["userName", "name", "displayName", "title", "emails", "phoneNumbers", "addresses",
            "active", "preferredLanguage", "nickName", "userType", "locale", "timezone",
            "profileUrl", "photos", "roles", "ims", "entitlements", "x509Certificates"]  # fmt: skip
    enterprise = ["employeeNumber", "costCenter", "organization", "division", "department",
                  "manager"]  # fmt: skip
    return [
        {"id": CORE_USER, "attributes": [{"name": n} for n in core if n not in without]},
        {"id": ENTERPRISE, "attributes": [{"name": n} for n in enterprise if n not in without]},
        {"id": CORE_GROUP, "attributes": [{"name": "displayName"}, {"name": "members"}]},
    ]


def _config(**features: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {
        "patch": {"supported": True},
        "filter": {"supported": True, "maxResults": 200},
        "bulk": {"supported": True, "maxOperations": 100},
    }
    config.update(features)
    return config


def _failed(result: ScenarioResult) -> list[str]:
    return [c.message for c in result.checks if c.outcome.value == "fail"]


def test_everything_a_template_needs_passes() -> None:
    result = _run("cisco-webex", {"Schemas": _schemas(), "ServiceProviderConfig": _config()})
    assert _failed(result) == []
    assert len(result.checks) > 5


def test_missing_bulk_a_small_bulk_and_no_filter_fail_for_the_webex_template() -> None:
    result = _run(
        "cisco-webex",
        {
            "Schemas": _schemas(),
            "ServiceProviderConfig": _config(
                bulk={"supported": True, "maxOperations": 10}, filter={"supported": False}
            ),
        },
    )
    failed = _failed(result)
    assert any("up to 100 operations" in m and "takes 10" in m for m in failed), failed
    assert any("filter.supported False" in m for m in failed), failed
    result = _run(
        "cisco-webex",
        {"Schemas": _schemas(), "ServiceProviderConfig": _config(bulk={"supported": False})},
    )
    assert any("sends Bulk requests" in m for m in _failed(result))


def test_an_attribute_the_mappings_write_must_be_in_the_schema() -> None:
    result = _run("scim", {"Schemas": _schemas("title"), "ServiceProviderConfig": _config()})
    failed = _failed(result)
    assert any("has no attribute 'title'" in m for m in failed), failed


def test_patch_refused_in_discovery_fails_a_patch_template() -> None:
    result = _run(
        "scim",
        {"Schemas": _schemas(), "ServiceProviderConfig": _config(patch={"supported": False})},
    )
    assert any("updates by PATCH" in m for m in _failed(result))
