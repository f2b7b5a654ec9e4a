"""JSON encoding for hot paths: orjson where it can, the standard library where it can't.

A sync cycle writes a provisioning log record, a link and a request body per object, and the
embedded target renders a response per request; the standard library's encoder spent a fifth
of the engine's time on them (docs/benchmarks.md). orjson writes the same JSON several times
faster, compactly (no spaces). It refuses integers wider than 64 bits, which the standard
library writes, so those values fall back to it.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = ["dumps", "dumps_bytes"]

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
