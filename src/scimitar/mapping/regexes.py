"""Admin-written regular expressions, compiled once and run with a time limit.

Entra uses .NET regexes (docs/entra.md §4.2 Replace, §5 REGEX MATCH). The ``regex`` package reads
the
same named-group syntax (``(?<name>…)``) and can stop a runaway pattern after a timeout.
Replacement templates use .NET's ``$1``, ``${name}``, ``$0``/``$&`` and ``$$``.
"""

from __future__ import annotations

from functools import lru_cache

import regex

__all__ = ["compile_pattern", "expand", "parse_template"]


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """Compile a .NET-style pattern (cached).

    Raises:
        ValueError: If the pattern is not a valid regular expression.
    """
    try:
        return regex.compile(pattern, regex.VERSION0)
    except (regex.error, OverflowError, RecursionError) as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc


@lru_cache(maxsize=1024)
def parse_template(template: str) -> tuple[str | int | tuple[str], ...]:
    """Split a .NET replacement template into literal text, group numbers and ``(name,)``."""
    parts: list[str | int | tuple[str]] = []
    literal: list[str] = []
    matcher = regex.compile(r"\$(?:(\d+)|\{(\w+)\}|(\$)|(&))")
    position = 0
    for found in matcher.finditer(template):
        literal.append(template[position : found.start()])
        position = found.end()
        number, name, dollar, whole = found.groups()
        if dollar or (number is None and name is None and whole is None):
            literal.append("$")
            continue
        parts.append("".join(literal))
        literal = []
        parts.append(0 if whole else int(number) if number is not None else (name,))
    literal.append(template[position:])
    parts.append("".join(literal))
    return tuple(part for part in parts if part != "")


def expand(match: regex.Match[str], template: tuple[str | int | tuple[str], ...]) -> str:
    """Fill a parsed template from a match; unknown groups expand to nothing."""
    pieces: list[str] = []
    for part in template:
        if isinstance(part, str):
            pieces.append(part)
            continue
        key: str | int = part if isinstance(part, int) else part[0]
        try:
            pieces.append(match.group(key) or "")
        except IndexError:
            pieces.append("")
    return "".join(pieces)
