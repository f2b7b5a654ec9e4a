"""``GET /metrics`` on a PostgreSQL store with workers: queue depth, live workers, and the
counters of a cycle a worker process ran (the processes share the machine's metrics dir)."""

from __future__ import annotations

import asyncio
import json
import random
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import PG_ADMIN_URL
from tests.e2e.workers import Cluster, new_cluster

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    name = f"scimitar_metrics_{random.randrange(16**10):010x}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    made = new_cluster(f"{base}/{name}", tmp_path)
    try:
        made("directory", "generate", "--users", "60", "--groups", "2", "--seed", "3")
        yield made
    finally:
        made.stop()
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _metrics(cluster: Cluster, key: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    request = urllib.request.Request(  # noqa: S310 - the test's own server
        f"{cluster.url}/metrics", headers={"Authorization": f"Bearer {key}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        text = response.read().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_show_workers_and_the_cycles_they_ran(cluster: Cluster) -> None:
    key = cluster("admin", "key", "create", "scraper")["key"]
    app = cluster.app(cluster.tenant())
    cluster.start_worker("--heartbeat", "0.5")
    cluster.wait_for(
        "a live worker",
        lambda: _metrics(cluster, key).get(("scimitar_workers", frozenset())) == 1,
    )
    process = cluster.popen("app", "sync", app, "--json")
    out, err = process.communicate(timeout=240)
    assert process.returncode == 0, err.decode()
    summary = json.loads(out)
    samples = _metrics(cluster, key)
    cycle = frozenset({"app": app, "kind": "initial", "result": "succeeded"}.items())
    assert samples[("scimitar_cycles_total", cycle)] == 1
    created = frozenset({"app": app, "action": "create", "status": "success"}.items())
    assert samples[("scimitar_cycle_objects_total", created)] == summary["counts"]["create"]
    assert samples[("scimitar_workers", frozenset())] == 1
    waiting = [v for (name, _), v in samples.items() if name == "scimitar_queue_jobs"]
    assert sum(waiting) == 0  # the cycle's job is done: nothing todo or doing
