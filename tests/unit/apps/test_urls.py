"""Tenant URLs: https, except to this machine or when insecure http is allowed."""

from __future__ import annotations

import pytest

from scimitar.apps.urls import validate_tenant_url
from scimitar.errors import ConfigError


@pytest.mark.parametrize(
    "url",
    [
        "https://api.webex.com/v1/scim/abc/",
        "https://scim.example.com/?aadOptscim062020",
        "http://127.0.0.1:8000/v1/scim/abc/",
        "http://localhost/scim",
        "http://[::1]:9000/scim",
    ],
    ids=["https", "flags", "loopback-ip", "localhost", "ipv6-loopback"],
)
def test_accepted(url: str) -> None:
    assert validate_tenant_url(url) == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://scim.example.com/", "plain http"),
        ("api.webex.com/v1/scim", "absolute"),
        ("https://admin:pw@scim.example.com/", "user name"),
        ("https://scim.example.com/#x", "fragment"),
    ],
    ids=["http-remote", "relative", "userinfo", "fragment"],
)
def test_refused(url: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        validate_tenant_url(url)


def test_insecure_http_when_allowed() -> None:
    url = "http://scim.lab.internal/"
    assert validate_tenant_url(url, allow_insecure_http=True) == url
