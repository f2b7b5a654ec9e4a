"""Provisioning against a rate-limited app: the engine's throttle against a naive client.

`scimitar target serve` runs in its own process with its own data dir; each run gets fresh
generic-profile tenants limited to --rate requests/s (`scimitar target tenant faults
--rate-limit`), answering 429 with Retry-After beyond it.

- Engine: an initial cycle of a generic SCIM app (`scim` template, scope all) provisioning
  --users generated users: per user a `GET /Users?filter=userName eq ...` then a `POST /Users`,
  and a PATCH for each manager. The app's template limit is `{"appliesTo": "all", "requests":
  RATE, "perSeconds": 1, "burst": BURST}` — the target's own bucket holds one second's worth,
  so --burst defaults to RATE (the stock `scim` template publishes no limit, so the bench gives
  the app that entry, read by the same `Throttle.for_limits` as any template's); concurrency 16
  with AIMD, Retry-After honoured. Requests and 429s are counted by a transport around
  aiohttp's.
- Baseline, the same run: a plain aiohttp client, 16 users in flight, each a filter query then
  a POST, sleeping Retry-After and retrying on 429 (the Cisco SCIM sample's loop).

Reported per run: requests, 429s, seconds from the first request to the last, requests/s
(every request) and accepted/s (those not answered 429), objects provisioned; medians over
--repeats. Goal (issue #7): >= 95 requests/s against a 100 requests/s limit, every object
provisioned.

Usage: python bench/faults.py [--users 3000] [--rate 100] [--burst RATE] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp

from scimitar.apps import Apps, JobConfig, Scope
from scimitar.audit import Actor
from scimitar.connector.client import SCIMClient
from scimitar.connector.operations import TargetOperations
from scimitar.connector.ratelimit import Throttle
from scimitar.connector.transport import AiohttpTransport, TransportRequest, TransportResponse
from scimitar.directory.model import User
from scimitar.directory.service import DirectoryService
from scimitar.directory.store import SQLDirectory
from scimitar.engine.run.cycle import CycleRunner
from scimitar.engine.run.objects import TargetPort
from scimitar.engine.run.service import DEFAULT_CONCURRENCY
from scimitar.engine.state.registry import JobRegistry
from scimitar.gallery.schema import RateLimit
from scimitar.logs import configure_logging
from scimitar.secrets import Secret
from scimitar.settings import Settings
from scimitar.store import open_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from target import _free_port, _wait  # noqa: E402

#: Who the audit log names for the bench's own set-up of the app.
ACTOR = Actor.cli("bench")

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GOAL = 95.0
IN_FLIGHT = 16


@dataclass
class Counts:
    """Requests sent, 429s received, and when the first and last request went."""

    requests: int = 0
    throttled: int = 0
    first: float = 0.0
    last: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)

    def sent(self, status: int) -> None:
        now = time.perf_counter()
        self.first = self.first or now
        self.last = now
        self.requests += 1
        self.throttled += status == 429
        self.statuses[status] = self.statuses.get(status, 0) + 1

    @property
    def seconds(self) -> float:
        return self.last - self.first

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def accepted(self) -> float:
        return (self.requests - self.throttled) / self.seconds if self.seconds else 0.0


class CountingTransport:
    """aiohttp's transport, counting every request and its status."""

    def __init__(self, inner: AiohttpTransport, counts: Counts) -> None:
        self._inner = inner
        self._counts = counts

    async def send(self, request: TransportRequest) -> TransportResponse:
        response = await self._inner.send(request)
        self._counts.sent(response.status)
        return response

    async def close(self) -> None:
        await self._inner.close()


# -- processes --------------------------------------------------------------------------------


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "SCIMITAR_DATA_DIR": str(data_dir)}
    env.pop("SCIMITAR_DATABASE_URL", None)
    return env


def _cli(data_dir: Path, *args: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-m", "scimitar", *args, "--json"],
        env=_env(data_dir),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


@dataclass
class Target:
    data_dir: Path
    base: str

    def tenant(self, name: str, rate: float) -> tuple[str, str]:
        """A fresh generic tenant limited to ``rate`` requests/s: (tenant URL, token)."""
        made = _cli(
            self.data_dir, "target", "tenant", "create", name, "--profile", "generic",
            "--base-url", self.base,
        )  # fmt: skip
        _cli(self.data_dir, "target", "tenant", "faults", made["id"], "--rate-limit", str(rate))
        return made["tenant_urls"][0], made["token"]


@contextmanager
def target_process(data_dir: Path) -> Iterator[Target]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "scimitar", "target", "serve", "--port", str(port)],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"{base}/healthz", process)
        yield Target(data_dir, base)
    finally:
        process.terminate()
        process.wait(timeout=30)


# -- the engine ------------------------------------------------------------------------------


async def generate(engine_dir: Path, users: int) -> list[User]:
    """The directory every run provisions (no groups: users and their managers only)."""
    database = await open_database(Settings(data_dir=engine_dir, database_url=None))
    try:
        directory = DirectoryService(database)
        await directory.generate(users, 0, seed=7)
        found: list[User] = []
        cursor: str | None = None
        while True:
            page = await directory.source.read_users(cursor, 1000, include_deleted=False)
            found.extend(u for u in page.items if u.attributes.get("accountEnabled") is not False)
            if (cursor := page.cursor) is None:
                return found
    finally:
        await database.dispose()


async def engine_run(
    engine_dir: Path, app_name: str, tenant: tuple[str, str], rate: float, burst: int
) -> dict[str, Any]:
    """One initial cycle of a fresh app into ``tenant``, counted at the transport."""
    settings = Settings(data_dir=engine_dir, database_url=None)
    database = await open_database(settings)
    counts = Counts()
    limits = (
        RateLimit(applies_to="all", requests=int(rate), per_seconds=1, burst=burst, source="bench"),
    )
    try:
        apps = Apps.create(database, settings)
        app = await apps.apps.add("scim", app_name, actor=ACTOR)
        await apps.provisioning.set_credentials(
            app.id, tenant[0], Secret(tenant[1]), allow_insecure_http=True, actor=ACTOR
        )
        config = await apps.provisioning.config(app.id)
        await apps.provisioning.update_settings(
            app.id, replace(config.settings, scope=Scope.ALL), actor=ACTOR
        )
        await apps.provisioning.set_provisioning(app.id, is_on=True, actor=ACTOR)

        @asynccontextmanager
        async def open_port(job: JobConfig) -> AsyncIterator[TargetPort]:
            credentials = await apps.provisioning.credentials(job.app.id)
            transport = CountingTransport(AiohttpTransport.create(connections=64), counts)
            throttle = Throttle.for_limits(limits, concurrency=DEFAULT_CONCURRENCY)
            async with TargetOperations(
                SCIMClient(credentials, transport), job.connector_options(), throttle=throttle
            ) as port:
                yield port

        runner = CycleRunner(database, apps, SQLDirectory(database), open_port, jobs=JobRegistry())
        started = time.perf_counter()
        summary = await runner.run(app.id)
        seconds = time.perf_counter() - started
    finally:
        await database.dispose()
    result = summary.to_dict()
    return {
        "requests": counts.requests,
        "throttled": counts.throttled,
        "seconds": counts.seconds,
        "cycle_seconds": seconds,
        "rate": counts.rate,
        "accepted": counts.accepted,
        "provisioned": result["counts"].get("create", 0),
        "failures": result["counts"].get("failure", 0),
        "statuses": counts.statuses,
    }


# -- the baseline ------------------------------------------------------------------------------


async def naive_run(users: list[User], tenant: tuple[str, str]) -> dict[str, Any]:
    """A filter query then a POST per user, 16 at once, sleeping Retry-After on each 429."""
    url, token = tenant[0].rstrip("/"), tenant[1]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
    counts = Counts()
    pending = iter(users)
    provisioned = 0
    async with aiohttp.ClientSession(
        headers=headers, timeout=aiohttp.ClientTimeout(total=60)
    ) as session:

        async def send(method: str, path: str, **options: Any) -> tuple[int, Any]:
            while True:
                async with session.request(method, f"{url}{path}", **options) as response:
                    body = await response.json(content_type=None)
                    counts.sent(response.status)
                    if response.status != 429:
                        return response.status, body
                    await asyncio.sleep(float(response.headers.get("Retry-After", "1")))

        async def worker() -> None:
            nonlocal provisioned
            for user in pending:
                upn = user.attributes["userPrincipalName"]
                _, found = await send("GET", "/Users", params={"filter": f'userName eq "{upn}"'})
                if found.get("totalResults"):
                    continue
                body = {"schemas": [CORE_USER], "userName": upn, "externalId": user.object_id}
                status, _ = await send("POST", "/Users", json=body)
                provisioned += status == 201

        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    return {
        "requests": counts.requests,
        "throttled": counts.throttled,
        "seconds": counts.seconds,
        "rate": counts.rate,
        "accepted": counts.accepted,
        "provisioned": provisioned,
        "failures": len(users) - provisioned,
        "statuses": counts.statuses,
    }


# -- the table ---------------------------------------------------------------------------------


def median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(run[key]) for run in runs)


def main() -> None:
    configure_logging(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--burst", type=int, default=None, help="default: --rate")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scimitar-bench-faults-") as work:
        engine_dir, target_dir = Path(work) / "engine", Path(work) / "target"
        engine_dir.mkdir()
        target_dir.mkdir()
        users = asyncio.run(generate(engine_dir, args.users))
        print(f"directory: {len(users):,} enabled users of {args.users:,} generated")
        engine: list[dict[str, Any]] = []
        naive: list[dict[str, Any]] = []
        with target_process(target_dir) as target:
            for repeat in range(args.repeats):
                run = asyncio.run(
                    engine_run(
                        engine_dir, f"bench-{repeat}", target.tenant(f"e{repeat}", args.rate),
                        args.rate, args.burst or int(args.rate),
                    )
                )  # fmt: skip
                print(f"engine r{repeat}: {_line(run)}")
                engine.append(run)
                run = asyncio.run(naive_run(users, target.tenant(f"n{repeat}", args.rate)))
                print(f"naive  r{repeat}: {_line(run)}")
                naive.append(run)
    print()
    print(f"limit {args.rate:g} requests/s, {len(users):,} users, median of {args.repeats}")
    print("| client | requests | 429s | seconds | requests/s | accepted/s | provisioned | failed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, runs in (("engine (bucket + AIMD)", engine), ("naive retry-on-429", naive)):
        print(
            f"| {label} | {median(runs, 'requests'):,.0f} | {median(runs, 'throttled'):,.0f} | "
            f"{median(runs, 'seconds'):.1f} | {median(runs, 'rate'):.1f} | "
            f"{median(runs, 'accepted'):.1f} | "
            f"{median(runs, 'provisioned'):,.0f} | {median(runs, 'failures'):,.0f} |"
        )
    achieved = median(engine, "rate")
    complete = all(run["failures"] == 0 and run["provisioned"] == len(users) for run in engine)
    verdict = "met" if achieved >= GOAL and complete else "NOT met"
    print(f"goal >= {GOAL:g} requests/s with every user provisioned: {verdict}")


def _line(run: dict[str, Any]) -> str:
    return (
        f"{run['requests']:,} requests, {run['throttled']:,} x 429 in {run['seconds']:.1f} s = "
        f"{run['rate']:.1f}/s ({run['accepted']:.1f}/s accepted); "
        f"{run['provisioned']:,} provisioned, {run['failures']:,} failed"
    )


if __name__ == "__main__":
    main()
