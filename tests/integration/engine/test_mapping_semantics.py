"""Mapping semantics a cycle honours, on SQLite and PostgreSQL, against the embedded target.

- Create-only mappings and default values apply only when Scimitar creates the account, never
  when it adopts one the app holds already (Entra: "Default value if null" and "Apply this
  mapping: Only during object creation").
- ``SkipOutOfScopeDeletions`` leaves an account that left scope untouched: no request at all,
  not even the reference phase's manager update; and nobody's manager is cleared because
  their manager left scope.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx

from scimitar.apps import MappingEdit
from scimitar.audit import Actor
from scimitar.mapping.mappings import FlowType, SourceType
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import World, world_for

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


async def _seed_target_user(world: World, user_name: str, **attributes: Any) -> dict[str, Any]:
    """A user the app holds before Scimitar runs (made by another tool)."""
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        **attributes,
    }
    headers = {"Authorization": f"Bearer {world.token}"}
    async with httpx.AsyncClient(headers=headers) as client:
        response = await client.post(f"{world.url}Users", json=body)
        response.raise_for_status()
        created: dict[str, Any] = response.json()
        return created


async def _create_only_title_and_default_department(world: World) -> None:
    await world.apps.mappings.set_mapping(
        world.app_name,
        "user",
        MappingEdit("title", SourceType.ATTRIBUTE, "jobTitle", flow_type=FlowType.OBJECT_ADD_ONLY),
        actor=Actor.cli("tests"),
    )
    await world.apps.mappings.set_mapping(
        world.app_name,
        "user",
        MappingEdit(f"{ENTERPRISE}:department", default_value="Unassigned"),
        actor=Actor.cli("tests"),
    )


async def test_an_adopted_account_gets_no_create_only_values_and_no_defaults(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        await _create_only_title_and_default_department(world)
        await _seed_target_user(world, "ada@contoso.com", title="Countess")
        await world.user("ada", jobTitle="Analyst")
        await world.user("grace", jobTitle="Admiral")

        summary = await world.runner().run(world.app_name)

        assert summary.counts.get("update") == 1
        assert summary.counts.get("create") == 1
        users = await world.target_users()
        adopted, created = users["ada@contoso.com"], users["grace@contoso.com"]
        assert adopted["title"] == "Countess"
        assert ENTERPRISE not in adopted or "department" not in adopted[ENTERPRISE]
        assert adopted["name"]["givenName"] == "Ada"
        assert created["title"] == "Admiral"
        assert created[ENTERPRISE]["department"] == "Unassigned"


async def _skipping_world(world: World) -> None:
    config = await world.apps.provisioning.config(world.app_name)
    await world.apps.provisioning.update_settings(
        world.app_name,
        replace(config.settings, skip_out_of_scope_deletions=True),
        actor=Actor.cli("tests"),
    )
    await world.user("boss")
    await world.user("ada", manager="boss@contoso.com")
    await world.runner().run(world.app_name)


async def test_skipping_out_of_scope_deletions_sends_nothing_to_the_user_that_left(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        await _skipping_world(world)
        before = (await world.target_users())["ada@contoso.com"]
        assert before[ENTERPRISE]["manager"]["value"]

        await world.apps.assignments.unassign(
            world.app_name, user="ada@contoso.com", role=None, actor=Actor.cli("tests")
        )
        summary = await world.runner().run(world.app_name)

        after = (await world.target_users())["ada@contoso.com"]
        assert after["meta"]["version"] == before["meta"]["version"]
        assert after[ENTERPRISE]["manager"] == before[ENTERPRISE]["manager"]
        assert after["active"] is True
        assert summary.counts.get("update", 0) == 0
        assert summary.counts.get("disable", 0) == 0


async def test_skipping_out_of_scope_deletions_keeps_the_manager_of_their_reports(
    database: Database, settings: Settings
) -> None:
    async with world_for(database, settings) as world:
        await _skipping_world(world)
        before = await world.target_users()

        await world.apps.assignments.unassign(
            world.app_name, user="boss@contoso.com", role=None, actor=Actor.cli("tests")
        )
        await world.runner().run(world.app_name)

        after = await world.target_users()
        for name in ("ada@contoso.com", "boss@contoso.com"):
            assert after[name]["meta"]["version"] == before[name]["meta"]["version"], name
        manager = after["ada@contoso.com"][ENTERPRISE]["manager"]["value"]
        assert manager == after["boss@contoso.com"]["id"]
