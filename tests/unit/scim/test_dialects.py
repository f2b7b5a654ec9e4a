"""Request bodies per dialect (docs/entra.md §1.6, §1.7, §1.9), against the samples in
tests/samples."""

from __future__ import annotations

from typing import Any

import pytest
from tests.integration.target.samples import sample
from tests.unit.connector.samples import (
    ALL_DIALECTS,
    ENTERPRISE,
    UPDATE_CHANGES,
    bodies,
    dialect_free_bodies,
    load,
    sample_name,
)

from scimitar.connector.bulk import BulkOperation, bulk_bodies
from scimitar.errors import ConfigError
from scimitar.mapping.flow import AttributeChange
from scimitar.scim.bodies import create_group_body, create_user_body, put_body
from scimitar.scim.dialects import (
    ENTRA,
    MANAGER_PATH,
    RFC,
    Dialect,
    dialect_named,
    disable_body,
    enable_body,
    manager_body,
    member_patch_bodies,
    patch_body,
    patch_operations,
)

SUFFIXES = sorted(bodies(RFC))


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("dialect", ALL_DIALECTS, ids=lambda d: d.name)
def test_body_matches_its_sample(dialect: Dialect, suffix: str) -> None:
    assert bodies(dialect)[suffix] == load(sample_name(dialect, suffix))


@pytest.mark.parametrize("suffix", sorted(dialect_free_bodies()))
def test_dialect_free_body_matches_its_sample(suffix: str) -> None:
    assert dialect_free_bodies()[suffix] == load(sample_name(None, suffix))


# Cross-checks against the wire samples written from the spec for the embedded target.


def test_default_update_is_one_op_per_path_add_or_replace() -> None:
    changes = [
        AttributeChange(
            'emails[type eq "work"].value', "ada.lovelace@contoso.com", "ada@contoso.com"
        ),
        AttributeChange("name.familyName", "Lovelace", "King"),
        AttributeChange(f"{ENTERPRISE}:employeeNumber", None, "1815"),
        AttributeChange("title", None, "Analyst"),
    ]
    assert patch_body(changes, ENTRA) == sample("entra-wire-update-user-default")


def test_aadopt_update_coalesces_single_valued_replaces() -> None:
    assert patch_body(UPDATE_CHANGES, RFC) == sample("entra-wire-update-user-aadopt")


@pytest.mark.parametrize(
    ("body", "name"),
    [
        pytest.param(disable_body(ENTRA), "entra-wire-disable-user-default", id="entra-disable"),
        pytest.param(enable_body(ENTRA), "entra-wire-enable-user-default", id="entra-enable"),
        pytest.param(disable_body(RFC), "entra-wire-disable-user-aadopt", id="rfc-disable"),
        pytest.param(
            patch_body([AttributeChange("displayName", "Sales EMEA", "Sales Europe")], ENTRA),
            "entra-wire-rename-group",
            id="entra-rename-group",
        ),
    ],
)
def test_matches_entra_wire_sample(body: dict[str, Any], name: str) -> None:
    assert body == sample(name)


def test_manager_add_is_the_target_id_at_the_enterprise_path() -> None:
    assert manager_body("m-7", ENTRA) == sample("entra-wire-manager-add", manager="m-7")


def test_manager_remove_uses_a_value_filter() -> None:
    body = manager_body(None, RFC, current="m-7")
    assert body == sample("entra-wire-manager-remove", manager="m-7")


@pytest.mark.parametrize(
    ("dialect", "name"),
    [(ENTRA, "entra-wire-remove-member-default"), (RFC, "entra-wire-remove-member-aadopt")],
    ids=["entra", "rfc"],
)
def test_member_removal(dialect: Dialect, name: str) -> None:
    member = "u-42"
    [body] = member_patch_bodies([], [member], dialect)
    assert body == sample(name, member1=member, member2=member)


def test_member_add_carries_null_refs_in_the_entra_dialect() -> None:
    [body] = member_patch_bodies(["a", "b"], [], ENTRA)
    assert body == sample("entra-wire-add-members", member1="a", member2="b")


def test_group_create_matches_entras_sample() -> None:
    resource = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "externalId": "5d9b9c44-1c1f-4a57-9a43-2b8a3e1f0d77",
        "displayName": "Sales EMEA",
        "members": [{"value": "x"}],
    }
    assert create_group_body(resource, ENTRA) == sample("entra-wire-create-group")


# Behaviour.


@pytest.mark.parametrize(
    ("dialect", "value"),
    [(RFC, {"value": "u1"}), (ENTRA, {"$ref": None, "value": "u1"})],
    ids=["rfc", "entra"],
)
def test_a_group_created_with_members_names_each_once_as_its_dialect_writes_them(
    dialect: Dialect, value: dict[str, Any]
) -> None:
    resource = {"displayName": "Sales", "members": [{"value": "source-id"}]}
    body = create_group_body(resource, dialect, ["u1", "u2", "u1"])
    assert body["members"] == [value, {**value, "value": "u2"}]
    assert "members" not in create_group_body(resource, dialect)


def test_dialect_named_is_case_insensitive_and_rejects_unknown_names() -> None:
    assert dialect_named(" Entra ") is ENTRA
    with pytest.raises(ConfigError, match="rfc, entra"):
        dialect_named("legacy")


def test_a_single_replace_keeps_its_path_in_the_rfc_dialect() -> None:
    body = patch_body([AttributeChange("displayName", "a", "b")], RFC)
    assert body["Operations"] == [{"op": "replace", "path": "displayName", "value": "b"}]


def test_booleans_are_text_in_entra_patches_but_json_in_creates() -> None:
    [operation] = patch_operations([AttributeChange("active", None, True)], ENTRA)
    assert operation == {"op": "Add", "path": "active", "value": "True"}
    assert create_user_body({"userName": "a", "active": True}, ENTRA)["active"] is True


def test_assertive_collection_is_replaced_whole() -> None:
    old, new = [{"value": "a"}], [{"value": "b"}]
    change = AttributeChange("roles", old, new)
    [operation] = patch_operations([change], RFC, assertive=frozenset({"roles"}))
    assert operation == {"op": "replace", "path": "roles", "value": new}


def test_other_collections_only_add_what_the_target_lacks() -> None:
    change = AttributeChange("roles", [{"value": "a"}], [{"value": "a"}, {"value": "b"}])
    [operation] = patch_operations([change], ENTRA)
    assert operation == {"op": "Add", "path": "roles", "value": [{"value": "b"}]}


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (ENTRA, {"op": "Remove", "path": "title", "value": "Analyst"}),
        (RFC, {"op": "remove", "path": "title"}),
    ],
    ids=["entra-remove-with-value", "rfc-remove-by-path"],
)
def test_removal(dialect: Dialect, expected: dict[str, Any]) -> None:
    assert patch_operations([AttributeChange("title", "Analyst", None)], dialect) == [expected]


def test_manager_body_is_none_when_the_target_already_has_it() -> None:
    assert manager_body("m-1", RFC, current="m-1") is None


def test_manager_change_is_a_replace() -> None:
    body = manager_body("m-2", ENTRA, current="m-1")
    assert body is not None
    assert body["Operations"] == [{"op": "Replace", "path": MANAGER_PATH, "value": "m-2"}]


def test_member_cap_splits_requests_and_rfc_removals_count_one_op_each() -> None:
    bodies_ = member_patch_bodies(["a", "b", "c"], ["x", "y", "z"], RFC, cap=2)
    assert [len(b["Operations"]) for b in bodies_] == [2, 1, 1, 1]
    assert [len(b["Operations"][0].get("value", [])) for b in bodies_[2:]] == [2, 1]


def test_member_in_both_lists_is_neither_added_nor_removed() -> None:
    assert member_patch_bodies(["a", "a"], ["a"], ENTRA) == []


def test_member_cap_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="at least 1"):
        member_patch_bodies(["a"], [], RFC, cap=0)


def test_create_user_leaves_references_out_and_drops_empty_extensions() -> None:
    resource = {"userName": "a", ENTERPRISE: {"manager": {"value": "src-1"}}}
    body = create_user_body(resource, RFC, references=[MANAGER_PATH])
    assert body == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "a",
        "meta": {"resourceType": "User"},
    }


def test_put_keeps_unmapped_attributes_and_removes_cleared_ones() -> None:
    current = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "id": "t-1",
        "userName": "a",
        "nickName": "kept",
        "emails": [{"type": "work", "value": "a@x"}, {"type": "home", "value": "h@x"}],
        ENTERPRISE: {"department": "R"},
        "meta": {"version": "1"},
    }
    changes = [
        AttributeChange(f"{ENTERPRISE}:department", "R", None),
        AttributeChange('emails[type eq "home"].value', "h@x", None),
        AttributeChange("title", None, "Boss"),
    ]
    assert put_body(current, changes) == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "t-1",
        "userName": "a",
        "nickName": "kept",
        "emails": [{"type": "work", "value": "a@x"}],
        "title": "Boss",
    }


def test_bulk_post_needs_a_bulk_id() -> None:
    with pytest.raises(ValueError, match="bulkId"):
        BulkOperation("POST", "/Users")


def test_bulk_reference_may_not_cross_requests() -> None:
    operations = [
        BulkOperation("POST", "/Users", "u1", {"userName": "a"}),
        BulkOperation("POST", "/Groups", "g1", {"members": [{"value": "bulkId:u1"}]}),
    ]
    assert len(bulk_bodies(operations, 2)) == 1
    with pytest.raises(ConfigError, match="bulkId:u1"):
        bulk_bodies(operations, 1)


def test_bulk_fail_on_errors_and_positive_size() -> None:
    [body] = bulk_bodies([BulkOperation("DELETE", "/Users/1")], 5, fail_on_errors=1)
    assert body["failOnErrors"] == 1
    with pytest.raises(ConfigError):
        bulk_bodies([], 0)


def test_manager_goes_to_the_path_the_mapping_targets() -> None:
    path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
    body = manager_body("m-2", RFC, current="m-1", path=path)
    assert body is not None
    assert body["Operations"] == [{"op": "replace", "path": path, "value": "m-2"}]
    cleared = manager_body(None, ENTRA, current="m-2", path=path)
    assert cleared is not None
    assert cleared["Operations"] == [{"op": "Remove", "path": path}]


@pytest.mark.parametrize(
    ("dialect", "wire"), [(RFC, {"value": "m-3"}), (ENTRA, "m-3")], ids=["rfc", "entra"]
)
def test_a_bare_manager_id_is_complex_only_in_rfc_wherever_it_is_written(
    dialect: Dialect, wire: Any
) -> None:
    [operation] = patch_operations([AttributeChange(MANAGER_PATH, None, "m-3")], dialect)
    assert operation["value"] == wire
    body = create_user_body({"userName": "a", ENTERPRISE: {"manager": "m-3"}}, dialect)
    assert body[ENTERPRISE]["manager"] == wire
    value_path = f"{MANAGER_PATH}.value"
    [bare] = patch_operations([AttributeChange(value_path, None, "m-3")], dialect)
    assert bare["value"] == "m-3"
