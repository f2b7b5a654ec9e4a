"""How an initial cycle matches, chosen per object type (the template's ``quirks.matching``).

Matching semantics never change (docs/provisioning.md "Matching"): the first matching
attribute, in precedence order, that finds anything decides. What changes is how the engine
learns what the app holds:

- ``listing``: the app's objects are read once, in pages, into an index of their matching
  values (:class:`~scimitar.engine.run.batch.TargetIndex`); no request per object.
- ``filterBatches``: one filter joins up to ``filterOrMaxTerms`` values with ``or``
  (:class:`~scimitar.engine.run.filterbatch.BatchedPort`), for apps known to answer ``or``.
- ``perObject``: one ``GET /Users?filter=userName eq "..."`` per object, as Entra does.
- ``auto`` (the default): the app's ``totalResults`` (a one-item page) against the objects in
  scope. The listing is chosen when its pages cost no more requests than the queries would
  (an empty app needs no page at all), and while the index stays within
  :data:`LISTING_MAX_OBJECTS`; else the queries, batched when the template says the app takes
  ``or``. With nothing in scope of a type, nothing is asked.

An app that cannot answer a listing (after the connector's retries) is matched with queries:
slower, never wrong. The choice is logged (``matching_chosen``) and shown in the cycle's
progress (``scimitar app status``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from scimitar.apps.model import ConnectorOptions
from scimitar.engine.core.scope import ScopeSetting
from scimitar.engine.run.batch import IndexedPort, TargetIndex
from scimitar.engine.run.context import CycleContext
from scimitar.engine.run.filterbatch import BatchedPort
from scimitar.engine.state.work import TargetPort
from scimitar.errors import RetryableError
from scimitar.gallery.schema import MatchingMethod

__all__ = ["LISTING_MAX_OBJECTS", "LISTING_PAGE", "MatchingChoice", "choose", "matching_port"]

log = structlog.get_logger("scimitar.engine")

#: Objects per listing request (``count``), as :meth:`TargetOperations.list_all` asks.
LISTING_PAGE = 500
#: Most app objects a listing index holds (ids and matching values, about 200 bytes each);
#: an app holding more is matched with queries.
LISTING_MAX_OBJECTS = 1_000_000


@dataclass(frozen=True, slots=True)
class MatchingChoice:
    """What matching does for one object type in this cycle, and what it was decided from.

    Attributes:
        object_type: ``User`` or ``Group``.
        method: ``listing``, ``filterBatches`` or ``perObject`` (never ``auto``).
        target_total: The app's ``totalResults`` when it was asked (``auto`` only).
        in_scope: The objects of the type the cycle may match (an upper bound).
    """

    object_type: str
    method: MatchingMethod
    target_total: int | None
    in_scope: int


def _queries(options: ConnectorOptions) -> MatchingMethod:
    if options.filter_or_max_terms:
        return MatchingMethod.FILTER_BATCHES
    return MatchingMethod.PER_OBJECT


def choose(options: ConnectorOptions, target_total: int | None, in_scope: int) -> MatchingMethod:
    """The method for one object type: the template's, or for ``auto`` the cheaper one.

    Args:
        options: The app's connector options (``matching``, ``filter_or_max_terms``).
        target_total: The app's object count; ``None`` when it did not say.
        in_scope: The objects the cycle may have to match.
    """
    if options.matching is not MatchingMethod.AUTO:
        return options.matching
    if in_scope == 0:
        return MatchingMethod.PER_OBJECT  # nothing to match: ask nothing
    if target_total is None or target_total > LISTING_MAX_OBJECTS:
        return _queries(options)
    listing = math.ceil(target_total / LISTING_PAGE)
    terms = options.filter_or_max_terms or 1
    queries = math.ceil(in_scope / terms)
    return MatchingMethod.LISTING if listing <= queries else _queries(options)


def _in_scope(ctx: CycleContext, object_type: str, counts: Mapping[str, int]) -> int:
    if ctx.setting is ScopeSetting.ALL:
        return counts.get(object_type, 0)
    if object_type == "User":
        return len(ctx.user_roles)
    return len(ctx.assigned_groups)


async def _total(port: Any, object_type: str) -> int | None:
    """The app's count, or None when the port cannot ask (a port that only matches)."""
    total = getattr(port, "total", None)
    if total is None or getattr(port, "list_all", None) is None:
        return None
    try:
        return await total(object_type)  # type: ignore[no-any-return]
    except RetryableError as exc:
        log.warning("matching_total_unavailable", object_type=object_type, error=str(exc))
        return None


async def matching_port(
    ctx: CycleContext, port: TargetPort, counts: Mapping[str, int]
) -> tuple[TargetPort, list[MatchingChoice]]:
    """The port an initial cycle matches through, and the method chosen for each type.

    Args:
        ctx: The cycle.
        port: The app's operations.
        counts: The directory's objects by type (``User``, ``Group``).
    """
    choices: list[MatchingChoice] = []
    indexes: dict[str, TargetIndex] = {}
    for object_type in ("User", "Group"):
        if not ctx.handles(object_type):
            continue
        in_scope = _in_scope(ctx, object_type, counts)
        is_asked = ctx.options.matching is MatchingMethod.AUTO and in_scope > 0
        total = await _total(port, object_type) if is_asked else None
        method = choose(ctx.options, total, in_scope)
        if method is MatchingMethod.LISTING:
            mapping = ctx.mappings[object_type]
            try:
                indexes[object_type] = (
                    TargetIndex.empty(object_type, mapping)
                    if total == 0  # nothing to read: the count said so
                    else await TargetIndex.read(port, object_type, mapping)
                )
            except RetryableError as exc:
                log.warning("listing_match_unavailable", object_type=object_type, error=str(exc))
                method = _queries(ctx.options)
        choice = MatchingChoice(object_type, method, total, in_scope)
        log.info(
            "matching_chosen",
            app_id=ctx.app_id,
            object_type=object_type,
            method=method.value,
            target_total=total,
            in_scope=in_scope,
        )
        choices.append(choice)
    matched: TargetPort = port
    if ctx.options.filter_or_max_terms and any(
        c.method is MatchingMethod.FILTER_BATCHES for c in choices
    ):
        matched = BatchedPort(port, ctx.options.filter_or_max_terms)
    return IndexedPort(matched, indexes) if indexes else matched, choices
