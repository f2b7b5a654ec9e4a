"""Property: the PATCH (or PUT) a dialect builds from a diff turns the old resource into the new.

For random old and new directory users mapped by the same mapping set, the body built from
``diff(new, old)`` — applied to ``old`` by the SCIM PATCH engine — leaves nothing to diff, in
both dialects (docs/entra.md §1.6, §1.9; RFC 7644 §3.5.2).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scimitar.mapping.defaults import ACTIVE_EXPRESSION
from scimitar.mapping.flow import CompiledMappingSet
from scimitar.mapping.mappings import AttributeMapping, MappingSet, TargetType
from scimitar.scim.bodies import put_body
from scimitar.scim.dialects import ENTRA, RFC, Dialect, patch_body
from scimitar.scim.patch import apply_patch
from scimitar.scim.schema import user_schema

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
TARGETS = {
    "displayName": "displayName",
    "jobTitle": "title",
    "mailNickname": "nickName",
    "givenName": "name.givenName",
    "surname": "name.familyName",
    "mail": 'emails[type eq "work"].value',
    "mobile": 'phoneNumbers[type eq "mobile"].value',
    "telephoneNumber": 'phoneNumbers[type eq "work"].value',
    "city": 'addresses[type eq "work"].locality',
    "department": f"{ENTERPRISE}:department",
    "employeeId": f"{ENTERPRISE}:employeeNumber",
}
MAPPINGS = CompiledMappingSet(
    MappingSet(
        "property",
        "User",
        (
            AttributeMapping.direct("userPrincipalName", "userName", is_required=True),
            AttributeMapping.expression(
                ACTIVE_EXPRESSION, "active", target_type=TargetType.BOOLEAN
            ),
            *(AttributeMapping.direct(source, target) for source, target in TARGETS.items()),
        ),
    )
)
SCHEMA = user_schema("generic")

texts = st.text(alphabet="abcXYZ019.-@", min_size=1, max_size=6)
users = st.fixed_dictionaries(
    {"userPrincipalName": texts, "isSoftDeleted": st.booleans()},
    optional=dict.fromkeys(TARGETS, st.one_of(st.none(), texts)),
)
dialects = st.sampled_from([RFC, ENTRA])


def _target(user: dict[str, Any]) -> dict[str, Any]:
    return {**MAPPINGS.apply(user).resource, "id": "t-1"}


@given(users, users, dialects)
@settings(deadline=None, max_examples=300)
def test_patch_of_the_diff_reaches_the_new_state(
    old_user: dict[str, Any], new_user: dict[str, Any], dialect: Dialect
) -> None:
    old = _target(old_user)
    new = MAPPINGS.apply(new_user, is_create=False)
    body = patch_body(MAPPINGS.diff(new, old), dialect)
    patched = apply_patch(old, body["Operations"], SCHEMA)
    assert MAPPINGS.diff(new, patched) == []


@given(users, users)
@settings(deadline=None, max_examples=200)
def test_put_of_the_diff_reaches_the_new_state(
    old_user: dict[str, Any], new_user: dict[str, Any]
) -> None:
    old = _target(old_user)
    new = MAPPINGS.apply(new_user, is_create=False)
    replaced = put_body(old, MAPPINGS.diff(new, old))
    assert MAPPINGS.diff(new, replaced) == []
    assert replaced["id"] == "t-1"


@given(users, users, dialects)
@settings(deadline=None, max_examples=200)
def test_patch_leaves_unchanged_paths_alone(
    old_user: dict[str, Any], new_user: dict[str, Any], dialect: Dialect
) -> None:
    old = _target(old_user)
    new = MAPPINGS.apply(new_user, is_create=False)
    changes = MAPPINGS.diff(new, old)
    patched = apply_patch(old, patch_body(changes, dialect)["Operations"], SCHEMA)
    changed = {change.path for change in changes}
    before, after = MAPPINGS.read(old), MAPPINGS.read(patched)
    assert {p: v for p, v in before.items() if p not in changed} == {
        p: v for p, v in after.items() if p not in changed
    }
