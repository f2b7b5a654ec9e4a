"""Process-wide settings for a Scimitar process: the event loop and the garbage collector.

Commands run their event loop with :func:`run`: uvloop's loop where it is installed (a
dependency on Linux and macOS), as uvicorn already picks it for ``scimitar serve`` and
``scimitar target serve``. A sync cycle on an app without Bulk sends one request per change,
and asyncio's own loop (its selector, timers and socket transports, in Python) took about a
third of the engine's CPU per request there; uvloop does the same work in C.

A sync cycle allocates millions of short-lived containers (mapped values, request bodies, log
records), and a server answers thousands of requests a second. With CPython's default
thresholds (a young collection every 700 allocations) the cyclic collector took about a fifth
of a cycle's CPU here, mostly rescanning long-lived objects. :func:`tune_gc` moves everything
alive after start-up (modules, classes, settings) out of the collector's sight and collects the
young generation every 50,000 allocations instead; memory that reference counting frees is
unaffected, only garbage in reference cycles waits longer.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["GC_THRESHOLDS", "run", "tune_gc"]

_T = TypeVar("_T")

#: Allocations before a young collection; young collections before a middle one; middle
#: collections before a full one (CPython's defaults: 700, 10, 10).
GC_THRESHOLDS = (50_000, 20, 20)


def tune_gc() -> None:
    """Freeze what start-up left alive and raise the collector's thresholds (idempotent)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def run(main: Coroutine[Any, Any, _T]) -> _T:
    """Run ``main`` to completion in a new event loop: uvloop's where installed, else asyncio's."""
    try:
        import uvloop
    except ImportError:  # not installed (Windows): asyncio's own loop
        return asyncio.run(main)
    return uvloop.run(main)
