"""Fault injection over real sockets, switched on and off by the CLI while the server runs."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def _headers(tenant: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant['token']}"}


async def _statuses(tenant: dict[str, Any], n: int) -> list[int | str]:
    """Send n list requests; a status per request, or 'dropped' when the connection broke."""
    url = tenant["tenant_urls"][0] + "Users"
    out: list[int | str] = []
    async with aiohttp.ClientSession(headers=_headers(tenant)) as session:
        for _ in range(n):
            try:
                async with session.get(url) as response:
                    await response.read()
                    out.append(response.status)
            except (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError):
                out.append("dropped")
    return out


def test_rate_limit_answers_429_with_retry_after(server: Server) -> None:
    tenant = server.tenant("faults-rate")
    server.cli("target", "tenant", "faults", tenant["id"], "--rate-limit", "2")

    async def burst() -> tuple[list[int], str | None]:
        async with aiohttp.ClientSession(headers=_headers(tenant)) as session:
            statuses, retry_after = [], None
            for _ in range(6):
                async with session.get(tenant["tenant_urls"][0] + "Users") as response:
                    statuses.append(response.status)
                    if response.status == 429:
                        retry_after = response.headers.get("Retry-After")
                        assert (await response.json())["status"] == "429"
            return statuses, retry_after

    statuses, retry_after = asyncio.run(burst())
    assert statuses[:2] == [200, 200]
    assert 429 in statuses
    assert retry_after is not None
    assert int(retry_after) >= 1
    server.cli("target", "tenant", "faults", tenant["id"], "--rate-limit", "0")
    assert asyncio.run(_statuses(tenant, 5)) == [200] * 5


def test_error_rate_and_drops_follow_the_cli_at_once(server: Server) -> None:
    tenant = server.tenant("faults-errors")
    other = server.tenant("faults-bystander")
    server.cli("target", "tenant", "faults", tenant["name"], "--error-rate", "1")
    errors = asyncio.run(_statuses(tenant, 6))
    assert set(errors) <= {500, 503}
    assert asyncio.run(_statuses(other, 3)) == [200] * 3

    server.cli(
        "target", "tenant", "faults", tenant["name"], "--error-rate", "0", "--drop-rate", "1"
    )
    assert asyncio.run(_statuses(tenant, 3)) == ["dropped"] * 3

    server.cli("target", "tenant", "faults", tenant["name"], "--drop-rate", "0")
    assert asyncio.run(_statuses(tenant, 3)) == [200] * 3


def test_latency_delays_each_request(server: Server) -> None:
    tenant = server.tenant("faults-latency")
    server.cli("target", "tenant", "faults", tenant["name"], "--latency-ms", "300")
    started = time.monotonic()
    assert asyncio.run(_statuses(tenant, 2)) == [200, 200]
    assert time.monotonic() - started >= 0.6
    shown = server.cli_json("target", "tenant", "list")
    mine = next(t for t in shown if t["name"] == "faults-latency")
    assert mine["faults"]["latency_ms"] == 300
    assert "token" not in mine


def test_bad_fault_values_are_refused(server: Server) -> None:
    tenant = server.tenant("faults-bad")
    result = server.cli(
        "target", "tenant", "faults", tenant["name"], "--error-rate", "1.5", check=False
    )
    assert result.returncode != 0
    assert "--error-rate" in result.stderr
    assert result.stdout == ""
