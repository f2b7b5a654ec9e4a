"""Provision on demand end to end (issue #7, docs/entra.md §3.8): ``scimitar app provision`` over a
socket.

A real ``scimitar serve`` holds the directory, the apps and the embedded Webex target; the
command runs in this process (:mod:`tests.e2e.commands`) and talks to the target over HTTP.
What it did is read back from the target as its admin would, and from ``scimitar logs``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from typer.testing import CliRunner

from scimitar.cli.main import app as scimitar_cli
from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server
from tests.e2e.target_view import TargetView, version
from tests.e2e.test_engine_lifecycle import World

DIALECTS = ["rfc", "entra"]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("dialect", DIALECTS, ids=DIALECTS),
]


@dataclass
class Provision:
    """What ``scimitar app provision`` printed and how it exited."""

    exit_code: int
    trace: dict[str, Any] | None
    stderr: str

    def steps(self, index: int = 0) -> dict[str, dict[str, Any]]:
        """The steps of the trace's ``index``-th object, by name."""
        assert self.trace is not None
        return {s["name"]: s for s in self.trace["objects"][index]["steps"]}


def provision(server: Server, *args: str) -> Provision:
    """Run ``scimitar app provision ARGS --json`` in this process."""
    env: dict[str, str | None] = {
        "SCIMITAR_DATA_DIR": server.env["SCIMITAR_DATA_DIR"],
        "SCIMITAR_DATABASE_URL": None,
    }
    result = CliRunner().invoke(scimitar_cli, ["app", "provision", *args, "--json"], env=env)
    trace = json.loads(result.stdout) if result.stdout.strip() else None
    return Provision(result.exit_code, trace, result.stderr)


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
    return world.setup()


def test_new_user_is_created_and_logged_on_demand(world: World, webex: TargetView) -> None:
    ada = world.user("ada", "surname=Lovelace")

    done = provision(world.server, world.app, "--user", ada)

    assert done.exit_code == 0, done.stderr
    assert done.trace is not None
    assert (done.trace["result"], done.trace["testConnection"]) == ("success", None)
    created = webex.user(ada)
    assert created["name"] == {"givenName": "Ada", "familyName": "Lovelace"}
    steps = done.steps()
    assert list(steps) == ["import", "scope", "match", "action"]
    assert steps["import"]["details"]["values"]["userPrincipalName"] == ada
    assert steps["scope"]["details"]["assignments"] == ["User"]
    assert [a["found"] for a in steps["match"]["details"]["attempts"]] == [[]]
    action = steps["action"]["details"]
    assert action["action"] == "create"
    assert [(r["method"], r["answer"]) for r in action["requests"]] == [
        ("POST", {"id": created["id"]})
    ]
    assert {"displayName": "userName", "oldValue": None, "newValue": ada} in action[
        "modifiedProperties"
    ]
    logged = world.scimitar("logs", world.app, "--cycle", done.trace["cycleId"])
    assert [r["id"] for r in logged] == [done.trace["record"]["id"]]
    assert logged[0]["initiatedBy"]["initiatorType"] == "user"
    assert logged[0]["targetIdentity"]["id"] == created["id"]


def test_same_user_again_sends_nothing(world: World, webex: TargetView) -> None:
    ada = world.user("ada")
    assert provision(world.server, world.app, "--user", ada).exit_code == 0
    before = version(webex.user(ada))

    again = provision(world.server, world.app, "--user", ada)

    assert again.exit_code == 0, again.stderr
    assert again.trace is not None
    assert again.trace["result"] == "skipped"
    steps = again.steps()
    assert steps["match"]["details"] == {"targetId": webex.user(ada)["id"], "linked": True}
    assert steps["action"]["details"]["requests"] == []
    assert steps["action"]["details"]["skipReason"] == "RedundantExport"
    assert version(webex.user(ada)) == before


def test_attribute_change_sends_only_the_change(world: World, webex: TargetView) -> None:
    ada = world.user("ada", "surname=Lovelace")
    world.sync()
    world.scimitar("directory", "user", "set", ada, "givenName=Augusta")

    done = provision(world.server, world.app, "--user", ada)

    assert done.exit_code == 0, done.stderr
    action = done.steps()["action"]["details"]
    assert action["action"] == "update"
    assert action["modifiedProperties"] == [
        {"displayName": "name.givenName", "oldValue": "Ada", "newValue": "Augusta"}
    ]
    assert [r["method"] for r in action["requests"]] == ["PATCH"]
    assert webex.user(ada)["name"] == {"givenName": "Augusta", "familyName": "Lovelace"}
    # The link moved on: the next cycle finds nothing left to send for her.
    cycle = world.sync()
    assert world.record(cycle, ada)["skipReason"] == "RedundantExport"


def test_out_of_scope_user_is_skipped_with_the_clause_that_failed(
    world: World, webex: TargetView
) -> None:
    world.scimitar("app", "scoping", world.app, "add", "department", "EQUALS", "Sales")
    sue = world.user("sue", "department=Support")

    done = provision(world.server, world.app, "--user", sue)

    assert done.exit_code == 0, done.stderr
    assert done.trace is not None
    assert done.trace["result"] == "skipped"
    scope = done.steps()["scope"]
    assert scope["status"] == "skipped"
    assert "fails the scoping filters" in scope["description"]
    [scoping] = scope["details"]["scopingFilters"]
    assert scoping["result"] is False
    assert scoping["clauses"] == [
        {
            "clause": 'department EQUALS "Sales"',
            "attribute": "department",
            "value": "Support",
            "result": False,
        }
    ]
    assert done.steps()["match"]["status"] == "skipped"
    assert webex.find("Users", "userName", sue) == []


def test_wrong_token_stops_at_test_connection(world: World, webex: TargetView) -> None:
    ada = world.user("ada")
    world.scimitar("target", "tenant", "rotate-token", f"t-{world.tag}")

    done = provision(world.server, world.app, "--user", ada)

    assert done.exit_code == 1
    assert done.trace is not None
    assert (done.trace["result"], done.trace["objects"]) == ("failure", [])
    step = done.trace["testConnection"]
    assert (step["name"], step["status"]) == ("testConnection", "failure")
    assert step["details"]["kind"] == "credentials"
    assert step["details"]["status"] == 401
    assert done.trace["details"]["errorCode"] == "TestConnectionFailed"
    assert world.scimitar("logs", world.app, "--cycle", done.trace["cycleId"]) == []


def test_group_with_its_members(world: World, webex: TargetView) -> None:
    members = [world.user(n, assign=False) for n in ("dora", "sam")]
    team = world.group("team", *members)
    world.scimitar("app", "assign", world.app, "--group", team, "--role", "User")

    done = provision(world.server, world.app, "--group", team)

    assert done.exit_code == 0, done.stderr
    assert done.trace is not None
    roles = [(o["objectType"], o["role"], o["result"]) for o in done.trace["objects"]]
    assert roles == [
        ("Group", "subject", "success"),
        ("User", "member", "success"),
        ("User", "member", "success"),
        ("Group", "membership", "success"),
    ]
    group = webex.group(team)
    assert webex.members(group) == {webex.user(m)["id"] for m in members}
    membership = done.trace["objects"][-1]["steps"][0]["details"]
    assert [r["method"] for r in membership["requests"]] == ["PATCH"]
    logged = world.scimitar("logs", world.app, "--cycle", done.trace["cycleId"])
    assert len(logged) == 4


def test_group_over_five_members_is_refused_until_five_are_chosen(
    world: World, webex: TargetView
) -> None:
    members = [world.user(f"m{i}", assign=False) for i in range(6)]
    team = world.group("big", *members)
    world.scimitar("app", "assign", world.app, "--group", team, "--role", "User")

    refused = provision(world.server, world.app, "--group", team)

    assert refused.exit_code == 1
    assert refused.trace is None
    assert "at most 5" in refused.stderr
    assert "--member" in refused.stderr
    assert members[5] in refused.stderr
    assert webex.find("Groups", "displayName", team) == []

    chosen = provision(
        world.server, world.app, "--group", team, "--member", members[0], "--member", members[1]
    )

    assert chosen.exit_code == 0, chosen.stderr
    assert webex.members(webex.group(team)) == {webex.user(m)["id"] for m in members[:2]}
    assert webex.find("Users", "userName", members[2]) == []
