"""Mapping semantics end to end: the ``scimitar`` CLI against a real ``scimitar serve``.

- An account adopted through matching is updated, not created: mappings applied "only during
  object creation" and default values are not sent to it (a created account gets both).
- ``--skip-out-of-scope-deletions``: a user who leaves scope gets no request at all (not even
  the reference phase's manager update), and their reports keep them as manager.

Every check reads the target over HTTP, as the app's admin would, and compares ``meta.version``
(it changes on every write) to show that nothing was sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server
from tests.e2e.target_view import TargetView, version

pytestmark = pytest.mark.e2e

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


class Lab:
    """One ``scim`` app on its own generic tenant; names carry a tag unique to the test."""

    def __init__(self, scimitar: Scimitar, server: Server) -> None:
        self.scimitar = scimitar
        self.tag = uuid.uuid4().hex[:8]
        tenant = scimitar(
            "target", "tenant", "create", f"t-{self.tag}", "--base-url", server.url,
            "--profile", "generic",
        )  # fmt: skip
        self.app = f"lab-{self.tag}"
        scimitar("app", "add", "scim", "--name", self.app)
        scimitar(
            "app", "credentials", self.app, "--tenant-url", tenant["tenant_urls"][0],
            "--token", tenant["token"],
        )  # fmt: skip
        scimitar("app", "provisioning", self.app, "on")
        self.target = TargetView(tenant)

    def name(self, local: str) -> str:
        return f"{local}.{self.tag}@contoso.com"

    def user(self, local: str, *pairs: str) -> str:
        upn = self.name(local)
        self.scimitar("directory", "user", "add", upn, f"givenName={local.title()}", *pairs)
        self.scimitar("app", "assign", self.app, "--user", upn, "--role", "User")
        return upn

    def sync(self) -> dict[str, Any]:
        summary: dict[str, Any] = self.scimitar("app", "sync", self.app)
        assert summary["status"] == "succeeded", summary
        assert summary["counts"].get("failure", 0) == 0, summary
        return summary

    def record(self, summary: dict[str, Any], upn: str) -> dict[str, Any]:
        found: list[dict[str, Any]] = self.scimitar(
            "logs", self.app, "--cycle", summary["cycleId"], "--user", upn
        )
        assert len(found) == 1, found
        return found[0]


@pytest.fixture(scope="module")
def scimitar(server: Server) -> Scimitar:
    return Scimitar(server)


@pytest.fixture
def lab(scimitar: Scimitar, server: Server) -> Iterator[Lab]:
    made = Lab(scimitar, server)
    yield made
    made.target.close()


def test_an_adopted_account_gets_no_create_only_values_and_no_defaults(lab: Lab) -> None:
    lab.scimitar(
        "app", "mappings", lab.app, "set", "title", "--source", "jobTitle", "--apply", "create"
    )
    lab.scimitar(
        "app", "mappings", lab.app, "set", f"{ENTERPRISE}:department", "--default", "Unassigned"
    )
    existing = lab.target.create_user(lab.name("ada"), title="Countess")
    ada = lab.user("ada", "jobTitle=Analyst", "surname=Lovelace")
    grace = lab.user("grace", "jobTitle=Admiral")

    summary = lab.sync()

    adopted = lab.target.user(ada)
    assert adopted["id"] == existing["id"]
    assert adopted["title"] == "Countess"
    assert "department" not in (adopted.get(ENTERPRISE) or {})
    assert adopted["name"]["familyName"] == "Lovelace"
    record = lab.record(summary, ada)
    assert record["provisioningAction"] == "update"
    changed = {p["displayName"] for p in record["modifiedProperties"]}
    assert "title" not in changed
    assert f"{ENTERPRISE}:department" not in changed
    created = lab.target.user(grace)
    assert created["title"] == "Admiral"
    assert created[ENTERPRISE]["department"] == "Unassigned"


def test_skipping_out_of_scope_deletions_sends_nothing(lab: Lab) -> None:
    lab.scimitar("app", "settings", lab.app, "--skip-out-of-scope-deletions")
    boss = lab.user("boss")
    ada = lab.user("ada", f"manager={boss}")
    lab.user("grace", f"manager={boss}")
    lab.sync()
    before = {upn: lab.target.user(upn) for upn in (ada, boss, lab.name("grace"))}
    assert before[ada][ENTERPRISE]["manager"]["value"] == before[boss]["id"]

    lab.scimitar("app", "unassign", lab.app, "--user", ada)
    lab.scimitar("app", "unassign", lab.app, "--user", boss)
    summary = lab.sync()

    for upn, resource in before.items():
        after = lab.target.user(upn)
        assert version(after) == version(resource), upn
        assert after["active"] is True, upn
        assert after.get(ENTERPRISE) == resource.get(ENTERPRISE), upn
    assert lab.record(summary, ada)["skipReason"] == "SkipOutOfScopeDeletions"
    assert summary["counts"].get("update", 0) == 0
