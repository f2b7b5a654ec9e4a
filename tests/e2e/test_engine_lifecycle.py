"""The provisioning lifecycle end to end (issue #6): directory and assignments → cycles → target.

A real ``scimitar serve`` (on SQLite, scheduler off) holds the directory, the apps and the
embedded Webex target; every check reads the target over HTTP as the app's admin would, and the
provisioning log through ``scimitar logs``. Each scenario runs in both request dialects.

The ``scimitar`` commands run in this process (:mod:`tests.e2e.commands`): these scenarios make
a few hundred. The engine still talks to the target over a socket; ``test_engine_crash.py``
runs ``scimitar app sync`` as a real process (and kills it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server
from tests.e2e.target_view import TargetView, version

DIALECTS = ["rfc", "entra"]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("dialect", DIALECTS, ids=DIALECTS),
]

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@dataclass
class World:
    """One app on its own tenant, and a tag that makes this test's names unique."""

    scimitar: Scimitar
    server: Server
    dialect: str
    app: str = ""
    target: TargetView | None = None
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def setup(self, template: str = "cisco-webex", profile: str = "webex") -> TargetView:
        """Tenant, app, credentials, dialect, provisioning on; returns the tenant's view."""
        tenant = self.scimitar(
            "target", "tenant", "create", f"t-{self.tag}", "--base-url", self.server.url,
            "--profile", profile,
        )  # fmt: skip
        self.app = f"app-{self.tag}"
        self.scimitar("app", "add", template, "--name", self.app)
        self.scimitar(
            "app", "credentials", self.app, "--tenant-url", tenant["tenant_urls"][0],
            "--token", tenant["token"],
        )  # fmt: skip
        self.scimitar("app", "settings", self.app, "--dialect", self.dialect)
        self.scimitar("app", "provisioning", self.app, "on")
        self.target = TargetView(tenant)
        return self.target

    def name(self, local: str) -> str:
        """A userPrincipalName unique to this test."""
        return f"{local}.{self.tag}@contoso.com"

    def group(self, name: str, *members: str) -> str:
        """Add a directory group with direct members; returns its (unique) displayName."""
        display = f"{name} {self.tag}"
        self.scimitar("directory", "group", "add", display)
        if members:
            self.scimitar("directory", "group", "add-member", display, *members)
        return display

    def user(self, local: str, *pairs: str, assign: bool = True) -> str:
        """Add a directory user (and assign it with the User role); returns its UPN."""
        upn = self.name(local)
        self.scimitar("directory", "user", "add", upn, f"givenName={local.title()}", *pairs)
        if assign:
            self.scimitar("app", "assign", self.app, "--user", upn, "--role", "User")
        return upn

    def sync(self, *options: str, failures: int = 0) -> dict[str, Any]:
        """Run a cycle; it must succeed with ``failures`` failed objects."""
        summary: dict[str, Any] = self.scimitar("app", "sync", self.app, *options)
        assert summary["status"] == "succeeded", summary
        assert summary["counts"].get("failure", 0) == failures, summary
        return summary

    def records(self, summary: dict[str, Any], upn: str) -> list[dict[str, Any]]:
        """The cycle's log records of one user, oldest first."""
        found: list[dict[str, Any]] = self.scimitar(
            "logs", self.app, "--cycle", summary["cycleId"], "--user", upn
        )
        return found[::-1]

    def record(self, summary: dict[str, Any], upn: str) -> dict[str, Any]:
        """The cycle's one log record of a user."""
        found = self.records(summary, upn)
        assert len(found) == 1, [r["provisioningAction"] for r in found]
        return found[0]


@pytest.fixture(scope="module")
def scimitar(server: Server) -> Scimitar:
    return Scimitar(server)


@pytest.fixture
def world(scimitar: Scimitar, server: Server, dialect: str) -> Iterator[World]:
    made = World(scimitar, server, dialect)
    yield made
    if made.target is not None:
        made.target.close()


@pytest.fixture
def webex(world: World) -> TargetView:
    """The world set up with the Cisco Webex template on a Webex tenant."""
    return world.setup()


def test_assigned_user_is_created(world: World, webex: TargetView) -> None:
    ada = world.user("ada", "surname=Lovelace")
    bystander = world.user("eve", assign=False)

    cycle = world.sync()

    created = webex.user(ada)
    assert created["name"] == {"givenName": "Ada", "familyName": "Lovelace"}
    assert created["active"] is True
    assert created["externalId"] == world.scimitar("directory", "user", "show", ada)["objectId"]
    assert webex.find("Users", "userName", bystander) == []
    record = world.record(cycle, ada)
    assert (record["provisioningAction"], record["provisioningStatusInfo"]["status"]) == (
        "create",
        "success",
    )
    assert record["targetIdentity"]["id"] == created["id"]
    assert world.record(cycle, bystander)["skipReason"] == "NotEffectivelyEntitled"


def test_group_assignment_provisions_direct_members_only(world: World, webex: TargetView) -> None:
    direct = world.user("dora", assign=False)
    blocked = world.user("bert", "accountEnabled=false", assign=False)
    inner = world.user("ivan", assign=False)
    nested = world.group("nested", inner)
    team = world.group("team", direct, blocked, nested)
    world.scimitar("app", "assign", world.app, "--group", team, "--role", "User")

    world.sync()

    assert webex.find("Users", "userName", inner) == []
    assert webex.find("Users", "userName", blocked) == []
    assert webex.find("Groups", "displayName", nested) == []
    assert webex.members(webex.group(team)) == {webex.user(direct)["id"]}


def test_group_members_follow_the_directory(world: World, webex: TargetView) -> None:
    stays, leaves, joins = (world.user(n, assign=False) for n in ("sam", "lea", "jo"))
    team = world.group("crew", stays, leaves)
    world.scimitar("app", "assign", world.app, "--group", team, "--role", "User")
    world.sync()

    world.scimitar("directory", "group", "remove-member", team, leaves)
    world.scimitar("directory", "group", "add-member", team, joins)
    world.sync()

    assert webex.members(webex.group(team)) == {webex.user(stays)["id"], webex.user(joins)["id"]}
    assert webex.user(leaves)["active"] is False
    assert webex.user(joins)["active"] is True


def test_mapped_attribute_change_is_sent_alone(world: World, webex: TargetView) -> None:
    ada = world.user("ada", "surname=Lovelace")
    world.sync()

    world.scimitar("directory", "user", "set", ada, "givenName=Augusta")
    cycle = world.sync()

    assert webex.user(ada)["name"] == {"givenName": "Augusta", "familyName": "Lovelace"}
    record = world.record(cycle, ada)
    assert record["provisioningAction"] == "update"
    assert record["modifiedProperties"] == [
        {"displayName": "name.givenName", "oldValue": "Ada", "newValue": "Augusta"}
    ]


def test_unmapped_change_sends_nothing(world: World, webex: TargetView) -> None:
    ada = world.user("ada")
    world.sync()
    before = version(webex.user(ada))

    world.scimitar("directory", "user", "set", ada, "jobTitle=Countess")
    cycle = world.sync()

    assert version(webex.user(ada)) == before
    record = world.record(cycle, ada)
    assert (record["provisioningAction"], record["skipReason"]) == ("skip", "RedundantExport")


def _unassign(world: World, upn: str) -> None:
    world.scimitar("app", "unassign", world.app, "--user", upn)


def _reassign(world: World, upn: str) -> None:
    world.scimitar("app", "assign", world.app, "--user", upn, "--role", "User")


def _directory(*command: str) -> Callable[[World, str], None]:
    def run(world: World, upn: str) -> None:
        world.scimitar("directory", "user", *command, upn)

    return run


@pytest.mark.parametrize(
    ("leave", "come_back"),
    [
        (_unassign, _reassign),
        (_directory("disable"), _directory("enable")),
        (_directory("delete"), _directory("restore")),
    ],
    ids=["unassign-reassign", "disable-enable", "soft-delete-restore"],
)
def test_leaving_disables_and_coming_back_enables(
    world: World,
    webex: TargetView,
    leave: Callable[[World, str], None],
    come_back: Callable[[World, str], None],
) -> None:
    ada, bob = world.user("ada"), world.user("bob")
    world.sync()
    target_id = webex.user(ada)["id"]

    leave(world, ada)
    left = world.sync()
    assert webex.user(ada)["active"] is False
    assert webex.user(bob)["active"] is True
    assert world.record(left, ada)["provisioningAction"] == "disable"

    come_back(world, ada)
    back = world.sync()
    assert webex.user(ada)["active"] is True
    assert webex.user(ada)["id"] == target_id
    assert world.record(back, ada)["provisioningAction"] == "enable"


def test_hard_delete_removes_the_account(world: World, webex: TargetView) -> None:
    ada, bob = world.user("ada"), world.user("bob")
    world.sync()
    target_id = webex.user(ada)["id"]

    world.scimitar("directory", "user", "delete", ada, "--hard")
    cycle = world.sync()

    assert webex.get("Users", target_id) is None
    assert webex.user(bob)["active"] is True
    assert world.record(cycle, ada)["provisioningAction"] == "delete"


def test_manager_is_the_managers_target_id(world: World) -> None:
    target = world.setup(template="scim", profile="generic")
    boss, other_boss = world.user("boss"), world.user("olga")
    ada = world.user("ada", f"manager={boss}")
    world.sync()

    manager = target.user(ada)[ENTERPRISE]["manager"]
    assert manager["value"] == target.user(boss)["id"]

    world.scimitar("directory", "user", "set", ada, f"manager={other_boss}")
    world.sync()
    assert target.user(ada)[ENTERPRISE]["manager"]["value"] == target.user(other_boss)["id"]


def test_existing_target_account_is_adopted(world: World, webex: TargetView) -> None:
    ada = world.name("ada")
    existing = webex.create_user(ada, name={"givenName": "Old"}, active=True)
    world.user("ada", "surname=Lovelace")

    cycle = world.sync()

    adopted = webex.user(ada)
    assert adopted["id"] == existing["id"]
    assert adopted["name"] == {"givenName": "Ada", "familyName": "Lovelace"}
    record = world.record(cycle, ada)
    assert record["provisioningAction"] == "update"
    assert record["targetIdentity"]["id"] == existing["id"]

    world.scimitar("directory", "user", "disable", ada)
    world.sync()
    assert webex.user(ada)["active"] is False
    assert len(webex.find("Users", "userName", ada)) == 1


def test_two_matching_target_accounts_fail_as_duplicates(world: World, webex: TargetView) -> None:
    # userName is unique in the target, so match on a second, non-unique attribute too.
    world.scimitar(
        "app", "mappings", world.app, "set", "externalId", "--source", "department",
        "--matching", "2",
    )  # fmt: skip
    department = f"dept-{world.tag}"
    first = webex.create_user(world.name("twin1"), externalId=department)
    second = webex.create_user(world.name("twin2"), externalId=department)
    ada = world.user("ada", f"department={department}")

    cycle = world.sync(failures=1)

    assert webex.find("Users", "userName", ada) == []
    record = world.record(cycle, ada)
    assert record["provisioningStatusInfo"]["status"] == "failure"
    error = record["provisioningStatusInfo"]["errorInformation"]
    assert error["errorCode"] == "DuplicateTargetEntries"
    assert first["id"] in error["reason"]
    assert second["id"] in error["reason"]


def test_scoping_filter_change_disables_who_left(world: World, webex: TargetView) -> None:
    sales = world.user("sara", "department=Sales")
    support = world.user("sue", "department=Support")
    world.sync()

    world.scimitar("app", "scoping", world.app, "add", "department", "EQUALS", "Sales")
    cycle = world.sync()

    assert cycle["kind"] == "initial"
    assert webex.user(sales)["active"] is True
    assert webex.user(support)["active"] is False
    assert world.record(cycle, support)["provisioningAction"] == "disable"
    assert world.record(cycle, sales)["skipReason"] == "RedundantExport"
