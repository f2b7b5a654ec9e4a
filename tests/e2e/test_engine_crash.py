"""A cycle killed with SIGKILL at random points ends with the target as the directory says.

``scimitar app sync`` runs as a real process against a real ``scimitar serve`` whose tenant
answers slowly (``--latency-ms``), so a cycle takes a few seconds; it is killed after a random
delay several times, then run to completion. The app must then hold every in-scope user once,
with the right ``active``, the right group members and managers, and exactly one link per
target object (docs/architecture.md, "Resume points").
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server
from tests.e2e.target_view import TargetView

pytestmark = pytest.mark.e2e

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
KILLS = 4


@dataclass
class Expected:
    """What the app should hold, from the directory and the assignments."""

    scimitar: Scimitar
    assigned: list[str]
    upns: dict[str, str] = field(default_factory=dict)
    managers: dict[str, str | None] = field(default_factory=dict)
    ever_in_scope: set[str] = field(default_factory=set)
    hard_deleted: set[str] = field(default_factory=set)
    unresolved_managers: set[str] = field(default_factory=set)

    def read(self) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]], set[str]]:
        """Live users, assigned groups' direct members, and the users in scope now."""
        exported = self.scimitar("directory", "export")
        users = {u["objectId"]: u for u in exported["users"]}
        self.upns.update({oid: u["userPrincipalName"] for oid, u in users.items()})
        # The export hides references to soft-deleted users; the directory keeps them, so
        # remember managers as first seen (everyone live), and drop only hard-deleted ones.
        for oid, user in users.items():
            self.managers.setdefault(oid, user.get("manager"))
        groups = {
            g["displayName"]: [m for m in g["members"] if m in users]
            for g in exported["groups"]
            if g["displayName"] in self.assigned
        }
        in_scope = {m for members in groups.values() for m in members if users[m]["accountEnabled"]}
        self.ever_in_scope |= in_scope
        return users, groups, in_scope


@dataclass
class Crash:
    """An app (the generic SCIM template: it maps the manager) on its own slow tenant."""

    server: Server
    scimitar: Scimitar
    app: str
    tenant: str
    target: TargetView
    expected: Expected

    def latency(self, milliseconds: int) -> None:
        """Make every request to the tenant take this long."""
        self.scimitar("target", "tenant", "faults", self.tenant, "--latency-ms", str(milliseconds))


@pytest.fixture(scope="module")
def scimitar(server: Server) -> Scimitar:
    scimitar = Scimitar(server)
    scimitar("directory", "generate", "--users", "600", "--groups", "8", "--seed", "11")
    return scimitar


@pytest.fixture
def crash(server: Server, scimitar: Scimitar) -> Iterator[Crash]:
    tag = uuid.uuid4().hex[:8]
    tenant = scimitar(
        "target", "tenant", "create", f"crash-{tag}", "--base-url", server.url,
        "--profile", "generic",
    )  # fmt: skip
    app = f"Crash {tag}"
    scimitar("app", "add", "scim", "--name", app)
    scimitar(
        "app", "credentials", app, "--tenant-url", tenant["tenant_urls"][0],
        "--token", tenant["token"],
    )  # fmt: skip
    scimitar("app", "provisioning", app, "on")
    assigned = _assign_groups(scimitar, app, 150)
    view = TargetView(tenant)
    yield Crash(server, scimitar, app, tenant["name"], view, Expected(scimitar, assigned))
    view.close()


def _assign_groups(scimitar: Scimitar, app: str, members: int) -> list[str]:
    """Assign the smallest groups until they hold about ``members`` members."""
    groups = sorted(scimitar("directory", "export")["groups"], key=lambda g: len(g["members"]))
    names: list[str] = []
    for group in groups:
        if sum(len(g["members"]) for g in groups if g["displayName"] in names) >= members:
            break
        names.append(group["displayName"])
        scimitar("app", "assign", app, "--group", group["displayName"])
    return names


def _running_cycle(
    crash: Crash, process: subprocess.Popen[bytes], before: Any, limit: float
) -> str | None:
    """Wait until ``process`` has saved a page of its cycle (the cycle's id), or exited (None).

    ``before`` is the running cycle as the status showed it before the launch (a killed one
    stays "running"): the new process is at work once the stored cycle differs from it. Start-up
    takes anything from half a second to several on a busy machine, so the kill delays count
    from that moment, not from the launch.
    """
    deadline = time.monotonic() + limit
    while process.poll() is None and time.monotonic() < deadline:
        running = crash.scimitar("app", "status", crash.app)["runningCycle"]
        if running is not None and running != before:
            return str(running["id"])
        time.sleep(0.05)
    return None


def _sync_killed_then_finished(
    crash: Crash, rng: random.Random, delays: tuple[float, float]
) -> tuple[dict[str, Any], list[str]]:
    """Start ``app sync``, SIGKILL it a random delay into its cycle, KILLS times; then finish.

    Returns the finishing cycle's summary and the id of the cycle each kill interrupted.
    """
    interrupted: list[str] = []
    for _ in range(KILLS):
        before = crash.scimitar("app", "status", crash.app)["runningCycle"]
        process = subprocess.Popen(
            [sys.executable, "-m", "scimitar", "app", "sync", crash.app, "--json"],
            env=crash.server.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        cycle = _running_cycle(crash, process, before, 60.0)
        if cycle is not None:
            try:
                process.wait(timeout=rng.uniform(*delays))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.communicate()
                status = crash.scimitar("app", "status", crash.app)
                if status["runningCycle"] is not None:
                    interrupted.append(status["runningCycle"]["id"])
                    continue
                last = status["lastCycle"]  # killed after its cycle had ended
                return {"cycleId": last["id"], "kind": last["kind"], "status": last["status"]}, (
                    interrupted
                )
        stdout, stderr = process.communicate()
        assert process.returncode == 0, stderr.decode()
        return json.loads(stdout), interrupted
    return json.loads(crash.server.cli("app", "sync", crash.app, "--json").stdout), interrupted


def _assert_target_is_as_expected(crash: Crash) -> None:
    target, expected = crash.target, crash.expected
    _users, groups, in_scope = expected.read()
    held = target.users()
    names = Counter(u["userName"].lower() for u in held)
    assert [n for n, count in names.items() if count > 1] == []
    by_name = {u["userName"].lower(): u for u in held}
    left = expected.ever_in_scope - in_scope - expected.hard_deleted
    wanted = {expected.upns[u].lower(): True for u in in_scope}
    wanted |= {expected.upns[u].lower(): False for u in left}
    assert set(by_name) == set(wanted)
    wrong = {
        n: by_name[n]["active"] for n, active in wanted.items() if by_name[n]["active"] != active
    }
    assert wrong == {}

    def target_id(source_id: str) -> str:
        return str(by_name[expected.upns[source_id].lower()]["id"])

    held_groups = {g["displayName"]: g for g in target.groups()}
    assert set(held_groups) == set(groups)
    for name, members in groups.items():
        got = target.get("Groups", str(held_groups[name]["id"]))
        assert got is not None
        assert target.members(got) == {target_id(m) for m in members if m in in_scope}, name

    for source_id in in_scope:
        manager = expected.managers[source_id]
        held_manager = by_name[expected.upns[source_id].lower()].get(ENTERPRISE, {}).get("manager")
        if source_id in expected.unresolved_managers:
            assert held_manager is None, (source_id, manager)
        elif manager in in_scope:
            assert (held_manager or {}).get("value") == target_id(manager), source_id
        elif manager not in expected.ever_in_scope or manager in expected.hard_deleted:
            assert held_manager is None, (source_id, manager)

    status = crash.scimitar("app", "status", crash.app)
    assert status["runningCycle"] is None
    assert status["linked"] == {"User": len(held), "Group": len(held_groups)}


def _change_the_directory(scimitar: Scimitar, expected: Expected, rng: random.Random) -> None:
    users, groups, in_scope = expected.read()
    largest = max(groups, key=lambda g: len(groups[g]))
    others = {m for name, members in groups.items() if name != largest for m in members}
    only_there = sorted(m for m in groups[largest] if m in in_scope and m not in others)
    rest = sorted(in_scope - set(only_there[:10]))
    rng.shuffle(rest)
    outsiders = sorted(u for u in users if u not in expected.ever_in_scope)
    joiners = set(rng.sample(outsiders, 15))
    joining = [users[u]["userPrincipalName"] for u in sorted(joiners)]
    leaving = [users[u]["userPrincipalName"] for u in only_there[:10]]
    scimitar("directory", "group", "remove-member", largest, *leaving)
    scimitar("directory", "group", "add-member", largest, *joining)
    renamed, disabled, soft, hard = rest[:30], rest[30:40], rest[40:45], rest[45:50]
    # Spec §2.7: a manager who comes into scope after the user was provisioned is set when the
    # user itself changes, or on a restart; an unchanged user keeps no manager until then.
    expected.unresolved_managers = {
        u for u in in_scope if expected.managers.get(u) in joiners and u not in renamed
    }
    for source_id in renamed:
        scimitar("directory", "user", "set", source_id, f"givenName=Renamed{source_id[:6]}")
    for source_id in disabled:
        scimitar("directory", "user", "disable", source_id)
    for source_id in soft:
        scimitar("directory", "user", "delete", source_id)
    for source_id in hard:
        scimitar("directory", "user", "delete", source_id, "--hard")
    expected.hard_deleted |= set(hard)


def test_killed_initial_cycle_resumes_to_the_directorys_state(crash: Crash) -> None:
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    crash.latency(300)

    summary, interrupted = _sync_killed_then_finished(crash, rng, (0.4, 2.5))

    assert (summary["kind"], summary["status"]) == ("initial", "succeeded"), seed
    # One request a user, managers first: a cycle's first page is saved late, and the resumed
    # cycle often ends inside the next kill's delay, so a run may be killed only once.
    assert len(interrupted) >= 1, (seed, interrupted)
    assert set(interrupted) == {summary["cycleId"]}, seed
    crash.latency(0)
    _assert_target_is_as_expected(crash)


def test_killed_incremental_cycle_resumes_to_the_directorys_state(crash: Crash) -> None:
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    assert crash.scimitar("app", "sync", crash.app)["status"] == "succeeded"
    crash.expected.read()
    _change_the_directory(crash.scimitar, crash.expected, rng)
    crash.latency(250)

    summary, interrupted = _sync_killed_then_finished(crash, rng, (0.2, 1.5))

    assert (summary["kind"], summary["status"]) == ("incremental", "succeeded"), seed
    assert set(interrupted) <= {summary["cycleId"]}, seed
    crash.latency(0)
    _assert_target_is_as_expected(crash)

    restart = crash.scimitar("app", "sync", crash.app, "--initial")
    assert (restart["kind"], restart["status"]) == ("initial", "succeeded"), seed
    crash.expected.unresolved_managers.clear()
    _assert_target_is_as_expected(crash)
