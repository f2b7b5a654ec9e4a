"""Jinja filters: times, durations and counts as the pages show them."""

from __future__ import annotations

from datetime import datetime

from jinja2 import Environment

__all__ = ["duration", "register_filters", "when"]


def when(moment: datetime | None) -> str:
    """A UTC time to the second, or an em dash."""
    return "—" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float | None) -> str:
    """``1h 5m``, ``3m 2s`` or ``4s``."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s" if minutes else f"{secs}s"


def words(name: str) -> str:
    """``staged_delete`` → ``staged delete``."""
    return name.replace("_", " ")


def register_filters(environment: Environment) -> None:
    """Add the portal's filters to ``environment``."""
    environment.filters["when"] = when
    environment.filters["duration"] = duration
    environment.filters["words"] = words
