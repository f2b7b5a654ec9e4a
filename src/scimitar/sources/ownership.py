"""Objects a source feeds belong to it: hand edits are refused unless the admin overrides.

The directory's write path (CLI, API, portal) asks :func:`check_editable` inside its
transaction. The error names the owning source(s) and the way out: change the value in the
source, or pass ``--override-source`` (API ``overrideSource=true``), knowing the source's next
sync writes its own values back.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from scimitar.errors import ConfigError
from scimitar.sources.links import owners_of

__all__ = ["SourceOwnedError", "check_editable"]


class SourceOwnedError(ConfigError):
    """A hand edit of an object a source feeds, without the override."""

    def __init__(self, what: str, owners: list[tuple[str, str]]) -> None:
        names = ", ".join(f"{name!r} ({kind})" for name, kind in owners)
        plural = "sources" if len(owners) > 1 else "source"
        super().__init__(
            f"{what} is fed by {plural} {names}: change it there, or pass --override-source "
            "(API: overrideSource=true) to edit it by hand; the source's next sync writes the "
            "attributes it maps back"
        )
        self.owners = owners


async def check_editable(
    conn: AsyncConnection, what: str, object_id: str, *, override: bool
) -> None:
    """Refuse a hand edit of ``object_id`` if a source feeds it and ``override`` is off.

    Args:
        conn: The edit's transaction.
        what: The object as the error names it (``user 'ada@contoso.com'``).
        object_id: Its objectId.
        override: The admin said to edit it anyway.

    Raises:
        SourceOwnedError: Naming the owning sources.
    """
    if override:
        return
    owners = await owners_of(conn, object_id)
    if owners:
        raise SourceOwnedError(what, owners)
