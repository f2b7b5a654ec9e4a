"""Inputs shared by the dialect tests and the ``tests/samples/engine-*.json`` they compare to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scimitar.connector.bulk import BulkOperation, bulk_bodies
from scimitar.mapping.defaults import SCIM_GROUP_MAPPINGS, SCIM_USER_MAPPINGS
from scimitar.mapping.flow import AttributeChange, CompiledMappingSet
from scimitar.mapping.mappings import AttributeMapping, MappingSet
from scimitar.scim.bodies import create_group_body, create_user_body, put_body
from scimitar.scim.dialects import (
    ENTRA,
    RFC,
    Dialect,
    app_role_operation,
    disable_body,
    enable_body,
    manager_body,
    member_patch_bodies,
    patch_body,
    patch_request,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CUSTOM = "urn:ietf:params:scim:schemas:extension:contoso:2.0:User"

ADA: dict[str, Any] = {
    "objectId": "0a21f0f2-8d2a-4f8e-bf6e-1d7a2f3d9c11",
    "userPrincipalName": "Ada.Lovelace@contoso.com",
    "mail": "ada.lovelace@contoso.com",
    "mailNickname": "ada.lovelace",
    "givenName": "Ada",
    "surname": "Lovelace",
    "displayName": "Ada Lovelace",
    "department": "Research",
    "manager": "7c0e3d51-2f0a-4d43-9a51-1f8b6c2e0a01",
    "accountEnabled": True,
    "isSoftDeleted": False,
}
SALES: dict[str, Any] = {
    "objectId": "5d9b9c44-1c1f-4a57-9a43-2b8a3e1f0d77",
    "displayName": "Sales EMEA",
    "members": [{"objectId": ADA["objectId"], "objectType": "user"}],
    "isSoftDeleted": False,
}
#: The docs/entra.md §1.6 update: four single-valued replaces, a filtered path, a single add.
UPDATE_CHANGES = (
    AttributeChange("displayName", "Ada Lovelace", "Augusta Ada King"),
    AttributeChange("name.givenName", "Ada", "Augusta"),
    AttributeChange("name.familyName", "Lovelace", "King"),
    AttributeChange(f"{ENTERPRISE}:department", "Research", "Mathematics"),
    AttributeChange('phoneNumbers[type eq "mobile"].value', "+44 20 0000", "+44 20 7946 0000"),
    AttributeChange("nickName", None, "Ada"),
)
MEMBERS_ADDED = ("u-1", "u-2", "u-3")
MEMBERS_REMOVED = ("u-9",)
ROLE = {"id": "3a9f1c1e-0d7e-4c55-9b1e-7f3a2b1c0d44", "value": "25", "displayName": "Role1234"}


def user_resource() -> dict[str, Any]:
    """Ada mapped by the default ``scim`` user mappings."""
    return CompiledMappingSet(SCIM_USER_MAPPINGS).apply(ADA).resource


def custom_extension_resource() -> dict[str, Any]:
    """A user mapped with one custom extension attribute (docs/entra.md §2.3 naming)."""
    mappings = MappingSet(
        "custom",
        "User",
        (
            AttributeMapping.direct("userPrincipalName", "userName"),
            AttributeMapping.direct("department", f"{CUSTOM}:costCenter"),
        ),
    )
    return CompiledMappingSet(mappings).apply(ADA).resource


def group_resource() -> dict[str, Any]:
    """Sales EMEA mapped by the default ``scim`` group mappings (members included)."""
    return CompiledMappingSet(SCIM_GROUP_MAPPINGS).apply(SALES).resource


def bodies(dialect: Dialect) -> dict[str, Any]:
    """Every body the dialect produces for the shared inputs, by sample name suffix."""
    manager = f"{ENTERPRISE}:manager"
    return {
        "create-user": create_user_body(user_resource(), dialect, references=[manager]),
        "create-user-custom-extension": create_user_body(custom_extension_resource(), dialect),
        "create-group": create_group_body(group_resource(), dialect),
        "update-user": patch_body(UPDATE_CHANGES, dialect),
        "disable-user": disable_body(dialect),
        "enable-user": enable_body(dialect),
        "manager-add": manager_body("m-1", dialect),
        "manager-replace": manager_body("m-2", dialect, current="m-1"),
        "manager-remove": manager_body(None, dialect, current="m-1"),
        "members": member_patch_bodies(MEMBERS_ADDED, MEMBERS_REMOVED, dialect, cap=2),
        "app-role": patch_request([app_role_operation(ROLE, dialect)]),
    }


def dialect_free_bodies() -> dict[str, Any]:
    """The PUT and Bulk bodies, which do not depend on the dialect."""
    created = create_user_body(user_resource(), RFC, references=[f"{ENTERPRISE}:manager"])
    current = {**created, "id": "t-1", "meta": {"resourceType": "User", "version": 'W/"1"'}}
    put = put_body(current, UPDATE_CHANGES[:3])
    operations = [
        BulkOperation("POST", "/Users", "ada", created),
        BulkOperation("PATCH", "/Users/t-2", data=disable_body(RFC)),
        BulkOperation("DELETE", "/Users/t-3"),
    ]
    return {"put-user": put, "bulk": bulk_bodies(operations, 2)}


def sample_name(dialect: Dialect | None, suffix: str) -> str:
    """``engine-<dialect>-<suffix>`` (or ``engine-<suffix>`` for dialect-free bodies)."""
    return f"engine-{suffix}" if dialect is None else f"engine-{dialect.name}-{suffix}"


def load(name: str) -> Any:
    """The JSON sample ``name``.json."""
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


ALL_DIALECTS = (RFC, ENTRA)
