"""``app settings --nested-groups flatten`` through the CLI, against a real ``scimitar serve``.

A Webex app is assigned a group that holds a nested group; with ``flatten`` the nested group's
users are provisioned as members of the app's group, and a user added two levels down reaches
the Webex tenant with the next ``app sync``.
"""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server
from tests.e2e.target_view import TargetView

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def scimitar(server: Server) -> Scimitar:
    return Scimitar(server)


def _sync(scimitar: Scimitar, app: str, kind: str) -> dict[str, int]:
    summary = scimitar("app", "sync", app)
    assert (summary["kind"], summary["status"]) == (kind, "succeeded"), summary
    assert summary["counts"].get("failure", 0) == 0, summary
    return dict(summary["counts"])


def test_flattened_nested_groups_reach_webex(scimitar: Scimitar, server: Server) -> None:
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
    assert (
        scimitar("app", "settings", app, "--nested-groups", "flatten")["settings"]["nested_groups"]
        == "flatten"
    )
    top, middle, bottom = (f"{name} {tag}" for name in ("Sales", "Sales EMEA", "Sales Paris"))
    people = {name: f"{name.split()[-2].lower()}.{tag}@contoso.com" for name in (top, middle)}
    for group in (top, middle, bottom):
        scimitar("directory", "group", "add", group)
    for group, upn in people.items():
        scimitar("directory", "user", "add", upn, "givenName=Sam")
        scimitar("directory", "group", "add-member", group, upn)
    scimitar("directory", "group", "add-member", top, middle)
    scimitar("directory", "group", "add-member", middle, bottom)
    scimitar("app", "assign", app, "--group", top, "--role", "User")
    target = TargetView(tenant)
    try:
        _sync(scimitar, app, "initial")
        held = target.group(top)
        assert target.members(held) == {target.user(upn)["id"] for upn in people.values()}

        newcomer = f"paris.{tag}@contoso.com"
        scimitar("directory", "user", "add", newcomer, "givenName=Paz")
        scimitar("directory", "group", "add-member", bottom, newcomer)
        counts = _sync(scimitar, app, "incremental")

        assert target.user(newcomer)["active"] is True
        expected = {target.user(upn)["id"] for upn in [*people.values(), newcomer]}
        assert target.members(target.group(top)) == expected
        assert counts.get("create") == 1
    finally:
        target.close()
