"""Sending many groups' member PATCHes: in Bulk requests where the app takes them (docs/entra.md
§1.7).

Each group's membership change is a list of PATCH bodies (at most the template's
``groupMembersMaxPerRequest`` members each). Without Bulk, a group's bodies go one after
another, groups side by side, as Entra sends them. With Bulk (RFC 7644 §3.7), the bodies of a
page of groups are packed into Bulk requests, each group's bodies kept together and in order,
so a thousand small groups cost a few requests and a group of 100,000 members a dozen instead
of two hundred. A service provider runs a Bulk request's operations as if one after another
(RFC 7644 §3.7), and two requests holding bodies of the same group are never in flight
together, so an app that applies a member PATCH by reading and rewriting the member list sees
the same sequence as without Bulk. Requests of disjoint groups go side by side.

An operation the app failed is sent again on its own, as a plain PATCH (with the connector's
retries), so a throttled or not-run operation gets its usual second chance; what still fails
is the group's error. A whole Bulk request that fails sends each of its bodies on its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scimitar.apps.model import ConnectorOptions
from scimitar.connector.bulk import BulkOperation
from scimitar.connector.operations import DEFAULT_BULK_MAX_OPERATIONS
from scimitar.engine.state.work import TargetPort
from scimitar.errors import JobError, SyncError

__all__ = ["BULK_PAYLOAD_BUDGET", "MemberPatches", "send_member_patches"]

#: Bytes a Bulk request of member PATCHes carries at most, as :func:`_size` counts them:
#: under the 1 MiB ``maxPayloadSize`` of RFC 7644's example ServiceProviderConfig (and the
#: embedded target's request limit). The count errs high, so requests stay well under it.
#: Fewer, larger requests matter: an app commits each (the embedded target does, once).
BULK_PAYLOAD_BUDGET = 960 * 1024
#: What one member value adds to a body besides its id, rounded up: ``{"value":"..."},``
#: is 12 bytes, Entra's ``{"$ref":null,"value":"..."},`` 24.
_VALUE_OVERHEAD = 32
#: What a PATCH operation adds besides its values: method, path, PatchOp envelope.
_OPERATION_OVERHEAD = 256


@dataclass(frozen=True, slots=True)
class MemberPatches:
    """One group's member PATCH bodies, in the order they must reach the app.

    Attributes:
        target_id: The group's id in the app.
        bodies: The PatchOp bodies (``member_patch_bodies``).
    """

    target_id: str
    bodies: Sequence[dict[str, Any]]


@dataclass(slots=True)
class _Request:
    """One Bulk request: (group position, body) pairs, and the request it must wait for."""

    items: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    size: int = 0
    after: asyncio.Event | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)


async def send_member_patches(
    options: ConnectorOptions,
    port: TargetPort,
    groups: Sequence[MemberPatches],
    *,
    payload_budget: int = BULK_PAYLOAD_BUDGET,
) -> list[SyncError | None]:
    """Send every group's bodies; returns each group's first error (``None``: all applied).

    Args:
        options: The app's connector options (whether to use Bulk, its most operations).
        port: The app.
        groups: Each group's bodies.
        payload_budget: Bytes of bodies a Bulk request carries at most (roughly).

    Raises:
        JobError: The app refused the job as a whole (the other requests are cancelled).
    """
    errors: list[SyncError | None] = [None] * len(groups)
    if options.use_bulk and sum(len(g.bodies) for g in groups) > 1:
        most = options.bulk_max_operations or DEFAULT_BULK_MAX_OPERATIONS
        if options.bulk_max_payload_size is not None:  # the app's own limit (RFC 7644 §5)
            payload_budget = min(payload_budget, options.bulk_max_payload_size)
        requests = _pack(groups, most, payload_budget)
        sends = [_send_bulk(port, groups, request, errors) for request in requests]
    else:
        sends = [_send_each(port, groups, i, g.bodies, errors) for i, g in enumerate(groups)]
    await _all(sends)
    return errors


async def _all(sends: Sequence[Awaitable[None]]) -> None:
    """Run side by side; on the first error cancel the rest and raise it."""
    tasks = [asyncio.ensure_future(send) for send in sends]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()


def _size(body: dict[str, Any]) -> int:
    """Roughly the bytes ``body`` takes as JSON (its member values dominate)."""
    size = _OPERATION_OVERHEAD
    for operation in body.get("Operations", ()):
        values = operation.get("value") or ()
        size += sum(len(str(v.get("value", ""))) + _VALUE_OVERHEAD for v in values)
        size += len(str(operation.get("path", ""))) + _VALUE_OVERHEAD
    return size


def _pack(groups: Sequence[MemberPatches], max_operations: int, budget: int) -> list[_Request]:
    """Bodies into requests in group order; a group cut across requests chains them."""
    requests: list[_Request] = [_Request()]
    for position, group in enumerate(groups):
        for body in group.bodies:
            size = _size(body)
            current = requests[-1]
            full = len(current.items) >= max_operations or current.size + size > budget
            if current.items and full:
                was = current
                current = _Request()
                if was.items[-1][0] == position:
                    current.after = was.done
                requests.append(current)
            current.items.append((position, body))
            current.size += size
    return [request for request in requests if request.items]


async def _send_bulk(
    port: TargetPort,
    groups: Sequence[MemberPatches],
    request: _Request,
    errors: list[SyncError | None],
) -> None:
    if request.after is not None:
        await request.after.wait()
    try:
        operations = [
            BulkOperation("PATCH", f"/Groups/{groups[i].target_id}", data=body)
            for i, body in request.items
        ]
        try:
            results = await port.bulk(operations)
        except JobError:
            raise
        except SyncError:
            failed = request.items
        else:
            failed = [
                item for item, result in zip(request.items, results, strict=True) if result.error
            ]
        for position, body in failed:
            await _send_each(port, groups, position, [body], errors)
    finally:
        request.done.set()


async def _send_each(
    port: TargetPort,
    groups: Sequence[MemberPatches],
    position: int,
    bodies: Sequence[dict[str, Any]],
    errors: list[SyncError | None],
) -> None:
    """One group's bodies as plain PATCHes, in order; the first failure ends the group's."""
    for body in bodies:
        if errors[position] is not None:
            return
        try:
            await port.patch("Group", groups[position].target_id, body)
        except JobError:
            raise
        except SyncError as exc:
            errors[position] = exc
