"""Developer logs (structlog): one configuration, and the one place secrets are redacted."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

__all__ = [
    "LEVELS",
    "REDACTED",
    "SECRET_KEYS",
    "configure_logging",
    "redact",
    "redact_text",
]

#: ``SCIMITAR_LOG_LEVEL``'s names.
LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}

REDACTED = "[redacted]"
#: Names of fields whose values are secrets, wherever they are printed or recorded.
SECRET_KEYS = re.compile(r"(authorization|token|secret|password|api[_-]?key|cookie)", re.I)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
# Scimitar's own admin API keys, target tenant tokens and source API keys carry these prefixes.
_PREFIXED = re.compile(r"\b(scimadm|scimtgt|scimsrc)_[A-Za-z0-9_-]+")


def redact_text(text: str, marker: str = REDACTED) -> str:
    """``text`` with bearer credentials and Scimitar keys or tokens in it replaced by ``marker``."""
    text = _BEARER.sub(lambda m: f"{m.group(1)} {marker}", text)
    return _PREFIXED.sub(marker, text)


def redact(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Blank out values under secret-looking keys and bearer credentials inside strings."""
    for key, value in list(event.items()):
        if SECRET_KEYS.search(key):
            event[key] = REDACTED
        elif isinstance(value, str):
            event[key] = redact_text(value)
    return event


class _CurrentStderr:
    """Whatever ``sys.stderr`` is when a line is written (test runners swap it per command)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(
    level: int = logging.INFO,
    *,
    as_json: bool = False,
    level_name: str | None = None,
    log_format: str | None = None,
    stdlib: bool = False,
) -> None:
    """Route structlog to stderr with plain tracebacks (never local variables).

    Never stdout: a command's ``--json`` output must stay one JSON document even when the
    connector logs a retry on the way. ``level_name`` and ``log_format`` (the settings
    ``SCIMITAR_LOG_LEVEL`` and ``SCIMITAR_LOG_FORMAT``) override ``level`` and ``as_json``.
    With ``stdlib``, the standard library's loggers (uvicorn's, the job engine's) are written
    through the same processors, so a server's every line has one format (docs/operations.md).
    Lines carry the context bound with ``structlog.contextvars``: ``app``, ``cycle_id``,
    ``request_id`` where they apply.
    """
    if level_name is not None:
        level = LEVELS[level_name]
    if log_format is not None:
        as_json = log_format == "json"
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            structlog.processors.format_exc_info
            if as_json
            else structlog.processors.StackInfoRenderer(),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    if stdlib:
        _route_stdlib(level, renderer, as_json=as_json)


def _route_stdlib(level: int, renderer: Any, *, as_json: bool) -> None:
    """The root logger writes through structlog's processors to stderr."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            redact,
            structlog.processors.format_exc_info if as_json else _identity,
            renderer,
        ],
    )
    handler = logging.StreamHandler(_CurrentStderr())
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)


def _identity(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    return event
