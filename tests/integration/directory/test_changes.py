"""The change feed: ordered, paged, and gap-free for a reader while writers run concurrently."""

from __future__ import annotations

import asyncio

import pytest

from scimitar.clock import utcnow
from scimitar.directory.changes import PendingChange, current_sequence, record_changes
from scimitar.directory.model import ObjectType
from scimitar.directory.service import DirectoryService
from scimitar.directory.source import ChangeKind
from scimitar.errors import ConfigError
from scimitar.store import Database


@pytest.fixture
def directory(database: Database) -> DirectoryService:
    return DirectoryService(database)


async def _walk(directory: DirectoryService, watermark: str | None, limit: int) -> list[int]:
    seqs: list[int] = []
    while True:
        page = await directory.source.read_changes(watermark, limit)
        seqs.extend(change.seq for change in page.changes)
        watermark = page.watermark
        if not page.has_more:
            return seqs


async def test_pages_follow_the_watermark(directory: DirectoryService) -> None:
    for index in range(7):
        await directory.users.create({"userPrincipalName": f"u{index}@contoso.com"})
    first = await directory.source.read_changes(None, 3)
    assert [c.seq for c in first.changes] == [1, 2, 3]
    assert (first.watermark, first.has_more) == ("3", True)
    assert await _walk(directory, first.watermark, 3) == [4, 5, 6, 7]
    last = await directory.source.read_changes("7", 3)
    assert (last.changes, last.watermark, last.has_more) == ((), "7", False)
    assert await directory.source.current_watermark() == "7"


async def test_a_bad_watermark_is_refused(directory: DirectoryService) -> None:
    with pytest.raises(ConfigError, match="watermark"):
        await directory.source.read_changes("yesterday", 10)


async def test_concurrent_writers_lose_and_repeat_nothing(directory: DirectoryService) -> None:
    users = [
        await directory.users.create({"userPrincipalName": f"u{i}@contoso.com"}) for i in range(8)
    ]
    seen: list[int] = []
    watermark = await directory.source.current_watermark()

    async def write(index: int) -> None:
        for step in range(10):
            await directory.users.update(users[index].object_id, {"jobTitle": f"T{step}"})

    async def read_while_writing(writers: asyncio.Future[list[None]]) -> None:
        nonlocal watermark
        while not writers.done():
            page = await directory.source.read_changes(watermark, 7)
            seen.extend(change.seq for change in page.changes)
            watermark = page.watermark
            await asyncio.sleep(0)

    writers = asyncio.gather(*(write(index) for index in range(8)))
    await asyncio.gather(writers, read_while_writing(writers))
    seen.extend(await _walk(directory, watermark, 50))
    assert seen == list(range(9, 89))


async def _hold_open_transaction(
    database: Database, started: asyncio.Event, release: asyncio.Event
) -> None:
    async with database.write() as conn:
        change = PendingChange(
            ChangeKind.CREATED, ObjectType.USER, "00000000-0000-4000-8000-000000000001"
        )
        await record_changes(conn, [change], utcnow())
        started.set()
        await release.wait()


@pytest.mark.postgres
@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
async def test_reader_never_sees_past_an_open_transaction(
    database: Database, directory: DirectoryService
) -> None:
    """The classic sequence gap: B must not become visible while A, numbered first, is open."""
    started, release = asyncio.Event(), asyncio.Event()
    holder = asyncio.create_task(_hold_open_transaction(database, started, release))
    await started.wait()
    later = asyncio.create_task(directory.users.create({"userPrincipalName": "b@contoso.com"}))
    await asyncio.sleep(0.3)
    assert not later.done()
    assert (await directory.source.read_changes(None, 10)).changes == ()
    release.set()
    await asyncio.gather(holder, later)
    async with database.read() as conn:
        assert await current_sequence(conn) == 2
    assert [c.seq for c in (await directory.source.read_changes(None, 10)).changes] == [1, 2]
