"""Matching outcome (docs/entra.md §2.2): 0 hits create, 1 links, several fail."""

from __future__ import annotations

from scimitar.engine.core.actions import Adopt, Create, Failure
from scimitar.engine.core.matching import DUPLICATE_TARGET_ENTRIES, MatchAttempt, resolve_match


def test_no_hit_on_any_attribute_creates() -> None:
    attempts = [MatchAttempt("userName", "ada"), MatchAttempt("externalId", "u-1")]
    assert resolve_match(attempts) == Create()
    assert resolve_match([]) == Create()


def test_one_hit_links() -> None:
    assert resolve_match([MatchAttempt("userName", "ada", ("t-1",))]) == Adopt("t-1")


def test_first_attribute_with_hits_wins_in_precedence_order() -> None:
    attempts = [
        MatchAttempt("userName", "ada"),
        MatchAttempt("externalId", "u-1", ("t-2",)),
        MatchAttempt("emails", "ada@x", ("t-3", "t-4")),
    ]
    assert resolve_match(attempts) == Adopt("t-2")


def test_several_hits_fail_with_duplicate_target_entries() -> None:
    outcome = resolve_match([MatchAttempt("userName", "ada", ("t-1", "t-2"))])
    assert isinstance(outcome, Failure)
    assert outcome.code == DUPLICATE_TARGET_ENTRIES
    assert "userName" in outcome.message
    assert "t-1, t-2" in outcome.message


def test_the_same_id_twice_is_one_hit() -> None:
    assert resolve_match([MatchAttempt("userName", "ada", ("t-1", "t-1"))]) == Adopt("t-1")
