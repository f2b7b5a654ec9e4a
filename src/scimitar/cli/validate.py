"""``scimitar validate``: will this SCIM endpoint work with Entra (and with Scimitar)?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scimitar.cli.output import JsonOption, emit, fail, run
from scimitar.errors import ScimitarError
from scimitar.validate.context import DIALECTS
from scimitar.validate.report import junit_xml, render
from scimitar.validate.runner import DEFAULT_MAX_EXISTING, ValidateOptions, validate

__all__ = ["validate_command"]

EXIT_REFUSED = 2
EXIT_INTERRUPTED = 130


def validate_command(
    url: Annotated[str, typer.Argument(help="The endpoint's SCIM base URL.")],
    token: Annotated[
        str,
        typer.Option(
            "--token",
            help="Bearer token (or SCIMITAR_VALIDATE_TOKEN).",
            envvar="SCIMITAR_VALIDATE_TOKEN",
        ),
    ],
    dialect: Annotated[
        str, typer.Option("--dialect", help=f"Requests as: {', '.join(DIALECTS)}.")
    ] = "entra-2020",
    only: Annotated[
        str | None, typer.Option("--only", help="Only the users or the groups scenarios.")
    ] = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Also write JUnit XML to this file.")
    ] = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="Leave the objects the run created in place.")
    ] = False,
    max_existing: Annotated[
        int, typer.Option("--max-existing", help="Refuse an endpoint with more users than this.")
    ] = DEFAULT_MAX_EXISTING,
    yes: Annotated[bool, typer.Option("--yes", help="Run even above --max-existing.")] = False,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            help="Also check what this gallery template needs (its mappings' attributes, "
            "quirks and limits), e.g. cisco-webex.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check a SCIM endpoint against Entra's requests; exit 1 on any failure."""
    try:
        options = ValidateOptions(
            url,
            token,
            dialect=dialect,
            only=only,
            keep=keep,
            max_existing=max_existing,
            assume_yes=yes,
            template=template,
        )
    except ScimitarError as exc:
        fail(str(exc))
    outcome: dict[str, bool] = {}

    async def body() -> None:
        try:
            report = await validate(options)
        except ScimitarError as exc:
            fail(str(exc), code=EXIT_REFUSED)
        if junit is not None:
            try:
                junit.write_text(junit_xml(report), encoding="utf-8")
            except OSError as exc:
                fail(
                    f"--junit {junit}: cannot write the file ({exc.strerror}); pick a writable path"
                )
        emit(report.to_dict(), as_json=as_json, render=lambda console: render(report, console))
        outcome["ok"] = report.is_ok
        outcome["interrupted"] = report.interrupted

    run(body)
    if outcome.get("interrupted"):
        raise typer.Exit(EXIT_INTERRUPTED)
    if not outcome.get("ok"):
        raise typer.Exit(1)
