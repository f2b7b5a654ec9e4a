"""Real ``scimitar worker`` processes on a PostgreSQL store: queued cycles, locks, kill -9.

Each test has its own PostgreSQL database, a ``scimitar serve`` for the embedded target, and
workers started as real processes. What a cycle did is checked on the target (every user once)
and in ``scimitar jobs list`` (which worker ran which job, and how it ended).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from scimitar.jobs.dispatch import enqueue_cycle
from scimitar.jobs.queue import open_queue
from tests.conftest import PG_ADMIN_URL
from tests.e2e.target_view import TargetView
from tests.e2e.workers import Cluster, new_cluster

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

#: Workers beat every half second here, so a killed one's jobs are resumed after 1.5 s.
FAST = ("--heartbeat", "0.5")


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    name = f"scimitar_workers_{random.randrange(16**10):010x}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    made = new_cluster(f"{base}/{name}", tmp_path)
    try:
        made("directory", "generate", "--users", "300", "--groups", "4", "--seed", "5")
        yield made
    finally:
        made.stop()
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _sync(cluster: Cluster, app: str, *options: str) -> Any:
    process = cluster.popen("app", "sync", app, "--json", *options)
    stdout, stderr = process.communicate(timeout=240)
    assert process.returncode == 0, stderr.decode()
    return json.loads(stdout)


def _assert_every_user_once(cluster: Cluster, tenant: dict[str, Any]) -> None:
    users = cluster("directory", "export")["users"]
    expected = {u["userPrincipalName"].lower() for u in users if u["accountEnabled"]}
    view = TargetView(tenant)
    try:
        names = Counter(u["userName"].lower() for u in view.users())
    finally:
        view.close()
    assert [n for n, count in names.items() if count > 1] == []
    assert set(names) == expected


def _job(cluster: Cluster, job_id: int) -> dict[str, Any]:
    return next(j for j in cluster.jobs() if j["id"] == job_id)


def test_app_sync_queues_the_cycle_and_a_worker_runs_it(cluster: Cluster) -> None:
    tenant = cluster.tenant()
    app = cluster.app(tenant)
    pid = cluster.start_worker(*FAST)

    summary = _sync(cluster, app)

    assert (summary["kind"], summary["status"]) == ("initial", "succeeded")
    assert summary["counts"]["create"] > 250
    _assert_every_user_once(cluster, tenant)
    [job] = [j for j in cluster.jobs() if j["app"]["name"] == app]
    assert (job["status"], job["task"]) == ("succeeded", "scimitar.cycle")
    assert job["worker"].endswith(f":{pid}")
    assert job["cycleId"] == summary["cycleId"]


def test_sync_here_runs_in_process_without_a_worker(cluster: Cluster) -> None:
    tenant = cluster.tenant()
    app = cluster.app(tenant)

    summary = _sync(cluster, app, "--here")

    assert summary["status"] == "succeeded"
    _assert_every_user_once(cluster, tenant)
    assert cluster.jobs() == []


def test_a_refused_cycle_is_not_queued_and_a_queued_one_fails_saying_why(
    cluster: Cluster,
) -> None:
    tenant = cluster.tenant()
    app = cluster.app(tenant)
    app_id = cluster("app", "show", app)["app"]["id"]
    cluster("app", "pause", app)
    cluster.start_worker(*FAST)

    process = cluster.popen("app", "sync", app, "--json")
    _stdout, stderr = process.communicate(timeout=240)
    assert process.returncode != 0
    assert f"scimitar app start {app}" in stderr.decode()
    assert cluster.jobs() == []

    [job_id] = _queue(cluster, [app_id])  # queued before the pause, say
    cluster.wait_for("the job to fail", lambda: _job(cluster, job_id)["status"] == "failed")
    assert "paused" in _job(cluster, job_id)["error"]


def _queue(cluster: Cluster, app_ids: list[str]) -> list[int]:
    async def put() -> list[int]:
        async with open_queue(cluster.env["SCIMITAR_DATABASE_URL"], pool_size=1) as queue:
            return [(await enqueue_cycle(queue, app_id)).job_id for app_id in app_ids]

    return asyncio.run(put())


def test_one_cycle_per_app_at_a_time_and_apps_in_parallel(cluster: Cluster) -> None:
    names = [cluster.app(cluster.tenant(), latency_ms=100) for _ in range(3)]
    ids = [cluster("app", "show", name)["app"]["id"] for name in names]
    workers = {cluster.start_worker(*FAST, "--concurrency", "2") for _ in range(2)}

    first = _queue(cluster, ids)
    running = cluster.wait_for(
        "the first app's cycle to run",
        lambda: _job(cluster, first[0])["status"] == "running",
    )
    assert running
    [again] = _queue(cluster, ids[:1])  # a second cycle of the first app, while it runs
    cluster.wait_for(
        "every job to end",
        lambda: all(_job(cluster, j)["status"] == "succeeded" for j in [*first, again]),
        timeout=240,
    )

    jobs = {j["id"]: j for j in cluster.jobs()}
    spans = {j: (jobs[j]["startedAt"], jobs[j]["endedAt"]) for j in [*first, again]}
    assert spans[again][0] >= spans[first[0]][1], "two cycles of one app overlapped"
    overlapping = [
        (a, b)
        for a in first
        for b in first
        if a < b and spans[a][0] < spans[b][1] and spans[b][0] < spans[a][1]
    ]
    assert overlapping, f"no two apps' cycles ran at the same time: {spans}"
    used = {int(jobs[j]["worker"].rsplit(":", 1)[1]) for j in first}
    assert used <= workers
    assert len(used) == 2, f"one worker ran every app: {used}"


def _runner(cluster: Cluster) -> int | None:
    """The pid of the live worker running a job now, if any."""
    for job in cluster.jobs():
        if job["status"] == "running" and job["worker"]:
            pid = int(job["worker"].rsplit(":", 1)[1])
            if pid in cluster.workers:
                return pid
    return None


def test_killed_workers_lose_nothing(cluster: Cluster) -> None:
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    tenant = cluster.tenant()
    app = cluster.app(tenant, latency_ms=400)
    for _ in range(2):
        cluster.start_worker(*FAST)
    follower = cluster.popen("app", "sync", app, "--json")
    kills = 0
    for _ in range(3):
        cluster.wait_for("a live worker running the cycle", lambda: _runner(cluster), timeout=180)
        if follower.poll() is not None:
            break
        time.sleep(rng.uniform(0.5, 4.0))  # anywhere in a page: none may be saved yet
        if follower.poll() is not None:
            break
        pid = _runner(cluster)
        if pid is None:  # the cycle ended meanwhile
            break
        cluster.kill_worker(pid)
        kills += 1
        cluster.start_worker(*FAST)

    stdout, stderr = follower.communicate(timeout=300)

    assert follower.returncode == 0, (seed, stderr.decode(), cluster.log_tail())
    summary = json.loads(stdout)
    assert (summary["kind"], summary["status"]) == ("initial", "succeeded"), seed
    assert kills >= 1, seed
    _assert_every_user_once(cluster, tenant)
    [job] = cluster.jobs()
    assert job["status"] == "succeeded"
    assert job["attempts"] >= kills, (seed, job)


def test_two_serves_queue_a_due_cycle_once_and_run_it(cluster: Cluster) -> None:
    tenant = cluster.tenant()
    app = cluster.app(tenant)
    for _ in range(2):
        cluster.serve()  # each with its scheduler and an embedded worker

    cluster.wait_for(
        "the scheduled cycle to succeed",
        lambda: any(j["status"] == "succeeded" for j in cluster.jobs()),
        timeout=180,
    )
    time.sleep(12)  # both schedulers tick at least twice more

    jobs = cluster.jobs()
    assert [(j["status"], j["args"]["scheduled"]) for j in jobs] == [("succeeded", True)]
    status = cluster("app", "status", app)
    assert status["lastCycle"]["status"] == "succeeded"
    assert status["nextRunAt"] is not None
    _assert_every_user_once(cluster, tenant)
