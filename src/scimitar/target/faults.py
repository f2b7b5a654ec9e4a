"""Fault injection per tenant, for tests and benchmarks: latency, rate limits, errors, drops.

Settings live in the store, so a running server picks up a change made by the CLI on its next
request. Randomness comes from an injectable generator so tests can make faults deterministic.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from scimitar.scim.errors import SCIMError
from scimitar.target.tenants import Faults

__all__ = ["ConnectionDropError", "FaultInjector", "RateLimitedError", "TokenBucket"]


class RateLimitedError(SCIMError):
    """429 Too Many Requests (or 503 when busy), with the seconds to wait in ``Retry-After``."""

    def __init__(self, retry_after: int, *, status: int = 429, detail: str | None = None) -> None:
        message = detail or f"rate limit exceeded; retry after {retry_after} s"
        super().__init__(status, None, message)
        self.retry_after = retry_after


class ConnectionDropError(Exception):
    """Raised to make the HTTP layer close the connection without a complete response."""


@dataclass(slots=True)
class TokenBucket:
    """A token bucket refilled at ``rate`` tokens/s, holding at most ``max(rate, 1)``."""

    rate: float
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = max(self.rate, 1.0)
        self.stamp = self.clock()

    def take(self) -> float:
        """Take one token; returns 0 when granted, else the seconds until one is available."""
        now = self.clock()
        capacity = max(self.rate, 1.0)
        self.tokens = min(capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class FaultInjector:
    """Applies a tenant's fault settings to one request."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()  # noqa: S311 - fault injection, not cryptography
        self._buckets: dict[str, TokenBucket] = {}

    async def apply(self, tenant_id: str, faults: Faults) -> None:
        """Delay, refuse or break this request as the settings say (or do nothing)."""
        if not faults.is_active:
            self._buckets.pop(tenant_id, None)
            return
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.rate_limit_rps:
            self._limit(tenant_id, faults.rate_limit_rps)
        if faults.error_rate and self._rng.random() < faults.error_rate:
            status = self._rng.choice((500, 503))
            raise SCIMError(status, None, f"injected fault: HTTP {status} (tenant error rate)")
        if faults.drop_rate and self._rng.random() < faults.drop_rate:
            raise ConnectionDropError

    def _limit(self, tenant_id: str, rate: float) -> None:
        bucket = self._buckets.get(tenant_id)
        if bucket is None or bucket.rate != rate:
            bucket = self._buckets[tenant_id] = TokenBucket(rate)
        wait = bucket.take()
        if wait > 0:
            raise RateLimitedError(max(1, math.ceil(wait)))
