"""How a mapping is typed, and the rules for references (docs/provisioning.md, "References").

A reference attribute (a user's ``manager``, a group's ``members``) holds objectIds of the
directory. Typed ``Reference``, the engine sends the referenced object's id *in the app*,
resolved through the links after the objects exist (see ``scimitar.engine.core.references``); typed
anything else, the directory's objectId goes out as text, which no app can resolve. So a
reference source mapped to an attribute the list does not type Reference is refused unless the
admin says ``--type string`` explicitly, and then it warns. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from scimitar.apps.attributes import TargetAttributeDefinition, find_attribute
from scimitar.errors import ConfigError
from scimitar.mapping.mappings import AttributeMapping, MappingSet, SourceType, TargetType

__all__ = [
    "REFERENCE_SOURCES",
    "check_references",
    "is_reference_source",
    "reference_warnings",
    "retype_edited",
    "typed_mapping",
]

#: The directory's reference attributes, by object type.
REFERENCE_SOURCES = {"User": frozenset({"manager"}), "Group": frozenset({"members"})}
#: The one target a group's members go to: the group phase sends membership PATCHes there.
_MEMBERS = "members"


def is_reference_source(object_type: str, source_type: SourceType, source: str) -> bool:
    """Whether a mapping reads a reference attribute directly (``manager``, ``members``)."""
    names = REFERENCE_SOURCES.get(object_type, frozenset())
    return source_type is SourceType.ATTRIBUTE and source.strip().lower() in names


def typed_mapping(
    object_type: str,
    mapping: AttributeMapping,
    attributes: Sequence[TargetAttributeDefinition],
    explicit: TargetType | None,
) -> AttributeMapping:
    """``mapping`` with the target type it gets: ``explicit``, else the attribute list's.

    Raises:
        ConfigError: A reference source mapped to a non-reference attribute without an explicit
            type; a Reference type on something else than a direct reference mapping.
    """
    attribute = find_attribute(attributes, mapping.target)
    listed = attribute.type if attribute is not None else TargetType.STRING
    is_source_ref = is_reference_source(object_type, mapping.source_type, mapping.source)
    kind = explicit if explicit is not None else listed
    if kind is TargetType.REFERENCE and not is_source_ref:
        raise ConfigError(_not_a_reference(object_type, mapping, explicit is not None))
    if is_source_ref and explicit is None and listed is not TargetType.REFERENCE:
        raise ConfigError(
            f"{mapping.source} is a reference, but the target attribute list types "
            f"{mapping.target} {listed.value}: the mapping would send the directory's objectId, "
            f"which the app cannot resolve. Give --type reference to send the id of the "
            f"{mapping.source} in the app, or --type string to send the objectId anyway"
        )
    return AttributeMapping(
        mapping.target,
        mapping.source_type,
        mapping.source,
        mapping.default_value,
        mapping.flow_type,
        mapping.matching_precedence,
        mapping.is_required,
        kind,
        mapping.is_case_exact,
    )


def retype_edited(
    mapping_set: MappingSet,
    target: str,
    attributes: Sequence[TargetAttributeDefinition],
    explicit: TargetType | None,
    *,
    is_source_changed: bool,
) -> MappingSet:
    """Type the just-edited mapping of ``target``, then check the set's references.

    A mapping whose source did not change and that got no explicit type keeps its type.

    Raises:
        ConfigError: See :func:`typed_mapping` and :func:`check_references`.
    """
    key = target.strip().lower()
    mappings = tuple(
        typed_mapping(mapping_set.object_type, m, attributes, explicit)
        if m.target.lower() == key and (is_source_changed or explicit is not None)
        else m
        for m in mapping_set.mappings
    )
    retyped = replace(mapping_set, mappings=mappings)
    check_references(retyped)
    return retyped


def _not_a_reference(object_type: str, mapping: AttributeMapping, is_explicit: bool) -> str:
    names = " or ".join(sorted(REFERENCE_SOURCES.get(object_type, ())))
    cause = "--type reference" if is_explicit else f"{mapping.target} is a Reference attribute"
    return (
        f"{cause}: only a direct mapping of the {object_type} reference attribute {names} "
        f"can be a reference, not {mapping.source_type.value} {mapping.source!r}; map {names} "
        "to it, or give --type string"
    )


def check_references(mapping_set: MappingSet) -> None:
    """The reference mappings of a set are ones the engine can send.

    Raises:
        ConfigError: A Reference mapping that does not read a reference attribute, a user set
            with two reference mappings, or group members mapped elsewhere than ``members``.
    """
    kind = mapping_set.object_type
    references = [m for m in mapping_set.mappings if m.target_type is TargetType.REFERENCE]
    for mapping in references:
        if not is_reference_source(kind, mapping.source_type, mapping.source):
            raise ConfigError(_not_a_reference(kind, mapping, is_explicit=True))
        if kind == "Group" and mapping.target.lower() != _MEMBERS:
            raise ConfigError(
                f"{mapping.target}: group members are sent to members; map members there"
            )
    if kind == "User" and len(references) > 1:
        targets = ", ".join(m.target for m in references)
        raise ConfigError(f"the manager can be sent to one target attribute, not {targets}")


def reference_warnings(mapping_set: MappingSet, target: str | None = None) -> list[str]:
    """What the admin should know: reference sources sent as plain text (of ``target``)."""
    key = target.strip().lower() if target is not None else None
    return [
        f"{mapping.target} gets the {mapping.source}'s objectId in the directory, typed "
        f"{mapping.target_type.value}, not the id of the {mapping.source} in the app; "
        f"map it with --type reference to send the id in the app"
        for mapping in mapping_set.mappings
        if mapping.target_type is not TargetType.REFERENCE
        and (key is None or mapping.target.lower() == key)
        and is_reference_source(mapping_set.object_type, mapping.source_type, mapping.source)
    ]
