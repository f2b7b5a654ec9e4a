"""The attribute catalogue: values are checked and normalised whatever their origin."""

from __future__ import annotations

from typing import Any

import pytest

from scimitar.directory.errors import AttributeValueError
from scimitar.directory.model import (
    USER_ATTRIBUTES,
    Group,
    Member,
    ObjectType,
    User,
    coerce_attributes,
    user_defaults,
)


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("accountEnabled", "false", False),
        ("accountEnabled", " Yes ", True),
        ("accountEnabled", True, True),
        ("proxyAddresses", "SMTP:a@x.com;smtp:b@x.com", ["SMTP:a@x.com", "smtp:b@x.com"]),
        ("proxyAddresses", '["SMTP:a@x.com"]', ["SMTP:a@x.com"]),
        ("employeeId", 12345, "12345"),
        ("jobTitle", "  Engineer ", "Engineer"),
        ("jobTitle", "", None),
        ("extension_costCenter", "CC-1", "CC-1"),
        ("preferredLanguage", "de-DE", "de-DE"),
    ],
    ids=[
        "bool-text",
        "bool-yes",
        "bool",
        "list-text",
        "list-json",
        "int-text",
        "strip",
        "empty-clears",
        "extension",
        "language",
    ],
)
def test_values_are_normalised(name: str, raw: Any, expected: Any) -> None:
    assert coerce_attributes(ObjectType.USER, {name: raw}) == {name: expected}


@pytest.mark.parametrize(
    ("name", "raw", "fragment"),
    [
        ("userPrincipalName", "ada", "alias@domain"),
        ("userPrincipalName", "", "required"),
        ("accountEnabled", "maybe", "true or false"),
        ("mail", "nope", "email"),
        ("preferredLanguage", "German!", "language tag"),
        ("surname", "x" * 65, "longer than 64"),
        ("favouriteColour", "blue", "unknown attribute"),
        ("jobTitle", ["a"], "expected text"),
    ],
    ids=["upn-shape", "upn-required", "bool", "mail", "language", "length", "unknown", "type"],
)
def test_bad_values_name_their_field(name: str, raw: Any, fragment: str) -> None:
    with pytest.raises(AttributeValueError) as caught:
        coerce_attributes(ObjectType.USER, {name: raw})
    assert caught.value.field == name
    assert fragment in caught.value.message


def test_groups_take_no_user_attributes() -> None:
    with pytest.raises(AttributeValueError, match="unknown attribute"):
        coerce_attributes(ObjectType.GROUP, {"extension_x": "y"})


def test_new_users_get_entra_defaults() -> None:
    filled = user_defaults({"userPrincipalName": "ada@contoso.com", "displayName": "Ada"})
    assert filled == {
        "userPrincipalName": "ada@contoso.com",
        "displayName": "Ada",
        "mailNickname": "ada",
        "accountEnabled": True,
    }


def test_user_attributes_are_keyed_by_entra_names() -> None:
    user = User(
        "b7b4c4a0-0000-4000-8000-000000000001",
        {"userPrincipalName": "a@x.com", "extension_site": "HQ"},
    )
    attributes = user.to_attributes()
    assert set(USER_ATTRIBUTES) <= set(attributes)
    assert attributes["objectId"] == user.object_id
    assert attributes["extension_site"] == "HQ"
    assert attributes["isSoftDeleted"] is False
    assert "appRoleAssignments" not in attributes


def test_app_role_assignments_travel_when_attached() -> None:
    user = User("b7b4c4a0-0000-4000-8000-000000000001", {"userPrincipalName": "a@x.com"})
    assigned = user.with_app_role_assignments(({"appRoleId": "r1", "resourceId": "app"},))
    assert assigned.to_attributes()["appRoleAssignments"] == [
        {"appRoleId": "r1", "resourceId": "app"}
    ]


@pytest.mark.parametrize(
    ("enabled", "is_deleted", "expected"),
    [(True, False, False), (False, False, True), (True, True, True)],
    ids=["active", "disabled", "soft-deleted"],
)
def test_is_soft_deleted_follows_spec_2_1(enabled: bool, is_deleted: bool, expected: bool) -> None:
    from datetime import UTC, datetime

    deleted_at = datetime(2026, 1, 1, tzinfo=UTC) if is_deleted else None
    user = User(
        "b7b4c4a0-0000-4000-8000-000000000001",
        {"userPrincipalName": "a@x.com", "accountEnabled": enabled},
        deleted_at,
    )
    assert user.to_attributes()["isSoftDeleted"] is expected


def test_group_lists_direct_members() -> None:
    group = Group(
        "g", {"displayName": "Sales"}, (Member("u", ObjectType.USER), Member("n", ObjectType.GROUP))
    )
    assert group.to_attributes()["members"] == [
        {"objectId": "u", "objectType": "user"},
        {"objectId": "n", "objectType": "group"},
    ]
