"""The portal's "Validate an endpoint" page, run against scim2-server over a real socket."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.integration.portal.conftest import Browser

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "tok_validate_never_shown_91c3"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "scim2_server_app.py"), str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/ServiceProviderConfig", timeout=1):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


async def test_the_page_runs_the_scenarios_and_shows_the_report(
    portal_client: Browser, endpoint: str
) -> None:
    await portal_client.sign_in()
    page = await portal_client.client.get("/portal/validate")
    assert page.status_code == 200
    assert 'aria-current="page">Validate an endpoint</a>' in page.text
    form = {"url": endpoint, "token": TOKEN, "dialect": "entra-2020", "only": "groups"}
    passed = await portal_client.post("/portal/validate", form)
    assert passed.status_code == 200
    assert "Report: passed" in passed.text
    assert "<td>group-members</td>" in passed.text
    failed = await portal_client.post("/portal/validate", {**form, "dialect": "entra-legacy"})
    assert "Report: failed" in failed.text
    assert "ADSCIM/2.0/Group" in failed.text  # the rejected group schema URN, with the request
    assert TOKEN not in passed.text + failed.text


async def test_a_bad_url_is_named(portal_client: Browser) -> None:
    await portal_client.sign_in()
    answer = await portal_client.post("/portal/validate", {"url": "ftp://x", "token": "t"})
    assert answer.status_code == 400
    assert "is not an absolute http(s) URL" in answer.text
