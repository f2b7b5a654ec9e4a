"""PATCH (RFC 7644 §3.5.2) against RFC examples and Entra's request shapes."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tests.unit.scim.conftest import SAMPLES, load_sample

from scimitar.scim.errors import (
    InvalidPathError,
    InvalidSyntaxError,
    InvalidValueError,
    MutabilityError,
    NoTargetError,
    SCIMError,
)
from scimitar.scim.patch import apply_patch
from scimitar.scim.schema import ResourceSchema, group_schema, user_schema

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
_CASE_KEYS = {"source", "resource_type", "profile", "before", "request", "expected"}


def _patch_samples() -> list[str]:
    """Sample files that are PATCH cases (before, request, expected)."""
    names = []
    for path in sorted(SAMPLES.glob("*.json")):
        content = load_sample(path.name)
        if isinstance(content, dict) and set(content) == _CASE_KEYS:
            names.append(path.name)
    return names


PATCH_SAMPLES = _patch_samples()


def _schema(case: dict[str, Any]) -> ResourceSchema:
    build = user_schema if case["resource_type"] == "User" else group_schema
    return build(case["profile"])


@pytest.mark.parametrize("name", PATCH_SAMPLES, ids=PATCH_SAMPLES)
def test_sample(name: str) -> None:
    case = load_sample(name)
    before = copy.deepcopy(case["before"])

    result = apply_patch(case["before"], case["request"]["Operations"], _schema(case))

    assert result == case["expected"]
    assert case["before"] == before


def _user(**extra: Any) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "u1",
        "userName": "bjensen@example.com",
        **extra,
    }


def _patch(resource: dict[str, Any], *ops: dict[str, Any]) -> dict[str, Any]:
    return apply_patch(resource, ops, user_schema("webex"))


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("Replace", "True", True),
        ("REPLACE", "false", False),
        ("replace", "FALSE", False),
        ("add", True, True),
    ],
    ids=["capitalised-True", "upper-op-false", "upper-string", "boolean"],
)
def test_boolean_strings_and_op_case(op: str, value: Any, expected: bool) -> None:
    result = _patch(_user(active=not expected), {"op": op, "path": "active", "value": value})
    assert result["active"] is expected


def test_attribute_names_keep_canonical_case() -> None:
    result = _patch(_user(), {"op": "add", "path": "NICKNAME", "value": "Babs"})
    assert result["nickName"] == "Babs"
    assert "NICKNAME" not in result


def test_stored_key_in_other_case_is_replaced_not_duplicated() -> None:
    result = _patch(_user(nickname="old"), {"op": "replace", "path": "nickName", "value": "new"})
    assert result == _user(nickName="new")


def test_add_to_multi_valued_does_not_duplicate() -> None:
    email = {"value": "a@example.com", "type": "work"}
    result = _patch(_user(emails=[email]), {"op": "add", "path": "emails", "value": [email]})
    assert result["emails"] == [email]


def test_add_primary_clears_other_primary() -> None:
    resource = _user(emails=[{"value": "a@example.com", "type": "work", "primary": True}])
    new = {"value": "b@example.com", "type": "home", "primary": True}
    result = _patch(resource, {"op": "add", "path": "emails", "value": [new]})
    assert [e.get("primary") for e in result["emails"]] == [False, True]


def test_add_complex_merges_sub_attributes() -> None:
    resource = _user(name={"givenName": "Barbara"})
    result = _patch(resource, {"op": "add", "path": "name", "value": {"familyName": "Jensen"}})
    assert result["name"] == {"givenName": "Barbara", "familyName": "Jensen"}


def test_new_manager_value_drops_stale_display_name() -> None:
    resource = _user(**{ENT: {"manager": {"value": "m1", "displayName": "Old Boss"}}})
    result = _patch(resource, {"op": "replace", "path": f"{ENT}:manager.value", "value": "m2"})
    assert result[ENT]["manager"]["value"] == "m2"
    result = _patch(resource, {"op": "replace", "path": "manager", "value": "m2"})
    assert result[ENT]["manager"] == {"value": "m2"}


def test_replace_with_null_unassigns() -> None:
    result = _patch(_user(title="Guide"), {"op": "replace", "value": {"title": None}})
    assert "title" not in result


def test_removing_last_extension_attribute_drops_the_extension() -> None:
    resource = _user(**{ENT: {"department": "Tours"}})
    resource["schemas"].append(ENT)
    result = _patch(resource, {"op": "remove", "path": f"{ENT}:department"})
    assert ENT not in result
    assert result["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:User"]


def test_path_naming_an_extension_urn_takes_a_value_map() -> None:
    result = _patch(_user(), {"op": "add", "path": ENT, "value": {"costCenter": "4130"}})
    assert result[ENT] == {"costCenter": "4130"}
    assert ENT in result["schemas"]


def test_operations_apply_in_order_each_on_previous_result() -> None:
    result = _patch(
        _user(),
        {"op": "add", "path": "title", "value": "Guide"},
        {"op": "replace", "path": "title", "value": "Senior Guide"},
    )
    assert result["title"] == "Senior Guide"


def test_remove_of_absent_member_is_not_an_error() -> None:
    group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G"}
    ops = [{"op": "remove", "path": 'members[value eq "nobody"]'}]
    assert apply_patch(group, ops, group_schema("generic")) == group


def test_replace_element_with_immutable_member_value_changed_is_rejected() -> None:
    group = {"displayName": "G", "members": [{"value": "a"}]}
    ops = [{"op": "replace", "path": 'members[value eq "a"].value', "value": "b"}]
    with pytest.raises(MutabilityError, match=r"members\.value"):
        apply_patch(group, ops, group_schema("generic"))


@pytest.mark.parametrize(
    ("ops", "error", "words"),
    [
        ([{"op": "remove"}], NoTargetError, "without a path"),
        ([{"op": "Remove", "path": ""}], NoTargetError, "without a path"),
        ([{"op": "move", "path": "title"}], InvalidSyntaxError, "'move'"),
        (["not an object"], InvalidSyntaxError, "operation 1"),
        ([{"op": "replace", "path": "id", "value": "x"}], MutabilityError, "'id' is readOnly"),
        ([{"op": "add", "path": "groups", "value": [{"value": "g"}]}], MutabilityError, "groups"),
        ([{"op": "replace", "path": "meta.created", "value": "x"}], MutabilityError, "meta"),
        ([{"op": "add", "path": "shoeSize", "value": 42}], InvalidPathError, "shoeSize"),
        ([{"op": "add", "path": "name.nickname", "value": "x"}], InvalidPathError, "nickname"),
        ([{"op": "add", "value": {"shoeSize": 42}}], InvalidValueError, "shoeSize"),
        ([{"op": "replace", "path": "active", "value": "yes"}], InvalidValueError, "boolean"),
        (
            [{"op": "replace", "path": "title", "value": 7}],
            InvalidValueError,
            "'title' must be a string",
        ),
        (
            [{"op": "replace", "path": "name", "value": "x"}],
            InvalidValueError,
            "'name' must be an object",
        ),
        (
            [{"op": "replace", "path": "emails", "value": [{"value": "a", "kind": "x"}]}],
            InvalidValueError,
            "kind",
        ),
        ([{"op": "remove", "path": "userName"}], InvalidValueError, "required"),
        ([{"op": "replace", "value": "x"}], InvalidValueError, "object of attributes"),
        (
            [
                {
                    "op": "replace",
                    "path": 'emails[value eq "none@example.com"]',
                    "value": {"value": "x"},
                }
            ],
            NoTargetError,
            "emails",
        ),
        (
            [{"op": "replace", "path": 'emails[value co "zzz"].display', "value": "x"}],
            NoTargetError,
            "emails",
        ),
        (
            [{"op": "replace", "path": 'emails[type eq "work"]', "value": {"value": "x"}}],
            NoTargetError,
            "emails",
        ),
        (
            [{"op": "replace", "path": 'title[value eq "x"]', "value": "y"}],
            InvalidPathError,
            "not complex",
        ),
        (
            [{"op": "replace", "path": "emails[type eq]", "value": "y"}],
            InvalidPathError,
            "position 14",
        ),
        (
            [
                {
                    "op": "add",
                    "path": "emails",
                    "value": [{"value": "a", "type": "work"}, {"value": "b", "type": "Work"}],
                }
            ],
            InvalidValueError,
            "type 'Work'",
        ),
    ],
    ids=[
        "remove-without-path",
        "remove-empty-path",
        "unknown-op",
        "operation-not-object",
        "readonly-id",
        "readonly-groups",
        "readonly-meta",
        "unknown-attribute",
        "unknown-sub-attribute",
        "unknown-attribute-in-value-map",
        "boolean-garbage",
        "string-wrong-type",
        "complex-wrong-type",
        "unknown-sub-attribute-in-value",
        "remove-required",
        "pathless-value-not-object",
        "replace-filter-no-match",
        "replace-non-equality-filter-no-match",
        "replace-typed-filter-without-sub-no-match",
        "filter-on-simple-attribute",
        "bad-filter-in-path",
        "duplicate-type",
    ],
)
def test_errors(ops: list[Any], error: type[SCIMError], words: str) -> None:
    with pytest.raises(error, match=words) as caught:
        _patch(_user(emails=[{"value": "a@example.com", "type": "home"}]), *ops)
    assert caught.value.status == 400


def test_stops_at_first_error_without_touching_input() -> None:
    resource = _user()
    with pytest.raises(NoTargetError):
        _patch(resource, {"op": "add", "path": "title", "value": "x"}, {"op": "remove"})
    assert resource == _user()


def test_two_primaries_in_one_add_keep_the_last() -> None:
    value = [{"value": "a", "primary": True}, {"value": "b", "primary": True}]
    result = _patch(_user(), {"op": "add", "path": "emails", "value": value})
    assert [e["primary"] for e in result["emails"]] == [False, True]
