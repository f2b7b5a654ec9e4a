"""Query pieces that differ between SQLite and PostgreSQL, chosen by the connection's dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["is_among"]


def is_among(conn: AsyncConnection, column: Any, values: Sequence[str]) -> ColumnElement[bool]:
    """``column IN values``, sent as one array parameter on PostgreSQL.

    An ``IN`` list of thousands of keys is rendered as thousands of bind parameters for every
    statement; on PostgreSQL ``column = ANY(:array)`` sends them as one value instead (the
    import of 100k users spent a quarter of its database time rendering those lists).
    """
    if conn.dialect.name == "postgresql":
        array = bindparam("among", list(values), type_=ARRAY(String()))
        return column == any_(array)  # type: ignore[no-any-return]
    return column.in_(list(values))  # type: ignore[no-any-return]
