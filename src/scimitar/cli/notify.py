"""``scimitar notify``: check that notification mails reach an app's admins."""

from __future__ import annotations

from collections.abc import Callable

import typer
from rich.console import Console

from scimitar.cli.app.context import AppArgument, open_apps
from scimitar.cli.output import JsonOption, emit, run
from scimitar.clock import utcnow
from scimitar.notify import TestMail, send_test_mail
from scimitar.settings import Settings

__all__ = ["app"]

app = typer.Typer(
    help="Email notifications (SMTP settings: SCIMITAR_SMTP_*).", no_args_is_help=True
)


@app.command("test")
def send_test(app_key: AppArgument, as_json: JsonOption = False) -> None:
    """Send a test mail to the app's notification address through the SMTP settings."""

    async def body() -> None:
        async with open_apps() as services:
            config = await services.provisioning.config(app_key)
        sent = await send_test_mail(Settings(), config, utcnow())
        emit(sent.to_dict(), as_json=as_json, render=_render(sent))

    run(body)


def _render(sent: TestMail) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        console.print(f"Sent {sent.subject!r} to {sent.to} through {sent.server}.")

    return render
