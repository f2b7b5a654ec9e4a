"""What a failed connection attempt means: DNS, refused, TLS, timeout or reset."""

from __future__ import annotations

import asyncio
import errno
import ssl

import aiohttp

from scimitar.connector.errors import NetworkFailure, TargetTLSError, TargetUnreachableError

__all__ = ["network_error"]

_TLS_ERRORS = (aiohttp.ClientSSLError, aiohttp.ServerFingerprintMismatch, ssl.SSLError)
_TIMEOUTS = (asyncio.TimeoutError, aiohttp.ServerTimeoutError, TimeoutError)


def network_error(
    url: str, exc: BaseException, timeout_seconds: float
) -> TargetUnreachableError | TargetTLSError:
    """The connector error for an exception raised while sending to ``url``.

    Args:
        url: The request's URL.
        exc: What aiohttp (or the socket layer) raised.
        timeout_seconds: The limit in force, for the timeout message.
    """
    if isinstance(exc, _TLS_ERRORS):
        return TargetTLSError(url, _tls_reason(exc))
    if isinstance(exc, _TIMEOUTS):
        return TargetUnreachableError(
            NetworkFailure.TIMEOUT, url, f"no answer within {timeout_seconds:g} seconds"
        )
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return TargetUnreachableError(NetworkFailure.DNS, url, _os_reason(exc))
    if isinstance(exc, aiohttp.ClientConnectorError) and _is_refused(exc):
        return TargetUnreachableError(NetworkFailure.REFUSED, url, "connection refused")
    return TargetUnreachableError(NetworkFailure.RESET, url, _os_reason(exc))


def _is_refused(exc: aiohttp.ClientConnectorError) -> bool:
    cause = exc.os_error
    return isinstance(cause, ConnectionRefusedError) or cause.errno == errno.ECONNREFUSED


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return exc.os_error.strerror or str(exc.os_error) or type(exc.os_error).__name__
    return str(exc) or type(exc).__name__


def _tls_reason(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return str(exc.certificate_error)
    if isinstance(exc, aiohttp.ClientConnectorSSLError):
        return str(exc.os_error)
    return str(exc) or type(exc).__name__
