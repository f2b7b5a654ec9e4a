"""Test Connection: each way the probe can fail gets its own message and hint (docs/entra.md
§1.3)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from tests.unit.connector.fakes import Answer, FakeTransport, empty_list, scim

from scimitar.connector import (
    Credentials,
    NetworkFailure,
    ProbeFailureKind,
    SCIMClient,
    TargetTLSError,
    TargetUnreachableError,
    TransportRequest,
    TransportResponse,
    probe_connection,
)
from scimitar.secrets import Secret

TENANT_URL = "https://api.webex.com/v1/scim/0f4ee8c4-7d4c-4a36-9a4e-0b7b2c1f3a55/"


def _client(answer: Answer) -> tuple[SCIMClient, FakeTransport]:
    transport = FakeTransport(answer)
    return SCIMClient(Credentials(TENANT_URL, Secret("tok-1234567")), transport), transport


def _raise(error: Exception) -> Answer:
    def answer(_request: TransportRequest) -> TransportResponse:
        raise error

    return answer


async def test_an_empty_list_passes_and_probes_like_entra() -> None:
    client, transport = _client(lambda _r: empty_list())
    result = await probe_connection(client, include_groups=True)
    assert result.is_ok
    users, groups, *listings = (urlsplit(request.url) for request in transport.sent)
    # Then one-item listings to check the filters on an object the app holds: none here.
    assert [parse_qs(u.query)["count"] for u in listings] == [["1"], ["1"]]
    assert result.warnings == ()
    assert users.path == "/v1/scim/0f4ee8c4-7d4c-4a36-9a4e-0b7b2c1f3a55/Users"
    assert parse_qs(users.query)["filter"][0].startswith('userName eq "')
    assert parse_qs(groups.query)["excludedAttributes"] == ["members"]
    assert parse_qs(groups.query)["filter"][0].startswith('displayName eq "')
    headers = transport.sent[0].headers
    assert headers["Authorization"] == "Bearer tok-1234567"
    assert headers["Accept"] == "application/scim+json"
    assert headers["User-Agent"].startswith("scimitar/")


async def test_groups_are_not_probed_when_group_provisioning_is_off() -> None:
    client, transport = _client(lambda _r: empty_list())
    result = await probe_connection(client, user_attribute="externalId")
    assert [step.resource for step in result.steps] == ["Users"]
    assert "externalId eq" in parse_qs(urlsplit(transport.sent[0].url).query)["filter"][0]


def _ignoring(resource: str) -> Answer:
    """An app holding one object of each type whose filters on ``resource`` find nothing."""

    def answer(request: TransportRequest) -> TransportResponse:
        url = urlsplit(request.url)
        query = parse_qs(url.query)
        kind = url.path.rsplit("/", 1)[-1]
        held = {"id": f"{kind}-1", "userName": "ada@contoso.com", "displayName": "Team"}
        if "filter" in query and ('"Team"' in query["filter"][0] or "ada@" in query["filter"][0]):
            hits = [] if kind == resource else [held]
        elif "filter" in query:
            hits = []
        else:
            hits = [held]
        schemas = ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
        return scim(200, {"schemas": schemas, "totalResults": len(hits), "Resources": hits})

    return answer


@pytest.mark.parametrize("resource", ["Groups", "Users"], ids=["groups", "users"])
async def test_a_filter_the_app_ignores_is_reported(resource: str) -> None:
    client, _transport = _client(_ignoring(resource))
    result = await probe_connection(client, include_groups=True)
    attribute = "displayName" if resource == "Groups" else "userName"
    assert result.is_ok
    assert result.warnings == (
        f"this app ignores filters on {resource}.{attribute}; matching lists "
        f"{resource.lower()} instead",
    )
    assert result.to_dict()["warnings"] == list(result.warnings)


async def test_filters_the_app_answers_give_no_warning() -> None:
    client, transport = _client(_ignoring("Nothing"))
    result = await probe_connection(client, include_groups=True)
    assert (result.is_ok, result.warnings) == (True, ())
    assert len(transport.sent) == 6  # two probes, then a listing and a filter per type


HTML = TransportResponse(200, {"content-type": "text/html"}, b"<!DOCTYPE html><html>Sign in</html>")


@pytest.mark.parametrize(
    ("answer", "kind", "in_message", "in_hint"),
    [
        (
            _raise(
                TargetUnreachableError(NetworkFailure.DNS, TENANT_URL, "Name or service not known")
            ),
            ProbeFailureKind.DNS,
            "api.webex.com",
            "DNS",
        ),
        (
            _raise(
                TargetUnreachableError(NetworkFailure.REFUSED, TENANT_URL, "connection refused")
            ),
            ProbeFailureKind.REFUSED,
            "api.webex.com:443",
            "running",
        ),
        (
            _raise(TargetTLSError(TENANT_URL, "certificate has expired")),
            ProbeFailureKind.TLS,
            "certificate has expired",
            "certificate",
        ),
        (
            _raise(
                TargetUnreachableError(
                    NetworkFailure.TIMEOUT, TENANT_URL, "no answer within 15 seconds"
                )
            ),
            ProbeFailureKind.TIMEOUT,
            "15 seconds",
            "reachable",
        ),
        (
            _raise(TargetUnreachableError(NetworkFailure.RESET, TENANT_URL, "Server disconnected")),
            ProbeFailureKind.RESET,
            "closed",
            "proxy",
        ),
        (
            lambda _r: scim(401, {"detail": "bad token"}),
            ProbeFailureKind.CREDENTIALS,
            "HTTP 401: bad token",
            "Secret Token",
        ),
        (lambda _r: scim(403, {}), ProbeFailureKind.CREDENTIALS, "HTTP 403", "admin rights"),
        (
            lambda _r: TransportResponse(404, {}, b"Not Found"),
            ProbeFailureKind.NOT_FOUND,
            "/v1/scim/0f4ee8c4-7d4c-4a36-9a4e-0b7b2c1f3a55/Users",
            "path of the Tenant URL",
        ),
        (lambda _r: HTML, ProbeFailureKind.NOT_SCIM, "HTTP 200, text/html", "SCIM base URL"),
        (
            lambda _r: TransportResponse(502, {}, b"Bad gateway"),
            ProbeFailureKind.NOT_SCIM,
            "HTTP 502",
            "proxy",
        ),
        (
            lambda _r: scim(
                500, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": "boom"}
            ),
            ProbeFailureKind.HTTP_ERROR,
            "HTTP 500",
            "support",
        ),
        (
            lambda _r: scim(
                200,
                {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                    "totalResults": 3,
                    "Resources": [{}, {}, {}],
                },
            ),
            ProbeFailureKind.FILTER_IGNORED,
            "3 object(s)",
            "filtering",
        ),
    ],
    ids=[
        "dns",
        "refused",
        "tls",
        "timeout",
        "reset",
        "401",
        "403",
        "404",
        "html",
        "502-text",
        "500-scim",
        "filter-ignored",
    ],
)
async def test_each_failure_has_its_message_and_hint(
    answer: Answer, kind: ProbeFailureKind, in_message: str, in_hint: str
) -> None:
    client, _ = _client(answer)
    result = await probe_connection(client)
    assert not result.is_ok
    assert result.failure is not None
    assert result.failure.kind is kind
    assert in_message in result.failure.message
    assert in_hint in result.failure.hint


async def test_a_non_scim_body_is_described_never_quoted() -> None:
    client, _ = _client(lambda _r: HTML)
    result = await probe_connection(client)
    assert result.failure is not None
    assert "text/html, 35 bytes" in result.failure.message
    assert "Sign in" not in str(result.to_dict())
    assert result.to_dict()["failure"]["status"] == 200


def _echo(request: TransportRequest) -> TransportResponse:
    echoed = f"GET {request.url}\nAuthorization: {request.headers['Authorization']}".encode()
    return TransportResponse(200, {"content-type": "text/plain"}, echoed)


def _scim_echo(request: TransportRequest) -> TransportResponse:
    return scim(401, {"detail": f"got {request.headers['Authorization']}"})


@pytest.mark.parametrize("answer", [_echo, _scim_echo], ids=["plain-echo", "scim-detail-echo"])
async def test_a_server_echoing_the_request_never_shows_the_token(answer: Answer) -> None:
    client, _ = _client(answer)
    result = await probe_connection(client)
    assert result.failure is not None
    assert "tok-1234567" not in str(result.to_dict())


async def test_the_token_is_not_in_the_report() -> None:
    client, _ = _client(lambda _r: scim(401, {}))
    result = await probe_connection(client)
    assert "tok-1234567" not in str(result.to_dict())
