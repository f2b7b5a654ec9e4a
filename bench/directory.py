"""Throughput of the source directory: import, generate, full read and the change feed.

Each figure comes with a baseline measured in the same run: ORM row-by-row inserts against the
batched import, OFFSET paging against keyset paging. The store is a throw-away SQLite file (or,
with --postgres, a throw-away PostgreSQL database on 127.0.0.1:5432); nothing else is written.

Usage: python bench/directory.py [--users 100000] [--big 1000000] [--repeats 3] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scimitar.clock import utcnow
from scimitar.directory.generator import generate_directory
from scimitar.directory.model import User
from scimitar.directory.rows import dump_attributes
from scimitar.directory.service import DirectoryService
from scimitar.settings import Settings
from scimitar.store import Database, open_database
from scimitar.store.tables.directory import USER, DirectoryUser

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@asynccontextmanager
async def fresh_directory(postgres: bool) -> AsyncIterator[DirectoryService]:
    """An empty, migrated directory that disappears afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        url, name = None, f"scimitar_bench_{uuid.uuid4().hex[:10]}"
        if postgres:
            admin = await asyncpg.connect(PG_ADMIN)
            await admin.execute(f'CREATE DATABASE "{name}"')
            url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        database = await open_database(Settings(data_dir=Path(folder), database_url=url))
        try:
            yield DirectoryService(database)
        finally:
            await database.dispose()
            if postgres:
                await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                await admin.close()


def users_json(count: int, seed: int) -> str:
    users = [
        {"objectId": item.object_id, **item.attributes}
        for item in generate_directory(count, 0, seed)
        if isinstance(item, User)
    ]
    return json.dumps({"users": users}, ensure_ascii=False)


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await action()
    return time.perf_counter() - start


async def orm_row_by_row(database: Database, count: int) -> float:
    """Baseline: one ORM object added and flushed per user (no change feed at all)."""
    users = [item for item in generate_directory(count, 0, 99) if isinstance(item, User)]
    start = time.perf_counter()
    async with database.engine.begin() as conn:
        session = AsyncSession(bind=conn)
        for user in users:
            session.add(
                DirectoryUser(
                    object_id=user.object_id,
                    upn_key=user.user_principal_name.lower(),
                    manager_id=None,
                    data=dump_attributes(user.attributes),
                    updated_at=utcnow(),
                )
            )
            await session.flush()
    return count / (time.perf_counter() - start)


async def read_keyset(directory: DirectoryService) -> int:
    count, cursor = 0, None
    while True:
        page = await directory.source.read_users(cursor, 1000)
        count += len(page.items)
        if (cursor := page.cursor) is None:
            return count


async def read_offset(directory: DirectoryService) -> int:
    """Baseline: LIMIT/OFFSET pages, which rescan every skipped row."""
    count, offset = 0, 0
    while True:
        query = (
            select(USER.c.object_id, USER.c.data).order_by(USER.c.seq).limit(1000).offset(offset)
        )
        async with directory.database.read() as conn:
            rows = (await conn.execute(query)).all()
        users = [User(row.object_id, json.loads(row.data)) for row in rows]
        count, offset = count + len(users), offset + 1000
        if len(rows) < 1000:
            return count


async def read_changes(directory: DirectoryService, watermark: str) -> int:
    count = 0
    while True:
        page = await directory.source.read_changes(watermark, 1000)
        count, watermark = count + len(page.changes), page.watermark
        if not page.has_more:
            return count


async def touch_one_percent(directory: DirectoryService, count: int) -> str:
    """Update 1% of users (jobTitle) through the batched import; return the watermark before."""
    watermark = await directory.source.current_watermark()
    page = await directory.source.read_users(None, max(count // 100, 1))
    rows = [{"objectId": u.object_id, "jobTitle": "Changed"} for u in page.items]
    await directory.import_text(json.dumps(rows), "json")
    return watermark


def median(values: list[float]) -> float:
    return statistics.median(values)


async def bench_main(users: int, repeats: int, postgres: bool) -> None:
    text = users_json(users, seed=1)
    async with fresh_directory(postgres) as directory:
        seconds = await timed(lambda: directory.import_text(text, "json"))
        print(
            f"import {users:,} users (JSON, batched): "
            f"{users / seconds:,.0f} users/s ({seconds:.1f} s)"
        )
        keyset = [users / await timed(lambda: read_keyset(directory)) for _ in range(repeats)]
        print(
            f"full read, keyset pages of 1000: {median(keyset):,.0f} users/s (median of {repeats})"
        )
        offset = [users / await timed(lambda: read_offset(directory)) for _ in range(repeats)]
        print(
            f"baseline full read, OFFSET pages: {median(offset):,.0f} users/s (median of {repeats})"
        )
        watermark = await touch_one_percent(directory, users)
        feed = [await timed(lambda: read_changes(directory, watermark)) for _ in range(repeats)]
        print(f"1% change feed ({users // 100:,} changes) in pages: {median(feed) * 1000:.1f} ms")
    async with fresh_directory(postgres) as directory:
        baseline_count = max(users // 10, 1)
        rate = await orm_row_by_row(directory.database, baseline_count)
        print(f"baseline ORM row-by-row insert ({baseline_count:,} users): {rate:,.0f} users/s")
    async with fresh_directory(postgres) as directory:
        seconds = await timed(lambda: directory.generate(users, max(users // 1000, 1), seed=2))
        print(
            f"generate {users:,} users + {users // 1000} groups: "
            f"{users / seconds:,.0f} users/s ({seconds:.1f} s)"
        )


async def bench_big(users: int, repeats: int, postgres: bool) -> None:
    async with fresh_directory(postgres) as directory:
        seconds = await timed(lambda: directory.generate(users, 0, seed=3))
        print(
            f"generate {users:,} users (no groups): "
            f"{users / seconds:,.0f} users/s ({seconds:.1f} s)"
        )
        watermark = await touch_one_percent(directory, 100_000)
        feed = [
            await timed(lambda: read_changes(directory, watermark)) for _ in range(max(repeats, 5))
        ]
        print(
            f"read 1,000 changes after a watermark, {users:,} users: "
            f"{median(feed) * 1000:.1f} ms (median)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000, help="0 skips the big directory")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    print(f"backend: {'postgresql' if args.postgres else 'sqlite'}")
    asyncio.run(bench_main(args.users, args.repeats, args.postgres))
    if args.big:
        asyncio.run(bench_big(args.big, args.repeats, args.postgres))


if __name__ == "__main__":
    main()
