"""HTTP statuses and network failures map to what the engine does next."""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey

from scimitar.connector import (
    NetworkFailure,
    TargetAuthError,
    TargetNotImplementedError,
    TargetObjectConflictError,
    TargetObjectNotFoundError,
    TargetRejectedObjectError,
    TargetTLSError,
    TargetUnavailableError,
    TransportResponse,
    error_for_response,
)
from scimitar.connector.errors import retry_after_seconds
from scimitar.connector.network import network_error
from scimitar.errors import (
    JobError,
    ObjectError,
    RetryableError,
    TargetConflictError,
    TargetNotFoundError,
)

URL = "https://app.example/scim/Users"


@pytest.mark.parametrize(
    ("status", "kind", "family"),
    [
        (429, TargetUnavailableError, RetryableError),
        (503, TargetUnavailableError, RetryableError),
        (401, TargetAuthError, JobError),
        (403, TargetAuthError, JobError),
        (404, TargetObjectNotFoundError, TargetNotFoundError),
        (409, TargetObjectConflictError, TargetConflictError),
        (400, TargetRejectedObjectError, ObjectError),
    ],
    ids=["429", "503", "401", "403", "404", "409", "400"],
)
def test_statuses(status: int, kind: type[Exception], family: type[Exception]) -> None:
    body = b'{"detail": "said so", "scimType": "uniqueness"}'
    error = error_for_response("POST", URL, TransportResponse(status, {"retry-after": "7"}, body))
    assert isinstance(error, kind)
    assert isinstance(error, family)
    assert error.detail == "said so"
    assert error.status == status


def test_retry_after_is_read_on_429() -> None:
    error = error_for_response("GET", URL, TransportResponse(429, {"retry-after": "7"}, b""))
    assert error.retry_after == 7.0


def test_retry_after_as_a_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None


def _key() -> ConnectionKey:
    return ConnectionKey("app.example", 443, True, True, None, None, None)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (
            aiohttp.ClientConnectorDNSError(
                _key(), socket.gaierror(-2, "Name or service not known")
            ),
            NetworkFailure.DNS,
        ),
        (
            aiohttp.ClientConnectorError(_key(), ConnectionRefusedError(111, "Connection refused")),
            NetworkFailure.REFUSED,
        ),
        (
            aiohttp.ClientConnectorCertificateError(
                _key(), ssl.SSLCertVerificationError("expired")
            ),
            NetworkFailure.TLS,
        ),
        (TimeoutError(), NetworkFailure.TIMEOUT),
        (aiohttp.ServerDisconnectedError(), NetworkFailure.RESET),
    ],
    ids=["dns", "refused", "certificate", "timeout", "disconnected"],
)
def test_network_failures(exc: Exception, kind: NetworkFailure) -> None:
    error = network_error(URL, exc, 15.0)
    assert error.kind is kind
    assert isinstance(error, TargetTLSError if kind is NetworkFailure.TLS else RetryableError)


# Odd error bodies real servers send: the status classifies, the body only adds words.


@pytest.mark.parametrize(
    ("body", "detail", "scim_type"),
    [
        pytest.param(
            b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": 400,'
            b' "scimType": "invalidValue", "detail": "bad title"}',
            "bad title",
            "invalidValue",
            id="number-status",
        ),
        pytest.param(
            b'{"status": "400", "detail": "no schemas"}', "no schemas", None, id="no-schemas"
        ),
        pytest.param(
            b'{"detail": {"why": "nested"}, "scimType": 7}',
            '{"why": "nested"}',
            "7",
            id="odd-types",
        ),
        pytest.param(
            b'{"Errors": [{"description": "scim 1.1 style", "code": 400}]}',
            "scim 1.1 style",
            None,
            id="scim-1.1-errors",
        ),
        pytest.param(b'{"message": "plain api error"}', "plain api error", None, id="message"),
    ],
)
def test_error_bodies_are_read_leniently(body: bytes, detail: str, scim_type: str | None) -> None:
    error = error_for_response("PATCH", URL, TransportResponse(400, {}, body))
    assert isinstance(error, TargetRejectedObjectError)
    assert (error.status, error.detail, error.scim_type) == (400, detail, scim_type)
    assert str(error) == f"PATCH {URL}: HTTP 400: {detail}"


def test_the_http_status_classifies_whatever_the_body_says() -> None:
    body = b'{"status": 404, "detail": "gone"}'
    error = error_for_response("PATCH", URL, TransportResponse(502, {}, body))
    assert isinstance(error, TargetUnavailableError)
    assert error.status == 502


def test_501_is_not_implemented_not_an_outage() -> None:
    body = b'{"status": 501, "detail": "PATCH of title is not implemented"}'
    error = error_for_response("PATCH", URL, TransportResponse(501, {}, body))
    assert isinstance(error, TargetNotImplementedError)
    assert not isinstance(error, TargetUnavailableError)
    assert (error.status, error.detail) == (501, "PATCH of title is not implemented")


def test_an_html_error_page_is_quoted_as_its_text_in_short() -> None:
    page = (
        b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title>"
        b"<style>body{color:red}</style><script>var x = 1;</script></head>"
        b"<body><h1>502&nbsp;Bad Gateway</h1>\n\n<p>nginx/1.25</p>" + b"<p>more</p>" * 200
    )
    response = TransportResponse(502, {"content-type": "text/html"}, page)
    error = error_for_response("GET", URL, response)
    assert isinstance(error, TargetUnavailableError)
    assert error.detail.startswith("a body that is not SCIM JSON, starting '502 Bad Gateway 502")
    assert "<" not in error.detail
    assert "color" not in error.detail
    assert "var x" not in error.detail
    assert len(error.detail) < 200
    assert error.detail.endswith("…'")


@pytest.mark.parametrize(
    "body",
    [
        b"GET /scim/Users HTTP/1.1\r\nHost: app\r\nAuthorization: Bearer [redacted]\r\n",
        b"<html>echo: authorization=Bearer%20abc</html>",
        b"Cookie: session=1",
    ],
    ids=["echoed-request", "echoed-html", "cookie"],
)
def test_a_body_naming_a_credential_is_described_never_quoted(body: bytes) -> None:
    response = TransportResponse(400, {"content-type": "text/plain"}, body)
    error = error_for_response("POST", URL, response)
    assert error.detail == f"a body that is not SCIM JSON (text/plain, {len(body)} bytes)"
    assert "Bearer" not in str(error)
    assert "session" not in str(error)


@pytest.mark.parametrize(
    "body",
    [b"", b"  \n", b"{}", b'{"status": 500}'],
    ids=["empty", "blank", "empty-object", "status-only"],
)
def test_bodies_without_words_give_the_status_alone(body: bytes) -> None:
    error = error_for_response("DELETE", URL, TransportResponse(500, {}, body))
    assert error.detail == ""
    assert str(error) == f"DELETE {URL}: HTTP 500"


def test_json_that_is_not_an_object_is_quoted_in_short() -> None:
    error = error_for_response("DELETE", URL, TransportResponse(500, {}, b"[1, 2]"))
    assert error.detail == "a body that is not SCIM JSON, starting '[1, 2]'"


def test_binary_bodies_do_not_crash_and_keep_only_printable_text() -> None:
    body = b"\x00\xff\xfeOops\x07 broken\x1b[31m"
    error = error_for_response("GET", URL, TransportResponse(500, {}, body))
    assert "\x00" not in error.detail
    assert "\x1b" not in error.detail
    assert "Oops" in error.detail
    assert "broken" in error.detail
