"""Reference mappings against the embedded Webex target (docs/provisioning.md, "References").

Webex's schema (``/Schemas``) offers the enterprise ``manager.value`` as a string, so the mapping
an admin writes first, ``manager.value ← manager``, is refused until they say how to type it;
typed a reference, the engine sends the manager's id *in the app*, resolved through the links.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from scimitar.apps import MappingEdit
from scimitar.audit import Actor
from scimitar.errors import ConfigError
from scimitar.mapping.mappings import SourceType, TargetType
from scimitar.settings import Settings
from scimitar.store import Database
from tests.integration.engine.harness import World, world_for

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
MANAGER_VALUE = f"{ENTERPRISE}:manager.value"


@pytest.fixture
async def world(database: Database, settings: Settings) -> AsyncIterator[World]:
    async with world_for(database, settings, template="cisco-webex", profile="webex") as world:
        yield world


def _manager(kind: TargetType | None) -> MappingEdit:
    return MappingEdit(MANAGER_VALUE, SourceType.ATTRIBUTE, "manager", target_type=kind)


async def test_discovery_types_manager_value_as_a_string(world: World) -> None:
    attributes = await world.apps.attributes.list(world.app_name, "user")
    found = {a.name: a for a in attributes}
    assert found[MANAGER_VALUE].type is TargetType.STRING
    assert found[MANAGER_VALUE].origin.value == "discovered"


async def test_manager_to_a_string_attribute_needs_an_explicit_type(world: World) -> None:
    with pytest.raises(ConfigError, match=r"--type reference .* or --type string"):
        await world.apps.mappings.set_mapping(
            world.app_name, "user", _manager(None), actor=Actor.cli("tests")
        )


async def test_manager_typed_reference_sends_the_managers_id_in_the_app(world: World) -> None:
    await world.apps.mappings.set_mapping(
        world.app_name, "user", _manager(TargetType.REFERENCE), actor=Actor.cli("tests")
    )
    boss = await world.user("boss")
    boss_id = (await world.directory.users.get(boss)).object_id
    ada = await world.user("ada", manager=boss_id)

    assert (await world.runner().run(world.app_name)).status == "succeeded"

    users = await world.target_users()
    assert users[ada][ENTERPRISE]["manager"]["value"] == users[boss]["id"]
    assert users[boss]["id"] != boss_id


async def test_manager_typed_string_sends_the_object_id(world: World) -> None:
    edited = await world.apps.mappings.set_mapping(
        world.app_name, "user", _manager(TargetType.STRING), actor=Actor.cli("tests")
    )
    assert [m.target_type for m in edited.mappings if m.source == "manager"] == [TargetType.STRING]
    boss = await world.user("boss")
    boss_id = (await world.directory.users.get(boss)).object_id
    ada = await world.user("ada", manager=boss_id)

    assert (await world.runner().run(world.app_name)).status == "succeeded"

    users = await world.target_users()
    assert users[ada][ENTERPRISE]["manager"]["value"] == boss_id
