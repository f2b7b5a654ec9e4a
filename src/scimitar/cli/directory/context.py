"""What every ``scimitar directory`` command shares: opening the directory, reading pairs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from scimitar.directory.service import DirectoryService
from scimitar.errors import ConfigError
from scimitar.settings import Settings
from scimitar.store import open_database

__all__ = ["OverrideOption", "open_directory", "parse_pairs", "render_attributes"]

OverrideOption = Annotated[
    bool,
    typer.Option(
        "--override-source",
        help="Edit an object a source feeds (its next sync writes the mapped values back).",
    ),
]


@asynccontextmanager
async def open_directory() -> AsyncIterator[DirectoryService]:
    """The directory named by the environment's settings, closed afterwards."""
    settings = Settings()
    database = await open_database(settings)
    try:
        yield DirectoryService.from_settings(database, settings)
    finally:
        await database.dispose()


def parse_pairs(pairs: Sequence[str]) -> dict[str, Any]:
    """``["jobTitle=Engineer", "mobile="]`` → ``{"jobTitle": "Engineer", "mobile": None}``.

    An empty value clears the attribute.

    Raises:
        ConfigError: A pair has no ``=``.
    """
    values: dict[str, Any] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise ConfigError(f"{pair!r} is not NAME=VALUE (an empty VALUE clears the attribute)")
        values[name.strip()] = value if value.strip() else None
    return values


def render_attributes(title: str, attributes: dict[str, Any]) -> Any:
    """A function that prints attributes with a value as a two-column table."""

    def render(console: Console) -> None:
        table = Table(title=title, show_header=False)
        for name, value in attributes.items():
            if value is not None and value != []:
                shown = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
                table.add_row(name, shown)
        console.print(table)

    return render
