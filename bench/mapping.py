"""Benchmark: the default generic-SCIM user mapping set (docs/entra.md §7) over generated users.

Run ``.venv/bin/python bench/mapping.py [--users N] [--runs R]``. Prints users/s for the
compiled engine (median of R runs) and for a naive baseline measured in the same run: every
expression re-parsed for every user and its tree interpreted, with the same attribute writes.
Single process, one core. Goal (issue #4): at least 20,000 users/s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

from scimitar.directory.generator import generate_directory
from scimitar.directory.model import User
from scimitar.mapping.context import EvaluationContext, source_attributes
from scimitar.mapping.defaults import SCIM_USER_MAPPINGS
from scimitar.mapping.flow import CompiledMappingSet
from scimitar.mapping.interpreter import interpret
from scimitar.mapping.mappings import SourceType
from scimitar.mapping.parser import parse
from scimitar.mapping.target_path import parse_target_path

GOAL = 20_000


def make_users(count: int) -> list[dict[str, Any]]:
    """Realistic users from the directory generator (names with diacritics and other scripts)."""
    users = (item for item in generate_directory(count, 0, seed=4) if isinstance(item, User))
    return [user.to_attributes() for user in users]


def compiled_run(users: list[dict[str, Any]]) -> Callable[[], None]:
    mapping_set = CompiledMappingSet(SCIM_USER_MAPPINGS)

    def run() -> None:
        for user in users:
            mapping_set.apply(user, is_create=True)

    return run


def naive_apply(user: Mapping[str, Any]) -> dict[str, Any]:
    """The baseline: parse each expression again and walk its tree, per user."""
    ctx = EvaluationContext(source_attributes(user))
    resource: dict[str, Any] = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}
    for mapping in SCIM_USER_MAPPINGS.mappings:
        if mapping.source_type is SourceType.EXPRESSION:
            value = interpret(parse(mapping.source), ctx)
        else:
            value = ctx.attributes.get(mapping.source.lower())
        if value is not None and value != "":
            parse_target_path(mapping.target).writer()(resource, value)
    return resource


def naive_run(users: list[dict[str, Any]]) -> Callable[[], None]:
    def run() -> None:
        for user in users:
            naive_apply(user)

    return run


def measure(run: Callable[[], None], count: int, runs: int) -> float:
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-users", type=int, default=20_000)
    args = parser.parse_args()
    users = make_users(args.users)
    assert len(users) == args.users
    baseline_users = users[: args.baseline_users]
    compiled = measure(compiled_run(users), len(users), args.runs)
    naive = measure(naive_run(baseline_users), len(baseline_users), args.runs)
    print(f"mappings: {len(SCIM_USER_MAPPINGS.mappings)} (generic SCIM user set, docs/entra.md §7)")
    print(f"compiled: {compiled:,.0f} users/s  ({len(users):,} users, median of {args.runs} runs)")
    print(f"naive:    {naive:,.0f} users/s  ({len(baseline_users):,} users, re-parse + interpret)")
    print(f"ratio:    {compiled / naive:.1f}x")
    print(f"goal:     {GOAL:,} users/s -> {'met' if compiled >= GOAL else 'NOT met'}")


if __name__ == "__main__":
    main()
