"""``scimitar app config export|import APP``: the whole provisioning configuration as one file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from scimitar.audit import Actor
from scimitar.cli.app.context import AppArgument, open_apps, render_config, warn_references
from scimitar.cli.files import read_text, write_text
from scimitar.cli.output import JsonOption, emit, run

__all__ = ["config_app"]

config_app = typer.Typer(
    help="An app's provisioning configuration as one JSON file (never the credentials).",
    no_args_is_help=True,
)


@config_app.command("export")
def export(
    key: AppArgument,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the file here instead of stdout."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Print settings, object types, attribute list, mappings and scoping as JSON.

    ``scimitar app config export APP > app.json``; ``import`` reads it back.
    """
    del as_json  # the document is JSON either way

    async def body() -> None:
        async with open_apps() as services:
            document = await services.config.export(key)
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        if output is None:
            sys.stdout.write(text)
        else:
            write_text(output, text)

    run(body)


@config_app.command("import")
def import_(
    key: AppArgument,
    path: Annotated[
        Path, typer.Argument(metavar="FILE", help="A file `config export` wrote ('-': stdin).")
    ],
    as_json: JsonOption = False,
) -> None:
    """Replace the app's configuration with FILE's, or change nothing and list every problem.

    Credentials stay as they are, so a new app of the same template can be configured before
    they are saved. The next cycle is an initial one.
    """
    text = sys.stdin.read() if str(path) == "-" else read_text(path, "the configuration file")

    async def body() -> None:
        async with open_apps() as services:
            config = await services.config.import_text(key, text, actor=Actor.cli())
        warn_references(config.mappings.values())
        emit(config.to_dict(), as_json=as_json, render=render_config(config))

    run(body)
