"""Ranged retrieval of large multi-valued attributes (Active Directory's ``member``).

Active Directory returns at most ``MaxValRange`` values (1,500 by default) of an attribute in
one answer. It then names the attribute ``member;range=0-1499`` and the client asks for the
next slice with a base-scope read of ``member;range=1500-*`` until a slice ends in ``*``
(MS-ADTS §3.1.1.3.1.3.3, "Range Retrieval of Attribute Values").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from scimitar.errors import RetryableError
from scimitar.sources.ldap.connection import LDAPConnection

__all__ = ["RangedSlice", "collect_ranged", "parse_range"]

_RANGE = re.compile(r"^(?P<name>[^;]+);range=(?P<low>\d+)-(?P<high>\d+|\*)$", re.IGNORECASE)
_MAX_SLICES = 100_000


@dataclass(frozen=True, slots=True)
class RangedSlice:
    """One slice's bounds: ``high`` is ``None`` for the last slice (``*``)."""

    name: str
    low: int
    high: int | None


def parse_range(description: str) -> RangedSlice | None:
    """``member;range=0-1499`` as a slice, or ``None`` for a plain attribute description."""
    found = _RANGE.match(description)
    if found is None:
        return None
    high = found["high"]
    return RangedSlice(found["name"], int(found["low"]), None if high == "*" else int(high))


def _slice_of(
    entry: Mapping[str, list[bytes]], name: str
) -> tuple[RangedSlice, list[bytes]] | None:
    for description, values in entry.items():
        ranged = parse_range(description)
        if ranged is not None and ranged.name.lower() == name.lower():
            return ranged, values
    return None


def collect_ranged(
    connection: LDAPConnection, dn: str, entry: Mapping[str, list[bytes]], name: str
) -> list[bytes]:
    """All values of ``name`` on the entry ``dn``, following ranges when the server sent some.

    Args:
        connection: A bound connection, for the follow-up reads.
        dn: The entry's DN.
        entry: Its attributes as the search returned them.
        name: The attribute (``member``).

    Raises:
        RetryableError: The server's slices do not follow on (the entry changed while read).
    """
    for description, values in entry.items():
        if description.lower() == name.lower():
            return list(values)
    found = _slice_of(entry, name)
    if found is None:
        return []
    ranged, values = found
    collected = list(values)
    for _ in range(_MAX_SLICES):
        if ranged.high is None:
            return collected
        start = ranged.high + 1
        follow = connection.read_entry(dn, [f"{name};range={start}-*"]) or {}
        found = _slice_of(follow, name)
        if found is None or found[0].low != start:
            raise RetryableError(
                f"LDAP source: the values of {name} on {dn} did not follow on at {start}; "
                "the entry changed during the read, the next read takes it again"
            )
        ranged, values = found
        collected.extend(values)
    raise RetryableError(f"LDAP source: {name} on {dn} has more slices than can be read")
