"""A validated app template: the file's document plus its resolved default mapping sets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from scimitar.errors import ConfigError
from scimitar.gallery.schema import (
    DEFAULT_ACCESS,
    Action,
    ObjectSpec,
    Quirks,
    TargetAttribute,
    TemplateDocument,
)
from scimitar.mapping.defaults import DEFAULT_MAPPING_SETS
from scimitar.mapping.mappings import MappingSet

__all__ = ["OBJECT_TYPES", "AppTemplate", "TemplateError", "build_template"]

_V = TypeVar("_V")

#: The object types a template may provision, in the order a cycle handles them.
OBJECT_TYPES = ("User", "Group")


class TemplateError(ConfigError):
    """A template file is invalid.

    Attributes:
        file: The file's name.
        field: The dotted path of the field at fault (``objects.User.mappings``).
        reason: What is wrong with it.
    """

    def __init__(self, file: str, field: str, reason: str) -> None:
        self.file = file
        self.field = field
        self.reason = reason
        super().__init__(f"gallery template {file}: field {field}: {reason}")


@dataclass(frozen=True, slots=True)
class AppTemplate:
    """An app type as data, ready for the services layer and the connector.

    Attributes:
        document: The validated file content.
        default_mappings: The default mapping set of each object type the app provisions.
    """

    document: TemplateDocument
    default_mappings: Mapping[str, MappingSet]

    @property
    def id(self) -> str:
        """The template id (``cisco-webex``)."""
        return self.document.id

    @property
    def display_name(self) -> str:
        """The name shown in the gallery."""
        return self.document.display_name

    @property
    def quirks(self) -> Quirks:
        """The vendor quirks the connector reads."""
        return self.document.quirks

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role an assignment may carry, Default Access first."""
        return (DEFAULT_ACCESS, *(role.value for role in self.document.app_roles))

    @property
    def object_types(self) -> tuple[str, ...]:
        """The object types this app can provision."""
        return tuple(t for t in OBJECT_TYPES if t in self.document.objects)

    def object_spec(self, object_type: str) -> ObjectSpec | None:
        """The template's settings for ``User`` or ``Group``, if it provisions that type."""
        return _by_type(self.document.objects, object_type)

    def target_attributes(self, object_type: str) -> tuple[TargetAttribute, ...]:
        """The attributes the app accepts for an object type."""
        return _by_type(self.document.target_attributes, object_type) or ()

    def role_named(self, name: str) -> str:
        """The role spelled as the template spells it (roles compare case-insensitively).

        Raises:
            ConfigError: The template has no such role.
        """
        for role in self.roles:
            if role.lower() == name.strip().lower():
                return role
        raise ConfigError(
            f"{self.display_name} has no app role {name!r}; use one of {', '.join(self.roles)}"
        )

    def summary(self) -> dict[str, Any]:
        """What ``gallery list`` shows."""
        doc = self.document
        return {
            "id": doc.id,
            "displayName": doc.display_name,
            "publisher": doc.publisher,
            "description": doc.description,
            "categories": list(doc.categories),
            "objectTypes": list(self.object_types),
        }

    def to_dict(self) -> dict[str, Any]:
        """The whole template as JSON, with default mapping sets expanded."""
        data = self.document.model_dump(mode="json", by_alias=True, exclude_none=True)
        for object_type, mapping_set in self.default_mappings.items():
            data["objects"][object_type]["mappings"] = mapping_set.to_dict()
        data["roles"] = list(self.roles)
        return data


def _by_type(values: Mapping[Any, _V], object_type: str) -> _V | None:
    """``values[object_type]`` for maps keyed by the ``Literal["User", "Group"]`` type."""
    for key, value in values.items():
        if key == object_type:
            return value
    return None


def build_template(document: TemplateDocument, file: str) -> AppTemplate:
    """Resolve a document's mapping sets and check what the schema alone cannot.

    Raises:
        TemplateError: Naming the file, the field and the reason.
    """
    _check_roles(document, file)
    _check_quirks(document, file)
    mappings: dict[str, MappingSet] = {}
    for object_type in OBJECT_TYPES:
        spec = _by_type(document.objects, object_type)
        if spec is None:
            continue
        mappings[object_type] = _resolve(document, object_type, spec, file)
    if "User" not in mappings:
        raise TemplateError(file, "objects", "an app must provision User objects")
    return AppTemplate(document, mappings)


def _resolve(
    document: TemplateDocument, object_type: str, spec: ObjectSpec, file: str
) -> MappingSet:
    field = f"objects.{object_type}.mappings"
    mapping_set = _mapping_set(spec.mappings, file, field)
    if mapping_set.object_type != object_type:
        raise TemplateError(
            file, field, f"the set maps {mapping_set.object_type}, not {object_type}"
        )
    if Action.CREATE in spec.actions and not mapping_set.matching_mappings:
        raise TemplateError(file, field, "no mapping has a matching precedence")
    attributes = _by_type(document.target_attributes, object_type)
    if attributes is None:
        raise TemplateError(file, f"targetAttributes.{object_type}", "missing")
    known = {attribute.name.lower() for attribute in attributes}
    for mapping in mapping_set.mappings:
        if mapping.target.lower() not in known:
            reason = f"target {mapping.target!r} is not in targetAttributes.{object_type}"
            raise TemplateError(file, field, reason)
    return mapping_set


def _mapping_set(value: str | dict[str, Any], file: str, field: str) -> MappingSet:
    if isinstance(value, str):
        found = DEFAULT_MAPPING_SETS.get(value)
        if found is None:
            names = ", ".join(sorted(DEFAULT_MAPPING_SETS))
            raise TemplateError(
                file, field, f"no default mapping set {value!r}; use one of {names}"
            )
        return found
    try:
        return MappingSet.from_dict(value)
    except ConfigError as exc:
        raise TemplateError(file, field, str(exc)) from exc


def _check_roles(document: TemplateDocument, file: str) -> None:
    seen: set[str] = {DEFAULT_ACCESS.lower()}
    for index, role in enumerate(document.app_roles):
        key = role.value.lower()
        if key in seen:
            raise TemplateError(file, f"appRoles.{index}.value", f"role {role.value!r} twice")
        seen.add(key)


def _check_quirks(document: TemplateDocument, file: str) -> None:
    bulk = document.quirks.bulk
    if bulk.is_used and not bulk.is_supported:
        raise TemplateError(file, "quirks.bulk.use", "Bulk cannot be used where not supported")
    if bulk.is_supported and bulk.max_operations is None:
        raise TemplateError(file, "quirks.bulk.maxOperations", "required when Bulk is supported")
