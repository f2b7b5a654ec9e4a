"""An HTTP server that echoes each request's headers back, as httpbin's /anything does.

The attacker's server of the saved-token tests: it records every request and answers with the
request line and headers as text, so a page that quoted its answer would show the token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from tests.conftest import free_port

__all__ = ["EchoServer", "echo_server"]


@dataclass
class EchoServer:
    """Where the echo server listens and the ``Authorization`` headers it received."""

    url: str
    authorizations: list[str] = field(default_factory=list)


@asynccontextmanager
async def echo_server() -> AsyncIterator[EchoServer]:
    """Serve the echo server on 127.0.0.1 at a free port until the block ends."""
    port = free_port()
    server = EchoServer(f"http://127.0.0.1:{port}/scim/")

    async def echo(request: web.Request) -> web.Response:
        server.authorizations.append(request.headers.get("Authorization", ""))
        lines = [f"{request.method} {request.path_qs}"]
        lines += [f"{name}: {value}" for name, value in request.headers.items()]
        return web.Response(text="\n".join(lines), content_type="text/plain")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield server
    finally:
        await runner.cleanup()
