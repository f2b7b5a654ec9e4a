"""The provisioning logs page at 1280 px: every column visible with the details panel open.

A laptop's 1280 px leaves the page about 830 px beside the navigation; the log table and the
details panel share it. Long identities (a UPN of 60 characters, a group's long name) must wrap
instead of pushing the Action and Status columns under the panel or off the screen.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Server
from tests.e2e.portal.conftest import PASSWORD

pytestmark = pytest.mark.e2e

WIDTH = 1280
LONG_UPN = "maximiliana.featherstonehaugh-cholmondeley.longname@subsidiary.contoso.com"


def test_log_columns_stay_visible_at_1280_px_with_the_details_open(
    chromium: Browser, portal_server: Server
) -> None:
    run = portal_server.cli_json  # a process each: Playwright holds this thread's event loop
    tenant = run("target", "tenant", "create", "layout-t", "--base-url", portal_server.url,
                 "--profile", "generic")  # fmt: skip
    run("app", "add", "scim", "--name", "Layout")
    run(
        "app", "credentials", "Layout", "--tenant-url", tenant["tenant_urls"][0],
        "--token", tenant["token"],
    )  # fmt: skip
    run("app", "settings", "Layout", "--scope", "all")
    run("app", "provisioning", "Layout", "on")
    run("directory", "user", "add", LONG_UPN, "givenName=Maximiliana", "surname=Cholmondeley")
    # This server runs its scheduler and real-time runs: wait for them to provision the user.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        last = run("app", "status", "Layout").get("lastCycle") or {}
        if last.get("status") == "succeeded" and last.get("counts", {}).get("create"):
            break
        time.sleep(1)
    else:
        pytest.fail("the app's first cycle did not succeed within 120 s")
    app_id = run("app", "show", "Layout")["app"]["id"]

    context = chromium.new_context(viewport={"width": WIDTH, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{portal_server.url}/portal/apps/{app_id}/logs")
        expect(page).to_have_url(re.compile(r"/portal/signin"))
        page.get_by_label("Admin password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_label("Identity").fill(LONG_UPN)
        page.get_by_role("button", name="Apply").click()
        page.locator("#log-table a").first.click()
        detail = page.locator("#log-detail")
        expect(detail).to_contain_text("Modified properties")

        panel = detail.bounding_box()
        assert panel is not None
        assert panel["x"] + panel["width"] <= WIDTH
        headers = page.locator("#log-table thead th")
        assert headers.count() == 4
        for cell in [
            *headers.all(),
            *page.locator("#log-table tbody tr").first.locator("td").all(),
        ]:
            box = cell.bounding_box()
            assert box is not None
            name = cell.inner_text()
            assert box["x"] >= 0, name
            assert box["x"] + box["width"] <= panel["x"] + 1, f"{name!r} runs under the details"
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= WIDTH, "the page scrolls sideways"
    finally:
        context.close()
