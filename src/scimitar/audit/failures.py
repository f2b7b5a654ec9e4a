"""Coalescing failed sign-ins, so wrong passwords and keys cannot flood the audit log.

Every failed portal sign-in and every admin API request with a wrong key is worth recording,
but each record is a write an attacker could cause at will. :class:`FailureCoalescer` admits
at most one record per source (the action and the client's address) per window; the failures
in between are counted and reported by the source's next record (``attempts``). Sources are
tracked in memory up to a bound; past it, new sources share one overflow entry, so at most
``max_sources + 1`` records are written per window however many addresses an attacker uses.
Failures counted but not yet reported when the process stops are lost (a rate limiter in front
of sign-in bounds them further).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["DEFAULT_MAX_SOURCES", "DEFAULT_WINDOW", "FailureCoalescer"]

DEFAULT_WINDOW = timedelta(minutes=1)
DEFAULT_MAX_SOURCES = 256
_OVERFLOW = ("*", "*")


@dataclass(slots=True)
class _Window:
    opened_at: datetime
    suppressed: int = 0


class FailureCoalescer:
    """Decides which failures are written, and how many attempts each record stands for.

    Args:
        window: At most one record per source in this long.
        max_sources: How many sources are told apart before they share one entry.
    """

    def __init__(
        self, window: timedelta = DEFAULT_WINDOW, max_sources: int = DEFAULT_MAX_SOURCES
    ) -> None:
        self._window = window
        self._max_sources = max_sources
        self._sources: dict[tuple[str, str], _Window] = {}

    def admit(self, action: str, source: str, now: datetime) -> int | None:
        """The attempts a record written now stands for, or ``None``: do not write one.

        Args:
            action: The kind of failure (``signin.failed``).
            source: The client's address.
            now: The current time.
        """
        key = self._key((action, source), now)
        window = self._sources.get(key)
        if window is not None and now - window.opened_at < self._window:
            window.suppressed += 1
            return None
        carried = window.suppressed if window is not None else 0
        self._sources[key] = _Window(now)
        return carried + 1

    def _key(self, key: tuple[str, str], now: datetime) -> tuple[str, str]:
        if key in self._sources or len(self._sources) < self._max_sources:
            return key
        expired = [k for k, w in self._sources.items() if now - w.opened_at >= self._window]
        for old in expired:
            unreported = self._sources.pop(old).suppressed
            if unreported:
                # Reported with the overflow entry's next record rather than forgotten.
                stale = now - self._window
                self._sources.setdefault(_OVERFLOW, _Window(stale)).suppressed += unreported
        return key if len(self._sources) < self._max_sources else _OVERFLOW
