"""Tables of identity sources: the source, what it owns, its provisioning log, its uploads.

A source (LDAP/Active Directory, an inbound API, a CSV or JSON file) feeds the directory. Its
settings and inbound mapping sets are JSON text; its secret (an LDAP bind password) only as
Fernet ciphertext (``scimitar.secrets``), its inbound API key only as a SHA-256 hash.

``source_object`` is the ownership table: one row per directory object a source feeds, keyed
by the source's anchor (objectGUID, entryUUID, a file's row key, an API record's externalId),
with the values the source last contributed, so that attribute precedence across several
sources can be recomputed when one of them lets go of the object.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from scimitar.clock import utcnow
from scimitar.store.tables.base import Base, UTCDateTime

__all__ = [
    "SOURCE",
    "SOURCE_LOG",
    "SOURCE_OBJECT",
    "SOURCE_UPLOAD",
    "Source",
    "SourceLog",
    "SourceObject",
    "SourceUpload",
]


class Source(Base):
    """An identity source and its settings, mappings and read state."""

    __tablename__ = "source"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    #: Kind-specific settings (URL, bases, filter, profile, path...) as JSON.
    settings: Mapped[str] = mapped_column(Text)
    #: Fernet ciphertext of the bind password (LDAP), if any.
    secret_ciphertext: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: SHA-256 of the inbound API key (api), if any; the key itself is shown once.
    key_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    interval_minutes: Mapped[int] = mapped_column(Integer)
    delete_threshold: Mapped[int | None] = mapped_column(Integer, nullable=True)
    deletion_rule: Mapped[str] = mapped_column(String(16))
    #: Lower wins when several sources give the same attribute of one object.
    precedence: Mapped[int] = mapped_column(Integer)
    is_enabled: Mapped[bool] = mapped_column(Boolean)
    #: ``{"User": mapping set, "Group": mapping set}`` as JSON.
    mappings: Mapped[str] = mapped_column(Text)
    #: The reader's watermark and the last run's outcome, as JSON.
    state: Mapped[str] = mapped_column(Text)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SourceObject(Base):
    """A directory object a source feeds (owns), by the source's anchor."""

    __tablename__ = "source_object"
    __table_args__ = (
        UniqueConstraint("source_id", "object_type", "anchor"),
        Index("ix_source_object_object_id", "object_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(String(36), ForeignKey("source.id", ondelete="CASCADE"))
    object_type: Mapped[str] = mapped_column(String(8))
    anchor: Mapped[str] = mapped_column(String(300))
    object_id: Mapped[str] = mapped_column(String(36))
    #: The directory values this source last gave the object (JSON).
    contributed: Mapped[str] = mapped_column(Text)
    #: When the object vanished from the source (the deletion rule was applied), if it did.
    vanished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SourceLog(Base):
    """One provisioning log record of a source: an object, an action, steps and outcome."""

    __tablename__ = "source_log"
    __table_args__ = (
        Index("ix_source_log_source_at", "source_id", "at"),
        Index("ix_source_log_run", "source_id", "run_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(36), ForeignKey("source.id", ondelete="CASCADE"))
    run_id: Mapped[str] = mapped_column(String(36))
    change_id: Mapped[str | None] = mapped_column(String(160), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    object_type: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    anchor: Mapped[str | None] = mapped_column(String(300), nullable=True)
    object_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    object_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(120), nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    record: Mapped[str] = mapped_column(Text)


class SourceUpload(Base):
    """A bulk upload to an inbound API source, tracked by id until it is processed."""

    __tablename__ = "source_upload"
    __table_args__ = (Index("ix_source_upload_status", "status", "received_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(36), ForeignKey("source.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    operations: Mapped[int] = mapped_column(Integer)
    #: The accepted operations as JSON, dropped once processed.
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Counts and the operations rejected on arrival or in processing, as JSON.
    summary: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


SOURCE = cast(Table, Source.__table__)
SOURCE_OBJECT = cast(Table, SourceObject.__table__)
SOURCE_LOG = cast(Table, SourceLog.__table__)
SOURCE_UPLOAD = cast(Table, SourceUpload.__table__)
