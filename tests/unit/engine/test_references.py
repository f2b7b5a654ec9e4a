"""Reference planning: member deltas and when unresolved references are retried (§1.7, §2.7)."""

from __future__ import annotations

import pytest

from scimitar.engine.core.references import (
    CycleKind,
    MemberDelta,
    is_reference_retried,
    member_delta,
)


def test_member_delta_adds_resolved_members_and_removes_departed_ones() -> None:
    delta = member_delta(["u-1", "u-2", "g-9", "u-1"], {"u-1": "t-1", "u-2": "t-2"}, ["t-2", "t-3"])
    assert delta == MemberDelta(added=("t-1",), removed=("t-3",), unresolved=("g-9",))


def test_member_out_of_scope_is_removed_from_the_target_group() -> None:
    assert member_delta(["u-1"], {}, ["t-1"]) == MemberDelta((), ("t-1",), ("u-1",))


@pytest.mark.parametrize(
    ("cycle", "has_changed", "expected"),
    [
        (CycleKind.INITIAL, False, True),
        (CycleKind.INCREMENTAL, True, True),
        (CycleKind.INCREMENTAL, False, False),
    ],
    ids=["restart-fixes-references", "changed-referrer-retries", "incremental-waits"],
)
def test_is_reference_retried(cycle: CycleKind, has_changed: bool, expected: bool) -> None:
    assert is_reference_retried(cycle, has_source_changed=has_changed) is expected
