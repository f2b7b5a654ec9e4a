"""Whether an app's matching filters can be trusted, checked once per cycle before matching.

Some apps answer a filter they do not implement with ``200`` and ``totalResults: 0`` instead
of ``400 invalidFilter`` (docs/provisioning.md, "Apps that implement SCIM partly"). Matching
would then believe nothing exists and create everything again. So the first time a cycle
needs a filter on an attribute, it asks the app about an object the app is known to hold: the
first object of a one-item listing page, then ``filter=<attribute> eq "<its value>"``. When the
filter does not find that object, the filter is not trusted for the object type: it is learned
(:class:`~scimitar.engine.state.learned.QuirkKind`), and matching answers from a listing of the
app's objects (:class:`~scimitar.engine.run.batch.TargetIndex`, as the ``listing`` method does),
read once per cycle. The check needs no link, so an initial cycle after ``app restart
--reset`` or a new app on an app that already holds objects is protected too; an app with no
object of the type has nothing to duplicate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import structlog

from scimitar.engine.state.learned import LearnedQuirk, LearnedQuirks, QuirkKind
from scimitar.errors import ObjectError, RetryableError
from scimitar.mapping.flow import CompiledMappingSet
from scimitar.mapping.target_path import parse_target_path

if TYPE_CHECKING:
    from scimitar.engine.run.batch import TargetIndex

__all__ = ["FilterTrust", "is_filter_ignored"]

log = structlog.get_logger("scimitar.engine")


async def _first_object(port: Any, object_type: str) -> dict[str, Any] | None:
    list_all = getattr(port, "list_all", None)
    if list_all is None:
        return None
    pages = list_all(object_type, page_size=1)
    try:
        async for page in pages:
            return dict(page[0])
    finally:
        await pages.aclose()
    return None


async def is_filter_ignored(port: Any, object_type: str, attribute: str) -> bool:
    """Whether ``filter=<attribute> eq <value>`` misses an object the app holds.

    Args:
        port: The app's operations (``list_all`` and ``find``).
        object_type: ``User`` or ``Group``.
        attribute: The matching attribute.

    Returns:
        ``True`` when the app's first listed object has a value for the attribute and the
        filter on that value does not return it; ``False`` otherwise (including when there is
        nothing to ask about).
    """
    first = await _first_object(port, object_type)
    if not first or not first.get("id"):
        return False
    value = parse_target_path(attribute).read(first)
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        return False
    hits = await port.find(object_type, attribute, str(value))
    return not any(str(hit.get("id")) == str(first["id"]) for hit in hits)


class FilterTrust:
    """Per cycle: which matching filters were checked, and the listing used where not trusted.

    Args:
        learned: The app's learned quirks (read and extended).
    """

    def __init__(self, learned: LearnedQuirks) -> None:
        self._learned = learned
        self._trusted: dict[tuple[str, str], bool] = {}
        self._indexes: dict[str, TargetIndex] = {}
        self._locks: dict[object, asyncio.Lock] = {}
        self._news: dict[str, list[LearnedQuirk]] = {}

    def _lock(self, key: object) -> asyncio.Lock:
        return self._locks.setdefault(key, asyncio.Lock())

    async def index_for(
        self, port: Any, object_type: str, attribute: str, mapping: CompiledMappingSet
    ) -> TargetIndex | None:
        """``None`` when the app's filter on ``attribute`` can be used; else a listing index.

        Args:
            port: The app's own operations (not a listing index's).
            object_type: ``User`` or ``Group``.
            attribute: The matching attribute about to be filtered on.
            mapping: The type's mapping set (what the listing index reads).
        """
        key = (object_type, attribute.lower())
        async with self._lock(key):
            if key not in self._trusted:
                self._trusted[key] = await self._check(port, object_type, attribute)
        if self._trusted[key]:
            return None
        # batch imports the export code, which asks this module: imported when first needed.
        from scimitar.engine.run.batch import TargetIndex

        async with self._lock(object_type):
            if object_type not in self._indexes:
                self._indexes[object_type] = await TargetIndex.read(port, object_type, mapping)
        return self._indexes[object_type]

    async def check_all(self, port: Any, mappings: Mapping[str, CompiledMappingSet]) -> None:
        """Check every matching filter now (an initial cycle, before it matches anything).

        Matching may read a listing and never ask a filter in this cycle; the check still
        runs, so the quirk is known (and shown) before a later cycle relies on the filter.
        """
        for object_type, mapping in mappings.items():
            for matching in mapping.matching_mappings:
                key = (object_type, matching.target.lower())
                async with self._lock(key):
                    if key not in self._trusted:
                        self._trusted[key] = await self._check(port, object_type, matching.target)

    def take_news(self, object_type: str) -> list[LearnedQuirk]:
        """Quirks of the type learned in this cycle and not yet shown in a log record."""
        return self._news.pop(object_type, [])

    async def _check(self, port: Any, object_type: str, attribute: str) -> bool:
        if self._learned.has(QuirkKind.FILTER_IGNORED, object_type, attribute):
            return False
        try:
            is_ignored = await is_filter_ignored(port, object_type, attribute)
        except (RetryableError, ObjectError) as exc:
            # Not able to check now: matching goes on with the filter, as it always did.
            log.warning(
                "filter_check_unavailable",
                object_type=object_type,
                attribute=attribute,
                error=str(exc),
            )
            return True
        if not is_ignored:
            return True
        detail = f"filter {attribute} eq <the value of a listed {object_type}> found nothing"
        quirk = await self._learned.learn(QuirkKind.FILTER_IGNORED, object_type, attribute, detail)
        if quirk is not None:
            self._news.setdefault(object_type, []).append(quirk)
        return False
