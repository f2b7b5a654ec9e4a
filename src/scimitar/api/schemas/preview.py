"""Plans, drift and orphans as the admin API shows them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DriftDocument",
    "OrphanActionBody",
    "OrphansDocument",
    "PlanBody",
    "PlanDocument",
    "SettledDocument",
]


class PlanBody(BaseModel):
    """What to plan."""

    model_config = ConfigDict(extra="forbid")

    initial: bool = Field(False, description="Plan an initial cycle, as a restart would run.")
    proposedConfig: dict[str, Any] | None = Field(
        None,
        description="A configuration document (GET .../config's shape) to plan with instead "
        "of the saved one, before it is saved; the plan is then an initial cycle.",
    )


class PlanDocument(BaseModel):
    """A plan being made (``progress``), made (``plan``) or failed (``error``)."""

    planId: str
    appId: str
    initial: bool
    status: str = Field(description="running, succeeded or failed.")
    progress: dict[str, Any] = Field(description="The rehearsed cycle's phase and objects.")
    plan: dict[str, Any] | None = Field(
        None,
        description="counts by action, requests by method, held deletions, actions object by "
        "object with old and new values, and the writes the cycle would send.",
    )
    error: str | None = None


class DriftDocument(BaseModel):
    """Managed accounts whose attributes in the app differ from the mappings."""

    app: str
    accountsRead: int
    managed: int
    drifted: list[dict[str, Any]]
    queued: int = Field(description="Corrections queued for the next cycle (fix=true).")
    seconds: float


class OrphansDocument(BaseModel):
    """Accounts in the app no link points to, with the directory user each would match."""

    app: str
    accountsRead: int
    orphans: list[dict[str, Any]]
    matched: int
    seconds: float


class OrphanActionBody(BaseModel):
    """Which orphans to act on: every one the action applies to, or these ids."""

    model_config = ConfigDict(extra="forbid")

    all: bool = False
    ids: list[str] | None = Field(None, max_length=10_000)


class SettledDocument(BaseModel):
    """What happened to each orphan acted on."""

    results: list[dict[str, Any]]
