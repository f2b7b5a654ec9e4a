"""Resource validation (RFC 7644 §3.3), projection (§3.4.2.5) and sort keys (§3.4.2.3)."""

from __future__ import annotations

from typing import Any

import pytest

from scimitar.scim.errors import InvalidValueError, MutabilityError
from scimitar.scim.resource import project, sort_key, validate_resource
from scimitar.scim.schema import Attribute, ResourceSchema, Schema, group_schema
from scimitar.scim.urns import CISCO_USER, CORE_GROUP, CORE_USER, ENTERPRISE_USER, MICROSOFT_GROUP


def _body(**extra: Any) -> dict[str, Any]:
    return {"schemas": [CORE_USER], "userName": "bjensen@example.com", **extra}


def test_entra_create_user_body(users: ResourceSchema) -> None:
    body = {
        "schemas": [CORE_USER, ENTERPRISE_USER],
        "externalId": "0a21f0f2",
        "userName": "bjensen@example.com",
        "active": True,
        "addresses": None,
        "emails": [{"primary": True, "type": "work", "value": "bjensen@example.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Barbara Jensen", "familyName": "Jensen", "givenName": "Barbara"},
        "roles": [],
    }
    assert validate_resource(body, users, mode="create") == {
        "schemas": [CORE_USER],
        "externalId": "0a21f0f2",
        "userName": "bjensen@example.com",
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": "bjensen@example.com"}],
        "name": {"formatted": "Barbara Jensen", "familyName": "Jensen", "givenName": "Barbara"},
    }


def test_entra_create_group_body() -> None:
    body = {
        "schemas": [CORE_GROUP, MICROSOFT_GROUP],
        "externalId": "8aa1a0c0",
        "displayName": "Sales EMEA",
        "meta": {"resourceType": "Group"},
    }
    result = validate_resource(body, group_schema("webex"), mode="create")
    assert result == {
        "schemas": [CORE_GROUP],
        "externalId": "8aa1a0c0",
        "displayName": "Sales EMEA",
    }


def test_webex_create_user_body(users: ResourceSchema) -> None:
    body = _body(
        schemas=[CORE_USER, ENTERPRISE_USER, CISCO_USER, "urn:example:unknown"],
        userType="user",
        id="client-chosen",
        groups=[{"value": "g1"}],
        **{
            "urn:example:unknown": {"x": 1},
            ENTERPRISE_USER: {"department": "789", "manager": {"value": "m1", "$ref": "u/m1"}},
            CISCO_USER: {"accountStatus": "active", "provisionSource": "AAD", "mfaEnabled": "True"},
        },
    )
    result = validate_resource(body, users, mode="create")
    assert result["schemas"] == [CORE_USER, ENTERPRISE_USER, CISCO_USER]
    assert "id" not in result
    assert "groups" not in result
    assert "urn:example:unknown" not in result
    assert result[ENTERPRISE_USER] == {"department": "789", "manager": {"value": "m1"}}
    assert result[CISCO_USER] == {"accountStatus": ["active"], "mfaEnabled": True}


def test_attribute_names_are_canonicalised(users: ResourceSchema) -> None:
    body = {
        "SCHEMAS": [CORE_USER.upper()],
        "schemas": [CORE_USER.upper()],
        "USERNAME": "b",
        "Name": {"GIVENNAME": "B"},
    }
    result = validate_resource(body, users, mode="replace")
    assert result == {"schemas": [CORE_USER], "userName": "b", "name": {"givenName": "B"}}


def test_extension_attribute_given_by_full_urn_key(users: ResourceSchema) -> None:
    result = validate_resource(
        _body(**{f"{ENTERPRISE_USER}:employeeNumber": "7"}), users, mode="create"
    )
    assert result[ENTERPRISE_USER] == {"employeeNumber": "7"}
    assert ENTERPRISE_USER in result["schemas"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"userName": "b"}, "'schemas' must list"),
        ({"schemas": [ENTERPRISE_USER], "userName": "b"}, "'schemas' must list"),
        ({"schemas": CORE_USER, "userName": "b"}, "'schemas' must list"),
        ({"schemas": [CORE_USER]}, "'userName' is required"),
        ({"schemas": [CORE_USER], "userName": None}, "'userName' is required"),
        (_body(shoeSize=44), "Unknown attribute 'shoeSize'"),
        (_body(**{ENTERPRISE_USER: {"shoeSize": 1}}), "shoeSize"),
        (_body(**{ENTERPRISE_USER: "x"}), "must be an object"),
        (_body(active="yes"), "'active' must be a boolean"),
        (_body(title=["a", "b"]), "'title' is single-valued"),
        (_body(name={"givenName": 3}), "'name.givenName' must be a string"),
        (
            _body(emails=[{"value": "a", "type": "work"}, {"value": "b", "type": "WORK"}]),
            "type 'WORK'",
        ),
        (
            _body(emails=[{"value": "a", "primary": True}, {"value": "b", "primary": True}]),
            "2 values marked primary",
        ),
        (_body(emails=[{"value": "a", "kind": "work"}]), "no sub-attribute 'kind'"),
        (
            _body(**{CISCO_USER: {"managedSites": [{"siteName": "s"}]}}),
            "managedSites.role' is required",
        ),
    ],
    ids=[
        "no-schemas",
        "no-core-urn",
        "schemas-not-list",
        "missing-required",
        "null-required",
        "unknown-attribute",
        "unknown-extension-attribute",
        "extension-not-object",
        "bad-boolean",
        "list-for-single",
        "bad-sub-attribute-type",
        "duplicate-type",
        "two-primaries",
        "unknown-sub-attribute",
        "required-sub-attribute",
    ],
)
def test_rejections_name_the_attribute(
    body: dict[str, Any], words: str, users: ResourceSchema
) -> None:
    with pytest.raises(InvalidValueError) as caught:
        validate_resource(body, users, mode="create")
    assert words in caught.value.detail
    assert caught.value.scim_type == "invalidValue"


def test_strict_canonical_values_only_where_marked(groups: ResourceSchema) -> None:
    ext = "urn:scim:schemas:extension:cisco:webexidentity:2.0:Group"
    ok = {"schemas": [CORE_GROUP], "displayName": "G", ext: {"usage": "anything"}}
    assert validate_resource(ok, groups, mode="create")[ext] == {"usage": "anything"}
    bad = {"schemas": [CORE_GROUP], "displayName": "G", ext: {"inheritances": [{"type": "team"}]}}
    with pytest.raises(InvalidValueError, match="use one of: role"):
        validate_resource(bad, groups, mode="create")


def test_replace_keeps_immutable_values() -> None:
    schema = ResourceSchema(
        "Thing",
        "/Things",
        Schema("urn:x:Thing", "Thing", "", (Attribute("serial", mutability="immutable"),)),
    )
    body = {"schemas": ["urn:x:Thing"], "serial": "B"}
    with pytest.raises(MutabilityError, match="serial"):
        validate_resource(body, schema, mode="replace", existing={"serial": "A"})
    assert (
        validate_resource(body, schema, mode="replace", existing={"serial": "B"})["serial"] == "B"
    )


def test_validation_does_not_mutate_input(users: ResourceSchema) -> None:
    body = _body(active="True", addresses=None)
    validate_resource(body, users, mode="create")
    assert body == _body(active="True", addresses=None)


STORED: dict[str, Any] = {
    "schemas": [CORE_USER, ENTERPRISE_USER],
    "id": "u1",
    "userName": "bjensen@example.com",
    "password": "secret",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [{"value": "b@example.com", "type": "work", "primary": True}],
    "meta": {"resourceType": "User"},
    ENTERPRISE_USER: {"department": "Tours", "manager": {"value": "m1", "displayName": "Boss"}},
}


@pytest.mark.parametrize(
    ("attributes", "excluded", "expected_keys"),
    [
        (None, None, {"schemas", "id", "userName", "name", "emails", "meta", ENTERPRISE_USER}),
        (["userName"], None, {"schemas", "id", "userName"}),
        (["USERNAME", "password"], None, {"schemas", "id", "userName"}),
        ([ENTERPRISE_USER], None, {"schemas", "id", ENTERPRISE_USER}),
        (["department"], None, {"schemas", "id", ENTERPRISE_USER}),
        (["shoeSize"], None, {"schemas", "id"}),
        (None, ["emails", "name", "id"], {"schemas", "id", "userName", "meta", ENTERPRISE_USER}),
        (["userName"], ["userName"], {"schemas", "id", "userName"}),
    ],
    ids=[
        "default-drops-never",
        "attributes",
        "attributes-any-case-never-still-dropped",
        "schema-urn",
        "extension-attribute",
        "unknown-name",
        "excluded-keeps-id",
        "attributes-win-over-excluded",
    ],
)
def test_project_keys(
    attributes: list[str] | None,
    excluded: list[str] | None,
    expected_keys: set[str],
    users: ResourceSchema,
) -> None:
    assert set(project(STORED, users, attributes, excluded)) == expected_keys


def test_project_sub_attributes(users: ResourceSchema) -> None:
    result = project(
        STORED, users, ["name.givenName", "emails.value", f"{ENTERPRISE_USER}:manager.value"], None
    )
    assert result["name"] == {"givenName": "Barbara"}
    assert result["emails"] == [{"value": "b@example.com"}]
    assert result[ENTERPRISE_USER] == {"manager": {"value": "m1"}}


def test_project_excluded_sub_attribute(users: ResourceSchema) -> None:
    result = project(
        STORED,
        users,
        None,
        ["emails.type", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"],
    )
    assert result["emails"] == [{"value": "b@example.com", "primary": True}]
    assert result[ENTERPRISE_USER] == {"department": "Tours"}


def test_group_members_excluded(groups: ResourceSchema) -> None:
    group = {"schemas": [CORE_GROUP], "id": "g", "displayName": "G", "members": [{"value": "u1"}]}
    assert project(group, groups, None, ["members"]) == {
        "schemas": [CORE_GROUP],
        "id": "g",
        "displayName": "G",
    }


def _user(user_name: str | None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user_name or "none", **extra}
    if user_name is not None:
        data["userName"] = user_name
    return data


def test_sort_by_user_name_case_insensitive_missing_last(users: ResourceSchema) -> None:
    resources = [_user("carol"), _user(None), _user("Bob"), _user("alice")]
    ordered = sorted(resources, key=lambda r: sort_key(r, "userName", users))
    assert [r.get("userName") for r in ordered] == ["alice", "Bob", "carol", None]


def test_sort_case_exact_attribute(users: ResourceSchema) -> None:
    resources = [_user("x", externalId="b"), _user("y", externalId="B"), _user("z", externalId="a")]
    ordered = sorted(resources, key=lambda r: sort_key(r, "externalId", users))
    assert [r["externalId"] for r in ordered] == ["B", "a", "b"]


def test_sort_date_times_as_instants(users: ResourceSchema) -> None:
    resources = [
        _user("late", meta={"lastModified": "2020-01-01T01:30:00+02:00"}),
        _user("early", meta={"lastModified": "2020-01-01T00:00:00Z"}),
    ]
    ordered = sorted(resources, key=lambda r: sort_key(r, "meta.lastModified", users))
    assert [r["userName"] for r in ordered] == ["late", "early"]


def test_sort_multi_valued_uses_primary(users: ResourceSchema) -> None:
    resources = [
        _user("p", emails=[{"value": "z@x"}, {"value": "a@x", "primary": True}]),
        _user("q", emails=[{"value": "m@x"}]),
    ]
    ordered = sorted(resources, key=lambda r: sort_key(r, "emails.value", users))
    assert [r["userName"] for r in ordered] == ["p", "q"]
    assert sort_key(resources[1], "emails", users) == sort_key(resources[1], "emails.value", users)


def test_sort_unknown_attribute_is_missing(users: ResourceSchema) -> None:
    assert sort_key(_user("a"), "shoeSize", users) == sort_key(_user(None), "userName", users)
