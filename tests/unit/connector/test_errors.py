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
