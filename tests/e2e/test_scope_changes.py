"""Group assignment changes reach the app in the next cycle, through the CLI (issue 14).

A real ``scimitar serve`` holds the directory, the app and the embedded Webex target. A group
assigned after the initial cycle is created in the app with its members by the next ``app
sync``; unassigned, it is removed from the app by the next one and its members are disabled.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server
from tests.e2e.target_view import TargetView

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def scimitar(server: Server) -> Scimitar:
    return Scimitar(server)


@pytest.fixture
def webex(scimitar: Scimitar, server: Server) -> Iterator[tuple[str, str, TargetView]]:
    """A Cisco Webex app on its own Webex tenant, provisioning on: (app, tag, target)."""
    tag = uuid.uuid4().hex[:8]
    tenant = scimitar(
        "target", "tenant", "create", f"t-{tag}", "--base-url", server.url, "--profile", "webex"
    )
    app = f"app-{tag}"
    scimitar("app", "add", "cisco-webex", "--name", app)
    scimitar(
        "app", "credentials", app, "--tenant-url", tenant["tenant_urls"][0],
        "--token", tenant["token"],
    )  # fmt: skip
    scimitar("app", "provisioning", app, "on")
    target = TargetView(tenant)
    yield app, tag, target
    target.close()


def _sync(scimitar: Scimitar, app: str, kind: str) -> dict[str, int]:
    summary = scimitar("app", "sync", app)
    assert (summary["kind"], summary["status"]) == (kind, "succeeded"), summary
    assert summary["counts"].get("failure", 0) == 0, summary
    return dict(summary["counts"])


def test_assigning_then_unassigning_a_group_reaches_the_app(
    scimitar: Scimitar, webex: tuple[str, str, TargetView]
) -> None:
    app, tag, target = webex
    ada = f"ada.{tag}@contoso.com"
    scimitar("directory", "user", "add", ada, "givenName=Ada")
    scimitar("app", "assign", app, "--user", ada, "--role", "User")
    group = f"Project Willow 2 {tag}"
    members = [f"willow{n}.{tag}@contoso.com" for n in range(6)]
    for upn in members:
        scimitar("directory", "user", "add", upn, "givenName=Willow")
    scimitar("directory", "group", "add", group)
    scimitar("directory", "group", "add-member", group, *members)
    _sync(scimitar, app, "initial")
    assert target.find("Groups", "displayName", group) == []

    scimitar("app", "assign", app, "--group", group, "--role", "User")
    counts = _sync(scimitar, app, "incremental")

    held = target.group(group)
    assert target.members(held) == {target.user(upn)["id"] for upn in members}
    assert counts.get("create") == 7  # six users and the group
    assert scimitar("app", "status", app)["linked"].get("Group") == 1

    scimitar("app", "unassign", app, "--group", group)
    counts = _sync(scimitar, app, "incremental")

    assert target.find("Groups", "displayName", group) == []
    assert {target.user(upn)["active"] for upn in members} == {False}
    assert target.user(ada)["active"] is True
    assert counts.get("delete") == 1
    assert scimitar("app", "status", app)["linked"].get("Group", 0) == 0


def test_a_direct_assignment_removed_under_a_default_access_group_disables_the_user(
    scimitar: Scimitar, webex: tuple[str, str, TargetView]
) -> None:
    """Webex provisions no user whose only role is Default Access (``excludeDefaultAccess``)."""
    app, tag, target = webex
    ada = f"ada.{tag}@contoso.com"
    scimitar("directory", "user", "add", ada, "givenName=Ada")
    group = f"Everyone {tag}"
    scimitar("directory", "group", "add", group)
    scimitar("directory", "group", "add-member", group, ada)
    scimitar("app", "assign", app, "--group", group)  # Default Access
    scimitar("app", "assign", app, "--user", ada, "--role", "User")
    _sync(scimitar, app, "initial")
    assert target.user(ada)["active"] is True

    scimitar("app", "unassign", app, "--user", ada)
    counts = _sync(scimitar, app, "incremental")

    assert target.user(ada)["active"] is False
    assert counts.get("disable") == 1
