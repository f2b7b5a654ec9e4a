"""What a mapping set must satisfy before it is saved, whatever face saves it.

The CLI, the admin API, the portal and mapping imports save through
:class:`~scimitar.apps.mappings.MappingService`, configuration imports through
:class:`~scimitar.apps.config_service.ConfigService`; both ask one :class:`MappingChecker`.
Two rules, as Entra applies them when a mapping is saved rather than when it fails every cycle:

- every source attribute a mapping reads (a direct mapping's source, each ``[name]`` of an
  expression) is an attribute of the directory's users or groups; ``extension_<name>``
  attributes count once some directory user has one. An unknown name is refused with the
  closest known names;
- what the mapping produces fits the target attribute: a multi-valued result does not go to a
  single-valued attribute, and app-role objects (``AppRoleAssignmentsComplex``) go to a complex
  attribute such as ``roles``, not to one of its sub-attributes such as ``roles.value``.
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from scimitar.directory.model import (
    EXTENSION_PREFIX,
    GROUP_ATTRIBUTES,
    USER_ATTRIBUTES,
    AttributeType,
)
from scimitar.errors import ConfigError
from scimitar.mapping.ast import Attribute, walk
from scimitar.mapping.mappings import AttributeMapping, MappingSet, SourceType
from scimitar.mapping.shapes import Shape, fits, result_shapes, shape_text

__all__ = [
    "ExtensionLookup",
    "MappingChecker",
    "MappingProblem",
    "SourceNames",
    "TargetDefinition",
    "check_mapping_set",
    "mapping_problems",
    "read_names",
    "source_names",
]

#: Which of the given ``extension_<name>`` attributes the directory has (and others nearby).
ExtensionLookup = Callable[[Iterable[str]], Awaitable[set[str]]]

#: Attributes every object of a type has besides the catalogue's (what the engine adds).
_COMPUTED: dict[str, dict[str, Shape]] = {
    "User": {"objectId": Shape.SINGLE, "isSoftDeleted": Shape.SINGLE},
    "Group": {"objectId": Shape.SINGLE, "isSoftDeleted": Shape.SINGLE, "members": Shape.MULTI},
}
_USER_ONLY = {"appRoleAssignments": Shape.COMPLEX}


class TargetDefinition(Protocol):
    """A target attribute's definition (a template's target attribute, or a discovered one)."""

    @property
    def name(self) -> str:
        """The attribute path, as mappings target it."""
        ...

    @property
    def type(self) -> str:
        """``String``, ``Boolean``, ``Integer``, ``Reference``, ``DateTime`` or ``Complex``."""
        ...

    @property
    def is_multi_valued(self) -> bool:
        """Whether it holds several values."""
        ...


@dataclass(frozen=True, slots=True)
class SourceNames:
    """The source attributes mappings of one object type may read.

    Attributes:
        object_type: ``User`` or ``Group``.
        names: Lower-case name → the name as Entra spells it.
        shapes: Lower-case name → shape, for the multi-valued and complex ones.
    """

    object_type: str
    names: Mapping[str, str]
    shapes: Mapping[str, Shape]

    def is_known(self, name: str) -> bool:
        """Whether ``name`` (any case) is a source attribute."""
        return name.strip().lower() in self.names

    def closest(self, name: str) -> list[str]:
        """Up to three known names that look like ``name``, best first."""
        found = difflib.get_close_matches(name.strip().lower(), list(self.names), n=3, cutoff=0.6)
        return [self.names[key] for key in found]


def source_names(object_type: str, extensions: Iterable[str] = ()) -> SourceNames:
    """The source attributes of ``object_type``: the directory's catalogue, the computed
    ``objectId``, ``isSoftDeleted``, ``members`` (groups) and ``appRoleAssignments`` (users),
    and the ``extension_<name>`` attributes in ``extensions`` (users only).
    """
    catalogue = USER_ATTRIBUTES if object_type == "User" else GROUP_ATTRIBUTES
    shapes: dict[str, Shape] = {
        name: Shape.MULTI if spec.type is AttributeType.STRINGS else Shape.SINGLE
        for name, spec in catalogue.items()
    }
    shapes.update(_COMPUTED.get(object_type, {}))
    if object_type == "User":
        shapes.update(_USER_ONLY)
        shapes.update(
            (name, Shape.SINGLE) for name in extensions if name.startswith(EXTENSION_PREFIX)
        )
    return SourceNames(
        object_type,
        {name.lower(): name for name in shapes},
        {name.lower(): shape for name, shape in shapes.items() if shape is not Shape.SINGLE},
    )


@dataclass(frozen=True, slots=True)
class MappingProblem:
    """Why one mapping of a set is refused.

    Attributes:
        index: The mapping's position in the set, from 0.
        message: What is wrong and how to fix it, naming the mapping and the field.
    """

    index: int
    message: str


def mapping_problems(
    mapping_set: MappingSet, sources: SourceNames, targets: Sequence[TargetDefinition]
) -> list[MappingProblem]:
    """Every mapping whose sources are unknown or whose result does not fit (one per mapping)."""
    definitions = {target.name.lower(): target for target in targets}
    problems: list[MappingProblem] = []
    for index, mapping in enumerate(mapping_set.mappings):
        where = f"{mapping_set.object_type} mapping {index + 1} (target {mapping.target!r})"
        definition = definitions.get(mapping.target.lower())
        message = _unknown_source(mapping, sources, where) or (
            _misfit(mapping, sources, definition, where) if definition is not None else None
        )
        if message is not None:
            problems.append(MappingProblem(index, message))
    return problems


def check_mapping_set(
    mapping_set: MappingSet, sources: SourceNames, targets: Sequence[TargetDefinition]
) -> None:
    """Refuse a mapping set whose sources are unknown or whose results do not fit.

    Raises:
        ConfigError: Naming the first mapping at fault (number and target), the field and
            the fix.
    """
    problems = mapping_problems(mapping_set, sources, targets)
    if problems:
        raise ConfigError(problems[0].message)


class MappingChecker:
    """The save-time checks with the directory they read (its extension attributes).

    Args:
        extensions: Which of the given ``extension_<name>`` attributes the directory has.
    """

    def __init__(self, extensions: ExtensionLookup) -> None:
        self._extensions = extensions

    async def problems(
        self, mapping_set: MappingSet, targets: Sequence[TargetDefinition]
    ) -> list[MappingProblem]:
        """See :func:`mapping_problems`."""
        read = [name for mapping in mapping_set.mappings for name, _ in read_names(mapping)]
        names = source_names(mapping_set.object_type, await self._extensions(read))
        return mapping_problems(mapping_set, names, targets)

    async def check(self, mapping_set: MappingSet, targets: Sequence[TargetDefinition]) -> None:
        """Refuse the set (see :func:`check_mapping_set`).

        Raises:
            ConfigError: The first problem.
        """
        problems = await self.problems(mapping_set, targets)
        if problems:
            raise ConfigError(problems[0].message)


def read_names(mapping: AttributeMapping) -> list[tuple[str, int | None]]:
    """The source attributes a mapping reads, with their offset in an expression."""
    if mapping.source_type is SourceType.ATTRIBUTE:
        return [(mapping.source.strip(), None)]
    expression = mapping.compiled_expression()
    if expression is None:
        return []
    nodes = walk(expression.tree)
    return [(node.name, node.offset) for node in nodes if isinstance(node, Attribute)]


def _unknown_source(mapping: AttributeMapping, sources: SourceNames, where: str) -> str | None:
    for name, offset in read_names(mapping):
        if sources.is_known(name):
            continue
        field = "source" if offset is None else f"expression, [{name}] at column {offset + 1}"
        closest = sources.closest(name)
        hint = (
            f"closest: {', '.join(closest)}"
            if closest
            else "no known attribute is close; names are Entra's (userPrincipalName, "
            "givenName, department ...)"
        )
        extension = (
            f"; an {EXTENSION_PREFIX}<name> attribute is known once a directory user has one"
            if sources.object_type == "User" and name.lower().startswith(EXTENSION_PREFIX)
            else ""
        )
        return (
            f"{where}, field {field}: {name!r} is not a {sources.object_type} attribute of the "
            f"directory; {hint}{extension}"
        )
    return None


def _misfit(
    mapping: AttributeMapping,
    sources: SourceNames,
    definition: TargetDefinition,
    where: str,
) -> str | None:
    is_complex = definition.type == "Complex"
    for shape in sorted(_shapes(mapping, sources)):
        if fits(shape, is_complex=is_complex, is_multi_valued=definition.is_multi_valued):
            continue
        field = "source" if mapping.source_type is not SourceType.EXPRESSION else "expression"
        kind = _target_kind(definition)
        return (
            f"{where}, field {field}: it can produce {shape_text(shape)}, which does not fit "
            f"{definition.name!r} ({kind}); {_fix(shape, is_complex)}"
        )
    return None


def _shapes(mapping: AttributeMapping, sources: SourceNames) -> frozenset[Shape]:
    if mapping.source_type is SourceType.CONSTANT:
        return frozenset((Shape.SINGLE,))
    expression = mapping.compiled_expression()
    if expression is None:
        return frozenset((sources.shapes.get(mapping.source.strip().lower(), Shape.SINGLE),))
    return result_shapes(expression.tree, sources.shapes)


def _target_kind(definition: TargetDefinition) -> str:
    if definition.type == "Complex":
        return "a complex attribute"
    valued = "multi-valued" if definition.is_multi_valued else "single-valued"
    return f"a {valued} {definition.type}"


def _fix(shape: Shape, is_complex: bool) -> str:
    if is_complex:
        return "map AppRoleAssignmentsComplex([appRoleAssignments]) or another complex result here"
    if shape is Shape.COMPLEX:
        return (
            "map it to the complex attribute itself (e.g. roles), or use "
            "SingleAppRoleAssignment([appRoleAssignments]) for one value"
        )
    return "pick one value (Item, Join, SingleAppRoleAssignment), or map a multi-valued target"
