"""Edits to a mapping set as pure functions: set or remove one mapping, edit scoping filters.

Each returns a new :class:`MappingSet`, validated, or raises :class:`ConfigError` naming what is
wrong (an expression's error carries the parser's line and column).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from scimitar.errors import ConfigError
from scimitar.mapping.mappings import (
    AttributeMapping,
    FlowType,
    MappingSet,
    SourceType,
    TargetType,
)
from scimitar.mapping.scoping import ScopingClause, ScopingFilter

__all__ = [
    "MappingEdit",
    "add_scoping_clause",
    "apply_edit",
    "check_targets",
    "clear_scoping",
    "remove_mapping",
    "remove_scoping",
]


@dataclass(frozen=True, slots=True)
class MappingEdit:
    """A change to the mapping of one target attribute; ``None`` leaves a field as it is.

    Attributes:
        target: The target attribute (``name.givenName``).
        source_type: Attribute, Constant or Expression (needed for a new mapping).
        source: The attribute name, constant or expression text.
        matching_precedence: ``0`` stops matching on it; ``N`` matches with precedence N.
        default_value: Default if null; ``""`` removes it.
        flow_type: Always, or only on create.
        target_type: How the value is typed (from the target attribute list).
    """

    target: str
    source_type: SourceType | None = None
    source: str | None = None
    matching_precedence: int | None = None
    default_value: str | None = None
    flow_type: FlowType | None = None
    target_type: TargetType | None = None


def apply_edit(mapping_set: MappingSet, edit: MappingEdit) -> MappingSet:
    """Set or change the mapping of ``edit.target``.

    Raises:
        ConfigError: A new mapping without a source, or the result is invalid.
    """
    index = _find(mapping_set.mappings, edit.target)
    if index is None:
        if edit.source_type is None or edit.source is None:
            raise ConfigError(
                f"{edit.target} is not mapped yet; give --source, --constant or --expression"
            )
        base = AttributeMapping(edit.target, edit.source_type, edit.source)
        mappings = (*mapping_set.mappings, _edited(base, edit))
    else:
        mappings = tuple(
            _edited(m, edit) if i == index else m for i, m in enumerate(mapping_set.mappings)
        )
    return _validated(replace(mapping_set, mappings=mappings))


def _edited(mapping: AttributeMapping, edit: MappingEdit) -> AttributeMapping:
    changes: dict[str, object] = {}
    if edit.source_type is not None and edit.source is not None:
        changes.update(source_type=edit.source_type, source=edit.source)
    if edit.matching_precedence is not None:
        changes["matching_precedence"] = edit.matching_precedence or None
    if edit.default_value is not None:
        changes["default_value"] = edit.default_value or None
    if edit.flow_type is not None:
        changes["flow_type"] = edit.flow_type
    if edit.target_type is not None:
        changes["target_type"] = edit.target_type
    return replace(mapping, **changes)  # type: ignore[arg-type]


def remove_mapping(mapping_set: MappingSet, target: str) -> MappingSet:
    """Remove the mapping of ``target``.

    Raises:
        ConfigError: It is not mapped, or it is the last matching mapping.
    """
    index = _find(mapping_set.mappings, target)
    if index is None:
        raise ConfigError(f"{target} is not mapped in {mapping_set.name!r}")
    mappings = tuple(m for i, m in enumerate(mapping_set.mappings) if i != index)
    return _validated(replace(mapping_set, mappings=mappings))


def check_targets(mapping_set: MappingSet, attributes: Sequence[str]) -> None:
    """Every mapped target must be in the target attribute list.

    Raises:
        ConfigError: Naming the first target that is not.
    """
    known = {name.lower() for name in attributes}
    for mapping in mapping_set.mappings:
        if mapping.target.lower() not in known:
            raise ConfigError(
                f"{mapping.target} is not in the target attribute list of "
                f"{mapping_set.object_type} objects; `scimitar app show` lists the attributes"
            )


def add_scoping_clause(
    mapping_set: MappingSet, filter_name: str, clause: ScopingClause
) -> MappingSet:
    """Add a clause to the named filter (AND), creating the filter (OR) if it is new."""
    filters = list(mapping_set.scoping_filters)
    for index, group in enumerate(filters):
        if group.name == filter_name:
            filters[index] = replace(group, clauses=(*group.clauses, clause))
            break
    else:
        filters.append(ScopingFilter(filter_name, (clause,)))
    return _validated(replace(mapping_set, scoping_filters=tuple(filters)))


def remove_scoping(
    mapping_set: MappingSet, filter_name: str, clause_number: int | None = None
) -> MappingSet:
    """Remove a whole filter, or its clause number ``clause_number`` (1-based).

    Raises:
        ConfigError: No such filter or clause.
    """
    names = [group.name for group in mapping_set.scoping_filters]
    if filter_name not in names:
        raise ConfigError(f"no scoping filter {filter_name!r}; the filters are {names or 'none'}")
    filters: list[ScopingFilter] = []
    for group in mapping_set.scoping_filters:
        if group.name != filter_name:
            filters.append(group)
        elif clause_number is not None:
            filters.extend(_without_clause(group, clause_number))
    return _validated(replace(mapping_set, scoping_filters=tuple(filters)))


def _without_clause(group: ScopingFilter, number: int) -> list[ScopingFilter]:
    if not 1 <= number <= len(group.clauses):
        raise ConfigError(f"scoping filter {group.name!r} has clauses 1 to {len(group.clauses)}")
    clauses = tuple(c for i, c in enumerate(group.clauses, start=1) if i != number)
    return [replace(group, clauses=clauses)] if clauses else []


def clear_scoping(mapping_set: MappingSet) -> MappingSet:
    """Remove every scoping filter (everything assigned is in scope again)."""
    return replace(mapping_set, scoping_filters=())


def _find(mappings: Sequence[AttributeMapping], target: str) -> int | None:
    key = target.strip().lower()
    for index, mapping in enumerate(mappings):
        if mapping.target.lower() == key:
            return index
    return None


def _validated(mapping_set: MappingSet) -> MappingSet:
    mapping_set.validate()
    if not mapping_set.matching_mappings:
        raise ConfigError(
            f"{mapping_set.name!r} needs at least one matching attribute (--matching 1)"
        )
    return mapping_set
