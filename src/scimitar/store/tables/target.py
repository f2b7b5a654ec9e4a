"""Tables of the embedded SCIM target: tenants, their resources and group memberships."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scimitar.clock import utcnow
from scimitar.store.tables.base import Base, UTCDateTime

__all__ = ["MEMBER", "RESOURCE", "TENANT", "TargetMember", "TargetResource", "TargetTenant"]


class TargetTenant(Base):
    """One tenant of the embedded target: its profile, hashed token and fault settings."""

    __tablename__ = "target_tenant"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    profile: Mapped[str] = mapped_column(String(16))
    quirks: Mapped[str] = mapped_column(String(16), default="vendor", server_default="vendor")
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    rate_limit_rps: Mapped[float] = mapped_column(Float, default=0.0)
    error_rate: Mapped[float] = mapped_column(Float, default=0.0)
    drop_rate: Mapped[float] = mapped_column(Float, default=0.0)
    #: Quirk switches as JSON (``scimitar.target.imperfections``); NULL: a well-behaved server.
    imperfections: Mapped[str | None] = mapped_column(Text, nullable=True)


class TargetResource(Base):
    """A User or Group held by a tenant; the SCIM document lives in ``data`` as JSON text.

    The indexed columns mirror the attributes clients filter on (Entra matches on ``userName``,
    ``externalId`` and group ``displayName``), so those queries never scan the tenant.
    """

    __tablename__ = "target_resource"
    __table_args__ = (
        UniqueConstraint("tenant_id", "resource_type", "id"),
        UniqueConstraint("tenant_id", "resource_type", "user_name_key"),
        Index("ix_target_resource_external", "tenant_id", "resource_type", "external_id"),
        Index("ix_target_resource_display", "tenant_id", "resource_type", "display_name_key"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("target_tenant.id", ondelete="CASCADE")
    )
    resource_type: Mapped[str] = mapped_column(String(16))
    id: Mapped[str] = mapped_column(String(64))
    user_name_key: Mapped[str | None] = mapped_column(String(300), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    display_name_key: Mapped[str | None] = mapped_column(String(600), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    data: Mapped[str] = mapped_column(Text)


class TargetMember(Base):
    """One member of a target group (a user or a nested group), by resource id."""

    __tablename__ = "target_member"
    __table_args__ = (
        Index("ix_target_member_member", "tenant_id", "member_id", "group_id"),
        Index("ix_target_member_order", "tenant_id", "group_id", "seq"),
    )

    tenant_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("target_tenant.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_type: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer, default=0)


# Core-level handles for the hot paths, which use SQLAlchemy Core rather than the ORM.
TENANT = cast(Table, TargetTenant.__table__)
RESOURCE = cast(Table, TargetResource.__table__)
MEMBER = cast(Table, TargetMember.__table__)
