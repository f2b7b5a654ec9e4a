"""Tables of the source directory: users, groups, memberships and the change feed.

Attributes live in ``data`` as JSON text; only what is looked up or ordered by has a column of
its own. ``seq`` orders full reads (keyset pagination); ``directory_change.seq`` is the change
feed's position, handed out from the ``directory_counter`` row inside the writing transaction
so that sequence numbers become visible in order (see ``scimitar.directory.changes``).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from scimitar.clock import utcnow
from scimitar.store.tables.base import Base, UTCDateTime

__all__ = [
    "CHANGE",
    "COUNTER",
    "GROUP",
    "MEMBER",
    "USER",
    "DirectoryChange",
    "DirectoryCounter",
    "DirectoryGroup",
    "DirectoryMember",
    "DirectoryUser",
]


class DirectoryUser(Base):
    """A user; ``upn_key`` is the lower-cased ``userPrincipalName`` that keeps it unique,
    ``manager_id`` mirrors ``manager`` so a deleted manager's reports are found by index, and
    ``employee_key`` is the lower-cased ``employeeId``, which sources match on first."""

    __tablename__ = "directory_user"
    __table_args__ = (
        Index("ix_directory_user_deleted_at", "deleted_at"),
        Index("ix_directory_user_manager_id", "manager_id"),
        Index("ix_directory_user_employee_key", "employee_key"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    object_id: Mapped[str] = mapped_column(String(36), unique=True)
    upn_key: Mapped[str] = mapped_column(String(113), unique=True)
    manager_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    employee_key: Mapped[str | None] = mapped_column(String(16), nullable=True)
    data: Mapped[str] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DirectoryGroup(Base):
    """A group; ``name_key`` is the lower-cased ``displayName`` (not unique, as in Entra)."""

    __tablename__ = "directory_group"
    __table_args__ = (
        Index("ix_directory_group_name_key", "name_key"),
        Index("ix_directory_group_deleted_at", "deleted_at"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    object_id: Mapped[str] = mapped_column(String(36), unique=True)
    name_key: Mapped[str] = mapped_column(String(256))
    data: Mapped[str] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DirectoryMember(Base):
    """A direct member of a group: a user or a nested group, by ``objectId``."""

    __tablename__ = "directory_member"
    __table_args__ = (Index("ix_directory_member_member_id", "member_id"),)

    group_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("directory_group.object_id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    member_type: Mapped[str] = mapped_column(String(8))


class DirectoryChange(Base):
    """One entry of the change feed; ``attributes`` lists what an update changed (JSON)."""

    __tablename__ = "directory_change"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16))
    object_type: Mapped[str] = mapped_column(String(8))
    object_id: Mapped[str] = mapped_column(String(36))
    member_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    member_type: Mapped[str | None] = mapped_column(String(8), nullable=True)
    attributes: Mapped[str | None] = mapped_column(Text, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DirectoryCounter(Base):
    """A named counter; the row ``change`` holds the last change sequence number handed out."""

    __tablename__ = "directory_counter"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


# Core-level handles: the directory's hot paths use SQLAlchemy Core, not the ORM.
USER = cast(Table, DirectoryUser.__table__)
GROUP = cast(Table, DirectoryGroup.__table__)
MEMBER = cast(Table, DirectoryMember.__table__)
CHANGE = cast(Table, DirectoryChange.__table__)
COUNTER = cast(Table, DirectoryCounter.__table__)
