"""Gallery templates, apps, assignments and provisioning jobs as the admin API shows them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scimitar.apps import Scope
from scimitar.gallery.schema import Dialect

__all__ = [
    "AppCreate",
    "AppDocument",
    "AssignmentCreate",
    "AssignmentDocument",
    "CredentialsWrite",
    "JobDocument",
    "JobSettingsDocument",
    "JobSettingsPatch",
    "OAuth2ClientCredentialsWrite",
    "ProvisioningSwitch",
    "RemovedCount",
    "TemplateDocument",
    "TemplateSummary",
    "TestConnectionResult",
]


class TemplateSummary(BaseModel):
    """A gallery template as listed."""

    id: str
    displayName: str
    publisher: str
    description: str
    categories: list[str]
    objectTypes: list[str]


class TemplateDocument(BaseModel):
    """A whole gallery template: Tenant URL forms, auth, roles, mappings, quirks, rate limits."""

    model_config = ConfigDict(extra="allow")

    id: str
    displayName: str
    roles: list[str]
    objects: dict[str, Any]


class AppCreate(BaseModel):
    """An app to add from the gallery."""

    model_config = ConfigDict(extra="forbid")

    template: str = Field(min_length=1, max_length=64, description="A gallery template id.")
    name: str = Field(min_length=1, max_length=200, description="The app's name, unique.")


class AppDocument(BaseModel):
    """An app: a named instance of a gallery template."""

    id: str
    name: str
    template: str
    createdAt: str


class JobSettingsDocument(BaseModel):
    """The provisioning settings of an app's job."""

    scope: Scope
    notify_email: str | None
    notify_on_failure: bool
    delete_threshold: int | None
    skip_out_of_scope_deletions: bool
    interval_minutes: int
    realtime: bool = Field(description="Real-time runs: changes applied within seconds.")
    delete_window_minutes: int | None = Field(
        description="With real-time runs, the minutes the delete threshold counts over "
        "(null: the interval)."
    )
    dialect: Dialect
    disabled_object_types: list[str]


class JobSettingsPatch(BaseModel):
    """Settings to change; fields left out stay as they are (null clears the nullable ones)."""

    model_config = ConfigDict(extra="forbid")

    scope: Scope | None = Field(default=None, description="assigned or all.")
    notify_email: str | None = Field(
        default=None, max_length=320, description="Notification email; null or '' clears it."
    )
    notify_on_failure: bool | None = Field(default=None, description="Email on failure.")
    delete_threshold: int | None = Field(
        default=None, ge=1, le=10**9, description="Most deletions per cycle; null turns it off."
    )
    skip_out_of_scope_deletions: bool | None = None
    interval_minutes: int | None = Field(
        default=None, ge=1, le=1440, description="Minutes between cycles."
    )
    realtime: bool | None = Field(
        default=None, description="Apply changes within seconds between cycles (real-time runs)."
    )
    delete_window_minutes: int | None = Field(
        default=None,
        ge=1,
        le=1440,
        description="With real-time runs, the minutes the delete threshold counts deletions "
        "over; null: the interval.",
    )
    dialect: Dialect | None = Field(default=None, description="rfc or entra phrasing.")
    groups: bool | None = Field(default=None, description="Provision groups.")


class JobDocument(BaseModel):
    """An app's provisioning configuration; the Secret Token is never shown, only hasToken."""

    app: AppDocument
    tenantUrl: str | None
    hasToken: bool = Field(description="Whether a Secret Token is stored (it is never returned).")
    oauth2: dict[str, Any] | None = Field(
        default=None,
        description="The OAuth2 client credentials grant (token URL, client id, scopes), if "
        "used; its client secret is never returned.",
    )
    provisioning: Literal["on", "off"]
    needsInitialCycle: bool
    objectTypes: list[str]
    settings: JobSettingsDocument
    connector: dict[str, Any]
    discovery: dict[str, Any] | None
    targetAttributes: dict[str, list[str]] | None = None


class OAuth2ClientCredentialsWrite(BaseModel):
    """The OAuth2 client credentials grant (RFC 6749 §4.4) that gives the bearer token."""

    model_config = ConfigDict(extra="forbid")

    tokenUrl: str | None = Field(
        default=None,
        max_length=2048,
        description="The app's token endpoint; null: the template's.",
    )
    clientId: str = Field(min_length=1, max_length=1024, description="The client id.")
    clientSecret: str = Field(
        min_length=1,
        max_length=8192,
        description="The client secret; stored encrypted and never returned.",
        json_schema_extra={"writeOnly": True, "format": "password"},
    )
    scopes: list[str] | None = Field(
        default=None, max_length=50, description="Scopes to request; null: the template's."
    )


class CredentialsWrite(BaseModel):
    """Admin credentials: the Tenant URL and the Secret Token or an OAuth2 grant (write-only)."""

    model_config = ConfigDict(extra="forbid")

    tenantUrl: str = Field(min_length=1, max_length=2048, description="The app's SCIM base URL.")
    token: str | None = Field(
        default=None,
        min_length=1,
        max_length=8192,
        description="The Secret Token; stored encrypted and never returned. Omit with oauth2.",
        json_schema_extra={"writeOnly": True, "format": "password"},
    )
    oauth2: OAuth2ClientCredentialsWrite | None = Field(
        default=None,
        description="Get the bearer token by the OAuth2 client credentials grant instead of a "
        "Secret Token (when the app's template offers it).",
    )
    allowInsecureHttp: bool = Field(
        default=False, description="Accept http:// to a host other than this one."
    )


class ProbeStepDocument(BaseModel):
    """One Test Connection request."""

    resource: str
    url: str
    status: int | None
    ok: bool


class ProbeFailureDocument(BaseModel):
    """Why Test Connection failed, and what to do."""

    kind: str
    message: str
    hint: str
    status: int | None = None


class TestConnectionResult(BaseModel):
    """The outcome of Test Connection."""

    ok: bool
    steps: list[ProbeStepDocument]
    failure: ProbeFailureDocument | None = None
    warnings: list[str] = Field(
        default_factory=list,
        description='What the app does not implement, e.g. "this app ignores filters on '
        'Groups.displayName; matching lists groups instead".',
    )


class ProvisioningSwitch(BaseModel):
    """Provisioning status On or Off."""

    model_config = ConfigDict(extra="forbid")

    state: Literal["on", "off"]


class AssignmentCreate(BaseModel):
    """A user or a group to assign, with an app role."""

    model_config = ConfigDict(extra="forbid")

    user: str | None = Field(default=None, description="userPrincipalName or objectId.")
    group: str | None = Field(default=None, description="displayName or objectId.")
    role: str | None = Field(default=None, description="An app role (default: Default Access).")


class AssignmentDocument(BaseModel):
    """A user or group assigned to an app with a role."""

    type: Literal["user", "group"]
    objectId: str
    name: str
    role: str


class RemovedCount(BaseModel):
    """How many assignments were removed."""

    removed: int
