"""Attribute precedence across sources that feed one directory object (pure).

Each source has a precedence (lower wins) and may override it per attribute. For an attribute
of an object, the winner is the source with the lowest precedence among the sources linked to
the object whose mappings give that attribute; ties go to the source whose name sorts first.
Only the winner writes the attribute; when it lets go of the object, the next one's last
contributed value takes over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scimitar.sources.config import SourceDefinition

__all__ = ["fallback_values", "rank", "winning_attributes"]


def rank(source: SourceDefinition, attribute: str) -> tuple[int, str]:
    """How ``source`` ranks for ``attribute``: lower wins."""
    return (source.precedence_of(attribute), source.name.casefold())


def winning_attributes(
    me: SourceDefinition,
    object_type: str,
    others: Sequence[SourceDefinition],
    attributes: Iterable[str],
) -> set[str]:
    """The ``attributes`` that ``me`` writes, against ``others`` linked to the same object."""
    if not others:
        return set(attributes)
    won: set[str] = set()
    for attribute in attributes:
        mine = rank(me, attribute)
        if all(
            attribute not in other.mapped_targets(object_type) or mine < rank(other, attribute)
            for other in others
        ):
            won.add(attribute)
    return won


def fallback_values(
    leaving: SourceDefinition,
    object_type: str,
    remaining: Sequence[tuple[SourceDefinition, Mapping[str, Any]]],
) -> dict[str, Any]:
    """The values the remaining sources give the attributes ``leaving`` was writing.

    Args:
        leaving: The source letting go of the object.
        object_type: ``User`` or ``Group``.
        remaining: The other sources still linked, each with the values it last contributed.

    Returns:
        Attribute → the best-ranked remaining source's value, for each attribute ``leaving``
        won and some remaining source maps (attributes nobody else maps keep their value).
    """
    others = [source for source, _ in remaining]
    values: dict[str, Any] = {}
    for attribute in leaving.mapped_targets(object_type):
        if attribute not in winning_attributes(leaving, object_type, others, [attribute]):
            continue
        candidates = [
            (rank(source, attribute), contributed.get(attribute))
            for source, contributed in remaining
            if attribute in source.mapped_targets(object_type)
        ]
        if candidates:
            values[attribute] = min(candidates, key=lambda pair: pair[0])[1]
    return values
