"""The outcome of matching an unlinked object against the target (docs/entra.md §2.2, §1.6).

The engine queries the target once per matching attribute, in matching precedence order
(``GET /Users?filter=<attr> eq "<value>"``), and stops at the first attribute that finds
anything: 0 hits on every attribute → create; 1 hit → link and update; several hits →
``DuplicateTargetEntries``. Compound matching is not supported (attributes are tried one at a
time), as in Entra.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scimitar.engine.core.actions import Adopt, Create, Failure

__all__ = ["DUPLICATE_TARGET_ENTRIES", "MatchAttempt", "resolve_match"]

#: Entra's error code when a matching value finds several target objects (docs/entra.md §1.8).
DUPLICATE_TARGET_ENTRIES = "DuplicateTargetEntries"


@dataclass(frozen=True, slots=True)
class MatchAttempt:
    """One matching query and what it found.

    Attributes:
        attribute: The target attribute queried (``userName``, ``displayName``...).
        value: The value looked for.
        target_ids: The ids of the target objects the query returned.
    """

    attribute: str
    value: Any
    target_ids: tuple[str, ...] = ()


def resolve_match(attempts: Iterable[MatchAttempt]) -> Create | Adopt | Failure:
    """Decide from matching queries, given in matching precedence order (docs/entra.md §2.2).

    Args:
        attempts: The queries made so far; the first with any hit decides, so the engine may
            stop querying as soon as one finds something.

    Returns:
        ``Create`` when nothing matched, ``Adopt`` for exactly one hit, else a
        ``DuplicateTargetEntries`` failure naming the attribute, value and ids.
    """
    for attempt in attempts:
        ids = tuple(dict.fromkeys(attempt.target_ids))
        if len(ids) == 1:
            return Adopt(ids[0])
        if ids:
            return Failure(DUPLICATE_TARGET_ENTRIES, _duplicates(attempt, ids))
    return Create()


def _duplicates(attempt: MatchAttempt, ids: Sequence[str]) -> str:
    return (
        f"{len(ids)} objects in the app have {attempt.attribute} equal to {attempt.value!r} "
        f"(ids {', '.join(ids)}); make the matching attribute unique in the app, or change "
        f"the matching attributes, so that each source object matches one target object."
    )
