"""Authentication failures back off per key, in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from scimitar.security.throttle import AuthThrottle, ThrottledError, ThrottlePolicy
from scimitar.store import Database

POLICY = ThrottlePolicy(
    free_failures=3, window=timedelta(minutes=15), max_delay=timedelta(seconds=10)
)
KEYS = ["portal:addr:203.0.113.7", "portal:account:admin"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttle(database: Database, clock: Clock) -> AuthThrottle:
    return AuthThrottle(database, POLICY, clock)


async def test_free_failures_then_doubling_blocks_up_to_the_cap(
    throttle: AuthThrottle, clock: Clock
) -> None:
    assert [await throttle.failed(KEYS) for _ in range(2)] == [None, None]
    delays = []
    for _ in range(6):
        await throttle.check(KEYS)
        delays.append(await throttle.failed(KEYS))
        clock.now += timedelta(seconds=delays[-1] or 0)
    assert delays == [1, 2, 4, 8, 10, 10]


async def test_a_blocked_key_is_refused_until_its_time_is_up(
    throttle: AuthThrottle, clock: Clock
) -> None:
    for _ in range(3):
        await throttle.failed(KEYS)
    clock.now += timedelta(seconds=1)  # the first block (1 s) is over; the next failure doubles
    await throttle.failed(KEYS)
    with pytest.raises(ThrottledError) as refused:
        await throttle.check(["portal:addr:203.0.113.7"])
    assert refused.value.retry_after == 2
    await throttle.check(["portal:addr:198.51.100.9", "portal:account:other"])
    clock.now += timedelta(seconds=2)
    await throttle.check(KEYS)


async def test_failures_in_flight_together_are_one_step_of_backoff(
    throttle: AuthThrottle, clock: Clock
) -> None:
    delays = [await throttle.failed(KEYS) for _ in range(64)]
    assert delays[:2] == [None, None]
    assert set(delays[2:]) == {1}
    clock.now += timedelta(seconds=1)
    await throttle.check(KEYS)
    assert await throttle.failed(KEYS) == 2


async def test_the_window_forgets_old_failures(throttle: AuthThrottle, clock: Clock) -> None:
    for _ in range(2):
        await throttle.failed(KEYS)
    clock.now += timedelta(minutes=15)
    assert [await throttle.failed(KEYS) for _ in range(2)] == [None, None]


async def test_a_success_clears_the_account_but_not_the_address(
    throttle: AuthThrottle,
) -> None:
    for _ in range(2):
        await throttle.failed(KEYS)
    await throttle.succeeded(KEYS[1:])
    assert await throttle.failed(["portal:account:admin"]) is None
    assert await throttle.failed(["portal:addr:203.0.113.7"]) == 1


async def test_processes_sharing_the_store_share_the_counts(
    database: Database, clock: Clock
) -> None:
    first, second = AuthThrottle(database, POLICY, clock), AuthThrottle(database, POLICY, clock)
    await first.failed(KEYS)
    await second.failed(KEYS)
    assert await first.failed(KEYS) == 1
    with pytest.raises(ThrottledError):
        await second.check(KEYS)


async def test_a_block_set_elsewhere_applies_here_within_a_second(
    database: Database, clock: Clock
) -> None:
    here, elsewhere = AuthThrottle(database, POLICY, clock), AuthThrottle(database, POLICY, clock)
    await here.check(KEYS)  # what it reads is trusted for up to a second
    for _ in range(POLICY.free_failures):
        await elsewhere.failed(KEYS)
    clock.now += timedelta(milliseconds=10)
    await asyncio.sleep(1.1)
    with pytest.raises(ThrottledError):
        await here.check(KEYS)
