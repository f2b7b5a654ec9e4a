"""The root ``scimitar`` command; each part of the product adds its own sub-command group.

Sub-commands are imported when they are run, not when ``scimitar`` starts: the root knows each
one's module and one-line help (:data:`LAZY`), so ``scimitar --help`` imports none of them and
``scimitar expr eval`` imports the expression engine but not the server, the store's migrations
or the portal. ``tests/unit/cli/test_lazy_commands.py`` checks both: the help lines match the
commands', and ``import scimitar.cli.main`` pulls in no heavy module. ``bench/cli.py`` times it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
from typer import _click as click
from typer.core import TyperCommand, TyperGroup

from scimitar import __version__
from scimitar.cli.output import EXIT_ERROR, JsonOption, emit, report_unexpected, stderr
from scimitar.runtime import tune_gc

__all__ = ["LAZY", "app", "run"]


@dataclass(frozen=True)
class Lazy:
    """A sub-command the root imports on use: ``module``'s ``attribute`` (a Typer app for a
    group, a function for a command), and its one-line help for ``scimitar --help``."""

    module: str
    attribute: str
    help: str


#: Every sub-command of ``scimitar`` but ``version``, by name. A new command adds a row here.
LAZY: dict[str, Lazy] = {
    "serve": Lazy(
        "scimitar.cli.serve",
        "serve",
        "Run Scimitar: the embedded SCIM target and the scheduler that runs each app's cycles.",
    ),
    "worker": Lazy(
        "scimitar.cli.worker",
        "worker",
        "Run provisioning jobs from the queue (PostgreSQL store): scheduled cycles, app sync.",
    ),
    "jobs": Lazy(
        "scimitar.cli.jobs", "app", "Jobs in the PostgreSQL store's queue (docs/deploy.md)."
    ),
    "demo": Lazy(
        "scimitar.cli.demo",
        "demo",
        "Start Scimitar with an embedded Webex tenant and walk through the seed scenario.",
    ),
    "logs": Lazy(
        "scimitar.cli.logs",
        "logs",
        "Show an app's (or --source NAME's) provisioning log: one record per object per action, "
        "newest first.",
    ),
    "target": Lazy(
        "scimitar.cli.target", "app", "The embedded SCIM 2.0 target (Webex-compatible)."
    ),
    "expr": Lazy(
        "scimitar.cli.expr", "app", "Evaluate mapping expressions; list the function library."
    ),
    "directory": Lazy(
        "scimitar.cli.directory",
        "app",
        "The source directory: users, groups, memberships and their change feed.",
    ),
    "gallery": Lazy("scimitar.cli.gallery", "app", "The app gallery: templates to add apps from."),
    "app": Lazy(
        "scimitar.cli.app",
        "app",
        "Apps (instances of gallery templates): assignments and provisioning.",
    ),
    "admin": Lazy("scimitar.cli.admin", "app", "Admin sign-in: API keys and the portal password."),
    "notify": Lazy(
        "scimitar.cli.notify", "app", "Email notifications (SMTP settings: SCIMITAR_SMTP_*)."
    ),
    "audit": Lazy("scimitar.cli.audit", "app", "The audit log of admin changes (docs/audit.md)."),
    "source": Lazy(
        "scimitar.cli.source",
        "app",
        "Identity sources that feed the directory: LDAP/AD, an inbound API, CSV/JSON files.",
    ),
    "validate": Lazy(
        "scimitar.cli.validate",
        "validate_command",
        "Check a SCIM endpoint against Entra's requests; exit 1 on any failure.",
    ),
}


def load(name: str) -> click.Command:
    """The click command of lazy sub-command ``name``, importing its module."""
    entry = LAZY[name]
    target = getattr(importlib.import_module(entry.module), entry.attribute)
    if isinstance(target, typer.Typer):
        group = typer.main.get_group(target)
        group.name = name
        return group
    holder = typer.Typer()
    holder.command(name)(target)
    return typer.main.get_command(holder)


class _CheckedGroup(TyperGroup):
    """The root command: refuses arguments no command can use before any command runs, and
    imports a sub-command only to run it (its help line comes from :data:`LAZY`).

    Python decodes argv bytes that are not UTF-8 into lone surrogates (PEP 383), which no
    store, terminal or JSON answer can carry; NUL cannot come from a real command line.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A stand-in carrying the help line for a lazy command (what help listings read)."""
        if cmd_name in LAZY and cmd_name not in self.commands:
            return TyperCommand(cmd_name, help=LAZY[cmd_name].help)
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """The real command for the word being run, imported now."""
        if args and args[0] in LAZY and args[0] not in self.commands:
            self.add_command(load(args[0]), args[0])
        return super().resolve_command(ctx, args)

    def load_all(self) -> dict[str, click.Command]:
        """Import every sub-command (for tests that walk the whole command tree)."""
        for name in LAZY:
            if name not in self.commands:
                self.add_command(load(name), name)
        return dict(self.commands)

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


@app.callback()
def main() -> None:
    """Scimitar keeps apps' user accounts in step with a directory, over SCIM 2.0.

    Settings come from the environment: SCIMITAR_DATA_DIR (default ./.scimitar) holds the
    SQLite database and the key file; SCIMITAR_DATABASE_URL points at another database.
    """
    # Developer logs go to stderr, warnings and worse unless SCIMITAR_LOG_LEVEL says otherwise;
    # `serve` raises the level to info.
    import logging

    from scimitar.logs import configure_logging
    from scimitar.settings import Settings

    settings = Settings()
    # A cycle run by this command counts in the server's GET /metrics (docs/operations.md).
    from scimitar.metrics import use_directory

    use_directory(settings)
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
        from rich.markup import escape

        from scimitar.settings import describe_invalid_settings

        invalid = describe_invalid_settings(exc)
        if invalid is not None:
            stderr.print(f"[bold red]error:[/] {escape(invalid)}", markup=True, highlight=False)
            raise SystemExit(EXIT_ERROR) from None
        report_unexpected(exc)
