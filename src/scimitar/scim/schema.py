"""SCIM schema model: attributes, schemas and resource types (RFC 7643 §2, §6, §7).

The classes are frozen values; each precomputes its lower-case name maps once so that lookups
on the request path are plain dict hits. The concrete schemas live in :mod:`catalog` and are
built once per profile by :func:`user_schema` and :func:`group_schema`.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from scimitar.scim.urns import SCHEMA, split_urn

__all__ = [
    "COMMON_ATTRIBUTES",
    "Attribute",
    "AttributeRef",
    "AttributeType",
    "Mutability",
    "Profile",
    "ResourceSchema",
    "Returned",
    "Schema",
    "SchemaExtension",
    "Uniqueness",
    "group_schema",
    "schema_to_rfc",
    "schema_to_webex",
    "user_schema",
]

AttributeType = Literal[
    "string", "boolean", "decimal", "integer", "dateTime", "binary", "reference", "complex"
]
Mutability = Literal["readOnly", "readWrite", "immutable", "writeOnly"]
Returned = Literal["always", "never", "default", "request"]
Uniqueness = Literal["none", "server", "global"]
Profile = Literal["webex", "generic"]


# Attribute types whose values of exactly this Python type need no checking or coercion.
_PLAIN_TYPES: dict[str, type] = {
    "string": str,
    "reference": str,
    "binary": str,
    "boolean": bool,
    "integer": int,
}


@dataclass(frozen=True)
class Attribute:
    """One attribute definition (RFC 7643 §7).

    ``strict_canonical`` makes ``canonical_values`` binding on input (off by default: Webex
    accepts values outside its lists). ``unique_types`` marks multi-valued attributes whose
    ``type`` values must differ (one ``work`` email; Entra's SCIM profile).
    """

    name: str
    type: AttributeType = "string"
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: Mutability = "readWrite"
    returned: Returned = "default"
    uniqueness: Uniqueness = "none"
    sub_attributes: tuple[Attribute, ...] = ()
    canonical_values: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()
    description: str = ""
    strict_canonical: bool = False
    unique_types: bool = False
    _subs: dict[str, Attribute] = field(init=False, repr=False, compare=False)
    _required_subs: tuple[Attribute, ...] = field(init=False, repr=False, compare=False)
    #: Whether the attribute holds sub-attributes (its type is ``complex``).
    is_complex: bool = field(init=False, repr=False, compare=False)
    #: Whether a client may write the attribute at all (it is not ``readOnly``).
    is_writable: bool = field(init=False, repr=False, compare=False)
    #: For a single-valued attribute whose values of one Python type are taken as they are
    #: (str for strings, bool for booleans, int for integers): that type; else None.
    plain_type: builtins.type | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Plain fields, not properties: validation reads them for every value of every request.
        object.__setattr__(self, "_subs", {a.name.lower(): a for a in self.sub_attributes})
        required = tuple(a for a in self.sub_attributes if a.required)
        object.__setattr__(self, "_required_subs", required)
        object.__setattr__(self, "is_complex", self.type == "complex")
        object.__setattr__(self, "is_writable", self.mutability != "readOnly")
        object.__setattr__(self, "plain_type", self._plain_type())

    def _plain_type(self) -> builtins.type | None:
        if self.multi_valued or (self.strict_canonical and self.canonical_values):
            return None
        return _PLAIN_TYPES.get(self.type)

    def sub_attribute(self, name: str) -> Attribute | None:
        """Return the sub-attribute called ``name`` (case-insensitive), or None."""
        return self._subs.get(name.lower())

    @property
    def required_sub_attributes(self) -> tuple[Attribute, ...]:
        """The sub-attributes every value must carry, in definition order."""
        return self._required_subs


@dataclass(frozen=True)
class Schema:
    """A schema: its URN, name, description and top-level attributes (RFC 7643 §7)."""

    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...]
    _attrs: dict[str, Attribute] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_attrs", {a.name.lower(): a for a in self.attributes})

    def attribute(self, name: str) -> Attribute | None:
        """Return the top-level attribute called ``name`` (case-insensitive), or None."""
        return self._attrs.get(name.lower())


@dataclass(frozen=True)
class SchemaExtension:
    """A schema extension of a resource type, with its ``required`` flag (RFC 7643 §6)."""

    schema: Schema
    required: bool = False


@dataclass(frozen=True)
class AttributeRef:
    """Where an attribute lives: ``urn`` is the extension key, or None for top-level ones."""

    urn: str | None
    attribute: Attribute
    sub: Attribute | None = None

    @property
    def target(self) -> Attribute:
        """The attribute the path finally names (the sub-attribute when there is one)."""
        return self.sub if self.sub is not None else self.attribute

    @property
    def path(self) -> str:
        """The canonical path, URN-qualified for extension attributes."""
        name = self.attribute.name if self.sub is None else f"{self.attribute.name}.{self.sub.name}"
        return name if self.urn is None else f"{self.urn}:{name}"


COMMON_ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("id", case_exact=True, mutability="readOnly", returned="always", uniqueness="server"),
    Attribute("externalId", case_exact=True),
    Attribute(
        "meta",
        type="complex",
        mutability="readOnly",
        sub_attributes=(
            Attribute("resourceType", case_exact=True, mutability="readOnly"),
            Attribute("created", type="dateTime", mutability="readOnly"),
            Attribute("lastModified", type="dateTime", mutability="readOnly"),
            Attribute("location", type="reference", case_exact=True, mutability="readOnly"),
            Attribute("version", case_exact=True, mutability="readOnly"),
        ),
    ),
)


@dataclass(frozen=True)
class ResourceSchema:
    """A resource type (RFC 7643 §6) with its core schema and schema extensions.

    ``tolerated_schemas`` are URNs accepted in ``schemas`` that carry no attributes (Entra puts
    the Microsoft ADSCIM group URN there).
    """

    name: str
    endpoint: str
    core: Schema
    extensions: tuple[SchemaExtension, ...] = ()
    tolerated_schemas: tuple[str, ...] = ()
    common: tuple[Attribute, ...] = COMMON_ATTRIBUTES
    _top: dict[str, Attribute] = field(init=False, repr=False, compare=False)
    _urns: dict[str, Schema] = field(init=False, repr=False, compare=False)
    _tolerated: frozenset[str] = field(init=False, repr=False, compare=False)
    _required: tuple[Attribute, ...] = field(init=False, repr=False, compare=False)
    _required_extensions: tuple[tuple[SchemaExtension, tuple[Attribute, ...]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        top = {a.name.lower(): a for a in self.common}
        top.update((a.name.lower(), a) for a in self.core.attributes)
        urns = {self.core.id.lower(): self.core}
        urns.update((e.schema.id.lower(), e.schema) for e in self.extensions)
        object.__setattr__(self, "_top", top)
        object.__setattr__(self, "_urns", urns)
        object.__setattr__(self, "_tolerated", frozenset(u.lower() for u in self.tolerated_schemas))
        required = tuple(a for a in self.core.attributes if a.required and a.is_writable)
        object.__setattr__(self, "_required", required)
        extensions = tuple(
            (e, tuple(a for a in e.schema.attributes if a.required)) for e in self.extensions
        )
        object.__setattr__(
            self, "_required_extensions", tuple(x for x in extensions if x[0].required or x[1])
        )

    @property
    def required_attributes(self) -> tuple[Attribute, ...]:
        """Writable core attributes a POST or PUT must carry, in definition order."""
        return self._required

    @property
    def required_extensions(self) -> tuple[tuple[SchemaExtension, tuple[Attribute, ...]], ...]:
        """Extensions that are required or have required attributes, with those attributes."""
        return self._required_extensions

    def schema_for(self, urn: str) -> Schema | None:
        """Return the core or extension schema with this URN (case-insensitive), or None."""
        return self._urns.get(urn.lower())

    def is_tolerated(self, urn: str) -> bool:
        """Whether ``urn`` is accepted in ``schemas`` without being a known schema."""
        return urn.lower() in self._tolerated

    def top_level(self, name: str) -> Attribute | None:
        """Return a core or common attribute (those stored at the resource's top level)."""
        return self._top.get(name.lower())

    def locate(self, urn: str | None, name: str) -> tuple[str | None, Attribute] | None:
        """Find a top-level attribute by optional schema URN and name (RFC 7644 §3.10).

        Args:
            urn: The schema URN the path was qualified with, or None.
            name: The attribute name, case-insensitive.

        Returns:
            ``(key, attribute)`` where ``key`` is the canonical extension URN under which the
            attribute is stored (None for core and common attributes), or None when unknown.
        """
        if urn is not None:
            schema = self.schema_for(urn)
            if schema is None:
                return None
            if schema is self.core:
                found = self.top_level(name)
                return None if found is None else (None, found)
            attr = schema.attribute(name)
            return None if attr is None else (schema.id, attr)
        found = self.top_level(name)
        if found is not None:
            return None, found
        for extension in self.extensions:
            attr = extension.schema.attribute(name)
            if attr is not None:
                return extension.schema.id, attr
        return None

    def lookup(self, attr_path: str) -> AttributeRef | None:
        """Resolve a dotted, optionally URN-qualified path to where its attribute lives."""
        urn, rest = self.split(attr_path)
        name, _, sub_name = rest.partition(".")
        located = self.locate(urn, name) if name else None
        if located is None:
            return None
        key, attr = located
        if not sub_name:
            return AttributeRef(key, attr)
        sub = attr.sub_attribute(sub_name)
        return None if sub is None else AttributeRef(key, attr, sub)

    def resolve(self, attr_path: str) -> Attribute | None:
        """Return the attribute a path names, or None (RFC 7644 §3.10).

        Args:
            attr_path: ``userName``, ``name.givenName``, a URN-qualified path such as
                ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value``,
                or Webex's dotted form ``urn:...:2.0:Group.inheritances``. Case-insensitive.

        Returns:
            The attribute (or sub-attribute) definition, or None when unknown.
        """
        ref = self.lookup(attr_path)
        return None if ref is None else ref.target

    def split(self, attr_path: str) -> tuple[str | None, str]:
        """Split a known schema URN off ``attr_path`` (either separator), case-insensitively."""
        if attr_path[:4].lower() != "urn:":
            return None, attr_path
        lowered = attr_path.lower()
        for urn_lower, schema in self._urns.items():
            if lowered.startswith(urn_lower):
                rest = attr_path[len(urn_lower) :]
                if not rest:
                    return schema.id, ""
                if rest[0] in ":.":
                    return schema.id, rest[1:]
        return split_urn(attr_path)


@cache
def user_schema(profile: Profile) -> ResourceSchema:
    """Return the User resource type for a profile (RFC 7643 §4.1, §4.3; Webex §1.6).

    Args:
        profile: ``"generic"`` (RFC core + enterprise) or ``"webex"`` (adds the Cisco
            webexidentity extension and the Webex additions to the core schema).

    Returns:
        The resource schema; built once per profile and shared.
    """
    from scimitar.scim import catalog  # deferred: catalog imports this module

    return catalog.build_user(_check_profile(profile))


@cache
def group_schema(profile: Profile) -> ResourceSchema:
    """Return the Group resource type for a profile (RFC 7643 §4.2; Webex §1.6).

    Args:
        profile: ``"generic"`` (RFC core) or ``"webex"`` (adds the Cisco Group extension).

    Returns:
        The resource schema; built once per profile and shared.
    """
    from scimitar.scim import catalog  # deferred: catalog imports this module

    return catalog.build_group(_check_profile(profile))


def _check_profile(profile: str) -> Profile:
    if profile == "webex":
        return "webex"
    if profile == "generic":
        return "generic"
    raise ValueError(f"unknown SCIM profile {profile!r}; use 'webex' or 'generic'")


def schema_to_rfc(schema: Schema) -> dict[str, Any]:
    """Render a schema as an RFC 7643 §7 Schema resource (camelCase meta-values).

    Args:
        schema: The schema to render.

    Returns:
        A JSON-ready dict as served by ``GET /Schemas/{id}`` (without ``meta``).
    """
    return {
        "schemas": [SCHEMA],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": [_attribute_to_dict(a, _rfc_word) for a in schema.attributes],
    }


def schema_to_webex(schema: Schema) -> dict[str, Any]:
    """Render a schema in Webex's ``/Schemas/SCIM2`` shape (PascalCase meta-values, §1.13).

    Args:
        schema: The schema to render.

    Returns:
        ``{id, name, description, attributes}`` with values such as ``"String"``,
        ``"ReadWrite"``, ``"Default"`` and ``"None"``.
    """
    return {
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": [_attribute_to_dict(a, _pascal_word) for a in schema.attributes],
    }


def _rfc_word(word: str) -> str:
    return word


def _pascal_word(word: str) -> str:
    return word[:1].upper() + word[1:]


def _attribute_to_dict(attr: Attribute, word: Callable[[str], str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": attr.name,
        "type": word(attr.type),
        "multiValued": attr.multi_valued,
        "description": attr.description,
        "required": attr.required,
        "caseExact": attr.case_exact,
        "mutability": word(attr.mutability),
        "returned": word(attr.returned),
        "uniqueness": word(attr.uniqueness),
    }
    if attr.canonical_values:
        out["canonicalValues"] = list(attr.canonical_values)
    if attr.reference_types:
        out["referenceTypes"] = list(attr.reference_types)
    if attr.sub_attributes:
        out["subAttributes"] = [_attribute_to_dict(s, word) for s in attr.sub_attributes]
    return out
