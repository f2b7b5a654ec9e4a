"""Security findings reproduced against a real ``scimitar serve`` over a socket.

Each test is the finding's repro: it must now end in a refusal, a 413, an ended session or a
429 (docs/security.md).
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from tests.e2e.conftest import Server
from tests.echoserver import echo_server

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture(scope="module", autouse=True)
def admin_password(server: Server) -> None:
    """The admin password of the server's store, set as an admin sets it."""
    subprocess.run(
        [sys.executable, "-m", "scimitar", "admin", "set-password", "--password-stdin"],
        input=PASSWORD + "\n",
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


@asynccontextmanager
async def _signed_in(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        response = await client.post(
            "/portal/signin", data={"method": "password", "password": PASSWORD}
        )
        assert response.status_code == 303, response.text
        yield client


async def _csrf(client: httpx.AsyncClient, path: str = "/portal/apps") -> str:
    found = _CSRF.search((await client.get(path)).text)
    assert found is not None, f"no CSRF token on {path}"
    return found.group(1)


async def test_the_saved_token_is_never_sent_to_a_new_tenant_url(server: Server) -> None:
    token = "tok_e2e_saved_3f9a0c"
    app = server.cli_json("app", "add", "cisco-webex", "--name", "Echo test")
    server.cli(
        "app",
        "credentials",
        app["id"],
        "--tenant-url",
        "http://127.0.0.1:9/scim/",
        "--token",
        token,
    )
    async with echo_server() as echo, _signed_in(server) as client:
        page = f"/portal/apps/{app['id']}/provisioning"
        csrf = await _csrf(client, page)
        tested = await client.post(
            f"{page}/test", data={"csrf": csrf, "tenant_url": echo.url, "token": ""}
        )
        saved = await client.post(
            page,
            data={"csrf": csrf, "tenant_url": echo.url, "token": "", "status": "off"},
        )
    for response in (tested, saved):
        assert response.status_code == 400
        assert "enter the Secret Token again" in response.text
        assert token not in response.text
    assert echo.authorizations == []
    shown = server.cli_json("app", "show", app["id"])
    assert shown["tenantUrl"] == "http://127.0.0.1:9/scim/"
