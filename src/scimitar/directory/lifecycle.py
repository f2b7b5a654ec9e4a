"""The soft-delete window: how long a deleted object stays restorable before it is purged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from scimitar.clock import utcnow
from scimitar.errors import ConfigError

__all__ = ["Lifecycle"]


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """Soft-delete rules (Entra: deleted users are recoverable for 30 days, then purged).

    Attributes:
        soft_delete_days: How long a soft-deleted object stays restorable.
        clock: Where the current time comes from (tests move it forward).
    """

    soft_delete_days: int = 30
    clock: Callable[[], datetime] = field(default=utcnow)

    def __post_init__(self) -> None:
        if self.soft_delete_days < 0:
            raise ConfigError("directory_soft_delete_days must not be negative")

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return self.clock()

    def purge_before(self, now: datetime) -> datetime:
        """Objects soft-deleted before this moment are due for purging."""
        return now - timedelta(days=self.soft_delete_days)

    def check_restorable(self, deleted_at: datetime | None, what: str, now: datetime) -> None:
        """Raise :class:`ConfigError` unless the object is soft-deleted and inside the window."""
        if deleted_at is None:
            raise ConfigError(f"{what} is not deleted")
        if deleted_at < self.purge_before(now):
            raise ConfigError(
                f"{what} was deleted more than {self.soft_delete_days} days ago; "
                "it can no longer be restored"
            )
