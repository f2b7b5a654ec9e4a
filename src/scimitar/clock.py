"""The current time as Scimitar keeps it: timezone-aware UTC.

Code that needs "now" takes a clock (a ``Callable[[], datetime]``) defaulting to
:func:`utcnow`, so tests can move time; nothing reads the wall clock in local time.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["utcnow"]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)
