"""The seam every source directory implements, and the values it returns.

Scimitar's own store implements :class:`SourceDirectory` today; LDAP, Microsoft Graph and
inbound-SCIM sources implement it later. A cycle uses it in two ways (docs/architecture.md, "How a
change reaches an app"; "The flow of a
cycle"): an *initial* cycle takes :meth:`SourceDirectory.current_watermark` and then reads every
object in pages; an *incremental* cycle reads the changes after its saved watermark in pages and
looks each changed object up. Cursors and watermarks are opaque text, so a source can put its
own position in them (a row key, an LDAP paging cookie, a Graph delta link).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from scimitar.directory.model import Group, ObjectType, User

__all__ = ["Change", "ChangeKind", "ChangePage", "Page", "SourceDirectory"]

T = TypeVar("T", User, Group)


class ChangeKind(StrEnum):
    """What happened to a directory object."""

    CREATED = "created"
    UPDATED = "updated"
    SOFT_DELETED = "soft_deleted"
    RESTORED = "restored"
    HARD_DELETED = "hard_deleted"
    MEMBER_ADDED = "member_added"
    MEMBER_REMOVED = "member_removed"


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of the change feed.

    Attributes:
        seq: Position in the feed; strictly increasing, without gaps a reader could fall into.
        kind: What happened.
        object_type: User or group.
        object_id: The object it happened to (for membership changes, the group).
        attributes: For updates, the attributes whose value changed.
        member_id: For membership changes, the member's objectId.
        member_type: For membership changes, whether the member is a user or a group.
        changed_at: When the change was committed (UTC).
    """

    seq: int
    kind: ChangeKind
    object_type: ObjectType
    object_id: str
    attributes: tuple[str, ...] = ()
    member_id: str | None = None
    member_type: ObjectType | None = None
    changed_at: datetime | None = None

    def to_dict(self) -> dict[str, object]:
        """Plain values, as printed by the CLI."""
        values: dict[str, object] = {
            "seq": self.seq,
            "kind": self.kind.value,
            "objectType": self.object_type.value,
            "objectId": self.object_id,
        }
        if self.attributes:
            values["attributes"] = list(self.attributes)
        if self.member_id is not None and self.member_type is not None:
            values["memberId"] = self.member_id
            values["memberType"] = self.member_type.value
        if self.changed_at is not None:
            values["changedAt"] = self.changed_at.isoformat()
        return values


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a full read.

    Attributes:
        items: The objects, in the source's stable order.
        cursor: Pass it back to get the next page; ``None`` when this was the last page.
    """

    items: tuple[T, ...]
    cursor: str | None


@dataclass(frozen=True, slots=True)
class ChangePage:
    """One page of the change feed.

    Attributes:
        changes: The changes, oldest first.
        watermark: The position after the last change in this page (or the one asked for when
            the page is empty): save it, and ask for the changes after it next time.
        has_more: Whether more changes were already committed after this page.
    """

    changes: tuple[Change, ...]
    watermark: str
    has_more: bool


class SourceDirectory(Protocol):
    """A directory a provisioning job reads users and groups from."""

    async def current_watermark(self) -> str:
        """The position of the latest committed change.

        Take it *before* a full read: changes committed during the read then come again in the
        next incremental cycle, so none is lost.
        """
        ...

    async def read_users(
        self,
        cursor: str | None = None,
        limit: int = 1000,
        *,
        include_deleted: bool = True,
        by_id: bool = False,
    ) -> Page[User]:
        """Read users in a stable order, one page at a time.

        Args:
            cursor: ``None`` for the first page, then the previous page's cursor (read in the
                same order).
            limit: Most users in one page.
            include_deleted: Whether soft-deleted users (``isSoftDeleted``) are included.
            by_id: Read in objectId order rather than the order users were added. A sync
                cycle reads this way: the links it writes and the app's ``externalId`` index
                then grow at one end instead of at random places, which costs both far less.
        """
        ...

    async def read_managers(self) -> list[tuple[str, str | None]]:
        """Every user's objectId and its manager's objectId (soft-deleted users included).

        Ids only, in one read: an initial cycle orders its creates by it, managers before
        their reports, so that a report's create can carry its manager.
        """
        ...

    async def read_groups(
        self,
        cursor: str | None = None,
        limit: int = 1000,
        *,
        include_deleted: bool = True,
        max_members: int | None = None,
    ) -> Page[Group]:
        """Read groups with their direct members, one page at a time (as :meth:`read_users`).

        Args:
            cursor: ``None`` for the first page, then the previous page's cursor.
            limit: Most groups in one page.
            include_deleted: Whether soft-deleted groups are included.
            max_members: If given, the page ends before the group that would take its members
                past this many; it always holds at least one group, however large.
        """
        ...

    async def read_changes(self, watermark: str | None = None, limit: int = 1000) -> ChangePage:
        """Read the changes committed after ``watermark`` (``None``: from the beginning).

        A change is returned once the transaction that made it has committed, and never before
        an earlier-numbered change that is still in flight, so walking the pages loses none.
        """
        ...

    async def get_user(self, object_id: str) -> User | None:
        """The user with this objectId, soft-deleted or not; ``None`` if it does not exist."""
        ...

    async def get_group(self, object_id: str) -> Group | None:
        """The group with this objectId and its direct members; ``None`` if it does not exist."""
        ...

    async def get_users(self, object_ids: Sequence[str]) -> Mapping[str, User]:
        """The users among ``object_ids`` that exist, by objectId (one round trip per page)."""
        ...

    async def count_objects(self) -> tuple[int, int]:
        """How many users and groups a full read returns (soft-deleted ones included).

        A count, not a read: an initial cycle asks it first to show its progress as a share
        of the whole, as Entra's progress bar does.
        """
        ...

    async def existing(self, object_type: ObjectType, object_ids: Sequence[str]) -> set[str]:
        """The objectIds among ``object_ids`` of objects of this type that exist (soft-deleted
        ones included), without reading the objects."""
        ...
