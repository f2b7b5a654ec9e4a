"""Reference planning: group members and the manager as target ids (docs/entra.md §1.7, §2.7).

References are exported after the objects they point to: a group member or a manager is sent
only once it has a target id, i.e. it is linked and in scope. A reference that cannot be
resolved yet is left out, and — as in Entra — it is only retried in an *initial* cycle (a
restart), not when the referenced object later comes into scope during incremental cycles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["CycleKind", "MemberDelta", "is_reference_retried", "member_delta"]


class CycleKind(StrEnum):
    """Initial (everything in scope) or incremental (changes since the watermark), docs/entra.md
    §3."""

    INITIAL = "initial"
    INCREMENTAL = "incremental"


@dataclass(frozen=True, slots=True)
class MemberDelta:
    """Target member ids to add and remove, and source members without a target id yet.

    Attributes:
        added: Target ids the group should gain, in source order.
        removed: Target ids the group should lose, in last-exported order.
        unresolved: Source member ids not provisioned (out of scope, not yet created, or
            nested groups, which are never expanded).
    """

    added: tuple[str, ...]
    removed: tuple[str, ...]
    unresolved: tuple[str, ...]


def member_delta(
    source_members: Iterable[str],
    target_ids: Mapping[str, str],
    last_exported: Iterable[str],
) -> MemberDelta:
    """The membership PATCH a group needs (docs/entra.md §1.7).

    Args:
        source_members: The group's direct member objectIds in the source.
        target_ids: Source objectId → target id of the members that are linked and in scope.
        last_exported: The member target ids the group was last given.

    Returns:
        What to add and remove (feed it to ``member_patch_bodies``), and what is unresolved.
    """
    desired: dict[str, None] = {}
    unresolved: list[str] = []
    for member in dict.fromkeys(source_members):
        if member in target_ids:
            desired[target_ids[member]] = None
        else:
            unresolved.append(member)
    exported = dict.fromkeys(last_exported)
    return MemberDelta(
        tuple(m for m in desired if m not in exported),
        tuple(m for m in exported if m not in desired),
        tuple(unresolved),
    )


def is_reference_retried(cycle: CycleKind, *, has_source_changed: bool) -> bool:
    """Whether an unresolved reference is looked at again in this cycle (docs/entra.md §2.7).

    Entra fixes a manager or member that came into scope after its referrer only on a restart
    (an initial cycle), or when the referrer itself changes.
    """
    return cycle is CycleKind.INITIAL or has_source_changed
