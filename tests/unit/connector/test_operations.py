"""TargetOperations over a scripted transport: retries, backoff, Bulk results, concurrency."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.unit.connector.fakes import Answer, FakeTransport, scim

from scimitar.apps.model import ConnectorOptions
from scimitar.connector import (
    Credentials,
    NetworkFailure,
    SCIMClient,
    TargetAuthError,
    TargetObjectConflictError,
    TargetObjectNotFoundError,
    TargetRejectedObjectError,
    TargetResponseError,
    TargetTLSError,
    TargetUnavailableError,
    TargetUnreachableError,
    TransportRequest,
    TransportResponse,
)
from scimitar.connector.bulk import NOT_RUN, BulkOperation, BulkOperationNotRunError
from scimitar.connector.operations import TargetOperations
from scimitar.connector.retries import RetryPolicy
from scimitar.errors import SyncError
from scimitar.gallery.schema import UpdateMethod
from scimitar.secrets import Secret

TENANT_URL = "https://target.example/scim/v2/"
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
USER = {"id": "u-1", "userName": "ada@example.com"}


@dataclass
class Script:
    """Answers requests in turn from a list (responses, or errors to raise); the last repeats."""

    steps: list[TransportResponse | Exception]
    sent: list[TransportRequest] = field(default_factory=list)

    def __call__(self, request: TransportRequest) -> TransportResponse:
        self.sent.append(request)
        step = self.steps[min(len(self.sent), len(self.steps)) - 1]
        if isinstance(step, Exception):
            raise step
        return step


@dataclass
class Recording:
    """Answers with ``answer`` and keeps every request."""

    answer: Answer
    sent: list[TransportRequest] = field(default_factory=list)

    def __call__(self, request: TransportRequest) -> TransportResponse:
        self.sent.append(request)
        return self.answer(request)


@dataclass
class Waits:
    """A ``sleep`` that records the waits instead of waiting."""

    seconds: list[float] = field(default_factory=list)

    async def __call__(self, delay: float) -> None:
        self.seconds.append(delay)


def _options(bulk_max: int | None = 100) -> ConnectorOptions:
    return ConnectorOptions(UpdateMethod.PATCH, True, bulk_max, True, None)


def _operations(
    answer: Answer,
    *,
    bulk_max: int | None = 100,
    retries: int = 3,
    random: Callable[[], float] = lambda: 0.5,
) -> tuple[TargetOperations, Waits]:
    client = SCIMClient(Credentials(TENANT_URL, Secret("tok")), FakeTransport(answer))
    waits = Waits()
    ops = TargetOperations(
        client, _options(bulk_max), retries=retries, clock=lambda: NOW, sleep=waits, random=random
    )
    return ops, waits


def _query(request: TransportRequest) -> dict[str, list[str]]:
    return parse_qs(urlsplit(request.url).query)


def _unreachable(kind: NetworkFailure) -> TargetUnreachableError:
    return TargetUnreachableError(kind, TENANT_URL, kind.value)


THROTTLED = scim(429, {"status": "429"}, {"retry-after": "2"})
BUSY = scim(503, {"status": "503", "detail": "busy"})


# --- retries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("2", 2.0), ("Wed, 01 Jan 2025 12:00:30 GMT", 30.0)],
    ids=["seconds", "http-date"],
)
async def test_429_waits_what_retry_after_says_then_succeeds(
    retry_after: str, expected: float
) -> None:
    throttled = scim(429, {"status": "429"}, {"retry-after": retry_after})
    script = Script([throttled, scim(200, USER)])
    ops, waits = _operations(script)
    assert await ops.get("User", "u-1") == USER
    assert waits.seconds == [expected]
    assert len(script.sent) == 2


async def test_503_without_retry_after_backs_off_exponentially_with_jitter() -> None:
    jitter: Iterator[float] = iter([0.0, 0.5, 1.0])
    script = Script([BUSY, BUSY, BUSY, scim(204, None)])
    ops, waits = _operations(script, random=lambda: next(jitter))
    await ops.patch("User", "u-1", {"Operations": []})
    # Equal jitter over steps 0.5, 1 and 2 s: half fixed, half scaled by the random draw.
    assert waits.seconds == [0.25, 0.75, 2.0]


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(retries=20, base=0.5, cap=30.0)
    assert policy.backoff(12, lambda: 1.0) == 30.0
    assert policy.backoff(12, lambda: 0.0) == 15.0


async def test_gives_up_after_the_configured_retries_with_the_last_error() -> None:
    script = Script([BUSY])
    ops, waits = _operations(script, retries=2)
    with pytest.raises(TargetUnavailableError) as caught:
        await ops.get("User", "u-1")
    assert caught.value.status == 503
    assert caught.value.detail == "busy"
    assert len(script.sent) == 3
    assert len(waits.seconds) == 2


async def test_a_retry_after_beyond_the_limit_is_not_waited_out() -> None:
    script = Script([scim(429, {"status": "429"}, {"retry-after": "3600"}), scim(200, USER)])
    ops, waits = _operations(script)
    with pytest.raises(TargetUnavailableError) as caught:
        await ops.get("User", "u-1")
    assert caught.value.retry_after is not None
    assert waits.seconds == []


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, TargetRejectedObjectError),
        (404, TargetObjectNotFoundError),
        (409, TargetObjectConflictError),
        (408, TargetUnavailableError),
    ],
    ids=["400", "404", "409", "408"],
)
async def test_a_4xx_other_than_429_is_never_retried(status: int, error: type[SyncError]) -> None:
    script = Script([scim(status, {"status": str(status)}), scim(204, None)])
    ops, waits = _operations(script)
    with pytest.raises(error):
        await ops.patch("User", "u-1", {"Operations": []})
    assert len(script.sent) == 1
    assert waits.seconds == []


async def test_a_patch_is_retried_after_a_timeout() -> None:
    script = Script([_unreachable(NetworkFailure.TIMEOUT), scim(204, None)])
    ops, waits = _operations(script)
    await ops.patch("User", "u-1", {"Operations": []})
    assert len(waits.seconds) == 1


@pytest.mark.parametrize(
    "failure",
    [
        _unreachable(NetworkFailure.TIMEOUT),
        _unreachable(NetworkFailure.RESET),
        scim(500, {"status": "500"}),
        scim(502, {"status": "502"}),
    ],
    ids=["timeout", "reset", "500", "502"],
)
async def test_a_create_is_not_retried_when_the_target_may_have_acted(
    failure: TransportResponse | Exception,
) -> None:
    script = Script([failure, scim(201, USER)])
    ops, waits = _operations(script)
    with pytest.raises((TargetUnreachableError, TargetUnavailableError)):
        await ops.create("User", {"userName": "ada@example.com"})
    assert len(script.sent) == 1
    assert waits.seconds == []


@pytest.mark.parametrize(
    "failure",
    [_unreachable(NetworkFailure.REFUSED), THROTTLED, BUSY],
    ids=["refused", "429", "503"],
)
async def test_a_create_is_retried_when_the_target_provably_did_not_act(
    failure: TransportResponse | Exception,
) -> None:
    script = Script([failure, scim(201, USER)])
    ops, _ = _operations(script)
    assert await ops.create("User", {"userName": "ada@example.com"}) == USER
    assert len(script.sent) == 2


async def test_a_tls_failure_is_not_retried() -> None:
    script = Script([TargetTLSError(TENANT_URL, "certificate verify failed"), scim(200, USER)])
    ops, _ = _operations(script)
    with pytest.raises(TargetTLSError):
        await ops.get("User", "u-1")
    assert len(script.sent) == 1


# --- single operations ---------------------------------------------------------------------


async def test_find_escapes_the_value_and_leaves_members_out_of_groups() -> None:
    script = Script([scim(200, {"totalResults": 0})])
    ops, _ = _operations(script)
    assert await ops.find("Group", "displayName", 'Sales "EU" \\ Ops') == []
    query = _query(script.sent[0])
    assert query["filter"] == ['displayName eq "Sales \\"EU\\" \\\\ Ops"']
    assert query["excludedAttributes"] == ["members"]


async def test_find_returns_the_resources() -> None:
    script = Script([scim(200, {"totalResults": 1, "Resources": [USER]})])
    ops, _ = _operations(script)
    assert await ops.find("User", "userName", "ADA@example.com") == [USER]
    assert "excludedAttributes" not in _query(script.sent[0])


async def test_find_refuses_an_answer_that_is_not_a_list_response() -> None:
    ops, _ = _operations(Script([scim(200, {"totalResults": 1, "Resources": "ada"})]))
    with pytest.raises(TargetResponseError):
        await ops.find("User", "userName", "ada")


async def test_get_is_none_on_404_and_asks_groups_without_members() -> None:
    script = Script([scim(404, {"status": "404"})])
    ops, _ = _operations(script)
    assert await ops.get("Group", "g/1") is None
    assert urlsplit(script.sent[0].url).path == "/scim/v2/Groups/g%2F1"
    assert _query(script.sent[0])["excludedAttributes"] == ["members"]


@pytest.mark.parametrize(
    ("object_type", "query"),
    [("Group", {"excludedAttributes": ["members"]}), ("User", {})],
    ids=["group-without-members", "user-as-is"],
)
async def test_patch_asks_a_group_back_without_its_members(
    object_type: str, query: dict[str, list[str]]
) -> None:
    script = Script([scim(200, {"id": "g-1"})])
    ops, _ = _operations(script)
    await ops.patch(object_type, "g-1", {"Operations": []})
    assert script.sent[0].method == "PATCH"
    assert _query(script.sent[0]) == query


async def test_create_needs_an_id_in_the_answer() -> None:
    ops, _ = _operations(Script([scim(201, {"userName": "ada"})]))
    with pytest.raises(TargetResponseError, match="no id"):
        await ops.create("User", {"userName": "ada"})


async def test_delete_raises_not_found_for_the_engine_to_decide() -> None:
    ops, _ = _operations(Script([scim(404, {"status": "404"})]))
    with pytest.raises(TargetObjectNotFoundError):
        await ops.delete("User", "u-1")


def _paged(total: int) -> Answer:
    users = [{"id": f"u-{n}"} for n in range(1, total + 1)]

    def answer(request: TransportRequest) -> TransportResponse:
        query = _query(request)
        start, count = int(query["startIndex"][0]), int(query["count"][0])
        page = users[start - 1 : start - 1 + count]
        return scim(200, {"totalResults": total, "startIndex": start, "Resources": page})

    return answer


async def test_list_all_pages_with_start_index_until_total_results() -> None:
    script = Recording(_paged(5))
    ops, _ = _operations(script)
    pages = [page async for page in ops.list_all("User", page_size=2)]
    assert [[u["id"] for u in page] for page in pages] == [["u-1", "u-2"], ["u-3", "u-4"], ["u-5"]]
    assert [_query(r)["startIndex"] for r in script.sent] == [["1"], ["3"], ["5"]]


async def test_list_all_stops_on_an_empty_page_when_the_total_is_wrong() -> None:
    ops, _ = _operations(Script([scim(200, {"totalResults": 10, "Resources": []})]))
    assert [page async for page in ops.list_all("Group")] == []


# --- Bulk ----------------------------------------------------------------------------------


def _posts(count: int) -> list[BulkOperation]:
    return [
        BulkOperation("POST", "/Users", bulk_id=f"b{n}", data={"userName": f"u{n}"})
        for n in range(count)
    ]


def _echo_bulk(fail: Callable[[dict[str, Any]], int | None] = lambda _op: None) -> Answer:
    """A Bulk endpoint creating everything, except what ``fail`` gives a status for."""

    def answer(request: TransportRequest) -> TransportResponse:
        body = json.loads(request.body or b"{}")
        results = []
        for op in body["Operations"]:
            status = fail(op)
            if status is None:
                location = f"https://t/Users/id-{op['bulkId']}"
                results.append({"bulkId": op["bulkId"], "status": 201, "location": location})
            else:
                error = {"status": str(status), "detail": "taken"}
                results.append({"bulkId": op["bulkId"], "status": status, "response": error})
        return scim(200, {"Operations": results})

    return answer


async def test_bulk_results_follow_the_rfc_example_with_string_statuses() -> None:
    document = json.loads((SAMPLES / "rfc7644-3.7.3-bulk-response.json").read_text())
    operations = [
        BulkOperation("POST", "/Users", bulk_id="qwerty", data={}),
        BulkOperation("POST", "/Groups", bulk_id="ytrewq", data={}),
        BulkOperation("PUT", "/Users/b7c14771-226c-4d05-8860-134711653041", data={}),
        BulkOperation("PATCH", "/Users/5d8d29d3-342c-4b5f-8683-a3cb6763ffcc", data={}),
        BulkOperation("DELETE", "/Users/e9025315-6bea-44e1-899c-1e07454e468b"),
    ]
    ops, _ = _operations(Script([scim(200, document)]))
    results = await ops.bulk(operations)
    assert [(r.index, r.status) for r in results] == [
        (0, 201),
        (1, 400),
        (2, 412),
        (3, 200),
        (4, 204),
    ]
    assert results[0].target_id == "92b725cd-9465-4e7d-8c16-01f8e146b87a"
    assert isinstance(results[1].error, TargetRejectedObjectError)
    assert results[1].error.scim_type == "invalidSyntax"
    assert isinstance(results[2].error, TargetRejectedObjectError)
    assert results[2].error.detail == "Failed to update. Resource changed on the server."
    assert [r.error for r in (results[0], results[3], results[4])] == [None, None, None]


async def test_bulk_maps_answers_back_by_bulk_id_whatever_their_order() -> None:
    answers = [
        {"bulkId": "b1", "status": {"code": "409"}, "response": {"detail": "exists"}},
        {"bulkId": "b0", "status": "201", "location": "https://t/Users/x0"},
    ]
    ops, _ = _operations(Script([scim(200, {"Operations": answers})]))
    first, second = await ops.bulk(_posts(2))
    assert (first.index, first.status, first.target_id, first.error) == (0, 201, "x0", None)
    assert (second.index, second.status, second.target_id) == (1, 409, None)
    assert isinstance(second.error, TargetObjectConflictError)


async def test_bulk_splits_requests_by_the_apps_maximum() -> None:
    script = Recording(_echo_bulk())
    ops, _ = _operations(script, bulk_max=2)
    results = await ops.bulk(_posts(5))
    sizes = [len(json.loads(r.body or b"{}")["Operations"]) for r in script.sent]
    assert sizes == [2, 2, 1]
    assert [(r.index, r.target_id) for r in results] == [(n, f"id-b{n}") for n in range(5)]


def _posts_of(sizes: list[int]) -> list[BulkOperation]:
    return [
        BulkOperation("POST", "/Users", bulk_id=f"b{n}", data={"userName": "x" * size})
        for n, size in enumerate(sizes)
    ]


@pytest.mark.parametrize("fail_on_errors", [None, 5], ids=["together", "one-by-one"])
async def test_bulk_keeps_each_request_within_the_apps_max_payload_size(
    fail_on_errors: int | None,
) -> None:
    """RFC 7644 §5 ``bulk.maxPayloadSize``: no request body passes it (the app would 413)."""
    limit = 1_000
    script = Recording(_echo_bulk())
    client = SCIMClient(Credentials(TENANT_URL, Secret("tok")), FakeTransport(script))
    options = ConnectorOptions(
        UpdateMethod.PATCH, True, 100, True, None, bulk_max_payload_size=limit
    )
    ops = TargetOperations(client, options, retries=0, clock=lambda: NOW, sleep=Waits())
    operations = _posts_of([300, 200, 250, 400, 100, 600, 50, 2_000, 10])

    results = await ops.bulk(operations, fail_on_errors=fail_on_errors)

    sent = [r.body or b"" for r in script.sent]
    big = [len(body) for body in sent if len(body) > limit]
    assert len(big) == 1  # the one operation larger than any request goes on its own
    assert [len(json.loads(b)["Operations"]) for b in sent if len(b) > limit] == [1]
    assert len(sent) > 2
    names = [op["data"]["userName"] for b in sent for op in json.loads(b)["Operations"]]
    assert names == [op.data["userName"] for op in operations if op.data]
    assert [(r.index, r.target_id) for r in results] == [(n, f"id-b{n}") for n in range(9)]


async def test_bulk_stops_sending_once_fail_on_errors_is_reached() -> None:
    script = Recording(_echo_bulk(lambda op: 409 if op["bulkId"] == "b1" else None))
    ops, _ = _operations(script, bulk_max=2)
    results = await ops.bulk(_posts(5), fail_on_errors=1)
    assert len(script.sent) == 1
    assert json.loads(script.sent[0].body or b"{}")["failOnErrors"] == 1
    assert [r.status for r in results] == [201, 409, NOT_RUN, NOT_RUN, NOT_RUN]
    assert all(isinstance(r.error, BulkOperationNotRunError) for r in results[2:])


async def test_an_operation_missing_from_the_answer_was_not_run() -> None:
    answers = [{"bulkId": "b0", "status": "201", "location": "https://t/Users/x0"}]
    ops, _ = _operations(Script([scim(200, {"Operations": answers})]))
    results = await ops.bulk(_posts(2))
    assert results[1].status == NOT_RUN
    assert isinstance(results[1].error, BulkOperationNotRunError)


async def test_a_failed_bulk_request_raises() -> None:
    ops, _ = _operations(Script([scim(413, {"status": "413", "detail": "too many"})]))
    with pytest.raises(TargetRejectedObjectError, match="too many"):
        await ops.bulk(_posts(2))


async def test_a_bulk_request_is_not_retried_after_a_reset() -> None:
    script = Script([_unreachable(NetworkFailure.RESET), scim(200, {"Operations": []})])
    ops, _ = _operations(script)
    with pytest.raises(TargetUnreachableError):
        await ops.bulk(_posts(1))
    assert len(script.sent) == 1


# --- concurrency ---------------------------------------------------------------------------


@dataclass
class CountingTransport:
    """A transport that holds each request for a few loop turns and counts those in flight."""

    in_flight: int = 0
    most: int = 0

    async def send(self, request: TransportRequest) -> TransportResponse:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        for _ in range(5):
            await asyncio.sleep(0)
        self.in_flight -= 1
        return self.answer(request)

    def answer(self, _request: TransportRequest) -> TransportResponse:
        return scim(200, USER)

    async def close(self) -> None:
        return None


async def test_requests_in_flight_never_exceed_the_concurrency() -> None:
    transport = CountingTransport()
    client = SCIMClient(Credentials(TENANT_URL, Secret("tok")), transport)
    ops = TargetOperations(client, _options(), concurrency=3)
    results = await asyncio.gather(*(ops.get("User", f"u-{n}") for n in range(20)))
    assert len(results) == 20
    assert transport.most == 3


@dataclass
class BulkTransport(CountingTransport):
    """A Bulk endpoint that answers each request after a few loop turns, counting overlaps.

    ``refuse`` maps the first bulkId of a request to the status its whole request gets.
    """

    refuse: dict[str, int] = field(default_factory=dict)
    finished: list[str] = field(default_factory=list)

    def answer(self, request: TransportRequest) -> TransportResponse:
        operations = json.loads(request.body or b"{}")["Operations"]
        first = operations[0]["bulkId"]
        self.finished.append(first)
        if first in self.refuse:
            status = self.refuse[first]
            return scim(status, {"status": str(status), "detail": f"refused {first}"})
        return _echo_bulk()(request)


def _bulk_ops(transport: BulkTransport) -> TargetOperations:
    client = SCIMClient(Credentials(TENANT_URL, Secret("tok")), transport)
    return TargetOperations(client, _options(2), concurrency=8, retries=0)


async def test_bulk_requests_without_fail_on_errors_are_in_flight_together() -> None:
    transport = BulkTransport()
    results = await _bulk_ops(transport).bulk(_posts(7))
    assert transport.most == 4  # 7 operations, 2 a request
    assert [(r.index, r.target_id) for r in results] == [(n, f"id-b{n}") for n in range(7)]


async def test_bulk_requests_with_fail_on_errors_go_one_after_another() -> None:
    transport = BulkTransport()
    results = await _bulk_ops(transport).bulk(_posts(5), fail_on_errors=3)
    assert transport.most == 1
    assert [r.status for r in results] == [201] * 5


async def test_a_refused_request_among_several_raises_once_every_request_finished() -> None:
    transport = BulkTransport(refuse={"b2": 400, "b4": 401})
    with pytest.raises(TargetAuthError, match="401"):
        await _bulk_ops(transport).bulk(_posts(7))
    assert sorted(transport.finished) == ["b0", "b2", "b4", "b6"]
