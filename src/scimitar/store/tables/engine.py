"""Tables of the sync engine: links, job state, cycles and provisioning log records."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from scimitar.clock import utcnow
from scimitar.store.tables.base import Base, UTCDateTime

__all__ = [
    "CYCLE",
    "JOB_STATE",
    "LEARNED_QUIRK",
    "LINK",
    "LOG",
    "EngineCycle",
    "EngineJobState",
    "EngineLearnedQuirk",
    "EngineLink",
    "ProvisioningLog",
]


class EngineLink(Base):
    """A source object and the target object it is provisioned as (Entra's connector data store).

    ``last_exported`` holds the values last sent (JSON), so a cycle diffs against them and a
    cycle killed at any point resumes without creating anything twice.
    """

    __tablename__ = "engine_link"
    __table_args__ = (
        Index("ix_engine_link_target", "app_id", "object_type", "target_id"),
        # Which links are disabled for a cause (users back in scope), read every cycle.
        Index("ix_engine_link_disabled_cause", "app_id", "object_type", "disabled_cause"),
    )

    app_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("app.id", ondelete="CASCADE"), primary_key=True
    )
    object_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    target_id: Mapped[str] = mapped_column(String(300))
    last_exported: Mapped[str] = mapped_column(Text)
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_cause: Mapped[str | None] = mapped_column(String(32), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EngineJobState(Base):
    """Where an app's provisioning job stands: watermark, state, steady-state times."""

    __tablename__ = "engine_job_state"

    app_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("app.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16), default="not_run")
    watermark: Mapped[str | None] = mapped_column(String(200), nullable=True)
    current_cycle_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    resume: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_steady_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_steady_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: The newest directory change a run applied, when it was committed and when applied.
    applied_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    applied_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: Deletions before this moment no longer count against the threshold's sliding window
    #: (an admin allowed or rejected held deletions then).
    deletions_counted_from: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EngineCycle(Base):
    """One run of a job: initial or incremental, its counts and how it ended."""

    __tablename__ = "engine_cycle"
    __table_args__ = (Index("ix_engine_cycle_app", "app_id", "started_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(36), ForeignKey("app.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    #: What started it: ``cycle`` (the schedule or an admin) or ``realtime`` (a change signal).
    trigger: Mapped[str] = mapped_column(String(16), default="cycle")
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    counts: Mapped[str] = mapped_column(Text, default="{}")
    progress: Mapped[str] = mapped_column(Text, default="{}")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class ProvisioningLog(Base):
    """One provisioning log record: an object, an action, its steps and outcome (docs/entra.md
    §6.1)."""

    __tablename__ = "provisioning_log"
    __table_args__ = (
        Index("ix_provisioning_log_app_at", "app_id", "at"),
        Index("ix_provisioning_log_cycle", "app_id", "cycle_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(36), ForeignKey("app.id", ondelete="CASCADE"))
    cycle_id: Mapped[str] = mapped_column(String(36))
    change_id: Mapped[str | None] = mapped_column(String(160), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    object_type: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    source_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    target_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(120), nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    record: Mapped[str] = mapped_column(Text)


class EngineLearnedQuirk(Base):
    """Something an app does not implement, learned from its answers (docs/provisioning.md,
    "Apps that implement SCIM partly"): PATCH refused for an attribute, a filter it ignores,
    an attribute it does not keep. Kept across restarts, so later cycles act on it at once."""

    __tablename__ = "engine_learned_quirk"

    app_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("app.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    object_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    attribute: Mapped[str] = mapped_column(String(300), primary_key=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


LINK = cast(Table, EngineLink.__table__)
JOB_STATE = cast(Table, EngineJobState.__table__)
CYCLE = cast(Table, EngineCycle.__table__)
LOG = cast(Table, ProvisioningLog.__table__)
LEARNED_QUIRK = cast(Table, EngineLearnedQuirk.__table__)
