"""Token buckets from templates, AIMD concurrency, the Retry-After hold and the outage budget."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from tests.unit.connector.fakes import FakeTransport, scim

from scimitar.apps.model import ConnectorOptions
from scimitar.connector import (
    Credentials,
    SCIMClient,
    TargetUnavailableError,
    TransportRequest,
    TransportResponse,
)
from scimitar.connector.operations import TargetOperations
from scimitar.connector.ratelimit import (
    AccountLimits,
    AdaptiveConcurrency,
    BucketRule,
    Throttle,
    TokenBucket,
    account_of,
)
from scimitar.connector.retries import OutageBudget
from scimitar.gallery.schema import RateLimit, UpdateMethod
from scimitar.secrets import Secret

USER = {"id": "u-1", "userName": "ada@example.com"}


@dataclass
class FakeTime:
    """A monotonic clock that only moves when something sleeps on it."""

    now: float = 0.0
    waits: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def _limit(applies_to: str, requests: int, per: int, burst: int | None = None) -> RateLimit:
    return RateLimit(
        applies_to=applies_to, requests=requests, per_seconds=per, burst=burst, source="test"
    )


def test_bucket_spends_its_burst_then_spaces_requests_at_the_rate() -> None:
    time = FakeTime()
    bucket = TokenBucket(10, 3, clock=time)
    waits = [bucket.reserve() for _ in range(5)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3:] == pytest.approx([0.1, 0.2])
    time.now = 10
    assert bucket.reserve() == 0


def test_bucket_refuses_a_rate_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(0, 1)


@pytest.mark.parametrize(
    ("applies_to", "method", "path", "counts"),
    [
        ("all", "DELETE", "/Groups/g", True),
        ("reads", "GET", "/Users", True),
        ("reads", "POST", "/Users", False),
        ("writes", "PATCH", "/Users/u", True),
        ("POST /Users", "POST", "/Users", True),
        ("POST /Users", "POST", "/Groups", False),
        ("PATCH /Users", "PATCH", "/Users/u-1", True),
        ("PATCH /Users", "GET", "/Users/u-1", False),
    ],
    ids=lambda v: str(v),
)
def test_rule_counts_the_requests_its_template_names(
    applies_to: str, method: str, path: str, counts: bool
) -> None:
    assert BucketRule(applies_to, TokenBucket(1, 1)).counts(method, path) is counts


def test_concurrency_halves_once_per_burst_of_429_and_grows_back_by_one() -> None:
    async def scenario() -> list[int]:
        limits = AdaptiveConcurrency(8)
        generations = [await limits.acquire() for _ in range(8)]
        for _ in range(8):
            await limits.release()
        seen = [limits.limit]
        # Eight requests in flight all answered 429: one congestion, one cut.
        for generation in generations:
            limits.throttled(generation)
        seen.append(limits.limit)
        # A request sent after the cut that is throttled again cuts again.
        limits.throttled(await limits.acquire())
        await limits.release()
        seen.append(limits.limit)
        for _ in range(2):
            await limits.succeeded()
        seen.append(limits.limit)
        for _ in range(3):
            await limits.succeeded()
        seen.append(limits.limit)
        return seen

    assert asyncio.run(scenario()) == [8, 4, 2, 3, 4]


def test_concurrency_never_exceeds_its_limit() -> None:
    async def scenario() -> int:
        limits = AdaptiveConcurrency(3)
        peak = 0

        async def one() -> None:
            nonlocal peak
            await limits.acquire()
            peak = max(peak, limits.in_flight)
            await asyncio.sleep(0.001)
            await limits.release()

        await asyncio.gather(*(one() for _ in range(20)))
        return peak

    assert asyncio.run(scenario()) == 3


def test_concurrency_grows_past_its_start_while_latency_holds_and_stops_when_it_rises() -> None:
    async def scenario() -> list[int]:
        limits = AdaptiveConcurrency(12, start=4)
        seen = []
        for _ in range(4 + 5):  # 0.1 s answers: 4 to 5, then 5 more to 6
            await limits.succeeded(0.1)
        seen.append(limits.limit)
        for _ in range(60):  # the app slows to 0.5 s (queueing): no more growth
            await limits.succeeded(0.5)
        seen.append(limits.limit)
        return seen

    assert asyncio.run(scenario()) == [6, 6]


@pytest.mark.parametrize(("status", "limit"), [(503, 4), (502, 4), (500, 8), (404, 8)])
def test_an_overloaded_app_cuts_concurrency_as_a_429_does(status: int, limit: int) -> None:
    async def scenario() -> int:
        throttle = Throttle.for_limits([], concurrency=8)
        async with throttle.slot("POST", "/Users") as generation:
            pass
        await throttle.observe(generation, status, None)
        return throttle.concurrency.limit

    assert asyncio.run(scenario()) == limit


def test_waiters_get_places_in_arrival_order_and_a_cancelled_one_gives_its_place_on() -> None:
    async def scenario() -> tuple[list[str], int]:
        limits = AdaptiveConcurrency(1)
        await limits.acquire()
        order: list[str] = []

        async def one(name: str) -> None:
            await limits.acquire()
            order.append(name)
            await asyncio.sleep(0)
            await limits.release()

        waiting = [asyncio.ensure_future(one(name)) for name in ("a", "b", "c")]
        await asyncio.sleep(0)
        waiting[1].cancel()  # gives up before its turn
        await limits.release()
        await asyncio.gather(waiting[0], waiting[2])
        return order, limits.in_flight

    assert asyncio.run(scenario()) == (["a", "c"], 0)


def test_a_place_handed_to_a_waiter_cancelled_before_it_ran_is_not_lost() -> None:
    async def scenario() -> tuple[int, bool]:
        limits = AdaptiveConcurrency(1)
        await limits.acquire()
        first = asyncio.ensure_future(limits.acquire())
        second = asyncio.ensure_future(limits.acquire())
        await asyncio.sleep(0)
        await limits.release()  # the place goes to `first`...
        first.cancel()  # ...which is cancelled before it runs: `second` gets it
        await asyncio.sleep(0)
        await asyncio.wait_for(second, 1)
        return limits.in_flight, first.cancelled()

    assert asyncio.run(scenario()) == (1, True)


def test_template_limits_pace_the_requests_they_apply_to() -> None:
    time = FakeTime()
    throttle = Throttle.for_limits(
        [_limit("POST /Users", 2, 1), _limit("all", 100, 1, burst=100)],
        concurrency=4,
        clock=time,
        sleep=time.sleep,
    )

    async def scenario() -> None:
        for _ in range(3):
            async with throttle.slot("POST", "/Users"):
                pass
        async with throttle.slot("GET", "/Users"):
            pass

    asyncio.run(scenario())
    # POST /Users: 2/s, burst 1 → the 2nd and 3rd wait half a second each; the GET goes at once.
    assert time.waits == pytest.approx([0.5, 0.5])


def test_retry_after_holds_every_new_request_of_the_app() -> None:
    time = FakeTime()
    throttle = Throttle.for_limits([], concurrency=4, clock=time, sleep=time.sleep)

    async def scenario() -> None:
        async with throttle.slot("GET", "/Users") as generation:
            pass
        await throttle.observe(generation, 429, 3.0)
        async with throttle.slot("GET", "/Groups"):
            pass

    asyncio.run(scenario())
    assert time.waits == [3.0]
    assert throttle.throttled_responses == 1
    assert throttle.concurrency.limit == 2


def _operations(transport: FakeTransport, time: FakeTime, outage: float) -> TargetOperations:
    client = SCIMClient(Credentials("https://target.example/scim/v2/", Secret("t")), transport)
    options = ConnectorOptions(UpdateMethod.PATCH, False, None, True, None)
    return TargetOperations(
        client,
        options,
        sleep=time.sleep,
        random=lambda: 0.5,
        throttle=Throttle.for_limits([], concurrency=2, clock=time, sleep=time.sleep),
        outage=OutageBudget(outage, clock=time),
    )


def test_outage_budget_stops_retrying_an_app_that_fails_everything() -> None:
    time = FakeTime()

    def down(_request: TransportRequest) -> TransportResponse:
        return scim(503, {"detail": "down"})

    transport = FakeTransport(down)
    ops = _operations(transport, time, outage=2.0)

    async def scenario() -> tuple[int, int]:
        with pytest.raises(TargetUnavailableError):
            await ops.get("User", "u-1")
        first = len(transport.sent)
        with pytest.raises(TargetUnavailableError):
            await ops.get("User", "u-2")
        return first, len(transport.sent) - first

    first, second = asyncio.run(scenario())
    # The first request retried until the budget (2 s of backoff) was spent; the next one
    # failed at once instead of waiting again.
    assert 2 <= first <= 6
    assert second == 1


def test_outage_budget_starts_afresh_after_a_normal_answer() -> None:
    time = FakeTime()
    answers = iter([503, 503, 503, 200, 503, 200])

    def flaky(_request: TransportRequest) -> TransportResponse:
        status = next(answers)
        return scim(status, USER if status == 200 else {"detail": "busy"})

    ops = _operations(FakeTransport(flaky), time, outage=1.0)

    async def scenario() -> None:
        with pytest.raises(TargetUnavailableError):
            await ops.get("User", "u-1")
        assert await ops.get("User", "u-1") == USER
        assert await ops.get("User", "u-1") == USER

    asyncio.run(scenario())


def test_an_app_without_published_limits_gets_the_rate_it_answered_at() -> None:
    time = FakeTime()
    throttle = Throttle.for_limits([], concurrency=8, clock=time, sleep=time.sleep)

    async def request(status: int) -> None:
        async with throttle.slot("POST", "/Users") as generation:
            pass
        await throttle.observe(generation, status, None)

    async def scenario() -> list[float]:
        for _ in range(10):
            await request(201)
        await request(429)
        assert throttle.learned is not None
        first = throttle.learned.rate
        time.waits.clear()
        await request(201)
        await request(201)
        spacing = time.waits[-1]
        await request(429)
        return [first, spacing, throttle.learned.rate]

    first, spacing, halved = asyncio.run(scenario())
    # Ten normal answers within the first second: 10 requests/s, then requests spaced by it.
    assert first == pytest.approx(10)
    assert spacing == pytest.approx(0.1, rel=0.05)
    # Another 429 after the cut halves the rate (it had grown a little with the successes).
    assert halved == pytest.approx((10 + 0.1 + 1 / 10.1) / 2, rel=0.01)


def test_client_saves_up_half_the_published_burst_leaving_the_app_slack() -> None:
    time = FakeTime()
    throttle = Throttle.for_limits(
        [_limit("all", 10, 1, burst=10)], concurrency=4, clock=time, sleep=time.sleep
    )

    async def scenario() -> None:
        for _ in range(7):
            async with throttle.slot("GET", "/Users"):
                pass

    asyncio.run(scenario())
    # Five at once (half of ten), then one every tenth of a second.
    assert time.waits == pytest.approx([0.1, 0.1])


def _account_limit(shared_by: str) -> RateLimit:
    return RateLimit.model_validate(
        {"appliesTo": "writes", "requests": 1, "perSeconds": 1, "sharedBy": shared_by,
         "source": "test"}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("shared_by", "urls", "waits"),
    [
        ("account", ("https://api.x.com/scim/v2/acme/", "HTTPS://API.X.COM/scim/v2/acme"), [1, 1]),
        ("account", ("https://api.x.com/scim/v2/acme/", "https://api.x.com/scim/v2/other/"), [1]),
        ("app", ("https://api.x.com/scim/v2/acme/", "https://api.x.com/scim/v2/acme/"), [1]),
    ],
    ids=["same-account-shares", "other-account-own-bucket", "per-app-limit-not-shared"],
)
def test_limits_shared_by_account_pace_every_app_of_the_account(
    shared_by: str, urls: tuple[str, str], waits: list[float]
) -> None:
    """Two apps (throttles) of one vendor account draw from one bucket: 1 write/s between them."""
    time = FakeTime()
    shared = AccountLimits()
    first, second = (
        Throttle.for_limits(
            [_account_limit(shared_by)],
            concurrency=4,
            clock=time,
            sleep=time.sleep,
            shared=shared,
            account=account_of("slack", url),
        )
        for url in urls
    )

    async def scenario() -> None:
        for throttle in (first, second, first):
            async with throttle.slot("POST", "/Users"):
                pass

    asyncio.run(scenario())
    # 1 write/s: shared, the second app's write and the first's next wait a second each;
    # apart, only the first app's own second write waits.
    assert time.waits == pytest.approx(waits)


def test_the_account_includes_the_template() -> None:
    url = "https://api.example.com/scim/v2/"
    assert account_of("slack", url) != account_of("github-emu", url)
    assert account_of("slack", url) == account_of("slack", "https://API.example.com/scim/v2")
