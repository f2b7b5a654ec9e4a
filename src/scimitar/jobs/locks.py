"""One run at a time per app in this process: cycles and real-time runs take the app's lock."""

from __future__ import annotations

import asyncio

__all__ = ["AppLocks"]


class AppLocks:
    """An asyncio lock per app, made on first use (held by the scheduler and the runner)."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    def of(self, app_id: str) -> asyncio.Lock:
        """The app's lock."""
        lock = self._locks.get(app_id)
        if lock is None:
            lock = self._locks[app_id] = asyncio.Lock()
        return lock
