"""``SCIMITAR_METRICS_PUBLIC=1``: ``GET /metrics`` answers a scraper without an API key."""

from __future__ import annotations

import urllib.request

import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

SERVER_ENV = {"SCIMITAR_METRICS_PUBLIC": "1"}


def test_public_metrics_need_no_key(server: Server) -> None:
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=30) as response:  # noqa: S310
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    assert "scimitar_change_feed_watermark" in text
    assert "scimitar_directory_objects" in text
