"""Matching source objects to existing directory objects by the source's matching attributes.

``userPrincipalName`` and ``employeeId`` (users), ``displayName`` (groups) and ``objectId`` are
looked up through the directory's indexed key columns; any other attribute (``mail``...) through
an index of the objects built once per run, the first time a run needs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.directory.store import load_attributes
from scimitar.store.queries import is_among
from scimitar.store.tables.directory import GROUP, USER

__all__ = ["AMBIGUOUS", "MatchIndex"]

#: Several directory objects share the value.
AMBIGUOUS = "<ambiguous>"
_CHUNK = 500


def _key(value: Any) -> str | None:
    if value is None or isinstance(value, list | dict):
        return None
    text = str(value).strip().lower()
    return text or None


@dataclass(slots=True)
class MatchIndex:
    """Directory objects of one type by matching value, for one run.

    Attributes:
        object_type: ``User`` or ``Group``.
    """

    object_type: str
    _scanned: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def _table(self) -> Any:
        return USER if self.object_type == "User" else GROUP

    def _column(self, attribute: str) -> Any:
        table = self._table
        if attribute == "objectId":
            return table.c.object_id
        if self.object_type == "User" and attribute == "userPrincipalName":
            return table.c.upn_key
        if self.object_type == "User" and attribute == "employeeId":
            return table.c.employee_key
        if self.object_type == "Group" and attribute == "displayName":
            return table.c.name_key
        return None

    async def lookup(
        self, conn: AsyncConnection, attribute: str, values: Iterable[Any]
    ) -> dict[str, str]:
        """Lower-cased value → objectId (or :data:`AMBIGUOUS`) for the values found."""
        keys = sorted({key for key in map(_key, values) if key is not None})
        if not keys:
            return {}
        column = self._column(attribute)
        if column is None:
            index = await self._index(conn, attribute)
            return {key: index[key] for key in keys if key in index}
        found: dict[str, str] = {}
        table = self._table
        for start in range(0, len(keys), _CHUNK):
            query = select(column.label("key"), table.c.object_id).where(
                is_among(conn, column, keys[start : start + _CHUNK])
            )
            for row in await conn.execute(query):
                key = str(row.key).lower()
                found[key] = (
                    AMBIGUOUS if key in found and found[key] != row.object_id else row.object_id
                )
        return found

    async def _index(self, conn: AsyncConnection, attribute: str) -> dict[str, str]:
        index = self._scanned.get(attribute)
        if index is not None:
            return index
        index = {}
        query = select(self._table.c.object_id, self._table.c.data)
        for row in await conn.execute(query):
            key = _key(load_attributes(row.data).get(attribute))
            if key is not None:
                index[key] = AMBIGUOUS if key in index else row.object_id
        self._scanned[attribute] = index
        return index

    def remember(self, object_id: str, values: Mapping[str, Any]) -> None:
        """Add an object written in this run to the indexes already built."""
        for attribute, index in self._scanned.items():
            key = _key(values.get(attribute))
            if key is not None:
                index[key] = AMBIGUOUS if index.get(key, object_id) != object_id else object_id
