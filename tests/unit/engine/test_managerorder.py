"""Managers before their reports (docs/provisioning.md "Matching and requests per user")."""

from __future__ import annotations

import pytest

from scimitar.engine.run.managerorder import manager_ordered, pages_after


def test_each_user_comes_after_its_manager_and_objectids_order_a_level() -> None:
    pairs = [("d", "b"), ("b", "a"), ("c", "a"), ("a", None), ("e", "gone")]
    assert manager_ordered(pairs) == [(0, "a"), (0, "e"), (1, "b"), (1, "c"), (2, "d")]


def test_a_cycle_of_managers_is_broken_and_every_user_placed_once() -> None:
    pairs = [("x", "y"), ("y", "z"), ("z", "x"), ("w", "x")]
    ordered = manager_ordered(pairs)
    assert sorted(user for _level, user in ordered) == ["w", "x", "y", "z"]
    levels = dict((user, level) for level, user in ordered)
    assert levels["w"] == levels["x"] + 1


def test_a_long_chain_needs_no_recursion() -> None:
    pairs = [(f"u{i:05d}", f"u{i - 1:05d}" if i else None) for i in range(5000)]
    ordered = manager_ordered(reversed(pairs))
    assert ordered[-1] == (4999, "u04999")


@pytest.mark.parametrize(
    ("cursor", "expected"),
    [
        (None, [(["a", "e"], "0:e"), (["b", "c"], "1:c"), (["d"], None)]),
        ("0:e", [(["b", "c"], "1:c"), (["d"], None)]),
        ("1:c", [(["d"], None)]),
        ("1:bb", [(["c", "d"], None)]),  # the saved user's level changed: go on after it
    ],
    ids=["start", "after-page-1", "after-page-2", "after-a-vanished-user"],
)
def test_pages_go_on_after_the_saved_cursor(
    cursor: str | None, expected: list[tuple[list[str], str | None]]
) -> None:
    ordered = manager_ordered([("d", "b"), ("b", "a"), ("c", "a"), ("a", None), ("e", None)])
    assert list(pages_after(ordered, cursor, 2)) == expected
