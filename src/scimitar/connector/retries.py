"""When a failed SCIM request is sent again, and how long to wait first.

One policy for every request the connector makes: throttling and
transient failures are retried inside the call, a bounded number of times, honouring the
target's ``Retry-After`` (RFC 7644 §3.12 lists 429 and 503 as "try again later"; RFC 9110
§10.2.3 defines the header) and otherwise backing off exponentially with jitter.

A request that is not idempotent — a POST that creates, or a Bulk POST — is sent again only when
the target provably did not act on it: the connection was refused or the name did not resolve
(the request never left), or the target answered 429 or 503 (RFC 6585 §4, RFC 9110 §15.6.4: the
server did not process it). After a timeout or a dropped connection the object may exist already,
so the error goes back to the engine, which matches again before creating again (docs/entra.md
§1.6).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from scimitar.connector.errors import NetworkFailure, TargetUnavailableError, TargetUnreachableError
from scimitar.errors import SyncError

__all__ = [
    "CREATE_RETRY_STATUSES",
    "RETRY_STATUSES",
    "OutageBudget",
    "RetryPolicy",
    "is_retryable",
]

#: Statuses retried inside the call for idempotent requests (never a 4xx other than 429).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Statuses after which a non-idempotent request is known not to have been acted on.
CREATE_RETRY_STATUSES = frozenset({429, 503})
_NOT_SENT = frozenset({NetworkFailure.REFUSED, NetworkFailure.DNS})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times to retry and how long to wait between attempts.

    Attributes:
        retries: Most retries after the first attempt (0: never retry).
        base: The first backoff, in seconds, doubled at each retry.
        cap: The longest backoff, in seconds.
        max_retry_after: The longest ``Retry-After`` waited out; a target asking for more gets
            its error re-raised at once so the engine escrows the object instead of stalling.
    """

    retries: int = 5
    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 120.0

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError(f"retries must be 0 or more, not {self.retries}")

    def backoff(self, attempt: int, random: Callable[[], float]) -> float:
        """The wait before retry number ``attempt + 1`` when the target named none.

        "Equal jitter": half the exponential step is fixed, half is random, so concurrent
        callers spread out yet never retry at once.

        Args:
            attempt: 0 for the first retry, 1 for the second, ...
            random: A number in ``[0, 1)`` per call (``random.random`` or a seeded one).
        """
        step = min(self.cap, self.base * 2.0**attempt)
        return step / 2 + step / 2 * random()

    def delay(
        self, attempt: int, retry_after: float | None, random: Callable[[], float]
    ) -> float | None:
        """The wait before the next attempt, or ``None`` to give up and re-raise.

        Args:
            attempt: Retries made so far.
            retry_after: Seconds the target asked for (``Retry-After``), if any.
            random: The jitter source.
        """
        if attempt >= self.retries:
            return None
        if retry_after is None:
            return self.backoff(attempt, random)
        return retry_after if retry_after <= self.max_retry_after else None


def is_retryable(error: SyncError, *, is_idempotent: bool) -> bool:
    """Whether ``error`` may be retried inside the call (see the module docstring).

    Args:
        error: What the attempt raised or the response stood for.
        is_idempotent: ``False`` for a POST that creates (or a Bulk POST).
    """
    if isinstance(error, TargetUnavailableError):
        allowed = RETRY_STATUSES if is_idempotent else CREATE_RETRY_STATUSES
        return error.status in allowed
    if isinstance(error, TargetUnreachableError):
        return is_idempotent or error.kind in _NOT_SENT
    return False


@dataclass
class OutageBudget:
    """How long one cycle keeps retrying while the app answers nothing but failures.

    Retries inside a call are bounded per request; this bounds the cycle. Once the app has
    failed every request (5xx, timeouts, refused or dropped connections) for ``seconds``
    without one normal answer in between, requests are no longer retried: each fails at once,
    so its object is escrowed and retried in a later cycle, and the cycle ends instead of
    waiting out an outage of hours. The first normal answer (anything but a 5xx or a network
    failure; a 429 counts, the app is answering) starts the budget afresh.

    Attributes:
        seconds: The outage tolerated before retries stop.
        clock: Monotonic seconds.
    """

    seconds: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _failing_since: float | None = field(default=None, init=False)

    def failed(self) -> None:
        """A request got a 5xx or no answer."""
        if self._failing_since is None:
            self._failing_since = self.clock()

    def answered(self) -> None:
        """The app answered normally."""
        self._failing_since = None

    def is_spent(self) -> bool:
        """Whether the app has been failing for longer than the budget."""
        since = self._failing_since
        return since is not None and self.clock() - since >= self.seconds
