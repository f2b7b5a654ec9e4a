"""The shape of a gallery template file, validated by pydantic.

A template is an app type as data (docs/gallery.md): how its Tenant URL looks, how it
authenticates, its default mappings and matching, the attributes it accepts, its app roles, the
SCIM dialect it speaks, its quirks and its published rate limits. Files use camelCase keys;
unknown keys are refused so that a typo never silently falls back to a default.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = [
    "DEFAULT_ACCESS",
    "Action",
    "AppRole",
    "AuthSpec",
    "BulkQuirk",
    "Dialect",
    "Logo",
    "MatchingMethod",
    "OAuth2Spec",
    "ObjectSpec",
    "Quirks",
    "RateLimit",
    "TargetAttribute",
    "TemplateDocument",
    "TenantUrlForm",
    "UpdateMethod",
]

#: The role every app has; an assignment made without naming a role gets it (docs/entra.md §2.1).
DEFAULT_ACCESS = "Default Access"


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class Dialect(StrEnum):
    """How the connector phrases requests (docs/entra.md §1.9)."""

    RFC = "rfc"
    ENTRA = "entra"


class MatchingMethod(StrEnum):
    """How an initial cycle matches directory objects to the app's (``quirks.matching``).

    - ``auto``: decided per cycle and object type from the app's ``totalResults`` (the first
      page of a listing) against the objects in scope: the listing when it costs no more
      requests than the queries would, else the queries (batched where the app takes ``or``).
    - ``listing``: read the app's objects once, in pages.
    - ``filterBatches``: ``attr eq "a" or attr eq "b" ...``, ``filterOrMaxTerms`` at a time.
    - ``perObject``: one filter query per object, as Entra does.
    """

    AUTO = "auto"
    LISTING = "listing"
    FILTER_BATCHES = "filterBatches"
    PER_OBJECT = "perObject"


class UpdateMethod(StrEnum):
    """How an existing object is changed: PATCH (RFC 7644 §3.5.2) or a full PUT (§3.5.1)."""

    PATCH = "PATCH"
    PUT = "PUT"


class Action(StrEnum):
    """What the job may do to objects of a type (Graph: supported flow types)."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class Logo(_Model):
    """A monogram badge the portal draws; vendor artwork is trademarked and not shipped."""

    monogram: str = Field(min_length=1, max_length=3)
    background: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")


class TenantUrlForm(_Model):
    """One accepted form of the Tenant URL, e.g. ``https://api.webex.com/v1/scim/{tenantId}/``.

    Attributes:
        template: The URL with ``{name}`` placeholders.
        placeholders: What each placeholder means and where the admin finds it.
        label: When to use this form.
    """

    template: str = Field(pattern=r"^https://[^\s]+$")
    placeholders: dict[str, str] = Field(default_factory=dict)
    label: str = ""


class OAuth2Spec(_Model):
    """The OAuth2 grants an app accepts besides a static token (docs/operations.md).

    Attributes:
        grants: The grants offered; ``client_credentials`` is supported by the connector,
            ``authorization_code`` ("Authorize") is declared but not offered yet.
        authorization_url: The app's authorization endpoint (authorization code).
        token_url: The app's token endpoint; ``None`` when each tenant has its own, entered
            with the credentials.
        scopes: The scopes requested by default.
    """

    grants: tuple[Literal["authorization_code", "client_credentials"], ...] = Field(min_length=1)
    authorization_url: str | None = None
    token_url: str | None = None
    scopes: tuple[str, ...] = ()

    @property
    def has_client_credentials(self) -> bool:
        """Whether the admin may save a client credentials grant for this app."""
        return "client_credentials" in self.grants


class AuthSpec(_Model):
    """How the connector authenticates. Today: a bearer Secret Token (docs/entra.md §1.1)."""

    kind: Literal["bearer"] = "bearer"
    token_hint: str = Field(min_length=1)
    token_lifetime_days: int | None = Field(default=None, ge=1)
    oauth2: OAuth2Spec | None = None


class ObjectSpec(_Model):
    """One object type the app provisions (Users or Groups).

    Attributes:
        is_enabled: Provisioned by default (the admin can turn groups off).
        actions: What the job may do to objects of this type.
        mappings: A default set's name in ``scimitar.mapping.defaults`` (``"scim.user"``), or an
            inline mapping set in ``MappingSet.to_dict()``'s shape.
    """

    is_enabled: bool = Field(default=True, alias="enabled")
    actions: tuple[Action, ...] = (Action.CREATE, Action.UPDATE, Action.DELETE)
    mappings: str | dict[str, Any]


class TargetAttribute(_Model):
    """One attribute the app accepts (Entra's "Edit attribute list for ...")."""

    name: str = Field(min_length=1)
    type: Literal["String", "Boolean", "Integer", "Reference", "DateTime", "Complex"] = "String"
    is_required: bool = Field(default=False, alias="required")
    is_filterable: bool = Field(default=False, alias="filterable")
    is_multi_valued: bool = Field(default=False, alias="multiValued")


class AppRole(_Model):
    """An app role an assignment can carry (besides Default Access)."""

    value: str = Field(min_length=1, max_length=120)
    description: str = ""


class BulkQuirk(_Model):
    """Bulk (RFC 7644 §3.7): whether the app offers it and whether the connector uses it."""

    is_supported: bool = Field(default=False, alias="supported")
    is_used: bool = Field(default=False, alias="use")
    max_operations: int | None = Field(default=None, ge=1)


class Quirks(_Model):
    """Vendor deviations the connector reads.

    Attributes:
        update_method: PATCH, or PUT for apps without PATCH.
        group_members_max_per_request: Most members added or removed in one request (one
            member PATCH, or the members a group is created with); without it, 100.
        group_members_on_create: The app takes a group's members in ``POST /Groups`` (RFC 7643
            §4.2: ``members`` is writable), so a new group is created with its first members
            instead of empty and then patched (Entra's way; docs/gallery.md).
        bulk: Bulk support and use.
        is_filter_supported: Whether ``GET /Users?filter=`` works (matching needs it).
        exclude_default_access: Legacy Entra rule: users whose only role is Default Access are
            not provisioned (the seed tutorial's Cisco Webex; docs/entra.md §2.1 rule 2).
        is_group_rename_supported: Whether a group's displayName change may be sent.
        user_name_max_length: Longest ``userName`` the app takes.
        is_delete_soft: Whether ``DELETE`` only deactivates (Slack) rather than deletes.
        group_list_includes_members: Whether ``GET /Groups`` returns members unasked.
        group_members_max_returned: Most members a group GET returns.
        match_by_listing: Legacy spelling of ``matching: listing``.
        matching: How initial cycles match (:class:`MatchingMethod`); ``auto`` by default.
        filter_or_max_terms: Most ``eq`` terms the app answers joined by ``or`` in one filter
            (RFC 7644 §3.4.2.2); unset when the app is not known to take ``or``, so matching
            never sends one.
    """

    update_method: UpdateMethod = UpdateMethod.PATCH
    group_members_max_per_request: int | None = Field(default=None, ge=1)
    group_members_on_create: bool = False
    bulk: BulkQuirk = BulkQuirk()
    is_filter_supported: bool = Field(default=True, alias="filterSupported")
    exclude_default_access: bool = False
    is_group_rename_supported: bool = Field(default=True, alias="groupRenameSupported")
    user_name_max_length: int | None = Field(default=None, ge=1)
    is_delete_soft: bool = Field(default=False, alias="deleteIsSoft")
    group_list_includes_members: bool = True
    group_members_max_returned: int | None = Field(default=None, ge=1)
    match_by_listing: bool = Field(default=False, alias="matchByListing")
    matching: MatchingMethod = MatchingMethod.AUTO
    filter_or_max_terms: int | None = Field(default=None, ge=2, le=1000, alias="filterOrMaxTerms")


class RateLimit(_Model):
    """A published limit: ``requests`` per ``per_seconds`` for the requests in ``applies_to``.

    Attributes:
        applies_to: ``all``, ``reads``, ``writes``, or ``METHOD /Resource`` (``POST /Users``).
        requests: How many requests the window allows.
        per_seconds: The window.
        burst: Requests allowed at once above the steady rate.
        shared_by: Who shares the budget: this app, or every app of the vendor account.
        source: Where the figure is published.
    """

    applies_to: str = Field(pattern=r"^(all|reads|writes|(GET|POST|PUT|PATCH|DELETE) /\w+)$")
    requests: int = Field(ge=1)
    per_seconds: int = Field(ge=1)
    burst: int | None = Field(default=None, ge=1)
    shared_by: Literal["app", "account"] = "app"
    source: str = Field(min_length=1)


class TemplateDocument(_Model):
    """A whole template file (``gallery/templates/<id>.json``)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    display_name: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    categories: tuple[str, ...] = ()
    logo: Logo
    documentation_url: str | None = Field(default=None, pattern=r"^https://")
    tenant_url: tuple[TenantUrlForm, ...] = Field(min_length=1)
    auth: AuthSpec
    dialect: Dialect = Dialect.RFC
    objects: dict[Literal["User", "Group"], ObjectSpec]
    target_attributes: dict[Literal["User", "Group"], tuple[TargetAttribute, ...]]
    app_roles: tuple[AppRole, ...] = ()
    quirks: Quirks = Quirks()
    rate_limits: tuple[RateLimit, ...] = ()
    notes: tuple[str, ...] = ()
