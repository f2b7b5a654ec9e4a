"""The target attribute list of an app: what mappings may target, with each attribute's type.

Entra's "Edit attribute list for ..." (docs/provisioning.md, "The target attribute list"): the
list is the template's attributes, then what schema discovery found (discovery only ever adds),
then the attributes the admin added. Each attribute has a type (String, Boolean, Integer,
DateTime, Reference), may be multi-valued or required, and a Reference says which object type
it refers to. Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from scimitar.connector.discovery import Discovery
from scimitar.errors import ConfigError
from scimitar.gallery.template import AppTemplate
from scimitar.mapping.mappings import TargetType
from scimitar.mapping.target_path import parse_target_path

__all__ = [
    "CUSTOM_TYPES",
    "AttributeOrigin",
    "CustomAttributes",
    "TargetAttributeDefinition",
    "attribute_list",
    "dump_custom",
    "find_attribute",
    "load_custom",
    "new_custom_attribute",
    "type_named",
]

#: Types an admin can give an attribute they add (Entra: no complex custom attributes).
CUSTOM_TYPES = (
    TargetType.STRING,
    TargetType.BOOLEAN,
    TargetType.INTEGER,
    TargetType.DATETIME,
    TargetType.REFERENCE,
)
_OBJECT_TYPES = ("User", "Group")


class AttributeOrigin(StrEnum):
    """Where an attribute of the list comes from."""

    TEMPLATE = "template"
    DISCOVERED = "discovered"
    CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class TargetAttributeDefinition:
    """One attribute of the target attribute list (Graph ``attributeDefinition``).

    Attributes:
        name: The target path mappings use (``urn:...:contoso:2.0:User:badge``).
        type: How values are typed on the wire.
        is_multi_valued: Whether the attribute holds several values.
        is_required: Whether the app needs a value to create an object.
        referenced_object: For a Reference, the object type it refers to (``User``).
        origin: The template, schema discovery, or the admin.
    """

    name: str
    type: TargetType = TargetType.STRING
    is_multi_valued: bool = False
    is_required: bool = False
    referenced_object: str | None = None
    origin: AttributeOrigin = AttributeOrigin.CUSTOM

    @property
    def is_reference(self) -> bool:
        """Whether values are ids of other objects."""
        return self.type is TargetType.REFERENCE

    def to_dict(self) -> dict[str, Any]:
        """JSON shape (CLI, API, config export)."""
        return {
            "name": self.name,
            "type": self.type.value,
            "multiValued": self.is_multi_valued,
            "required": self.is_required,
            "referencedObject": self.referenced_object,
            "origin": self.origin.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetAttributeDefinition:
        """Read :meth:`to_dict`'s shape (as stored; already validated when added)."""
        return cls(
            name=str(data["name"]),
            type=TargetType(data.get("type", "String")),
            is_multi_valued=bool(data.get("multiValued", False)),
            is_required=bool(data.get("required", False)),
            referenced_object=data.get("referencedObject"),
            origin=AttributeOrigin(data.get("origin", AttributeOrigin.CUSTOM.value)),
        )


#: The attributes an admin added, by object type.
CustomAttributes = Mapping[str, tuple[TargetAttributeDefinition, ...]]


def type_named(text: str) -> TargetType:
    """``string``, ``dateTime``, ``REFERENCE`` ... as a :class:`TargetType`.

    Raises:
        ConfigError: Not a type an attribute can have.
    """
    key = text.strip().lower()
    for kind in TargetType:
        if kind.value.lower() == key:
            return kind
    names = ", ".join(kind.value for kind in CUSTOM_TYPES)
    raise ConfigError(f"type {text!r}: use one of {names}")


def attribute_list(
    template: AppTemplate,
    discovery: Discovery | None,
    custom: CustomAttributes,
    object_type: str,
) -> tuple[TargetAttributeDefinition, ...]:
    """The template's attributes, then discovered ones, then the admin's (no name twice)."""
    found: dict[str, TargetAttributeDefinition] = {}
    for attribute in template.target_attributes(object_type):
        kind = TargetType(attribute.type)
        found.setdefault(
            attribute.name.lower(),
            TargetAttributeDefinition(
                attribute.name,
                kind,
                attribute.is_multi_valued,
                attribute.is_required,
                # manager and members: both refer to users (nested groups are never sent).
                "User" if kind is TargetType.REFERENCE else None,
                AttributeOrigin.TEMPLATE,
            ),
        )
    for discovered in discovery.attributes.get(object_type, ()) if discovery else ():
        kind = _discovered_type(discovered.type)
        found.setdefault(
            discovered.name.lower(),
            TargetAttributeDefinition(
                discovered.name,
                kind,
                discovered.is_multi_valued,
                discovered.is_required,
                "User" if kind is TargetType.REFERENCE else None,
                AttributeOrigin.DISCOVERED,
            ),
        )
    for added in custom.get(object_type, ()):
        found.setdefault(added.name.lower(), added)
    return tuple(found.values())


def _discovered_type(text: str) -> TargetType:
    try:
        return TargetType(text)
    except ValueError:
        # Binary, Decimal and other RFC 7643 types travel as text.
        return TargetType.STRING


def find_attribute(
    attributes: Iterable[TargetAttributeDefinition], name: str
) -> TargetAttributeDefinition | None:
    """The attribute called ``name`` (case-insensitive), if the list has it."""
    key = name.strip().lower()
    return next((a for a in attributes if a.name.lower() == key), None)


def new_custom_attribute(
    object_type: str,
    name: str,
    kind: TargetType,
    *,
    is_multi_valued: bool = False,
    is_required: bool = False,
    referenced_object: str | None = None,
) -> TargetAttributeDefinition:
    """An attribute an admin adds, checked.

    Raises:
        ConfigError: A name that is not a target path, an extension URN of another object
            type, a Complex type, or a reference flag that does not fit the type.
    """
    clean = name.strip()
    path = parse_target_path(clean)
    if path.urn is not None and not path.urn.endswith(f":{object_type}"):
        raise ConfigError(
            f"{clean}: a {object_type} attribute's schema URN ends in :{object_type}, e.g. "
            f"urn:ietf:params:scim:schemas:extension:contoso:2.0:{object_type}:badge"
        )
    if kind not in CUSTOM_TYPES:
        raise ConfigError(
            f"{clean}: an added attribute cannot be {kind.value}; add its sub-attributes "
            "(name.sub) one by one, each with a simple type"
        )
    refers_to = _referenced(clean, kind, referenced_object)
    return TargetAttributeDefinition(
        clean, kind, is_multi_valued, is_required, refers_to, AttributeOrigin.CUSTOM
    )


def _referenced(name: str, kind: TargetType, referenced_object: str | None) -> str | None:
    if kind is not TargetType.REFERENCE:
        if referenced_object is not None:
            raise ConfigError(f"{name}: only a Reference attribute refers to an object type")
        return None
    if referenced_object is None:
        raise ConfigError(f"{name}: say which object type the reference refers to (User or Group)")
    for object_type in _OBJECT_TYPES:
        if object_type.lower() == referenced_object.strip().lower():
            return object_type
    raise ConfigError(f"{name}: a reference refers to User or Group, not {referenced_object!r}")


def dump_custom(custom: CustomAttributes) -> str | None:
    """The admin's attributes as the JSON text stored with the job (``None`` when none)."""
    data = {key: [a.to_dict() for a in values] for key, values in custom.items() if values}
    return json.dumps(data) if data else None


def load_custom(text: str | None) -> dict[str, tuple[TargetAttributeDefinition, ...]]:
    """Read :func:`dump_custom`'s text."""
    if not text:
        return {}
    data: dict[str, list[dict[str, Any]]] = json.loads(text)
    return {
        key: tuple(TargetAttributeDefinition.from_dict(a) for a in values)
        for key, values in data.items()
    }
