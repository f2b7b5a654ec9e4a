"""``GET /metrics`` of a real ``scimitar serve`` after a cycle run by ``scimitar app sync``.

The cycle runs in its own process; its counters reach the server's answer through the
metrics directory the two share (prometheus-client's multiprocess mode). The figures are
checked against the cycle's own summary and against the target.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def _scrape(server: Server, key: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    request = urllib.request.Request(f"{server.url}/metrics", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def _value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_a_cycle_run_by_another_process(server: Server) -> None:
    run = Scimitar(server)
    key = run("admin", "key", "create", "scraper")["key"]
    tenant = run("target", "tenant", "create", "metrics-t", "--base-url", server.url,
                 "--profile", "generic")  # fmt: skip
    run("app", "add", "scim", "--name", "Measured")
    run(
        "app", "credentials", "Measured", "--tenant-url", tenant["tenant_urls"][0],
        "--token", tenant["token"],
    )  # fmt: skip
    run("app", "settings", "Measured", "--scope", "all")
    run("app", "provisioning", "Measured", "on")
    for name in ("ann", "bob", "cy"):
        run("directory", "user", "add", f"{name}@contoso.com", f"givenName={name}")

    status, body = _scrape(server, None)
    assert status == 401
    assert "API key" in json.loads(body)["detail"]

    summary = server.cli_json("app", "sync", "Measured")  # a process of its own
    assert summary["status"] == "succeeded"
    created = summary["counts"]["create"]
    assert created == 3

    status, text = _scrape(server, key)
    assert status == 200
    samples = _samples(text)
    cycle = {"app": "Measured", "kind": "initial", "result": "succeeded"}
    assert _value(samples, "scimitar_cycles_total", **cycle) == 1
    assert (
        _value(
            samples,
            "scimitar_cycle_objects_total",
            app="Measured",
            action="create",
            status="success",
        )
        == created
    )
    assert (
        _value(samples, "scimitar_app_requests_total", app="Measured", method="POST", status="201")
        == created
    )
    latency_count = _value(
        samples, "scimitar_app_request_duration_seconds_count", app="Measured", method="POST"
    )
    assert latency_count == created
    assert _value(samples, "scimitar_directory_objects", type="user") == 3
    assert _value(samples, "scimitar_escrows", app="Measured") == 0
    assert _value(samples, "scimitar_quarantined", app="Measured") == 0
    assert _value(samples, "scimitar_app_feed_lag_changes", app="Measured") == 0
    assert _value(samples, "scimitar_change_feed_watermark") >= 3
    lag = _value(samples, "scimitar_applied_change_lag_seconds", app="Measured")
    assert 0 < lag < 600  # from the users' commits to the end of the cycle that applied them

    run("directory", "user", "add", "dee@contoso.com", "givenName=dee")
    summary = server.cli_json("app", "sync", "Measured")
    assert summary["kind"] == "incremental"
    samples = _samples(_scrape(server, key)[1])
    assert _value(samples, "scimitar_cycles_total", **cycle) == 1
    assert (
        _value(
            samples, "scimitar_cycles_total", app="Measured", kind="incremental", result="succeeded"
        )
        == 1
    )
    assert (
        _value(samples, "scimitar_app_requests_total", app="Measured", method="POST", status="201")
        == created + 1
    )
    assert tenant["token"] not in text
