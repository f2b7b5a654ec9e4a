"""How fast requests go to one app: its published rate limits, and concurrency that adapts.

Three controls share one :class:`Throttle` per app (concurrency towards one app is bounded and
rate-limited from its template):

- **Token buckets** from the gallery template's ``rateLimits`` (``requests`` per ``perSeconds``,
  ``burst`` at once). A request takes a token from every bucket that applies to it
  (``all``, ``reads``, ``writes`` or ``METHOD /Resource``) and waits until each is due, so the
  app never sees more than its published rate.
- **AIMD concurrency**: the in-flight limit halves when the app answers 429 (once per burst of
  429s: a request sent before the last cut does not cut again) and grows by one after a run of
  successes as long as the current limit, up to the configured maximum — TCP's congestion
  avoidance, applied to an app that publishes nothing. A cycle starts at its setting and
  may grow past it (to ``max_concurrency``) while the app's latency holds, and a 502, 503 or
  504 cuts it as a 429 does.
- **Retry-After for the whole app**: a 429 or 503 carrying ``Retry-After`` holds every new
  request until it has passed, since a vendor counts the app's requests, not one request's
  (RFC 9110 §10.2.3; docs/entra.md, Webex).
- **A learned rate** for apps that publish none (Cisco Webex): concurrency alone cannot keep a
  fast app under a requests-per-second limit, so the first 429 installs a token bucket at the
  rate the app was answering normally (normal answers since counting began, over at least a
  second); each later 429 that cuts concurrency halves it, and each normal answer raises it by
  ``1 / rate`` (about one request/s more per second) — AIMD on the rate.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlsplit

from scimitar.gallery.schema import RateLimit

__all__ = [
    "READ_METHODS",
    "AccountLimits",
    "AdaptiveConcurrency",
    "BucketRule",
    "Throttle",
    "TokenBucket",
    "account_of",
]

#: Methods that count as reads for a ``reads`` limit; every other method is a write.
READ_METHODS = frozenset({"GET", "HEAD"})
#: The slowest a learned rate goes, in requests/s.
MIN_LEARNED_RATE = 0.5
#: Concurrency grows while the recent latency is at most this many times the best seen.
LATENCY_GROWTH = 2.0

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved up; reservations may go into debt.

    A caller reserves a token and is told how long to wait for it, so concurrent callers are
    spaced ``1 / rate`` apart without a lock and without polling.

    Args:
        rate: Tokens added per second (> 0).
        burst: Most tokens held at once (≥ 1); the bucket starts full.
        clock: Monotonic seconds.
    """

    def __init__(self, rate: float, burst: float, *, clock: Clock = time.monotonic) -> None:
        if rate <= 0 or not math.isfinite(rate):
            raise ValueError(f"rate must be a positive number of requests per second, not {rate}")
        self.rate = rate
        self.burst = max(1.0, burst)
        self._clock = clock
        self._tokens = self.burst
        self._stamp = clock()

    def reserve(self) -> float:
        """Take one token; the seconds until it is due (0 when one was available)."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


def account_of(template_id: str, tenant_url: str) -> str:
    """The vendor account an app's requests count against, for limits ``sharedBy: account``.

    Two apps of the same template whose Tenant URLs name the same endpoint — scheme, host
    and port compared without case, path without a trailing slash — are one account: the
    vendor sees one client. A vendor whose URL names no account (one URL for every
    customer, the account told by the token) thus shares one budget between apps that may
    be different accounts: slower than needed, never over the limit.
    """
    parts = urlsplit(tenant_url.strip())
    path = parts.path.rstrip("/")
    return f"{template_id}|{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


class AccountLimits:
    """The token buckets of limits ``sharedBy: account``, one per account and limit.

    One is made per process (``scimitar serve``: its scheduler, admin API and portal share
    it) and passed to every throttle built there, so the apps of one account draw from one
    bucket however many cycles run, one after another or side by side. Processes do not
    share buckets: with several workers each keeps its own.
    """

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str, int, int, int], TokenBucket] = {}

    def bucket(
        self, account: str, limit: RateLimit, make: Callable[[], TokenBucket]
    ) -> TokenBucket:
        """The account's bucket for ``limit``, made with ``make`` the first time."""
        key = (account, limit.applies_to, limit.requests, limit.per_seconds, limit.burst or 1)
        found = self._buckets.get(key)
        if found is None:
            found = self._buckets[key] = make()
        return found


@dataclass(frozen=True, slots=True)
class BucketRule:
    """Which requests one template limit counts, and its bucket.

    Attributes:
        applies_to: ``all``, ``reads``, ``writes`` or ``METHOD /Resource``.
        bucket: The bucket those requests take from.
    """

    applies_to: str
    bucket: TokenBucket

    def counts(self, method: str, path: str) -> bool:
        """Whether a request ``method path`` (``POST /Users/abc``) counts against this limit."""
        if self.applies_to == "all":
            return True
        if self.applies_to == "reads":
            return method in READ_METHODS
        if self.applies_to == "writes":
            return method not in READ_METHODS
        wanted_method, _, resource = self.applies_to.partition(" ")
        first = "/" + path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
        return method == wanted_method and first == resource


class AdaptiveConcurrency:
    """An in-flight limit that halves on throttling and grows by one while latency holds (AIMD).

    Growth looks at the answers' latency (when told it): the limit grows only while the
    recent latency (a moving average) stays within :data:`LATENCY_GROWTH` times the best seen.
    More requests in flight than the app works on at once only queue at the app: its latency
    rises and the growth stops there, below the point where it would answer 429 or 503.

    Args:
        maximum: The most requests in flight.
        minimum: The limit never falls below this.
        start: The starting limit (default ``maximum``).
    """

    def __init__(self, maximum: int, *, minimum: int = 1, start: int | None = None) -> None:
        if maximum < 1 or minimum < 1 or minimum > maximum:
            raise ValueError(f"need 1 <= minimum <= maximum, not {minimum} and {maximum}")
        if start is not None and not minimum <= start <= maximum:
            raise ValueError(f"need {minimum} <= start <= {maximum}, not {start}")
        self.maximum = maximum
        self.minimum = minimum
        self.limit = maximum if start is None else start
        self._latency: float | None = None
        self._best_latency: float | None = None
        self.in_flight = 0
        self.cuts = 0
        self._successes = 0
        # Waiters in arrival order, each handed a place when one frees up. A condition
        # variable woke every waiter on every release: with a page of 500 objects waiting,
        # that was 500 task switches per request (0.4 ms of CPU each at 3,000 waiters).
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> int:
        """Wait for room under the limit; returns the generation (for :meth:`throttled`)."""
        if self.in_flight < self.limit and not self._waiters:
            self.in_flight += 1
            return self.cuts
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.in_flight -= 1  # handed a place just before the cancel: give it back
                self._wake()
            else:
                self._waiters.remove(waiter)
            raise
        return self.cuts

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)

    async def release(self) -> None:
        """A request finished (whatever its outcome)."""
        self.in_flight -= 1
        self._wake()

    async def succeeded(self, latency: float | None = None) -> None:
        """The app answered normally (in ``latency`` seconds, when known): after ``limit``
        such answers in a row, one more slot, unless the latency has not held."""
        self._successes += 1
        if latency is not None:
            average = latency if self._latency is None else self._latency * 0.9 + latency * 0.1
            self._latency = average
            self._best_latency = min(self._best_latency or average, average)
        if self._successes >= self.limit and self.limit < self.maximum and self._holds():
            self._successes = 0
            self.limit += 1
            self._wake()

    def _holds(self) -> bool:
        if self._latency is None or self._best_latency is None:
            return True
        return self._latency <= LATENCY_GROWTH * self._best_latency

    def throttled(self, generation: int) -> bool:
        """The app answered 429 to a request acquired in ``generation``; whether the limit fell.

        Requests already in flight when the limit was cut saw the old limit: their 429s are
        the same congestion and do not cut again.
        """
        self._successes = 0
        if generation != self.cuts:
            return False
        self.cuts += 1
        self.limit = max(self.minimum, self.limit // 2)
        return True


@dataclass
class Throttle:
    """Rate limits, adaptive concurrency and the app-wide ``Retry-After`` hold of one app.

    Args:
        concurrency: Adaptive in-flight limit.
        rules: Token buckets of the app's published limits (none: no rate limit).
        clock: Monotonic seconds.
        sleep: Waits (``asyncio.sleep``; tests pass a fake).
    """

    concurrency: AdaptiveConcurrency
    rules: Sequence[BucketRule] = ()
    clock: Clock = time.monotonic
    sleep: Sleep = asyncio.sleep
    throttled_responses: int = 0
    learned: TokenBucket | None = field(default=None, init=False)
    _held_until: float = field(default=0.0, init=False)
    _answered: int = field(default=0, init=False)
    _counting_since: float | None = field(default=None, init=False)

    @classmethod
    def for_limits(
        cls,
        limits: Sequence[RateLimit],
        *,
        concurrency: int,
        max_concurrency: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        shared: AccountLimits | None = None,
        account: str | None = None,
    ) -> Throttle:
        """A throttle from a template's ``rateLimits`` (see :class:`RateLimit`).

        The bucket saves up half the published ``burst``: requests reach the app a little
        bunched (the network, the app's own queue), and an app whose bucket a client had
        emptied would answer each bunch 429; the other half stays the app's slack. A limit
        without ``burst`` allows one request at once: requests are spaced evenly, which keeps
        clear of vendors that count in short windows.

        A limit ``sharedBy: account`` takes its bucket from ``shared`` under ``account``
        (:func:`account_of`), so every app of that account draws from the same one.
        """

        def make(limit: RateLimit) -> TokenBucket:
            rate = limit.requests / limit.per_seconds
            return TokenBucket(rate, (limit.burst or 1) // 2, clock=clock)

        rules = []
        for limit in limits:
            if limit.shared_by == "account" and shared is not None and account is not None:
                bucket = shared.bucket(account, limit, partial(make, limit))
            else:
                bucket = make(limit)
            rules.append(BucketRule(limit.applies_to, bucket))
        ceiling = max(concurrency, max_concurrency or concurrency)
        return cls(AdaptiveConcurrency(ceiling, start=concurrency), rules, clock, sleep)

    @asynccontextmanager
    async def slot(self, method: str, path: str, *, has_waited: bool = False) -> AsyncIterator[int]:
        """Hold a place for one request: after any hold, under the limit, with its tokens.

        Args:
            method: The request's method.
            path: Its path under the Tenant URL.
            has_waited: The request is a retry that has just waited out its own
                ``Retry-After`` (the one that set the hold).

        Yields:
            The concurrency generation, to pass to :meth:`observe`.
        """
        if not has_waited:
            await self._wait_for_hold()
        generation = await self.concurrency.acquire()
        if self._counting_since is None:
            self._counting_since = self.clock()
        try:
            buckets = [r.bucket for r in self.rules if r.counts(method, path)]
            if self.learned is not None:
                buckets.append(self.learned)
            wait = max((bucket.reserve() for bucket in buckets), default=0.0)
            if wait > 0:
                await self.sleep(wait)
            yield generation
        finally:
            await self.concurrency.release()

    async def observe(
        self,
        generation: int,
        status: int,
        retry_after: float | None,
        *,
        latency: float | None = None,
    ) -> None:
        """Learn from an answer: 429 cuts concurrency, and so does a 502, 503 or 504 (the app
        or its gateway overloaded); ``Retry-After`` holds the app; a normal answer's
        ``latency`` decides whether concurrency may grow."""
        if status == 429:
            self.throttled_responses += 1
            if self.concurrency.throttled(generation) and not self.rules:
                self._learn()
        elif status in (502, 503, 504):
            self.concurrency.throttled(generation)
        elif status < 500:
            await self.concurrency.succeeded(latency)
            self._answered += 1
            if self.learned is not None:
                self.learned.rate += 1.0 / self.learned.rate
        if status in (429, 503) and retry_after:
            self._held_until = max(self._held_until, self.clock() + retry_after)

    def _learn(self) -> None:
        """A 429 from an app without published limits: pace at (or halve) the rate it took."""
        now = self.clock()
        if self.learned is None:
            since = self._counting_since if self._counting_since is not None else now
            rate = self._answered / max(1.0, now - since)
        else:
            rate = self.learned.rate / 2
        self.learned = TokenBucket(max(MIN_LEARNED_RATE, rate), 1, clock=self.clock)
        self._answered, self._counting_since = 0, now

    def is_held(self) -> bool:
        """Whether a ``Retry-After`` is still holding new requests."""
        return self.clock() < self._held_until

    async def _wait_for_hold(self) -> None:
        remaining = self._held_until - self.clock()
        if remaining > 0:
            await self.sleep(remaining)
