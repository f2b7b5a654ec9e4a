"""``scimitar expr``: try attribute-mapping expressions and list the function library
(docs/entra.md §4)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scimitar.cli.output import JsonOption, emit, fail, stderr
from scimitar.errors import ExpressionEvaluationError, ExpressionSyntaxError
from scimitar.mapping import LIBRARY, evaluate
from scimitar.mapping.values import IGNORE_FLOW

__all__ = ["app"]

app = typer.Typer(
    help="Evaluate mapping expressions; list the function library.", no_args_is_help=True
)

AttrOption = Annotated[
    list[str] | None,
    typer.Option(
        "--attr",
        "-a",
        help="A source attribute, NAME=VALUE; repeat a NAME to make it multi-valued.",
    ),
]


def parse_attributes(pairs: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs to directory attributes; a repeated name becomes a list.

    Raises:
        typer.BadParameter: For a pair without ``=``.
    """
    attributes: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--attr")
        name = name.strip()
        if name in attributes:
            previous = attributes[name]
            attributes[name] = (
                [*previous, value] if isinstance(previous, list) else [previous, value]
            )
        else:
            attributes[name] = value
    return attributes


def caret_lines(error: ExpressionSyntaxError) -> list[str]:
    """The expression line holding the error, and a caret under the error's column."""
    lines = error.expression.split("\n") or [""]
    line = lines[min(error.line, len(lines)) - 1]
    return [line, " " * (error.column - 1) + "^"]


@app.command("eval")
def eval_command(
    expression: Annotated[str, typer.Argument(help="e.g. 'Join(\" \", [givenName], [surname])'")],
    attr: AttrOption = None,
    as_json: JsonOption = False,
) -> None:
    """Evaluate EXPRESSION against the given attributes and print the result."""
    attributes = parse_attributes(attr or [])
    try:
        result = evaluate(expression, attributes)
    except ExpressionSyntaxError as exc:
        for line in caret_lines(exc):
            stderr.print(escape(line), markup=True, highlight=False)
        fail(f"syntax error at {exc}")
    except ExpressionEvaluationError as exc:
        fail(f"evaluation failed: {exc}")
    document: dict[str, Any] = {"result": None if result is IGNORE_FLOW else result}
    if result is IGNORE_FLOW:
        document["isFlowIgnored"] = True
    emit(document, as_json=as_json, render=lambda console: _render_result(console, result))


def _render_result(console: Console, result: Any) -> None:
    if result is IGNORE_FLOW:
        console.print("(no value: the attribute is left out of the flow)")
    elif result is None:
        console.print("(null: nothing is sent)")
    elif isinstance(result, str):
        console.print(escape(result), highlight=False)
    else:
        console.print_json(data=result)


@app.command("functions")
def functions_command(as_json: JsonOption = False) -> None:
    """List every function of the expression language."""
    documents = [
        {
            "name": spec.name,
            "signature": spec.signature(),
            "summary": spec.summary,
            "parameters": [
                {"name": p.name, "required": p.required, "allowMultipleOccurrences": p.repeats}
                for p in spec.params
            ],
        }
        for spec in sorted(LIBRARY.values(), key=lambda s: s.name.lower())
    ]
    emit(
        {"functions": documents}, as_json=as_json, render=lambda c: _render_functions(c, documents)
    )


def _render_functions(console: Console, documents: list[dict[str, Any]]) -> None:
    table = Table("Signature", "What it does", title=f"{len(documents)} functions")
    for document in documents:
        table.add_row(escape(document["signature"]), escape(document["summary"]))
    console.print(table)
