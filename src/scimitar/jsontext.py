"""JSON encoding for hot paths: orjson where it can, the standard library where it can't.

A sync cycle writes a provisioning log record, a link and a request body per object, and the
embedded target renders a response per request; the standard library's encoder spent a fifth
of the engine's time on them (docs/benchmarks.md). orjson writes the same JSON several times
faster, compactly (no spaces). It refuses integers wider than 64 bits, which the standard
library writes, so those values fall back to it.

Reading goes the same way: orjson parses twice as fast, but it reads an integer wider than 64
bits as a float and refuses what the standard library also accepts (``NaN``, lone surrogates,
other encodings than UTF-8). A document orjson refuses, or in which it found a float (rare in
what Scimitar reads: directory attributes, SCIM responses), is read again by the standard
library, so :func:`loads` always gives what ``json.loads`` gives.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps", "dumps_bytes", "loads"]

_OPTIONS = orjson.OPT_NON_STR_KEYS
_FALLBACK = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps_bytes(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except TypeError:
        return _FALLBACK.encode(value).encode("utf-8")


def dumps(value: Any) -> str:
    """``value`` as compact JSON text."""
    try:
        return orjson.dumps(value, option=_OPTIONS).decode("utf-8")
    except TypeError:
        return _FALLBACK.encode(value)


def loads(text: str | bytes) -> Any:
    """The value of a JSON document, exactly as ``json.loads`` reads it (but faster).

    Raises:
        ValueError: The text is not JSON (``json.JSONDecodeError``).
        UnicodeDecodeError: The bytes are in no encoding JSON allows.
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
    return json.loads(text) if _has_float(value) else value


def _has_float(value: Any) -> bool:
    """Whether a float is anywhere in ``value`` (orjson's reading of a wide integer)."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is dict:
            pending.extend(v for v in item.values() if type(v) is not str)
        elif kind is list:
            pending.extend(item)
        elif kind is float:
            return True
    return False
