"""``scimitar serve``: the API, portal and embedded target in one process."""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from typing import Annotated, Any

import typer
import uvicorn

from scimitar.app import create_app
from scimitar.cli.output import JsonOption, fail
from scimitar.errors import ScimitarError
from scimitar.logs import configure_logging
from scimitar.metrics import use_directory
from scimitar.settings import Settings

__all__ = ["HostOption", "PortOption", "run_server", "serve"]

HostOption = Annotated[str, typer.Option("--host", help="Address to listen on.")]
PortOption = Annotated[int, typer.Option("--port", help="TCP port to listen on.")]


class _QuietDrops(logging.Filter):
    """Keeps the target's deliberate connection drops (a fault setting) out of the error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return type(exc).__name__ != "ConnectionDropError"


class _AnnouncingServer(uvicorn.Server):
    """Prints one JSON document on stdout once listening (``--json``)."""

    def __init__(self, config: uvicorn.Config, announcement: dict[str, Any] | None) -> None:
        super().__init__(config)
        self._announcement = announcement

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self._announcement is not None and self.started:
            sys.stdout.write(json.dumps({**self._announcement, "pid": os.getpid()}) + "\n")
            sys.stdout.flush()


def run_server(
    settings: Settings,
    host: str,
    port: int,
    *,
    include_target: bool = True,
    with_scheduler: bool = False,
    with_worker: bool = False,
    as_json: bool = False,
    access_log: bool = True,
) -> None:
    """Serve the app with uvicorn until interrupted; with ``as_json``, announce it as JSON.

    Logs follow ``SCIMITAR_LOG_FORMAT`` and ``SCIMITAR_LOG_LEVEL`` (JSON with ``as_json``,
    info level by default), uvicorn's own lines included; ``SCIMITAR_ACCESS_LOG`` overrides
    ``access_log`` (docs/operations.md, "Logs").
    """
    configure_logging(
        as_json=as_json,
        level_name=settings.log_level,
        log_format=settings.log_format,
        stdlib=True,
    )
    if settings.access_log is not None:
        access_log = settings.access_log
    use_directory(settings)
    app = create_app(
        settings,
        include_target=include_target,
        with_scheduler=with_scheduler,
        access_log=access_log,
        with_worker=with_worker,
    )
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,  # uvicorn's loggers propagate to the root logger configured above
        log_level="warning" if as_json else "info",
        access_log=False,
        server_header=False,
        lifespan="on",
    )
    announcement = {"status": "listening", "url": f"http://{host}:{port}"} if as_json else None
    _AnnouncingServer(config, announcement).run()


def serve(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    no_scheduler: Annotated[
        bool, typer.Option("--no-scheduler", help="Do not run provisioning cycles here.")
    ] = False,
    no_worker: Annotated[
        bool,
        typer.Option(
            "--no-worker",
            help="PostgreSQL store: leave queued jobs to `scimitar worker` processes.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Run Scimitar: the embedded SCIM target and the scheduler that runs each app's cycles.

    On a PostgreSQL store the scheduler queues due cycles (one scheduler acts, however many
    `serve` processes run) and an embedded worker runs queued jobs unless --no-worker.
    With --json, stdout gets one JSON document once the server listens; logs go to stderr.
    """
    try:
        run_server(
            Settings(),
            host,
            port,
            with_scheduler=not no_scheduler,
            with_worker=not no_worker,
            as_json=as_json,
        )
    except ScimitarError as exc:
        fail(str(exc))
