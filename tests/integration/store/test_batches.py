"""Write units inside a batch (a Bulk request's): each succeeds or fails on its own."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from scimitar.store import Database
from scimitar.store.fastsql import INTEGRITY_ERRORS, SQLConnection

INSERT = "INSERT INTO batch_probe (id) VALUES (:id)"


class UnitFailedError(Exception):
    """Raised by a unit after its writes."""


@pytest.fixture
async def probe(database: Database) -> Database:
    async with database.write() as conn:
        await conn.execute(text("CREATE TABLE batch_probe (id INTEGER PRIMARY KEY)"))
    return database


async def stored(database: Database) -> list[int]:
    async with database.fast_read() as conn:
        rows = await conn.fetch_all("SELECT id FROM batch_probe ORDER BY id")
    return [int(row[0]) for row in rows]


async def insert(conn: SQLConnection, *ids: int) -> None:
    for value in ids:
        await conn.run(INSERT, {"id": value})


async def unit(
    database: Database, *ids: int, fails: bool = False, is_single_write: bool = False
) -> None:
    """One unit inserting ``ids``, then raising UnitFailedError if it ``fails``."""
    async with database.fast_write(is_single_write=is_single_write) as conn:
        await conn.fetch_all("SELECT id FROM batch_probe")
        await insert(conn, *ids)
        if fails:
            raise UnitFailedError


async def failing_batch(database: Database) -> None:
    async with database.fast_batch():
        await unit(database, 1)
        await unit(database, 2, fails=True, is_single_write=True)


async def single_unit_writing_twice(database: Database) -> None:
    async with database.fast_batch():
        await unit(database, 1)
        await unit(database, 2, 3, is_single_write=True)


async def test_a_failed_unit_leaves_nothing_and_the_others_commit(probe: Database) -> None:
    async with probe.fast_batch():
        await unit(probe, 1)
        with pytest.raises(UnitFailedError):
            await unit(probe, 2, 3, fails=True)
        await unit(probe, 4)
    assert await stored(probe) == [1, 4]


async def test_a_failed_unit_nested_in_another_rolls_back_alone(probe: Database) -> None:
    async with probe.fast_batch(), probe.fast_write() as outer:
        await insert(outer, 1)
        with pytest.raises(UnitFailedError):
            await unit(probe, 2, fails=True)
        await insert(outer, 3)
    assert await stored(probe) == [1, 3]


async def test_a_single_write_unit_whose_statement_fails_leaves_the_others(
    probe: Database,
) -> None:
    async with probe.fast_batch():
        await unit(probe, 1, is_single_write=True)
        with pytest.raises(INTEGRITY_ERRORS):
            await unit(probe, 1, is_single_write=True)
        await unit(probe, 2, is_single_write=True)
    assert await stored(probe) == [1, 2]


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
async def test_a_single_write_unit_failing_after_its_write_fails_the_batch(
    probe: Database,
) -> None:
    with pytest.raises(RuntimeError, match="failed after its write"):
        await failing_batch(probe)
    assert await stored(probe) == []


@pytest.mark.parametrize("settings", ["sqlite"], indirect=True)
async def test_a_single_write_unit_refuses_statements_after_its_write(probe: Database) -> None:
    with pytest.raises(RuntimeError, match="after its write"):
        await single_unit_writing_twice(probe)
    assert await stored(probe) == []
