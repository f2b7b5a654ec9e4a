"""The root ``scimitar`` command; each part of the product adds its own sub-command group."""

from __future__ import annotations

import logging
from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from scimitar import __version__
from scimitar.cli import (
    admin,
    audit,
    demo,
    directory,
    expr,
    gallery,
    logs,
    notify,
    serve,
    target,
)
from scimitar.cli import app as app_commands
from scimitar.cli import source as source_commands
from scimitar.cli.output import EXIT_ERROR, JsonOption, emit, report_unexpected, stderr
from scimitar.logs import configure_logging
from scimitar.runtime import tune_gc
from scimitar.settings import Settings, describe_invalid_settings

__all__ = ["app", "run"]


class _CheckedGroup(TyperGroup):
    """The root command: refuses arguments no command can use before any command runs.

    Python decodes argv bytes that are not UTF-8 into lone surrogates (PEP 383), which no
    store, terminal or JSON answer can carry; NUL cannot come from a real command line.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        for position, arg in enumerate(args, start=1):
            problem = _argument_problem(arg)
            if problem is not None:
                raise typer.BadParameter(
                    f"argument {position} {problem}; pass text in UTF-8 (check the terminal's "
                    "or the script's encoding)"
                )
        parsed: list[str] = super().parse_args(ctx, args)
        return parsed


def _argument_problem(arg: str) -> str | None:
    if "\x00" in arg:
        return "holds a NUL character"
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8 text"
    return None


app = typer.Typer(
    cls=_CheckedGroup,
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
app.add_typer(audit.app, name="audit")
app.add_typer(source_commands.app, name="source")


@app.callback()
def main() -> None:
    """Scimitar keeps apps' user accounts in step with a directory, over SCIM 2.0.

    Settings come from the environment: SCIMITAR_DATA_DIR (default ./.scimitar) holds the
    SQLite database and the key file; SCIMITAR_DATABASE_URL points at another database.
    """
    # Developer logs go to stderr, warnings and worse unless SCIMITAR_LOG_LEVEL says otherwise;
    # `serve` raises the level to info.
    settings = Settings()
    configure_logging(
        logging.WARNING, level_name=settings.log_level, log_format=settings.log_format
    )


@app.command("version")
def version(as_json: JsonOption = False) -> None:
    """Print Scimitar's version."""
    emit({"version": __version__}, as_json=as_json, render=lambda c: c.print(__version__))


def run() -> None:
    """Console-script entry point: a failure is one line on stderr, never a traceback."""
    tune_gc()
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - the last place an unexpected error can end
        invalid = describe_invalid_settings(exc)
        if invalid is not None:
            stderr.print(f"[bold red]error:[/] {escape(invalid)}", markup=True, highlight=False)
            raise SystemExit(EXIT_ERROR) from None
        report_unexpected(exc)
