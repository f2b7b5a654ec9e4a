"""What every ``scimitar app`` command shares: the services over the environment's store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from scimitar.apps import Apps, JobConfig
from scimitar.apps.reference_rules import reference_warnings
from scimitar.cli.mapping_table import mapping_table, plain
from scimitar.cli.output import stderr
from scimitar.mapping.mappings import MappingSet
from scimitar.settings import Settings
from scimitar.store import open_database

__all__ = [
    "AppArgument",
    "ObjectOption",
    "open_apps",
    "render_config",
    "render_mapping_set",
    "warn_references",
]

AppArgument = Annotated[str, typer.Argument(metavar="APP", help="The app's name or id.")]
ObjectOption = Annotated[str, typer.Option("--object", help="user or group: which object mapping.")]


@asynccontextmanager
async def open_apps() -> AsyncIterator[Apps]:
    """The apps services over the store the environment names, closed afterwards."""
    settings = Settings()
    database = await open_database(settings)
    try:
        yield Apps.create(database, settings)
    finally:
        await database.dispose()


def render_config(config: JobConfig) -> Any:
    """Print a job's configuration for a person."""

    def render(console: Console) -> None:
        app = config.app
        console.print(f"[bold]{app.name}[/] ({config.template.display_name}), id {app.id}")
        console.print(f"  Tenant URL:   {config.tenant_url or '(not set)'}")
        if config.oauth2 is not None:
            grant = config.oauth2
            scopes = " ".join(grant.scopes) or "(none)"
            console.print(
                f"  OAuth2 client credentials: token URL {grant.token_url}, client id "
                f"{grant.client_id}, scopes {scopes}, client secret saved",
                markup=False,
            )
        else:
            console.print(f"  Secret Token: {'saved' if config.has_token else '(not set)'}")
        console.print(f"  Provisioning: {'On' if config.is_on else 'Off'}")
        for name, value in config.settings.to_dict().items():
            console.print(f"  {name}: {value}")
        console.print(f"  objects: {', '.join(config.object_types)}")
        if config.needs_initial_cycle:
            console.print("  The next cycle is an initial cycle.")

    return render


def render_mapping_set(mapping_set: MappingSet) -> Any:
    """Print a mapping set and its scoping filters as tables."""

    def render(console: Console) -> None:
        console.print(mapping_table(mapping_set))
        for group in mapping_set.scoping_filters:
            clauses = " AND ".join(clause.describe() for clause in group.clauses)
            console.print(plain(f"scoping filter {group.name!r}: {clauses}"))

    return render


def warn_references(mapping_sets: Iterable[MappingSet], target: str | None = None) -> None:
    """Print on stderr each reference sent as text (``manager`` typed String), of ``target``."""
    for mapping_set in mapping_sets:
        for warning in reference_warnings(mapping_set, target):
            stderr.print(f"[bold yellow]warning:[/] {escape(warning)}")
