"""``GET /api/v1/jobs`` on a SQLite store: no queue, no jobs (PostgreSQL: tests/e2e)."""

from __future__ import annotations

from tests.integration.api.conftest import API


async def test_a_sqlite_store_has_no_queue_and_no_jobs(api: API) -> None:
    assert await api.ok("GET", "/jobs") == {"hasQueue": False, "jobs": []}


async def test_the_number_of_recent_jobs_is_bounded(api: API) -> None:
    await api.problem("GET", "/jobs?recent=5001", 422)
