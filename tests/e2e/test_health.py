"""``/healthz``, ``/readyz`` and ``/`` of a real ``scimitar serve`` whose PostgreSQL goes away.

The server reaches PostgreSQL through a proxy the test cuts and restores (the shared server
itself cannot be stopped): with the store gone ``/readyz`` answers 503 naming the store while
``/healthz`` still answers 200, and once the store is back ``/readyz`` answers 200 again.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PG_ADMIN_URL, _pg_admin, free_port
from tests.e2e.conftest import _wait_until_up
from tests.tcpproxy import TCPProxy

pytestmark = pytest.mark.postgres


def _get(url: str) -> tuple[int, Any]:
    request = urllib.request.Request(url)  # noqa: S310 - the test's own server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def _until(predicate: Any, seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = predicate()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


@pytest.fixture
def proxied_serve(tmp_path: Path) -> Iterator[tuple[str, TCPProxy]]:
    name = f"scimitar_health_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    host_port = PG_ADMIN_URL.split("@", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    proxy = TCPProxy((host, int(port or 5432)), free_port())
    proxy.up()
    user = PG_ADMIN_URL.split("://", 1)[1].split("@", 1)[0]
    env = {
        **os.environ,
        "SCIMITAR_DATA_DIR": str(tmp_path),
        "SCIMITAR_DATABASE_URL": f"postgresql+asyncpg://{user}@127.0.0.1:{proxy.port}/{name}",
    }
    http_port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "scimitar", "serve", "--port", str(http_port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{http_port}"
    try:
        _wait_until_up(url, process, log)
        yield url, proxy
    finally:
        process.terminate()
        process.wait(timeout=20)
        proxy.down()
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_readyz_follows_the_store_down_and_up(proxied_serve: tuple[str, TCPProxy]) -> None:
    url, proxy = proxied_serve
    status, body = _until(lambda: (r := _get(f"{url}/readyz"))[0] == 200 and r)
    assert status == 200, body
    assert body["status"] == "ready"
    assert body["checks"]["store"]["migration"] == body["checks"]["store"]["head"]
    assert body["checks"]["scheduler"]["ok"] is True

    proxy.down()
    status, body = _until(lambda: (r := _get(f"{url}/readyz"))[0] == 503 and r)
    assert status == 503, body
    assert body["status"] == "not ready"
    assert body["checks"]["store"]["ok"] is False
    assert body["checks"]["store"]["error"]
    assert _get(f"{url}/healthz")[0] == 200  # alive, only not ready

    proxy.up()
    status, body = _until(lambda: (r := _get(f"{url}/readyz"))[0] == 200 and r)
    assert status == 200, body
    assert body["checks"]["store"]["ok"] is True


def test_the_root_redirects_to_the_portal(proxied_serve: tuple[str, TCPProxy]) -> None:
    url, _ = proxied_serve

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(f"{url}/", timeout=10)
    with caught.value as redirect:
        assert redirect.code == 307
        assert redirect.headers["Location"] == "/portal/"
    with urllib.request.urlopen(f"{url}/", timeout=10) as response:  # noqa: S310
        assert response.status == 200
        assert response.url.endswith("/portal/") or "/portal/" in response.url
