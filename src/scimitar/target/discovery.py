"""Discovery documents (RFC 7644 §4): ServiceProviderConfig, ResourceTypes, Schemas.

Webex documents only its own ``/Schemas/SCIM2/...`` shape; the RFC endpoints are served for
every profile too, since Entra and generic SCIM clients read them.
"""

from __future__ import annotations

from typing import Any

from scimitar.scim.errors import SCIMError
from scimitar.scim.schema import ResourceSchema, Schema, schema_to_rfc, schema_to_webex
from scimitar.scim.urns import LIST_RESPONSE
from scimitar.target.profiles import TargetProfile

__all__ = [
    "list_response",
    "resource_type",
    "resource_types",
    "schema_by_id",
    "schemas",
    "service_provider_config",
    "webex_schema",
]

SPC = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"


def list_response(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """A complete, unpaged ListResponse."""
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": len(resources),
        "itemsPerPage": len(resources),
        "startIndex": 1,
        "Resources": resources,
    }


def service_provider_config(
    profile: TargetProfile, base_url: str, max_payload: int, max_results: int
) -> dict[str, Any]:
    """What this target supports (RFC 7643 §5)."""
    return {
        "schemas": [SPC],
        "documentationUri": "https://github.com/scimitar-idm/scimitar/blob/main/docs/target.md",
        "patch": {"supported": True},
        "bulk": {
            "supported": True,
            "maxOperations": profile.bulk_max_operations,
            "maxPayloadSize": max_payload,
        },
        "filter": {"supported": True, "maxResults": max_results},
        "changePassword": {"supported": False},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "The tenant's token, sent as 'Authorization: Bearer <token>'.",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base_url}/ServiceProviderConfig",
        },
    }


def _resource_type(schema: ResourceSchema, base_url: str) -> dict[str, Any]:
    return {
        "schemas": [RESOURCE_TYPE],
        "id": schema.name,
        "name": schema.name,
        "endpoint": schema.endpoint,
        "description": schema.core.description or schema.name,
        "schema": schema.core.id,
        "schemaExtensions": [
            {"schema": ext.schema.id, "required": ext.required} for ext in schema.extensions
        ],
        "meta": {
            "resourceType": "ResourceType",
            "location": f"{base_url}/ResourceTypes/{schema.name}",
        },
    }


def resource_types(profile: TargetProfile, base_url: str) -> dict[str, Any]:
    """The User and Group resource types (RFC 7643 §6)."""
    return list_response([_resource_type(s, base_url) for s in (profile.users, profile.groups)])


def resource_type(profile: TargetProfile, base_url: str, name: str) -> dict[str, Any]:
    """One resource type by name."""
    for schema in (profile.users, profile.groups):
        if schema.name.lower() == name.lower():
            return _resource_type(schema, base_url)
    raise SCIMError(404, None, f"no resource type {name!r}; this target serves User and Group")


def _all_schemas(profile: TargetProfile) -> list[Schema]:
    found: dict[str, Schema] = {}
    for resource in (profile.users, profile.groups):
        found.setdefault(resource.core.id, resource.core)
        for ext in resource.extensions:
            found.setdefault(ext.schema.id, ext.schema)
    return list(found.values())


def _with_meta(schema: Schema, base_url: str) -> dict[str, Any]:
    doc = schema_to_rfc(schema)
    doc["meta"] = {"resourceType": "Schema", "location": f"{base_url}/Schemas/{schema.id}"}
    return doc


def schemas(profile: TargetProfile, base_url: str) -> dict[str, Any]:
    """Every schema this profile serves (RFC 7643 §7)."""
    return list_response([_with_meta(s, base_url) for s in _all_schemas(profile)])


def schema_by_id(profile: TargetProfile, base_url: str, schema_id: str) -> dict[str, Any]:
    """One schema by its URN."""
    for schema in _all_schemas(profile):
        if schema.id.lower() == schema_id.lower():
            return _with_meta(schema, base_url)
    raise SCIMError(404, None, f"no schema {schema_id!r}; GET /Schemas lists the ones served")


def webex_schema(profile: TargetProfile, name: str) -> dict[str, Any]:
    """Webex's ``/Schemas/SCIM2/User|Group|{schemaId}`` shapes (docs/entra.md, Webex)."""
    for resource in (profile.users, profile.groups):
        if resource.name.lower() == name.lower():
            parts = [resource.core, *(e.schema for e in resource.extensions)]
            return {schema.id: schema_to_webex(schema) for schema in parts}
    for schema in _all_schemas(profile):
        if schema.id.lower() == name.lower():
            return schema_to_webex(schema)
    raise SCIMError(404, None, f"no schema {name!r}; try User, Group or a schema URN")
