"""The target attribute list: template, discovered and added attributes, with their types."""

from __future__ import annotations

import pytest

from scimitar.apps.attributes import (
    AttributeOrigin,
    attribute_list,
    dump_custom,
    load_custom,
    new_custom_attribute,
    type_named,
)
from scimitar.connector.discovery import DiscoveredAttribute, Discovery
from scimitar.errors import ConfigError
from scimitar.gallery.service import GalleryService
from scimitar.mapping.mappings import TargetType

BADGE = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User:badge"


def test_the_list_joins_template_discovery_and_the_admins_attributes() -> None:
    template = GalleryService.builtin().get("cisco-webex")
    discovery = Discovery(
        None,
        {
            "User": (
                DiscoveredAttribute("userName", "String"),
                DiscoveredAttribute("nickName", "Binary"),
                DiscoveredAttribute("emails.value", "String", is_multi_valued=True),
            )
        },
    )
    badge = new_custom_attribute("User", BADGE, TargetType.INTEGER, is_required=True)
    found = attribute_list(template, discovery, {"User": (badge,)}, "User")
    names = [a.name for a in found]
    assert names[:6] == [a.name for a in template.target_attributes("User")]
    assert names[6:] == ["nickName", "emails.value", BADGE]
    origins = {a.name: a.origin for a in found}
    assert origins["userName"] is AttributeOrigin.TEMPLATE
    assert origins["nickName"] is AttributeOrigin.DISCOVERED
    assert found[7].is_multi_valued
    assert found[6].type is TargetType.STRING
    members = attribute_list(template, None, {}, "Group")[-1]
    assert (members.name, members.type, members.referenced_object) == (
        "members",
        TargetType.REFERENCE,
        "User",
    )


def test_added_attributes_round_trip_through_storage() -> None:
    sponsor = new_custom_attribute(
        "User", BADGE.replace("badge", "sponsor"), type_named("reference"), referenced_object="user"
    )
    badge = new_custom_attribute("User", BADGE, type_named("dateTime"), is_multi_valued=True)
    stored = dump_custom({"User": (sponsor, badge), "Group": ()})
    assert load_custom(stored) == {"User": (sponsor, badge)}
    assert sponsor.referenced_object == "User"
    assert dump_custom({}) is None
    assert load_custom(None) == {}


@pytest.mark.parametrize(
    ("object_type", "name", "kind", "refers_to", "message"),
    [
        ("User", "urn:ietf:params:scim:schemas:extension:contoso:2.0:Group:x", "String", None,
         "ends in :User"),
        ("User", BADGE, "Complex", None, "cannot be Complex"),
        ("User", BADGE, "Reference", None, "which object type"),
        ("User", BADGE, "Reference", "Device", "User or Group, not 'Device'"),
        ("User", BADGE, "String", "User", "only a Reference"),
        ("User", "bad path[", "String", None, "not a valid path"),
    ],
    ids=["urn-of-groups", "complex", "reference-without-object", "unknown-object",
         "flag-on-a-string", "bad-path"],
)  # fmt: skip
def test_bad_attributes_are_refused(
    object_type: str, name: str, kind: str, refers_to: str | None, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        new_custom_attribute(object_type, name, type_named(kind), referenced_object=refers_to)


def test_an_unknown_type_names_the_types() -> None:
    with pytest.raises(ConfigError, match="String, Boolean, Integer, DateTime, Reference"):
        type_named("float")
