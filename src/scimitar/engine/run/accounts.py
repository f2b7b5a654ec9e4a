"""What drift and orphan reports share: the cycle's context, the app's accounts, the links.

Both compare the app's user accounts, read a page at a time (``GET /Users`` with
``startIndex``/``count``, RFC 7644 §3.4.2.4, within the app's rate limits), with what the
store's links and today's mappings say. They decide with the cycle's own code
(:func:`~scimitar.engine.run.objects.prepare_user`), never with a copy of its rules.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from scimitar.apps import Apps, JobConfig, PrincipalType
from scimitar.connector.operations import TargetOperations
from scimitar.connector.ratelimit import AccountLimits, Throttle, account_of
from scimitar.engine.run.context import CycleContext, build_context
from scimitar.store import Database
from scimitar.store.fastsql import SQLConnection

__all__ = ["ACCOUNT_PAGE", "AppAccounts", "open_accounts"]

#: Accounts asked for in one ``GET /Users`` page.
ACCOUNT_PAGE = 500
_CONCURRENCY = 8


@dataclass
class AppAccounts:
    """One app's job, its compiled context and its SCIM operations, open for a report."""

    config: JobConfig
    ctx: CycleContext
    port: TargetOperations

    async def pages(self, page_size: int = ACCOUNT_PAGE) -> AsyncIterator[list[dict[str, Any]]]:
        """The app's user accounts, a page at a time, the next one asked for ahead.

        While the caller works on a page, the app already prepares the next one (a report's
        two halves, the app's query and the engine's mapping, overlap instead of taking turns;
        measured in bench/plan.py).
        """
        listing = aiter(self.port.list_all("User", page_size=page_size))
        ahead: asyncio.Future[list[dict[str, Any]] | None] = asyncio.ensure_future(
            anext(listing, None)
        )
        try:
            while (page := await ahead) is not None:
                ahead = asyncio.ensure_future(anext(listing, None))
                yield page
        finally:
            ahead.cancel()


async def context_of(apps: Apps, config: JobConfig) -> CycleContext:
    """The context a cycle of this job would run with (assignments and roles as they are)."""
    roles = await apps.assignments.effective_roles(config.app)
    listed = await apps.assignments.list(config.app.id)
    groups = frozenset(a.principal_id for a in listed if a.principal_type is PrincipalType.GROUP)
    return build_context(config, roles, groups)


@asynccontextmanager
async def open_accounts(apps: Apps, app_key: str) -> AsyncIterator[AppAccounts]:
    """The app's job, context and SCIM operations (its credentials must be saved)."""
    config = await apps.provisioning.config(app_key)
    ctx = await context_of(apps, config)
    credentials = await apps.provisioning.credentials(config.app.id)
    async with apps.provisioning.client(credentials) as client:
        throttle = Throttle.for_limits(
            config.template.document.rate_limits,
            concurrency=_CONCURRENCY,
            shared=AccountLimits(),
            account=account_of(config.template.id, credentials.tenant_url),
        )
        yield AppAccounts(
            config, ctx, TargetOperations(client, config.connector_options(), throttle=throttle)
        )


async def linked_targets(database: Database, app_id: str) -> dict[str, tuple[str, str | None]]:
    """Target id → (source id, why disabled) of every user link of the app."""
    async with database.fast_read() as conn:
        rows = await _link_rows(conn, app_id)
    return {str(t): (str(s), None if c is None else str(c)) for s, t, c in rows}


async def _link_rows(conn: SQLConnection, app_id: str) -> list[Any]:
    return await conn.fetch_all(
        "SELECT source_id, target_id, disabled_cause FROM engine_link "
        "WHERE app_id = :app_id AND object_type = 'User'",
        {"app_id": app_id},
    )
