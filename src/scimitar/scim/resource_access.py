"""Case-insensitive access to JSON-like resources (RFC 7643 §2.1: names are case-insensitive)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["find_key", "get_ci"]


def find_key(container: Mapping[str, Any], name: str) -> str | None:
    """Return the key of ``container`` equal to ``name`` ignoring case, or None.

    The exact spelling is tried first: stored resources use canonical names, so the scan only
    runs for client-supplied spellings.
    """
    if name in container:
        return name
    lowered = name.lower()
    for key in container:
        if isinstance(key, str) and key.lower() == lowered:
            return key
    return None


def get_ci(container: Any, name: str) -> Any:
    """Return ``container[name]`` ignoring the case of ``name``; None when absent or not a map."""
    if not isinstance(container, Mapping):
        return None
    value = container.get(name)
    if value is not None:
        return value
    key = find_key(container, name)
    return None if key is None else container[key]
