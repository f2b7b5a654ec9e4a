"""``scimitar app plan``, ``drift`` and ``orphans`` against a real ``scimitar serve`` (issue 20).

The app is a Cisco Webex app on an embedded Webex tenant of the running server. Hand edits and
hand-made accounts are made directly in the tenant over its SCIM API, as an admin of the app
would make them.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

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


def _users(scimitar: Scimitar, tag: str, *names: str) -> list[str]:
    upns = []
    for name in names:
        upn = f"{name}.{tag}@contoso.com"
        scimitar("directory", "user", "add", upn, f"givenName={name.title()}", "department=Sales")
        upns.append(upn)
    return upns


def test_plan_shows_the_next_cycle_and_the_cycle_then_does_it(
    scimitar: Scimitar, server: Server, webex: tuple[str, str, TargetView]
) -> None:
    app, tag, target = webex
    ada, bob = _users(scimitar, tag, "ada", "bob")
    for upn in (ada, bob):
        scimitar("app", "assign", app, "--user", upn, "--role", "User")

    plan = scimitar("app", "plan", app)

    assert plan["kind"] == "initial"
    assert plan["counts"] == {"create": 2}
    assert {a["name"] for a in plan["actions"]} == {ada, bob}
    assert plan["requests"]["POST"] >= 1  # one Bulk request, or one POST a user
    assert target.users() == []
    status = scimitar("app", "status", app)
    assert status["lastCycle"] is None or status["lastCycle"].get("cycleId") is None, status

    table = server.cli("app", "plan", app)
    assert "create" in table.stdout
    assert ada in table.stdout
    assert "Nothing was written" in table.stdout
    rows = list(
        csv.DictReader(io.StringIO(server.cli("app", "plan", app, "--format", "csv").stdout))
    )
    assert {r["name"] for r in rows} == {ada, bob}
    assert {r["action"] for r in rows} == {"create"}

    summary = scimitar("app", "sync", app)
    assert summary["counts"] == {"create": 2}
    scimitar("directory", "user", "set", bob, "givenName=Robert")

    plan = scimitar("app", "plan", app, "--limit", "5")

    assert plan["kind"] == "incremental"
    [update] = plan["actions"]
    assert update["name"] == bob
    assert update["action"] == "update"
    assert any(c["old"] == "Bob" and c["new"] == "Robert" for c in update["changes"])
    assert target.user(bob)["name"]["givenName"] == "Bob"


def test_plan_after_a_mapping_change_shows_it_before_it_is_saved(
    scimitar: Scimitar, server: Server, webex: tuple[str, str, TargetView], tmp_path: Path
) -> None:
    app, tag, _target = webex
    ada, bob = _users(scimitar, tag, "ada", "bob")
    scimitar("directory", "user", "set", bob, "department=Legal")
    for upn in (ada, bob):
        scimitar("app", "assign", app, "--user", upn, "--role", "User")
    scimitar("app", "sync", app)
    saved = tmp_path / "saved.json"
    saved.write_text(server.cli("app", "config", "export", app).stdout, encoding="utf-8")
    scimitar("app", "scoping", app, "add", "department", "EQUALS", "Sales")
    proposed = tmp_path / "proposed.json"
    proposed.write_text(server.cli("app", "config", "export", app).stdout, encoding="utf-8")
    scimitar("app", "config", "import", app, str(saved))
    assert scimitar("app", "scoping", app, "show") == json.loads(
        server.cli("app", "scoping", app, "show", "--json").stdout
    )

    plan = scimitar("app", "plan", app, "--after-mapping-change", str(proposed))

    assert plan["kind"] == "initial"
    assert [(a["name"], a["action"]) for a in plan["actions"]] == [(bob, "disable")]
    assert "Sales" not in server.cli("app", "scoping", app, "show").stdout


def test_plan_errors_exit_non_zero(server: Server, webex: tuple[str, str, TargetView]) -> None:
    app, _tag, _target = webex
    missing = server.cli("app", "plan", "no-such-app", check=False)
    assert missing.returncode != 0
    assert "no-such-app" in missing.stderr
    bad_format = server.cli("app", "plan", app, "--format", "xml", check=False)
    assert bad_format.returncode != 0
    assert "--format" in bad_format.stderr
    absent = server.cli(
        "app", "plan", app, "--after-mapping-change", "/nonexistent.json", check=False
    )
    assert absent.returncode != 0
    assert "nonexistent.json" in absent.stderr


def test_drift_shows_hand_edits_and_fix_queues_the_corrections(
    scimitar: Scimitar, server: Server, webex: tuple[str, str, TargetView]
) -> None:
    app, tag, target = webex
    ada, bob = _users(scimitar, tag, "ada", "bob")
    for upn in (ada, bob):
        scimitar("app", "assign", app, "--user", upn, "--role", "User")
    scimitar("app", "sync", app)
    assert scimitar("app", "drift", app)["drifted"] == []
    ada_id = target.user(ada)["id"]
    target.patch_user(ada_id, [{"op": "replace", "path": "name.givenName", "value": "Mallory"}])

    found = scimitar("app", "drift", app)

    assert found["managed"] == 2
    [account] = found["drifted"]
    assert (account["name"], account["targetId"]) == (ada, ada_id)
    assert {"attribute": "name.givenName", "app": "Mallory", "mapped": "Ada"} in account[
        "attributes"
    ]
    assert scimitar("app", "plan", app)["actions"] == []  # a cycle alone never notices

    fixed = scimitar("app", "drift", app, "--fix")

    assert fixed["queued"] == 1
    assert target.user(ada)["name"]["givenName"] == "Mallory"  # queued, not sent
    assert [a["name"] for a in scimitar("app", "plan", app)["actions"]] == [ada]
    summary = scimitar("app", "sync", app)
    assert summary["counts"].get("update") == 1
    assert target.user(ada)["name"]["givenName"] == "Ada"
    assert scimitar("app", "drift", app)["drifted"] == []
    audit = server.cli("audit", "list", "--app", app).stdout
    assert "drift.fix" in audit


def test_orphans_are_listed_with_their_match_then_adopted_or_deleted(
    scimitar: Scimitar, server: Server, webex: tuple[str, str, TargetView]
) -> None:
    app, tag, target = webex
    ada, carol = _users(scimitar, tag, "ada", "carol")
    scimitar("app", "assign", app, "--user", ada, "--role", "User")
    scimitar("app", "sync", app)
    scimitar("app", "assign", app, "--user", carol, "--role", "User")
    made = target.create_user(carol, name={"givenName": "Carol"})
    stranger = target.create_user(f"mallory.{tag}@example.com", name={"givenName": "Mal"})

    listed = scimitar("app", "orphans", app)

    shown = {o["targetId"]: o for o in listed["orphans"]}
    assert set(shown) == {made["id"], stranger["id"]}
    assert shown[made["id"]]["match"]["name"] == carol
    assert shown[stranger["id"]]["match"] is None

    unconfirmed = server.cli("app", "orphans", app, "adopt", "--all", check=False)
    assert unconfirmed.returncode != 0
    assert "--yes" in unconfirmed.stderr
    wrong = server.cli("app", "orphans", app, "delete", "--id", made["id"], "--yes", check=False)
    assert wrong.returncode != 0
    assert "adopt it instead" in wrong.stderr
    unknown = server.cli("app", "orphans", app, "delete", "--id", "nope", "--yes", check=False)
    assert unknown.returncode != 0
    assert "nope" in unknown.stderr
    assert {u["id"] for u in target.users()} >= {made["id"], stranger["id"]}

    adopted = scimitar("app", "orphans", app, "adopt", "--all", "--yes")

    assert [(a["targetId"], a["status"]) for a in adopted] == [(made["id"], "success")]
    assert [o["targetId"] for o in scimitar("app", "orphans", app)["orphans"]] == [stranger["id"]]
    summary = scimitar("app", "sync", app)
    assert summary["counts"].get("create", 0) == 0  # carol's account was adopted, not made anew

    deleted = scimitar("app", "orphans", app, "delete", "--id", stranger["id"], "--yes")

    assert [(d["targetId"], d["status"]) for d in deleted] == [(stranger["id"], "success")]
    assert target.get("Users", stranger["id"]) is None
    assert scimitar("app", "orphans", app)["orphans"] == []
    audit = server.cli("audit", "list", "--app", app).stdout
    assert "orphan.adopt" in audit
    assert "orphan.delete" in audit
