"""Security findings reproduced against a real ``scimitar serve`` over a socket.

Each test is the finding's repro: it must now end in a refusal, a 413, an ended session or a
429 (docs/security.md).
"""

from __future__ import annotations

import asyncio
import re
import select
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

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


_HUNDRED_MB = 100 * 1024 * 1024
_CHUNK = 64 * 1024


def _peak_rss_kib(pid: int) -> int:
    """The process's peak resident memory (``VmHWM``), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for process {pid}")


def _stream_until_answered(url: str, path: str, headers: dict[str, str]) -> tuple[int, int]:
    """POST a 100 MB chunked body, stopping when the server answers; (status, bytes sent)."""
    parts = urlsplit(url)
    lines = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}", "Transfer-Encoding: chunked"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    chunk = f"{_CHUNK:x}\r\n".encode() + b"x" * _CHUNK + b"\r\n"
    sent = 0
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        try:
            while sent < _HUNDRED_MB:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(chunk)
                sent += _CHUNK
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = sock.recv(4096)
    status = int(answer.split(b" ", 2)[1])
    return status, sent


@pytest.mark.parametrize(
    ("with_key", "status"), [(False, 401), (True, 413)], ids=["anonymous-401", "keyed-413"]
)
def test_a_100_mb_post_is_refused_fast_without_growing_the_server(
    server: Server, with_key: bool, status: int
) -> None:
    key = server.cli_json("admin", "key", "create", f"big-body-{with_key}")["key"]
    headers = {"Content-Type": "application/json"}
    if with_key:
        headers["Authorization"] = f"Bearer {key}"
    # Warm up: the first requests of each kind allocate what the server keeps anyway.
    for _ in range(2):
        _stream_until_answered(server.url, "/api/v1/directory/users", headers)
    before = _peak_rss_kib(server.process.pid)
    started = time.monotonic()
    answered, sent = _stream_until_answered(server.url, "/api/v1/directory/users", headers)
    elapsed = time.monotonic() - started
    grown = _peak_rss_kib(server.process.pid) - before
    assert answered == status
    assert sent < 16 * 1024 * 1024, f"the server read {sent} bytes before answering"
    assert elapsed < 10, f"answered after {elapsed:.1f} s"
    assert grown < 4 * 1024, f"the server's peak RSS grew by {grown} KiB"


async def test_signing_out_ends_the_session_for_a_copied_cookie(server: Server) -> None:
    async with _signed_in(server) as client:
        cookie = client.cookies["scimitar_portal"]
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as thief:
            thief.cookies.set("scimitar_portal", cookie, path="/portal")
            assert (await thief.get("/portal/apps")).status_code == 200
            signed_out = await client.post("/portal/signout", data={"csrf": await _csrf(client)})
            assert signed_out.status_code == 303
            after = await thief.get("/portal/apps")
    assert after.status_code == 303
    assert after.headers["location"].startswith("/portal/signin")


async def test_guessing_the_password_gets_429_with_retry_after(server: Server) -> None:
    statuses = []
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        for attempt in range(12):
            response = await client.post(
                "/portal/signin", data={"method": "password", "password": f"guess number {attempt}"}
            )
            statuses.append(response.status_code)
            if response.status_code == 429:
                break
        wait = int(response.headers["retry-after"])
    assert statuses == [401] * 10 + [429]
    assert 1 <= wait <= 2
    # Let the block pass, so later tests of this server sign in as usual.
    await asyncio.sleep(wait)
