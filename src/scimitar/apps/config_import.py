"""Checking a configuration file against an app, and what importing it would store. Pure.

Every problem is collected with its JSON path before anything is stored, so a bad file is
refused as a whole (docs/provisioning.md, "Export and import the configuration").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from scimitar.apps.attributes import (
    AttributeOrigin,
    TargetAttributeDefinition,
    attribute_list,
    find_attribute,
    new_custom_attribute,
)
from scimitar.apps.config_document import (
    AttributeItem,
    ConfigDocument,
    ConfigDocumentError,
    ConfigProblem,
    MappingItem,
    settings_problems,
)
from scimitar.apps.model import JobConfig, JobSettings
from scimitar.apps.reference_rules import check_references, is_reference_source
from scimitar.apps.settings_rules import validate_settings
from scimitar.connector.discovery import DiscoveredAttribute, Discovery
from scimitar.errors import ConfigError, ExpressionSyntaxError
from scimitar.mapping.expression import compile_expression
from scimitar.mapping.mappings import (
    AttributeMapping,
    FlowType,
    MappingSet,
    SourceType,
    TargetType,
)
from scimitar.mapping.scoping import ScopingFilter, validate_filters

__all__ = ["ImportedConfig", "plan_import"]


@dataclass(frozen=True, slots=True)
class ImportedConfig:
    """What an import stores, all in one write.

    Attributes:
        settings: The job's settings (with the object types turned off).
        mappings: The mapping set of every object type, with its scoping filters.
        custom: The attributes the admin added to the target attribute list.
        discovery: Discovery as stored, with the file's discovered attributes added.
    """

    settings: JobSettings
    mappings: dict[str, MappingSet]
    custom: dict[str, tuple[TargetAttributeDefinition, ...]]
    discovery: Discovery


@dataclass
class _Check:
    config: JobConfig
    document: ConfigDocument
    problems: list[ConfigProblem] = field(default_factory=list)

    def fail(self, path: str, message: str) -> None:
        self.problems.append(ConfigProblem(path, message))


def plan_import(config: JobConfig, document: ConfigDocument) -> ImportedConfig:
    """What importing ``document`` into the app of ``config`` stores.

    Raises:
        ConfigDocumentError: Every problem, by JSON path; nothing is to be stored.
    """
    template = config.template
    if document.template.strip().lower() != template.id:
        problem = ConfigProblem(
            "$.template",
            f"the file is for {document.template!r} apps; {config.app.name} is a {template.id} app",
        )
        raise ConfigDocumentError([problem])
    check = _Check(config, document)
    _check_object_types(check)
    settings = _settings(check)
    custom, discovery = _attributes(check)
    mappings = {
        object_type: _mapping_set(check, object_type, discovery, custom)
        for object_type in template.object_types
    }
    if check.problems or settings is None:
        raise ConfigDocumentError(check.problems)
    return ImportedConfig(settings, mappings, custom, discovery)


def _check_object_types(check: _Check) -> None:
    template = check.config.template
    for area in ("objectTypes", "targetAttributes", "mappings", "scoping"):
        member = getattr(check.document, _snake(area))
        for object_type in member:
            if object_type not in template.object_types:
                check.fail(
                    f"$.{area}.{object_type}",
                    f"{template.display_name} does not provision {object_type} objects",
                )
    for object_type in template.object_types:
        if object_type not in check.document.object_types:
            check.fail(f"$.objectTypes.{object_type}", "missing: give {enabled, name}")
    user = check.document.object_types.get("User")
    if user is not None and not user.enabled:
        check.fail("$.objectTypes.User.enabled", "User provisioning cannot be turned off")


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _settings(check: _Check) -> JobSettings | None:
    values, problems = settings_problems(check.document.settings)
    check.problems.extend(problems)
    if problems:
        return None
    disabled = frozenset(
        object_type
        for object_type, item in check.document.object_types.items()
        if not item.enabled and object_type != "User"
    )
    settings = JobSettings(**values, disabled_object_types=disabled)
    try:
        validate_settings(settings, check.config.template)
    except ConfigError as exc:
        check.fail(_settings_path(settings, check), str(exc))
        return None
    return settings


def _settings_path(settings: JobSettings, check: _Check) -> str:
    """``$.settings.<member>`` of the first setting whose default would make them valid."""
    defaults = JobSettings()
    for name in check.document.settings:
        member = _snake(name)
        if not hasattr(defaults, member):
            continue
        try:
            validate_settings(
                replace(settings, **{member: getattr(defaults, member)}), check.config.template
            )
        except ConfigError:
            continue
        return f"$.settings.{name}"
    return "$.settings"


def _attributes(
    check: _Check,
) -> tuple[dict[str, tuple[TargetAttributeDefinition, ...]], Discovery]:
    before = check.config.discovery or Discovery()
    discovered = {key: list(values) for key, values in before.attributes.items()}
    custom: dict[str, tuple[TargetAttributeDefinition, ...]] = {}
    for object_type, items in check.document.target_attributes.items():
        known = attribute_list(check.config.template, before, {}, object_type)
        added: list[TargetAttributeDefinition] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            path = f"$.targetAttributes.{object_type}[{index}]"
            key = item.name.strip().lower()
            if key in seen:
                check.fail(f"{path}.name", f"{item.name} is listed twice (also [{seen[key]}])")
                continue
            seen[key] = index
            found = _attribute(check, path, object_type, item, known)
            if isinstance(found, DiscoveredAttribute):
                discovered.setdefault(object_type, []).append(found)
            elif found is not None:
                added.append(found)
        custom[object_type] = tuple(added)
    discovery = Discovery(
        before.capabilities, {key: tuple(values) for key, values in discovered.items()}
    )
    return custom, discovery


def _attribute(
    check: _Check,
    path: str,
    object_type: str,
    item: AttributeItem,
    known: Sequence[TargetAttributeDefinition],
) -> TargetAttributeDefinition | DiscoveredAttribute | None:
    """A custom attribute, a discovered one to add, or ``None`` (the template's, or a problem)."""
    existing = find_attribute(known, item.name)
    origin = AttributeOrigin(item.origin)
    if origin is AttributeOrigin.TEMPLATE:
        if existing is None or existing.origin is not AttributeOrigin.TEMPLATE:
            check.fail(
                f"{path}.origin",
                f"{item.name} is not an attribute of the {check.config.template.id} template; "
                'give it origin "custom"',
            )
        return None
    if existing is not None:
        if existing.origin is not origin:
            check.fail(
                f"{path}.name", f"{existing.name} is listed already by the {existing.origin.value}"
            )
        return None
    if origin is AttributeOrigin.DISCOVERED:
        # As discovery stores them: some (``id``) are listed though no mapping may target them.
        return DiscoveredAttribute(item.name, item.type, item.required, item.multi_valued)
    try:
        return new_custom_attribute(
            object_type,
            item.name,
            TargetType(item.type),
            is_multi_valued=item.multi_valued,
            is_required=item.required,
            referenced_object=item.referenced_object,
        )
    except ConfigError as exc:
        check.fail(path, str(exc))
        return None


def _mapping_set(
    check: _Check,
    object_type: str,
    discovery: Discovery,
    custom: dict[str, tuple[TargetAttributeDefinition, ...]],
) -> MappingSet:
    template = check.config.template
    default = template.default_mappings[object_type]
    items = check.document.mappings.get(object_type)
    if items is None:
        check.fail(f"$.mappings.{object_type}", "missing: give the list of attribute mappings")
        return default
    path = f"$.mappings.{object_type}"
    attributes = attribute_list(template, discovery, custom, object_type)
    mappings = _mappings(check, path, object_type, items, attributes)
    filters = _filters(check, object_type)
    item = check.document.object_types.get(object_type)
    name = item.name if item is not None and item.name else default.name
    mapping_set = MappingSet(name, object_type, mappings, filters)
    if len(mappings) != len(items):
        return mapping_set
    try:
        mapping_set.validate()
        check_references(mapping_set)
    except ConfigError as exc:
        check.fail(path, str(exc))
    if not mapping_set.matching_mappings:
        check.fail(
            path, "no mapping has a matchingPrecedence; give one mapping matchingPrecedence 1"
        )
    return mapping_set


def _mappings(
    check: _Check,
    path: str,
    object_type: str,
    items: Sequence[MappingItem],
    attributes: Sequence[TargetAttributeDefinition],
) -> tuple[AttributeMapping, ...]:
    found: list[AttributeMapping] = []
    targets: dict[str, int] = {}
    precedences: dict[int, int] = {}
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        mapping = _mapping(check, where, object_type, item, attributes)
        if mapping is None:
            continue
        key = mapping.target.lower()
        if key in targets:
            check.fail(
                f"{where}.target", f"{mapping.target} is mapped by {path}[{targets[key]}] too"
            )
            continue
        targets[key] = index
        precedence = mapping.matching_precedence
        if precedence is not None and precedence in precedences:
            check.fail(
                f"{where}.matchingPrecedence",
                f"{precedence} is the precedence of {path}[{precedences[precedence]}] too",
            )
            continue
        if precedence is not None:
            precedences[precedence] = index
        found.append(mapping)
    return tuple(found)


def _mapping(
    check: _Check,
    where: str,
    object_type: str,
    item: MappingItem,
    attributes: Sequence[TargetAttributeDefinition],
) -> AttributeMapping | None:
    mapping = AttributeMapping(
        item.target,
        SourceType(item.source_type),
        item.source,
        item.default_value,
        FlowType(item.flow_type),
        item.matching_precedence,
        item.required,
        TargetType(item.target_type),
        item.case_exact,
    )
    problems = len(check.problems)
    if find_attribute(attributes, item.target) is None:
        check.fail(
            f"{where}.target",
            f"unknown target attribute {item.target}; add it under "
            f"$.targetAttributes.{object_type}",
        )
    _check_source(check, where, mapping)
    if mapping.target_type is TargetType.REFERENCE and not is_reference_source(
        object_type, mapping.source_type, mapping.source
    ):
        check.fail(
            f"{where}.targetType",
            f"only a direct mapping of a reference attribute (manager, members) is a "
            f"Reference, not {mapping.source_type.value} {mapping.source!r}",
        )
    return mapping if len(check.problems) == problems else None


def _check_source(check: _Check, where: str, mapping: AttributeMapping) -> None:
    if mapping.source_type is SourceType.ATTRIBUTE and not mapping.source.strip():
        check.fail(f"{where}.source", "name the source attribute")
    if mapping.source_type is not SourceType.EXPRESSION:
        return
    try:
        compile_expression(mapping.source)
    except ExpressionSyntaxError as exc:
        check.fail(f"{where}.source", f"expression error at {exc}")


def _filters(check: _Check, object_type: str) -> tuple[ScopingFilter, ...]:
    groups: list[ScopingFilter] = []
    for index, data in enumerate(check.document.scoping.get(object_type, [])):
        try:
            groups.append(ScopingFilter.from_dict(data))
        except ConfigError as exc:
            check.fail(f"$.scoping.{object_type}[{index}]", str(exc))
    try:
        validate_filters(groups)
    except ConfigError as exc:
        check.fail(f"$.scoping.{object_type}", str(exc))
    return tuple(groups)
