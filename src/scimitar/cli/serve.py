"""``scimitar serve``: the API, portal and embedded target in one process."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
import uvicorn

from scimitar.app import create_app
from scimitar.logs import configure_logging
from scimitar.settings import Settings

__all__ = ["HostOption", "PortOption", "run_server", "serve"]

HostOption = Annotated[str, typer.Option("--host", help="Address to listen on.")]
PortOption = Annotated[int, typer.Option("--port", help="TCP port to listen on.")]


class _QuietDrops(logging.Filter):
    """Keeps the target's deliberate connection drops (a fault setting) out of the error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return type(exc).__name__ != "ConnectionDropError"


def run_server(settings: Settings, host: str, port: int, *, include_target: bool = True) -> None:
    """Serve the app with uvicorn until interrupted."""
    configure_logging()
    app = create_app(settings, include_target=include_target)
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        server_header=False,
        lifespan="on",
    )
    uvicorn.Server(config).run()


def serve(host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Run Scimitar: the embedded SCIM target (and, as they land, the admin API and portal)."""
    run_server(Settings(), host, port)
