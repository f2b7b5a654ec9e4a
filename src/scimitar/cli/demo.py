"""``scimitar demo``: the seed scenario on the embedded defaults."""

from __future__ import annotations

import io
from typing import Annotated, Any

import typer
from rich.console import Console

from scimitar.cli.output import JsonOption, emit, run
from scimitar.cli.serve import HostOption, PortOption
from scimitar.demo import run_demo
from scimitar.settings import Settings

__all__ = ["demo"]


def demo(
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    once: Annotated[bool, typer.Option("--once", help="Exit after the walkthrough.")] = False,
    ldap: Annotated[
        bool,
        typer.Option("--ldap", help="Feed the directory from a local slapd (an LDAP source)."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Start Scimitar with an embedded Webex tenant and walk through the seed scenario.

    With --json, the walkthrough's outcome (tenant URLs, token, each step) is printed as one
    JSON document instead of the narrated text.
    """
    quiet = Console(file=io.StringIO()) if as_json else None

    def ready(summary: dict[str, Any]) -> None:
        if as_json:
            emit(summary, as_json=True)

    async def body() -> None:
        await run_demo(
            Settings(), host, port, once=once, on_ready=ready, console=quiet, with_ldap=ldap
        )

    run(body)
