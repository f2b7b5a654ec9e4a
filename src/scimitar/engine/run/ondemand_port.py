"""A port that remembers what it asked the app and what the app answered (provision on demand).

Provision on demand shows the matching queries and the requests of its one object with the
target's answers (docs/entra.md §3.8). The engine sends them through a :class:`TargetPort`;
wrapping the
real port keeps that code unchanged and the trace exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scimitar.connector.bulk import BulkOperation, BulkResult
from scimitar.engine.state.work import TargetPort
from scimitar.errors import SyncError

__all__ = ["Exchange", "RecordingPort"]

_PATHS = {"User": "/Users", "Group": "/Groups"}


@dataclass
class Exchange:
    """One request to the app and its answer.

    Attributes:
        method: GET, POST, PATCH, PUT or DELETE.
        path: The request path under the Tenant URL (with the filter for queries).
        body: The request body, when there is one.
        status: ``ok``, or ``error`` when the app refused it or could not be reached.
        answer: What came back that matters: the ids found, the id created.
        error: The error, when ``status`` is ``error``.
        http_status: The HTTP status of an error answer, when one arrived.
        filter_attribute: For a matching query, the attribute asked about.
        filter_value: For a matching query, the value looked for.
    """

    method: str
    path: str
    body: dict[str, Any] | None = None
    status: str = "ok"
    answer: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    http_status: int | None = None
    filter_attribute: str | None = None
    filter_value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the trace."""
        values: dict[str, Any] = {"method": self.method, "path": self.path, "status": self.status}
        if self.body is not None:
            values["body"] = self.body
        if self.answer:
            values["answer"] = self.answer
        if self.error is not None:
            values["error"] = self.error
        if self.http_status is not None:
            values["httpStatus"] = self.http_status
        return values


def _path(object_type: str, target_id: str | None = None) -> str:
    base = _PATHS.get(object_type, f"/{object_type}s")
    return base if target_id is None else f"{base}/{target_id}"


class RecordingPort:
    """A :class:`TargetPort` that keeps an :class:`Exchange` per request it passes on.

    Args:
        port: The real port.
    """

    def __init__(self, port: TargetPort) -> None:
        self._port = port
        self.exchanges: list[Exchange] = []

    @property
    def queries(self) -> list[Exchange]:
        """The matching queries, in the order sent."""
        return [e for e in self.exchanges if e.filter_attribute is not None]

    @property
    def writes(self) -> list[Exchange]:
        """The requests that change the app (and the reads they needed)."""
        return [e for e in self.exchanges if e.filter_attribute is None]

    def _start(self, exchange: Exchange) -> Exchange:
        self.exchanges.append(exchange)
        return exchange

    @staticmethod
    def _failed(exchange: Exchange, exc: SyncError) -> None:
        exchange.status = "error"
        exchange.error = str(exc)
        exchange.http_status = getattr(exc, "status", None)

    async def find(self, object_type: str, attribute: str, value: str) -> list[dict[str, Any]]:
        """Objects whose ``attribute`` equals ``value``."""
        query = f'{_path(object_type)}?filter={attribute} eq "{value}"'
        exchange = self._start(
            Exchange("GET", query, filter_attribute=attribute, filter_value=value)
        )
        try:
            hits = await self._port.find(object_type, attribute, value)
        except SyncError as exc:
            self._failed(exchange, exc)
            raise
        exchange.answer = {
            "totalResults": len(hits),
            "ids": [str(hit["id"]) for hit in hits if "id" in hit],
        }
        return hits

    async def get(self, object_type: str, target_id: str) -> dict[str, Any] | None:
        """One object, or None when it is gone."""
        exchange = self._start(Exchange("GET", _path(object_type, target_id)))
        try:
            found = await self._port.get(object_type, target_id)
        except SyncError as exc:
            self._failed(exchange, exc)
            raise
        exchange.answer = {"found": found is not None}
        return found

    async def create(self, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create an object; returns it with its ``id``."""
        exchange = self._start(Exchange("POST", _path(object_type), body))
        try:
            created = await self._port.create(object_type, body)
        except SyncError as exc:
            self._failed(exchange, exc)
            raise
        exchange.answer = {"id": created.get("id")}
        return created

    async def patch(
        self, object_type: str, target_id: str, body: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Apply a PatchOp; returns the resource when the app answered with it."""
        return await self._write("PATCH", object_type, target_id, body, self._port.patch)

    async def put(
        self,
        object_type: str,
        target_id: str,
        body: dict[str, Any],
        *,
        if_match: str | None = None,
    ) -> dict[str, Any] | None:
        """Replace an object (``If-Match`` when given)."""

        async def send(kind: str, target: str, sent: dict[str, Any]) -> dict[str, Any] | None:
            return await self._port.put(kind, target, sent, if_match=if_match)

        return await self._write("PUT", object_type, target_id, body, send)

    async def delete(self, object_type: str, target_id: str) -> None:
        """Delete an object."""
        exchange = self._start(Exchange("DELETE", _path(object_type, target_id)))
        try:
            await self._port.delete(object_type, target_id)
        except SyncError as exc:
            self._failed(exchange, exc)
            raise

    async def bulk(self, operations: Sequence[BulkOperation]) -> list[BulkResult]:
        """Send operations in Bulk requests (on-demand runs send one request at a time)."""
        exchange = self._start(Exchange("POST", "/Bulk"))
        try:
            results = await self._port.bulk(operations)
        except SyncError as exc:
            self._failed(exchange, exc)
            raise
        exchange.answer = {"operations": len(results)}
        return results

    async def _write(
        self, method: str, object_type: str, target_id: str, body: dict[str, Any], send: Any
    ) -> dict[str, Any] | None:
        exchange = self._start(Exchange(method, _path(object_type, target_id), body))
        try:
            answer: dict[str, Any] | None = await send(object_type, target_id, body)
        except SyncError as exc:
            self._failed(exchange, exc)
            raise
        return answer
