"""The inbound API's bulkUpload, end to end over a real socket (``bench/sources.py --only api``).

``scimitar serve`` runs as its own process on a throw-away SQLite store (or PostgreSQL with
--postgres); an api source is added with the CLI. N users (core + enterprise extension,
with a manager for most) are posted as BulkRequests of --per-request operations by an aiohttp
client keeping --in-flight requests in flight; the figure is users processed per second, from
the first POST to the moment the server reports the last upload completed (processing is
asynchronous: acceptance alone says little). A second pass posts the same users with a changed
title (updates).

Baseline, in the same run: the same users imported into a fresh store of the same kind by the
directory's own bulk import (`DirectoryService.import_text`, one transaction, no HTTP, no
mappings, no log): what the store itself takes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from scimitar.directory.service import DirectoryService
from scimitar.settings import Settings
from scimitar.store import open_database

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
DEPARTMENTS = ["Engineering", "Sales", "Finance", "Support", "Legal", "Marketing", "IT"]


def scim_user(index: int, title: str) -> dict[str, Any]:
    manager = {"manager": {"value": f"W{index // 10}"}} if index >= 10 else {}
    return {
        "schemas": [CORE, ENTERPRISE],
        "externalId": f"W{index}",
        "userName": f"worker{index}@contoso.com",
        "name": {"givenName": f"Given{index}", "familyName": f"Family{index}"},
        "displayName": f"Given{index} Family{index}",
        "title": title,
        "active": True,
        "emails": [{"value": f"worker{index}@contoso.com", "type": "work", "primary": True}],
        "phoneNumbers": [{"value": f"+1 555 {index:07d}", "type": "work"}],
        "addresses": [{"type": "work", "locality": f"City {index % 200}", "country": "US"}],
        ENTERPRISE: {"department": DEPARTMENTS[index % len(DEPARTMENTS)], **manager},
    }


def bulk_requests(users: int, per_request: int, title: str) -> list[bytes]:
    bodies = []
    for start in range(0, users, per_request):
        operations = [
            {"method": "POST", "bulkId": f"op-{i}", "path": "/Users", "data": scim_user(i, title)}
            for i in range(start, min(users, start + per_request))
        ]
        bodies.append(json.dumps({"schemas": [BULK], "Operations": operations}).encode())
    return bodies


def directory_document(users: int) -> str:
    rows = [
        {"userPrincipalName": f"worker{i}@contoso.com", "givenName": f"Given{i}",
         "surname": f"Family{i}", "displayName": f"Given{i} Family{i}", "jobTitle": "Title",
         "mail": f"worker{i}@contoso.com", "employeeId": f"W{i}",
         "department": DEPARTMENTS[i % len(DEPARTMENTS)], "telephoneNumber": f"+1 555 {i:07d}",
         "city": f"City {i % 200}", "country": "US", "accountEnabled": True}
        for i in range(users)
    ]  # fmt: skip
    return json.dumps({"users": rows})


async def post_all(url: str, key: str, bodies: list[bytes], in_flight: int) -> list[str]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/scim+json"}
    queue = list(enumerate(bodies))
    locations: dict[int, str] = {}
    async with aiohttp.ClientSession() as session:

        async def worker() -> None:
            while queue:
                index, body = queue.pop(0)
                async with session.post(url, data=body, headers=headers) as answer:
                    document = await answer.json(content_type=None)
                    if answer.status != 202:
                        raise RuntimeError(f"bulkUpload answered {answer.status}: {document}")
                    locations[index] = document["statusUrl"]

        await asyncio.gather(*(worker() for _ in range(in_flight)))
    return [locations[i] for i in sorted(locations)]


async def wait_processed(base: str, key: str, locations: list[str]) -> dict[str, int]:
    headers = {"Authorization": f"Bearer {key}"}
    totals: dict[str, int] = {}
    async with aiohttp.ClientSession() as session:
        pending = list(locations)
        while pending:
            async with session.get(base + pending[-1], headers=headers) as answer:
                last = await answer.json(content_type=None)
            if last["status"] not in ("completed", "failed"):
                await asyncio.sleep(0.05)
                continue
            for location in pending:
                async with session.get(base + location, headers=headers) as answer:
                    document = await answer.json(content_type=None)
                if document["status"] != "completed":
                    raise RuntimeError(
                        f"upload {location}: {document.get('status')} {document.get('error')}"
                    )
                for name, value in document["counts"].items():
                    totals[name] = totals.get(name, 0) + value
            pending = []
    return totals


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _database_url(args: argparse.Namespace, admin: Any) -> str | None:
    if not args.postgres:
        return None
    name = f"scimitar_bench_{uuid.uuid4().hex[:10]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"


async def baseline_seconds(args: argparse.Namespace, work: Path, admin: Any) -> float:
    url = await _database_url(args, admin)
    store = Settings(data_dir=work / "baseline", database_url=url)
    database = await open_database(store)
    try:
        text = directory_document(args.users)
        started = time.perf_counter()
        await DirectoryService(database).import_text(text, "json")
        return time.perf_counter() - started
    finally:
        await database.dispose()


async def measure_inbound(args: argparse.Namespace) -> None:
    admin = await asyncpg.connect(PG_ADMIN) if args.postgres else None
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        url = await _database_url(args, admin)
        env = {**os.environ, "SCIMITAR_DATA_DIR": str(work / "serve")}
        env.pop("SCIMITAR_DATABASE_URL", None)
        if url:
            env["SCIMITAR_DATABASE_URL"] = url
        env["SCIMITAR_MAX_REQUEST_BYTES"] = str(8 * 1024 * 1024)
        cli = [sys.executable, "-m", "scimitar"]
        made = subprocess.run([*cli, "source", "add", "api", "hr", "--json"], env=env,
                              capture_output=True, text=True, check=True)  # fmt: skip
        key = json.loads(made.stdout)["apiKey"]
        port = free_port()
        server = subprocess.Popen([*cli, "serve", "--port", str(port), "--no-scheduler"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            await _wait_up(base, server)
            passes = []
            for label, title in (("create", "Title"), ("update", "New title")):
                bodies = bulk_requests(args.users, args.per_request, title)
                started = time.perf_counter()
                locations = await post_all(f"{base}/api/v1/sources/hr/bulkUpload", key, bodies,
                                           args.in_flight)  # fmt: skip
                accepted = time.perf_counter() - started
                counts = await wait_processed(base, key, locations)
                passes.append((label, accepted, time.perf_counter() - started, counts))
        finally:
            server.terminate()
            server.wait(timeout=30)
        baseline = await baseline_seconds(args, work, admin)
    if admin is not None:
        for row in await admin.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE 'scimitar_bench_%'"
        ):
            await admin.execute(f'DROP DATABASE "{row["datname"]}" WITH (FORCE)')
        await admin.close()
    _report(args, passes, baseline)


async def _wait_up(base: str, server: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            if server.poll() is not None:
                raise RuntimeError("scimitar serve exited")
            try:
                async with session.get(f"{base}/healthz") as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("scimitar serve did not start")


def _report(args: argparse.Namespace, passes: list[tuple[str, float, float, dict[str, int]]],
            baseline: float) -> None:  # fmt: skip
    users = args.users
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"\ninbound bulkUpload: {users:,} users, {args.per_request} operations a request, "
          f"{args.in_flight} requests in flight, store {backend}")  # fmt: skip
    print("| step | seconds | users/s |")
    print("|---|---|---|")
    print(f"| baseline: directory import of the same users (one transaction, no HTTP) | "
          f"{baseline:.2f} | {users / baseline:,.0f} |")  # fmt: skip
    for label, accepted, processed, counts in passes:
        shown = ", ".join(f"{k} {v:,}" for k, v in counts.items() if v)
        print(
            f"| bulkUpload {label}: all accepted (202) | {accepted:.2f} | {users / accepted:,.0f} |"
        )
        print(f"| bulkUpload {label}: all processed ({shown}) | {processed:.2f} | "
              f"{users / processed:,.0f} |")  # fmt: skip
    created = passes[0][2]
    print(f"\ngoal: >= 2,000 users/s processed: {users / created:,.0f} (create), "
          f"{users / passes[1][2]:,.0f} (update)")  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The inbound section's options."""
    parser.add_argument("--per-request", type=int, default=100)
    parser.add_argument("--in-flight", type=int, default=8)
