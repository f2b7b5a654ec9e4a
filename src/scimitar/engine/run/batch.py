"""Faster than Entra where the app allows it: match by listing, export in Bulk requests.

- In an initial cycle matching by listing (:mod:`scimitar.engine.run.matchchoice`), the app's
  objects are read once, in pages, into an index of their matching values; matching then asks
  the index instead of sending one filter query per object (docs/entra.md §2.2 semantics unchanged).
- When the app offers Bulk and the template uses it, a page's creates, updates, disables,
  enables and deletes go out in Bulk requests (RFC 7644 §3.7) instead of one request each.
  An operation the app failed is handled on its own afterwards, as a single request would be
  (:func:`~scimitar.engine.run.objects.execute_again`): a 409 on create is looked up and adopted,
  a 404 on a linked object recreated or reported, an operation not run (``failOnErrors``) or
  throttled sent again; a 401/403 stops the cycle. When a whole Bulk request fails, each of
  its operations is handled that way.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import structlog

from scimitar.connector.bulk import BulkOperation, BulkResult
from scimitar.engine.core.actions import Create, Delete, Disable, Enable, Match, Update
from scimitar.engine.core.planning import link_after
from scimitar.engine.core.steps import decision_step
from scimitar.engine.run.context import CycleContext
from scimitar.engine.run.forwarding import ForwardingPort
from scimitar.engine.run.objects import (
    INDEXED,
    Outcome,
    Prepared,
    TargetPort,
    create_body,
    created_link,
    execute,
    execute_again,
    failed,
    resolve_match_of,
    succeeded,
)
from scimitar.errors import JobError, SyncError
from scimitar.mapping.flow import CompiledMappingSet
from scimitar.scim.dialects import disable_body, patch_body

__all__ = ["IndexedPort", "TargetIndex", "execute_page"]

log = structlog.get_logger("scimitar.engine")

_PATHS = {"User": "/Users", "Group": "/Groups"}


def _key(value: Any) -> str:
    return str(value).casefold()


class TargetIndex:
    """The app's objects of one type by matching value, read once (ids only, to stay small)."""

    def __init__(self, object_type: str, paths: Sequence[str]) -> None:
        self.object_type = object_type
        self._by_path: dict[str, dict[str, list[str]]] = {p: defaultdict(list) for p in paths}

    @classmethod
    def empty(cls, object_type: str, mapping: CompiledMappingSet) -> TargetIndex:
        """The index of an app that holds no object of the type."""
        return cls(object_type, [m.target for m in mapping.matching_mappings])

    @classmethod
    async def read(cls, port: Any, object_type: str, mapping: CompiledMappingSet) -> TargetIndex:
        """List the app's objects in pages and index their matching attributes."""
        paths = [m.target for m in mapping.matching_mappings]
        index = cls(object_type, paths)
        async for page in port.list_all(object_type):
            for resource in page:
                index.add(str(resource.get("id")), mapping.read(resource))
        return index

    def add(self, target_id: str, values: dict[str, Any]) -> None:
        """Index one object by the values of the matching paths it has."""
        for path, found in self._by_path.items():
            value = values.get(path)
            if value is not None and value != "":
                found[_key(value)].append(target_id)

    def find(self, path: str, value: str) -> list[dict[str, Any]]:
        """The indexed objects whose ``path`` equals ``value`` (as stubs: id only)."""
        ids = self._by_path.get(path, {}).get(_key(value), [])
        return [{"id": target_id, INDEXED: True} for target_id in ids]


class IndexedPort(ForwardingPort):
    """A :class:`TargetPort` whose ``find`` answers from listing indexes where it has one."""

    def indexes(self, items: Sequence[Prepared]) -> bool:
        """Whether every item's type is matched from an index (no request to the app)."""
        return all(item.object_type in self._indexes for item in items)

    def is_indexed(self, object_type: str) -> bool:
        """Whether this type is matched from an index (its filters are not asked)."""
        return object_type in self._indexes

    def __init__(self, port: TargetPort, indexes: dict[str, TargetIndex]) -> None:
        super().__init__(port)
        self._indexes = indexes
        #: The app itself, for lookups the index cannot answer (it was read at the start of
        #: the cycle: after a 409 the object is newer than the index).
        self.app_port = port

    async def find(self, object_type: str, attribute: str, value: str) -> list[dict[str, Any]]:
        index = self._indexes.get(object_type)
        if index is None:
            return await self._port.find(object_type, attribute, value)
        return index.find(attribute, value)


def _operation(ctx: CycleContext, item: Prepared) -> BulkOperation | None:
    """The Bulk operation for a resolved action, or None when it must go on its own."""
    path = _PATHS[item.object_type]
    assertive = item.result.assertive if item.result else frozenset()
    match item.action:
        case Create():
            return BulkOperation("POST", path, bulk_id=item.source_id, data=create_body(ctx, item))
        case Update(changes=changes) if ctx.options.update_method.value.upper() == "PATCH":
            assert item.link is not None  # noqa: S101 - plan() only updates linked objects
            return BulkOperation(
                "PATCH",
                f"{path}/{item.link.target_id}",
                data=patch_body(changes, ctx.dialect, assertive=assertive),
            )
        case Disable(target_id=target_id):
            return BulkOperation("PATCH", f"{path}/{target_id}", data=disable_body(ctx.dialect))
        case Enable(target_id=target_id) if ctx.options.update_method.value.upper() == "PATCH":
            body = patch_body(item.action.body_changes, ctx.dialect, assertive=assertive)
            return BulkOperation("PATCH", f"{path}/{target_id}", data=body)
        case Delete(target_id=target_id):
            return BulkOperation("DELETE", f"{path}/{target_id}")
    return None


async def _finish(
    ctx: CycleContext,
    port: TargetPort,
    item: Prepared,
    result: BulkResult,
    cycle_id: str,
    now: datetime,
) -> Outcome:
    assert result.error is not None  # noqa: S101 - _send_bulk finishes the others itself
    if isinstance(item.action, Delete) and result.status == 404:
        return succeeded(
            item,
            ctx.app_id,
            cycle_id,
            now,
            item.action,
            (item.object_type, item.source_id, None),
            item.action.target_id,
        )
    return await execute_again(ctx, port, item, result.error, cycle_id, now)


def _done(
    ctx: CycleContext,
    item: Prepared,
    operation: BulkOperation,
    result: BulkResult,
    cycle_id: str,
    now: datetime,
) -> Outcome:
    """The outcome of an operation the app carried out."""
    if isinstance(item.action, Create):
        target_id = result.target_id or ""
        action, change, tid = created_link(item, dict(operation.data or {}), target_id)
        return succeeded(item, ctx.app_id, cycle_id, now, action, change, tid)
    new_link = link_after(item.action, item.link)
    change = (item.object_type, item.source_id, new_link)
    target = new_link.target_id if new_link else (item.link.target_id if item.link else None)
    return succeeded(item, ctx.app_id, cycle_id, now, item.action, change, target)


async def _resolve(ctx: CycleContext, port: TargetPort, item: Prepared) -> None:
    try:
        await resolve_match_of(ctx, port, item)
    except JobError:
        raise
    except SyncError as exc:
        item.found = {"__error__": {"error": exc}}


async def execute_page(
    ctx: CycleContext,
    port: TargetPort,
    prepared: Sequence[Prepared],
    cycle_id: str,
    now: datetime,
) -> list[Outcome]:
    """Send one page's decisions, batching what Bulk can carry.

    Raises:
        JobError: The app refused the job as a whole.
    """
    matches = [p for p in prepared if isinstance(p.action, Match)]
    matched = {id(p) for p in matches}  # identity: Prepared's dataclass __eq__ compares fields
    for item in matches:
        item.steps.append(decision_step(item.object_type, item.action))
    if isinstance(port, IndexedPort) and port.indexes(matches):
        for item in matches:  # the index answers at once: no task per object
            await _resolve(ctx, port, item)
    else:
        await asyncio.gather(*(_resolve(ctx, port, p) for p in matches))
    outcomes: dict[int, Outcome] = {}
    batched: list[tuple[int, Prepared, BulkOperation]] = []
    singles: list[tuple[int, Prepared]] = []
    for position, item in enumerate(prepared):
        error = item.found.get("__error__", {}).get("error")
        if isinstance(error, SyncError):
            outcomes[position] = failed(item, ctx.app_id, cycle_id, now, error)
            continue
        operation = _operation(ctx, item)
        if operation is None:
            singles.append((position, item))
        else:
            if id(item) not in matched:
                item.steps.append(decision_step(item.object_type, item.action))
            batched.append((position, item, operation))
    singled = await asyncio.gather(
        *(execute(ctx, port, p, cycle_id, now, decided=id(p) in matched) for _, p in singles)
    )
    outcomes.update((pos, out) for (pos, _), out in zip(singles, singled, strict=True))
    if batched:
        finished = await _send_bulk(ctx, port, batched, cycle_id, now)
        outcomes.update(zip((position for position, _, _ in batched), finished, strict=True))
    return [outcomes[i] for i in range(len(prepared))]


async def _send_bulk(
    ctx: CycleContext,
    port: TargetPort,
    batched: Sequence[tuple[int, Prepared, BulkOperation]],
    cycle_id: str,
    now: datetime,
) -> list[Outcome]:
    """Send the batched operations, then handle each failed one on its own."""
    try:
        results = await port.bulk([op for _, _, op in batched])
    except JobError:
        raise
    except SyncError as exc:
        log.warning("bulk_request_failed", operations=len(batched), error=str(exc))
        return list(
            await asyncio.gather(
                *(execute_again(ctx, port, item, exc, cycle_id, now) for _, item, _ in batched)
            )
        )
    outcomes: dict[int, Outcome] = {}
    again: list[tuple[int, Prepared, BulkResult]] = []
    for position, ((_, item, operation), result) in enumerate(zip(batched, results, strict=True)):
        if result.error is None:
            outcomes[position] = _done(ctx, item, operation, result, cycle_id, now)
        else:  # handled on its own, concurrently with the other failed ones
            again.append((position, item, result))
    handled = await asyncio.gather(
        *(_finish(ctx, port, item, result, cycle_id, now) for _, item, result in again)
    )
    outcomes.update(zip((position for position, _, _ in again), handled, strict=True))
    return [outcomes[i] for i in range(len(batched))]
