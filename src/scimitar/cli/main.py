"""The root ``scimitar`` command; each part of the product adds its own sub-command group."""

from __future__ import annotations

import logging

import typer

from scimitar import __version__
from scimitar.cli import admin, demo, directory, expr, gallery, logs, notify, serve, target
from scimitar.cli import app as app_commands
from scimitar.cli.output import JsonOption, emit
from scimitar.logs import configure_logging
from scimitar.runtime import tune_gc

__all__ = ["app", "run"]

app = typer.Typer(
    name="scimitar",
    help="Self-hosted identity provisioning over SCIM 2.0.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("logs")(logs.logs)
app.add_typer(target.app, name="target")
app.add_typer(expr.app, name="expr")
app.add_typer(directory.app, name="directory")
app.add_typer(gallery.app, name="gallery")
app.add_typer(app_commands.app, name="app")
app.add_typer(admin.app, name="admin")
app.add_typer(notify.app, name="notify")


@app.callback()
def main() -> None:
    """Scimitar keeps apps' user accounts in step with a directory, over SCIM 2.0.

    Settings come from the environment: SCIMITAR_DATA_DIR (default ./.scimitar) holds the
    SQLite database and the key file; SCIMITAR_DATABASE_URL points at another database.
    """
    # Developer logs go to stderr, warnings and worse; `serve` raises the level to info.
    configure_logging(logging.WARNING)


@app.command("version")
def version(as_json: JsonOption = False) -> None:
    """Print Scimitar's version."""
    emit({"version": __version__}, as_json=as_json, render=lambda c: c.print(__version__))


def run() -> None:
    """Console-script entry point."""
    tune_gc()
    app()
