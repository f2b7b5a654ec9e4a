"""Cycles against a faulty app, over real sockets: throttling, errors, latency, drops, a revoked
token, the app down and back. After the faults stop, the app holds exactly the directory.

A real ``scimitar serve`` holds the directory, the apps and the embedded target; faults are
switched on with ``scimitar target tenant faults`` as an operator would. Each test has its own
tenant, app and users; the checks read the target over HTTP, never the engine's tables.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from scimitar.apps import Apps, JobConfig
from scimitar.connector import AiohttpTransport, SCIMClient, TransportRequest, TransportResponse
from scimitar.connector.operations import TargetOperations
from scimitar.directory.store import SQLDirectory
from scimitar.engine.run.cycle import CycleRunner
from scimitar.engine.run.objects import TargetPort
from scimitar.engine.state.registry import JobRegistry
from scimitar.settings import Settings
from scimitar.store import open_database
from tests.conftest import free_port
from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server, _wait_until_up
from tests.e2e.target_view import TargetView

pytestmark = pytest.mark.e2e

#: Templates and the target profile each one talks to: Cisco Webex exports in Bulk and matches
#: by listing; the generic SCIM app sends one request per object and matches by filter.
TEMPLATES = {"webex": ("cisco-webex", "webex"), "scim": ("scim", "generic")}


# These tests revoke a token with a cycle's requests in flight, then go on from the same address
# with the same tenants; the wrong-token backoff would answer the next ones 429 for a while.
# It is tested on its own (tests/e2e/test_security.py, tests/integration/security/).
SERVER_ENV: dict[str, str] = {"SCIMITAR_AUTH_FREE_FAILURES": "100000"}


@dataclass
class Fleet:
    """One app on its own tenant, with a directory of users in assigned groups."""

    scimitar: Scimitar
    server: Server
    template: str
    profile: str
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    app: str = ""
    tenant: dict[str, Any] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    views: list[TargetView] = field(default_factory=list)

    def setup(self, base_url: str | None = None) -> None:
        """Tenant (at ``base_url``, default the server), app, credentials, provisioning on."""
        self.tenant = self.scimitar(
            "target", "tenant", "create", f"t-{self.tag}", "--base-url",
            base_url or self.server.url, "--profile", self.profile,
        )  # fmt: skip
        self.app = f"app-{self.tag}"
        self.scimitar("app", "add", self.template, "--name", self.app)
        self.credentials(self.tenant["token"])
        self.scimitar("app", "provisioning", self.app, "on")

    def credentials(self, token: str) -> None:
        """Give the app the tenant's URL and this token."""
        self.scimitar(
            "app", "credentials", self.app, "--tenant-url", self.tenant["tenant_urls"][0],
            "--token", token,
        )  # fmt: skip

    def directory(self, tmp_path: Path, users: int, groups: int = 3) -> None:
        """Import ``users`` users into ``groups`` groups (round robin) and assign the groups."""
        upns = [f"u{i:03d}.{self.tag}@contoso.com" for i in range(users)]
        names = [f"team {g} {self.tag}" for g in range(groups)]
        self.members = {name: upns[g::groups] for g, name in enumerate(names)}
        document = {
            "users": [
                {"userPrincipalName": upn, "givenName": f"U{i}", "surname": "Test"}
                for i, upn in enumerate(upns)
            ],
            "groups": [
                {"displayName": name, "securityEnabled": True, "members": members}
                for name, members in self.members.items()
            ],
        }
        path = tmp_path / f"directory-{self.tag}.json"
        path.write_text(json.dumps(document))
        self.scimitar("directory", "import", str(path), "--format", "json")
        for name in names:
            self.scimitar("app", "assign", self.app, "--group", name, "--role", "User")

    def faults(self, *options: str) -> None:
        """Set the tenant's faults (``--error-rate 0.2``...)."""
        self.scimitar("target", "tenant", "faults", self.tenant["id"], *options)

    def no_faults(self) -> None:
        """Turn every fault off."""
        self.faults(
            "--latency-ms", "0", "--rate-limit", "0", "--error-rate", "0", "--drop-rate", "0"
        )

    def sync(self, *options: str) -> dict[str, Any]:
        """Run a cycle; it must end (succeeded), whatever its object failures."""
        summary: dict[str, Any] = self.scimitar("app", "sync", self.app, *options)
        assert summary["status"] == "succeeded", summary
        return summary

    def view(self, token: str | None = None) -> TargetView:
        """The tenant as its admin sees it."""
        made = TargetView({**self.tenant, "token": token or self.tenant["token"]})
        self.views.append(made)
        return made

    def assert_target_is_the_directory(self, view: TargetView) -> None:
        """Every user and group once, with exactly its members: nothing lost or duplicated."""
        users = view.users()
        names = [u["userName"] for u in users]
        wanted = sorted(u for members in self.members.values() for u in members)
        assert sorted(names) == wanted
        by_id = {u["id"]: u["userName"] for u in users}
        groups = view.groups()
        assert sorted(g["displayName"] for g in groups) == sorted(self.members)
        for group in groups:
            full = view.get("Groups", group["id"])
            assert full is not None
            got = sorted(by_id[m["value"]] for m in full.get("members") or [])
            assert got == sorted(self.members[group["displayName"]]), group["displayName"]

    def converge(self) -> dict[str, Any]:
        """With faults off: an initial cycle retries what failed, then nothing is left to do."""
        self.no_faults()
        self.sync("--initial")
        settled = self.sync()
        assert settled["counts"].get("failure", 0) == 0, settled
        assert settled["counts"].get("create", 0) == 0, settled
        return settled


@pytest.fixture(scope="module")
def scimitar(server: Server) -> Scimitar:
    return Scimitar(server)


@pytest.fixture
def fleet(scimitar: Scimitar, server: Server, request: pytest.FixtureRequest) -> Iterator[Fleet]:
    template, profile = TEMPLATES[getattr(request, "param", "webex")]
    made = Fleet(scimitar, server, template, profile)
    yield made
    for view in made.views:
        view.close()


FAULTS = {
    "2pct-5xx": ("--error-rate", "0.02"),
    "20pct-5xx": ("--error-rate", "0.2"),
    "latency": ("--latency-ms", "120"),
    "drops": ("--drop-rate", "0.05"),
}


@pytest.mark.parametrize("fleet", list(TEMPLATES), indirect=True)
@pytest.mark.parametrize("fault", list(FAULTS))
def test_target_matches_the_directory_once_faults_stop(
    fleet: Fleet, fault: str, tmp_path: Path
) -> None:
    fleet.setup()
    fleet.directory(tmp_path, users=36)
    fleet.faults(*FAULTS[fault])

    faulty = fleet.sync()

    # The cycle went through: every object was either sent or failed on its own.
    assert faulty["counts"].get("create", 0) + faulty["counts"].get("failure", 0) >= 36
    fleet.converge()
    fleet.assert_target_is_the_directory(fleet.view())


@pytest.mark.parametrize("fleet", list(TEMPLATES), indirect=True)
def test_rate_limit_is_waited_out_without_a_single_failure(fleet: Fleet, tmp_path: Path) -> None:
    fleet.setup()
    fleet.directory(tmp_path, users=30)
    # 16 requests go out at once and the app takes 4 a second: most of the first burst is
    # answered 429 with Retry-After, and every one of them must be retried, none lost.
    fleet.faults("--rate-limit", "4")

    summary = fleet.sync()

    assert summary["counts"].get("failure", 0) == 0, summary
    assert summary["counts"].get("create", 0) == 33, summary
    fleet.no_faults()
    fleet.assert_target_is_the_directory(fleet.view())


@contextmanager
def target_process(server: Server, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``scimitar target serve`` on ``port`` over the server's store, stopped afterwards."""
    log = Path(server.env["SCIMITAR_DATA_DIR"]) / f"target-{port}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "scimitar", "target", "serve", "--port", str(port)],
            env=server.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}", process, log)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_app_down_for_a_while_then_back(fleet: Fleet, server: Server, tmp_path: Path) -> None:
    port = free_port()
    with target_process(server, port):
        fleet.setup(f"http://127.0.0.1:{port}")
        fleet.directory(tmp_path, users=24)
    # The app is down when the cycle starts; it comes back four seconds later.
    sync = subprocess.Popen(
        [sys.executable, "-m", "scimitar", "app", "sync", fleet.app, "--json"],
        env=server.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(4)
    with target_process(server, port):
        out, err = sync.communicate(timeout=300)
        assert sync.returncode == 0, err.decode()
        summary = json.loads(out)
        assert summary["status"] == "succeeded"
        # Requests refused while the app was down were retried: nothing failed.
        assert summary["counts"].get("failure", 0) == 0, summary
        fleet.assert_target_is_the_directory(fleet.view())


@pytest.mark.parametrize("fleet", ["scim"], indirect=True)
def test_token_revoked_mid_cycle_stops_it_and_the_next_cycle_converges(
    fleet: Fleet, server: Server, tmp_path: Path
) -> None:
    fleet.setup()
    fleet.directory(tmp_path, users=60)
    fleet.faults("--latency-ms", "400")
    sync = subprocess.Popen(
        [sys.executable, "-m", "scimitar", "app", "sync", fleet.app, "--json"],
        env=server.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    view = fleet.view()
    deadline = time.monotonic() + 120
    while not view.users() and time.monotonic() < deadline:
        time.sleep(0.2)
    rotated = fleet.scimitar("target", "tenant", "rotate-token", fleet.tenant["id"])

    _, err = sync.communicate(timeout=300)

    # The cycle stopped with a job failure naming the refused credentials, and the job is
    # quarantined at once for them (docs/entra.md §3.7).
    assert sync.returncode != 0
    assert "401" in err.decode(), err.decode()
    status = fleet.scimitar("app", "status", fleet.app)
    assert status["state"] == "quarantined", status
    assert status["quarantine"]["reason"] == "EncounteredQuarantineException", status
    assert "401" in status["quarantine"]["error"], status
    fleet.credentials(rotated["token"])
    fleet.no_faults()
    fleet.sync()
    settled = fleet.sync()
    assert settled["counts"].get("failure", 0) == 0, settled
    assert fleet.scimitar("app", "status", fleet.app)["quarantine"] is None
    fleet.assert_target_is_the_directory(fleet.view(rotated["token"]))


# -- what the engine does about a 404 or a 409 ------------------------------------------------


def _delete_in_target(view: TargetView, user_name: str) -> None:
    """Delete a user directly in the app, as its admin might."""
    found = view.user(user_name)
    response = view._client.delete(f"Users/{found['id']}")
    assert response.status_code == 204, response.text


def _user_record(fleet: Fleet, summary: dict[str, Any], upn: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = fleet.scimitar(
        "logs", fleet.app, "--cycle", summary["cycleId"], "--user", upn
    )
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("fleet", list(TEMPLATES), indirect=True)
def test_object_scimitar_created_is_recreated_when_gone(fleet: Fleet, tmp_path: Path) -> None:
    fleet.setup()
    fleet.directory(tmp_path, users=3, groups=1)
    fleet.sync()
    view = fleet.view()
    upn = fleet.members[next(iter(fleet.members))][0]
    _delete_in_target(view, upn)
    fleet.scimitar("directory", "user", "set", upn, "givenName=Back")

    cycle = fleet.sync()

    assert cycle["counts"].get("failure", 0) == 0, cycle
    assert view.user(upn)["name"]["givenName"] == "Back"
    record = _user_record(fleet, cycle, upn)
    assert (record["provisioningAction"], record["provisioningStatusInfo"]["status"]) == (
        "create",
        "success",
    )
    warnings = [s for s in record["provisioningSteps"] if s["status"] == "warning"]
    assert "no longer has" in warnings[0]["description"]
    assert warnings[0]["details"]["StatusCode"] == "404"


@pytest.mark.parametrize("fleet", list(TEMPLATES), indirect=True)
def test_adopted_object_that_is_gone_is_reported_not_recreated(
    fleet: Fleet, tmp_path: Path
) -> None:
    fleet.setup()
    view = fleet.view()
    upn = f"u000.{fleet.tag}@contoso.com"
    view.create_user(upn, active=True)
    fleet.directory(tmp_path, users=2, groups=1)
    adopted = fleet.sync()
    assert _user_record(fleet, adopted, upn)["provisioningAction"] == "update"
    _delete_in_target(view, upn)
    fleet.scimitar("directory", "user", "set", upn, "givenName=Back")

    cycle = fleet.sync()

    assert cycle["counts"].get("failure", 0) == 1, cycle
    assert view.find("Users", "userName", upn) == []
    record = _user_record(fleet, cycle, upn)
    error = record["provisioningStatusInfo"]["errorInformation"]
    assert error["errorCode"] == "InvalidAnchor"
    assert "did not create" in error["reason"]


class OtherWriterFirst:
    """The app over a real socket, except that someone else creates the first user first.

    Just before the engine's first create reaches the app, the same user is created there
    through another door, as a second provisioning tool or an admin might: the engine's
    create then meets a 409.
    """

    def __init__(self, inner: AiohttpTransport, view: TargetView) -> None:
        self._inner = inner
        self._view = view
        self.taken: str | None = None

    async def send(self, request: TransportRequest) -> TransportResponse:
        if request.method == "POST" and self.taken is None and request.body:
            body = json.loads(request.body)
            user = (body.get("Operations") or [{}])[0].get("data") or {}
            user_name = body.get("userName") or user.get("userName")
            if user_name:
                self.taken = str(user_name)
                await asyncio.to_thread(self._view.create_user, self.taken, active=True)
        return await self._inner.send(request)

    async def close(self) -> None:
        await self._inner.close()


async def _cycle_through(server: Server, app: str, transport: OtherWriterFirst) -> dict[str, Any]:
    """One cycle run in this process, its requests sent through ``transport``."""
    settings = Settings(data_dir=Path(server.env["SCIMITAR_DATA_DIR"]), database_url=None)
    database = await open_database(settings)
    apps = Apps.create(database, settings)

    @asynccontextmanager
    async def open_port(config: JobConfig) -> AsyncIterator[TargetPort]:
        credentials = await apps.provisioning.credentials(config.app.id)
        client = SCIMClient(credentials, transport)
        async with TargetOperations(client, config.connector_options()) as port:
            yield port

    try:
        runner = CycleRunner(database, apps, SQLDirectory(database), open_port, jobs=JobRegistry())
        return (await runner.run(app)).to_dict()
    finally:
        await database.dispose()


@pytest.mark.parametrize("fleet", list(TEMPLATES), indirect=True)
def test_conflict_on_create_is_looked_up_and_adopted(
    fleet: Fleet, server: Server, tmp_path: Path
) -> None:
    fleet.setup()
    fleet.directory(tmp_path, users=4, groups=1)
    view = fleet.view()

    async def run() -> tuple[dict[str, Any], str | None]:
        transport = OtherWriterFirst(AiohttpTransport.create(), view)
        return await _cycle_through(server, fleet.app, transport), transport.taken

    cycle, taken = asyncio.run(run())

    assert taken is not None
    assert cycle["counts"].get("failure", 0) == 0, cycle
    record = _user_record(fleet, cycle, taken)
    assert record["provisioningAction"] == "update"
    assert record["targetIdentity"]["id"] == view.user(taken)["id"]
    steps = [s for s in record["provisioningSteps"] if s["status"] == "warning"]
    assert steps[0]["details"]["StatusCode"] == "409"
    fleet.assert_target_is_the_directory(view)
