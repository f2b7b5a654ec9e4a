"""``scimitar gallery``: the app templates one can add as apps."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from scimitar.cli.mapping_table import mapping_table
from scimitar.cli.output import JsonOption, emit, run
from scimitar.gallery.service import GalleryService
from scimitar.gallery.template import AppTemplate

__all__ = ["app"]

app = typer.Typer(help="The app gallery: templates to add apps from.", no_args_is_help=True)


@app.command("list")
def list_(
    search: Annotated[
        str | None, typer.Option("--search", help="Only templates mentioning this text.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the gallery's templates."""

    async def body() -> None:
        templates = GalleryService.builtin().list(search)
        values = [template.summary() for template in templates]

        def render(console: Console) -> None:
            table = Table("id", "name", "publisher", "objects")
            for value in values:
                objects = ", ".join(value["objectTypes"])
                table.add_row(value["id"], value["displayName"], value["publisher"], objects)
            console.print(table)

        emit(values, as_json=as_json, render=render)

    run(body)


@app.command("show")
def show(
    template_id: Annotated[str, typer.Argument(metavar="TEMPLATE", help="A template id.")],
    as_json: JsonOption = False,
) -> None:
    """Show a template: Tenant URL forms, auth, roles, mappings, quirks, rate limits."""

    async def body() -> None:
        template = GalleryService.builtin().get(template_id)
        emit(template.to_dict(), as_json=as_json, render=_render(template))

    run(body)


def _render(template: AppTemplate) -> Any:
    doc = template.document

    def render(console: Console) -> None:
        console.print(f"[bold]{doc.display_name}[/] ({doc.id}) by {doc.publisher}")
        console.print(doc.description)
        for form in doc.tenant_url:
            console.print(f"  Tenant URL: {form.template}  {form.label}")
        console.print(f"  Secret Token: {doc.auth.token_hint}")
        console.print(f"  Roles: {', '.join(template.roles)}")
        console.print(f"  Dialect: {doc.dialect.value}; updates by {doc.quirks.update_method}")
        for object_type, mapping_set in template.default_mappings.items():
            console.print(mapping_table(mapping_set, f"{object_type} mappings"))
        for limit in doc.rate_limits:
            console.print(
                f"  Rate limit: {limit.requests} per {limit.per_seconds} s ({limit.applies_to})"
            )

    return render
