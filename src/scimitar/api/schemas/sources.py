"""Identity sources as the admin API shows and takes them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SourceCreate",
    "SourceCreated",
    "SourceDocument",
    "SourceSettingsPatch",
    "SourceSyncDocument",
    "SourceTestDocument",
]


class SourceDocument(BaseModel):
    """A source: kind, settings (never its secret), schedule, deletion rule, precedence."""

    id: str
    name: str
    kind: Literal["ldap", "api", "csv", "json"]
    settings: dict[str, Any]
    hasSecret: bool
    hasApiKey: bool
    intervalMinutes: int
    deleteThreshold: int | None
    deletionRule: Literal["soft-delete", "disable"]
    precedence: int
    attributePrecedence: dict[str, int]
    enabled: bool
    objectTypes: list[str]
    state: dict[str, Any]
    createdAt: str | None
    nextRunAt: str | None


class SourceCreated(SourceDocument):
    """A new source; an api source's key is here, once."""

    apiKey: str | None = Field(
        default=None, description="The api source's key (shown once, stored hashed)."
    )


class SourceCreate(BaseModel):
    """A source to add (see docs/sources.md for each kind's settings)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["ldap", "api", "csv", "json"]
    name: str = Field(min_length=1, max_length=100, description="A unique name.")
    settings: dict[str, str | int | bool] = Field(
        default_factory=dict,
        description="ldap: url, bind_dn, users_base, groups_base, user_filter, group_filter, "
        "profile, start_tls, ca_file, verify_tls; csv/json: path, anchor, groupAnchor.",
    )
    bindPassword: str | None = Field(
        default=None, max_length=1024, description="ldap: the bind password (write-only)."
    )


class SourceSettingsPatch(BaseModel):
    """Settings to change; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    intervalMinutes: int | None = Field(default=None, ge=0, le=10080)
    deleteThreshold: int | None = Field(default=None, ge=0, le=10_000_000, description="0: none.")
    deletionRule: Literal["soft-delete", "disable"] | None = None
    precedence: int | None = Field(default=None, ge=1, le=1000)
    attributePrecedence: dict[str, int | None] | None = Field(
        default=None, description="Attribute → precedence (1 to 1000); null removes one."
    )
    enabled: bool | None = None


class SourceSyncDocument(BaseModel):
    """What one sync did."""

    runId: str
    source: str
    complete: bool
    counts: dict[str, int]
    watermark: dict[str, Any]


class SourceTestDocument(BaseModel):
    """Whether the source can be read."""

    ok: bool
    message: str
    details: dict[str, Any]
