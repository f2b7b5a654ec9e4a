"""Apps, assignments and provisioning jobs as values (what the services return).

:class:`JobConfig` is what the engine reads to run a cycle: the template (quirks, dialect,
rate limits), the settings, the mapping sets with their scoping filters and the discovered
capabilities. The decrypted token is never part of it; the engine asks
``ProvisioningService.credentials`` for it when it opens a connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from scimitar.apps.attributes import CustomAttributes, TargetAttributeDefinition, attribute_list
from scimitar.connector.bearer import OAuth2Grant
from scimitar.connector.discovery import Discovery
from scimitar.gallery.schema import DEFAULT_ACCESS, Dialect, MatchingMethod, UpdateMethod
from scimitar.gallery.template import AppTemplate
from scimitar.mapping.mappings import MappingSet

__all__ = [
    "DEFAULT_DELETE_THRESHOLD",
    "DEFAULT_GROUP_MEMBERS_PER_REQUEST",
    "DEFAULT_INTERVAL_MINUTES",
    "App",
    "Assignment",
    "ConnectorOptions",
    "JobConfig",
    "JobSettings",
    "PrincipalType",
    "Scope",
    "is_entitled",
]

#: Entra's accidental-deletions threshold (docs/entra.md §2.6).
DEFAULT_DELETE_THRESHOLD = 500
#: Minutes between the end of one incremental cycle and the start of the next.
DEFAULT_INTERVAL_MINUTES = 5
#: Members one group request adds or removes when the template names no
#: ``groupMembersMaxPerRequest``: a group of N members costs N / 100 requests, each small
#: enough for any app's body limit (100 ids are about 5 KB).
DEFAULT_GROUP_MEMBERS_PER_REQUEST = 100


class Scope(StrEnum):
    """Which source objects the job evaluates (docs/entra.md §0, §2.1 rule 1)."""

    ASSIGNED = "assigned"
    ALL = "all"


class NestedGroups(StrEnum):
    """What a group's members are, for the app (scope through it, members sent to the app).

    ``direct`` is Entra's only behaviour: the direct user members of a group. ``flatten``
    gives the transitive user members: users in nested groups, at any depth, cycles ignored.
    """

    DIRECT = "direct"
    FLATTEN = "flatten"


class PrincipalType(StrEnum):
    """What an assignment names."""

    USER = "user"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class App:
    """An app: a named instance of a gallery template."""

    id: str
    name: str
    template_id: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """Plain values, as the CLI prints them."""
        return {
            "id": self.id,
            "name": self.name,
            "template": self.template_id,
            "createdAt": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Assignment:
    """A user or group assigned to an app with a role.

    Attributes:
        principal_type: User or group.
        principal_id: The directory objectId.
        role: The app role, as the template spells it.
        display: The UPN or the group's displayName (empty if the object is gone).
    """

    principal_type: PrincipalType
    principal_id: str
    role: str
    display: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain values, as the CLI prints them."""
        return {
            "type": self.principal_type.value,
            "objectId": self.principal_id,
            "name": self.display,
            "role": self.role,
        }


@dataclass(frozen=True, slots=True)
class JobSettings:
    """The provisioning page's settings (docs/entra.md §0, §2.5, §2.6).

    Attributes:
        scope: Only assigned users and groups, or all.
        notify_email: Who receives failure notifications.
        notify_on_failure: "Send an email notification when a failure occurs".
        delete_threshold: Most deletions one cycle may make; ``None`` disables the check.
        skip_out_of_scope_deletions: Leave accounts that leave scope as they are.
        interval_minutes: Time between cycles.
        realtime: Apply committed changes within seconds between cycles (real-time runs);
            off gives Entra's behaviour: changes wait for the next cycle.
        delete_window_minutes: With ``realtime``, the accidental-deletion threshold counts
            the disables and deletes sent over this sliding window (``None``: the interval).
        dialect: How requests are phrased (template default, overridable).
        disabled_object_types: Object types the admin turned off (``Group``).
        nested_groups: Direct members only (Entra), or nested groups flattened.
    """

    scope: Scope = Scope.ASSIGNED
    notify_email: str | None = None
    notify_on_failure: bool = False
    delete_threshold: int | None = DEFAULT_DELETE_THRESHOLD
    skip_out_of_scope_deletions: bool = False
    interval_minutes: int = DEFAULT_INTERVAL_MINUTES
    realtime: bool = True
    delete_window_minutes: int | None = None
    dialect: Dialect = Dialect.RFC
    disabled_object_types: frozenset[str] = frozenset()
    nested_groups: NestedGroups = NestedGroups.DIRECT

    def to_dict(self) -> dict[str, Any]:
        """Plain values, as the CLI prints them."""
        values = asdict(self)
        values["scope"] = self.scope.value
        values["nested_groups"] = self.nested_groups.value
        values["dialect"] = self.dialect.value
        values["disabled_object_types"] = sorted(self.disabled_object_types)
        return values


@dataclass(frozen=True, slots=True)
class ConnectorOptions:
    """What the connector does for this app: template quirks refined by discovery.

    Attributes:
        update_method: PATCH, or PUT where the app lacks PATCH (discovery can turn PATCH off).
        use_bulk: Whether to batch with Bulk.
        bulk_max_operations: Most operations per Bulk request.
        is_filter_supported: Whether matching can query ``filter=``.
        group_members_max_per_request: Most member changes per request.
        matching: How initial cycles match: ``listing`` for a template's ``matchByListing``
            or an app without filters, else the template's ``matching``.
        bulk_max_payload_size: Most bytes of one Bulk request (discovery's
            ``bulk.maxPayloadSize``), when the app says.
        is_group_created_with_members: A new group's ``POST`` carries its first members
            (at most ``group_members_max_per_request``); the rest follow in PATCHes.
        filter_or_max_terms: Most ``eq`` terms one filter may join with ``or`` (None: never).
    """

    update_method: UpdateMethod
    use_bulk: bool
    bulk_max_operations: int | None
    is_filter_supported: bool
    group_members_max_per_request: int | None
    matching: MatchingMethod = MatchingMethod.PER_OBJECT
    bulk_max_payload_size: int | None = None
    is_group_created_with_members: bool = False
    filter_or_max_terms: int | None = None


@dataclass(frozen=True, slots=True)
class JobConfig:
    """Everything about an app's provisioning job except the decrypted token.

    Attributes:
        app: The app.
        template: Its gallery template.
        tenant_url: The Tenant URL, once entered.
        has_token: Whether a Secret Token is stored.
        settings: The settings.
        mappings: The mapping set (with scoping filters) of each object type.
        is_on: Provisioning status On.
        needs_initial_cycle: The next cycle must be an initial one (a schema or scope change).
        discovery: What schema discovery found, if it ran.
        custom_attributes: The attributes the admin added to the target attribute list.
        oauth2: The OAuth2 client credentials grant that gives the bearer token, if used
            (its client secret is stored encrypted and never part of this).
    """

    app: App
    template: AppTemplate
    tenant_url: str | None
    has_token: bool
    settings: JobSettings
    mappings: Mapping[str, MappingSet]
    is_on: bool
    needs_initial_cycle: bool
    discovery: Discovery | None
    custom_attributes: CustomAttributes = field(default_factory=dict)
    oauth2: OAuth2Grant | None = None

    @property
    def has_credentials(self) -> bool:
        """Whether a Secret Token or an OAuth2 grant is saved."""
        return self.has_token or self.oauth2 is not None

    @property
    def object_types(self) -> tuple[str, ...]:
        """The object types this job provisions, users first."""
        disabled = self.settings.disabled_object_types
        return tuple(t for t in self.template.object_types if t not in disabled)

    def target_attributes(self, object_type: str) -> tuple[str, ...]:
        """The names of :meth:`attribute_list`."""
        return tuple(attribute.name for attribute in self.attribute_list(object_type))

    def attribute_list(self, object_type: str) -> tuple[TargetAttributeDefinition, ...]:
        """The target attribute list: the template's, what discovery added, the admin's."""
        return attribute_list(self.template, self.discovery, self.custom_attributes, object_type)

    def connector_options(self) -> ConnectorOptions:
        """The template's quirks, with PATCH, Bulk and filter support as discovery found."""
        quirks = self.template.quirks
        found = self.discovery.capabilities if self.discovery else None
        update = quirks.update_method
        if found is not None and found.patch is False:
            update = UpdateMethod.PUT
        bulk_max = quirks.bulk.max_operations
        if found is not None and found.bulk_max_operations is not None:
            bulk_max = min(bulk_max or found.bulk_max_operations, found.bulk_max_operations)
        use_bulk = quirks.bulk.is_used and (found is None or found.bulk is not False)
        is_filter = quirks.is_filter_supported and (found is None or found.filter is not False)
        matching = quirks.matching
        if quirks.match_by_listing or not is_filter:
            matching = MatchingMethod.LISTING
        or_terms = quirks.filter_or_max_terms
        if matching is MatchingMethod.FILTER_BATCHES and or_terms is None:
            matching = MatchingMethod.PER_OBJECT  # no `or` the app is known to answer
        return ConnectorOptions(
            update,
            use_bulk,
            bulk_max,
            is_filter,
            quirks.group_members_max_per_request or DEFAULT_GROUP_MEMBERS_PER_REQUEST,
            matching,
            bulk_max_payload_size=found.bulk_max_payload_size if found is not None else None,
            is_group_created_with_members=quirks.group_members_on_create,
            filter_or_max_terms=or_terms,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain values, as the CLI prints them; never the token."""
        return {
            "app": self.app.to_dict(),
            "tenantUrl": self.tenant_url,
            "hasToken": self.has_token,
            "oauth2": self.oauth2.to_dict() if self.oauth2 else None,
            "provisioning": "on" if self.is_on else "off",
            "needsInitialCycle": self.needs_initial_cycle,
            "objectTypes": list(self.object_types),
            "settings": self.settings.to_dict(),
            "connector": asdict(self.connector_options()),
            "discovery": self.discovery.to_dict() if self.discovery else None,
        }


def is_entitled(roles: frozenset[str], template: AppTemplate) -> bool:
    """Whether a user holding ``roles`` on the app is provisioned at all (docs/entra.md §2.1 rule
    2).

    With the template's legacy ``excludeDefaultAccess`` quirk (the seed tutorial's Cisco
    Webex), a user whose only role is Default Access is "not effectively entitled".
    """
    if not roles:
        return False
    if template.quirks.exclude_default_access:
        return bool(roles - {DEFAULT_ACCESS})
    return True
