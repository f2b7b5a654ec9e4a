"""The queue of a PostgreSQL store: cycles queued once per app, listed with their app.

Workers taking jobs up are tested with real processes in tests/e2e/test_workers.py.
"""

from __future__ import annotations

import pytest

from scimitar.apps import Apps
from scimitar.audit import Actor
from scimitar.errors import ConfigError
from scimitar.jobs.dispatch import enqueue_cycle
from scimitar.jobs.listing import list_jobs, live_workers, queue_exists
from scimitar.jobs.queue import conninfo, has_queue, open_queue
from scimitar.settings import Settings
from scimitar.store import Database


async def test_a_cycle_is_queued_once_per_app_and_listed_with_its_app(
    database: Database, settings: Settings
) -> None:
    url = settings.resolved_database_url
    if not has_queue(url):
        assert not await queue_exists(database)
        assert await list_jobs(database) == []
        return
    apps = Apps.create(database, settings)
    first = await apps.apps.add("scim", "First", actor=Actor.cli("tests"))
    second = await apps.apps.add("scim", "Second", actor=Actor.cli("tests"))
    async with open_queue(url, pool_size=1) as queue:
        queued = await enqueue_cycle(queue, first.id, initial=True)
        again = await enqueue_cycle(queue, first.id)
        other = await enqueue_cycle(queue, second.id)

    assert (again.job_id, again.was_waiting) == (queued.job_id, True)
    assert other.job_id != queued.job_id
    listed = {job.id: job for job in await list_jobs(database)}
    assert set(listed) == {queued.job_id, other.job_id}
    job = listed[queued.job_id]
    assert (job.status, job.app_name, job.worker, job.task) == (
        "queued",
        "First",
        None,
        "scimitar.cycle",
    )
    assert job.args["initial"] is True
    assert job.age_seconds is not None
    assert job.age_seconds >= 0
    assert await live_workers(database) == 0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(
            "postgresql+asyncpg://scim:s3cret@db.example:5433/prod",
            "postgresql://scim:s3cret@db.example:5433/prod",
            id="plain",
        ),
        pytest.param(
            "postgresql+asyncpg://scim@db/prod?ssl=require",
            "postgresql://scim@db/prod?sslmode=require",
            id="asyncpg-ssl",
        ),
    ],
)
def test_the_queue_connects_with_the_stores_url_in_libpq_form(url: str, expected: str) -> None:
    assert conninfo(url) == expected


def test_a_sqlite_store_has_no_queue() -> None:
    with pytest.raises(ConfigError, match="PostgreSQL"):
        conninfo("sqlite+aiosqlite:////tmp/x.sqlite3")
