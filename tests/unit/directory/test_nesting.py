"""Walking nested groups: descendants and ancestors at any depth, cycles visited once."""

from __future__ import annotations

import pytest

from scimitar.directory.nesting import GroupNesting

# a -> b -> c -> a (a cycle), c -> d, e alone above b
TREE = GroupNesting.of_edges([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("e", "b")])


@pytest.mark.parametrize(
    ("group", "descendants"),
    [
        ("a", {"a", "b", "c", "d"}),
        ("e", {"e", "b", "c", "a", "d"}),
        ("d", {"d"}),
        ("unknown", {"unknown"}),
    ],
)
def test_descendants(group: str, descendants: set[str]) -> None:
    assert TREE.descendants(group) == descendants


@pytest.mark.parametrize(
    ("group", "ancestors"),
    [
        ("d", {"c", "b", "a", "e"}),
        ("a", {"a", "c", "b", "e"}),  # in a cycle, a group is nested in itself
        ("e", set()),
    ],
)
def test_ancestors(group: str, ancestors: set[str]) -> None:
    assert TREE.ancestors(group) == ancestors


def test_a_long_chain_is_walked_without_recursion() -> None:
    chain = GroupNesting.of_edges((f"g{i}", f"g{i + 1}") for i in range(50_000))
    assert len(chain.descendants("g0")) == 50_001
    assert len(chain.ancestors("g50000")) == 50_000
