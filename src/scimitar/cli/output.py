"""How every command prints: rich for people, one JSON document with ``--json``, errors on stderr.

A command body is an async function run by :func:`run`; it returns the value to print as JSON and
a callable that renders the same value for a person. Errors Scimitar raises on purpose become one
line on stderr and exit code 1; nothing of them reaches stdout.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any, NoReturn

import structlog
import typer
from rich.console import Console
from rich.markup import escape

from scimitar import runtime
from scimitar.errors import ScimitarError

__all__ = ["JsonOption", "emit", "fail", "report_unexpected", "run", "stderr", "stdout"]

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")
]

stdout = Console(soft_wrap=True, highlight=False)
stderr = Console(stderr=True, soft_wrap=True, highlight=False)

EXIT_ERROR = 1
EXIT_BUG = 70
log = structlog.get_logger("scimitar.cli")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot print {type(value).__name__} as JSON")


def emit(value: Any, *, as_json: bool, render: Callable[[Console], None] | None = None) -> None:
    """Print a command's result: JSON on stdout, or a rendering for people."""
    if as_json:
        sys.stdout.write(json.dumps(value, default=_json_default, ensure_ascii=False, indent=2))
        sys.stdout.write("\n")
        sys.stdout.flush()
        return
    if render is not None:
        render(stdout)
    else:
        stdout.print_json(json.dumps(value, default=_json_default, ensure_ascii=False))


def fail(message: str, *, code: int = EXIT_ERROR) -> NoReturn:
    """Print an error on stderr and exit non-zero."""
    shown = message.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates
    stderr.print(f"[bold red]error:[/] {escape(shown)}", markup=True, highlight=False)
    raise typer.Exit(code)


def run(body: Callable[[], Awaitable[None]]) -> None:
    """Enter the event loop once, at the command boundary, and turn known errors into exits."""
    try:
        runtime.run(_guarded(body))
    except ScimitarError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted", code=130)


def report_unexpected(exc: BaseException) -> NoReturn:
    """One line for an error no command expected (a bug), and exit 70 (``EX_SOFTWARE``).

    The details go to the developer log (``SCIMITAR_LOG_LEVEL=debug`` shows them), never a
    traceback on the terminal.
    """
    log.debug("cli_unexpected_error", error_type=type(exc).__name__, exc_info=exc)
    message = (
        f"unexpected {type(exc).__name__}: {_safe(str(exc))[:200]}. This is a bug in "
        "Scimitar; please report it with the command you ran"
    )
    stderr.print(f"[bold red]error:[/] {escape(message)}", markup=True, highlight=False)
    raise SystemExit(EXIT_BUG)  # outside typer: its Exit would end in a traceback


def _safe(text: str) -> str:
    """``text`` as a terminal can show it (lone surrogates and controls escaped)."""
    return text if text.isprintable() else repr(text)[1:-1]


async def _guarded(body: Callable[[], Awaitable[None]]) -> None:
    await body()
