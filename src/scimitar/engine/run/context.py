"""What a cycle knows before it reads a single object: the job, compiled once per cycle.

Built by the runner from the store (I/O), then passed to the per-object code as plain values.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from scimitar.apps.model import ConnectorOptions, JobConfig, NestedGroups, Scope
from scimitar.directory.model import ObjectType
from scimitar.engine.core.planning import ObjectAction, PlanSettings, SoftDeleteMode
from scimitar.engine.core.scope import (
    DEFAULT_ACCESS_ROLE_ID,
    Assignment,
    ScopeSetting,
    SharedScopes,
)
from scimitar.engine.core.steps import ScopingSteps
from scimitar.engine.run.filtercheck import FilterTrust
from scimitar.engine.state.learned import LearnedQuirks
from scimitar.gallery import DEFAULT_ACCESS
from scimitar.mapping.flow import CompiledMappingSet
from scimitar.scim.dialects import Dialect, dialect_named

__all__ = ["CycleCaches", "CycleContext", "build_context", "role_assignment"]

_ROLE_NAMESPACE = uuid.UUID("6f1d3a52-38c4-4d6e-9a35-3f0c51a7c0de")


def role_assignment(user_id: str, role: str) -> Assignment:
    """An engine assignment for one of a user's roles (Default Access carries no value)."""
    if role.casefold() == DEFAULT_ACCESS.casefold():
        return Assignment(user_id, ObjectType.USER, DEFAULT_ACCESS_ROLE_ID, None, DEFAULT_ACCESS)
    role_id = str(uuid.uuid5(_ROLE_NAMESPACE, role.casefold()))
    return Assignment(user_id, ObjectType.USER, role_id, role, role)


@dataclass
class CycleCaches:
    """What a cycle computes once and reuses, held by its context (never a module global).

    Attributes:
        scopes: Scope results users alike share (no scoping filters).
        scoping_steps: The scoping log step of each shared scope result.
    """

    scopes: SharedScopes = field(default_factory=dict)
    scoping_steps: ScopingSteps = field(default_factory=dict)


@dataclass(frozen=True)
class CycleContext:
    """Everything per-object processing reads, fixed for one cycle.

    Attributes:
        config: The job configuration.
        mappings: The compiled mapping set of each enabled object type.
        plan_settings: Per object type, what planning reads.
        setting: Assigned only, or all.
        user_roles: Each assigned user's roles (direct and via direct groups).
        assigned_groups: Groups assigned to the app.
        is_default_access_excluded: The template's "Default Access only is not provisioned".
        dialect: How requests are phrased.
        options: The connector's options (Bulk, member cap, PATCH or PUT...).
        caches: What the cycle computes once and reuses.
        learned: What the app was found not to implement (:mod:`scimitar.engine.state.learned`).
        filters: Which matching filters this cycle checked (:mod:`scimitar.engine.run.filtercheck`).
    """

    config: JobConfig
    mappings: Mapping[str, CompiledMappingSet]
    plan_settings: Mapping[str, PlanSettings]
    setting: ScopeSetting
    user_roles: Mapping[str, frozenset[str]]
    assigned_groups: frozenset[str]
    is_default_access_excluded: bool
    dialect: Dialect
    options: ConnectorOptions
    caches: CycleCaches = field(default_factory=CycleCaches, compare=False, repr=False)
    learned: LearnedQuirks = field(default_factory=LearnedQuirks)
    filters: FilterTrust = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "filters", FilterTrust(self.learned))

    @property
    def app_id(self) -> str:
        """The app's id."""
        return self.config.app.id

    def assignments_of(self, user_id: str) -> tuple[Assignment, ...]:
        """The user's effective assignments, Default Access first."""
        roles = sorted(self.user_roles.get(user_id, ()), key=lambda r: r != DEFAULT_ACCESS)
        return tuple(role_assignment(user_id, role) for role in roles)

    @property
    def is_flattening(self) -> bool:
        """Whether groups count their nested groups' users (``--nested-groups flatten``)."""
        return self.config.settings.nested_groups is NestedGroups.FLATTEN

    def handles(self, object_type: str) -> bool:
        """Whether this object type is provisioned (mapped and not turned off)."""
        return object_type in self.mappings


def _plan_settings(
    object_type: str, mapping: CompiledMappingSet, config: JobConfig
) -> PlanSettings:
    targets = {m.target.lower() for m in mapping.mapping_set.mappings}
    if object_type == "Group":
        soft = SoftDeleteMode.DELETE
    else:
        soft = SoftDeleteMode.DISABLE if "active" in targets else SoftDeleteMode.NONE
    return PlanSettings(
        object_actions=frozenset(ObjectAction),
        skip_out_of_scope_deletions=config.settings.skip_out_of_scope_deletions,
        soft_delete=soft,
    )


def _added_multi_valued(config: JobConfig, object_type: str) -> tuple[str, ...]:
    """Multi-valued attributes the admin added: their values go as lists.

    Only the admin's: template and discovered multi-valued attributes (``members``, complex
    ``roles``) keep the shapes their mappings and the dialects give them.
    """
    return tuple(
        attribute.name
        for attribute in config.custom_attributes.get(object_type, ())
        if attribute.is_multi_valued and not attribute.is_reference
    )


def build_context(
    config: JobConfig,
    user_roles: Mapping[str, frozenset[str]],
    assigned_groups: frozenset[str],
    learned: LearnedQuirks | None = None,
) -> CycleContext:
    """Compile the job's mapping sets and settings for one cycle.

    ``learned`` is what the app was found not to implement (in memory only when not given).

    Raises:
        ConfigError: A mapping set is invalid.
    """
    mappings = {
        object_type: CompiledMappingSet(
            config.mappings[object_type], multi_valued=_added_multi_valued(config, object_type)
        )
        for object_type in config.object_types
        if object_type in config.mappings
    }
    setting = ScopeSetting.ALL if config.settings.scope is Scope.ALL else ScopeSetting.ASSIGNED
    return CycleContext(
        config=config,
        mappings=mappings,
        plan_settings={t: _plan_settings(t, m, config) for t, m in mappings.items()},
        setting=setting,
        user_roles=user_roles,
        assigned_groups=assigned_groups,
        is_default_access_excluded=config.template.quirks.exclude_default_access,
        dialect=dialect_named(config.settings.dialect.value),
        options=config.connector_options(),
        learned=learned if learned is not None else LearnedQuirks(),
    )
