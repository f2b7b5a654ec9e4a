"""The SCIM operations the sync engine calls: find, list, get, create, update, delete, Bulk.

:class:`TargetOperations` wraps one app's :class:`~scimitar.connector.client.SCIMClient` with
what every request needs:

- a :class:`~scimitar.connector.ratelimit.Throttle` per app: the template's rate limits as
  token buckets, concurrency that halves on 429 and grows back (AIMD), and ``Retry-After``
  holding every request of the app; a place is held only while a request is on the wire
  (never while waiting to retry);
- retries inside the call for throttling and transient failures, honouring ``Retry-After``, per
  :mod:`scimitar.connector.retries`. A create (``POST``) is retried only when the target provably
  did not act on it; after a timeout or a reset it re-raises, and the engine matches again
  before creating again so a retry never makes a duplicate (docs/entra.md §1.6). An
  :class:`~scimitar.connector.retries.OutageBudget` stops retrying once the app has failed
  everything for too long, so a cycle ends instead of hanging;
- every failed status classified by :func:`~scimitar.connector.errors.error_for_response`, the
  one mapping from HTTP status to what the engine does next.
"""

from __future__ import annotations

import asyncio
import json
import random as _random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote

import structlog

from scimitar import metrics
from scimitar.connector.bulk import (
    BulkOperation,
    BulkResult,
    bulk_bodies,
    bulk_results,
    not_run_results,
)
from scimitar.connector.client import decode_json
from scimitar.connector.errors import (
    TargetResponseError,
    TargetUnreachableError,
    error_for_response,
    retry_after_seconds,
)
from scimitar.connector.ratelimit import AdaptiveConcurrency, Throttle
from scimitar.connector.retries import OutageBudget, RetryPolicy, is_retryable
from scimitar.errors import JobError, SyncError
from scimitar.scim.filter import render_value

if TYPE_CHECKING:
    from scimitar.apps.model import ConnectorOptions
    from scimitar.connector.client import SCIMClient
    from scimitar.connector.transport import TransportResponse

__all__ = ["DEFAULT_BULK_MAX_OPERATIONS", "OBJECT_PATHS", "BulkResult", "TargetOperations"]

#: The resource endpoint of each object type (RFC 7644 §3.2).
OBJECT_PATHS: Mapping[str, str] = {"User": "/Users", "Group": "/Groups"}
#: Operations per Bulk request when neither the template nor discovery gave a maximum.
DEFAULT_BULK_MAX_OPERATIONS = 100
_MEMBERS = {"excludedAttributes": "members"}

log = structlog.get_logger("scimitar.connector")

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TargetOperations:
    """The SCIM operations on one app's target, with bounded concurrency and retries.

    Args:
        client: The app's SCIM client (owned: :meth:`close` closes it).
        options: The app's connector options (Bulk size, ...).
        concurrency: Most requests in flight at once towards this app (when no ``throttle``).
        retries: Most retries of one request after its first attempt.
        clock: The current UTC time, to read ``Retry-After`` dates.
        sleep: Waits between attempts (``asyncio.sleep``; tests pass a recorder).
        random: Jitter source in ``[0, 1)``.
        policy: Backoff settings; overrides ``retries`` when given.
        throttle: Rate limits and adaptive concurrency (default: ``concurrency``, no limit).
        outage: When to stop retrying an app that fails everything (default 300 s).
        label: The app's name in the metrics of its requests (none recorded without it).
    """

    def __init__(
        self,
        client: SCIMClient,
        options: ConnectorOptions,
        *,
        concurrency: int = 8,
        retries: int = 5,
        clock: Clock = _utc_now,
        sleep: Sleep = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        policy: RetryPolicy | None = None,
        throttle: Throttle | None = None,
        outage: OutageBudget | None = None,
        label: str | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self.client = client
        self.options = options
        self.policy = policy or RetryPolicy(retries=retries)
        self.throttle = throttle or Throttle(AdaptiveConcurrency(concurrency), sleep=sleep)
        self.outage = outage or OutageBudget()
        self.retried = 0
        self.label = label
        self._clock = clock
        self._sleep = sleep
        self._random = random

    async def find(self, object_type: str, attribute: str, value: str) -> list[dict[str, Any]]:
        """The resources whose ``attribute`` equals ``value`` (docs/entra.md §1.6 "Matching query").

        ``GET /Users?filter=userName eq "value"`` (RFC 7644 §3.4.2.2; the value is a JSON string
        literal, quotes and backslashes escaped); groups are asked without members (docs/entra.md
        §1.7).

        Args:
            object_type: ``User`` or ``Group``.
            attribute: The target matching attribute.
            value: The value to match.

        Returns:
            The ``Resources`` of the ListResponse; empty for no match.
        """
        params = {"filter": f"{attribute} eq {render_value(value)}"}
        if object_type == "Group":
            params.update(_MEMBERS)
        document = await self._json("GET", _collection(object_type), params=params)
        return _resources(document, self.client.url_for(_collection(object_type), params))

    async def query(
        self, object_type: str, filter_text: str, *, count: int
    ) -> tuple[int | None, list[dict[str, Any]]]:
        """One page of the resources a filter selects: (``totalResults``, ``Resources``).

        Groups come without members (docs/provisioning.md).
        ``totalResults`` is ``None`` when absent.
        """
        params = {"filter": filter_text, "startIndex": "1", "count": str(count)}
        if object_type == "Group":
            params.update(_MEMBERS)
        path = _collection(object_type)
        document = await self._json("GET", path, params=params)
        resources = _resources(document, self.client.url_for(path, params))
        total = document.get("totalResults")
        if isinstance(total, int) and not isinstance(total, bool):
            return total, resources
        return None, resources

    async def total(self, object_type: str) -> int | None:
        """How many resources of a type the app holds: ``totalResults`` of a one-item page.

        ``count=1`` rather than ``count=0`` (RFC 7644 §3.4.2.4 allows 0, but apps that read it
        as "the default page size" are common). ``None`` when the answer has no count.
        """
        path = _collection(object_type)
        params = _page_params(object_type, 1, 1, None)
        document = await self._json("GET", path, params=params)
        total = document.get("totalResults") if isinstance(document, dict) else None
        if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
            return total
        return None

    async def list_all(
        self,
        object_type: str,
        *,
        page_size: int = 500,
        attributes: Sequence[str] | None = None,
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Every resource of a type, a page at a time (RFC 7644 §3.4.2.4 ``startIndex``/``count``).

        Pages are asked for until ``totalResults`` resources have come back, or a page comes
        back empty (a target that miscounts cannot loop forever). Groups come without members
        unless ``attributes`` is given.

        Args:
            object_type: ``User`` or ``Group``.
            page_size: ``count`` per request.
            attributes: Only these attributes (RFC 7644 §3.9), if given.

        Yields:
            Each non-empty page's ``Resources``.
        """
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, not {page_size}")
        path, start, total = _collection(object_type), 1, None
        while total is None or start <= total:
            params = _page_params(object_type, start, page_size, attributes)
            document = await self._json("GET", path, params=params)
            page = _resources(document, self.client.url_for(path, params))
            total = _total(document, start, page, page_size)
            if not page:
                return
            yield page
            start += len(page)

    async def get(
        self, object_type: str, target_id: str, *, with_members: bool = False
    ) -> dict[str, Any] | None:
        """One resource by id (RFC 7644 §3.4.1), or ``None`` when the target answers 404.

        Args:
            object_type: ``User`` or ``Group``.
            target_id: The resource's ``id`` on the target.
            with_members: For a group, include ``members`` (left out by default, docs/entra.md
            §1.7).
        """
        params = _MEMBERS if object_type == "Group" and not with_members else None
        path = _resource(object_type, target_id)
        response = await self._request("GET", path, params=params, is_idempotent=True, ok=(404,))
        if response.status == 404:
            return None
        return _object(decode_json(response, "GET", self.client.url_for(path, params)), "GET", path)

    async def create(self, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create a resource (RFC 7644 §3.3): ``POST /Users`` → 201 with the new ``id``.

        Not retried after a timeout or a dropped connection (see the module docstring).

        Raises:
            TargetResponseError: The answer has no ``id``.
        """
        path = _collection(object_type)
        document = await self._json("POST", path, body=body, is_idempotent=False)
        created = _object(document, "POST", path)
        if not isinstance(created.get("id"), str) or not created["id"]:
            raise TargetResponseError(f"POST {self.client.url_for(path)}: the answer has no id")
        return created

    async def patch(
        self, object_type: str, target_id: str, body: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Modify a resource (RFC 7644 §3.5.2); 200 with the resource, or 204.

        A group is asked back without its members (RFC 7644 §3.9 ``excludedAttributes``): a
        Webex group PATCH would otherwise echo up to 500 of them.

        Returns:
            The resource when the app answered with one (the engine checks what it kept),
            else ``None``.
        """
        params = _MEMBERS if object_type == "Group" else None
        response = await self._request(
            "PATCH", _resource(object_type, target_id), params=params, body=body
        )
        return _answered_resource(response)

    async def put(
        self,
        object_type: str,
        target_id: str,
        body: dict[str, Any],
        *,
        if_match: str | None = None,
    ) -> dict[str, Any] | None:
        """Replace a resource (RFC 7644 §3.5.1), for apps without PATCH or refusing one.

        Args:
            object_type: ``User`` or ``Group``.
            target_id: The resource's id.
            body: The whole resource.
            if_match: The version read before (``meta.version``): sent as ``If-Match``
                (RFC 7644 §3.14), so a change made in between fails with 412, not lost.

        Returns:
            The resource when the app answered with one, else ``None``.
        """
        headers = {"If-Match": if_match} if if_match else None
        response = await self._request(
            "PUT", _resource(object_type, target_id), body=body, headers=headers
        )
        return _answered_resource(response)

    async def delete(self, object_type: str, target_id: str) -> None:
        """Delete a resource (RFC 7644 §3.6); 204 expected.

        Raises:
            TargetObjectNotFoundError: On 404; whether that counts as done is the engine's call.
        """
        await self._request("DELETE", _resource(object_type, target_id))

    async def bulk(
        self, operations: Sequence[BulkOperation], *, fail_on_errors: int | None = None
    ) -> list[BulkResult]:
        """Run operations with Bulk (RFC 7644 §3.7), in requests of the app's maximum size.

        Without ``fail_on_errors`` the requests go out together (the connector's concurrency
        bound and rate limits still apply), so the app always has the next one at hand; with
        it they go one after another, in order: the errors of earlier requests count against
        later ones and, once reached, the rest is not sent and comes back as not run (status 0,
        :class:`~scimitar.connector.bulk.BulkOperationNotRunError`). When a request fails as a
        whole, every request is let finish, then the failure is raised (a job-wide one first).

        Args:
            operations: The operations; ``bulkId:`` references must stay within one request.
            fail_on_errors: Errors after which to stop, if any.

        Returns:
            One result per operation, in the order given.

        Raises:
            HTTPFailure: A whole request failed (after retries where allowed).
            TargetResponseError: An answer is not a BulkResponse.
            ConfigError: A ``bulkId:`` reference crosses a request boundary.
        """
        size = self.options.bulk_max_operations or DEFAULT_BULK_MAX_OPERATIONS
        bodies = bulk_bodies(
            operations,
            size,
            fail_on_errors=fail_on_errors,
            max_payload_size=self.options.bulk_max_payload_size,
        )
        starts = _starts(bodies)
        if fail_on_errors is None and len(bodies) > 1:
            return await self._bulk_together(bodies, operations, starts)
        results: list[BulkResult] = []
        allowance = fail_on_errors
        for body, start in zip(bodies, starts, strict=True):
            chunk = operations[start : start + len(body["Operations"])]
            if allowance is not None and allowance <= 0:
                url = self.client.url_for("/Bulk")
                results += not_run_results(range(start, start + len(chunk)), url)
                continue
            if allowance is not None:
                body["failOnErrors"] = allowance
            chunk_results = await self._bulk_request(body, chunk, start)
            results += chunk_results
            if allowance is not None:
                allowance -= sum(1 for r in chunk_results if r.status >= 400)
        return results

    async def close(self) -> None:
        """Close the client's connections."""
        await self.client.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _bulk_together(
        self,
        bodies: Sequence[dict[str, Any]],
        operations: Sequence[BulkOperation],
        starts: Sequence[int],
    ) -> list[BulkResult]:
        answers = await asyncio.gather(
            *(
                self._bulk_request(body, operations[n : n + len(body["Operations"])], n)
                for body, n in zip(bodies, starts, strict=True)
            ),
            return_exceptions=True,
        )
        failures = [a for a in answers if isinstance(a, BaseException)]
        if failures:
            raise next((f for f in failures if isinstance(f, JobError)), failures[0])
        return [result for answer in answers if isinstance(answer, list) for result in answer]

    async def _bulk_request(
        self, body: dict[str, Any], chunk: Sequence[BulkOperation], start: int
    ) -> list[BulkResult]:
        document = await self._json("POST", "/Bulk", body=body, is_idempotent=False)
        return bulk_results(chunk, start, document, self.client.url_for("/Bulk"))

    async def _json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        is_idempotent: bool = True,
    ) -> Any:
        response = await self._request(
            method, path, params=params, body=body, is_idempotent=is_idempotent
        )
        return decode_json(response, method, self.client.url_for(path, params))

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        is_idempotent: bool = True,
        ok: Sequence[int] = (),
        headers: Mapping[str, str] | None = None,
    ) -> TransportResponse:
        """Send until a success (or a status in ``ok``), retrying what the policy allows.

        Raises:
            HTTPFailure: The last failed status, classified.
            TargetUnreachableError: The last network failure.
            TargetTLSError: The TLS handshake failed (never retried).
        """
        url = self.client.url_for(path, params)
        attempt = 0
        has_waited = False
        while True:
            outcome = await self._attempt(method, path, params, body, has_waited, headers)
            if isinstance(outcome, TargetUnreachableError):
                error: SyncError = outcome
                retry_after = None
            elif outcome.status < 400 or outcome.status in ok:
                return outcome
            else:
                error = error_for_response(method, url, outcome)
                retry_after = retry_after_seconds(outcome.header("retry-after"), self._clock())
            delay = self._retry_delay(error, attempt, retry_after, is_idempotent)
            if delay is None:
                raise error
            self.retried += 1
            log.info(
                "scim_request_retry",
                method=method,
                path=path,
                attempt=attempt + 1,
                delay=round(delay, 3),
                error=str(error),
            )
            await self._sleep(delay)
            has_waited = retry_after is not None
            attempt += 1

    def _retry_delay(
        self, error: SyncError, attempt: int, retry_after: float | None, is_idempotent: bool
    ) -> float | None:
        if not is_retryable(error, is_idempotent=is_idempotent) or self.outage.is_spent():
            return None
        return self.policy.delay(attempt, retry_after, self._random)

    async def _attempt(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Any,
        has_waited: bool,
        headers: Mapping[str, str] | None = None,
    ) -> TransportResponse | TargetUnreachableError:
        async with self.throttle.slot(method, path, has_waited=has_waited) as generation:
            started = time.monotonic()
            try:
                response = await self.client.send(
                    method, path, params=params, body=body, headers=headers
                )
            except TargetUnreachableError as exc:
                self.outage.failed()
                if self.label is not None:
                    metrics.request_answered(self.label, method, 0, None, retry_after=False)
                return exc
            latency = time.monotonic() - started
        await self._observe(generation, response, latency, method)
        return response

    async def _observe(
        self,
        generation: int,
        response: TransportResponse,
        latency: float | None = None,
        method: str | None = None,
    ) -> None:
        """Tell the throttle and the outage budget what the app answered."""
        if response.status >= 500 and response.status != 501:  # 501: the app is answering
            self.outage.failed()
        else:
            self.outage.answered()
        wait = retry_after_seconds(response.header("retry-after"), self._clock())
        if wait is not None and wait > self.policy.max_retry_after:
            wait = None
        if self.label is not None and method is not None:
            metrics.request_answered(
                self.label, method, response.status, latency, retry_after=wait is not None
            )
        await self.throttle.observe(generation, response.status, wait, latency=latency)


def _collection(object_type: str) -> str:
    try:
        return OBJECT_PATHS[object_type]
    except KeyError:
        raise ValueError(f"unknown object type {object_type!r}; use User or Group") from None


def _resource(object_type: str, target_id: str) -> str:
    return f"{_collection(object_type)}/{quote(target_id, safe='')}"


def _page_params(
    object_type: str, start: int, count: int, attributes: Sequence[str] | None
) -> dict[str, str]:
    params = {"startIndex": str(start), "count": str(count)}
    if attributes:
        params["attributes"] = ",".join(attributes)
    elif object_type == "Group":
        params.update(_MEMBERS)
    return params


def _object(document: Any, method: str, path: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise TargetResponseError(f"{method} {path}: the answer is not a SCIM resource")
    return document


def _resources(document: Any, url: str) -> list[dict[str, Any]]:
    """The ``Resources`` of a ListResponse (RFC 7644 §3.4.2); absent means none."""
    if not isinstance(document, dict):
        raise TargetResponseError(f"GET {url}: the answer is not a SCIM ListResponse")
    resources = document.get("Resources", [])
    if resources is None:
        return []
    if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
        raise TargetResponseError(f"GET {url}: 'Resources' is not a list of resources")
    return resources


def _total(document: dict[str, Any], start: int, page: list[dict[str, Any]], count: int) -> int:
    """``totalResults``; without it, more is assumed for as long as pages come back full."""
    total = document.get("totalResults")
    if isinstance(total, int) and not isinstance(total, bool):
        return total
    seen = start - 1 + len(page)
    return seen + 1 if len(page) >= count else seen


def _answered_resource(response: TransportResponse) -> dict[str, Any] | None:
    """The resource a write's answer carries, if it is a JSON object with an ``id``."""
    if response.status == 204 or not response.body.strip():
        return None
    try:
        document = json.loads(response.body)
    except ValueError:
        return None
    return document if isinstance(document, dict) and document.get("id") else None


def _starts(bodies: Sequence[dict[str, Any]]) -> list[int]:
    """The index of each request's first operation among all the operations."""
    starts, at = [], 0
    for body in bodies:
        starts.append(at)
        at += len(body["Operations"])
    return starts
