"""Property: ``rfc`` bodies have RFC 7643's types; ``entra`` bodies keep Entra's own shapes.

Random directory users and groups are mapped by the default ``scim`` mapping sets; every body
the dialects build from the results (creates, the PATCH of a diff, manager and member PATCHes)
is checked. In ``rfc``, each value must have the type the schema the target advertises gives
its attribute, strictly (RFC 7643 §2.3, §4.3): complex values are objects, booleans JSON
booleans, multi-valued values lists; nothing is coerced. In ``entra``, PATCH booleans are the
strings ``"True"``/``"False"`` and the manager is the bare id (docs/provisioning.md, "Request
dialects").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scimitar.mapping.defaults import SCIM_GROUP_MAPPINGS, SCIM_USER_MAPPINGS
from scimitar.mapping.flow import CompiledMappingSet
from scimitar.mapping.target_path import parse_target_path
from scimitar.scim.bodies import create_group_body, create_user_body
from scimitar.scim.dialects import (
    ENTRA,
    MANAGER_PATH,
    RFC,
    Dialect,
    manager_body,
    member_patch_bodies,
    patch_body,
)
from scimitar.scim.schema import Attribute, ResourceSchema, group_schema, user_schema

USERS = CompiledMappingSet(SCIM_USER_MAPPINGS)
GROUPS = CompiledMappingSet(SCIM_GROUP_MAPPINGS)
USER_SCHEMA = user_schema("generic")
GROUP_SCHEMA = group_schema("generic")
_PLAIN: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "reference": (str,),
    "dateTime": (str,),
    "binary": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "decimal": (int, float),
}

texts = st.text(alphabet="abcXYZ019.-@ ", min_size=1, max_size=8).filter(str.strip)
ids = st.uuids().map(str)
SOURCES = (
    "displayName",
    "jobTitle",
    "mail",
    "preferredLanguage",
    "givenName",
    "surname",
    "physicalDeliveryOfficeName",
    "streetAddress",
    "city",
    "state",
    "postalCode",
    "country",
    "telephoneNumber",
    "mobile",
    "facsimileTelephoneNumber",
    "mailNickname",
    "employeeId",
    "department",
)
users = st.fixed_dictionaries(
    {"objectId": ids, "userPrincipalName": texts, "isSoftDeleted": st.booleans()},
    optional={**dict.fromkeys(SOURCES, st.one_of(st.none(), texts)), "manager": ids},
)
groups = st.fixed_dictionaries(
    {"objectId": ids, "displayName": texts, "isSoftDeleted": st.booleans()},
    optional={"members": st.lists(st.fixed_dictionaries({"objectId": ids}), max_size=3)},
)
dialects = st.sampled_from([RFC, ENTRA])


def _type_errors(attr: Attribute, value: Any, where: str, *, element: bool = False) -> list[str]:
    if attr.multi_valued and not element:
        if not isinstance(value, list):
            return [f"{where}: multi-valued {attr.name} is {value!r}, not a list"]
        return [e for i, v in enumerate(value) for e in _element_errors(attr, v, f"{where}[{i}]")]
    return _element_errors(attr, value, where)


def _element_errors(attr: Attribute, value: Any, where: str) -> list[str]:
    if attr.is_complex:
        if not isinstance(value, dict):
            return [f"{where}: complex {attr.name} is {value!r}, not an object"]
        errors = []
        for name, inner in value.items():
            sub = attr.sub_attribute(name)
            if sub is None:
                errors.append(f"{where}.{name}: {attr.name} has no such sub-attribute")
            elif inner is not None:
                errors += _type_errors(sub, inner, f"{where}.{name}")
        return errors
    kinds = _PLAIN[attr.type]
    if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
        return [f"{where}: {attr.type} {attr.name} is {value!r}"]
    return []


def resource_errors(body: dict[str, Any], schema: ResourceSchema) -> list[str]:
    """Every value of a POST body whose type is not the one ``schema`` gives it."""
    errors = []
    for key, value in body.items():
        if key in ("schemas", "meta"):
            continue
        extension = schema.schema_for(key)
        if extension is not None and extension is not schema.core:
            for name, inner in value.items():
                attr = extension.attribute(name)
                assert attr is not None, f"{key}:{name} is not in the schema"
                errors += _type_errors(attr, inner, f"{key}:{name}")
            continue
        attr = schema.top_level(key)
        assert attr is not None, f"{key} is not in the schema"
        errors += _type_errors(attr, value, key)
    return errors


def path_errors(path: str, value: Any, schema: ResourceSchema) -> list[str]:
    """The type errors of ``value`` written at a PATCH ``path`` (RFC 7644 §3.5.2)."""
    target = parse_target_path(path)
    found = schema.locate(target.urn, target.attribute)
    assert found is not None, f"{path} is not in the schema"
    attr = found[1]
    if target.sub is not None:
        sub = attr.sub_attribute(target.sub)
        assert sub is not None, f"{path} is not in the schema"
        return _type_errors(sub, value, path)
    if target.filter_attribute is not None:
        return _type_errors(attr, value, path, element=True)
    if attr.multi_valued and not isinstance(value, list):
        return _type_errors(attr, value, path, element=True)  # one element added
    return _type_errors(attr, value, path)


def operation_errors(body: dict[str, Any], schema: ResourceSchema) -> list[str]:
    """Every PATCH value whose type is not the one ``schema`` gives its path."""
    errors = []
    for operation in body["Operations"]:
        if "value" not in operation:
            continue
        if "path" in operation:
            errors += path_errors(operation["path"], operation["value"], schema)
        else:
            for path, value in operation["value"].items():
                errors += path_errors(path, value, schema)
    return errors


def _patch_values(body: dict[str, Any]) -> Iterator[tuple[str | None, Any]]:
    for operation in body["Operations"]:
        if "value" in operation:
            yield operation.get("path"), operation["value"]


def _user_bodies(old: dict[str, Any], new: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    created = USERS.apply(new)
    current = {**USERS.apply(old).resource, "id": "t-1"}
    update = USERS.apply(new, is_create=False)
    bodies: dict[str, Any] = {
        "create": create_user_body(created.resource, dialect, references=created.references),
        "create-with-references": create_user_body(created.resource, dialect),
        # As the engine does: references go in their own PATCH once their target id is known.
        "update": patch_body(
            [c for c in USERS.diff(update, current) if c.path not in update.references], dialect
        ),
    }
    for name, (wanted, had) in {
        "manager-add": (new.get("manager"), None),
        "manager-replace": (new.get("manager"), old.get("manager")),
        "manager-remove": (None, old.get("manager")),
    }.items():
        body = manager_body(wanted, dialect, current=had)
        if body is not None:
            bodies[name] = body
    return bodies


@given(users, users)
@settings(deadline=None, max_examples=200)
def test_rfc_user_bodies_have_the_schemas_types(old: dict[str, Any], new: dict[str, Any]) -> None:
    for name, body in _user_bodies(old, new, RFC).items():
        if "Operations" in body:
            assert operation_errors(body, USER_SCHEMA) == [], name
        else:
            assert resource_errors(body, USER_SCHEMA) == [], name


@given(groups, st.lists(ids, max_size=4), st.lists(ids, max_size=4))
@settings(deadline=None, max_examples=100)
def test_rfc_group_bodies_have_the_schemas_types(
    group: dict[str, Any], added: list[str], removed: list[str]
) -> None:
    created = create_group_body(GROUPS.apply(group).resource, RFC, added)
    assert resource_errors(created, GROUP_SCHEMA) == []
    for body in member_patch_bodies(added, removed, RFC, cap=2):
        assert operation_errors(body, GROUP_SCHEMA) == []


@given(users, users)
@settings(deadline=None, max_examples=200)
def test_entra_bodies_keep_entras_shapes(old: dict[str, Any], new: dict[str, Any]) -> None:
    bodies = _user_bodies(old, new, ENTRA)
    for name, body in bodies.items():
        if "Operations" not in body:
            continue
        for operation in body["Operations"]:
            assert operation["op"] in ("Add", "Replace", "Remove"), name
        for path, value in _patch_values(body):
            assert not isinstance(value, bool), f"{name}: {path} is a JSON boolean"
            if path is not None and path.lower() == MANAGER_PATH.lower():
                assert isinstance(value, str), f"{name}: the manager is {value!r}"


@given(users, users, dialects)
@settings(deadline=None, max_examples=100)
def test_the_manager_patch_is_an_object_only_in_rfc(
    old: dict[str, Any], new: dict[str, Any], dialect: Dialect
) -> None:
    wanted, had = new.get("manager", "m-new"), old.get("manager")
    body = manager_body(wanted, dialect, current=had if had != wanted else None)
    assert body is not None
    [operation] = body["Operations"]
    assert operation["value"] == ({"value": wanted} if dialect is RFC else wanted)
