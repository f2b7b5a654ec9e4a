"""Audit records of admin changes as the admin API shows them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["AuditPageDocument", "AuditRecordDocument"]


class AuditRecordDocument(BaseModel):
    """Who changed what and when, with the object before and after (secrets redacted)."""

    id: int = Field(description="Increases with each record.")
    at: str = Field(description="When the change was made (ISO 8601, UTC).")
    actor: str = Field(description="cli:<os user>, api:<key name>, portal:password, ...")
    session: str | None = Field(description="The portal session's short id, if any.")
    action: str = Field(description="What was done: settings.update, apikey.create, ...")
    object: str = Field(description="What it was done to, in words.")
    appId: str | None
    app: str | None = Field(description="The app's name at the time.")
    before: Any = Field(description="The object before the change; null if it did not exist.")
    after: Any = Field(description="The object after the change; null if it was deleted.")


class AuditPageDocument(BaseModel):
    """One page of audit records, newest first."""

    records: list[AuditRecordDocument]
    nextBefore: str | None = Field(
        description="Pass as `before` for older records; null on the last page."
    )
