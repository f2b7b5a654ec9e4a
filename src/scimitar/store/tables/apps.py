"""Tables of apps: the app (an instance of a gallery template), its assignments, its job.

The provisioning job keeps its mapping sets (with their scoping filters) and the discovered
schema as JSON text; the token only as Fernet ciphertext (``scimitar.secrets``).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from scimitar.clock import utcnow
from scimitar.store.tables.base import Base, UTCDateTime

__all__ = [
    "APP",
    "ASSIGNMENT",
    "JOB",
    "SCOPE_CHANGE",
    "App",
    "AppAssignment",
    "AppScopeChange",
    "ProvisioningJob",
]


class App(Base):
    """An app ("enterprise application"): a named instance of a gallery template."""

    __tablename__ = "app"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    template_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AppAssignment(Base):
    """A user or group assigned to an app with one app role.

    A group assignment is stored as such; its direct members are resolved when read, so later
    membership changes count without touching this table (docs/entra.md §2.1).
    """

    __tablename__ = "app_assignment"
    __table_args__ = (Index("ix_app_assignment_principal_id", "principal_id"),)

    app_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("app.id", ondelete="CASCADE"), primary_key=True
    )
    principal_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    principal_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    role: Mapped[str] = mapped_column(String(120), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AppScopeChange(Base):
    """A user or group whose scope for an app changed without a directory change.

    Written with the assignment change (assign, unassign, a hard delete that took a group's
    assignments along); the next incremental cycle
    re-evaluates what the rows name (docs/architecture.md "Scope changes").
    """

    __tablename__ = "app_scope_change"
    __table_args__ = (Index("ix_app_scope_change_app_at", "app_id", "changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    app_id: Mapped[str] = mapped_column(String(36), ForeignKey("app.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(8))
    object_id: Mapped[str] = mapped_column(String(36))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProvisioningJob(Base):
    """An app's provisioning job: credentials, settings, schema and state (docs/entra.md §0)."""

    __tablename__ = "provisioning_job"

    app_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("app.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    token_ciphertext: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The OAuth2 client credentials grant (token URL, client id, scopes) as JSON, if used.
    oauth2: Mapped[str | None] = mapped_column(Text, nullable=True)
    oauth2_secret_ciphertext: Mapped[str | None] = mapped_column(Text, nullable=True)
    scope: Mapped[str] = mapped_column(String(16))
    notify_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    notify_on_failure: Mapped[bool] = mapped_column(Boolean)
    delete_threshold: Mapped[int | None] = mapped_column(Integer, nullable=True)
    skip_out_of_scope_deletions: Mapped[bool] = mapped_column(Boolean)
    interval_minutes: Mapped[int] = mapped_column(Integer)
    realtime: Mapped[bool] = mapped_column(Boolean, default=True)
    delete_window_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dialect: Mapped[str] = mapped_column(String(8))
    disabled_object_types: Mapped[str] = mapped_column(String(64))
    #: ``direct`` or ``flatten`` (apps.model.NestedGroups).
    nested_groups: Mapped[str] = mapped_column(String(8), server_default="direct")
    mappings: Mapped[str] = mapped_column(Text)
    discovery: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The attributes the admin added to the target attribute list (JSON), if any.
    target_attributes: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_on: Mapped[bool] = mapped_column(Boolean)
    needs_initial_cycle: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# Core-level handles: the services use SQLAlchemy Core, as the other parts do.
APP = cast(Table, App.__table__)
ASSIGNMENT = cast(Table, AppAssignment.__table__)
JOB = cast(Table, ProvisioningJob.__table__)
SCOPE_CHANGE = cast(Table, AppScopeChange.__table__)
