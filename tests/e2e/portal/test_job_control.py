"""Held deletions and restart in the portal, against ``scimitar serve`` without a scheduler."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.portal.conftest import PASSWORD, set_password
from tests.e2e.test_job_control import Job

pytestmark = pytest.mark.e2e


def _sign_in(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/portal/signin")
    page.get_by_label("Admin password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enterprise applications")).to_be_visible()


def test_held_deletions_are_allowed_then_the_job_restarts(
    portal_page: Page, server: Server, artifacts: Path
) -> None:
    page = portal_page
    # The CLI commands run their own event loop: off Playwright's thread.
    with ThreadPoolExecutor(1) as pool:
        job = pool.submit(Job, server).result()
        pool.submit(job.trip).result()
    assert len(job.target_users()) == 3  # two of four deletions held
    set_password(server)
    page.set_default_timeout(15_000)
    _sign_in(page, server)
    page.get_by_role("link", name=job.app, exact=True).click()
    page.get_by_role("navigation", name=job.app).get_by_role("link", name="Current status").click()
    expect(page.get_by_role("link", name="2 waiting for your decision")).to_be_visible()
    page.get_by_role("link", name="Job control", exact=True).click()
    held = page.locator("section", has_text="Held deletions").locator("tbody tr")
    expect(held).to_have_count(2)
    page.screenshot(path=str(artifacts / "80-held-deletions.png"), full_page=True)

    page.get_by_role("button", name="Allow the deletions").click()
    expect(page.get_by_role("status")).to_contain_text("Sending 2 held deletion(s)")
    deadline = time.monotonic() + 30
    while len(job.target_users()) != 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.target_users() == [job.users[4]]
    page.reload()
    expect(page.get_by_text("No deletions are held.")).to_be_visible()

    page.get_by_role("button", name="Pause provisioning").click()
    expect(page.get_by_role("status")).to_contain_text("paused")
    expect(page.locator(".facts .badge").first).to_have_text("Paused")
    page.get_by_role("button", name="Restart provisioning").click()
    expect(page.get_by_role("status")).to_contain_text("restarted")
    expect(page.get_by_role("status")).to_contain_text("initial cycle")
    page.screenshot(path=str(artifacts / "81-restarted.png"), full_page=True)
