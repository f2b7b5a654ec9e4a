"""The seed tutorial (Cisco Webex provisioning), clicked through in the portal step by step.

Against a real ``scimitar serve`` with its scheduler and the embedded Webex target; each step
leaves a screenshot in ``test-artifacts/portal/``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.portal.conftest import PASSWORD

pytestmark = pytest.mark.e2e


class Steps:
    """Numbered screenshots of the walk."""

    def __init__(self, page: Page, folder: Path, first: int = 1) -> None:
        self.page = page
        self.folder = folder
        self.number = first - 1

    def shot(self, name: str) -> None:
        self.number += 1
        self.page.screenshot(
            path=str(self.folder / f"{self.number:02d}-{name}.png"), full_page=True
        )


def _directory(server: Server) -> tuple[dict[str, Any], dict[str, Any]]:
    """A directory of 40 users and 5 groups; returns an enabled user and a small group."""
    server.cli("directory", "generate", "--users", "40", "--groups", "5", "--seed", "7")
    users = server.cli_json("directory", "user", "list")
    groups = server.cli_json("directory", "group", "list")
    small = min((g for g in groups if len(g["members"]) >= 2), key=lambda g: len(g["members"]))
    members = {m["objectId"] for m in small["members"]}
    user = next(
        u for u in users if u.get("accountEnabled") is not False and u["objectId"] not in members
    )
    return user, small


def test_seed_tutorial_in_the_portal(
    portal_page: Page, portal_server: Server, artifacts: Path
) -> None:
    page = portal_page
    server = portal_server
    steps = Steps(page, artifacts)
    user, group = _directory(server)
    tenant = server.tenant("portal-webex")
    tenant_url, token = tenant["tenant_urls"][0], tenant["token"]
    page.set_default_timeout(15_000)

    # Sign in with the admin password.
    page.goto(f"{server.url}/portal/apps")
    expect(page).to_have_url(re.compile(r"/portal/signin\?next="))
    page.get_by_label("Admin password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    page.get_by_label("Admin password", exact=True).fill(PASSWORD)
    steps.shot("sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enterprise applications")).to_be_visible()

    # Add Cisco Webex from the gallery: New application, search, Add.
    page.get_by_role("link", name="New application", exact=True).click()
    page.get_by_label("Search application").fill("Cisco Webex")
    expect(page.get_by_role("heading", name="Slack")).to_have_count(0)  # htmx narrowed the list
    steps.shot("gallery-search")
    page.get_by_role("button", name="Add Cisco Webex").click()
    expect(page.get_by_role("status")).to_contain_text("Cisco Webex was added from the gallery")
    steps.shot("app-overview")

    # Assign a user and a group with the User role (Default Access is not provisioned).
    page.get_by_role("link", name="Users and groups", exact=True).click()
    page.get_by_label("User (user principal name or objectId)").fill(user["userPrincipalName"])
    page.get_by_label("Role").first.select_option("User")
    page.get_by_role("button", name="Assign user").click()
    expect(page.get_by_role("status")).to_contain_text(f"Assigned {user['userPrincipalName']}")
    page.get_by_label("Group (display name or objectId)").fill(group["objectId"])
    page.get_by_role("button", name="Assign group").click()
    expect(page.get_by_role("status")).to_contain_text(f"Assigned {group['displayName']}")
    expect(page.locator("tbody tr")).to_have_count(2)
    steps.shot("users-and-groups")

    # Provisioning: mode Automatic, Tenant URL and a wrong token, Test Connection fails.
    page.get_by_role("link", name="Provisioning", exact=True).click()
    expect(page.get_by_label("Provisioning Mode")).to_have_value("automatic")
    page.get_by_label("Tenant URL").fill(tenant_url)
    page.get_by_label("Secret Token").fill("scimtgt_wrong-token")
    page.get_by_role("button", name="Test Connection").click()
    result = page.locator("#test-result")
    expect(result).to_contain_text("Test Connection failed")
    steps.shot("test-connection-wrong-token")

    # The right token: Test Connection succeeds.
    page.get_by_label("Secret Token").fill(token)
    page.get_by_role("button", name="Test Connection").click()
    expect(result).to_contain_text("Test Connection succeeded")
    steps.shot("test-connection-ok")

    # Notification email and "send an email notification when a failure occurs"; Save.
    page.get_by_label("Notification Email").fill("provisioning-alerts@contoso.com")
    page.get_by_label("Send an email notification when a failure occurs").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved. Provisioning is Off")
    expect(page.get_by_label("Secret Token")).to_have_value("")  # write-only
    expect(page.get_by_label("Notification Email")).to_have_value("provisioning-alerts@contoso.com")
    steps.shot("credentials-saved")

    # Mappings: review the user mappings and the matching property.
    page.get_by_role("link", name="Synchronize Scimitar Users to Cisco Webex").click()
    expect(page.get_by_role("heading", name="Attribute Mappings")).to_be_visible()
    expect(page.locator("table").first).to_contain_text("userName")
    steps.shot("attribute-mappings")

    # Edit one mapping and test an expression live on the assigned user (htmx, not saved).
    page.get_by_role("link", name="Edit displayName").click()
    page.get_by_label("Mapping type").select_option("Expression")
    page.get_by_label("Source attribute, constant value or expression").fill(
        'Join(" / ", [displayName], [department])'
    )
    page.get_by_label("User (user principal name or objectId)").fill(user["userPrincipalName"])
    expected = f"{user['displayName']} / {user['department']}"
    expect(page.locator("#try-value")).to_have_text(expected)
    steps.shot("mapping-expression-test")
    page.get_by_role("link", name="Cancel").click()

    # A scoping filter: only users whose sign-in is allowed.
    page.get_by_label("Source attribute").fill("accountEnabled")
    page.get_by_label("Operator").select_option("IS TRUE")
    page.get_by_role("button", name="Add clause").click()
    expect(page.get_by_role("status")).to_contain_text("Added a clause to scoping filter")
    expect(page.locator("table").nth(1)).to_contain_text("accountEnabled")
    steps.shot("scoping-filter")

    # Settings: Provisioning Status On, Save.
    page.get_by_role("link", name="Provisioning", exact=True).click()
    page.get_by_label("On", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Provisioning is On")
    steps.shot("provisioning-on")

    # Current status: the scheduler runs the initial cycle; the panel refreshes until it ends.
    page.get_by_role("link", name="Current status").click()
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#last-cycle-status")).to_have_text("succeeded", timeout=90_000)
    created = int(page.locator('[data-count="create"]').inner_text())
    assert created >= 2, "the assigned user and group members were created"
    expect(page.locator("#linked-users")).not_to_have_text("0")
    steps.shot("initial-cycle-finished")

    # Provisioning logs: a create record of the assigned user, its details panel.
    page.get_by_role("link", name="View provisioning logs").first.click()
    page.get_by_label("Identity").fill(user["userPrincipalName"])
    page.get_by_role("button", name="Apply").click()
    page.locator("#log-table a").first.click()
    detail = page.locator("#log-detail")
    expect(detail).to_contain_text("Create User")
    expect(detail).to_contain_text("Steps")
    expect(detail).to_contain_text("Modified properties")
    steps.shot("log-record-details")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download JSON").click()
    records = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert records
    assert records[0]["sourceIdentity"]["id"] == user["objectId"]

    # Provision on demand: the user's given name changed; one click sends the update now.
    server.cli("directory", "user", "set", user["userPrincipalName"], "givenName=Augusta")
    page.get_by_role("link", name="Provision on demand", exact=True).click()
    page.get_by_label("User (UPN or objectId) or group (display name or objectId)").fill(
        user["userPrincipalName"]
    )
    page.get_by_role("button", name="Provision", exact=True).click()
    expect(page.locator("#ondemand-status")).to_have_text("success", timeout=30_000)
    result = page.locator("#ondemand-result")
    expect(result).to_contain_text("Determine if user is in scope")
    expect(result).to_contain_text("name.givenName")
    expect(result).to_contain_text("Augusta")
    steps.shot("provision-on-demand")


def test_the_keyboard_reaches_the_menu_and_the_content(
    portal_page: Page, portal_server: Server, artifacts: Path
) -> None:
    page = portal_page
    page.goto(f"{portal_server.url}/portal/signin")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="The admin password")).to_be_focused()
    page.get_by_label("Admin password", exact=True).focus()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Enterprise applications")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Skip to content" moves focus into the page
    focused = page.evaluate("document.activeElement.id")
    assert focused == "main"
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="+ New application")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Browse the Scimitar gallery")).to_be_visible()
    Steps(page, artifacts, first=90).shot("keyboard-gallery")
