"""What every ``scimitar source`` command shares: the services over the environment's store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from scimitar.secrets import SecretBox
from scimitar.settings import Settings
from scimitar.sources.config import SourceDefinition
from scimitar.sources.service import SourceService
from scimitar.sources.sync import SourceSync
from scimitar.store import Database, open_database

__all__ = ["SourceArgument", "SourceServices", "open_sources", "render_source"]

SourceArgument = Annotated[str, typer.Argument(metavar="NAME", help="The source's name or id.")]


@dataclass(frozen=True, slots=True)
class SourceServices:
    """The sources service and the sync, over one store."""

    database: Database
    sources: SourceService
    sync: SourceSync


@asynccontextmanager
async def open_sources() -> AsyncIterator[SourceServices]:
    """The source services over the store the environment names, closed afterwards."""
    settings = Settings()
    database = await open_database(settings)
    try:
        sources = SourceService(database, SecretBox.from_settings(settings))
        yield SourceServices(database, sources, SourceSync(database, sources))
    finally:
        await database.dispose()


def render_source(found: SourceDefinition) -> Any:
    """Print a source's configuration for a person."""

    def render(console: Console) -> None:
        console.print(Text(f"{found.name} ({found.kind.value}), id {found.id}", style="bold"))
        for name, value in found.settings.items():
            console.print(Text(f"  {name}: {value}"))
        if found.secret is not None:
            console.print("  secret: saved")
        if found.has_api_key:
            console.print("  API key: saved (hashed)")
        interval = f"every {found.interval_minutes} min" if found.interval_minutes else "on demand"
        console.print(f"  schedule: {interval}{'' if found.is_enabled else ' (disabled)'}")
        threshold = found.delete_threshold if found.delete_threshold is not None else "none"
        console.print(f"  delete threshold: {threshold}, deletion rule: {found.deletion_rule}")
        extra = ", ".join(f"{k}={v}" for k, v in found.attribute_precedence.items())
        console.print(f"  precedence: {found.precedence}" + (f" ({extra})" if extra else ""))
        console.print(f"  mappings: {', '.join(sorted(found.mappings)) or 'none'}")
        last = found.state.get("lastRun")
        if isinstance(last, dict):
            outcome = last.get("error") or ", ".join(
                f"{k} {v}" for k, v in (last.get("counts") or {}).items() if v
            )
            console.print(Text(f"  last sync: {last.get('at')}: {outcome or 'nothing to do'}"))

    return render
