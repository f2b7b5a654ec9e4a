"""scim2-tester (an independent RFC 7643/7644 checker) against the target over a real socket."""

from __future__ import annotations

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


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
    failures = [f"{r.title}: {r.reason}" for r in results if r.status not in (Status.SUCCESS, Status.SKIPPED)]
    assert len(results) > 100
    assert failures == []
