"""Schema discovery: what an app says it supports (RFC 7644 §4; docs/entra.md §1.4).

``/ServiceProviderConfig`` tells PATCH, Bulk, filter, sort and ETag support; ``/Schemas`` lists
attributes. Either may be missing (Webex documents neither in the RFC shape): what is not offered
is simply not known, and the template's quirks stand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from scimitar.connector.client import SCIMClient
from scimitar.errors import SyncError

__all__ = ["Capabilities", "DiscoveredAttribute", "Discovery", "discover"]

_CORE_TYPES = {
    "urn:ietf:params:scim:schemas:core:2.0:user": "User",
    "urn:ietf:params:scim:schemas:core:2.0:group": "Group",
}
_MARKER_SUBS = frozenset({"type", "primary", "display", "$ref"})


@dataclass(frozen=True, slots=True)
class Capabilities:
    """The ServiceProviderConfig's features (RFC 7643 §5); ``None`` when not stated."""

    patch: bool | None = None
    bulk: bool | None = None
    bulk_max_operations: int | None = None
    filter: bool | None = None
    #: ``bulk.maxPayloadSize``: the most bytes of one Bulk request (RFC 7644 §5).
    bulk_max_payload_size: int | None = None
    filter_max_results: int | None = None
    sort: bool | None = None
    etag: bool | None = None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Capabilities:
        """Read a ServiceProviderConfig document."""
        return cls(
            patch=_supported(doc, "patch"),
            bulk=_supported(doc, "bulk"),
            bulk_max_operations=_number(doc, "bulk", "maxOperations"),
            filter=_supported(doc, "filter"),
            filter_max_results=_number(doc, "filter", "maxResults"),
            sort=_supported(doc, "sort"),
            etag=_supported(doc, "etag"),
            bulk_max_payload_size=_number(doc, "bulk", "maxPayloadSize"),
        )


@dataclass(frozen=True, slots=True)
class DiscoveredAttribute:
    """One attribute path an app's schema offers, in mapping-target form."""

    name: str
    type: str = "String"
    is_required: bool = False
    is_multi_valued: bool = False


@dataclass(frozen=True, slots=True)
class Discovery:
    """What discovery found.

    Attributes:
        capabilities: From ``/ServiceProviderConfig``, or ``None`` if not offered.
        attributes: Attribute paths by object type (``User``, ``Group``) from ``/Schemas``.
    """

    capabilities: Capabilities | None = None
    attributes: Mapping[str, tuple[DiscoveredAttribute, ...]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape, as stored with the job."""
        return {
            "capabilities": asdict(self.capabilities) if self.capabilities else None,
            "attributes": {k: [asdict(a) for a in v] for k, v in self.attributes.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Discovery:
        """Read :meth:`to_dict`'s shape."""
        capabilities = data.get("capabilities")
        attributes = data.get("attributes") or {}
        return cls(
            Capabilities(**capabilities) if capabilities else None,
            {k: tuple(DiscoveredAttribute(**a) for a in v) for k, v in attributes.items()},
        )


async def discover(client: SCIMClient) -> Discovery:
    """Read ``/ServiceProviderConfig`` and ``/Schemas`` where the app offers them."""
    config = await _optional_document(client, "/ServiceProviderConfig")
    schemas = await _optional_document(client, "/Schemas")
    capabilities = Capabilities.from_document(config) if config else None
    resources = schemas.get("Resources") if schemas else None
    return Discovery(capabilities, _attributes(resources if isinstance(resources, list) else []))


async def _optional_document(client: SCIMClient, path: str) -> dict[str, Any] | None:
    try:
        document = await client.request_json("GET", path)
    except SyncError:
        # Not offered, not SCIM, or not reachable: nothing is known, the template stands.
        return None
    return document if isinstance(document, dict) else None


def _supported(doc: Mapping[str, Any], feature: str) -> bool | None:
    value = doc.get(feature)
    if isinstance(value, Mapping) and isinstance(value.get("supported"), bool):
        return bool(value["supported"])
    return None


def _number(doc: Mapping[str, Any], feature: str, key: str) -> int | None:
    value = doc.get(feature)
    number = value.get(key) if isinstance(value, Mapping) else None
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def _attributes(schemas: Iterable[Any]) -> dict[str, tuple[DiscoveredAttribute, ...]]:
    found: dict[str, list[DiscoveredAttribute]] = {}
    for schema in schemas:
        if not isinstance(schema, Mapping) or not isinstance(schema.get("id"), str):
            continue
        object_type = _object_type(schema["id"])
        if object_type is None:
            continue
        is_core = schema["id"].lower() in _CORE_TYPES
        prefix = "" if is_core else f"{schema['id']}:"
        for attribute in schema.get("attributes") or []:
            if isinstance(attribute, Mapping) and isinstance(attribute.get("name"), str):
                found.setdefault(object_type, []).extend(_paths(prefix, attribute))
    return {key: tuple(values) for key, values in found.items()}


def _object_type(schema_id: str) -> str | None:
    """``User`` or ``Group`` for a core schema or an extension whose URN ends in one."""
    core = _CORE_TYPES.get(schema_id.lower())
    if core is not None:
        return core
    last = schema_id.rsplit(":", 1)[-1]
    return last if last in ("User", "Group") else None


def _paths(prefix: str, attribute: Mapping[str, Any]) -> list[DiscoveredAttribute]:
    """Target paths of an attribute: ``name.givenName``, ``emails[type eq "work"].value``."""
    name = f"{prefix}{attribute['name']}"
    kind = str(attribute.get("type", "string")).capitalize().replace("Datetime", "DateTime")
    is_multi = bool(attribute.get("multiValued", False))
    subs = [s for s in attribute.get("subAttributes") or [] if isinstance(s, Mapping)]
    if kind != "Complex" or not subs:
        return [DiscoveredAttribute(name, kind, bool(attribute.get("required")), is_multi)]
    types = _canonical_types(subs) if is_multi else []
    selectors = [f'{name}[type eq "{value}"]' for value in types] or [name]
    return [
        DiscoveredAttribute(f"{selector}.{sub['name']}", _sub_type(sub))
        for selector in selectors
        for sub in subs
        if isinstance(sub.get("name"), str) and sub["name"] not in _MARKER_SUBS
    ]


def _canonical_types(subs: list[Mapping[str, Any]]) -> list[str]:
    for sub in subs:
        if sub.get("name") == "type" and isinstance(sub.get("canonicalValues"), list):
            return [str(value) for value in sub["canonicalValues"]]
    return []


def _sub_type(sub: Mapping[str, Any]) -> str:
    return str(sub.get("type", "string")).capitalize().replace("Datetime", "DateTime")
