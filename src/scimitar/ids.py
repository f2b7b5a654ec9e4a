"""Time-ordered identifiers (UUID version 7, RFC 9562 §5.7).

A UUIDv7 starts with the time in milliseconds, so ids made one after another sort one after
another. Rows keyed or indexed by them land at the end of their B-tree instead of on a random
page: writing a batch touches a few pages, not one per row. The random bits come from a PRNG
seeded from ``os.urandom`` (and reseeded in a forked child): ids must be unique, not
unguessable, and a system call per id costs more than the rest of it.
"""

from __future__ import annotations

import os
import random
import time

__all__ = ["uuid7"]

_RANDOM = random.Random(os.urandom(32))  # noqa: S311 - unique, not secret (module doc)
os.register_at_fork(after_in_child=lambda: _RANDOM.seed(os.urandom(32)))

_VERSION_CLEAR = ~(0xF << 76)
_VARIANT_CLEAR = ~(0x3 << 62)


def uuid7() -> str:
    """A new UUIDv7 in its canonical text form (lower-case hex with hyphens)."""
    millis = time.time_ns() // 1_000_000
    value = (millis & 0xFFFF_FFFF_FFFF) << 80 | _RANDOM.getrandbits(80)
    value = (value & _VERSION_CLEAR) | (0x7 << 76)
    value = (value & _VARIANT_CLEAR) | (0x2 << 62)
    digits = f"{value:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
