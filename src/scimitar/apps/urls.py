"""Checking a Tenant URL before it is saved (docs/entra.md §1.1: HTTPS only)."""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

from scimitar.errors import ConfigError

__all__ = ["is_loopback_host", "is_same_tenant_url", "validate_tenant_url"]

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` names this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.lower() in _LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_tenant_url(url: str, *, allow_insecure_http: bool = False) -> str:
    """The Tenant URL, checked: absolute, https (http only to loopback or when allowed).

    Args:
        url: What the admin entered.
        allow_insecure_http: Accept ``http://`` to any host (a lab without TLS).

    Raises:
        ConfigError: Saying what is wrong and how to fix it.
    """
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"Tenant URL {text!r} is not an absolute http(s) URL; "
            "enter the app's SCIM base URL, e.g. https://api.webex.com/v1/scim/<tenant id>/"
        )
    if parts.username or parts.password:
        raise ConfigError("Tenant URL must not carry a user name or password; use --token")
    if parts.fragment:
        raise ConfigError("Tenant URL must not have a #fragment")
    is_plain = parts.scheme == "http"
    if is_plain and not allow_insecure_http and not is_loopback_host(parts.hostname):
        raise ConfigError(
            f"Tenant URL {text!r} uses plain http to {parts.hostname}: the token would cross "
            "the network unencrypted. Use https, or pass --allow-insecure-http for a lab"
        )
    return text


def _origin_and_path(parts: SplitResult) -> tuple[str, str, int | None, str, str]:
    default = {"https": 443, "http": 80}.get(parts.scheme.lower())
    return (
        parts.scheme.lower(),
        (parts.hostname or "").lower(),
        parts.port or default,
        parts.path.rstrip("/"),
        parts.query,
    )


def is_same_tenant_url(first: str, second: str) -> bool:
    """Whether two Tenant URLs name the same endpoint.

    Scheme and host compare without case, an explicit default port equals none, and a trailing
    slash is ignored; any other difference (host, port, path, query) makes another URL.
    """
    try:
        return _origin_and_path(urlsplit(first.strip())) == _origin_and_path(
            urlsplit(second.strip())
        )
    except ValueError:
        return False
