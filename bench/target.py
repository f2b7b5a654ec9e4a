"""Throughput of the embedded SCIM target against scim2-server, measured in the same run.

Both servers run as their own processes under uvicorn on 127.0.0.1: Scimitar's target persisting
to SQLite (generic profile, plain RFC behaviour), and scim2-server on its in-memory storage.
The client is aiohttp in this process, so it is not the bottleneck (httpx's async client
saturates near 400 requests/s on these machines). Workloads: create (POST /Users), filter
query (GET /Users?filter=userName eq ...) and PATCH (replace displayName), each at several
concurrencies; every figure is the median of --repeats runs of --requests requests.

Usage: python bench/target.py [--requests 2000] [--repeats 3] [--concurrency 1,8,32]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass
class Endpoint:
    name: str
    base: str
    headers: dict[str, str]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120  # a start-up on a busy machine can take half a minute
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early ({url})")
        try:
            urllib.request.urlopen(url, timeout=1).close()  # noqa: S310
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error means it is up
                return
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not come up")


@contextmanager
def scimitar_target() -> Iterator[Endpoint]:
    data = tempfile.mkdtemp(prefix="bench-target-")
    env = {**os.environ, "SCIMITAR_DATA_DIR": data}
    env.pop("SCIMITAR_DATABASE_URL", None)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    tenant = json.loads(
        subprocess.run(
            [
                sys.executable,
                "-m",
                "scimitar",
                "target",
                "tenant",
                "create",
                "bench",
                "--profile",
                "generic",
                "--quirks",
                "rfc",
                "--base-url",
                base,
                "--json",
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "scimitar", "target", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"{base}/healthz", process)
        yield Endpoint(
            "scimitar",
            tenant["tenant_urls"][0].rstrip("/"),
            {"Authorization": f"Bearer {tenant['token']}"},
        )
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def scim2_server() -> Iterator[Endpoint]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "scim2_server_app.py"), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/v2/ServiceProviderConfig", process)
        yield Endpoint("scim2-server", f"http://127.0.0.1:{port}/v2", {})
    finally:
        process.terminate()
        process.wait(timeout=20)


Request = Callable[[aiohttp.ClientSession, int], Any]


async def _drive(endpoint: Endpoint, make: Request, total: int, concurrency: int) -> float:
    """Send ``total`` requests with ``concurrency`` in flight; returns requests per second."""
    counter = itertools.count()
    failures = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {**endpoint.headers, "Content-Type": "application/scim+json"}
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            nonlocal failures
            while (n := next(counter)) < total:
                async with make(session, n) as response:
                    await response.read()
                    failures += response.status >= 300

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{endpoint.name}: {failures} of {total} requests failed")
    return total / elapsed


async def _seed_ids(endpoint: Endpoint, prefix: str, count: int) -> list[tuple[str, str]]:
    ids: list[tuple[str, str]] = []
    async with aiohttp.ClientSession(headers=endpoint.headers) as session:
        for n in range(count):
            user = {"schemas": [CORE_USER], "userName": f"{prefix}{n}@bench.example"}
            async with session.post(f"{endpoint.base}/Users", json=user) as response:
                ids.append(((await response.json())["id"], user["userName"]))
    return ids


def workloads(endpoint: Endpoint, run: str, seeded: list[tuple[str, str]]) -> dict[str, Request]:
    rng = random.Random(7)

    def create(session: aiohttp.ClientSession, n: int) -> Any:
        body = {
            "schemas": [CORE_USER],
            "userName": f"{run}-{n}@bench.example",
            "displayName": f"User {n}",
            "name": {"givenName": "Bench", "familyName": str(n)},
            "emails": [{"type": "work", "value": f"{run}-{n}@bench.example", "primary": True}],
        }
        return session.post(f"{endpoint.base}/Users", json=body)

    def query(session: aiohttp.ClientSession, n: int) -> Any:
        _, user_name = rng.choice(seeded)
        return session.get(
            f"{endpoint.base}/Users", params={"filter": f'userName eq "{user_name}"'}
        )

    def patch(session: aiohttp.ClientSession, n: int) -> Any:
        user_id, _ = rng.choice(seeded)
        body = {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "displayName", "value": f"{run} {n}"}],
        }
        return session.patch(f"{endpoint.base}/Users/{user_id}", json=body)

    return {"create": create, "filter query": query, "PATCH": patch}


def measure(endpoint: Endpoint, args: argparse.Namespace) -> dict[tuple[str, int], float]:
    seeded = asyncio.run(_seed_ids(endpoint, "seed", 500))
    results: dict[tuple[str, int], list[float]] = {}
    for repeat in range(args.repeats):
        for concurrency in args.concurrency:
            run = f"r{repeat}c{concurrency}"
            for workload, make in workloads(endpoint, run, seeded).items():
                rate = asyncio.run(_drive(endpoint, make, args.requests, concurrency))
                results.setdefault((workload, concurrency), []).append(rate)
    return {key: statistics.median(rates) for key, rates in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8, 32]
    )
    args = parser.parse_args()
    with scimitar_target() as ours:
        mine = measure(ours, args)
    with scim2_server() as theirs:
        baseline = measure(theirs, args)
    print(
        f"{args.requests} requests per cell, median of {args.repeats} runs; "
        f"{os.cpu_count()} cores\n"
    )
    print(
        "| workload | concurrency | Scimitar (SQLite) req/s | scim2-server (memory) req/s "
        "| ratio |"
    )
    print("|---|---:|---:|---:|---:|")
    for (workload, concurrency), rate in mine.items():
        other = baseline[(workload, concurrency)]
        print(f"| {workload} | {concurrency} | {rate:,.0f} | {other:,.0f} | {rate / other:.2f}x |")


if __name__ == "__main__":
    main()
