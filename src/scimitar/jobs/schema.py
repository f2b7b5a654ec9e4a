"""procrastinate's tables on the store's PostgreSQL, created the first time a queue opens.

The schema is procrastinate's own (``SchemaManager.get_schema``), applied once under an
advisory transaction lock so that workers starting together do not race; it is applied
whenever a process opens the queue (``scimitar worker``, ``scimitar serve``, ``app sync``),
as the store's own schema is migrated whenever a command opens the store.
"""

from __future__ import annotations

import psycopg
from procrastinate.schema import SchemaManager

__all__ = ["ensure_queue_schema"]

#: The advisory lock taken while the schema is applied (any fixed 64-bit number).
_SCHEMA_LOCK = 0x5C1A17A2_0001


async def ensure_queue_schema(conninfo: str) -> bool:
    """Create procrastinate's tables unless they exist; whether they were created now."""
    schema = SchemaManager.get_schema()
    async with await psycopg.AsyncConnection.connect(conninfo) as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
        found = await (await conn.execute("SELECT to_regclass('procrastinate_jobs')")).fetchone()
        if found is not None and found[0] is not None:
            return False
        await conn.execute(schema)
    return True
