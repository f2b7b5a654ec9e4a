"""The portal's Jobs page: the queue of a PostgreSQL store; on SQLite, why there is none."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from scimitar.admin import AdminAuth
from scimitar.app import create_app
from scimitar.apps import Apps
from scimitar.audit import Actor
from scimitar.jobs.dispatch import enqueue_cycle
from scimitar.jobs.queue import has_queue, open_queue
from scimitar.portal.context import Portal
from scimitar.settings import Settings
from tests.integration.portal.conftest import PASSWORD, Browser


@pytest.fixture
async def browser(settings: Settings) -> AsyncIterator[Browser]:
    """A signed-in client of the portal on each store."""
    app = create_app(settings, include_target=False)
    async with app.router.lifespan_context(app):
        portal: Portal = app.routes[-1].app.state.portal  # type: ignore[attr-defined]
        await AdminAuth(portal.database).set_password(PASSWORD, actor=Actor.cli("tests"))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            signed = Browser(client, portal)
            await signed.sign_in()
            yield signed


async def test_the_jobs_page_lists_the_queue_or_says_there_is_none(
    browser: Browser, settings: Settings
) -> None:
    url = settings.resolved_database_url
    if has_queue(url):
        apps = Apps.create(browser.portal.database, settings)
        added = await apps.apps.add("scim", "Queued app", actor=Actor.cli("tests"))
        async with open_queue(url, pool_size=1) as queue:
            job = await enqueue_cycle(queue, added.id)

    page = await browser.client.get("/portal/jobs")

    assert page.status_code == 200
    assert '<a href="/portal/jobs" aria-current="page">Jobs</a>' in page.text
    if has_queue(url):
        assert f"<td>{job.job_id}</td>" in page.text
        assert f'<a href="/portal/apps/{added.id}">Queued app</a>' in page.text
        assert "<td>queued</td>" in page.text
    else:
        assert "there is no queue" in page.text
