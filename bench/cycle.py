"""Sync cycles into the embedded target, against an Entra-style client in the same run.

A generated directory (--users users, --groups groups, every user in scope with `--scope all`)
is provisioned by an app of --template (cisco-webex: Bulk, matching by listing; scim: the
generic path, one request per change) into a tenant of --profile (webex or generic; the
template's own by default) of `scimitar target serve`, which runs as its own process with its
own data dir. Each cycle runs in a child process (this
script with --child), which builds the runner as `scimitar app sync` does and reports the wall
time of `runner.run()`, the end of the users phase and its own peak RSS; the parent also reads
the child's rusage through wait4 (CPU) and the target's CPU time from /proc. The child counts
the requests it sends at its transport, by method, and the requests per created user are
printed. The child's peak RSS is its own VmHWM (/proc/self/status): getrusage's ru_maxrss
survives fork and exec on Linux, so a child started by this (large) parent would report the
parent's RSS at the fork instead.

Cycles: the initial one (users, then groups and their members), then --repeats incremental
cycles after --changes users had `givenName` and `displayName` changed (a PATCH each), and
--repeats incremental cycles with no change (medians reported).

Baseline, run first into a second, fresh tenant of the same target process: the same users
provisioned the way Entra does it, by a plain aiohttp client with 32 users in flight, each a
`GET /Users?filter=userName eq "..."` then a `POST /Users` with the template's mapping's body.

Usage: python bench/cycle.py [--users 100000] [--groups 1000] [--changes 1000] [--repeats 3]
                             [--template cisco-webex|scim] [--profile webex|generic]
                             [--py-spy FILE]   (py-spy raw profile of the initial cycle)
                             [--py-spy-changes FILE] [--py-spy-target-changes FILE]
                                               (the first cycle with changes, engine / target)
                             [--postgres]      (engine and target each on a throw-away
                                               PostgreSQL database instead of SQLite)
                             [--skip-baseline] (no baseline: the incremental cycles alone)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from scimitar import runtime
from scimitar.apps import Apps, Scope
from scimitar.apps.provisioning import INTERACTIVE_TIMEOUTS
from scimitar.audit import Actor
from scimitar.connector.transport import AiohttpTransport, TransportRequest, TransportResponse
from scimitar.directory.errors import ImportRejectedError
from scimitar.directory.model import User
from scimitar.directory.service import DirectoryService
from scimitar.engine.run.cycle import Progress
from scimitar.engine.run.service import build_runner
from scimitar.engine.state.registry import JobRegistry
from scimitar.runtime import tune_gc
from scimitar.secrets import Secret
from scimitar.settings import Settings
from scimitar.store import open_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from target import _free_port, _wait  # noqa: E402

#: Who the audit log names for the bench's own set-up of the app.
ACTOR = Actor.cli("bench")

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
APP = "bench-app"
#: The target profile each template's app is built for.
PROFILES = {"cisco-webex": "webex", "scim": "generic"}
#: Issue 6's goals for the Webex path (users phase against the baseline), issue 16's for the
#: generic path (the whole initial cycle against the baseline, requests per created user).
GOALS: dict[str, dict[str, float]] = {
    "cisco-webex": {"initial": 60.0, "changes": 3.0, "none": 0.5, "rss": 300.0, "ratio": 5.0},
    "scim": {
        "initial": 120.0,
        "changes": 3.0,
        "none": 0.5,
        "rss": 300.0,
        "whole_ratio": 1.5,
        "requests": 1.1,
    },
}
TICKS = os.sysconf("SC_CLK_TCK")
#: py-spy samples per second (BENCH_PROFILE_RATE overrides; more samples, more overhead).
PROFILE_RATE = os.environ.get("BENCH_PROFILE_RATE", "250")
#: BENCH_PROFILE_IDLE=1 samples idle threads too (where a cycle waits, not only where it works).
PROFILE_IDLE = ["--idle"] if os.environ.get("BENCH_PROFILE_IDLE") == "1" else []


# -- the child: one cycle, timed from inside --------------------------------------------------


class CountingTransport:
    """The engine's own transport, counting the requests it sends by method."""

    def __init__(self, counts: dict[str, int]) -> None:
        self._inner = AiohttpTransport.create(timeouts=INTERACTIVE_TIMEOUTS)
        self._counts = counts

    async def send(self, request: TransportRequest) -> TransportResponse:
        self._counts[request.method] = self._counts.get(request.method, 0) + 1
        return await self._inner.send(request)

    async def close(self) -> None:
        await self._inner.close()


async def child_cycle(is_initial: bool) -> dict[str, Any]:
    settings = Settings()
    database = await open_database(settings)
    users_end: list[float] = []
    users_cpu: list[float] = []
    users_counts: dict[str, int] = {}
    users_rss: list[float] = []
    users_target_cpu: list[float] = []
    target_pid = int(os.environ.get("BENCH_TARGET_PID", "0"))
    requests: dict[str, int] = {}
    users_requests: dict[str, int] = {}
    groups_end: list[float] = []
    groups_requests: dict[str, int] = {}

    def on_progress(progress: Progress) -> None:
        if progress.phase == "groups":
            groups_end[:] = [time.perf_counter()]
            groups_requests.clear()
            groups_requests.update(requests)
        if progress.phase == "users":
            users_end[:] = [time.perf_counter()]
            users_cpu[:] = [time.process_time()]
            users_target_cpu[:] = [_cpu_seconds(target_pid)] if target_pid else []
            users_counts.update(progress.counts)
            users_rss[:] = [_peak_rss_mib()]
            users_requests.clear()
            users_requests.update(requests)

    try:
        apps = Apps.create(
            database, settings, transport_factory=lambda: CountingTransport(requests)
        )
        runner = build_runner(database, apps, jobs=JobRegistry(), on_progress=on_progress)
        started, cpu_started = time.perf_counter(), time.process_time()
        target_started = _cpu_seconds(target_pid) if target_pid else 0.0
        summary = await runner.run(APP, force_initial=is_initial)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    finally:
        await database.dispose()
    return {
        "summary": summary.to_dict(),
        "seconds": seconds,
        "users_seconds": users_end[0] - started if users_end else None,
        "cpu_seconds": cpu_seconds,
        "users_cpu_seconds": users_cpu[0] - cpu_started if users_cpu else None,
        "users_target_cpu_seconds": (
            users_target_cpu[0] - target_started if users_target_cpu else None
        ),
        "users_created": users_counts.get("create", 0),
        "maxrss_mib": _peak_rss_mib(),
        "users_maxrss_mib": users_rss[0] if users_rss else None,
        "requests": requests,
        "users_requests": users_requests,
        # The groups phase: groups created and their members sent (managers come after).
        "groups_seconds": groups_end[0] - users_end[0] if groups_end and users_end else None,
        "groups_requests": {m: n - users_requests.get(m, 0) for m, n in groups_requests.items()},
    }


def _peak_rss_mib() -> float:
    """This process's own peak RSS since it was exec'd (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmHWM in /proc/self/status: peak RSS needs Linux")


# -- processes --------------------------------------------------------------------------------


#: With --postgres: each side's data dir and the PostgreSQL database it stores into.
DATABASE_URLS: dict[Path, str] = {}
PG_SERVER = "postgres@127.0.0.1:5432"


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "SCIMITAR_DATA_DIR": str(data_dir)}
    env.pop("SCIMITAR_DATABASE_URL", None)
    if data_dir in DATABASE_URLS:
        env["SCIMITAR_DATABASE_URL"] = DATABASE_URLS[data_dir]
    return env


def _settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url=DATABASE_URLS.get(data_dir))


@contextmanager
def postgres_databases(dirs: list[Path]) -> Iterator[None]:
    """A throw-away PostgreSQL database for each data dir (--postgres), dropped afterwards."""
    names = [f"scimitar_bench_{d.name}_{os.urandom(5).hex()}" for d in dirs]

    async def each(statement: str) -> None:
        admin = await asyncpg.connect(f"postgresql://{PG_SERVER}/postgres")
        try:
            for name in names:
                await admin.execute(statement.format(name=name))
        finally:
            await admin.close()

    asyncio.run(each('CREATE DATABASE "{name}"'))
    DATABASE_URLS.update(
        (d, f"postgresql+asyncpg://{PG_SERVER}/{n}") for d, n in zip(dirs, names, strict=True)
    )
    try:
        yield
    finally:
        for d in dirs:
            DATABASE_URLS.pop(d, None)
        asyncio.run(each('DROP DATABASE "{name}" WITH (FORCE)'))


def _cli(data_dir: Path, *args: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-m", "scimitar", *args, "--json"],
        env=_env(data_dir),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@dataclass
class Target:
    process: subprocess.Popen[bytes]
    engine: tuple[str, str]  # tenant URL, token
    baseline: tuple[str, str]

    def cpu(self) -> float:
        return _cpu_seconds(self.process.pid)


@contextmanager
def target_process(data_dir: Path, profile: str) -> Iterator[Target]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    tenants = [
        _cli(data_dir, "target", "tenant", "create", name, "--profile", profile, "--base-url", base)
        for name in ("engine", "baseline")
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "scimitar", "target", "serve", "--port", str(port)],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"{base}/healthz", process)
        engine, baseline = ((t["tenant_urls"][0], t["token"]) for t in tenants)
        yield Target(process, engine, baseline)
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class CycleRun:
    result: dict[str, Any]
    wall: float  # the child process, start to exit
    maxrss_mib: float  # the child's VmHWM
    cpu: float  # the child's user + system seconds
    target_cpu: float


def _profile_target(target: Target, output: str | None) -> subprocess.Popen[bytes] | None:
    """py-spy attached to the target process until stopped (SIGINT), when asked for."""
    if not output:
        return None
    py_spy = Path(sys.executable).with_name("py-spy")
    command = [str(py_spy), "record", "-f", "raw", "-r", PROFILE_RATE, *PROFILE_IDLE, "-o", output]
    spy = subprocess.Popen([*command, "--pid", str(target.process.pid)])
    time.sleep(1.0)
    return spy


def run_cycle(data_dir: Path, target: Target, *, initial: bool, profile: str | None) -> CycleRun:
    command = [sys.executable, __file__, "--child", "initial" if initial else "incremental"]
    if profile:
        py_spy = Path(sys.executable).with_name("py-spy")
        spy = [str(py_spy), "record", "-f", "raw", "-r", PROFILE_RATE, *PROFILE_IDLE, "-o", profile]
        command = [*spy, "--", *command]
    target_cpu = target.cpu()
    started = time.perf_counter()
    env = {**_env(data_dir), "BENCH_TARGET_PID": str(target.process.pid)}
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE)
    assert child.stdout is not None
    out = child.stdout.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode:
        raise SystemExit(f"cycle child failed with exit code {child.returncode}")
    result = json.loads(next(x for x in reversed(out.splitlines()) if x.startswith("{")))
    return CycleRun(
        result,
        wall,
        float(result["maxrss_mib"]),
        usage.ru_utime + usage.ru_stime,
        target.cpu() - target_cpu,
    )


# -- the engine's side: directory and app -----------------------------------------------------


async def prepare_engine(data_dir: Path, args: argparse.Namespace, target: Target) -> list[User]:
    """Generate the directory, add the app in scope `all`; returns the users it will create."""
    settings = _settings(data_dir)
    database = await open_database(settings)
    try:
        directory = DirectoryService(database)
        await directory.generate(args.users, args.groups, seed=args.seed)
        apps = Apps.create(database, settings)
        app = await apps.apps.add(args.template, APP, actor=ACTOR)
        url, token = target.engine
        await apps.provisioning.set_credentials(
            app.id, url, Secret(token), allow_insecure_http=True, actor=ACTOR
        )
        config = await apps.provisioning.config(app.id)
        await apps.provisioning.update_settings(
            app.id, replace(config.settings, scope=Scope.ALL), actor=ACTOR
        )
        await apps.provisioning.set_provisioning(app.id, is_on=True, actor=ACTOR)
        return await _all_users(directory)
    finally:
        await database.dispose()


async def _all_users(directory: DirectoryService) -> list[User]:
    """Users the app provisions: disabled ones are out of scope until enabled (never created)."""
    users: list[User] = []
    cursor: str | None = None
    while True:
        page = await directory.source.read_users(cursor, 1000, include_deleted=False)
        users.extend(u for u in page.items if u.attributes.get("accountEnabled") is not False)
        if (cursor := page.cursor) is None:
            return users


async def change_users(data_dir: Path, users: list[User], count: int, tag: str) -> None:
    """Change mapped attributes (givenName, displayName) of ``count`` random users."""
    database = await open_database(_settings(data_dir))
    try:
        rows = [
            {
                "objectId": user.object_id,
                "givenName": f"{user.attributes.get('givenName') or 'Given'} {tag}",
                "displayName": f"{user.attributes.get('displayName') or 'User'} {tag}",
            }
            for user in random.Random(tag).sample(users, count)
        ]
        try:
            await DirectoryService(database).import_text(json.dumps(rows), "json")
        except ImportRejectedError as exc:
            raise SystemExit(f"changing {count} users: {exc}: {exc.problems[:3]}") from exc
    finally:
        await database.dispose()


# -- the baseline: Entra's way, a filter query then a POST per user ---------------------------


def scim_body(user: User) -> dict[str, Any]:
    """What the `scim` template's user mapping sends on create (the manager comes later)."""
    attributes = user.attributes
    name = {
        "givenName": attributes.get("givenName"),
        "familyName": attributes.get("surname"),
        "formatted": " ".join(
            str(attributes[k]) for k in ("givenName", "surname") if attributes.get(k)
        ),
    }
    address = {
        "type": "work",
        "formatted": attributes.get("physicalDeliveryOfficeName"),
        "streetAddress": attributes.get("streetAddress"),
        "locality": attributes.get("city"),
        "region": attributes.get("state"),
        "postalCode": attributes.get("postalCode"),
        "country": attributes.get("country"),
    }
    phones = [
        {"type": kind, "value": attributes.get(source)}
        for kind, source in (
            ("work", "telephoneNumber"),
            ("mobile", "mobile"),
            ("fax", "facsimileTelephoneNumber"),
        )
        if attributes.get(source)
    ]
    enterprise = {
        "employeeNumber": attributes.get("employeeId"),
        "department": attributes.get("department"),
    }
    body = {
        "schemas": [CORE_USER, ENTERPRISE_USER],
        "userName": attributes["userPrincipalName"],
        "active": True,
        "displayName": attributes.get("displayName"),
        "title": attributes.get("jobTitle"),
        "emails": [{"type": "work", "value": attributes.get("mail")}],
        "preferredLanguage": attributes.get("preferredLanguage"),
        "name": {k: v for k, v in name.items() if v},
        "addresses": [{k: v for k, v in address.items() if v}],
        "phoneNumbers": phones,
        "externalId": attributes.get("mailNickname"),
        ENTERPRISE_USER: {k: v for k, v in enterprise.items() if v},
        "meta": {"resourceType": "User"},
    }
    body["emails"] = [e for e in body["emails"] if e["value"]]
    return {k: v for k, v in body.items() if v}


def webex_body(user: User) -> dict[str, Any]:
    """What the Webex user mapping sends on create (userName, name, active, displayName, ...)."""
    attributes = user.attributes
    name = {"givenName": attributes.get("givenName"), "familyName": attributes.get("surname")}
    body = {
        "schemas": [CORE_USER],
        "userName": attributes["userPrincipalName"],
        "name": {k: v for k, v in name.items() if v},
        "active": True,
        "displayName": attributes.get("displayName"),
        "externalId": user.object_id,
        "meta": {"resourceType": "User"},
    }
    return {k: v for k, v in body.items() if v}


async def baseline(target: Target, users: list[User], template: str, in_flight: int = 32) -> float:
    """Provision ``users`` like Entra does, ``in_flight`` at a time; returns the seconds taken."""
    url, token = target.baseline
    url = url.rstrip("/")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    pending = iter(users)
    failures = 0
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(
        connector=connector, headers=headers, timeout=timeout
    ) as session:

        async def provision(user: User) -> bool:
            query = {"filter": f'userName eq "{user.attributes["userPrincipalName"]}"'}
            async with session.get(f"{url}/Users", params=query) as response:
                found = (await response.json(content_type=None)).get("totalResults", 0)
            if found:
                return True
            body = webex_body(user) if template == "cisco-webex" else scim_body(user)
            async with session.post(f"{url}/Users", json=body) as response:
                await response.read()
                return response.status == 201

        async def worker() -> None:
            nonlocal failures
            for user in pending:
                failures += not await provision(user)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        seconds = time.perf_counter() - started
    if failures:
        raise SystemExit(f"baseline: {failures} of {len(users)} users failed")
    return seconds


# -- the run and its table --------------------------------------------------------------------


def check_counts(run: CycleRun, expected: dict[str, int], label: str) -> None:
    counts = run.result["summary"]["counts"]
    for key, value in expected.items():
        if counts.get(key, 0) != value:
            raise SystemExit(f"{label}: expected {key}={value}, got {counts}")
    if counts.get("failure"):
        raise SystemExit(f"{label}: {counts['failure']} failures ({counts})")


def bench(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    engine_dir, target_dir = work / "engine", work / "target"
    engine_dir.mkdir()
    target_dir.mkdir()
    with (
        postgres_databases([engine_dir, target_dir]) if args.postgres else nullcontext(),
        target_process(target_dir, args.profile or PROFILES[args.template]) as target,
    ):
        started = time.perf_counter()
        users = asyncio.run(prepare_engine(engine_dir, args, target))
        print(f"setup: {len(users):,} users generated in {time.perf_counter() - started:.1f} s")
        if args.initial_only or args.skip_baseline:
            base_seconds = float("nan")  # no baseline: its figures and ratios print as nan
            print("baseline: skipped")
        else:
            base_seconds = asyncio.run(baseline(target, users, args.template))
            print(f"baseline: {len(users):,} users in {base_seconds:.1f} s")
        spy = _profile_target(target, args.py_spy_target)
        initial = run_cycle(engine_dir, target, initial=True, profile=args.py_spy)
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait()
        print(f"initial: {initial.result}, wall {initial.wall:.1f} s")
        print(f"initial: engine CPU {initial.cpu:.2f} s, target CPU {initial.target_cpu:.2f} s")
        if args.initial_only:
            raise SystemExit(0)
        check_counts(initial, {"create": len(users) + args.groups}, "initial")
        changed, unchanged = [], []
        for repeat in range(args.repeats):
            asyncio.run(change_users(engine_dir, users, args.changes, f"r{repeat}"))
            spy = _profile_target(target, args.py_spy_target_changes if not repeat else None)
            changed.append(
                run_cycle(
                    engine_dir,
                    target,
                    initial=False,
                    profile=args.py_spy_changes if not repeat else None,
                )
            )
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait()
            check_counts(changed[-1], {"update": args.changes}, "changes")
            unchanged.append(run_cycle(engine_dir, target, initial=False, profile=None))
            check_counts(unchanged[-1], {"update": 0, "create": 0}, "no changes")
            print(
                f"incremental r{repeat}: {changed[-1].result['seconds']:.2f} s with changes, "
                f"{unchanged[-1].result['seconds']:.2f} s without"
            )
    return {
        "generated": args.users,
        "users": len(users),
        "baseline": base_seconds,
        "initial": initial,
        "changed": changed,
        "unchanged": unchanged,
    }


def _by_method(requests: dict[str, int]) -> str:
    return ", ".join(f"{m} {n:,}" for m, n in sorted(requests.items()) if n) or "no requests"


def _median(runs: list[CycleRun], key: str) -> float:
    return statistics.median(float(r.result[key]) for r in runs)


def report(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    users, initial = figures["users"], figures["initial"]
    base_rate = users / figures["baseline"]
    users_seconds = initial.result["users_seconds"]
    rate = initial.result["users_created"] / users_seconds
    whole_rate = users / initial.result["seconds"]
    changes, none = _median(figures["changed"], "seconds"), _median(figures["unchanged"], "seconds")
    rss = max(r.maxrss_mib for r in [initial, *figures["changed"], *figures["unchanged"]])
    goals = GOALS[args.template]
    users_requests = initial.result["users_requests"]
    per_user = sum(users_requests.values()) / max(1, initial.result["users_created"])
    by_method = ", ".join(f"{m} {n:,}" for m, n in sorted(users_requests.items()))

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print(
        f"\n{figures['generated']:,} users generated ({users:,} enabled, so created), "
        f"{args.groups:,} groups, {args.changes:,} changes; incremental "
        f"figures are medians of {args.repeats}; {os.cpu_count()} cores"
        + f"; template {args.template}, {args.profile or PROFILES[args.template]} profile"
        + f"; engine and target on {'PostgreSQL' if args.postgres else 'SQLite'}"
        + (" (initial cycle under py-spy)" if args.py_spy else "")
        + "\n"
    )
    rows = [
        (
            "initial cycle, wall (users + groups + members)",
            f"{initial.result['seconds']:.1f} s",
            f"≤ {goals['initial']:.0f} s ({met(initial.result['seconds'] <= goals['initial'])})"
            + (
                f", ≥ {goals['whole_ratio']}x baseline "
                f"({met(figures['baseline'] / initial.result['seconds'] >= goals['whole_ratio'])})"
                if "whole_ratio" in goals
                else ""
            ),
            f"{figures['baseline']:.1f} s (users only)",
            f"{figures['baseline'] / initial.result['seconds']:.2f}x",
        ),
        (
            "initial cycle, users phase",
            f"{users_seconds:.1f} s, {rate:,.0f} users/s",
            (
                f"≥ {goals['ratio']:.0f}x baseline ({met(rate / base_rate >= goals['ratio'])})"
                if "ratio" in goals
                else ""
            ),
            f"{base_rate:,.0f} users/s",
            f"{rate / base_rate:.2f}x",
        ),
        (
            "initial cycle, users/s over the whole cycle",
            f"{whole_rate:,.0f} users/s",
            "",
            f"{base_rate:,.0f} users/s",
            f"{whole_rate / base_rate:.2f}x",
        ),
        (
            f"requests per created user, users phase ({by_method})",
            f"{per_user:.2f}",
            (
                f"≤ {goals['requests']} ({met(per_user <= goals['requests'])})"
                if "requests" in goals
                else ""
            ),
            "2.00",
            "",
        ),
        (
            f"initial cycle, groups phase: {args.groups:,} groups and their members "
            f"({_by_method(initial.result['groups_requests'])})",
            f"{initial.result['groups_seconds'] or 0:.1f} s",
            "",
            "",
            "",
        ),
        (
            "engine CPU / target CPU during the initial cycle",
            f"{initial.cpu:.1f} s / {initial.target_cpu:.1f} s",
            "",
            "",
            "",
        ),
        (
            f"incremental, {args.changes:,} changed users",
            f"{changes:.2f} s",
            f"≤ {goals['changes']:.0f} s ({met(changes <= goals['changes'])})",
            "",
            "",
        ),
        (
            "incremental, no changes",
            f"{none:.2f} s",
            f"≤ {goals['none']} s ({met(none <= goals['none'])})",
            "",
            "",
        ),
        (
            "engine peak RSS (child process, VmHWM)",
            f"{rss:.0f} MiB",
            f"≤ {goals['rss']:.0f} MiB ({met(rss <= goals['rss'])})",
            "",
            "",
        ),
        (
            "child process wall: initial / changes / none (incl. start-up)",
            f"{initial.wall:.1f} / {statistics.median(r.wall for r in figures['changed']):.1f} / "
            f"{statistics.median(r.wall for r in figures['unchanged']):.1f} s",
            "",
            "",
            "",
        ),
    ]
    print("| measure | figure | goal | baseline | ratio |")
    print("|---|---:|---|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--template", choices=sorted(PROFILES), default="cisco-webex", help="the app's template"
    )
    parser.add_argument(
        "--profile",
        choices=sorted(set(PROFILES.values())),
        help="the target tenant's profile (default: the template's own)",
    )
    parser.add_argument("--py-spy", help="write a py-spy raw profile of the initial cycle")
    parser.add_argument(
        "--py-spy-changes", help="write a py-spy raw profile of the first cycle with changes"
    )
    parser.add_argument(
        "--py-spy-target-changes",
        help="write a py-spy raw profile of the target during the first cycle with changes",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help=f"engine and target each store into a throw-away PostgreSQL database ({PG_SERVER})",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data dirs")
    parser.add_argument(
        "--py-spy-target", help="write a py-spy raw profile of the target during the initial cycle"
    )
    parser.add_argument(
        "--initial-only",
        action="store_true",
        help="no baseline, no incremental cycles: time the initial cycle (for profiling)",
    )
    parser.add_argument(
        "--skip-baseline",
        action="store_true",
        help="no baseline (its figures print as nan): for the incremental cycles alone",
    )
    parser.add_argument("--child", choices=("initial", "incremental"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        tune_gc()  # as the scimitar command does at start-up, on the same event loop
        print(json.dumps(runtime.run(child_cycle(args.child == "initial"))))
        return
    work = Path(tempfile.mkdtemp(prefix="bench-cycle-"))
    try:
        report(args, bench(args, work))
    finally:
        if args.keep:
            print(f"data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
