"""Attribute mappings and mapping sets as configuration (docs/entra.md §2.2, §2.3, §6.3).

A mapping says where one target attribute's value comes from (a source attribute, a constant
or an expression), when it flows (always, or only on create), its default value if null
(create only), whether it is required and its matching precedence. A mapping set is the
object mapping of one object type (User or Group) with its scoping filters. Sets serialise to
JSON and validate with errors that name the mapping at fault.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from scimitar.errors import ConfigError, ExpressionSyntaxError
from scimitar.mapping.expression import Expression, compile_expression
from scimitar.mapping.scoping import ScopingFilter, validate_filters
from scimitar.mapping.target_path import TargetPath, parse_target_path

__all__ = ["AttributeMapping", "FlowType", "MappingSet", "SourceType", "TargetType"]

_E = TypeVar("_E", bound=StrEnum)


class SourceType(StrEnum):
    """Mapping type (docs/entra.md §2.3; Graph ``attributeMappingSource.type``)."""

    ATTRIBUTE = "Attribute"
    CONSTANT = "Constant"
    EXPRESSION = "Expression"


class FlowType(StrEnum):
    """Apply this mapping (docs/entra.md §2.3; Graph ``flowType``)."""

    ALWAYS = "Always"
    OBJECT_ADD_ONLY = "ObjectAddOnly"


class TargetType(StrEnum):
    """Target attribute type (Graph ``attributeDefinition.type``): how values are sent."""

    STRING = "String"
    BOOLEAN = "Boolean"
    INTEGER = "Integer"
    REFERENCE = "Reference"
    DATETIME = "DateTime"
    COMPLEX = "Complex"


@dataclass(frozen=True, slots=True)
class AttributeMapping:
    """One attribute mapping.

    Attributes:
        target: Target path, e.g. ``emails[type eq "work"].value``.
        source_type: Attribute, Constant or Expression.
        source: The attribute name, constant text or expression text.
        default_value: Sent when the source is null, on create only.
        flow_type: Always, or ObjectAddOnly ("only during object creation").
        matching_precedence: ``1`` is tried first when matching; ``None`` if not matching.
        is_required: The object is not created without a value (MandatoryFieldsMissing).
        target_type: How the value is typed on the wire.
        is_case_exact: Whether a change of case alone is a change (target ``caseExact``).
    """

    target: str
    source_type: SourceType
    source: str
    default_value: str | None = None
    flow_type: FlowType = FlowType.ALWAYS
    matching_precedence: int | None = None
    is_required: bool = False
    target_type: TargetType = TargetType.STRING
    is_case_exact: bool = False

    @classmethod
    def direct(cls, source: str, target: str, **options: Any) -> AttributeMapping:
        """A direct mapping from a source attribute."""
        return cls(target, SourceType.ATTRIBUTE, source, **options)

    @classmethod
    def constant(cls, value: str, target: str, **options: Any) -> AttributeMapping:
        """A constant mapping."""
        return cls(target, SourceType.CONSTANT, value, **options)

    @classmethod
    def expression(cls, text: str, target: str, **options: Any) -> AttributeMapping:
        """An expression mapping."""
        return cls(target, SourceType.EXPRESSION, text, **options)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape, Graph-like (``targetAttributeName``, ``source``, ``flowType``...)."""
        data: dict[str, Any] = {
            "targetAttributeName": self.target,
            "source": {"type": self.source_type.value, "value": self.source},
            "flowType": self.flow_type.value,
            "targetType": self.target_type.value,
        }
        optional = {
            "defaultValue": self.default_value,
            "matchingPriority": self.matching_precedence,
            "required": self.is_required or None,
            "caseExact": self.is_case_exact or None,
        }
        data.update({key: value for key, value in optional.items() if value is not None})
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AttributeMapping:
        """Read :meth:`to_dict`'s shape.

        Raises:
            ConfigError: For missing fields or unknown enum values.
        """
        if not isinstance(data, Mapping):
            raise ConfigError(f"a mapping must be an object, got {type(data).__name__}")
        target = data.get("targetAttributeName")
        source = data.get("source")
        if not isinstance(target, str) or not isinstance(source, Mapping):
            raise ConfigError("a mapping needs targetAttributeName and source {type, value}")
        precedence = data.get("matchingPriority")
        if isinstance(precedence, str) and precedence.strip().isdigit():
            precedence = int(precedence)
        if precedence is not None and type(precedence) is not int:
            raise ConfigError(f"{target}: matchingPriority must be a whole number, or null")
        return cls(
            target=target,
            source_type=_enum(SourceType, source.get("type"), target),
            source=str(source.get("value", "")),
            default_value=data.get("defaultValue"),
            flow_type=_enum(FlowType, data.get("flowType", "Always"), target),
            matching_precedence=precedence,
            is_required=bool(data.get("required", False)),
            target_type=_enum(TargetType, data.get("targetType", "String"), target),
            is_case_exact=bool(data.get("caseExact", False)),
        )

    def parsed_target(self) -> TargetPath:
        """The target path, parsed (raises ConfigError if invalid)."""
        return parse_target_path(self.target)

    def compiled_expression(self) -> Expression | None:
        """The compiled expression of an Expression mapping, else ``None``."""
        if self.source_type is not SourceType.EXPRESSION:
            return None
        return compile_expression(self.source)


def _enum(kind: type[_E], value: Any, target: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ConfigError(
            f"mapping {target!r}: {value!r} is not a valid {kind.__name__}; use one of {allowed}"
        ) from None


@dataclass(frozen=True, slots=True)
class MappingSet:
    """The attribute mappings and scoping filters of one object type.

    Attributes:
        name: e.g. "Provision Microsoft Entra ID Users".
        object_type: ``User`` or ``Group``.
        mappings: The attribute mappings.
        scoping_filters: The source object scope (docs/entra.md §5).
    """

    name: str
    object_type: str
    mappings: tuple[AttributeMapping, ...]
    scoping_filters: tuple[ScopingFilter, ...] = field(default=())

    @property
    def matching_mappings(self) -> tuple[AttributeMapping, ...]:
        """Mappings used for matching, lowest precedence number first (docs/entra.md §2.2)."""
        matching = [m for m in self.mappings if m.matching_precedence is not None]
        return tuple(sorted(matching, key=lambda m: m.matching_precedence or 0))

    def validate(self) -> None:
        """Check the whole set before it is saved or used.

        Raises:
            ConfigError: Naming the mapping (index and target) and what to fix.
        """
        if self.object_type not in ("User", "Group"):
            raise ConfigError(f"object type must be User or Group, not {self.object_type!r}")
        seen: dict[str, int] = {}
        for index, mapping in enumerate(self.mappings):
            where = f"mapping {index + 1} (target {mapping.target!r})"
            _validate_mapping(mapping, where)
            key = mapping.target.lower()
            if key in seen:
                raise ConfigError(f"{where}: target already mapped by mapping {seen[key] + 1}")
            seen[key] = index
        _validate_precedence(self.mappings)
        validate_filters(self.scoping_filters)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape for export."""
        return {
            "name": self.name,
            "objectType": self.object_type,
            "attributeMappings": [mapping.to_dict() for mapping in self.mappings],
            "scope": {"groups": [f.to_dict() for f in self.scoping_filters]},
        }

    def to_json(self) -> str:
        """Export as indented JSON."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MappingSet:
        """Import and validate.

        Raises:
            ConfigError: For a malformed document or an invalid mapping.
        """
        mappings = data.get("attributeMappings") if isinstance(data, Mapping) else None
        if not isinstance(mappings, list):
            raise ConfigError("a mapping set needs an attributeMappings list")
        scope = data.get("scope") or {}
        groups = scope.get("groups") or [] if isinstance(scope, Mapping) else None
        if not isinstance(groups, list):
            raise ConfigError("a mapping set's scope needs a groups list")
        result = cls(
            name=str(data.get("name", "")),
            object_type=str(data.get("objectType", "User")),
            mappings=tuple(AttributeMapping.from_dict(m) for m in mappings),
            scoping_filters=tuple(ScopingFilter.from_dict(g) for g in groups),
        )
        result.validate()
        return result

    @classmethod
    def from_json(cls, text: str) -> MappingSet:
        """Import from JSON text (see :meth:`from_dict`)."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"mapping set is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError("a mapping set must be a JSON object")
        return cls.from_dict(data)


def _validate_mapping(mapping: AttributeMapping, where: str) -> None:
    try:
        mapping.parsed_target()
        expression = mapping.compiled_expression()
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    except ExpressionSyntaxError as exc:
        raise ConfigError(f"{where}: expression error at {exc}") from exc
    if mapping.source_type is SourceType.ATTRIBUTE and not mapping.source.strip():
        raise ConfigError(f"{where}: name the source attribute")
    if expression is not None and expression.is_unique_selection:
        if mapping.matching_precedence is not None:
            raise ConfigError(f"{where}: SelectUniqueValue cannot be used for matching")
        if mapping.flow_type is not FlowType.OBJECT_ADD_ONLY:
            raise ConfigError(f"{where}: SelectUniqueValue applies only during object creation")


def _validate_precedence(mappings: Sequence[AttributeMapping]) -> None:
    used: set[int] = set()
    for mapping in mappings:
        precedence = mapping.matching_precedence
        if precedence is None:
            continue
        if precedence < 1:
            raise ConfigError(f"mapping {mapping.target!r}: matching precedence starts at 1")
        if precedence in used:
            raise ConfigError(
                f"mapping {mapping.target!r}: matching precedence {precedence} is used twice"
            )
        used.add(precedence)
