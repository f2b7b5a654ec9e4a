"""A :class:`TargetPort` that passes every operation to the app's port.

Ports that change one operation (matching from a listing index, lookups joined into ``or``
filters) subclass it and override only that operation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scimitar.connector.bulk import BulkOperation, BulkResult
from scimitar.engine.state.work import TargetPort

__all__ = ["ForwardingPort"]


class ForwardingPort:
    """Sends each operation to ``port`` unchanged."""

    def __init__(self, port: TargetPort) -> None:
        self._port = port

    async def find(self, object_type: str, attribute: str, value: str) -> list[dict[str, Any]]:
        return await self._port.find(object_type, attribute, value)

    async def get(self, object_type: str, target_id: str) -> dict[str, Any] | None:
        return await self._port.get(object_type, target_id)

    async def create(self, object_type: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._port.create(object_type, body)

    async def patch(
        self, object_type: str, target_id: str, body: dict[str, Any]
    ) -> dict[str, Any] | None:
        return await self._port.patch(object_type, target_id, body)

    async def put(
        self,
        object_type: str,
        target_id: str,
        body: dict[str, Any],
        *,
        if_match: str | None = None,
    ) -> dict[str, Any] | None:
        return await self._port.put(object_type, target_id, body, if_match=if_match)

    async def delete(self, object_type: str, target_id: str) -> None:
        await self._port.delete(object_type, target_id)

    async def bulk(self, operations: Sequence[BulkOperation]) -> list[BulkResult]:
        return await self._port.bulk(operations)
