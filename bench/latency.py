"""Real-time runs: how long a directory change takes to reach the app, against the cycle.

`scimitar serve` runs on SQLite with its scheduler (interval 60 minutes, so only real-time
runs move changes) and its embedded Webex target; one cisco-webex app provisions --users
users (each assigned) and --groups groups of 20 of them (assigned) into a tenant of it. The
bench changes the directory through the admin API of the same server, as a person or a script
would, and records when each write returned (after its commit). The app's matching write is
read at the target afterwards: each changed object's `meta.lastModified` (milliseconds), so
observing costs the server nothing while it works.

1. Latency: --changes changes at --rate per second, mixed: attribute edits, disables,
   assignment adds (a new user is created) and removes (the account is disabled), group
   membership adds; every object is changed once, so its `lastModified` is that change's.
2. Baseline, in the same run: real-time runs off, interval 1 minute (the shortest), --baseline
   attribute edits at --rate; the time until the scheduled cycle has applied each.
3. Sustained: --sustained-rate edits per second for --sustained-seconds (random users, repeats
   allowed); every user's last value must be at the target (nothing lost), the lag of each
   user's last change is reported; then a second app with the same assignments runs one
   initial cycle from scratch into a fresh tenant, and the two tenants must hold the same users
   (userName, active, names, displayName, emails) and groups (members).
4. Idle: the server's CPU over --idle-seconds with nothing happening.

Usage: python bench/latency.py [--users 10000] [--changes 1000] [--rate 20]
                               [--sustained-rate 200] [--sustained-seconds 60] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from target import _free_port, _wait  # noqa: E402

APP = "bench-app"
FRESH = "fresh-app"
GROUP_SIZE = 20
#: What :meth:`Site.api` returns when the server did not answer in time.
TIMED_OUT = object()
TICKS = os.sysconf("SC_CLK_TCK")
#: Issue 18's goals.
GOALS = {"p95": 2.0, "p99": 5.0, "idle_cpu": 1.0}


def _env(data: Path) -> dict[str, str]:
    env = {**os.environ, "SCIMITAR_DATA_DIR": str(data), "SCIMITAR_REALTIME_WINDOW_MS": "300"}
    env.pop("SCIMITAR_DATABASE_URL", None)
    return env


def _cli(data: Path, *args: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-m", "scimitar", *args, "--json"],
        env=_env(data),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _when(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@dataclass
class Change:
    kind: str
    object_type: str  # User or Group, as the target names it
    key: str  # userName or displayName
    committed: float = 0.0
    value: str | None = None


@dataclass
class Site:
    data: Path
    url: str
    key: str
    tenant: dict[str, Any]
    app_id: str = ""
    session: aiohttp.ClientSession | None = None
    failures: list[str] = field(default_factory=list)

    async def api(self, method: str, path: str, body: Any = None) -> Any:
        """One API call; a keep-alive connection the server closed meanwhile is retried (each
        change the bench makes is idempotent)."""
        for attempt in range(3):
            try:
                return await self._api(method, path, body)
            except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
                if attempt == 2:
                    raise
            except TimeoutError:  # an overloaded server: the change may or may not be in
                self.failures.append(f"{method} {path}: no answer in time")
                return TIMED_OUT
        return None

    async def _api(self, method: str, path: str, body: Any = None) -> Any:
        assert self.session is not None
        async with self.session.request(
            method,
            f"{self.url}/api/v1{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.key}"},
        ) as response:
            if response.status >= 400:
                self.failures.append(f"{method} {path}: {response.status} {await response.text()}")
                return None
            return await response.json()

    async def target(self, path: str, tenant: dict[str, Any] | None = None) -> list[Any]:
        """Every resource of a listing of the tenant, a page of 1,000 at a time."""
        assert self.session is not None
        tenant = tenant or self.tenant
        found: list[Any] = []
        start = 1
        while True:
            async with self.session.get(
                f"{tenant['tenant_urls'][0]}{path}",
                params={"startIndex": start, "count": 1000},
                headers={"Authorization": f"Bearer {tenant['token']}"},
            ) as response:
                page = await response.json()
            resources = page.get("Resources", [])
            found.extend(resources)
            start += len(resources)
            if not resources or start > int(page.get("totalResults", 0)):
                return found


# -- set-up: directory, app, server ---------------------------------------------------------


async def prepare(data: Path, args: argparse.Namespace, tenant: dict[str, Any]) -> dict[str, Any]:
    """Users, groups of 20 of them, the app with every user and group assigned."""
    from scimitar.apps import Apps
    from scimitar.audit import Actor
    from scimitar.directory.service import DirectoryService
    from scimitar.secrets import Secret
    from scimitar.settings import Settings
    from scimitar.store import open_database

    settings = Settings(data_dir=data, database_url=None)
    database = await open_database(settings)
    actor = Actor.cli("bench")
    try:
        directory = DirectoryService(database)
        # The generator makes some users disabled (out of scope): make enough enabled ones.
        await directory.generate(int((args.users + args.spare) * 1.1), 0, seed=7)
        users = await _enabled_users(directory)
        assigned = users[: args.users]
        spare = users[args.users : args.users + args.spare]
        apps = Apps.create(database, settings)
        app = await apps.apps.add("cisco-webex", APP, actor=actor)
        await apps.provisioning.set_credentials(
            app.id,
            tenant["tenant_urls"][0],
            Secret(tenant["token"]),
            allow_insecure_http=True,
            actor=actor,
        )
        for upn in assigned:
            await apps.assignments.assign(app.id, user=upn, role="User", actor=actor)
        rng = random.Random(11)
        grouped = rng.sample(assigned, args.groups * GROUP_SIZE)
        groups = []
        for index in range(args.groups):
            name = f"Bench team {index:03d}"
            await directory.groups.create({"displayName": name})
            members = grouped[index * GROUP_SIZE : (index + 1) * GROUP_SIZE]
            await directory.groups.add_members(name, members)
            await apps.assignments.assign(app.id, group=name, role="User", actor=actor)
            groups.append(name)
        config = await apps.provisioning.config(app.id)
        from dataclasses import replace

        await apps.provisioning.update_settings(
            app.id, replace(config.settings, interval_minutes=60), actor=actor
        )
        return {
            "app_id": app.id,
            "solo": [u for u in assigned if u not in set(grouped)],
            "grouped": grouped,
            "spare": spare,
            "groups": groups,
        }
    finally:
        await database.dispose()


async def _enabled_users(directory: Any) -> list[str]:
    users: list[str] = []
    cursor: str | None = None
    while True:
        page = await directory.source.read_users(cursor, 1000, include_deleted=False)
        users.extend(
            str(u.attributes["userPrincipalName"])
            for u in page.items
            if u.attributes.get("accountEnabled") is not False
        )
        if (cursor := page.cursor) is None:
            return users


def start_server(data: Path, port: int) -> subprocess.Popen[bytes]:
    log = (data / "serve.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "scimitar", "serve", "--port", str(port)],
        env=_env(data),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    _wait(f"http://127.0.0.1:{port}/healthz", process)
    return process


async def settled(site: Site, app_id: str, timeout: float, since: float = 0.0) -> bool:
    """Wait until the app has a finished run after ``since``, nothing pending or running."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline:
        status = await site.api("GET", f"/apps/{app_id}/status")
        if status is TIMED_OUT:  # the server is busy: ask again
            status = None
        applied = (status or {}).get("lastChangeApplied") or {}
        last = (status or {}).get("lastCycle") or {}
        ended = _when(last["endedAt"]) if last.get("endedAt") else 0.0
        is_quiet = (
            status is not None
            and status.get("runningCycle") is None
            and applied.get("pending", 1) == 0
            and ended > since
        )
        quiet = quiet + 1 if is_quiet else 0
        if quiet >= 3:
            return True
        await asyncio.sleep(1.0)
    return False


# -- changes ----------------------------------------------------------------------------------


def mixed_changes(people: dict[str, Any], count: int, rng: random.Random) -> list[Change]:
    solo = list(people["solo"])
    rng.shuffle(solo)
    spare, groups = list(people["spare"]), list(people["groups"])
    rng.shuffle(spare)
    rng.shuffle(groups)
    per = count // 20  # edits 8 parts; disables, adds, removes, memberships 3 parts each
    plan = ["edit"] * (8 * per) + ["disable", "assign", "unassign", "member"] * (3 * per)
    plan = plan[:count] + ["edit"] * max(0, count - len(plan))
    rng.shuffle(plan)
    changes: list[Change] = []
    for kind in plan:
        if kind == "assign":
            changes.append(Change(kind, "User", spare.pop()))
        elif kind == "member":
            changes.append(Change(kind, "Group", groups.pop(), value=solo.pop()))
        else:
            changes.append(Change(kind, "User", solo.pop()))
    return changes


async def apply(site: Site, change: Change) -> None:
    app = site.app_id
    if change.kind == "edit":
        change.value = change.value or f"J{uuid.uuid4().hex[:8]}"
        body = {"givenName": change.value}
        done = await site.api("PATCH", f"/directory/users/{change.key}", body)
    elif change.kind == "disable":
        done = await site.api("POST", f"/directory/users/{change.key}/disable")
    elif change.kind == "assign":
        body = {"user": change.key, "role": "User"}
        done = await site.api("POST", f"/apps/{app}/assignments", body)
    elif change.kind == "unassign":
        done = await site.api("DELETE", f"/apps/{app}/assignments?user={change.key}")
    else:
        done = await site.api(
            "POST", f"/directory/groups/{change.key}/members", {"members": [change.value]}
        )
    change.committed = time.time() if done is not None else 0.0
    if done is TIMED_OUT:
        change.committed = -1.0  # unknown: its object is left out of the figures


async def paced(
    site: Site, changes: list[Change], rate: float, seconds: float | None = None
) -> float:
    """Send the changes at ``rate`` a second (in flight when the server is slow); real rate.

    With ``seconds``, nothing more is sent after that long (a server slower than ``rate``
    leaves the rest unsent, and the rate achieved says so).
    """
    started = time.monotonic()
    sent = 0
    gate = asyncio.Semaphore(64)
    tasks = []
    for index, change in enumerate(changes):
        delay = started + index / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await gate.acquire()
        if seconds is not None and time.monotonic() - started > seconds:
            gate.release()
            break
        sent += 1

        async def one(item: Change = change) -> None:
            try:
                await apply(site, item)
            finally:
                gate.release()

        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    return sent / (time.monotonic() - started)


async def lags(site: Site, changes: list[Change]) -> tuple[list[float], int]:
    """Seconds from each change's commit to its object's last write at the target; missing."""
    users = {u["userName"]: u for u in await site.target("Users")}
    groups = {g["displayName"]: g for g in await site.target("Groups?excludedAttributes=members")}
    last: dict[tuple[str, str], Change] = {}
    unknown = {(c.object_type, c.key) for c in changes if c.committed < 0}
    for change in changes:
        if change.committed > 0 and (change.object_type, change.key) not in unknown:
            last[(change.object_type, change.key)] = change
    found: list[float] = []
    missing = 0
    for (object_type, key), change in last.items():
        resource = (users if object_type == "User" else groups).get(key)
        written = _when(resource["meta"]["lastModified"]) if resource else 0.0
        if written < change.committed - 0.002:  # older than the change: not applied
            missing += 1
            continue
        given = (resource or {}).get("name", {}).get("givenName")
        if change.kind == "edit" and given != change.value:  # a later value lost: not applied
            missing += 1
            continue
        found.append(max(0.0, written - change.committed))
    return found, missing


def quantiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "max": float("nan")}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": statistics.median(ordered), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1]}


# -- phases -----------------------------------------------------------------------------------


async def set_app(site: Site, app_id: str, **values: Any) -> None:
    await site.api("PATCH", f"/apps/{app_id}/settings", values)


async def phase(
    site: Site, changes: list[Change], rate: float, wait: float, seconds: float | None = None
) -> dict[str, Any]:
    before = time.time()
    achieved = await paced(site, changes, rate, seconds)
    is_settled = await settled(site, site.app_id, wait, since=before)
    found, missing = await lags(site, changes)
    return {
        "changes": len(changes),
        "rate": achieved,
        "settled": is_settled,
        "missing": missing,
        "sent": sum(1 for c in changes if c.committed > 0),
        "unanswered": sum(1 for c in changes if c.committed < 0),
        **quantiles(found),
    }


async def equal_to_fresh(site: Site, data: Path, fresh: dict[str, Any], server_pid: int) -> str:
    """A second app, same assignments, one initial cycle into a fresh tenant: same contents?"""
    made = await site.api("POST", "/apps", {"template": "cisco-webex", "name": FRESH})
    fresh_id = made["id"]
    with sqlite3.connect(data / "scimitar.sqlite3") as conn:  # the assignments, as they are
        conn.execute(
            "INSERT INTO app_assignment (app_id, principal_type, principal_id, role, created_at) "
            "SELECT ?, principal_type, principal_id, role, created_at FROM app_assignment "
            "WHERE app_id = ?",
            (fresh_id, site.app_id),
        )
    await site.api(
        "PUT",
        f"/apps/{fresh_id}/credentials",
        {
            "tenantUrl": fresh["tenant_urls"][0],
            "token": fresh["token"],
            "allowInsecureHttp": True,
        },
    )
    await set_app(site, fresh_id, realtime=False, interval_minutes=60)
    await site.api("PUT", f"/apps/{fresh_id}/provisioning", {"state": "on"})
    started = time.monotonic()
    if not await settled(site, fresh_id, 1800, since=time.time() - 1):
        return "the fresh app's initial cycle did not end"
    took = time.monotonic() - started
    ours = await _contents(site, site.tenant)
    theirs = await _contents(site, fresh)
    # Accounts that left scope stay, disabled (an initial cycle from scratch never made them).
    left = {k for k in set(ours) - set(theirs) if k[0] == "User" and ours[k]["active"] is False}
    kept = {k: v for k, v in ours.items() if k not in left}
    if kept != theirs:
        differ = [k for k in sorted(set(kept) | set(theirs)) if kept.get(k) != theirs.get(k)]
        for key in differ[:3]:
            print("differs:", key, "ours:", kept.get(key), "fresh:", theirs.get(key), flush=True)
        return f"DIFFERENT in {len(differ)} objects (initial cycle {took:.0f} s)"
    return (
        f"equal ({len(theirs):,} objects, plus {len(left)} disabled accounts that left scope; "
        f"initial cycle from scratch {took:.0f} s)"
    )


async def _contents(site: Site, tenant: dict[str, Any]) -> dict[str, Any]:
    kept = ("active", "name", "displayName", "emails")
    users = {
        ("User", u["userName"]): {k: u.get(k) for k in kept}
        for u in await site.target("Users", tenant)
    }
    names = {u["id"]: u["userName"] for u in await site.target("Users", tenant)}
    groups = {}
    for group in await site.target("Groups", tenant):
        members = group.get("members")
        if members is None:  # a listing without members: read the group
            assert site.session is not None
            async with site.session.get(
                f"{tenant['tenant_urls'][0]}Groups/{group['id']}",
                headers={"Authorization": f"Bearer {tenant['token']}"},
            ) as response:
                members = (await response.json()).get("members", [])
        groups[("Group", group["displayName"])] = sorted(
            names.get(m["value"], "?") for m in members
        )
    return {**users, **groups}


def idle_cpu(pid: int, seconds: float) -> float:
    before = _cpu_seconds(pid)
    time.sleep(seconds)
    return 100.0 * (_cpu_seconds(pid) - before) / seconds


async def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    data = work / "data"
    data.mkdir()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    tenant = _cli(
        data, "target", "tenant", "create", "rt", "--profile", "webex", "--base-url", base
    )
    fresh = _cli(
        data, "target", "tenant", "create", "fresh", "--profile", "webex", "--base-url", base
    )
    key = _cli(data, "admin", "key", "create", "bench")["key"]
    t0 = time.monotonic()
    people = await prepare(data, args, tenant)
    print(
        f"set-up: {args.users:,} users, {args.groups} groups in {time.monotonic() - t0:.0f} s",
        flush=True,
    )
    server = start_server(data, port)
    figures: dict[str, Any] = {}
    rng = random.Random(5)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
            site = Site(data, base, key, tenant, people["app_id"], session)
            started = time.time()
            await site.api("PUT", f"/apps/{site.app_id}/provisioning", {"state": "on"})
            assert await settled(site, site.app_id, 3600, since=started), "no initial cycle"
            figures["initial"] = time.time() - started
            print(f"initial cycle: {figures['initial']:.0f} s", flush=True)
            figures["idle_cpu"] = idle_cpu(server.pid, args.idle_seconds)
            if args.changes:
                mixed = mixed_changes(people, args.changes, rng)
                figures["realtime"] = await phase(site, mixed, args.rate, 600)
                print("real-time:", figures["realtime"], flush=True)
            if args.baseline:
                await set_app(site, site.app_id, realtime=False, interval_minutes=1)
                picked = rng.sample(people["grouped"], args.baseline)
                edits = [Change("edit", "User", u) for u in picked]
                figures["cycle"] = await phase(site, edits, args.rate, 600)
                print("scheduled cycle:", figures["cycle"], flush=True)
                await set_app(site, site.app_id, realtime=True, interval_minutes=60)
                await settled(site, site.app_id, 600)
            if args.sustained_seconds:
                count = int(args.sustained_rate * args.sustained_seconds)
                # Each user again only after every other one: never two edits of one user in
                # flight at once, whose commit order the bench could not tell.
                users = people["grouped"] + people["solo"][: args.users // 2]
                rng.shuffle(users)
                burst = [Change("edit", "User", users[i % len(users)]) for i in range(count)]
                figures["sustained"] = await phase(
                    site, burst, args.sustained_rate, 1800, seconds=args.sustained_seconds
                )
                print("sustained:", figures["sustained"], flush=True)
                figures["equal"] = await equal_to_fresh(site, data, fresh, server.pid)
            figures["failures"] = site.failures[:5]
    finally:
        server.terminate()
        server.wait(timeout=60)
    return figures


def report(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    def row(name: str, item: dict[str, Any]) -> str:
        return (
            f"| {name} | {item['sent']:,} at {item['rate']:.1f}/s | {item['p50']:.2f} | "
            f"{item['p95']:.2f} | {item['p99']:.2f} | {item['max']:.2f} | {item['missing']} |"
        )

    print(f"\n## bench/latency.py: {args.users:,} users, {args.groups} groups, cisco-webex\n")
    print("| path | changes | p50 s | p95 s | p99 s | max s | not applied |")
    print("|---|---|---|---|---|---|---|")
    for key, name in (
        ("realtime", "real-time runs (mixed)"),
        ("cycle", "scheduled cycle, 1-minute interval (baseline)"),
        ("sustained", "sustained, real-time runs (edits)"),
    ):
        if key in figures:
            print(row(name, figures[key]))
    if "realtime" in figures:
        realtime = figures["realtime"]
        goal_95 = "met" if realtime["p95"] <= GOALS["p95"] else "NOT met"
        goal_99 = "met" if realtime["p99"] <= GOALS["p99"] else "NOT met"
        print(f"\nGoals: p95 <= 2 s {goal_95}; p99 <= 5 s {goal_99}.")
    idle = "met" if figures["idle_cpu"] <= GOALS["idle_cpu"] else "NOT met"
    print(
        f"Idle: {figures['idle_cpu']:.2f}% of a core over {args.idle_seconds:.0f} s "
        f"(<= 1%: {idle})."
    )
    print(
        f"Initial cycle: {figures['initial']:.0f} s. Target after the sustained run: "
        f"{figures.get('equal', 'not run')}."
    )
    if figures["failures"]:
        print("API failures:", figures["failures"])
    print(f"Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--spare", type=int, default=300, help="unassigned users to assign")
    parser.add_argument("--groups", type=int, default=150)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--baseline", type=int, default=200)
    parser.add_argument("--sustained-rate", type=float, default=200.0)
    parser.add_argument("--sustained-seconds", type=float, default=60.0)
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true", help="1,000 users, 200 changes")
    args = parser.parse_args()
    if args.quick:
        args.users, args.spare, args.groups, args.changes, args.baseline = 1000, 100, 30, 200, 40
        args.sustained_seconds, args.idle_seconds = 10.0, 10.0
    work = Path(tempfile.mkdtemp(prefix="scimitar-latency-"))
    try:
        report(args, asyncio.run(run(args, work)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
