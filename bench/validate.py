"""How long ``scimitar validate`` takes against the embedded target (the goal: at most 10 s).

Starts ``scimitar serve`` in a fresh data dir, creates a ``webex`` and a ``generic`` tenant, and
runs ``scimitar validate`` as a new process ``--runs`` times per profile and dialect (median
and fastest wall time, process start included). The baseline, measured in the same run: the
same number of requests as the run sent (its ``--json`` report counts them), sent one after
the other by a bare aiohttp client to ``GET /ServiceProviderConfig``: the floor any client
pays for that many round trips to this server on this machine.

    .venv/bin/python bench/validate.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scimitar", *args],
        env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


async def _floor(url: str, token: str, requests: int) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        started = time.perf_counter()
        for _ in range(requests):
            async with session.get(url + "ServiceProviderConfig") as response:
                await response.read()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    data = Path(tempfile.mkdtemp(prefix="bench-validate-"))
    env = {**os.environ, "SCIMITAR_DATA_DIR": str(data)}
    env.pop("SCIMITAR_DATABASE_URL", None)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "scimitar", "serve", "--port", str(port), "--no-scheduler"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.2)
        print(f"{'profile':8} {'dialect':13} {'median s':>9} {'fastest s':>9} "
              f"{'requests':>8} {'floor s':>8}")  # fmt: skip
        for profile in ("webex", "generic"):
            made = _cli(env, "target", "tenant", "create", f"bench-{profile}", "--profile",
                        profile, "--base-url", base, "--json")  # fmt: skip
            tenant: dict[str, Any] = json.loads(made.stdout)
            url, token = tenant["tenant_urls"][0], tenant["token"]
            for dialect in ("entra-2020", "entra-legacy"):
                seconds, requests = [], 0
                for _ in range(runs):
                    started = time.perf_counter()
                    done = _cli(env, "validate", url, "--token", token, "--dialect", dialect,
                                "--json")  # fmt: skip
                    seconds.append(time.perf_counter() - started)
                    report = json.loads(done.stdout)
                    assert done.returncode == 0, report["counts"]
                    requests = sum(len(s["exchanges"]) for s in report["scenarios"]) + len(
                        report["cleanup"]["deleted"]
                    )
                floor = asyncio.run(_floor(url, token, requests))
                print(f"{profile:8} {dialect:13} {statistics.median(seconds):9.2f} "
                      f"{min(seconds):9.2f} {requests:8d} {floor:8.2f}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
