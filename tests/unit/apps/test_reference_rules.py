"""How mappings are typed from the target attribute list, and the rules for references."""

from __future__ import annotations

import pytest

from scimitar.apps.attributes import AttributeOrigin, TargetAttributeDefinition
from scimitar.apps.reference_rules import (
    check_references,
    reference_warnings,
    retype_edited,
    typed_mapping,
)
from scimitar.errors import ConfigError
from scimitar.gallery.service import GalleryService
from scimitar.mapping.defaults import SCIM_GROUP_MAPPINGS, WEBEX_USER_MAPPINGS
from scimitar.mapping.mappings import AttributeMapping, MappingSet, TargetType

MANAGER_VALUE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
SPONSOR = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User:sponsor"
ATTRIBUTES = (
    TargetAttributeDefinition(MANAGER_VALUE, origin=AttributeOrigin.DISCOVERED),
    TargetAttributeDefinition(SPONSOR, TargetType.REFERENCE, referenced_object="User"),
    TargetAttributeDefinition("displayName", origin=AttributeOrigin.TEMPLATE),
)


def _manager(target: str) -> AttributeMapping:
    return AttributeMapping.direct("manager", target)


@pytest.mark.parametrize(
    ("target", "explicit", "expected"),
    [
        (SPONSOR, None, TargetType.REFERENCE),
        (MANAGER_VALUE, TargetType.REFERENCE, TargetType.REFERENCE),
        (MANAGER_VALUE, TargetType.STRING, TargetType.STRING),
        (SPONSOR, TargetType.STRING, TargetType.STRING),
    ],
    ids=["inferred", "explicit-reference", "explicit-string", "string-over-reference"],
)
def test_manager_is_typed(target: str, explicit: TargetType | None, expected: TargetType) -> None:
    assert typed_mapping("User", _manager(target), ATTRIBUTES, explicit).target_type is expected


def test_manager_to_a_string_attribute_without_a_type_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"types .*manager.value String.*--type reference"):
        typed_mapping("User", _manager(MANAGER_VALUE), ATTRIBUTES, None)


@pytest.mark.parametrize(
    ("mapping", "explicit"),
    [
        (AttributeMapping.direct("displayName", SPONSOR), None),
        (AttributeMapping.constant("x", "displayName"), TargetType.REFERENCE),
        (AttributeMapping.expression("[manager]", SPONSOR), None),
    ],
    ids=["attribute-to-reference", "constant-typed-reference", "expression-to-reference"],
)
def test_only_a_direct_reference_source_is_a_reference(
    mapping: AttributeMapping, explicit: TargetType | None
) -> None:
    with pytest.raises(ConfigError, match="only a direct mapping of the User reference"):
        typed_mapping("User", mapping, ATTRIBUTES, explicit)


def test_an_unchanged_source_keeps_its_type() -> None:
    mapping_set = MappingSet(
        "u",
        "User",
        (
            AttributeMapping.direct("userPrincipalName", "userName", matching_precedence=1),
            AttributeMapping.direct("manager", MANAGER_VALUE, target_type=TargetType.STRING),
        ),
    )
    kept = retype_edited(mapping_set, MANAGER_VALUE, ATTRIBUTES, None, is_source_changed=False)
    assert kept.mappings[1].target_type is TargetType.STRING
    with pytest.raises(ConfigError, match="--type string"):
        retype_edited(mapping_set, MANAGER_VALUE, ATTRIBUTES, None, is_source_changed=True)


def test_a_user_set_sends_the_manager_to_one_attribute() -> None:
    mapping_set = MappingSet(
        "u",
        "User",
        (
            *WEBEX_USER_MAPPINGS.mappings,
            AttributeMapping.direct("manager", SPONSOR, target_type=TargetType.REFERENCE),
            AttributeMapping.direct("manager", MANAGER_VALUE, target_type=TargetType.REFERENCE),
        ),
    )
    with pytest.raises(ConfigError, match="one target attribute"):
        check_references(mapping_set)


def test_group_members_go_to_members() -> None:
    check_references(SCIM_GROUP_MAPPINGS)
    moved = MappingSet(
        "g",
        "Group",
        (
            AttributeMapping.direct("displayName", "displayName", matching_precedence=1),
            AttributeMapping.direct("members", "externalId", target_type=TargetType.REFERENCE),
        ),
    )
    with pytest.raises(ConfigError, match="sent to members"):
        check_references(moved)


def test_a_manager_sent_as_text_warns() -> None:
    mapping_set = MappingSet(
        "u",
        "User",
        (
            AttributeMapping.direct("userPrincipalName", "userName", matching_precedence=1),
            AttributeMapping.direct("manager", MANAGER_VALUE),
        ),
    )
    (warning,) = reference_warnings(mapping_set)
    assert "objectId" in warning
    assert MANAGER_VALUE in warning
    assert reference_warnings(mapping_set, "userName") == []
    assert reference_warnings(WEBEX_USER_MAPPINGS) == []


@pytest.mark.parametrize("template", [t.id for t in GalleryService.builtin().list()])
def test_every_templates_default_mappings_keep_the_reference_rules(template: str) -> None:
    # An app's every mapping edit re-checks its whole set: defaults must pass.
    for mapping_set in GalleryService.builtin().get(template).default_mappings.values():
        check_references(mapping_set)
