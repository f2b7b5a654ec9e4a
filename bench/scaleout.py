"""Many apps over 1, 2 and 4 `scimitar worker` processes on one PostgreSQL store.

--apps apps, each with its own tenant of the embedded target (generic profile, --latency-ms
injected on every request, so the work waits on the network and these cores are not the
limit), each provisioning the same --users users (scope all) in one initial cycle. For each
worker count the apps are fresh (new tenants, new apps), every app's cycle is queued at once,
and the wall time from queueing to the last job's success gives the throughput (created users
per second). Each worker runs --concurrency jobs at a time (1 by default, so the worker count
alone changes the parallelism). The one-worker round is the baseline of the same run; the
goal is a throughput of at least 0.8 x N with N workers.

The target runs in its own `scimitar serve --no-worker --no-scheduler` process on the same
database; commands that arrange the run go through typer's runner in this process.

Usage: python bench/scaleout.py [--apps 8] [--users 5000] [--latency-ms 50]
                                [--workers 1,2,4] [--concurrency 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from typer.testing import CliRunner

from scimitar.cli.main import app as scimitar_cli
from scimitar.jobs.dispatch import enqueue_cycle
from scimitar.jobs.queue import open_queue

PG_ADMIN = os.environ.get("SCIMITAR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


class Run:
    """The store, the target's process and the worker processes of one benchmark run."""

    def __init__(self, url: str, data: Path) -> None:
        self.env = {**os.environ, "SCIMITAR_DATABASE_URL": url, "SCIMITAR_DATA_DIR": str(data)}
        self.url = url
        self.data = data
        self.base = ""
        self.processes: list[subprocess.Popen[bytes]] = []

    def cli(self, *args: str) -> Any:
        env: dict[str, str | None] = {
            "SCIMITAR_DATABASE_URL": self.url,
            "SCIMITAR_DATA_DIR": str(self.data),
        }
        result = CliRunner().invoke(scimitar_cli, [*args, "--json"], env=env)
        if result.exit_code != 0:
            raise SystemExit(f"scimitar {' '.join(args)}: {result.stderr}{result.exception}")
        return json.loads(result.stdout)

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        with (self.data / "processes.log").open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "scimitar", *args],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def serve_target(self) -> None:
        port = _free_port()
        process = self.start("serve", "--port", str(port), "--no-scheduler", "--no-worker")
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=1):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("scimitar serve did not start; see processes.log")

    def app(self, latency_ms: int) -> str:
        tag = uuid.uuid4().hex[:8]
        tenant = self.cli(
            "target", "tenant", "create", f"t-{tag}", "--base-url", self.base,
            "--profile", "generic",
        )  # fmt: skip
        self.cli("target", "tenant", "faults", tenant["name"], "--latency-ms", str(latency_ms))
        name = f"Bench {tag}"
        app_id = self.cli("app", "add", "scim", "--name", name)["id"]
        self.cli(
            "app", "credentials", name, "--tenant-url", tenant["tenant_urls"][0],
            "--token", tenant["token"],
        )  # fmt: skip
        self.cli("app", "settings", name, "--scope", "all")
        self.cli("app", "provisioning", name, "on")
        return str(app_id)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            process.wait(timeout=60)


async def _queue_all(url: str, app_ids: list[str]) -> list[int]:
    async with open_queue(url, pool_size=1) as queue:
        return [(await enqueue_cycle(queue, app_id)).job_id for app_id in app_ids]


async def _statuses(url: str, job_ids: list[int]) -> dict[int, str]:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch(
            "SELECT id, status::text FROM procrastinate_jobs WHERE id = ANY($1::bigint[])",
            job_ids,
        )
    finally:
        await conn.close()
    return {int(r["id"]): str(r["status"]) for r in rows}


async def _created(url: str, app_ids: list[str]) -> int:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        value = await conn.fetchval(
            "SELECT count(*) FROM engine_link WHERE object_type = 'User' "
            "AND app_id = ANY($1::varchar[])",
            app_ids,
        )
    finally:
        await conn.close()
    return int(value or 0)


def _round(run: Run, workers: int, args: argparse.Namespace) -> tuple[float, int]:
    app_ids = [run.app(args.latency_ms) for _ in range(args.apps)]
    started = [
        run.start("worker", "--concurrency", str(args.concurrency)) for _ in range(workers)
    ]
    time.sleep(5)  # the workers connect and listen
    began = time.monotonic()
    jobs = asyncio.run(_queue_all(run.url, app_ids))
    while True:
        statuses = asyncio.run(_statuses(run.url, jobs))
        if any(s in ("failed", "cancelled", "aborted") for s in statuses.values()):
            raise SystemExit(f"a job failed: {statuses}; see processes.log")
        if all(s == "succeeded" for s in statuses.values()):
            break
        time.sleep(0.5)
    seconds = time.monotonic() - began
    created = asyncio.run(_created(run.url, app_ids))
    for process in started:
        process.terminate()
        process.wait(timeout=60)
    return seconds, created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=8)
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    name = f"scimitar_scaleout_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    url = f"{url}/{name}"
    with tempfile.TemporaryDirectory() as data:
        run = Run(url, Path(data))
        try:
            run.serve_target()
            run.cli("directory", "generate", "--users", str(args.users), "--groups", "0")
            results: list[tuple[int, float, int]] = []
            for count in (int(w) for w in args.workers.split(",")):
                seconds, created = _round(run, count, args)
                results.append((count, seconds, created))
                print(f"workers {count}: {created:,} users in {seconds:.1f} s", flush=True)
        finally:
            run.stop()
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    base = results[0][2] / results[0][1]
    print(
        f"\n{args.apps} apps x {args.users:,} users, {args.latency_ms} ms latency, "
        f"worker concurrency {args.concurrency}\n"
        "| workers | users created | seconds | users/s | x one worker | goal (0.8 x N) |\n"
        "|---|---|---|---|---|---|"
    )
    for count, seconds, created in results:
        rate = created / seconds
        print(
            f"| {count} | {created:,} | {seconds:.1f} | {rate:,.0f} | {rate / base:.2f} | "
            f"{0.8 * count:.1f} |"
        )


if __name__ == "__main__":
    main()
