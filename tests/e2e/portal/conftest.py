"""A real ``scimitar serve`` (with its scheduler) and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import free_port
from tests.e2e.conftest import Server, _wait_until_up

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Screenshots of each step land here (gitignored), kept as test artifacts.
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "portal"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium (``scripts/ensure-chromium.sh`` installs it), for this module only.

    Playwright's sync API keeps an event loop running on this thread while it is started, so it
    is stopped after each module: the asyncio tests that follow in the same run need the thread.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing; run `bash scripts/ensure-chromium.sh`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def portal_page(chromium: Browser) -> Iterator[Page]:
    """A fresh laptop-sized browser tab (its own cookies)."""
    context = chromium.new_context(viewport={"width": 1360, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def portal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``scimitar serve`` WITH its scheduler on SQLite in a fresh data dir, with a password."""
    data = tmp_path_factory.mktemp("portal")
    port = free_port()
    env = {**os.environ, "SCIMITAR_DATA_DIR": str(data)}
    env.pop("SCIMITAR_DATABASE_URL", None)
    log = data / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "scimitar", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        server = Server(url, env, process, log)
        set_password(server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=20)


def set_password(server: Server) -> None:
    """Set the admin password of the server's store, as an admin would."""
    subprocess.run(
        [sys.executable, "-m", "scimitar", "admin", "set-password", "--password-stdin"],
        input=PASSWORD + "\n",
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


@pytest.fixture(scope="module")
def artifacts() -> Path:
    """The screenshot folder (each test overwrites its own files)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
