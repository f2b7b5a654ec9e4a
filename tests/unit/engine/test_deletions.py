"""Accidental deletions prevention (docs/entra.md §2.6)."""

from __future__ import annotations

from scimitar.engine.core.actions import (
    Action,
    Delete,
    Disable,
    DisableCause,
    Skip,
    SkipReason,
    StagedDelete,
    Update,
)
from scimitar.engine.core.deletions import DEFAULT_DELETE_THRESHOLD, DeletionCounter, is_deletion

DISABLE = Disable("t-1", DisableCause.OUT_OF_SCOPE)
DELETE = Delete("t-2")
UPDATE = Update(())


def test_disables_and_deletes_count_updates_and_skips_do_not() -> None:
    assert is_deletion(DISABLE)
    assert is_deletion(DELETE)
    assert not is_deletion(UPDATE)
    assert not is_deletion(Skip(SkipReason.REDUNDANT_EXPORT, "x"))


def test_with_500_at_most_499_proceed() -> None:
    assert DeletionCounter().threshold == DEFAULT_DELETE_THRESHOLD
    counter, actions = DeletionCounter().admit([DELETE] * 500)
    assert actions[:499] == (DELETE,) * 499
    assert actions[499] == StagedDelete(DELETE)
    assert counter.is_tripped
    assert counter.count == 500


def test_the_count_carries_across_pages_and_stages_everything_after_the_trip() -> None:
    counter = DeletionCounter(threshold=3)
    counter, first = counter.admit([DISABLE, UPDATE, DELETE])
    assert first == (DISABLE, UPDATE, DELETE)
    assert not counter.is_tripped
    counter, second = counter.admit([UPDATE, DISABLE, DELETE])
    assert second == (UPDATE, StagedDelete(DISABLE), StagedDelete(DELETE))
    assert counter.count == 4


def test_allow_deletes_and_no_threshold_never_trip() -> None:
    many: list[Action] = [DELETE] * 10
    for counter in (DeletionCounter(threshold=2, are_deletes_allowed=True), DeletionCounter(None)):
        after, actions = counter.admit(many)
        assert actions == tuple(many)
        assert not after.is_tripped
