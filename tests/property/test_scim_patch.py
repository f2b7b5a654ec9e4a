"""Property tests for PATCH (RFC 7644 §3.5.2)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scimitar.scim.errors import SCIMError
from scimitar.scim.patch import apply_patch
from scimitar.scim.schema import group_schema, user_schema

USER = json.loads(
    (Path(__file__).resolve().parents[1] / "samples" / "rfc7643-8.2-full-user.json").read_text()
)
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATHS = [
    None,
    "",
    "active",
    "title",
    "nickName",
    "name",
    "name.givenName",
    "emails",
    'emails[type eq "work"]',
    'emails[type eq "work"].value',
    'emails[type eq "other"].value',
    'emails[value co "example"].primary',
    "phoneNumbers",
    'addresses[type eq "home"].streetAddress',
    "members",
    "id",
    "groups",
    f"{ENT}:manager",
    f"{ENT}:manager.value",
    f"{ENT}:department",
    ENT,
    "shoeSize",
    "emails[",
]
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.sampled_from(["True", "false"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(["value", "type", "primary", "givenName", "display", "$ref", "x"]),
            children,
            max_size=3,
        ),
    ),
    max_leaves=6,
)
operations = st.fixed_dictionaries(
    {
        "op": st.sampled_from(["add", "Add", "replace", "Replace", "remove", "REMOVE", "copy"]),
        "path": st.sampled_from(PATHS),
    },
    optional={"value": json_values},
)


@given(st.lists(operations, min_size=1, max_size=4))
@settings(deadline=None)
def test_patch_never_mutates_input(ops: list[dict[str, Any]]) -> None:
    resource = copy.deepcopy(USER)
    status = _status(resource, ops)
    assert resource == USER
    assert status == 200 or 400 <= status < 500


def _status(resource: dict[str, Any], ops: list[dict[str, Any]]) -> int:
    try:
        apply_patch(resource, ops, user_schema("webex"))
    except SCIMError as error:
        return error.status
    return 200


member_ids = st.text(alphabet="0123456789abcdef-", min_size=1, max_size=12)


@given(
    st.lists(member_ids, unique=True, max_size=6),
    member_ids,
    st.sampled_from(["filter", "value-list"]),
)
def test_add_then_remove_member_restores_members(existing: list[str], new: str, style: str) -> None:
    existing = [m for m in existing if m != new]
    group: dict[str, Any] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "G",
    }
    if existing:
        group["members"] = [{"value": m} for m in existing]
    add = {"op": "Add", "path": "members", "value": [{"$ref": None, "value": new}]}
    if style == "filter":
        remove: dict[str, Any] = {"op": "remove", "path": f'members[value eq "{new}"]'}
    else:
        remove = {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": new}]}

    result = apply_patch(group, [add, remove], group_schema("webex"))

    assert result == group


@given(st.lists(member_ids, unique=True, min_size=1, max_size=6))
def test_adding_existing_members_is_idempotent(existing: list[str]) -> None:
    group = {"displayName": "G", "members": [{"value": m} for m in existing]}
    add = {"op": "add", "path": "members", "value": [{"value": m} for m in existing]}
    assert apply_patch(group, [add], group_schema("generic")) == group
