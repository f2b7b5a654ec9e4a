"""Matching queries in batches: ``userName eq "a" or userName eq "b" ...`` (RFC 7644 §3.4.2.2).

For apps whose template says they answer ``or`` (``quirks.filterOrMaxTerms``), the matching
queries a page of objects makes at once are joined into filters of up to that many terms, so
a page of 500 new users costs a handful of requests instead of 500. The lookups arrive one per
object, concurrently (each object's export is a task); :class:`BatchedPort` collects those made
in the same turn of the event loop and sends them together, then answers each from the
batch. What a batch cannot answer exactly is asked on its own, as Entra would:

- an attribute other than a plain top-level one (``userName``, ``externalId``,
  ``displayName``), whose value the answer cannot be read back by;
- a batch the app refused or failed (any error: the single queries meet it themselves);
- a batch whose answer is incomplete (``totalResults`` above the resources returned).

Each value's hits are the returned resources whose attribute equals it exactly, or, when none
does, equals it ignoring case (``userName`` is case-insensitive, RFC 7643 §4.1.1; a
case-exact attribute never has two objects differing only in case matched that way unless
the app holds no exact one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any

import structlog

from scimitar.engine.run.forwarding import ForwardingPort
from scimitar.engine.state.work import TargetPort
from scimitar.errors import JobError, SyncError
from scimitar.scim.filter import render_value

__all__ = ["FILTER_MAX_CHARS", "BatchedPort"]

log = structlog.get_logger("scimitar.engine")

#: Longest filter text of one batch: the query string stays well under the 8 KiB request
#: line many servers accept, once percent-encoded.
FILTER_MAX_CHARS = 4000
_PLAIN = frozenset({"username", "externalid", "displayname", "id"})

_Key = tuple[str, str]  # object type, attribute
_Waiting = list[tuple[str, "asyncio.Future[list[dict[str, Any]]]"]]


def _field(resource: dict[str, Any], attribute: str) -> Any:
    wanted = attribute.lower()
    for key, value in resource.items():
        if key.lower() == wanted:
            return value
    return None


def _hits(resources: Sequence[dict[str, Any]], attribute: str, value: str) -> list[dict[str, Any]]:
    exact = [r for r in resources if _field(r, attribute) == value]
    if exact:
        return exact
    folded = value.casefold()
    return [r for r in resources if str(_field(r, attribute) or "").casefold() == folded]


def _chunks(attribute: str, values: Sequence[str], max_terms: int) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    size = 0
    for value in values:
        term = len(attribute) + len(render_value(value)) + 8
        if chunks[-1] and (len(chunks[-1]) >= max_terms or size + term > FILTER_MAX_CHARS):
            chunks.append([])
            size = 0
        chunks[-1].append(value)
        size += term
    return [c for c in chunks if c]


class BatchedPort(ForwardingPort):
    """A :class:`TargetPort` whose ``find`` joins concurrent lookups into ``or`` filters.

    Args:
        port: The app's operations (with ``query``: one filter, one page).
        max_terms: Most ``eq`` terms in one filter (the template's ``filterOrMaxTerms``).
    """

    def __init__(self, port: TargetPort, max_terms: int) -> None:
        super().__init__(port)
        self._max_terms = max_terms
        self._waiting: dict[_Key, _Waiting] = {}
        self._tasks: set[asyncio.Future[None]] = set()
        self.app_port = getattr(port, "app_port", port)

    async def find(self, object_type: str, attribute: str, value: str) -> list[dict[str, Any]]:
        if attribute.lower() not in _PLAIN:
            return await self._port.find(object_type, attribute, value)
        key = (object_type, attribute)
        future: asyncio.Future[list[dict[str, Any]]] = asyncio.get_running_loop().create_future()
        if not self._waiting:
            asyncio.get_running_loop().call_soon(self._flush)
        self._waiting.setdefault(key, []).append((value, future))
        return await future

    def _flush(self) -> None:
        waiting, self._waiting = self._waiting, {}
        for (object_type, attribute), entries in waiting.items():
            values = list(dict.fromkeys(value for value, _ in entries))
            for chunk in _chunks(attribute, values, self._max_terms):
                members = set(chunk)
                wanted = [(v, f) for v, f in entries if v in members]
                self._spawn(self._answer(object_type, attribute, chunk, wanted))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._tasks.discard)

    async def _answer(
        self, object_type: str, attribute: str, values: list[str], wanted: _Waiting
    ) -> None:
        try:
            resources = await self._batch(object_type, attribute, values)
        except BaseException as exc:  # noqa: BLE001 - every waiter must hear of it
            for _, future in wanted:
                if not future.done():
                    future.set_exception(exc)
            return
        for value, future in wanted:
            if future.done():
                continue
            if resources is None:
                self._spawn(self._single(object_type, attribute, value, future))
            else:
                future.set_result(_hits(resources, attribute, value))

    async def _batch(
        self, object_type: str, attribute: str, values: list[str]
    ) -> list[dict[str, Any]] | None:
        """The resources one ``or`` filter returns, or None when it cannot answer exactly."""
        query = getattr(self._port, "query", None)
        if len(values) == 1 or query is None:
            return None
        text = " or ".join(f"{attribute} eq {render_value(v)}" for v in values)
        try:
            total, resources = await query(object_type, text, count=2 * len(values))
        except JobError:
            raise
        except SyncError as exc:
            log.warning("filter_batch_failed", terms=len(values), error=str(exc))
            return None
        if total is not None and total > len(resources):
            return None
        return list(resources)

    async def _single(
        self,
        object_type: str,
        attribute: str,
        value: str,
        future: asyncio.Future[list[dict[str, Any]]],
    ) -> None:
        try:
            future.set_result(await self._port.find(object_type, attribute, value))
        except BaseException as exc:  # noqa: BLE001 - the waiter re-raises it
            future.set_exception(exc)
