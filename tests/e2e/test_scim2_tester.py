"""scim2-tester (an independent RFC 7643/7644 checker) against the target over a real socket."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import CheckResult, Status, check_server

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def _is_rfc_append(result: CheckResult) -> bool:
    """scim2-tester's one check that contradicts RFC 7644 §3.5.2.1, recognised precisely.

    Its ``check_add_attribute`` first adds a whole extension (every attribute filled), then
    adds each attribute of that extension again to the same resource and expects to read
    back only the second value. For a multi-valued attribute the RFC says "a new value is
    added to the attribute", so the target returns the first value followed by the second.
    Only extensions with multi-valued attributes meet this (Webex's Cisco extension has many;
    the RFC enterprise extension has none). A result is excused only when the returned list
    is exactly what the RFC requires: the earlier values, then the patched ones.
    """
    data: dict[str, Any] = result.data or {}
    expected, actual = data.get("expected"), data.get("modify_actual")
    if result.title != "check_add_attribute" or not isinstance(expected, list):
        return False
    if not isinstance(actual, list) or len(actual) <= len(expected):
        return False
    dump = [e.model_dump() if hasattr(e, "model_dump") else e for e in expected]
    tail = [a.model_dump() if hasattr(a, "model_dump") else a for a in actual[-len(expected) :]]
    return bool(dump == tail)


@pytest.mark.parametrize(
    ("profile", "url_form"),
    [("webex", 0), ("webex", 1), ("generic", 0)],
    ids=["webex-seed-url", "webex-v2-url", "generic"],
)
def test_scim2_tester_finds_no_failure(server: Server, profile: str, url_form: int) -> None:
    tenant = server.tenant(f"tester-{profile}-{url_form}", "--profile", profile, "--quirks", "rfc")
    http = httpx2.Client(
        base_url=tenant["tenant_urls"][url_form],
        headers={"Authorization": f"Bearer {tenant['token']}"},
        timeout=30,
    )
    with http:
        results = check_server(SyncSCIMClient(http))
    failed = [r for r in results if r.status not in (Status.SUCCESS, Status.SKIPPED)]
    unexplained = [f"{r.title}: {r.reason}" for r in failed if not _is_rfc_append(r)]
    assert len(results) > 100
    assert unexplained == []
    if profile == "generic":
        assert failed == []
