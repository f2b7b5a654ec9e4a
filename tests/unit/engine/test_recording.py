"""The plan's transport: reads reach the app, writes are recorded and answered as an app would."""

from __future__ import annotations

import json

import pytest

from scimitar.connector.bulk import BulkOperation, bulk_bodies, bulk_results
from scimitar.connector.ratelimit import AdaptiveConcurrency, BucketRule, Throttle, TokenBucket
from scimitar.connector.transport import TransportRequest, TransportResponse
from scimitar.engine.run.recording import (
    PLANNED_ID_PREFIX,
    RecordingTransport,
    RequestLog,
    reads_only_throttle,
)

TENANT = "https://app.example/scim/v2"


class App:
    """An app that answers every request it gets with 200 and remembers it."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def send(self, request: TransportRequest) -> TransportResponse:
        self.seen.append(f"{request.method} {request.url}")
        return TransportResponse(200, {}, b'{"Resources": []}')

    async def close(self) -> None:
        pass


def _request(method: str, path: str, body: object = None) -> TransportRequest:
    encoded = None if body is None else json.dumps(body).encode()
    return TransportRequest(method, f"{TENANT}{path}", {}, encoded)


async def test_reads_reach_the_app_and_writes_never_do() -> None:
    app, log = App(), RequestLog()
    transport = RecordingTransport(app, log)

    read = await transport.send(_request("GET", '/Users?filter=userName eq "a"'))
    created = await transport.send(_request("POST", "/Users", {"userName": "ada"}))
    patched = await transport.send(_request("PATCH", "/Users/x1", {"Operations": []}))
    deleted = await transport.send(_request("DELETE", "/Users/x2"))

    assert app.seen == [f'GET {TENANT}/Users?filter=userName eq "a"']
    assert read.status == 200
    assert created.status == 201
    body = json.loads(created.body)
    assert body["userName"] == "ada"
    assert body["id"].startswith(PLANNED_ID_PREFIX)
    assert (patched.status, deleted.status) == (204, 204)
    assert [(w.method, w.path) for w in log.writes] == [
        ("POST", "/Users"),
        ("PATCH", "/Users/x1"),
        ("DELETE", "/Users/x2"),
    ]
    assert log.by_method() == {"DELETE": 1, "GET": 1, "PATCH": 1, "POST": 1}


async def test_a_bulk_request_is_answered_so_the_connector_reads_every_operation_as_done() -> None:
    operations = [
        BulkOperation("POST", "/Users", bulk_id="a", data={"userName": "ada"}),
        BulkOperation("PATCH", "/Users/x1", data={"Operations": []}),
        BulkOperation("DELETE", "/Users/x2"),
    ]
    [body] = bulk_bodies(operations, 100)
    transport = RecordingTransport(App(), RequestLog())

    answer = await transport.send(_request("POST", "/Bulk", body))

    results = bulk_results(operations, 0, json.loads(answer.body), f"{TENANT}/Bulk")
    assert [r.status for r in results] == [201, 200, 204]
    assert all(r.error is None for r in results)
    assert str(results[0].target_id).startswith(PLANNED_ID_PREFIX)


@pytest.mark.parametrize(
    ("applies_to", "kept"),
    [
        ("all", "reads"),
        ("reads", "reads"),
        ("writes", None),
        ("GET /Users", "GET /Users"),
        ("POST /Users", None),
    ],
    ids=["all-becomes-reads", "reads", "writes-dropped", "get-kept", "post-dropped"],
)
def test_a_plan_is_rate_limited_on_reads_only(applies_to: str, kept: str | None) -> None:
    throttle = Throttle(AdaptiveConcurrency(4), [BucketRule(applies_to, TokenBucket(10, 1))])

    limited = reads_only_throttle(throttle)

    assert [r.applies_to for r in limited.rules] == ([kept] if kept else [])
