"""Applying mapping sets (docs/entra.md §2.3, §7): the resource sent, defaults, flow types,
diffs."""

from __future__ import annotations

from typing import Any

import pytest

from scimitar.errors import ObjectError
from scimitar.mapping.defaults import SCIM_GROUP_MAPPINGS, SCIM_USER_MAPPINGS, WEBEX_USER_MAPPINGS
from scimitar.mapping.flow import REDACTED, CompiledMappingSet
from scimitar.mapping.mappings import AttributeMapping, FlowType, MappingSet, TargetType

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ZOE: dict[str, Any] = {
    "objectId": "6f1c9a8e-0000-4000-8000-000000000001",
    "userPrincipalName": "zoe.dupont@contoso.com",
    "mail": "zoe.dupont@contoso.com",
    "mailNickname": "zoe.dupont",
    "givenName": "Zoë",
    "surname": "Dupont",
    "displayName": "Zoë Dupont",
    "jobTitle": "Engineer",
    "department": "R&D",
    "employeeId": "1042",
    "city": "Paris",
    "country": "FR",
    "mobile": "+33 6 00 00 00 00",
    "preferredLanguage": "fr-FR",
    "manager": "6f1c9a8e-0000-4000-8000-000000000002",
    "accountEnabled": True,
}


def one(mapping: AttributeMapping, object_type: str = "User") -> CompiledMappingSet:
    return CompiledMappingSet(MappingSet("t", object_type, (mapping,)))


def test_default_user_mapping_builds_entras_resource_shape() -> None:
    result = CompiledMappingSet(SCIM_USER_MAPPINGS).apply(ZOE)
    assert result.resource == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": "zoe.dupont@contoso.com",
        "active": True,
        "displayName": "Zoë Dupont",
        "title": "Engineer",
        "emails": [{"type": "work", "primary": True, "value": "zoe.dupont@contoso.com"}],
        "preferredLanguage": "fr-FR",
        "name": {"givenName": "Zoë", "familyName": "Dupont", "formatted": "Zoë Dupont"},
        "addresses": [{"type": "work", "locality": "Paris", "country": "FR"}],
        "phoneNumbers": [{"type": "mobile", "value": "+33 6 00 00 00 00"}],
        "externalId": "zoe.dupont",
        ENTERPRISE: {
            "employeeNumber": "1042",
            "department": "R&D",
            "manager": {"value": "6f1c9a8e-0000-4000-8000-000000000002"},
        },
    }
    assert result.references == {f"{ENTERPRISE}:manager": ZOE["manager"]}


@pytest.mark.parametrize(
    ("change", "active"),
    [
        pytest.param({}, True, id="enabled"),
        pytest.param({"accountEnabled": False}, False, id="sign-in-blocked"),
        pytest.param({"isSoftDeleted": True}, False, id="soft-deleted"),
    ],
)
def test_active_follows_is_soft_deleted(change: dict[str, Any], active: bool) -> None:
    result = CompiledMappingSet(WEBEX_USER_MAPPINGS).apply({**ZOE, **change}, is_create=False)
    assert result.resource["active"] is active


def test_nulls_are_not_sent() -> None:
    result = CompiledMappingSet(SCIM_USER_MAPPINGS).apply({"userPrincipalName": "a@b.c"})
    assert set(result.resource) == {"schemas", "userName", "active"}
    assert result.resource["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:User"]


def test_default_value_applies_only_on_create() -> None:
    mapping_set = one(AttributeMapping.direct("department", "title", default_value="Staff"))
    assert mapping_set.apply({}, is_create=True).resource["title"] == "Staff"
    assert "title" not in mapping_set.apply({}, is_create=False).resource


def test_object_add_only_mapping_flows_only_on_create() -> None:
    mapping_set = one(
        AttributeMapping.constant("Welcome1", "password", flow_type=FlowType.OBJECT_ADD_ONLY)
    )
    assert mapping_set.apply({}, is_create=True).resource["password"] == "Welcome1"
    assert "password" not in mapping_set.apply({}, is_create=False).resource


def test_required_attribute_without_value_fails_on_create_only() -> None:
    mapping_set = CompiledMappingSet(SCIM_USER_MAPPINGS)
    with pytest.raises(ObjectError, match="MandatoryFieldsMissing: no value for userName"):
        mapping_set.apply({"mail": "x@y"})
    assert mapping_set.apply({"mail": "x@y"}, is_create=False).missing_required == ("userName",)


def test_ignore_flow_if_null_or_empty_drops_the_attribute_even_with_a_default() -> None:
    mapping = AttributeMapping.expression(
        "IgnoreFlowIfNullOrEmpty([department])", "title", default_value="Staff"
    )
    result = one(mapping).apply({"department": ""})
    assert "title" not in result.resource
    assert result.dropped == ("title",)


def test_redacted_values_flow_but_are_hidden_in_logs() -> None:
    result = one(AttributeMapping.expression("Redact([employeeId])", "password")).apply(ZOE)
    assert result.resource["password"] == "1042"
    assert result.logged_values() == {"password": REDACTED}


def test_select_unique_value_asks_the_uniqueness_callback() -> None:
    mapping = AttributeMapping.expression(
        'SelectUniqueValue(Join("@", [mailNickname], "contoso.com"), '
        'Join("@", Join(".", [mailNickname], "2"), "contoso.com"))',
        "userName",
        flow_type=FlowType.OBJECT_ADD_ONLY,
    )
    result = one(mapping).apply(ZOE, is_unique=lambda v: v != "zoe.dupont@contoso.com")
    assert result.resource["userName"] == "zoe.dupont.2@contoso.com"
    with pytest.raises(ObjectError, match="already taken"):
        one(mapping).apply(ZOE, is_unique=lambda v: False)


def test_constant_and_typed_targets() -> None:
    mapping_set = CompiledMappingSet(
        MappingSet(
            "t",
            "User",
            (
                AttributeMapping.constant(
                    "true", "urn:x:2.0:User:isLicensed", target_type=TargetType.BOOLEAN
                ),
                AttributeMapping.expression(
                    "Count([proxyAddresses])", "nickName", target_type=TargetType.INTEGER
                ),
                AttributeMapping.expression(
                    'CDate("2021-01-02T03:04:05Z")',
                    "urn:x:2.0:User:hired",
                    target_type=TargetType.DATETIME,
                ),
            ),
        )
    )
    resource = mapping_set.apply({"proxyAddresses": ["a", "b"]}).resource
    assert resource["urn:x:2.0:User"] == {"isLicensed": True, "hired": "2021-01-02T03:04:05Z"}
    assert resource["nickName"] == 2
    assert resource["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:User"]


def test_value_not_fitting_its_target_type_is_an_object_error() -> None:
    mapping_set = one(AttributeMapping.direct("jobTitle", "active", target_type=TargetType.BOOLEAN))
    with pytest.raises(ObjectError, match="not a valid Boolean"):
        mapping_set.apply({"jobTitle": "maybe"})


def test_expression_failure_names_the_mapping() -> None:
    mapping_set = one(AttributeMapping.expression("CDate([jobTitle])", "title"))
    with pytest.raises(ObjectError, match="mapping 'title': CDate: 'x' is not a date"):
        mapping_set.apply({"jobTitle": "x"})


def test_app_roles_flow_as_complex_roles_and_assertive_ones_are_flagged() -> None:
    roles = [{"id": "1", "value": "Admin", "displayName": "Admin"}]
    assertive = one(
        AttributeMapping.expression(
            "AssertiveAppRoleAssignmentsComplex([appRoleAssignments])",
            "roles",
            target_type=TargetType.COMPLEX,
        )
    ).apply({"appRoleAssignments": roles})
    assert assertive.resource["roles"] == [
        {
            "primary": False,
            "type": "WindowsAzureActiveDirectoryRole",
            "display": "Admin",
            "value": "Admin",
        }
    ]
    assert assertive.assertive == frozenset({"roles"})
    single = one(
        AttributeMapping.expression(
            "SingleAppRoleAssignment([appRoleAssignments])", 'roles[primary eq "True"].value'
        )
    ).apply({"appRoleAssignments": roles})
    assert single.resource["roles"] == [{"primary": True, "value": "Admin"}]


def test_group_mapping_sends_member_references() -> None:
    result = CompiledMappingSet(SCIM_GROUP_MAPPINGS).apply(
        {"objectId": "g1", "displayName": "Sales", "members": ["u1", "u2"]}
    )
    assert result.resource == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Sales",
        "externalId": "g1",
        "members": [{"value": "u1"}, {"value": "u2"}],
    }
    assert result.references == {"members": ["u1", "u2"]}


def test_read_back_uses_the_same_paths() -> None:
    mapping_set = CompiledMappingSet(SCIM_USER_MAPPINGS)
    result = mapping_set.apply(ZOE)
    read = mapping_set.read(result.resource)
    assert {path: read[path] for path in result.values} == result.values
    assert read['addresses[type eq "work"].region'] is None


def test_diff_against_target_reports_only_changes() -> None:
    mapping_set = CompiledMappingSet(SCIM_USER_MAPPINGS)
    result = mapping_set.apply(ZOE, is_create=False)
    target = {
        "id": "t-1",
        "UserName": "ZOE.DUPONT@contoso.com",
        "active": "True",
        "displayName": "Zoë Dupont",
        "emails": [{"type": "Work", "value": "old@contoso.com", "primary": True}],
        ENTERPRISE: {"manager": {"value": ZOE["manager"], "displayName": "Boss"}},
    }
    changes = {change.path: change for change in mapping_set.diff(result, target)}
    assert "userName" not in changes  # caseExact false: a case change alone is no change
    assert "active" not in changes
    assert f"{ENTERPRISE}:manager" not in changes
    assert changes['emails[type eq "work"].value'].op == "Replace"
    assert changes["title"].op == "Add"
    assert changes["title"].new_value == "Engineer"


def test_case_exact_mapping_sees_case_changes() -> None:
    mapping_set = one(AttributeMapping.direct("userPrincipalName", "userName", is_case_exact=True))
    result = mapping_set.apply({"userPrincipalName": "a@b.c"})
    assert [c.path for c in mapping_set.diff(result, {"userName": "A@b.c"})] == ["userName"]


def test_matching_values_follow_precedence() -> None:
    mapping_set = CompiledMappingSet(
        MappingSet(
            "t",
            "User",
            (
                AttributeMapping.direct("mailNickname", "externalId", matching_precedence=2),
                AttributeMapping.direct("userPrincipalName", "userName", matching_precedence=1),
            ),
        )
    )
    assert mapping_set.matching_values(ZOE) == [
        ("userName", "zoe.dupont@contoso.com"),
        ("externalId", "zoe.dupont"),
    ]
    assert mapping_set.matching_values({"mailNickname": "z"}) == [("externalId", "z")]


def test_a_multi_valued_target_gets_a_list_with_each_value_typed() -> None:
    floors = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User:floors"
    mapping_set = MappingSet(
        "u",
        "User",
        (
            AttributeMapping.direct("userPrincipalName", "userName", matching_precedence=1),
            AttributeMapping.direct("employeeId", floors, target_type=TargetType.INTEGER),
            AttributeMapping.expression('Split("1,2", ",")', "nickName"),
        ),
    )
    compiled = CompiledMappingSet(mapping_set, multi_valued=[floors.upper(), "nickName"])
    result = compiled.apply({"userPrincipalName": "a@b.c", "employeeId": "7"})
    assert result.resource[floors.rsplit(":", 1)[0]] == {"floors": [7]}
    assert result.resource["nickName"] == ["1", "2"]
    single = CompiledMappingSet(mapping_set).apply({"userPrincipalName": "a", "employeeId": "7"})
    assert single.values[floors] == 7
