"""An OpenAPI 3.0 document of one tenant's SCIM endpoints (RFC 7644 §3), served at ``openapi.json``.

SCIM has no OpenAPI document of its own; this one describes what the target answers, so a
client generator or a fuzzer (schemathesis, in the test suite) can read it: the operations of
the profile, the query parameters and their limits (docs/target.md, "Limits"), every status an
operation may answer, and the shapes of resources, lists and errors (RFC 7644 §3.12). Resource
bodies are described loosely (an object naming its ``schemas``): their attributes are the
profile's, published at ``/Schemas``.
"""

from __future__ import annotations

from typing import Any

from scimitar import __version__
from scimitar.target.profiles import TargetProfile
from scimitar.target.responses import SCIM_JSON

__all__ = ["openapi_document"]

MAX_INDEX = 2**31 - 1


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(name: str) -> dict[str, Any]:
    return {"content": {SCIM_JSON: {"schema": _ref(name)}}}


def _answer(description: str, schema: str | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if schema is not None:
        answer["content"] = {SCIM_JSON: {"schema": _ref(schema)}}
    return answer


_ERRORS = {
    "400": _answer("A value, filter, path or body the target cannot accept.", "Error"),
    "401": _answer("No bearer token, or not this tenant's.", "Error"),
    "405": _answer("The path does not take this method.", "Error"),
}
_NOT_FOUND = {"404": _answer("No such resource in this tenant.", "Error")}
_WRITES = {
    "409": _answer("The userName is taken (uniqueness).", "Error"),
    "412": _answer("If-Match names another version.", "Error"),
    "413": _answer("The body is over the size limit, or too many Bulk operations.", "Error"),
}

# A URL's length is bounded by the HTTP server (uvicorn reads at most 16 KiB of request line and
# headers); a longer filter, up to 8192 characters, goes in a POST .search body (RFC 7644 §3.4.3).
_QUERY = [
    {
        "name": "filter",
        "in": "query",
        "schema": {"type": "string", "maxLength": 1000},
        "description": "A filter (RFC 7644 §3.4.2.2); longer ones go to POST .search.",
    },
    {"name": "startIndex", "in": "query", "schema": {"type": "integer", "maximum": MAX_INDEX}},
    {"name": "count", "in": "query", "schema": {"type": "integer"}},
    {"name": "sortBy", "in": "query", "schema": {"type": "string"}},
    {
        "name": "sortOrder",
        "in": "query",
        "schema": {"type": "string", "enum": ["ascending", "descending", ""]},
        "description": "Empty, like absent, means ascending.",
    },
    {"name": "attributes", "in": "query", "schema": {"type": "string"}},
    {"name": "excludedAttributes", "in": "query", "schema": {"type": "string"}},
]
_PROJECTION = _QUERY[-2:]
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}

_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["schemas", "status", "detail"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string"}},
            "status": {"type": "string", "pattern": "^[1-5][0-9][0-9]$"},
            "scimType": {"type": "string"},
            "detail": {"type": "string"},
        },
    },
    "Resource": {
        "type": "object",
        "required": ["schemas"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "id": {"type": "string"},
        },
    },
    "ListResponse": {
        "type": "object",
        "required": ["schemas", "totalResults", "Resources"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string"}},
            "totalResults": {"type": "integer", "minimum": 0},
            "itemsPerPage": {"type": "integer", "minimum": 0},
            "startIndex": {"type": "integer", "minimum": 1},
            "Resources": {"type": "array", "items": _ref("Resource")},
        },
    },
    "User": {
        "type": "object",
        "required": ["schemas", "userName"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "userName": {"type": "string", "minLength": 1},
        },
    },
    "Group": {
        "type": "object",
        "required": ["schemas", "displayName"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "displayName": {"type": "string", "minLength": 1},
        },
    },
    "PatchOp": {
        "type": "object",
        "required": ["Operations"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string"}},
            "Operations": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["op"],
                    "properties": {
                        "op": {"type": "string", "enum": ["add", "replace", "remove"]},
                        "path": {"type": "string", "maxLength": 8192},
                    },
                },
            },
        },
    },
    "SearchRequest": {
        "type": "object",
        "properties": {
            "filter": {"type": "string", "maxLength": 8192},
            "startIndex": {"type": "integer", "maximum": MAX_INDEX},
            "count": {"type": "integer"},
            "sortBy": {"type": "string"},
            "sortOrder": {"type": "string", "enum": ["ascending", "descending"]},
        },
    },
    "BulkRequest": {
        "type": "object",
        "required": ["Operations"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string"}},
            "failOnErrors": {"type": "integer", "minimum": 1},
            "Operations": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["method"],
                    "properties": {
                        "method": {"type": "string", "enum": ["POST", "PUT", "PATCH", "DELETE"]},
                        "bulkId": {"type": "string"},
                        "path": {"type": "string"},
                    },
                },
            },
        },
    },
    "BulkResponse": {
        "type": "object",
        "required": ["schemas", "Operations"],
        "properties": {
            "schemas": {"type": "array", "items": {"type": "string"}},
            "Operations": {"type": "array", "items": {"type": "object"}},
        },
    },
}


def _operation(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {**responses, **_ERRORS}, **extra}


def _collection(kind: str, plural: str) -> dict[str, Any]:
    return {
        "get": _operation(
            f"List or filter {plural} (RFC 7644 §3.4.2)",
            {"200": _answer("A page of matches.", "ListResponse")},
            parameters=_QUERY,
        ),
        "post": _operation(
            f"Create a {kind} (RFC 7644 §3.3)",
            {"201": _answer("Created.", "Resource"), **_WRITES},
            requestBody={"required": True, **_body(kind)},
        ),
    }


def _resource(kind: str, patch_answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "parameters": [_ID],
        "get": _operation(
            f"Read a {kind}",
            {"200": _answer("The resource.", "Resource"), **_NOT_FOUND},
            parameters=_PROJECTION,
        ),
        "put": _operation(
            f"Replace a {kind} (RFC 7644 §3.5.1)",
            {"200": _answer("Replaced.", "Resource"), **_NOT_FOUND, **_WRITES},
            requestBody={"required": True, **_body(kind)},
        ),
        "patch": _operation(
            f"Modify a {kind} (RFC 7644 §3.5.2)",
            {**patch_answer, **_NOT_FOUND, **_WRITES},
            requestBody={"required": True, **_body("PatchOp")},
        ),
        "delete": _operation(
            f"Delete a {kind} (RFC 7644 §3.6)",
            {"204": {"description": "Deleted."}, **_NOT_FOUND, "412": _WRITES["412"]},
        ),
    }


def _search(what: str) -> dict[str, Any]:
    return {
        "post": _operation(
            f"Search {what} (RFC 7644 §3.4.3)",
            {"200": _answer("A page of matches.", "ListResponse")},
            requestBody={"required": True, **_body("SearchRequest")},
        )
    }


def _discovery(summary: str, schema: str, *, by_name: bool = False) -> dict[str, Any]:
    responses = {"200": _answer(summary, schema)}
    item: dict[str, Any] = {"get": _operation(summary, responses)}
    if by_name:
        item["parameters"] = [
            {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
        ]
        item["get"]["responses"].update(_NOT_FOUND)
    return item


def openapi_document(profile: TargetProfile, tenant_url: str) -> dict[str, Any]:
    """The OpenAPI document of a tenant of ``profile`` served at ``tenant_url``.

    Args:
        profile: The tenant's profile (its routes and Bulk limit).
        tenant_url: The tenant's base URL, ``https://host/scim/<tenant>/v2``.
    """
    # Entra expects 204 for a group PATCH; Webex answers 200 with the group (routes.resource).
    group_patch = (
        {"204": {"description": "Modified."}}
        if profile.group_member_cap is None
        else {"200": _answer("Modified.", "Resource")}
    )
    paths: dict[str, Any] = {
        "/Users": _collection("User", "users"),
        "/Users/{id}": _resource("User", {"200": _answer("Modified.", "Resource")}),
        "/Groups": _collection("Group", "groups"),
        "/Groups/{id}": _resource("Group", group_patch),
        "/Users/.search": _search("users"),
        "/Groups/.search": _search("groups"),
        "/.search": _search("users and groups"),
        "/Bulk": {
            "post": _operation(
                f"Run up to {profile.bulk_max_operations} operations (RFC 7644 §3.7)",
                {"200": _answer("Each operation's outcome.", "BulkResponse"), **_WRITES},
                requestBody={"required": True, **_body("BulkRequest")},
            )
        },
        "/ServiceProviderConfig": _discovery("What the target supports.", "Resource"),
        "/ResourceTypes": _discovery("The resource types.", "ListResponse"),
        "/ResourceTypes/{name}": _discovery("One resource type.", "Resource", by_name=True),
        "/Schemas": _discovery("The schemas.", "ListResponse"),
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": f"Scimitar embedded SCIM target ({profile.name} profile)",
            "version": __version__,
            "description": "RFC 7644 endpoints of one tenant; limits in docs/target.md.",
        },
        "servers": [{"url": tenant_url.rstrip("/")}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": _SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
