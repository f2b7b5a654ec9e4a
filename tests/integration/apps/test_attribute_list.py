"""Editing the target attribute list, and mappings typed from it, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from scimitar.apps import Apps, MappingEdit
from scimitar.apps.attributes import AttributeOrigin, new_custom_attribute
from scimitar.audit import Actor
from scimitar.errors import ConfigError
from scimitar.mapping.mappings import SourceType, TargetType
from scimitar.settings import Settings
from scimitar.store import Database

CONTOSO = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User"


@pytest.fixture
async def services(database: Database, settings: Settings) -> Apps:
    services = Apps.create(database, settings)
    await services.apps.add("cisco-webex", "Webex", actor=Actor.cli("tests"))
    return services


async def test_an_added_attribute_is_listed_mapped_typed_and_kept(services: Apps) -> None:
    badge = new_custom_attribute("User", f"{CONTOSO}:badge", TargetType.INTEGER)
    listed = await services.attributes.add("Webex", "user", badge, actor=Actor.cli("tests"))
    assert listed[-1] == badge
    edit = MappingEdit(f"{CONTOSO}:badge", SourceType.ATTRIBUTE, "employeeId")
    edited = await services.mappings.set_mapping("Webex", "user", edit, actor=Actor.cli("tests"))
    assert edited.mappings[-1].target_type is TargetType.INTEGER
    config = await services.provisioning.config("Webex")
    assert config.custom_attributes == {"User": (badge,)}


async def test_manager_to_an_added_reference_is_inferred_a_reference(services: Apps) -> None:
    sponsor = new_custom_attribute(
        "User", f"{CONTOSO}:sponsor", TargetType.REFERENCE, referenced_object="User"
    )
    await services.attributes.add("Webex", "user", sponsor, actor=Actor.cli("tests"))
    edit = MappingEdit(f"{CONTOSO}:sponsor", SourceType.ATTRIBUTE, "manager")
    edited = await services.mappings.set_mapping("Webex", "user", edit, actor=Actor.cli("tests"))
    assert edited.mappings[-1].target_type is TargetType.REFERENCE
    with pytest.raises(ConfigError, match="only a direct mapping"):
        await services.mappings.set_mapping(
            "Webex",
            "user",
            MappingEdit(f"{CONTOSO}:sponsor", SourceType.CONSTANT, "x"),
            actor=Actor.cli("tests"),
        )


async def test_attributes_that_cannot_be_added_or_removed(services: Apps) -> None:
    badge = new_custom_attribute("User", f"{CONTOSO}:badge", TargetType.STRING)
    await services.attributes.add("Webex", "user", badge, actor=Actor.cli("tests"))
    with pytest.raises(ConfigError, match=r"already .*from the custom"):
        await services.attributes.add("Webex", "user", badge, actor=Actor.cli("tests"))
    with pytest.raises(ConfigError, match=r"already .*from the template"):
        await services.attributes.add(
            "Webex",
            "user",
            new_custom_attribute("User", "USERNAME", TargetType.STRING),
            actor=Actor.cli("tests"),
        )
    with pytest.raises(ConfigError, match="comes from the template"):
        await services.attributes.remove("Webex", "user", "userName", actor=Actor.cli("tests"))
    await services.mappings.set_mapping(
        "Webex",
        "user",
        MappingEdit(f"{CONTOSO}:badge", SourceType.ATTRIBUTE, "employeeId"),
        actor=Actor.cli("tests"),
    )
    with pytest.raises(ConfigError, match="remove its mapping first"):
        await services.attributes.remove(
            "Webex", "user", f"{CONTOSO}:badge", actor=Actor.cli("tests")
        )
    await services.mappings.remove_mapping(
        "Webex", "user", f"{CONTOSO}:badge", actor=Actor.cli("tests")
    )
    left = await services.attributes.remove(
        "Webex", "user", f"{CONTOSO}:BADGE", actor=Actor.cli("tests")
    )
    assert all(a.origin is AttributeOrigin.TEMPLATE for a in left)
    with pytest.raises(ConfigError, match="not in the User attribute list"):
        await services.attributes.remove(
            "Webex", "user", f"{CONTOSO}:badge", actor=Actor.cli("tests")
        )


async def test_a_resaved_mapping_with_the_same_source_keeps_its_type(services: Apps) -> None:
    manager = MappingEdit("displayName", SourceType.ATTRIBUTE, "manager")
    with pytest.raises(ConfigError, match="--type string"):
        await services.mappings.set_mapping("Webex", "user", manager, actor=Actor.cli("tests"))
    typed = MappingEdit(
        "displayName", SourceType.ATTRIBUTE, "manager", target_type=TargetType.STRING
    )
    await services.mappings.set_mapping("Webex", "user", typed, actor=Actor.cli("tests"))
    again = MappingEdit("displayName", SourceType.ATTRIBUTE, "manager", default_value="none")
    edited = await services.mappings.set_mapping("Webex", "user", again, actor=Actor.cli("tests"))
    shown = next(m for m in edited.mappings if m.target == "displayName")
    assert (shown.target_type, shown.default_value) == (TargetType.STRING, "none")
